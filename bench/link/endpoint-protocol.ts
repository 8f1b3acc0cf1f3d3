/**
 * What the benchmark endpoints say to each other. Both kinds of connection go to the same port
 * (kcptun forwards to one target), told apart by the first byte: 'B' + uint64 length asks for that many
 * payload bytes, 'P' starts the probe, in which each PROBE_REQUEST-byte request, starting with its
 * sequence number, is answered by PROBE_RESPONSE bytes starting with the same number.
 */
export const KIND_BULK = 0x42; // 'B'
export const KIND_PROBE = 0x50; // 'P'
export const BULK_HEADER_BYTES = 9;
export const PROBE_REQUEST = 64;
export const PROBE_RESPONSE = 1024;
/**
 * The probe's schedule (bench/link/probe-schedule.ts): a request every probeIntervalMs on its one
 * connection, left out while PROBE_IN_FLIGHT are unanswered. One request at a time, each 100 ms after the
 * last answer (until 2026-12-06), gave a 2-3 s download on a 200-300 ms round trip 5-7 samples, so its
 * "p99" was their maximum (docs/link-probe-2026-12-06-probe28.md). More requests at once would give more,
 * but the probe stands for a thin interactive stream: with at most 3 segments in flight a TCP sender is
 * thin in Linux's sense (tcp_stream_is_thin: fewer than 4 out), and -mode auto sends a thin stream's
 * segments twice (at most 4 unacknowledged, src/kcp/kcp.ts THIN_STREAM_SEGMENTS); a denser probe would
 * measure what both do for a bulk stream instead. So a long round trip holds the probe to 3 requests per
 * round trip (17-24 samples in a 2-3 s download on 100 ms/5 % and 150 ms/10 %, against 5-7 before), and a
 * p99 there needs the samples of 5-6 downloads: the report pools a row's repeated runs (summary.ts). The
 * price: a loss holds the answers behind it (one ordered connection), which one request at a time did not
 * see; docs/link-probe-2026-12-06-probe28.md has what that moved.
 */
export const PROBE_IN_FLIGHT = 3;
/**
 * The probe's bytes (requests and answers) take at most this share of the link's rate: on the 10 Mbit/s
 * links about what one request at a time 100 ms after the answer took (0.2-0.4 %), so the goodput there
 * is not the probe's; on the 100 Mbit/s ones a request every ~35 ms.
 */
export const PROBE_LINK_SHARE = 0.0025;
/**
 * The probe sends at least once per this many ms, whatever the rate: at PROBE_LINK_SHARE a 2 Mbit/s link
 * would get a request every 1.7 s and a 1 Mbit/s one every 3.5 s, 3-7 samples in a slow profile's
 * download (profiles.ts), and an interactive stream (a shell's keystrokes, a chat) is not that sparse.
 * Its bytes are then 0.44 % of 2 Mbit/s and 0.87 % of 1; no profile at 10 Mbit/s or more is affected.
 */
export const PROBE_INTERVAL_MAX_MS = 1000;

/** The probe's interval on a link of `rateMbit`: its bytes at PROBE_LINK_SHARE of the rate, at most PROBE_INTERVAL_MAX_MS. */
export function probeIntervalMs(rateMbit: number): number {
  const share = ((PROBE_REQUEST + PROBE_RESPONSE) * 8) / (PROBE_LINK_SHARE * rateMbit * 1000);
  return Math.min(share, PROBE_INTERVAL_MAX_MS);
}

/**
 * Probe round trips on the idle tunnel before the bulk download starts, on the same schedule: the
 * baseline that "within 20 % of the idle round trip" is measured against. The first one goes alone: it
 * also opens the stream (and for kcptun may wait for the session), so it is kept in the record but left
 * out of the idle figure.
 */
export const IDLE_PROBES = 11;
/** The bulk download starts after this long even if the idle probes have not all come back. */
export const IDLE_PHASE_MAX_MS = 10_000;
export const PROGRESS_EVERY_MS = 500;
/**
 * The fetcher's line on stderr when the bulk download begins: a link schedule's clock starts there
 * (bench/link/schedule.ts), as the fetcher's own times do.
 */
export const BULK_STARTED = 'bulk started';
/**
 * A competing flow's fetcher (endpoint.js compete) says this on stderr once its signal handlers are in: from
 * then on SIGUSR2 starts its download and SIGTERM ends it with its report (bench/link/competitor.ts).
 */
export const COMPETITOR_ARMED = 'competitor armed';
/** Past the cap the fetcher gets this long to report before it exits regardless. */
export const REPORT_GRACE_MS = 5000;

export interface FetchResult {
  requestedBytes: number;
  receivedBytes: number;
  sha256: string;
  complete: boolean;
  /** From the start of the bulk connection (after the idle probes) to its last byte (or to the cap). */
  elapsedMs: number;
  /**
   * When the bulk connection started, wall clock (Date.now()): lines up two fetchers' progress (a
   * competing flow's, bench/link/competitor.ts). Null: it never started. Absent before 2026-12-06's.
   */
  bulkStartedAtMs?: number | null;
  firstByteMs: number | null;
  /** [ms since start, bytes received so far] */
  progress: Array<[number, number]>;
  /** Probe round trips before the bulk download started (the first one includes opening the stream). */
  idleProbeRttMs: number[];
  /** Probe round trips of the requests sent while the bulk download ran. */
  probeRttMs: number[];
  /** When each of probeRttMs's requests was written, ms since the bulk download began. */
  probeSentMs: number[];
  /** The probe's schedule: one request every this many ms (probeIntervalMs). */
  probeIntervalMs: number;
  /** Age of the probe request still unanswered when the run ended, if any. */
  probeOutstandingMs: number | null;
  errors: string[];
}
