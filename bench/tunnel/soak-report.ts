import { type Environment, environmentMarkdown } from './environment.js';
import { cHeapInUse, type HeapFigures, type MallocFigures } from './heap-probe.js';
import { failures, notes, table } from './report.js';
import { growth, type Point } from './soak-growth.js';
import type { ProcessMemory, SoakRecord, SoakSample } from './soak-mode.js';
import { fixed, GIB, MIB } from './stats.js';

/** Growth is judged on the first and last this many seconds of the soak. */
export const GROWTH_WINDOW_SEC = 300;
const KIB_PER_MIB = 1024;
const SEC_PER_MIN = 60;

export interface SoakReport {
  env: Environment;
  bytes: number;
  rate: number;
  durationSec: number;
  sampleEverySec: number;
  records: readonly SoakRecord[];
  notices: readonly string[];
}

type Side = 'client' | 'server';

/** The figures followed for growth, each in MiB (NaN where a sample lacks it). */
const FIGURES: readonly { name: string; of: (m: ProcessMemory) => number }[] = [
  { name: 'RSS', of: (m) => m.rssKiB / KIB_PER_MIB },
  { name: 'anonymous RSS', of: (m) => m.anonKiB / KIB_PER_MIB },
  { name: 'V8 heap used', of: (m) => heapMib(m.heap, 'heapUsed') },
  { name: 'V8 heap total', of: (m) => heapMib(m.heap, 'heapTotal') },
  { name: 'external (array buffers)', of: (m) => heapMib(m.heap, 'external') },
  { name: 'C heap in use (malloc, mmapped)', of: (m) => cHeapInUseMib(m.heap?.malloc) },
  {
    // Array buffers, live or awaiting V8's collection, come and go with the traffic and the GC's moment;
    // what is left is the native memory no JavaScript object accounts for, where a leak would show.
    name: 'C heap in use - external',
    of: (m) => cHeapInUseMib(m.heap?.malloc) - heapMib(m.heap, 'external'),
  },
  { name: 'C heap free (in arenas)', of: (m) => mallocMib(m.heap?.malloc, 'free') },
  { name: 'C heap arenas', of: (m) => mallocMib(m.heap?.malloc, 'arena') },
];

function heapMib(heap: HeapFigures | undefined, key: Exclude<keyof HeapFigures, 'malloc'>): number {
  return heap === undefined ? Number.NaN : heap[key] / MIB;
}

function mallocMib(malloc: MallocFigures | undefined, key: keyof MallocFigures): number {
  return malloc === undefined ? Number.NaN : malloc[key] / MIB;
}

function cHeapInUseMib(malloc: MallocFigures | undefined): number {
  return malloc === undefined ? Number.NaN : cHeapInUse(malloc) / MIB;
}

/** A figure in MiB to one decimal, "n/a" where the sample lacks it (a probe without mallinfo2). */
function mibCell(mib: number): string {
  return Number.isFinite(mib) ? fixed(mib, 1) : 'n/a';
}

function memoryCells(m: ProcessMemory): string[] {
  const h = m.heap;
  const c = h?.malloc;
  return [
    `${fixed(m.rssKiB / KIB_PER_MIB, 1)} (${fixed(m.anonKiB / KIB_PER_MIB, 1)})`,
    `${fixed(heapMib(h, 'heapUsed'), 1)} / ${fixed(heapMib(h, 'heapTotal'), 1)}`,
    `${fixed(heapMib(h, 'external'), 1)} (${fixed(heapMib(h, 'arrayBuffers'), 1)})`,
    `${mibCell(cHeapInUseMib(c))} / ${mibCell(mallocMib(c, 'free'))} (${c === undefined ? 'n/a' : c.freeBlocks})`,
  ];
}

function samplesTable(rec: SoakRecord): string {
  const head = ['min', 'moved GiB'];
  for (const side of ['client', 'server'])
    head.push(
      `${side} RSS (anon)`,
      `${side} heap used / total`,
      `${side} external (array buffers)`,
      `${side} C heap in use / free (free blocks)`,
    );
  const rows = rec.samples.map((s) => [
    fixed(s.atSec / SEC_PER_MIN, 1),
    fixed(s.movedBytes / GIB, 2),
    ...memoryCells(s.client),
    ...memoryCells(s.server),
  ]);
  return table(head, rows);
}

/** The samples taken while transferring: the one at the start, before any data moved, is left out. */
function running(rec: SoakRecord): SoakSample[] {
  return rec.samples.slice(1);
}

function growthTable(rec: SoakRecord): string {
  const minutes = GROWTH_WINDOW_SEC / SEC_PER_MIN;
  const head = [
    'process',
    'figure MiB',
    `mean of the first ${minutes} min`,
    `mean of the last ${minutes} min`,
    'last - first',
    'slope MiB/h',
  ];
  const rows: string[][] = [];
  for (const side of ['client', 'server'] as Side[]) {
    for (const f of FIGURES) {
      const points: Point[] = running(rec)
        .map((s) => ({ atSec: s.atSec, value: f.of(s[side]) }))
        .filter((p) => Number.isFinite(p.value));
      const g = growth(points, GROWTH_WINDOW_SEC);
      rows.push([
        side,
        f.name,
        fixed(g.firstMean, 1),
        fixed(g.lastMean, 1),
        fixed(g.lastMean - g.firstMean, 1),
        fixed(g.slopePerHour, 2),
      ]);
    }
  }
  return table(head, rows);
}

function soakSection(rec: SoakRecord): string {
  const rate = rec.movedBytes / MIB / rec.seconds;
  const cpuShare = (sec: number): string => `${fixed((100 * sec) / rec.seconds, 1)} %`;
  const summary = [
    `- ${rec.transfers} transfers, ${fixed(rec.movedBytes / GIB, 2)} GiB in ${fixed(rec.seconds / SEC_PER_MIN, 1)} min (${fixed(rate, 2)} MiB/s), every one sha256-checked${rec.error === undefined ? ' and intact' : ''}`,
    `- CPU: client ${fixed(rec.cpuClientSec, 1)} s (${cpuShare(rec.cpuClientSec)} of one core), server ${fixed(rec.cpuServerSec, 1)} s (${cpuShare(rec.cpuServerSec)})`,
    `- peak RSS (VmHWM) client / server: ${fixed(rec.clientHwmKiB / KIB_PER_MIB, 1)} / ${fixed(rec.serverHwmKiB / KIB_PER_MIB, 1)} MiB`,
  ].join('\n');
  return `### ${rec.setting}, ${rec.pair}

${summary}

Growth (the start sample, before any data moved, left out):

${growthTable(rec)}

Samples, MiB:

${samplesTable(rec)}`;
}

export function soakMarkdown(r: SoakReport): string {
  return `# Tunnel memory over a long transfer (soak), ${r.env.date}

${environmentMarkdown(r.env)}

A transfer held for ${fixed(r.durationSec / SEC_PER_MIN, 0)} min at ${fixed(r.rate / MIB, 2)} MiB/s through fresh processes:
uploads and downloads of ${fixed(r.bytes / MIB, 0)} MiB of random data in turn, one stream at a time, each
paced (the uploader writes as bytes fall due; the downloader pauses its socket when ahead, so the tunnel
holds the rest) and sha256-checked. Every ${r.sampleEverySec} s: VmRSS and RssAnon from /proc/<pid>/status, and
\`process.memoryUsage()\` and glibc's \`mallinfo2()\` over all arenas printed by a probe preloaded into
our processes (\`--import\` bench/tunnel/heap-probe.js, at most ${fixed(r.sampleEverySec / 6, 0)} s old; "n/a"
without koffi or glibc). C heap in use is \`uordblks + hblkhd\` (blocks handed out: a leak grows it), free
is \`fordblks\` (free blocks between live ones, resident or trimmed: fragmentation grows it). \`-smuxver 1\` on both ends, as in the
throughput benchmark.${notes(r.notices)}

## Results

${r.records.map(soakSection).join('\n\n')}${failures(r.records)}
`;
}
