import { performance } from 'node:perf_hooks';

const origin = performance.now();

/** Milliseconds since the process started, as KCP's wrapping uint32 clock (kcp-go's currentMs). */
export function nowMs(): number {
  return (performance.now() - origin) >>> 0;
}

/**
 * When nowMs() read 0, in milliseconds of the Unix epoch: a worker thread's clock has its own origin, and
 * its timestamps are moved onto the main thread's by the difference of the two (src/cli/server-worker.ts).
 */
export function clockEpochMs(): number {
  return performance.timeOrigin + origin;
}
