/**
 * V8 young-generation sizing for the programs (imported first by every bin, never by the library:
 * src/index.ts must not change process-wide flags under an application).
 *
 * V8 starts the young generation at 1 MiB per semi-space and doubles it, up to 16 MiB, whenever a
 * scavenge finds it busy. A tunnel moving bulk data keeps it busy all the time, so a busy process
 * grew to 32 MiB of young generation whose pages stay resident, for no gain in throughput or CPU: what
 * lives past one scavenge here (queued segments, pooled buffers) lives long anyway, and what does not
 * (per-chunk objects) dies young in 1 MiB as well (docs/bench-tunnel-memory-2026-12-02.md).
 * `--max-semi-space-size` cannot change after the heap exists, but the growth factor is read each time
 * the young generation would grow, so a factor of 1 set here keeps it at its initial size, provided this
 * runs before the program's modules are parsed: the bins import the program only after this module
 * (client-main.ts), which kept 2 MiB of young generation and 3-4 MiB of busy peak RSS off
 * (docs/bench-tunnel-memory-2026-12-02-2.md). A user's own semi-space flag (command line or NODE_OPTIONS)
 * wins.
 */
import { setFlagsFromString } from 'node:v8';

const userFlags = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
if (!/semi[-_]space/.test(userFlags)) setFlagsFromString('--semi-space-growth-factor=1');
