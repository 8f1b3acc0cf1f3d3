/**
 * No malloc arena of its own for each thread: imported first by every bin (after heap-tuning.ts), never by
 * the library (src/index.ts leaves an application's allocator alone).
 *
 * glibc gives each thread an arena (C heap) of its own at its first malloc, up to 8 per core. V8's
 * platform threads (its compiler and GC helpers) and libuv's pool each got one while the program's
 * modules loaded and the packet path was compiled, and a busy tunnel left four of them holding 1.3-1.8
 * MiB each (docs/bench-tunnel-memory-2026-12-04.md). Those threads malloc little and seldom, so sharing
 * the arenas that exist costs them a lock, not time: capped, a busy server peaked 2.5-3 MiB lower (the
 * client 1-1.5) at the same CPU per byte (docs/bench-tunnel-memory-2026-12-04-2.md).
 *
 * `MALLOC_ARENA_MAX` would do it, but glibc reads the environment before a program can set it.
 * mallopt(M_ARENA_MAX) works from here: glibc fixes its limit at the first arena it makes after the cap is
 * set, and when the bin's first import runs only node's start-up threads have an arena (one or two), so
 * every thread that mallocs later shares those. A user's own `MALLOC_ARENA_MAX` wins.
 */
import { libc } from '../transport/libc.js';

/** mallopt's parameter number for the arena cap (glibc's malloc.h). */
const M_ARENA_MAX = -8;
/** No new arena: the arenas there are when this runs serve every later thread. */
const ARENA_MAX = 1;

/**
 * Cap the process's malloc arenas; true when capped, else why not: no koffi, not Linux, a C library
 * without mallopt's arena cap (musl, macOS: nothing is lost), or the user's own setting.
 */
export function capMallocArenas(env: NodeJS.ProcessEnv = process.env): true | string {
  if (process.platform !== 'linux') return `malloc arenas are glibc's, not ${process.platform}'s`;
  if (env.MALLOC_ARENA_MAX !== undefined) return 'MALLOC_ARENA_MAX is set';
  const sys = libc();
  if (typeof sys === 'string') return sys;
  let mallopt: (param: number, value: number) => number;
  try {
    mallopt = sys.koffi.load(null).func('int mallopt(int param, int value)') as typeof mallopt;
  } catch {
    return 'the C library has no mallopt (not glibc)';
  }
  // glibc returns 1 on success; musl's stub returns 0
  return mallopt(M_ARENA_MAX, ARENA_MAX) === 1 ? true : 'mallopt refused M_ARENA_MAX (not glibc)';
}

capMallocArenas();
