import type { ByteConnection } from '../transport/conn.js';
import { Fifo } from './fifo.js';
import { HEADER_SIZE } from './frame.js';
import { type ScheduledStream, StreamScheduler } from './stream-scheduler.js';

/** A stream as seen by the writer: frames are pulled from it only when the connection can take them. */
export interface FrameSource extends ScheduledStream {
  /** Writer-owned flag: the source is waiting in the signal queue. */
  inSignalQueue: boolean;
  /** Whether takeDataFrame would return a frame now. */
  hasDataFrame(): boolean;
  /**
   * The next PSH or FIN of this stream, or null when nothing is sendable (nothing pending, window shut).
   * With `split`, a PSH comes as split.header, its payload in split.payload (a view of the chunk written);
   * otherwise, and for a FIN, as one frame with split.payload left null.
   */
  takeDataFrame(split: FrameSplit | null): Buffer | null;
  /** Bytes of data the stream holds not yet framed, its writer's buffer included (0 when only its FIN waits). */
  pendingBytes(): number;
  /** Called right after the frame from takeDataFrame was handed to the connection. */
  dataFrameWritten(): void;
  /** The stream's pending window update (UPD), or null. */
  takeSignalFrame(): Buffer | null;
}

/**
 * The most an idle stream that gets data may have queued to be written past a held-off connection
 * (FrameWriter.writeAhead): a request, a keystroke, a DNS query, not the start of a bulk transfer. A
 * stream does so only when it leaves the idle state, which takes an old-list turn that finds it empty
 * (StreamScheduler), and its write callback waits for the drain, so the connection's queue grows by
 * little and a stream of small writes gets no more than its share. The tunnel writes a received chunk of
 * at most this much to an idle local socket at once for the same reason (tunnel/pipe.ts).
 */
export const SMALL_REQUEST_BYTES = 2048;

function isSmallRequest(source: FrameSource): boolean {
  return source.pendingBytes() <= SMALL_REQUEST_BYTES;
}

/**
 * A PSH taken in two parts, for a connection with `writeParts`: no buffer per frame, and no copy of the
 * payload into one (8 KiB per frame by default) before KCP copies it into its segments anyway.
 */
export class FrameSplit {
  readonly header = Buffer.alloc(HEADER_SIZE);
  payload: Buffer | null = null;
}

/**
 * The session's send side. Every frame goes to the connection as one write() call. Nothing is encoded
 * ahead of time: while the connection is back-pressured (write returned false, waiting for onDrain),
 * streams keep their data and are only asked for a frame when it can go out, so the queue holds at most
 * one pending chunk per stream plus a few control frames, and a frame's place on the wire is decided
 * when the connection has room, not when it was written.
 *
 * Order: control frames (SYN, NOP, a FIN that aborts a stream) first, then window updates (UPD), then
 * data, chosen by the StreamScheduler: streams that just got a little data before backlogged ones, and
 * equal bytes per turn among the backlogged. A stream's graceful FIN is one of its data frames, so it
 * always follows that stream's data; a stream's own frames never change order. One exception to waiting
 * for the drain: a stream that just became active with a request's worth of data (SMALL_REQUEST_BYTES)
 * is written at once, behind the control frames, even while the connection holds the writer off
 * (writeAhead), so a request does not wait in smux for the bulk streams' share of the connection's queue.
 */
export class FrameWriter {
  private blocked = false;
  private closed = false;
  private flushing = false;
  private readonly control = new Fifo<Buffer>();
  private readonly signals = new Fifo<FrameSource>();
  private readonly streams: StreamScheduler<FrameSource>;
  private readonly drainWaiters = new Fifo<() => void>();
  /** Set when the connection takes a frame's header and payload in one call (ByteConnection.writeParts). */
  private readonly split: FrameSplit | null;

  /** `maxFrameSize`: the session's largest PSH payload; a stream's turn is one full frame's bytes. */
  constructor(
    private readonly conn: ByteConnection,
    maxFrameSize: number,
  ) {
    this.streams = new StreamScheduler(HEADER_SIZE + maxFrameSize);
    this.split = conn.writeParts === undefined ? null : new FrameSplit();
  }

  /** The last write returned false and onDrain has not come yet. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  sendControl(frame: Buffer): void {
    if (this.closed) return;
    this.control.push(frame);
    this.flush();
  }

  scheduleSignal(source: FrameSource): void {
    if (this.closed) return;
    if (!source.inSignalQueue) {
      source.inSignalQueue = true;
      this.signals.push(source);
    }
    this.flush();
  }

  scheduleData(source: FrameSource): void {
    if (this.closed) return;
    if (!source.hasDataFrame()) {
      this.flush();
      return;
    }
    if (this.blocked && source.schedulerList === 'idle' && isSmallRequest(source)) this.writeAhead(source);
    if (source.hasDataFrame()) this.streams.activate(source);
    this.flush();
  }

  /** Run `callback` now if the connection is not back-pressured, else after the next drain. */
  whenWritable(callback: () => void): void {
    if (this.closed) return;
    if (this.blocked) this.drainWaiters.push(callback);
    else callback();
  }

  onDrain(): void {
    if (this.closed) return;
    this.blocked = false;
    while (!this.blocked && !this.closed) {
      const callback = this.drainWaiters.shift();
      if (callback === undefined) break;
      callback();
    }
    this.flush();
  }

  /** Forget everything queued; later calls are no-ops. */
  close(): void {
    this.closed = true;
    this.control.clear();
    this.signals.clear();
    this.streams.clear();
    this.drainWaiters.clear();
  }

  private flush(): void {
    // Re-entrant calls (a write callback that queues more data) are served by the running loop.
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (!this.blocked && !this.closed) {
        const frame = this.control.shift();
        if (frame !== undefined) {
          this.write(frame);
          continue;
        }
        const signaller = this.signals.shift();
        if (signaller !== undefined) {
          signaller.inSignalQueue = false;
          const update = signaller.takeSignalFrame();
          if (update !== null) this.write(update);
          continue;
        }
        const source = this.streams.next();
        if (source === undefined) break;
        if (!this.writeDataFrame(source)) this.streams.ranDry(source);
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * The connection holds the writer off, and `source`, idle until now, has a request's worth of data: write
   * it now, after the control frames queued before it (its SYN may be one of them), instead of after the
   * connection's queue drains. The connection's queue (KCP's snd_queue) is short and leaves whole in the
   * next flush, so the request leaves with it rather than one flush later.
   */
  private writeAhead(source: FrameSource): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let frame = this.control.shift(); frame !== undefined; frame = this.control.shift()) {
        this.write(frame);
      }
      this.writeDataFrame(source);
    } finally {
      this.flushing = false;
    }
  }

  /** Take `source`'s next frame and write it; false when it had none to send. */
  private writeDataFrame(source: FrameSource): boolean {
    const split = this.split;
    const data = source.takeDataFrame(split);
    if (data === null) return false;
    const payload = split === null ? null : split.payload;
    if (payload === null) {
      this.streams.charge(source, data.length);
      this.write(data);
    } else {
      split!.payload = null;
      this.streams.charge(source, data.length + payload.length);
      if (!this.conn.writeParts!(data, payload)) this.blocked = true;
    }
    source.dataFrameWritten();
    return true;
  }

  private write(frame: Buffer): void {
    if (!this.conn.write(frame)) this.blocked = true;
  }
}
