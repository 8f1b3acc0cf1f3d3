/**
 * Which of the client's -conn sessions a new stream goes to. kcptun places streams round robin. -mode auto
 * places each on the least-loaded session instead: all streams of one session share one ordered KCP
 * stream, so a request queued behind a bulk transfer's in-flight data, or behind each of its holes until
 * the hole is retransmitted (head-of-line blocking), waits a round trip or more; on a session of its own
 * it does not. Placement is the client's own choice and never on the wire: any server takes any number of
 * sessions from one client.
 */
export type StreamPlacement = 'round-robin' | 'least-loaded';

/**
 * -mode auto's client sessions unless -conn is given: with two, least-loaded placement gives a bulk
 * transfer one and the requests beside it the other.
 */
export const AUTO_CONN = 2;

/**
 * Half-life of a session's recent rate: a transfer that stopped a few seconds ago no longer counts, one
 * that runs counts within a second.
 */
export const LOAD_HALF_LIFE_MS = 1000;

/**
 * Below this recent rate a session counts as idle, and idle sessions are told apart by their open streams
 * only: interactive traffic (keystrokes, requests, keep-alives) stays far below it, a bulk transfer on any
 * link worth tunnelling far above.
 */
export const IDLE_BYTES_PER_S = 16 * 1024;

const MS_PER_S = 1000;
const DECAY_PER_MS = Math.LN2 / LOAD_HALF_LIFE_MS;

/**
 * Least-loaded placement over a fixed number of sessions ("lanes"), pure: the caller passes the time and
 * each lane's byte count. A lane's load is its recent rate in bytes per second, both directions summed
 * (the client of a download sends almost nothing), decayed exponentially; its open stream count breaks
 * ties, so a bulk stream and an interactive one land on different lanes whichever opens first.
 */
export class LeastLoadedPlacement {
  /** Per lane: the byte count last observed, when, and the recent rate in bytes per second. */
  private readonly bytes: number[];
  private readonly at: number[];
  private readonly rates: number[];

  constructor(lanes: number, now: number) {
    this.bytes = new Array<number>(lanes).fill(0);
    this.at = new Array<number>(lanes).fill(now);
    this.rates = new Array<number>(lanes).fill(0);
  }

  get lanes(): number {
    return this.rates.length;
  }

  /** A new session on `lane`: its byte count starts at zero, and the old session's load leaves with it. */
  restart(lane: number, now: number): void {
    this.bytes[lane] = 0;
    this.at[lane] = now;
    this.rates[lane] = 0;
  }

  /**
   * The lane's session has moved `totalBytes` (sent plus received) since it started. The bytes since the
   * last observation are taken as spread evenly over that interval, so the rate is right however rarely
   * this is called, and a burst long ago weighs little.
   */
  observe(lane: number, totalBytes: number, now: number): void {
    const moved = Math.max(0, totalBytes - this.bytes[lane]);
    const elapsedMs = now - this.at[lane];
    this.bytes[lane] = totalBytes;
    if (elapsedMs <= 0) {
      // no time passed: the limit of the even spread below as the interval shrinks to nothing
      this.rates[lane] += moved * DECAY_PER_MS * MS_PER_S;
      return;
    }
    this.at[lane] = now;
    const kept = Math.exp(-DECAY_PER_MS * elapsedMs);
    this.rates[lane] = this.rates[lane] * kept + ((moved * MS_PER_S) / elapsedMs) * (1 - kept);
  }

  /** The lane's recent rate, bytes per second, as of its last observation. */
  rate(lane: number): number {
    return this.rates[lane];
  }

  /**
   * The lane for a new stream: the lowest recent rate, idle lanes (below IDLE_BYTES_PER_S) and lanes with
   * no stream open counting as equal; then the fewest open streams (`streams(lane)`); then the lowest index.
   * A lane's rate foretells its load only through the streams still open on it: a transfer that has just
   * ended leaves a rate that decays for seconds, and a bulk stream opened then went to the lane of the
   * request stream opened beside it, both on one ordered KCP stream (the tunnel benchmark's download
   * right after its upload: docs/bench-tunnel-auto-latency-2026-12-05.md).
   */
  pick(streams: (lane: number) => number): number {
    let best = 0;
    let bestStreams = streams(0);
    let bestLoad = this.loadOf(0, bestStreams);
    for (let lane = 1; lane < this.rates.length; lane++) {
      const open = streams(lane);
      const load = this.loadOf(lane, open);
      if (load > bestLoad) continue;
      if (load === bestLoad && open >= bestStreams) continue;
      best = lane;
      bestLoad = load;
      bestStreams = open;
    }
    return best;
  }

  /** The rate as pick compares it: every idle lane alike, and so every lane with `open` 0. */
  private loadOf(lane: number, open: number): number {
    const rate = this.rates[lane];
    return open === 0 || rate < IDLE_BYTES_PER_S ? 0 : rate;
  }
}
