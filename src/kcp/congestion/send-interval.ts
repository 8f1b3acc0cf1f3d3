/**
 * The send interval of the congestion controller's rate samples (controller.ts): where the interval that a
 * transmission's rate sample will span began (draft-cheng-iccrg-delivery-rate-estimation's C.first_send_time
 * and C.delivered_time), and what was sent over it: bytes, the FEC parity sent with them, and what the pacing
 * rate allowed. Each transmission's snapshot (send-snapshot.ts) takes them, so the sample knows the parity
 * share of its whole send interval and whether the CPU, not the path, set it.
 */
import type { SendSnapshot } from './send-snapshot.js';

/**
 * A rate sample is sender-limited when, over its send interval (about a round trip), the sender sent less
 * than this share of what its pacing rate allowed while the pacer held data back (the time the in-flight cap,
 * a window or an empty queue held it is not counted): the CPU, not the path, set what went out. On a loaded
 * machine the session is woken every ~11 ms while its bucket holds 4 ms or 10 datagrams, and it sent
 * 0.64-0.75 (p25) of its pacing rate; the samples followed it and ProbeBW's estimate sank from 26.7 to 11.6
 * Mbit/s on a 100 Mbit/s link (docs/link-jitter-cruise-2026-12-04.md). Such a sample is taken like an
 * app-limited one (draft-cardwell-iccrg-bbr-congestion-control: it may raise the max filter, never lower it)
 * and its round is left out of the cruise bound (the controller's cruiseRateBound). At load 9-13 cold
 * downloads then moved 34.6 / 28.6 Mbit/s (medians, jitter-50ms-1 / 25ms-2) against main's 26.0 / 21.6, and
 * did not separate from main below that load (docs/link-sender-limited-2026-12-04.md).
 */
const SENDER_LIMITED_SHARE = 0.85;

export class SendInterval {
  /** When the send interval began (controller clock; draft-cheng's C.first_send_time). */
  private firstSendTime = 0;
  /** When data was last delivered, or the flight restarted from nothing (draft-cheng's C.delivered_time). */
  private deliveredTime = 0;
  /** Bytes sent (transmissions and retransmissions) and their count at firstSendTime. */
  private sentBytes = 0;
  private firstSendSent = 0;
  /**
   * The FEC parity sent with the transmissions (bytes × parityShare / (1 − parityShare) each), and its value
   * at firstSendTime: a rate sample's path rate (see the controller's parityShare) takes the parity share of
   * its whole send interval. With the share its newest segment was sent with, the samples at a download's
   * end, where ParityTuner raised the parity for the last groups (0 → 3 of 13 in link-sim's traces), scaled a
   * round trip of data sent without parity by 1.3, and the path rate, kept through the idle time (rounds do
   * not pass while idle), read up to 1.3× the link rate at the next transfer's restart: link-sim's warm
   * download (--warm-idle-s 12, 16 seeds on 50 ± 30 ms one way) dropped in the bottleneck queue in 12 seeds,
   * 5,283 packets; with this in 5, 666 (docs/link-warm-restart-2026-12-04.md).
   */
  private paritySent = 0;
  private firstSendParity = 0;
  /**
   * What the pacing rate allowed while the pacer held data, bytes, up to heldSince (see allowanceNow), and
   * its value at firstSendTime; heldRate: the rate since heldSince while the last flush was paced, else 0.
   */
  private allowance = 0;
  private firstSendAllowance = 0;
  private heldRate = 0;
  private heldSince = 0;

  /**
   * Nothing is in flight at `clock`: the next sample's intervals start now, not at the last ACK before the
   * idle time.
   */
  restart(clock: number): void {
    this.firstSendTime = clock;
    this.firstSendSent = this.sentBytes;
    this.firstSendParity = this.paritySent;
    this.firstSendAllowance = this.allowanceNow(clock);
    this.deliveredTime = clock;
  }

  /**
   * A transmission of `bytes` at `clock` with `delivered` bytes delivered so far, FEC parity at
   * `parityShare` of the wire: `seg` takes the interval's snapshot.
   */
  onSend(seg: SendSnapshot, bytes: number, clock: number, delivered: number, parityShare: number): void {
    seg.ccDelivered = delivered;
    seg.ccDeliveredTime = this.deliveredTime;
    seg.ccFirstSendTime = this.firstSendTime;
    seg.ccSentTime = clock;
    this.sentBytes += bytes;
    this.paritySent += (bytes * parityShare) / (1 - parityShare);
    seg.ccParitySent = this.paritySent;
    const spanParity = this.paritySent - this.firstSendParity;
    seg.ccParityShare = spanParity / (this.sentBytes - this.firstSendSent + spanParity);
    const allowance = this.allowanceNow(clock);
    seg.ccSentBytes = this.sentBytes;
    seg.ccAllowance = allowance;
    const allowed = allowance - this.firstSendAllowance;
    seg.ccSenderLimited = allowed > 0 && this.sentBytes - this.firstSendSent < SENDER_LIMITED_SHARE * allowed;
  }

  /**
   * The end of a flush at `clock`: `pacingRate` (bytes per ms) is the rate at which the pacer held data
   * back, or 0 if it held none. Until the next flush that rate accrues allowance (see SENDER_LIMITED_SHARE).
   */
  onFlushEnd(clock: number, pacingRate: number): void {
    this.allowance = this.allowanceNow(clock);
    this.heldSince = clock;
    this.heldRate = pacingRate;
  }

  private allowanceNow(clock: number): number {
    return this.allowance + this.heldRate * (clock - this.heldSince);
  }

  /** Data was delivered at `clock`. */
  onDelivered(clock: number): void {
    this.deliveredTime = clock;
  }

  /** `seg` carries the newest rate sample: the next send interval starts at its transmission. */
  startAt(seg: SendSnapshot): void {
    this.firstSendTime = seg.ccSentTime;
    this.firstSendSent = seg.ccSentBytes;
    this.firstSendParity = seg.ccParitySent;
    this.firstSendAllowance = seg.ccAllowance;
  }
}
