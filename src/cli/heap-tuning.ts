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
 * code into memory. An idle tunnel runs nothing hot after that, so it kept those pages for nothing:
 * Turbofan is off from here until the program has started (`endStartup`, called by run-main.ts), and on
 * from then as before. Idle RSS 4 MiB lower; the packet path is optimized exactly as before
 * (docs/bench-tunnel-memory-2026-12-03.md).
 *
 * A user's own flags win: a semi-space flag, or any flag of the optimizing tiers (--jitless, --no-opt...).
 */
import { setFlagsFromString } from 'node:v8';

const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (!/semi[-_]space/.test(userFlags)) setFlagsFromString('--semi-space-growth-factor=1');

/** Whether the user chose anything about V8's compiler tiers, which turning Turbofan on again would undo. */
const userTiers = /--(no-)?(opt|turbofan|jitless|lite[-_]mode)\b/.test(userFlags);
if (!userTiers) setFlagsFromString('--no-turbofan');

/** The program has started: from now on V8 optimizes hot code as usual. */
export function endStartup(): void {
  if (!userTiers) setFlagsFromString('--turbofan');
}
