/**
 * A link that changes during each download (`bench:link --changes`): every profile is otherwise fixed for
 * the whole download, so nothing would show what a self-tuning transport does when a real path's rate,
 * delay or loss moves under it (a Wi-Fi or mobile rate shift, a route change, a congested hour, an outage).
 *
 *   --changes "4s:rate=10"                      100 -> 10 Mbit/s four seconds into the download
 *   --changes "0s:rate=10:loss=1,4s:rate=100"   starts at 10 Mbit/s and 1 % loss, 100 Mbit/s from 4 s
 *   --changes "4s:loss=100,7s:loss=1"           a 3 s outage, then 1 % loss
 *
 * A change names a time since the download began (the bulk connection's start, after the idle probes:
 * BULK_STARTED) and what it sets, in both directions alike: `rate` (Mbit/s), `delay` (one-way, ms), `loss`
 * (percent, each direction; it replaces a profile's bursty loss). The rest of the link stays as it was;
 * the queue keeps its size in bytes (a bottleneck's buffer), so a rate drop lengthens it in time. Changes at
 * 0 s are the link the download starts on. The forwarder applies a change to the packets that arrive after it
 * (bench/link/forwarder.c); its loss draws go on from where they were.
 */
import type { FetchResult } from './endpoint-protocol.js';
import type { LinkSettings, LinkStatus } from './link-settings.js';
import { isWarm, median, type RunResult } from './run.js';

/** One step of the schedule: at `atMs` after the download began, these parts of the link change. */
export interface LinkChange {
  atMs: number;
  /** As written on the command line, without the time ("rate=10:delay=100"). */
  label: string;
  rateMbit?: number;
  delayMs?: number;
  /** A fraction (the option takes percent). */
  loss?: number;
}

type ChangeKey = 'rate' | 'delay' | 'loss';

/** What each key sets, and the values it takes. */
const KEYS: Record<ChangeKey, { valid: (v: number) => boolean; what: string }> = {
  rate: { valid: (v) => v > 0, what: 'Mbit/s above 0' },
  delay: { valid: (v) => v >= 0, what: 'one-way ms, 0 or more' },
  loss: { valid: (v) => v >= 0 && v <= 100, what: 'percent from 0 to 100' },
};

const PERCENT = 100;

/** A time like 4s, 2.5s or 4500ms, in ms; throws naming `option` (also --competitor's offset). */
export function parseDuration(text: string, option = '--changes'): number {
  const m = /^(\d+(?:\.\d+)?)(s|ms)$/.exec(text);
  if (m === null) throw new Error(`${option}: time '${text}' is not like 4s, 2.5s or 4500ms`);
  return Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}

/** `AT:KEY=VALUE[:KEY=VALUE...][,AT:...]`, times increasing; throws with the part it refuses. */
export function parseChanges(text: string): LinkChange[] {
  const changes: LinkChange[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    const [time, ...parts] = entry.split(':');
    const atMs = parseDuration(time ?? '');
    if (parts.length === 0) throw new Error(`--changes: '${entry}' sets nothing (e.g. ${time}:rate=10)`);
    const change: LinkChange = { atMs, label: parts.join(':') };
    const seen = new Set<string>();
    for (const part of parts) {
      const [key, value, ...rest] = part.split('=');
      if (!(key in KEYS)) throw new Error(`--changes: unknown '${key}' in '${entry}' (rate, delay, loss)`);
      const rule = KEYS[key as ChangeKey];
      const v = Number(value);
      if (
        rest.length > 0 ||
        value === undefined ||
        value.trim() === '' ||
        !Number.isFinite(v) ||
        !rule.valid(v)
      )
        throw new Error(`--changes: ${key} in '${entry}' must be ${rule.what}`);
      if (seen.has(key)) throw new Error(`--changes: ${key} twice in '${entry}'`);
      seen.add(key);
      if (key === 'rate') change.rateMbit = v;
      else if (key === 'delay') change.delayMs = v;
      else change.loss = v / PERCENT;
    }
    const last = changes[changes.length - 1];
    if (last !== undefined && atMs <= last.atMs)
      throw new Error(`--changes: '${entry}' is not after ${last.atMs} ms (times must increase)`);
    changes.push(change);
  }
  return changes;
}

/** `base` with `changes` applied in order, to both directions; no seed (the loss draws go on). */
export function settingsAfter(base: LinkSettings, changes: readonly LinkChange[]): LinkSettings {
  let { aToB } = base;
  for (const c of changes) {
    aToB = { ...aToB };
    if (c.rateMbit !== undefined) aToB.rateMbit = c.rateMbit;
    if (c.delayMs !== undefined) aToB.delayMs = c.delayMs;
    if (c.loss !== undefined) {
      aToB.loss = c.loss;
      aToB.gilbertElliott = undefined;
    }
  }
  return { aToB, bToA: { ...aToB } };
}

/** The changes at 0 s: the link each download starts on. */
export function startingChanges(changes: readonly LinkChange[]): LinkChange[] {
  return changes.filter((c) => c.atMs === 0);
}

/** The changes made while the download runs. */
export function timedChanges(changes: readonly LinkChange[]): LinkChange[] {
  return changes.filter((c) => c.atMs > 0);
}

/**
 * A change as the run made it: when, and the queue drops counted until then. Its time is from when the
 * driver read the fetcher's BULK_STARTED line (it polls every 20 ms), so it reads up to ~20 ms early
 * against the fetcher's own times.
 */
export interface AppliedChange {
  atMs: number;
  label: string;
  queueDropsBefore: number;
}

/** The part of the emulator a schedule drives (LinkEmulator). */
export interface ChangeableLink {
  configure(settings: LinkSettings): Promise<void>;
  status(): Promise<LinkStatus>;
}

/**
 * The timed changes of one download, made on `link` from `start()` on (the download's start). One timer per
 * change, in the benchmark's driver, not in either tunnel end.
 */
export class ScheduledChanges {
  readonly applied: AppliedChange[] = [];
  /** The first change the forwarder refused or could not take, if any: the run then fails. */
  failure: string | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly link: ChangeableLink,
    private readonly base: LinkSettings,
    private readonly changes: readonly LinkChange[],
  ) {}

  /** The link each download starts on: the profile's with the changes at 0 s, and its loss draws' seed. */
  startingLink(): LinkSettings {
    return { ...settingsAfter(this.base, startingChanges(this.changes)), seed: this.base.seed };
  }

  start(): void {
    const startedAt = performance.now();
    const timed = timedChanges(this.changes);
    timed.forEach((change, i) => {
      const settings = settingsAfter(this.base, this.changes.slice(0, this.changes.indexOf(change) + 1));
      const apply = async (): Promise<void> => {
        try {
          const status = await this.link.status();
          await this.link.configure(settings);
          this.applied.push({
            atMs: performance.now() - startedAt,
            label: change.label,
            queueDropsBefore: status.a2b.drop_queue_pkts + status.b2a.drop_queue_pkts,
          });
        } catch (err) {
          this.failure ??= `link change ${i + 1} (${change.label}): ${err instanceof Error ? err.message : err}`;
        }
      };
      this.timers.push(
        setTimeout(() => {
          this.pending = this.pending.then(apply);
        }, change.atMs),
      );
    });
  }

  /** No more changes; resolves once a change being made has been made. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    await this.pending;
  }

  /** The changes made in the download that `fetch` reports, and how it answered them. */
  record(fetch: FetchResult, queueDrops: number | null): LinkChangeRecord {
    const { probeSentMs } = fetch;
    const response = changeResponse({
      progress: fetch.progress,
      applied: this.applied,
      probeRttMs: fetch.probeRttMs,
      probeSentMs,
      queueDrops,
    });
    return { applied: this.applied, response, probeRttMs: fetch.probeRttMs, probeSentMs };
  }
}

/** A download on a changing link: the changes as made and how the download answered. */
export interface LinkChangeRecord {
  applied: AppliedChange[];
  response: ChangeResponse;
  /** The probe's round trips during the download and when each was sent (ms since it began). */
  probeRttMs: number[];
  probeSentMs: number[];
}

/** Goodput before the first timed change is read over this long just before it. */
const BEFORE_WINDOW_MS = 2000;
/** What a download settled at: its goodput over this long at its end. */
const SETTLED_WINDOW_MS = 3000;
/** The window "time to reach" slides: the fetcher's progress samples come every 500 ms (PROGRESS_EVERY_MS). */
const REACH_WINDOW_MS = 500;
const REACH_STEP_MS = 100;
/** Reached: the goodput over REACH_WINDOW_MS is this share of what the download settled at. */
const REACH_SHARE = 0.9;
/** A window of goodput under this share of what the download settled at is a stall (see stalledMs). */
const STALL_SHARE = 0.5;
/** Probes "during" the change: sent from the first timed change until this long after the last one. */
const DURING_MS = 3000;

/** What one download did around its link's changes; null where the download did not span the window. */
export interface ChangeResponse {
  /** Goodput over BEFORE_WINDOW_MS before the first timed change, Mbit/s. */
  beforeMbit: number | null;
  /** Goodput over the download's last SETTLED_WINDOW_MS, when they all lie after the last change. */
  settledMbit: number | null;
  /**
   * From the last change until the goodput over REACH_WINDOW_MS first reached REACH_SHARE of settledMbit, ms
   * (at least REACH_WINDOW_MS: the window starts at the change).
   */
  reachMs: number | null;
  /**
   * From the last change to the end of the last REACH_WINDOW_MS whose goodput was under STALL_SHARE of
   * settledMbit, ms (0: none was): how long a queue's overflow or an outage held the download back, where
   * reachMs (a rate drop's first window carries what was in flight before it) does not show it.
   */
  stalledMs: number | null;
  /** Queue drops from the first timed change to the end. */
  queueDropsAfter: number | null;
  /**
   * Probe round trips, p50, ms: before (sent in the BEFORE_WINDOW_MS before the first change and answered
   * before it), and during (answered after the first change and sent before DURING_MS after the last).
   */
  probeBeforeP50Ms: number | null;
  probeDuringP50Ms: number | null;
  probeDuringMaxMs: number | null;
}

/** Bytes received by `t` ms, linear between the fetcher's samples; null past the last one. */
function bytesAt(progress: ReadonlyArray<readonly [number, number]>, t: number): number | null {
  let prev: readonly [number, number] = [0, 0];
  for (const sample of progress) {
    if (sample[0] >= t) {
      const span = sample[0] - prev[0];
      return span <= 0 ? sample[1] : prev[1] + ((sample[1] - prev[1]) * (t - prev[0])) / span;
    }
    prev = sample;
  }
  return null;
}

/** Goodput from `from` to `to` ms, Mbit/s; null when the samples do not reach `to` or `from` is before 0. */
export function goodputBetween(
  progress: ReadonlyArray<readonly [number, number]>,
  from: number,
  to: number,
): number | null {
  if (from < 0 || to <= from) return null;
  const a = bytesAt(progress, from);
  const b = bytesAt(progress, to);
  return a === null || b === null ? null : ((b - a) * 8) / 1000 / (to - from);
}

/** How a download answered its changes (see ChangeResponse). */
export function changeResponse(input: {
  progress: ReadonlyArray<readonly [number, number]>;
  applied: readonly AppliedChange[];
  probeRttMs: readonly number[];
  probeSentMs: readonly number[];
  queueDrops: number | null;
}): ChangeResponse {
  const { progress, applied, probeRttMs, probeSentMs } = input;
  const none: ChangeResponse = {
    beforeMbit: null,
    settledMbit: null,
    reachMs: null,
    stalledMs: null,
    queueDropsAfter: null,
    probeBeforeP50Ms: null,
    probeDuringP50Ms: null,
    probeDuringMaxMs: null,
  };
  if (applied.length === 0 || progress.length === 0) return none;
  const first = applied[0].atMs;
  const last = applied[applied.length - 1].atMs;
  const end = progress[progress.length - 1][0];
  const settledFrom = end - SETTLED_WINDOW_MS;
  const settledMbit = settledFrom >= last ? goodputBetween(progress, settledFrom, end) : null;
  let reachMs: number | null = null;
  let stalledMs: number | null = null;
  if (settledMbit !== null) {
    stalledMs = 0;
    for (let to = last + REACH_WINDOW_MS; to <= end; to += REACH_STEP_MS) {
      const rate = goodputBetween(progress, to - REACH_WINDOW_MS, to);
      if (rate === null) continue;
      if (reachMs === null && rate >= REACH_SHARE * settledMbit) reachMs = to - last;
      if (rate < STALL_SHARE * settledMbit) stalledMs = to - last;
    }
  }
  // a probe answered before the first change is "before"; one still out at the change met it
  const answered = (i: number): number => probeSentMs[i] + probeRttMs[i];
  const before = probeRttMs.filter(
    (_, i) => probeSentMs[i] >= first - BEFORE_WINDOW_MS && answered(i) < first,
  );
  const during = probeRttMs.filter((_, i) => answered(i) >= first && probeSentMs[i] < last + DURING_MS);
  return {
    beforeMbit: goodputBetween(progress, first - BEFORE_WINDOW_MS, first),
    settledMbit,
    reachMs,
    stalledMs,
    queueDropsAfter: input.queueDrops === null ? null : input.queueDrops - applied[0].queueDropsBefore,
    probeBeforeP50Ms: median(before),
    probeDuringP50Ms: median(during),
    probeDuringMaxMs: during.length === 0 ? null : Math.max(...during),
  };
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '-' : v.toFixed(digits);
}

/** One line for the console. */
export function describeResponse(r: ChangeResponse): string {
  return (
    `before ${fmt(r.beforeMbit, 1)} Mbit/s, settled ${fmt(r.settledMbit, 1)}, ` +
    `reached ${REACH_SHARE * 100} % in ${fmt(r.reachMs === null ? null : r.reachMs / 1000, 1)} s, ` +
    `stalled until ${fmt(r.stalledMs === null ? null : r.stalledMs / 1000, 1)} s; ` +
    `queue drops after the change ${fmt(r.queueDropsAfter, 0)}; probe p50 before ${fmt(r.probeBeforeP50Ms, 0)} ` +
    `during ${fmt(r.probeDuringP50Ms, 0)} (max ${fmt(r.probeDuringMaxMs, 0)}) ms`
  );
}

/** The report's section on a changing link (BenchmarkReport.changes): every run, as made. */
export function changesSection(changes: string | undefined, runs: readonly RunResult[]): string[] {
  if (changes === undefined) return [];
  const rows = runs
    .filter((r) => r.linkChanges !== undefined)
    .map((r) => {
      const c = r.linkChanges!.response;
      const made = r.linkChanges!.applied.map((a) => `${(a.atMs / 1000).toFixed(2)} s ${a.label}`).join(', ');
      return (
        `| ${r.profile} | ${r.transport}${isWarm(r) ? ' (warm)' : ''} | ${r.goodputMbit.toFixed(1)} | ` +
        `${fmt(c.beforeMbit, 1)} | ${fmt(c.settledMbit, 1)} | ${fmt(c.reachMs === null ? null : c.reachMs / 1000, 1)} | ` +
        `${fmt(c.stalledMs === null ? null : c.stalledMs / 1000, 1)} | ` +
        `${fmt(c.queueDropsAfter, 0)} | ${fmt(c.probeBeforeP50Ms, 0)} | ${fmt(c.probeDuringP50Ms, 0)} | ` +
        `${fmt(c.probeDuringMaxMs, 0)} | ${made} |`
      );
    });
  return [
    '## Link changes',
    '',
    `Each download met \`--changes ${changes}\` (bench/link/schedule.ts): the verdict and the targets above`,
    'compare links that stay fixed, so read this table instead. Before: goodput over the',
    `${BEFORE_WINDOW_MS / 1000} s before the first change; settled: over the download's last ${SETTLED_WINDOW_MS / 1000} s;`,
    `reached: from the last change until ${REACH_WINDOW_MS} ms of goodput first came to ${REACH_SHARE * 100} % of settled;`,
    `stalled until: from the last change to the end of the last ${REACH_WINDOW_MS} ms under ${STALL_SHARE * 100} % of settled;`,
    `probe p50 before the first change and during the changes (until ${DURING_MS / 1000} s after the last).`,
    '',
    '| link | transport | goodput | before | settled | reached (s) | stalled until (s) | queue drops after | probe p50 before | during | max during | changes made |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ];
}
