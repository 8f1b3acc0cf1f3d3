/**
 * V8 settings for the programs' memory (imported first by every bin, never by the library: src/index.ts
 * must not change process-wide flags under an application).
 *
 * Young generation. V8 starts it at 1 MiB per semi-space and doubles it, up to 16 MiB, whenever a
 * scavenge finds it busy. A tunnel moving bulk data keeps it busy all the time, so a busy process
 * grew to 32 MiB of young generation whose pages stay resident, for no gain in throughput or CPU: what
 * lives past one scavenge here (queued segments, pooled buffers) lives long anyway, and what does not
 * (per-chunk objects) dies young in 1 MiB as well (docs/bench-tunnel-memory-2026-12-02.md).
 * `--max-semi-space-size` cannot change after the heap exists, but the growth factor is read each time
 * the young generation would grow, so a factor of 1 set here keeps it at its initial size, provided this
 * runs before the program's modules are parsed: the bins import the program only after this module
 * (client-main.ts), which kept 2 MiB of young generation and 3-4 MiB of busy peak RSS off
 * (docs/bench-tunnel-memory-2026-12-02-2.md).
 *
 * No optimizing compiler while starting. Loading some 140 modules makes Node's module-URL functions hot,
 * and a few start-up loops build tables (FEC, ciphers): Turbofan compiled about 15 functions in the first
 * second, and the first Turbofan compile of a process brings about 4 MiB of the node binary's compiler
 * code into memory. A server that only listens runs nothing hot after that, so it kept those pages for
 * nothing: Turbofan is off from here until the program has started (docs/bench-tunnel-memory-2026-12-03.md),
 * and then until the first application stream (`endStartup`, which run-main.ts hands to the tunnel; at once
 * with -workers): an idle client and server, whose sessions run only their timers and keepalives, made
 * those hot enough for Turbofan within seconds of start, and the same 3.6 MiB of compiler pages came in
 * (docs/bench-tunnel-memory-2026-12-07-mem33.md). From the first stream on, hot code is optimized as
 * before.
 *
 * Half the inlining budget. A fresh process's first ~100 MiB cost up to 1.5x the CPU per byte of the
 * ones after, mostly Turbofan's compiler threads: 18-20 % of each process's CPU in that first transfer
 * (docs/bench-tunnel-cold-2026-12-04.md). A call site is inlined only while the bytecode inlined into its
 * function stays under V8's cumulative budget (920 bytes by default); at 460 the graphs built for the
 * packet path's large functions (Kcp.flush, Kcp.input, the session's send and receive) are smaller:
 * compiler threads 17 % less CPU over the first 100 MiB each way (6 of 6 run pairs), the main thread
 * 2 % more, both ends together 3 % less (5 of 6); the second 100 MiB level, idle RSS level.
 *
 * A user's own flags win: a semi-space flag, an inlining flag, or any flag of the optimizing tiers
 * (--jitless, --no-opt...).
 */
import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
const userSemiSpace = /semi[-_]space/.test(userFlags);
if (!userSemiSpace) setFlagsFromString('--semi-space-growth-factor=1');

/**
 * A -workers thread's young generation, in MiB of Worker's resourceLimits: V8 sizes it as three
 * semi-spaces (two, and the new large-object space), so 3 is 1 MiB semi-spaces, the main thread's. A
 * worker's isolate otherwise starts at 2 MiB semi-spaces (node 20), and in client workers carrying 8 bulk
 * sessions that larger young generation came with 23-27 full mark-compacts per 480 MiB against 2 with this
 * (the old generation's limit reached again and again), and 1.4-2.1x the client CPU per byte of one thread
 * (docs/bench-tunnel-client-workers-2026-12-05.md).
 */
const WORKER_YOUNG_GENERATION_MB = 3;

/** The resource limits of a -workers thread (worker-pool.ts); a user's semi-space flag wins here too. */
export function workerResourceLimits(): ResourceLimits {
  return userSemiSpace ? {} : { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
}

/** Whether the user chose anything about V8's compiler tiers, which turning Turbofan on again would undo. */
const userTiers = /--(no-)?(opt|turbofan|jitless|lite[-_]mode)\b/.test(userFlags);
if (!userTiers) setFlagsFromString('--no-turbofan');

/** Turbofan's cumulative inlining budget in bytes of bytecode per optimized function (V8's default: 920). */
export const INLINING_BUDGET_BYTES = 460;
if (!userTiers && !/--max[-_]inlined/.test(userFlags)) {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINING_BUDGET_BYTES}`);
}

/** The tunnel carries a stream (or -workers have started): from now on V8 optimizes hot code as usual. */
export function endStartup(): void {
  if (!userTiers) setFlagsFromString('--turbofan');
}
