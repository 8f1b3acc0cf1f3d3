/**
 * A competing flow beside each download (`bench:link --competitor ID[@OFFSET]`): every other run has the
 * link to itself, while a real kcptun user shares a home or VPS uplink with other traffic. The competitor
 * is a second bulk download through its own transport (TCP cubic or bbr, -mode auto, Go kcptun fast3), from
 * the same endpoint server through the same emulated link and its one queue, started OFFSET after ours
 * (default 0: with it):
 *
 *   --competitor tcp-cubic        a loss-based TCP starting with our download
 *   --competitor ts-auto@3s       a second -mode auto tunnel, three seconds after ours began
 *
 * What a sender sharing a bottleneck should do (issue 15): not starve the other flow (fast3 has no
 * congestion control), not be starved by one that fills a deep queue (cubic), share evenly with its own
 * kind, and keep request/response times sane. The run's record (CompetitionRecord) gives both flows'
 * goodput while both were downloading, their shares of the link and Jain's fairness index, and our
 * probe's round trips in that time. The competitor has its own ports and addresses (COMPETITOR_PLACE),
 * starts cold for every run, and downloads --bytes with no probe; it is stopped when ours ends.
 */
import { COMPETITOR_ARMED, type FetchResult, PROGRESS_EVERY_MS } from './endpoint-protocol.js';
import { addAddress, COMPETITOR_ADDRESS_A, COMPETITOR_ADDRESS_B, NAMESPACE_A, NAMESPACE_B } from './netns.js';
import type { NamespacedProcess, ProcessSet } from './processes.js';
import type { LinkProfile } from './profiles.js';
import { isWarm, median, percentile, type RunResult } from './run.js';
import { goodputBetween, parseDuration } from './schedule.js';
import {
  MAIN_PLACE,
  type StartedTransport,
  type Transport,
  type TransportId,
  type TransportPlace,
} from './transports.js';

/** The transports a competitor may be: the two TCPs for reference, ours and Go's kcptun. */
export const COMPETITOR_IDS = [
  'tcp-cubic',
  'tcp-bbr',
  'ts-auto',
  'go-kcptun',
] as const satisfies readonly TransportId[];
export type CompetitorId = (typeof COMPETITOR_IDS)[number];

export interface CompetitorSpec {
  transport: CompetitorId;
  /** After our download began (its BULK_STARTED), ms. */
  offsetMs: number;
}

/** `ID` or `ID@OFFSET` (OFFSET like 3s or 2500ms); throws naming what it refuses. */
export function parseCompetitor(text: string): CompetitorSpec {
  const [id, offset, ...rest] = text.trim().split('@');
  if (rest.length > 0) throw new Error(`--competitor: '${text}' is not like tcp-cubic or ts-auto@3s`);
  const transport = COMPETITOR_IDS.find((c) => c === id);
  if (transport === undefined)
    throw new Error(`--competitor: unknown ${id} (known: ${COMPETITOR_IDS.join(', ')})`);
  return { transport, offsetMs: offset === undefined ? 0 : parseDuration(offset, '--competitor') };
}

/** The competitor's ends: ports beside the download's own, and addresses of its own (netns.ts). */
export const COMPETITOR_PLACE: TransportPlace = {
  kcpPort: MAIN_PLACE.kcpPort + 1,
  clientPort: MAIN_PLACE.clientPort + 1,
  addressA: COMPETITOR_ADDRESS_A,
  addressB: COMPETITOR_ADDRESS_B,
  label: 'competitor ',
};

/** Start the competitor's transport (its kcptun ends, or its TCP routes) in `procs`, cold. */
export async function startCompetitor(
  transport: Transport,
  profile: LinkProfile,
  procs: ProcessSet,
): Promise<StartedTransport> {
  addAddress(NAMESPACE_A, COMPETITOR_PLACE.addressA);
  addAddress(NAMESPACE_B, COMPETITOR_PLACE.addressB);
  return transport.start(profile, procs, COMPETITOR_PLACE);
}

const ARM_TIMEOUT_MS = 10_000;

/**
 * The competitor's fetcher for one download: armed before ours starts (a Node.js start-up takes 50-200 ms
 * on the loaded machine, which an offset of 0 must not hold), started by a signal `offsetMs` after ours
 * began, stopped with its report when ours ends.
 */
export class CompetingFetch {
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly procs: ProcessSet,
    private readonly fetcher: NamespacedProcess,
  ) {}

  static async arm(
    procs: ProcessSet,
    endpoint: string,
    started: StartedTransport,
    bytes: number,
    capMs: number,
  ): Promise<CompetingFetch> {
    const args = [endpoint, 'compete', started.host, String(started.port), String(bytes), String(capMs)];
    if (started.localAddress !== undefined) args.push(started.localAddress);
    const fetcher = procs.start(NAMESPACE_A, 'competitor fetch', process.execPath, args);
    await fetcher.waitFor(COMPETITOR_ARMED, ARM_TIMEOUT_MS);
    return new CompetingFetch(procs, fetcher);
  }

  /** Start its download `offsetMs` from now (ours has just begun). */
  startAfter(offsetMs: number): void {
    this.timer = setTimeout(() => {
      if (!this.fetcher.hasExited && this.fetcher.pid !== undefined)
        process.kill(this.fetcher.pid, 'SIGUSR2');
    }, offsetMs);
  }

  /** Stop it (if still downloading) and read its report; null if it gave none. */
  async stop(): Promise<FetchResult | null> {
    clearTimeout(this.timer);
    await this.procs.stop(this.fetcher);
    try {
      return JSON.parse(this.fetcher.stdout.trim().split('\n').pop() ?? '') as FetchResult;
    } catch {
      return null;
    }
  }
}

/**
 * Below this much time with both downloading there is no share to read: the fetchers' progress comes every
 * PROGRESS_EVERY_MS, and goodput between samples is interpolated.
 */
const MIN_OVERLAP_MS = 4 * PROGRESS_EVERY_MS;

/** A download with a competing flow beside it: what each got while both ran. */
export interface CompetitionRecord {
  competitor: CompetitorId;
  /** The competitor's transport settings (a congestion control or kcptun flags). */
  settings: string;
  /** Asked for (--competitor) and as the two fetchers' clocks had it, ms after ours began (null: never). */
  offsetMs: number;
  startedAfterMs: number | null;
  /** From the later start to the earlier end, ms (0: they never ran together). */
  overlapMs: number;
  /** Goodput while both ran, Mbit/s, and as a share of the link's rate (null: overlap under MIN_OVERLAP_MS). */
  oursMbit: number | null;
  theirsMbit: number | null;
  oursShare: number | null;
  theirsShare: number | null;
  /** Jain's fairness index of the two goodputs: 1 even, 0.5 one flow took everything. */
  jain: number | null;
  /** Our probe's round trips (0.1 ms) sent while both ran, in the order measured, and their p50 and p99. */
  probeRttMs: number[];
  probeP50Ms: number | null;
  probeP99Ms: number | null;
  /** The competitor's whole download. */
  theirsReceivedBytes: number;
  theirsComplete: boolean;
  /** For a TCP competitor: the congestion control `ss` showed on its server socket near its end. */
  theirsCongestionSeen: string | null;
}

/** Jain's fairness index (Σx)² / (n Σx²): 1 when all are equal, 1/n when one has everything. */
export function jainIndex(xs: readonly number[]): number | null {
  const sum = xs.reduce((a, b) => a + b, 0);
  const squares = xs.reduce((a, b) => a + b * b, 0);
  return squares === 0 ? null : (sum * sum) / (xs.length * squares);
}

const lastTime = (f: FetchResult): number => f.progress[f.progress.length - 1]?.[0] ?? 0;

/**
 * What ours and theirs got while both downloaded, on a link of `rateMbit`. Each fetcher counts its
 * progress from its own start; their wall-clock starts (bulkStartedAtMs) line them up.
 */
export function competitionOf(
  ours: FetchResult,
  theirs: FetchResult | null,
  rateMbit: number,
): Pick<
  CompetitionRecord,
  | 'startedAfterMs'
  | 'overlapMs'
  | 'oursMbit'
  | 'theirsMbit'
  | 'oursShare'
  | 'theirsShare'
  | 'jain'
  | 'probeRttMs'
  | 'probeP50Ms'
  | 'probeP99Ms'
  | 'theirsReceivedBytes'
  | 'theirsComplete'
> {
  const oursStart = ours.bulkStartedAtMs ?? null;
  const theirsStart = theirs?.bulkStartedAtMs ?? null;
  const startedAfterMs = oursStart === null || theirsStart === null ? null : theirsStart - oursStart;
  const from = Math.max(0, startedAfterMs ?? 0);
  const to =
    startedAfterMs === null || theirs === null
      ? 0
      : Math.min(lastTime(ours), startedAfterMs + lastTime(theirs));
  const overlapMs = Math.max(0, to - from);
  let oursMbit: number | null = null;
  let theirsMbit: number | null = null;
  if (overlapMs >= MIN_OVERLAP_MS && theirs !== null && startedAfterMs !== null) {
    oursMbit = goodputBetween(ours.progress, from, to);
    theirsMbit = goodputBetween(theirs.progress, from - startedAfterMs, to - startedAfterMs);
  }
  const both = oursMbit !== null && theirsMbit !== null;
  const probeRttMs = ours.probeRttMs
    .filter((_, i) => overlapMs > 0 && ours.probeSentMs[i] >= from && ours.probeSentMs[i] < to)
    .map((ms) => Math.round(ms * 10) / 10);
  const sorted = [...probeRttMs].sort((a, b) => a - b);
  return {
    startedAfterMs,
    overlapMs,
    oursMbit,
    theirsMbit,
    oursShare: oursMbit === null ? null : oursMbit / rateMbit,
    theirsShare: theirsMbit === null ? null : theirsMbit / rateMbit,
    jain: both ? jainIndex([oursMbit!, theirsMbit!]) : null,
    probeRttMs,
    probeP50Ms: percentile(sorted, 0.5),
    probeP99Ms: percentile(sorted, 0.99),
    theirsReceivedBytes: theirs?.receivedBytes ?? 0,
    theirsComplete: theirs?.complete ?? false,
  };
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}

const percent = (share: number | null): string => (share === null ? '-' : `${(share * 100).toFixed(0)} %`);

/** One line for the console. */
export function describeCompetition(c: CompetitionRecord): string {
  return (
    `competitor ${c.competitor} started after ${fmt(c.startedAfterMs === null ? null : c.startedAfterMs / 1000, 2)} s, ` +
    `together ${(c.overlapMs / 1000).toFixed(1)} s: ours ${fmt(c.oursMbit, 2)} Mbit/s (${percent(c.oursShare)}), ` +
    `theirs ${fmt(c.theirsMbit, 2)} (${percent(c.theirsShare)}), Jain ${fmt(c.jain, 3)}; ` +
    `probe p50 ${fmt(c.probeP50Ms, 0)} p99 ${fmt(c.probeP99Ms, 0)} ms (${c.probeRttMs.length})`
  );
}

/** The report's section on a competing flow (BenchmarkReport.competitor): every run, and each row's medians. */
export function competitionSection(competitor: string | undefined, runs: readonly RunResult[]): string[] {
  if (competitor === undefined) return [];
  const withIt = runs.filter((r) => r.competition !== undefined && !isWarm(r));
  const row = (r: RunResult): string => {
    const c = r.competition!;
    return (
      `| ${r.profile} | ${r.transport} | ${c.competitor}${c.theirsCongestionSeen ? ` (${c.theirsCongestionSeen})` : ''} | ` +
      `${fmt(c.startedAfterMs === null ? null : c.startedAfterMs / 1000, 2)} | ${(c.overlapMs / 1000).toFixed(1)} | ` +
      `${fmt(c.oursMbit, 2)} (${percent(c.oursShare)}) | ${fmt(c.theirsMbit, 2)} (${percent(c.theirsShare)}) | ` +
      `${fmt(c.jain, 3)} | ${r.wire?.queueDrops ?? '-'} | ${fmt(c.probeP50Ms, 0)} / ${fmt(c.probeP99Ms, 0)} (${c.probeRttMs.length}) | ` +
      `${r.ok ? '' : `failed: ${r.error ?? 'no data'}`} |`
    );
  };
  const groups = new Map<string, RunResult[]>();
  for (const r of withIt.filter((x) => x.ok)) {
    const key = `${r.profile} ${r.transport}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const medians = [...groups.values()].map((g) => {
    const pick = (f: (c: CompetitionRecord) => number | null): number | null =>
      median(g.map((r) => f(r.competition!)).filter((v): v is number => v !== null));
    // pooled: one download's overlap holds a few dozen samples, the row's runs together more
    const probes = g.flatMap((r) => r.competition!.probeRttMs).sort((a, b) => a - b);
    return (
      `| ${g[0].profile} | ${g[0].transport} | ${g[0].competition!.competitor} | ${g.length} | ` +
      `${fmt(
        pick((c) => c.oursMbit),
        2,
      )} (${percent(pick((c) => c.oursShare))}) | ` +
      `${fmt(
        pick((c) => c.theirsMbit),
        2,
      )} (${percent(pick((c) => c.theirsShare))}) | ${fmt(
        pick((c) => c.jain),
        3,
      )} | ` +
      `${fmt(median(g.map((r) => r.wire?.queueDrops ?? 0)), 0)} | ${fmt(percentile(probes, 0.5), 0)} / ` +
      `${fmt(percentile(probes, 0.99), 0)} (${probes.length}) |`
    );
  });
  return [
    '## Competing flow',
    '',
    `Each download had \`--competitor ${competitor}\` beside it (bench/link/competitor.ts): a second bulk`,
    'download of the same data through its own transport, over the same link and its one queue, started that',
    'long after ours began, with no probe, stopped when ours ended. Goodputs are over the time both ran',
    '("together"), shares of the link\'s rate; Jain\'s index of the two goodputs (1: even, 0.5: one took all);',
    'queue drops count both flows over the whole run; our probe p50 / p99 (samples) over the time both ran,',
    "pooled over a row's runs in the medians.",
    '',
    '| link | ours | competitor | started after (s) | together (s) | ours Mbit/s (share) | theirs Mbit/s (share) | Jain | queue drops | probe p50 / p99 ms | |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...withIt.map(row),
    '',
    'Medians over the successful runs:',
    '',
    '| link | ours | competitor | runs | ours Mbit/s (share) | theirs Mbit/s (share) | Jain | queue drops | probe p50 / p99 ms (samples) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
    ...medians,
    '',
  ];
}
