/**
 * What the benchmark endpoints say to each other. Both kinds of connection go to the same port
 * (kcptun forwards to one target), told apart by the first byte: 'B' + uint64 length asks for that many
 * payload bytes, 'P' starts the probe, in which each PROBE_REQUEST-byte request is answered by
 * PROBE_RESPONSE bytes starting with its sequence number.
 */
export const KIND_BULK = 0x42; // 'B'
export const KIND_PROBE = 0x50; // 'P'
export const BULK_HEADER_BYTES = 9;
export const PROBE_REQUEST = 64;
export const PROBE_RESPONSE = 1024;
/** Pause between one probe answer and the next request: about what an interactive user does. */
export const PROBE_GAP_MS = 100;
/**
 * Probe round trips on the idle tunnel before the bulk download starts: the baseline that "within 20 %
 * of the idle round trip" is measured against. The first one also opens the stream (and for kcptun
 * may wait for the session), so it is kept in the record but left out of the idle figure.
 */
export const IDLE_PROBES = 6;
export const IDLE_PROBE_GAP_MS = 20;
/** The bulk download starts after this long even if the idle probes have not all come back. */
export const IDLE_PHASE_MAX_MS = 10_000;
export const PROGRESS_EVERY_MS = 500;
/**
 * The fetcher's line on stderr when the bulk download begins: a link schedule's clock starts there
 * (bench/link/schedule.ts), as the fetcher's own times do.
 */
export const BULK_STARTED = 'bulk started';
/** Past the cap the fetcher gets this long to report before it exits regardless. */
export const REPORT_GRACE_MS = 5000;

export interface FetchResult {
  requestedBytes: number;
  receivedBytes: number;
  sha256: string;
  complete: boolean;
  /** From the start of the bulk connection (after the idle probes) to its last byte (or to the cap). */
  elapsedMs: number;
  firstByteMs: number | null;
  /** [ms since start, bytes received so far] */
  progress: Array<[number, number]>;
  /** Probe round trips before the bulk download started (the first one includes opening the stream). */
  idleProbeRttMs: number[];
  /** Probe round trips while the bulk download ran. */
  probeRttMs: number[];
  /** Age of the probe request still unanswered when the run ended, if any. */
  probeOutstandingMs: number | null;
  errors: string[];
}
