import { KCP_MTU_LIMIT, type KcpPacingGate } from '../kcp/index.js';
import { timeDiff } from '../kcp/time-diff.js';

/** Burst of the latest kcp-go's limiter: one batch of 64 datagrams of the largest size. */
export const PACER_BURST = 64 * KCP_MTU_LIMIT;
/**
 * Shortest burst of a rate-following pacer: the shared timer fires at 1 ms granularity at best (Node's
 * setTimeout), and later on a loaded machine, so a bucket must hold a few ms of data to keep the rate
 * between ticks (with 2 ms, a sender on a busy 2-core machine reached ~85 % of its pacing rate at
 * 55 Mbit/s, docs/link-benchmark.md), and at least 10 datagrams (quic-go's and quinn's floor) so slow
 * rates still send whole ACK-clocked batches.
 */
const FOLLOW_BURST_MS = 4;
const FOLLOW_BURST_DATAGRAMS = 10;
/**
 * A rate-following bucket woken late while it held data owes what its burst cut off, up to this many ms of
 * its rate: on the loaded benchmark machine all but ~0.1 % of paced wake-ups came within 16 ms
 * (docs/link-pacer-lateness-2026-12-04.md). Without catching up, a quarter of the paced credit was lost at
 * load 12-16 and a third at 17-20, so the sender paced well under its controller's rate.
 */
const CATCH_UP_MS = 16;
/**
 * What is owed is repaid by refilling this much faster, not as a larger burst (a 16 ms burst after a late
 * wake-up cost more than it brought, docs/link-sender-limited-2026-12-04.md): the debt leaves spread over the
 * next wake-ups at most at ProbeBW's own extra (1.25).
 */
const CATCH_UP_GAIN = 1.25;

/**
 * One session's token bucket, pure (time in ms passed in): -ratelimit's fixed rate with kcp-go's burst, or
 * -mode auto's rate set by the congestion controller on every flush. Datagrams take their size in tokens
 * as they go out; the balance may go negative by the datagram that crossed zero (and its parity), and
 * the next one waits until it is positive again, so the average rate holds whatever the datagram sizes.
 * As a KcpPacingGate it holds the session's data segments back while the bucket is empty.
 */
export class Pacer implements KcpPacingGate {
  private tokens: number;
  private last: number;
  private bytesPerMs: number;
  private burst: number;
  /** Bytes the burst cut off while the bucket held data, still to be repaid (see CATCH_UP_MS). */
  private owed = 0;
  /** At most this much is owed: CATCH_UP_MS of a followed rate; 0 (no catching up) for -ratelimit's fixed bucket. */
  private owedMax = 0;
  /**
   * The last `ready` refused a datagram: the sender had data the bucket held. A datagram taken after that
   * (the one the refused segment's flush closed) does not clear it; a `ready` that lets one go does.
   */
  private held = false;
  /**
   * Bytes the refills brought (rate × elapsed), and the part of them the burst cut off for good: not owed,
   * or owed and forgotten (cc-trace reads both).
   */
  credited = 0;
  clipped = 0;

  constructor(bytesPerSecond: number, now: number, burst = PACER_BURST) {
    this.bytesPerMs = bytesPerSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Bytes per second the bucket refills at. */
  get rate(): number {
    return this.bytesPerMs * 1000;
  }

  /**
   * Follow a new rate with the burst max(FOLLOW_BURST_MS of it, FOLLOW_BURST_DATAGRAMS datagrams of
   * `datagramBytes`); `limit` (bytes per second, 0 for none) caps it, as -ratelimit does.
   */
  follow(bytesPerSecond: number, datagramBytes: number, limit: number, now: number): void {
    this.refill(now);
    const rate = limit > 0 ? Math.min(bytesPerSecond, limit) : bytesPerSecond;
    this.bytesPerMs = rate / 1000;
    this.burst = Math.max(this.bytesPerMs * FOLLOW_BURST_MS, FOLLOW_BURST_DATAGRAMS * datagramBytes);
    if (this.tokens > this.burst) this.tokens = this.burst;
    // an unlimited bucket (no rate yet) owes nothing
    this.owedMax = this.bytesPerMs < Number.POSITIVE_INFINITY ? this.bytesPerMs * CATCH_UP_MS : 0;
    if (this.owed > this.owedMax) this.owed = this.owedMax;
  }

  /** Whether a datagram may go now (the bucket is not in deficit). */
  ready(now: number): boolean {
    this.refill(now);
    this.held = this.tokens <= 0;
    return !this.held;
  }

  /** Account for `bytes` sent now. */
  take(bytes: number, now: number): void {
    this.refill(now);
    this.tokens -= bytes;
  }

  /** Milliseconds until `ready` (at least 1). */
  delay(): number {
    if (this.tokens > 0) return 1;
    const rate = this.bytesPerMs;
    if (rate <= 0) return Number.MAX_SAFE_INTEGER;
    const need = 1 - this.tokens;
    // repaying, the bucket refills CATCH_UP_GAIN times faster while the debt lasts
    const repaying = need / (rate * CATCH_UP_GAIN);
    const ms = repaying * rate * (CATCH_UP_GAIN - 1) <= this.owed ? repaying : (need - this.owed) / rate;
    return Math.max(1, Math.ceil(ms));
  }

  private refill(now: number): void {
    const elapsed = timeDiff(now, this.last);
    if (elapsed <= 0) return;
    this.last = now;
    const add = elapsed * this.bytesPerMs;
    const repaid = Math.min(this.owed, add * (CATCH_UP_GAIN - 1));
    this.owed -= repaid;
    const tokens = this.tokens + add + repaid;
    // an unlimited bucket (no rate yet) credits nothing the trace could count
    if (add < Number.POSITIVE_INFINITY) {
      this.credited += add;
      if (tokens > this.burst) {
        const cut = Math.min(add + repaid, tokens - Math.max(this.burst, this.tokens));
        // Woken late while it held data: the cut-off is owed. Full with nothing held, or full already at the
        // last refill (the in-flight cap, a window or an empty queue held the sender since), the sender had
        // no use for the credit, nor for the debt.
        const held = this.held && this.tokens < this.burst;
        const owed = held ? Math.min(this.owedMax, this.owed + cut) : 0;
        this.clipped += this.owed + cut - owed;
        this.owed = owed;
      }
    }
    this.tokens = Math.min(this.burst, tokens);
  }
}
