/**
 * The highest rate at which the peer's ACKs have acknowledged data over a short span, for window copies
 * toward a fixed receive window (Kcp.enableWindowCopies, docs/link-go-client-2026-12-07-goclient32.md).
 *
 * Toward a window that does not grow the controller's rate samples cannot exceed the window per round trip
 * (each spans a round trip of a window-limited flight), so they never show whether the path has room for
 * more. The bursts do: each window the peer's una reopens goes out at the pacing rate (Startup's gain over
 * the window-bound estimate: toward such a window on a long path Startup seldom ends, and no traced 100 or
 * 150 ms download on the link left it; a seed of the simulation that did gets no reading), and the peer's
 * ACKs then acknowledge it at the rate it arrived, the pacing rate where the path has room for it and the
 * bottleneck's where it has not. Each ACK event acknowledges what arrived since the peer's previous flush;
 * the bytes of the events within at least SPAN_MIN_MS (and an eighth of the min RTT), against ACKs that a
 * jittery return path or a busy event loop bunches, over the time they span is one reading, and the
 * highest reading is kept. Beside it the rate the window delivered (average: the data acknowledged over
 * the last span of a second or more, a hole's stall included), which a window held by holes leaves far
 * below the window's own rate: twice it may fit where twice the window does not
 * (docs/link-go-client-2026-12-07-goclient33.md).
 */
import { timeDiff } from './time-diff.js';

/** ACK events kept: a reading needs fewer within SPAN_MIN_MS (a Go client flushes every 10-30 ms). */
const EVENTS = 32;
/**
 * A reading spans at least this long: a few of a Go client's flushes (every 10-25 ms while bench:link's
 * probe runs, docs/link-go-client-2026-12-07-goclient32.md §1). 20 ms let ACKs that the jittery link's
 * return path bunched read ~3.5 times the window-bound estimate where the bursts went out at 2.885
 * (pair simulation, 16 seeds: copies there, −0.28 Mbit/s, SE 0.12); over 40 ms fewer (wire/delivered
 * 1.64 → 1.45, −0.06, SE 0.04), and none with the window's rate as the measure (WINDOW_COPY_ROOM).
 */
export const SPAN_MIN_MS = 40;
/**
 * ACK events within this many ms of the last are one event (BATCH_MS): a busy event loop reads what queued
 * in a batch over a ms or two, and a reading that started inside it would count the batch's bytes, which
 * arrived over the stall before it, in the time after: up to twice the window per min RTT on a 50 ms path
 * (docs/link-go-client-2026-12-07-goclient32.md §5).
 */
const BATCH_MS = 1;
/**
 * The delivered rate (average) spans at least this long and AVERAGE_SPAN_RTTS min RTTs: long enough that
 * a hole's stall (a round trip and more) and the burst after it fall in one span. Over 500 ms and 4 RTTs it
 * dipped in the holes, and window copies opened on the 50 Mbit/s bottleneck at 100 ms where they cost
 * (pair simulation, docs/link-go-client-2026-12-07-goclient33.md).
 */
const AVERAGE_SPAN_MS = 1000;
const AVERAGE_SPAN_RTTS = 8;
/** A reading spans at least this share of the min RTT (see the header). */
const SPAN_MIN_RTT_SHARE = 0.125;

export class AckBurstRate {
  private readonly at = new Float64Array(EVENTS);
  private readonly bytes = new Float64Array(EVENTS);
  private count = 0;
  private next = 0;
  /** The highest reading so far, bytes per ms (0: none yet). */
  highest = 0;
  /** The rate the ACK events acknowledged data at over the last whole span (AVERAGE_SPAN_MS), bytes per ms (0: none yet). */
  average = 0;
  private averageFrom = -1;
  private averageBytes = 0;

  /**
   * The sender had nothing to send: the span of the delivered rate (average) starts again at the next ACK
   * event, so that a writer's pause (a tunnel's idle session before a download) does not read as a slow
   * path. The last whole span's rate stays.
   */
  restartAverage(): void {
    this.averageFrom = -1;
    this.averageBytes = 0;
  }

  /** An ACK event at `now` (ms) acknowledged `bytes` of data not acknowledged before; `minRtt` in ms. */
  onAck(now: number, bytes: number, minRtt: number): void {
    if (this.averageFrom < 0) this.averageFrom = now;
    else {
      // the bytes after the span's first event, over the time from it
      this.averageBytes += bytes;
      const elapsed = timeDiff(now, this.averageFrom);
      if (elapsed >= Math.max(AVERAGE_SPAN_MS, AVERAGE_SPAN_RTTS * minRtt)) {
        this.average = this.averageBytes / elapsed;
        this.averageBytes = 0;
        this.averageFrom = now;
      }
    }
    const last = (this.next + EVENTS - 1) % EVENTS;
    if (this.count > 0 && timeDiff(now, this.at[last]) <= BATCH_MS) {
      // one turn's inputs (a batch read after a stall among them) are one event: a reading never starts
      // within a batch, whose bytes arrived over the time before it
      this.bytes[last] += bytes;
      this.measure(last, now, minRtt);
      return;
    }
    const i = this.next;
    this.at[i] = now;
    this.bytes[i] = bytes;
    this.next = (i + 1) % EVENTS;
    if (this.count < EVENTS) this.count++;
    this.measure(i, now, minRtt);
  }

  /** The reading that ends with event `i` (at `now`), if its span is long enough. */
  private measure(i: number, now: number, minRtt: number): void {
    const span = Math.max(SPAN_MIN_MS, minRtt * SPAN_MIN_RTT_SHARE);
    // back from the newest: the bytes of the events after the oldest one taken, over the time from it
    let sum = 0;
    for (let k = 1; k < this.count; k++) {
      const newer = (i - k + 1 + EVENTS) % EVENTS;
      const older = (i - k + EVENTS) % EVENTS;
      sum += this.bytes[newer];
      const elapsed = timeDiff(now, this.at[older]);
      if (elapsed >= span) {
        const rate = sum / elapsed;
        if (rate > this.highest) this.highest = rate;
        return;
      }
    }
  }
}
