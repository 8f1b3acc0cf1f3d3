/**
 * The automatic receive window of `-mode auto`: the window advertised to the peer grows with the measured
 * receive rate × round trip, so the peer's sender is never held back by our rcv_wnd, up to a cap that
 * bounds this session's memory (every segment in the window may sit in rcv_buf). It only grows: a window
 * once advertised is never taken back, as TCP does not shrink an offered window.
 *
 * The rate is what arrives, in order or not: measured in order, it stalls behind every hole, and a window
 * of a few round trips at that rate allows just the rate it measured (a fixed point under loss, the link
 * benchmark's traces at 100 ms/5 % and 150 ms/10 %, docs/link-benchmark.md). And it is judged as each
 * segment arrives, over at least RATE_PERIOD_MS: judged only when a period had ended, a flight that
 * arrived within one period (a long path's first flight: 512 segments in ~70 ms against the client's
 * default 512) grew nothing until the next segment arrived, and the sender, held at that window behind a
 * hole, sent that segment only after the flight's ACKs: the window grew a round trip late, and the
 * sender sat at `rmt-wnd` for 250 ms of a 300 ms round trip (150 ms/10 %, link-sim with the link's client
 * window, docs/link-cold-2026-12-06.md).
 *
 * The window also grows with its occupancy, as Linux's receive-buffer autotuning grows with what the
 * sender fills: when the segments held behind a hole span more than a quarter of the window, it doubles.
 * Memory stays bounded by the cap, and rcv_buf only holds segments while a hole is open.
 */
import { timeDiff } from '../time-diff.js';

/** Measure the rate over at least this many ms. */
const RATE_PERIOD_MS = 100;
/**
 * Window in round trips of data: Startup's in-flight cap (2.885 round trips at the rate it measured),
 * one more for the loss recovery of a round. With 2, the window bound Startup on lossy links before the
 * sender's own cap did, and Startup ended early (docs/link-benchmark.md).
 */
const WINDOW_RTTS = 4;
/** The window doubles when held segments span more than 1/this of it. */
const OCCUPANCY_GROWTH_SHARE = 4;
/** Round trip assumed while no sample exists. */
const DEFAULT_RTT_MS = 200;

export class ReceiveWindowTuner {
  private bytes = 0;
  private periodStart = 0;
  private started = false;

  /** `cap`: the largest window in segments this session may advertise. */
  constructor(readonly cap: number) {}

  /**
   * A new segment of `bytes` arrived at `now` (in order or not); returns the window (segments of `mss`
   * bytes) the rate it arrives at asks for: the bytes of the current period over its length, at least
   * RATE_PERIOD_MS.
   */
  onReceived(bytes: number, now: number, rtt: number, mss: number): number {
    if (!this.started) {
      this.started = true;
      this.periodStart = now;
    }
    this.bytes += bytes;
    const elapsed = timeDiff(now, this.periodStart);
    const rate = this.bytes / Math.max(elapsed, RATE_PERIOD_MS);
    if (elapsed >= RATE_PERIOD_MS) {
      this.bytes = 0;
      this.periodStart = now;
    }
    const rttMs = rtt > 0 ? rtt : DEFAULT_RTT_MS;
    return Math.min(this.cap, Math.ceil((WINDOW_RTTS * rate * rttMs) / mss));
  }

  /**
   * A segment was held behind a hole: `span` segments from rcv_nxt to the highest one received, out of a
   * `window` of segments. Returns the window to grow to, or 0.
   */
  onHeld(span: number, window: number): number {
    return span * OCCUPANCY_GROWTH_SHARE > window ? Math.min(this.cap, 2 * window) : 0;
  }
}
