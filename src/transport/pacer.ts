import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { timeDiff } from '../kcp/time-diff.js';

/** Burst of the latest kcp-go's limiter: one batch of 64 datagrams of the largest size. */
export const PACER_BURST = 64 * KCP_MTU_LIMIT;

/**
 * -ratelimit: a token bucket of `bytesPerSecond` with a burst of PACER_BURST bytes, as the latest
 * kcp-go paces each session's outgoing datagrams. Pure: time (ms) is passed in.
 */
export class Pacer {
  private tokens = PACER_BURST;
  private last: number;

  constructor(
    private readonly bytesPerSecond: number,
    now: number,
  ) {
    this.last = now;
  }

  /** Take `bytes` if the bucket holds them; false means wait `delayFor(bytes)` ms first. */
  tryTake(bytes: number, now: number): boolean {
    this.refill(now);
    if (this.tokens < bytes) return false;
    this.tokens -= bytes;
    return true;
  }

  /** Milliseconds until `bytes` tokens are available (at least 1). */
  delayFor(bytes: number): number {
    return Math.max(1, Math.ceil(((bytes - this.tokens) * 1000) / this.bytesPerSecond));
  }

  private refill(now: number): void {
    const elapsed = timeDiff(now, this.last);
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(PACER_BURST, this.tokens + (elapsed * this.bytesPerSecond) / 1000);
  }
}
