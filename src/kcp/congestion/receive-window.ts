/**
 * The automatic receive window of `-mode auto`: the window advertised to the peer grows with the measured
 * receive rate × round trip, so the peer's sender is never held back by our rcv_wnd, up to a cap that
 * bounds this session's memory (every segment in the window may sit in rcv_buf). It only grows: a window
 * once advertised is never taken back, as TCP does not shrink an offered window.
 */
import { timeDiff } from '../time-diff.js';

/** Measure the rate over at least this many ms. */
const RATE_PERIOD_MS = 100;
/** Window in round trips of data: one in flight, one more for the loss recovery of a round. */
const WINDOW_RTTS = 2;
/** Round trip assumed while no sample exists. */
const DEFAULT_RTT_MS = 200;

export class ReceiveWindowTuner {
  private bytes = 0;
  private periodStart = 0;
  private started = false;

  /** `cap`: the largest window in segments this session may advertise. */
  constructor(readonly cap: number) {}

  /**
   * `bytes` reached the receive queue in order at `now`; returns the window (segments of `mss` bytes) the
   * measured rate asks for, or 0 when no period ended yet.
   */
  onReceived(bytes: number, now: number, rtt: number, mss: number): number {
    if (!this.started) {
      this.started = true;
      this.periodStart = now;
    }
    this.bytes += bytes;
    const elapsed = timeDiff(now, this.periodStart);
    if (elapsed < RATE_PERIOD_MS) return 0;
    const rate = this.bytes / elapsed;
    this.bytes = 0;
    this.periodStart = now;
    const rttMs = rtt > 0 ? rtt : DEFAULT_RTT_MS;
    return Math.min(this.cap, Math.ceil((WINDOW_RTTS * rate * rttMs) / mss));
  }
}
