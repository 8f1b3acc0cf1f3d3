/**
 * Startup's sign that the path's delay varies per packet (jitter), from RTT samples and the times their ACKs
 * came: a fall of the RTT that a queue of this sender's cannot give. Pure: the controller passes the
 * clock (ms), the samples and its delivered bytes in.
 *
 * Neither a queue nor jitter without reordering (the link's emulator, 50 ± 30 ms one way) gives an RTT fall
 * larger than the send gap between the two samples' segments: in both the segments arrive in order, and
 * the fall is the send gap less the ACK gap. What a queue cannot give is the rate of the fall: a FIFO
 * queue that is deep enough for an RTT fall of F ms kept its bottleneck busy for the F ms before the high
 * sample's segment left it, so the bytes acknowledged in those F ms came at the bottleneck's rate C; and
 * the bytes sent after that segment up to the low sample's leave it in order, at C at most, between the
 * two samples' ACKs. Jitter holds the packets behind a slow one and lets them go together: few bytes come
 * in the F ms before the slow packet's ACK, and a train of what was sent over 25-60 ms comes just after
 * it. So the sign: after a sample's fall of F from a recent high one, what came after the high one over
 * the time since (one ACK period added, the peer's ACK delay moves each sample by up to one) is more than
 * JITTER_RATE_RATIO times what came in the fall's least size before it (that window one ACK period
 * shorter at each end). A fall alone is no sign: a slow bottleneck's queue falls as much from one flight to the next (a
 * 3-BDP queue at 10 Mbit/s: 175 → 109 ms between consecutive samples, docs/link-startup-2026-12-07-startup34.md),
 * its bytes at the bottleneck's rate on both sides of the fall.
 */

/**
 * The sign needs an RTT fall of at least this many HyStart++ thresholds (clamp(min RTT / 8, 4, 16) ms: 25 ms
 * at a 100 ms min RTT) and of this many peer ACK periods: a steady path's samples move by about one ACK
 * period, and the window before the high sample loses an ACK period at each end to the ACK delay (see the
 * header), which leaves one.
 */
const FALL_THRESHOLDS = 2;
const FALL_PERIODS = 3;
const IDLE_ACK_DELAY_MS = 10;
/**
 * What came after the high sample must come this many times faster than what came before it: at a queue
 * both are the bottleneck's rate (within the ACK delay's allowance), so 1 at most.
 */
const JITTER_RATE_RATIO = 2;
/**
 * ACK events the history keeps (time, bytes delivered): the window before a high sample spans at most a
 * fall's least size (50 ms: 2 × 16 ms or 3 ACK periods of up to ~17), a few events per ACK period at most
 * from one of ours, one per segment from a peer that acknowledges each (then the history may not reach back
 * and the sign waits: never a sign from a part of the window).
 */
const HISTORY_EVENTS = 256;

/** HyStart++'s RTT threshold (RFC 9406) for a min RTT, ms (as startup-signals.ts). */
function hystartThreshold(minRtt: number): number {
  return Math.min(Math.max(minRtt / 8, 4), 16);
}

export class JitterSign {
  /** The sign was seen (for the current Startup). */
  seen = false;
  /** The ring of ACK events: their times and the bytes delivered after each. */
  private readonly times = new Float64Array(HISTORY_EVENTS);
  private readonly delivered = new Float64Array(HISTORY_EVENTS);
  private next = 0;
  private count = 0;
  /** The reference (high) sample: its ACK's time, its RTT, and the bytes that came in the window before it. */
  private refAt = -1;
  private refRtt = 0;
  private refBefore = Number.POSITIVE_INFINITY;
  private refWindow = 0;

  onIdleSample(rtt: number, minRtt: number, cadence: number): void {
    const allowance =
      FALL_THRESHOLDS * hystartThreshold(minRtt) + Math.max(FALL_PERIODS * cadence, IDLE_ACK_DELAY_MS);
    if (rtt - minRtt > allowance) this.seen = true;
  }

  /** An ACK event at `now` after which `delivered` bytes had been delivered in all. */
  onAckEvent(now: number, delivered: number): void {
    this.times[this.next] = now;
    this.delivered[this.next] = delivered;
    this.next = (this.next + 1) % HISTORY_EVENTS;
    if (this.count < HISTORY_EVENTS) this.count++;
  }

  /**
   * An RTT sample `rtt` whose ACK came at `now` (after onAckEvent for its event); `after`: bytes delivered
   * since the reference sample of segments sent after its segment. Returns whether this sample is now the
   * reference (the caller then counts the bytes of the segments sent after it, from 0).
   */
  onSample(now: number, rtt: number, after: number, cadence: number, minRtt: number): boolean {
    const fallMin = Math.max(FALL_THRESHOLDS * hystartThreshold(minRtt), FALL_PERIODS * cadence);
    const gap = now - this.refAt;
    // the reference: the highest sample of the last two least falls' time (a train comes within one)
    if (this.refAt < 0 || rtt >= this.refRtt || gap > 2 * fallMin) {
      this.refAt = now;
      this.refRtt = rtt;
      this.refWindow = fallMin - 2 * cadence;
      this.refBefore = this.deliveredSince(now - fallMin);
      return true;
    }
    if (
      this.refRtt - rtt > fallMin &&
      after * this.refWindow > JITTER_RATE_RATIO * this.refBefore * Math.max(gap + cadence, 1)
    )
      this.seen = true;
    return false;
  }

  /**
   * Bytes delivered by the ACK events after `from`: all of them if the history begins after it and has never
   * dropped an event, Infinity if it has (it no longer reaches back).
   */
  private deliveredSince(from: number): number {
    const newest = (this.next + HISTORY_EVENTS - 1) % HISTORY_EVENTS;
    for (let k = 1; k < this.count; k++) {
      const i = (newest + HISTORY_EVENTS - k) % HISTORY_EVENTS;
      if (this.times[i] <= from) return this.delivered[newest] - this.delivered[i];
    }
    return this.count < HISTORY_EVENTS ? this.delivered[newest] : Number.POSITIVE_INFINITY;
  }
}
