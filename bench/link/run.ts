/** One benchmark run: a transport on a profile, measured at the fetcher and at the forwarder. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  COMPETITOR_PLACE,
  CompetingFetch,
  type CompetitionRecord,
  type CompetitorSpec,
  competitionOf,
  startCompetitor,
} from './competitor.js';
import type { LinkEmulator } from './emulator.js';
import {
  BULK_STARTED,
  type FetchResult,
  IDLE_PHASE_MAX_MS,
  PROBE_REQUEST,
  PROBE_RESPONSE,
  probeIntervalMs,
} from './endpoint-protocol.js';
import { type LinkStatus, wireBytes } from './link-settings.js';
import { loopbackTcpDrops } from './loopback-drops.js';
import { ADDRESS_A, NAMESPACE_A, NAMESPACE_B } from './netns.js';
import { sha256Hex } from './payload.js';
import { ProcessSet } from './processes.js';
import { type LinkProfile, linkSettingsOf } from './profiles.js';
import { type LinkChange, type LinkChangeRecord, ScheduledChanges } from './schedule.js';
import { runCommand, sleep } from './shell.js';
import { ENDPOINT_PORT, type StartedTransport, type Transport, type TransportId } from './transports.js';

const ENDPOINT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'endpoint.js');
/** The fetcher reports within this long after its cap, or it is stopped and the run fails. */
const FETCH_GRACE_MS = 15_000;
/** When the congestion control of the live TCP connection is read back. */
const CONGESTION_CHECK_AFTER_MS = 1500;
/** Packets of the previous run still in the emulated link must not be counted in the next one. */
const SETTLE_EXTRA_MS = 500;

export interface RunOptions {
  bytes: number;
  capMs: number;
  payload: Buffer;
  /**
   * Idle time between the first (cold) download and a second one on the same tunnel (warm); 0: no second
   * download. Over kcptun the second one runs on the KCP sessions the first one used, whose -mode auto
   * controller keeps its model; TCP opens new connections.
   */
  warmIdleMs: number;
  /** The link's changes during each download (bench/link/schedule.ts); empty: the profile's link throughout. */
  changes: readonly LinkChange[];
  /** A competing flow beside each cold download (bench/link/competitor.ts), and its transport. */
  competitor?: { spec: CompetitorSpec; transport: Transport };
}

export interface ProbeSummary {
  /** Median round trip on the idle tunnel before the download (the stream-opening one left out). */
  idleP50Ms: number | null;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** A request still unanswered at the end, with its age: a lower bound on one more sample. */
  outstandingMs: number | null;
  /**
   * The round trips themselves, in the order measured (0.1 ms), idle (the stream-opening one left out)
   * and under the download, so that a report can pool the runs of a row (summary.ts). The schedule's
   * interval beside them. Absent in reports from before 2026-12-06's probe (one request at a time).
   */
  idleRttMs?: number[];
  rttMs?: number[];
  intervalMs?: number;
  /**
   * The stream-opening round trip (0.1 ms): the tunnel's first request, on a session a Go client opens
   * with it, whose 1 KiB response may wait for the client's first ACK (a server's anti-amplification
   * budget, src/transport/amplification.ts). Absent in reports from before 2026-12-07.
   */
  openingRttMs?: number | null;
}

export interface WireSummary {
  /** IP bytes that entered the link, both directions, delivered or dropped. */
  bytes: number;
  aToBBytes: number;
  bToABytes: number;
  /** Wire bytes per byte delivered to the applications (bulk and probe). */
  perDeliveredByte: number | null;
  lossDrops: number;
  queueDrops: number;
  /** The longest the queue in front of the rate limit got, in bytes (either direction). */
  maxQueueBytes: number;
  latePackets: number;
}

export interface RunResult {
  profile: string;
  transport: TransportId;
  /**
   * The second download on the tunnel the first (cold) one left (see RunOptions.warmIdleMs). Absent in
   * reports from before warm runs existed: those runs were all cold.
   */
  warm?: boolean;
  label: string;
  settings: string;
  ok: boolean;
  error: string | null;
  requestedBytes: number;
  receivedBytes: number;
  complete: boolean;
  sha256Ok: boolean;
  elapsedMs: number;
  goodputMbit: number;
  probe: ProbeSummary;
  wire: WireSummary | null;
  /** For TCP: the congestion control `ss` showed on the server's socket. */
  congestionSeen: string | null;
  progress: Array<[number, number]>;
  /**
   * Segments the kernel dropped on the namespaces' loopback TCP connections during the run
   * (loopback-drops.ts): above 0, the host disturbed the run. Absent in reports from before it was counted.
   */
  loopbackTcpDrops?: number | null;
  /** Only with RunOptions.changes. */
  linkChanges?: LinkChangeRecord;
  /** Only with RunOptions.competitor. */
  competition?: CompetitionRecord;
}

export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

/** The median of unsorted figures (the upper one of an even count, as percentile's 0.5), null for none. */
export function median(xs: readonly number[]): number | null {
  return percentile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** The probe's figures from its round trips: `idle` without the stream-opening one, `loaded` under the download. */
export function probeSummary(
  idle: readonly number[],
  loaded: readonly number[],
  outstandingMs: number | null,
  intervalMs: number,
): ProbeSummary {
  const sorted = [...loaded].sort((a, b) => a - b);
  const idleSorted = [...idle].sort((a, b) => a - b);
  return {
    idleP50Ms: percentile(idleSorted, 0.5),
    samples: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? null : sorted[sorted.length - 1],
    outstandingMs,
    idleRttMs: [...idle],
    rttMs: [...loaded],
    intervalMs,
  };
}

const tenthMs = (ms: number): number => Math.round(ms * 10) / 10;

function summarizeProbe(fetch: FetchResult): ProbeSummary {
  const opening = fetch.idleProbeRttMs.length > 0 ? tenthMs(fetch.idleProbeRttMs[0]) : null;
  return {
    ...probeSummary(
      fetch.idleProbeRttMs.slice(1).map(tenthMs),
      fetch.probeRttMs.map(tenthMs),
      fetch.probeOutstandingMs,
      fetch.probeIntervalMs,
    ),
    openingRttMs: opening,
  };
}

/** `s`: the forwarder's counters, zeroed when the run began. */
function summarizeWire(s: LinkStatus, delivered: number): WireSummary {
  const bytes = wireBytes(s);
  return {
    bytes,
    aToBBytes: s.a2b.in_bytes,
    bToABytes: s.b2a.in_bytes,
    perDeliveredByte: delivered > 0 ? bytes / delivered : null,
    lossDrops: s.a2b.drop_loss_pkts + s.b2a.drop_loss_pkts,
    queueDrops: s.a2b.drop_queue_pkts + s.b2a.drop_queue_pkts,
    maxQueueBytes: Math.max(s.a2b.max_backlog_bytes, s.b2a.max_backlog_bytes),
    latePackets: s.a2b.late_pkts + s.b2a.late_pkts,
  };
}

/**
 * The congestion control names `ss` shows on the established sockets of the endpoint port toward
 * `addressA` (a competing flow's have an address of their own, bench/link/competitor.ts).
 */
export function congestionOnServer(addressA: string): string {
  const out = runCommand('ip', [
    'netns',
    'exec',
    NAMESPACE_B,
    'ss',
    '-tinH',
    'state',
    'established',
    `( sport = :${ENDPOINT_PORT} and dst ${addressA} )`,
  ]).stdout;
  const seen = new Set<string>();
  for (const word of out.split(/\s+/))
    if (word === 'cubic' || word === 'bbr' || word === 'reno') seen.add(word);
  return [...seen].join(',');
}

function emptyResult(profile: LinkProfile, transport: Transport, options: RunOptions): RunResult {
  return {
    profile: profile.id,
    transport: transport.id,
    label: transport.label,
    settings: '',
    ok: false,
    error: null,
    requestedBytes: options.bytes,
    receivedBytes: 0,
    complete: false,
    sha256Ok: false,
    elapsedMs: 0,
    goodputMbit: 0,
    probe: { idleP50Ms: null, samples: 0, p50Ms: null, p99Ms: null, maxMs: null, outstandingMs: null },
    wire: null,
    congestionSeen: null,
    progress: [],
  };
}

/** Whether `r` is the second download on an already used tunnel (see RunOptions.warmIdleMs). */
export function isWarm(r: RunResult): boolean {
  return r.warm === true;
}

/** A competitor's started transport for one download (see RunOptions.competitor). */
interface StartedCompetitor {
  spec: CompetitorSpec;
  transport: Transport;
  started: StartedTransport;
}

/**
 * One download with the probe beside it through the started transport, into `result`; with `competitor`
 * its download too, from `spec.offsetMs` after ours began until ours ended.
 */
async function fetchOnce(
  emulator: LinkEmulator,
  profile: LinkProfile,
  transport: Transport,
  started: StartedTransport,
  options: RunOptions,
  result: RunResult,
  competitor: StartedCompetitor | null,
): Promise<void> {
  const procs = new ProcessSet();
  const base = linkSettingsOf(profile);
  const scheduled =
    options.changes.length === 0 ? null : new ScheduledChanges(emulator, base, options.changes);
  try {
    if (scheduled !== null) await emulator.configure(scheduled.startingLink());
    // its own cap runs from its start, so it never ends before ours for want of time
    const competing =
      competitor === null
        ? null
        : await CompetingFetch.arm(
            procs,
            ENDPOINT,
            competitor.started,
            options.bytes,
            options.capMs + competitor.spec.offsetMs + FETCH_GRACE_MS,
          );
    await emulator.resetCounters();
    const dropsBefore = loopbackTcpDrops();
    const fetcher = procs.start(NAMESPACE_A, `${transport.id} fetch`, process.execPath, [
      ENDPOINT,
      'fetch',
      started.host,
      String(started.port),
      String(options.bytes),
      String(options.capMs),
      String(probeIntervalMs(profile.rateMbit)),
    ]);
    if (scheduled !== null || competing !== null) {
      await fetcher.waitFor(BULK_STARTED, IDLE_PHASE_MAX_MS + FETCH_GRACE_MS);
      scheduled?.start();
      competing?.startAfter(competitor!.spec.offsetMs);
    }
    if (transport.id.startsWith('tcp-')) {
      await sleep(CONGESTION_CHECK_AFTER_MS);
      if (!fetcher.hasExited) result.congestionSeen = congestionOnServer(ADDRESS_A);
    }
    await fetcher.waitExit(options.capMs + FETCH_GRACE_MS);
    await procs.stop(fetcher);
    await scheduled?.stop();
    // read while its connection still stands (a competitor that finished first shows none)
    const theirsCongestionSeen = competitor?.transport.id.startsWith('tcp-')
      ? congestionOnServer(COMPETITOR_PLACE.addressA)
      : null;
    const theirs = (await competing?.stop()) ?? null;
    const link = await emulator.status();
    const dropsAfter = loopbackTcpDrops();
    result.loopbackTcpDrops = dropsBefore === null || dropsAfter === null ? null : dropsAfter - dropsBefore;
    const fetch = JSON.parse(fetcher.stdout.trim().split('\n').pop() ?? '') as FetchResult;
    const probes = fetch.idleProbeRttMs.length + fetch.probeRttMs.length;
    const delivered = fetch.receivedBytes + probes * (PROBE_REQUEST + PROBE_RESPONSE);
    Object.assign(result, {
      receivedBytes: fetch.receivedBytes,
      complete: fetch.complete,
      sha256Ok: fetch.sha256 === sha256Hex(options.payload.subarray(0, fetch.receivedBytes)),
      elapsedMs: fetch.elapsedMs,
      goodputMbit: (fetch.receivedBytes * 8) / 1e6 / (fetch.elapsedMs / 1000),
      probe: summarizeProbe(fetch),
      wire: summarizeWire(link, delivered),
      progress: fetch.progress,
    });
    const problems = [...fetch.errors];
    if (scheduled !== null) {
      result.linkChanges = scheduled.record(fetch, result.wire?.queueDrops ?? null);
      if (scheduled.failure !== null) problems.push(scheduled.failure);
    }
    if (competitor !== null) {
      result.competition = {
        competitor: competitor.spec.transport,
        settings: competitor.started.settings,
        offsetMs: competitor.spec.offsetMs,
        ...competitionOf(fetch, theirs, profile.rateMbit),
        theirsCongestionSeen,
      };
      problems.push(...competitorProblems(theirs, options.payload, competitor, theirsCongestionSeen));
    }
    if (!result.sha256Ok) problems.push('sha256 of the received bytes does not match the payload');
    if (transport.id.startsWith('tcp-') && result.congestionSeen !== null) {
      const wanted = started.settings;
      if (result.congestionSeen !== '' && !result.congestionSeen.split(',').includes(wanted))
        problems.push(`socket used ${result.congestionSeen}, not ${wanted}`);
    }
    result.ok = problems.length === 0 && result.receivedBytes > 0;
    result.error = problems.length === 0 ? null : problems.join('; ');
  } finally {
    await procs.stopAll();
    if (scheduled !== null) {
      await scheduled.stop();
      // the settling time and whatever runs next meet the profile's link
      await emulator.configure(base);
    }
  }
}

/** What makes a competitor's download unfit to compare with: no report, errors, wrong bytes or algorithm. */
function competitorProblems(
  theirs: FetchResult | null,
  payload: Buffer,
  competitor: StartedCompetitor,
  congestionSeen: string | null,
): string[] {
  if (theirs === null) return ['competitor: no report'];
  const problems = theirs.errors.map((e) => `competitor ${e}`);
  if (theirs.sha256 !== sha256Hex(payload.subarray(0, theirs.receivedBytes)))
    problems.push('competitor: sha256 of the received bytes does not match the payload');
  const wanted = competitor.started.settings;
  if (congestionSeen !== null && congestionSeen !== '' && !congestionSeen.split(',').includes(wanted))
    problems.push(`competitor's socket used ${congestionSeen}, not ${wanted}`);
  return problems;
}

/**
 * A transport on a profile: the cold download on a fresh tunnel, and with `warmIdleMs` a second (warm)
 * one on the same tunnel after that much idle time. The warm run is made only after a good cold one.
 */
export async function runOnce(
  emulator: LinkEmulator,
  profile: LinkProfile,
  transport: Transport,
  options: RunOptions,
): Promise<RunResult[]> {
  const cold = emptyResult(profile, transport, options);
  const results = [cold];
  // this run's processes; the emulator's teardown still finds them by namespace if we are killed
  const procs = new ProcessSet();
  try {
    const started = await transport.start(profile, procs);
    cold.settings = started.settings;
    const competitor =
      options.competitor === undefined
        ? null
        : {
            ...options.competitor,
            started: await startCompetitor(options.competitor.transport, profile, procs),
          };
    await fetchOnce(emulator, profile, transport, started, options, cold, competitor);
    if (options.warmIdleMs > 0 && cold.ok) {
      const warm: RunResult = { ...emptyResult(profile, transport, options), warm: true };
      warm.settings = started.settings;
      results.push(warm);
      await sleep(options.warmIdleMs);
      await fetchOnce(emulator, profile, transport, started, options, warm, null);
    }
  } catch (err) {
    const failed = results[results.length - 1];
    failed.error = err instanceof Error ? err.message : String(err);
  } finally {
    await procs.stopAll();
    await sleep(profile.oneWayDelayMs * 2 + SETTLE_EXTRA_MS);
  }
  return results;
}
