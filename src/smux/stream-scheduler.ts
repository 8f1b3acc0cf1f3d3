import { Fifo } from './fifo.js';

/** Which of the scheduler's lists holds a stream: none, the newly active ones, or the backlogged ones. */
export type SchedulerList = 'idle' | 'new' | 'old';

/** A stream as the scheduler sees it: two scheduler-owned fields. */
export interface ScheduledStream {
  schedulerList: SchedulerList;
  /** Bytes the stream may still send in its current turn (deficit round robin). */
  deficit: number;
}

/**
 * Picks the stream whose next data frame goes to the connection: deficit round robin over the streams
 * that have data, with a separate list, served first, for streams that just became active. This is the
 * flow queueing of FQ-CoDel (RFC 8290 sections 4.1-4.2) applied to smux streams, without the AQM.
 *
 * - A stream that gets data while idle joins the new list with one quantum of credit. The new list is
 *   served before the old one, so a stream that sends less than a quantum (a request, a DNS answer, a
 *   keystroke) goes out ahead of every backlogged stream, whatever their number and queued bytes.
 * - A stream that spends its quantum moves to the back of the old list with one more quantum: backlogged
 *   streams take turns of equal bytes, whatever their write sizes.
 * - A new stream that runs dry moves to the old list instead of leaving (RFC 8290's rule): it only becomes
 *   idle, and may later be new again, once an old-list turn finds it still empty. A bulk stream that
 *   empties for a moment between two writes therefore stays old and cannot jump the queue every time.
 * - An old stream found empty (no data, or its v2 window shut) becomes idle.
 *
 * The backlog in front of the connection stays short (the session's connection holds writers off after a
 * few frames), so the order chosen here is, within about one frame, the order on the wire. The lists are
 * only touched at their heads: O(1) per frame, no allocation beyond the amortised array growth of Fifo.
 *
 * Use: `next()` names the stream to serve; the caller then reports either `charge` (it sent a frame) or
 * `ranDry` (it had none to send: nothing queued, or its v2 window shut).
 */
export class StreamScheduler<T extends ScheduledStream> {
  private readonly newStreams = new Fifo<T>();
  private readonly oldStreams = new Fifo<T>();
  /** Which list the stream last returned by `next` heads. */
  private servingNew = false;

  /** `quantum`: the bytes (frames with headers) one stream may send per turn. */
  constructor(private readonly quantum: number) {}

  /** `stream` has data to send: an idle stream joins the new list; a listed one keeps its place. */
  activate(stream: T): void {
    if (stream.schedulerList !== 'idle') return;
    stream.schedulerList = 'new';
    stream.deficit = this.quantum;
    this.newStreams.push(stream);
  }

  /** The stream to take the next data frame from, or undefined when no stream is waiting. */
  next(): T | undefined {
    for (;;) {
      this.servingNew = this.newStreams.length > 0;
      const list = this.servingNew ? this.newStreams : this.oldStreams;
      const stream = list.at(0);
      if (stream === undefined || stream.deficit > 0) return stream;
      list.shift();
      stream.deficit += this.quantum;
      this.demote(stream);
    }
  }

  /** `stream`, returned by `next`, sent a frame of `bytes`. */
  charge(stream: T, bytes: number): void {
    stream.deficit -= bytes;
  }

  /** `stream`, returned by `next`, had no frame to send: a new stream becomes old, an old one idle. */
  ranDry(stream: T): void {
    if (this.servingNew) {
      this.newStreams.shift();
      this.demote(stream);
    } else {
      this.oldStreams.shift();
      stream.schedulerList = 'idle';
    }
  }

  /** Forget every stream (the session is closing). */
  clear(): void {
    this.newStreams.clear();
    this.oldStreams.clear();
  }

  private demote(stream: T): void {
    stream.schedulerList = 'old';
    this.oldStreams.push(stream);
  }
}
