/**
 * The congestion controller's loss epochs (controller.ts): the losses of the segments sent over a round or
 * more, judged at a round's end against a baseline loss rate the epochs themselves teach, so that random
 * loss on a lossy link is not taken for congestion (BBR v2's loss threshold, made relative to a measured
 * baseline: see the controller's header).
 */

/** Loss counts as congestion only this far above the baseline (absolute, and relative to it). */
const LOSS_EXCESS_ABS = 0.02;
const LOSS_EXCESS_REL = 0.5;
const LOSS_EXCESS_SD = 3;
/** A loss verdict needs at least this many segments sent and this many lost in the epoch. */
const LOSS_EPOCH_MIN_SENT = 64;
const LOSS_EPOCH_MIN_LOST = 4;
/**
 * The loss baseline learns only from an epoch that followed another with no probe in either (ProbeBW's
 * cruise since, at the rate): a loss is detected about a round trip after its transmission, so the epoch
 * after a probe holds the probe's losses, which at a shallow bottleneck queue are its drops, not random
 * loss. Learned from them, the baseline read 3.1 % on a path with 1 % random loss and a queue of a fifth
 * of the BDP, 0.7 % without them, and the probes that pay for it (LOSS_COMPENSATION_MAX) dropped 1,767
 * packets at that queue in 30 s, 1,692 without them (test/kcp/congestion.test.ts). The first value comes
 * from any epoch without a standing queue: a ProbeBW that probes back to back while it finds more has no
 * cruise, and with no baseline its probes paid for no loss (probe-bw.test.ts: the ramp after a Startup
 * the CPU held reached 90 % of the link in time in 5 of 8 seeds, 6 needed).
 */
const BASELINE_CRUISE_EPOCHS = 2;
/** The loss baseline follows each epoch's loss rate with this weight, and never exceeds this. */
const LOSS_BASELINE_GAIN = 1 / 8;
const LOSS_BASELINE_MAX = 0.3;
/**
 * The delivery rate counts each segment once, while the pacing budget also pays for what the baseline
 * loss makes KCP send again (its fast, early and timeout retransmissions, a third of the wire at 10 %
 * loss). Probing at 1.25 × bw / (1 − baseline) keeps the probes above the delivery rate; without it a 1.25 probe
 * times 0.65 delivered decays the estimate round after round. Capped like Hysteria's loss compensation.
 */
export const LOSS_COMPENSATION_MAX = 0.3;
/**
 * Rounds of ProbeBW before loss is judged: the RTOs that Startup's queue provoked (KCP's RTO follows a
 * fast-rising RTT late) surface during Drain and the first rounds after it.
 */
export const LOSS_QUIET_ROUNDS = 2;

/** An epoch spans at least a round and LOSS_EPOCH_MIN_SENT segments. */
export class LossEpoch {
  /** Segments sent in the epoch, and the losses counted of them. */
  private sent = 0;
  private lost = 0;
  /** The lowest RTT sample of the epoch (Infinity: none yet). */
  minRtt = Number.POSITIVE_INFINITY;
  /** The baseline loss rate (0..1) that is not taken as congestion; -1 before the first value. */
  baseline = -1;
  /**
   * Epochs count the losses of segments sent from this clock on: since ProbeBW began. A drop in
   * Startup's queue is often noticed only rounds later, by a timeout (a run of drops leaves no later ACKs
   * for a fast retransmission, and KCP's RTO follows the round trip down late), so it landed in ProbeBW's
   * first epochs, which the baseline takes its first value from: 15.5-20 % on 1 % random loss behind a
   * queue of a quarter BDP (test/kcp/congestion/loss-baseline.test.ts), 8.5 % on 25 ms/2 % in a kcp-pair-sim
   * run; and pacing then paid for that loss as random (up to 1.25 / 0.7 of the rate in a probe).
   */
  countFrom = 0;
  /** A probe (or a state other than ProbeBW) met the current epoch; epochs in a row without one. */
  probed = true;
  private cruiseEpochs = 0;

  /** A segment was (re)transmitted. */
  onSent(): void {
    this.sent++;
  }

  /** A segment sent at `sentTime` (controller clock) was declared lost. */
  onLost(sentTime: number): void {
    if (sentTime >= this.countFrom) this.lost++;
  }

  /** A retransmission turned out needless: the loss that caused it was not one. */
  onSpuriousLoss(): void {
    if (this.lost > 0) this.lost--;
  }

  /** An RTT sample, ms. */
  onRtt(sample: number): void {
    if (sample < this.minRtt) this.minRtt = sample;
  }

  /** A round's end outside the rounds that judge loss: the epoch and the cruise count start over. */
  restart(): void {
    this.cruiseEpochs = 0;
    this.reset();
  }

  /** The epoch holds enough segments for a verdict. */
  get complete(): boolean {
    return this.sent >= LOSS_EPOCH_MIN_SENT;
  }

  /**
   * Whether the complete epoch's loss is congestion: above the baseline by the margins, and by more than
   * random loss at the baseline rate would vary (3 standard deviations of a binomial count: an epoch of a
   * few dozen segments at 5-10 % loss easily shows several points more loss by chance), and with a queue
   * `standing` (even the epoch's lowest RTT is up: random loss, however bursty, as when a lost datagram of
   * ACKs times out a whole run of segments, leaves the RTT alone; an overflowing queue does not).
   */
  congested(standing: boolean): boolean {
    const loss = this.lost / this.sent;
    const expected = this.baseline * this.sent;
    return (
      standing &&
      this.baseline >= 0 &&
      this.lost >= LOSS_EPOCH_MIN_LOST &&
      loss > this.baseline + Math.max(LOSS_EXCESS_ABS, LOSS_EXCESS_REL * this.baseline) &&
      this.lost - expected > LOSS_EXCESS_SD * Math.sqrt(expected * (1 - this.baseline))
    );
  }

  /**
   * The complete epoch ends (after its verdict): the baseline learns from it only without a queue
   * `standing` and, once it has a value, in the cruise (see BASELINE_CRUISE_EPOCHS): loss a queue causes
   * must never become "random" loss that pacing then compensates, which would feed the queue (a spiral).
   * The next epoch starts.
   */
  close(standing: boolean): void {
    const loss = this.lost / this.sent;
    this.cruiseEpochs = this.probed ? 0 : this.cruiseEpochs + 1;
    if (!standing && (this.baseline < 0 || this.cruiseEpochs >= BASELINE_CRUISE_EPOCHS)) {
      const capped = Math.min(loss, LOSS_BASELINE_MAX);
      this.baseline =
        this.baseline < 0 ? capped : this.baseline + (capped - this.baseline) * LOSS_BASELINE_GAIN;
    }
    this.reset();
  }

  private reset(): void {
    this.sent = 0;
    this.lost = 0;
    this.minRtt = Number.POSITIVE_INFINITY;
  }
}
