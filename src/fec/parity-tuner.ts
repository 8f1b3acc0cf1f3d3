/**
 * -mode auto's adaptive FEC: how many of a group's parity shards to send (FecEncoder.parityCount), from
 * the loss that KCP still sees after FEC (its retransmission rate). Pure: fed the sender's cumulative
 * transmission and retransmission counts, the time and the round trip.
 *
 * Full parity first, for the first START_SEGMENTS segments, so a peer whose decoder was configured with
 * another (ds, ps) sees complete parity runs and its autotune locks onto ours. Then one more parity
 * shard when the residual loss stays above RAISE_LOSS for RAISE_PERIODS periods, one fewer after QUIET_PERIODS
 * periods in a row below LOWER_LOSS: none on a clean link, all of them on a lossy one.
 */
import { timeDiff } from '../kcp/time-diff.js';

/** Segments sent with full parity before the count adapts. */
const START_SEGMENTS = 1024;
/** Segments per evaluation period. */
const PERIOD_SEGMENTS = 1024;
/**
 * A period also spans at least this many round trips: a loss is retransmitted a round trip or more after
 * the transmission it repairs (fast retransmit needs later ACKs, a timeout more), so over a shorter period
 * the retransmissions answer an earlier, smaller flight. In Startup, which doubles the flight each round,
 * 1024 segments took less than one round trip and the ratio read a half of the loss or less: at
 * 100 ms/5 % parity fell from 3 to 0 during Startup and the retransmissions tripled (its trace).
 */
const PERIOD_RTTS = 2;
/**
 * Residual loss (retransmitted / transmitted) above which parity goes up, in RAISE_PERIODS periods in a
 * row. Low, because every loss FEC does not repair costs a round trip of head-of-line delay for all
 * streams behind it and a retransmission; parity is cheaper: at 100 ms/5 %, parity 1 left 3 % to
 * retransmit and the transfer's tail waited on timeouts (docs/link-benchmark.md), while the wire-byte
 * target allows Go's full 10/3.
 */
const RAISE_LOSS = 0.003;
/** A burst of timeouts (a stalled event loop, a queue overflowing once) is not a lossy link. */
const RAISE_PERIODS = 2;
/** Residual loss below which a period counts as quiet. */
const LOWER_LOSS = 0.002;
/** Quiet periods (in a row) before parity goes down by one. */
const QUIET_PERIODS = 1;

export class ParityTuner {
  private count: number;
  private periodStartSent = 0;
  private periodStartLost = 0;
  private periodStart = 0;
  private started = false;
  private quiet = 0;
  private lossy = 0;

  /** `max`: the group's parityShards, which stays the wire shape. */
  constructor(readonly max: number) {
    this.count = max;
  }

  /**
   * The parity count to send now, given the cumulative segment counts, the time (ms, uint32-wrapping) and
   * the smoothed round trip (ms).
   */
  update(transmissions: number, retransmissions: number, now: number, rtt: number): number {
    if (!this.started) {
      this.started = true;
      this.periodStart = now;
    }
    const sent = transmissions - this.periodStartSent;
    if (transmissions < START_SEGMENTS || sent < PERIOD_SEGMENTS) return this.count;
    if (timeDiff(now, this.periodStart) < PERIOD_RTTS * rtt) return this.count;
    const loss = (retransmissions - this.periodStartLost) / sent;
    this.periodStartSent = transmissions;
    this.periodStartLost = retransmissions;
    this.periodStart = now;
    if (loss > RAISE_LOSS) {
      if (++this.lossy >= RAISE_PERIODS) this.count = Math.min(this.max, this.count + 1);
      this.quiet = 0;
      return this.count;
    }
    this.lossy = 0;
    if (loss < LOWER_LOSS) {
      if (++this.quiet >= QUIET_PERIODS) {
        this.count = Math.max(0, this.count - 1);
        this.quiet = 0;
      }
    } else {
      this.quiet = 0;
    }
    return this.count;
  }
}
