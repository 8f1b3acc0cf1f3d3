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
  /** Bytes the refills brought (rate × elapsed), and the part of them the burst cut off (cc-trace reads both). */
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
  }

  /** Whether a datagram may go now (the bucket is not in deficit). */
  ready(now: number): boolean {
    this.refill(now);
    return this.tokens > 0;
  }

  /** Account for `bytes` sent now. */
  take(bytes: number, now: number): void {
    this.refill(now);
    this.tokens -= bytes;
  }

  /** Milliseconds until `ready` (at least 1). */
  delay(): number {
    if (this.tokens > 0) return 1;
    if (this.bytesPerMs <= 0) return Number.MAX_SAFE_INTEGER;
    return Math.max(1, Math.ceil((1 - this.tokens) / this.bytesPerMs));
  }

  private refill(now: number): void {
    const elapsed = timeDiff(now, this.last);
    if (elapsed <= 0) return;
    this.last = now;
    const add = elapsed * this.bytesPerMs;
    const tokens = this.tokens + add;
    // an unlimited bucket (no rate yet) credits nothing the trace could count
    if (add < Number.POSITIVE_INFINITY) {
      this.credited += add;
      if (tokens > this.burst) this.clipped += Math.min(add, tokens - Math.max(this.burst, this.tokens));
    }
    this.tokens = Math.min(this.burst, tokens);
  }
}
