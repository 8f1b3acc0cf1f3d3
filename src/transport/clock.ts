import { performance } from 'node:perf_hooks';

const origin = performance.now();

/** Milliseconds since the process started, as KCP's wrapping uint32 clock (kcp-go's currentMs). */
export function nowMs(): number {
  return (performance.now() - origin) >>> 0;
}
