/**
 * Hand the C heap's free pages back to the kernel every few seconds, in the programs only (the library
 * leaves an application's allocator alone). glibc gives memory back on its own only from the top of its
 * main heap; Node.js allocates every buffer over 4 KiB there (socket reads, queued data), so after traffic
 * its heap held 4-9 MiB of free but resident pages between live blocks, and kept them after the traffic
 * ended. malloc_trim(0) releases those pages (docs/bench-tunnel-memory-2026-12-02-2.md); a block needed
 * again later costs one page fault per 4 KiB.
 */
import { libc } from '../transport/libc.js';

/** Long enough that the call (tens of microseconds on a busy heap) costs nothing measurable. */
export const MALLOC_TRIM_PERIOD_MS = 5_000;

/**
 * Start trimming; returns how to stop, or why it cannot run: no koffi, or a C library without
 * malloc_trim (musl, macOS), where nothing is lost but the trimming.
 */
export function startMallocTrim(): (() => void) | string {
  if (process.platform !== 'linux') return `malloc_trim is glibc's, not ${process.platform}'s`;
  const sys = libc();
  if (typeof sys === 'string') return sys;
  let trim: (pad: number) => number;
  try {
    trim = sys.koffi.load(null).func('int malloc_trim(size_t pad)') as (pad: number) => number;
  } catch {
    return 'the C library has no malloc_trim (not glibc)';
  }
  const timer = setInterval(() => trim(0), MALLOC_TRIM_PERIOD_MS);
  // The trimming never keeps a stopping program alive.
  timer.unref();
  return () => clearInterval(timer);
}
