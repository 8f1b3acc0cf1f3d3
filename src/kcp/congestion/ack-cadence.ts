/**
 * The peer's ACK cadence for the congestion controller (controller.ts): the mean gap between the ACK events
 * of a peer that acknowledges data in flight. RTT samples include the peer's ACK delay (kcp-go 2021
 * flushes ACKs only every `interval`, 10-40 ms), so the controller adds one period's data to its
 * in-flight cap, and Startup's delay signals allow for one period.
 */

/**
 * The peer's ACK cadence (the gap between its ACKs while data is in flight) follows each gap with this
 * weight, clamped to ACK_CADENCE_MAX ms (see the controller's measureAckCadence).
 */
const ACK_CADENCE_GAIN = 1 / 8;
const ACK_CADENCE_MAX = 50;

export class AckCadence {
  /** The measured gap, ms (0 before two ACK events). */
  cadence = 0;
  /** The last ACK event's time (-1: none yet). */
  private last = -1;

  /** An ACK event at `clock`: its gap since the last one follows the peer's cadence. */
  measure(clock: number): void {
    const last = this.last;
    this.last = clock;
    if (last < 0) return;
    const gap = Math.min(clock - last, ACK_CADENCE_MAX);
    this.cadence += (gap - this.cadence) * ACK_CADENCE_GAIN;
  }

  /** An ACK event at `clock` whose gap since the last one is not the peer's cadence. */
  skip(clock: number): void {
    this.last = clock;
  }
}
