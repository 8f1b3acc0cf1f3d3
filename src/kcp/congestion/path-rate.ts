/**
 * The path's rate for the congestion controller (controller.ts): data and the FEC parity sent with it, as
 * both share the bottleneck while only the data is acknowledged (see the controller's parityShare), over
 * PARITY_BW_ROUNDS rounds; and the delivery rate of the last full round by the ACK clock, which bounds how
 * far a Startup or Drain sample's parity may scale it up. Rates in bytes per ms.
 */
import { WindowedFilter } from './windowed-filter.js';

/**
 * Rounds the path-rate filter (data and parity) spans: Drain's round, a round sent at the rate it gives, and
 * the round its samples take to come back, which then measure the data alone. Scaled up, Startup's samples
 * also carry their noise (and the losses the parity repaired) 1.2-1.3× higher: held for the controller's
 * BW_WINDOW_ROUNDS they paced 6 % above a 100 Mbit/s link (25 ms, 0 %: a standing queue, p50 +40 %).
 */
const PARITY_BW_ROUNDS = 3;

export class PathRate {
  private readonly filter = new WindowedFilter(PARITY_BW_ROUNDS, true);
  /**
   * The delivered count and time at this round's start, and the last full round's delivery rate by the
   * ACK clock, bytes per ms (see endRound).
   */
  private roundStartDelivered = 0;
  private roundStartTime = 0;
  private lastRoundAckRate = 0;

  /** The path's rate, data and parity (0 before a sample). */
  best(): number {
    return this.filter.best(0);
  }

  /** What the data may take of the path's rate while `parityShare` of the wire is parity. */
  forData(parityShare: number): number {
    return this.filter.best(0) * (1 - parityShare);
  }

  /** A path-rate sample at round `rounds`, taken as it is. */
  update(pathRate: number, rounds: number): void {
    this.filter.update(pathRate, rounds);
  }

  /**
   * A path-rate sample `pathRate` (data and the parity sent with it), `rate` its data alone, sent with
   * `sampleParityShare` of parity while the parity sent now is less, in Startup or Drain, at round `rounds`.
   * Startup paces at 2.885× the estimate, so its samples are bounded by the ACK interval alone, and on a path
   * whose delay varies per packet the highest read 1.05-1.15× the bottleneck through ACK bunching. Scaled up
   * by the 2-3 of 13 parity sent in Startup, and carried into Drain and ProbeBW after ParityTuner has brought
   * the parity to 0, they paced the cruise at 104-109 Mbit/s on a ~97 Mbit/s link (jitter-50ms-1: a 40-73 ms
   * queue that the next probe overflowed, 528 drops in 2 of 16 seeds, docs/link-jitter-2026-12-06-2.md). So
   * while the parity now is below what a Startup or Drain sample was sent with (the case where the carried
   * rate takes the place of the parity's share), its scaling goes only up to what the last full round
   * delivered by the ACK clock, scaled by the same parity; its data rate stays (the data estimate keeps it
   * anyway). Where the parity stays, the controller's pacingBw takes it back off and the sample is kept as it
   * is: bounding it there too leaned 150ms-10 down by 0.25 Mbit/s (SE 0.22, 14 of 48 seeds up, 29 down in
   * link-sim; docs/link-drain-2026-12-06.md).
   */
  takeCarried(pathRate: number, rate: number, sampleParityShare: number, rounds: number): void {
    let carried = pathRate;
    if (this.lastRoundAckRate > 0) {
      carried = Math.min(pathRate, Math.max(rate, this.lastRoundAckRate / (1 - sampleParityShare)));
    }
    this.filter.update(carried, rounds);
  }

  /**
   * At a round's end at `clock` with `delivered` bytes delivered (the ACK event that starts
   * the next, the controller's onAckEvent): the data the round delivered
   * over the time its ACKs took. The span runs from one round-start ACK to the next (a round trip or
   * more), so ACK bunching moves it by a jitter's width over that span, not by one sample's luck.
   */
  endRound(clock: number, delivered: number): void {
    const span = clock - this.roundStartTime;
    this.lastRoundAckRate = span > 0 ? (delivered - this.roundStartDelivered) / span : 0;
    this.roundStartDelivered = delivered;
    this.roundStartTime = clock;
  }
}
