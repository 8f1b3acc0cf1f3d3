import { SmuxError } from './errors.js';
import { CMD_FIN, encodeControlFrame, encodeDataFrame, encodeUpdFrame, writeDataHeader } from './frame.js';
import type { FrameSource, FrameSplit } from './frame-writer.js';
import type { SchedulerList } from './stream-scheduler.js';

/** The parts of the session's writer a stream's send side uses. */
export interface SendScheduler {
  scheduleData(source: FrameSource): void;
  scheduleSignal(source: FrameSource): void;
  whenWritable(callback: () => void): void;
}

export interface StreamSenderOptions {
  sid: number;
  version: 1 | 2;
  maxFrameSize: number;
  /** The window this end advertises in its UPD frames (v2). */
  localWindow: number;
  /** The peer's window assumed until its first UPD for this stream (v2). */
  initialPeerWindow: number;
}

type Callback = (err?: Error | null) => void;

/**
 * Send-side state of one stream: the chunk being framed, the v2 flow-control window and the FIN.
 * Frames are cut only when the writer pulls them, so at most one chunk per stream waits here.
 *
 * v2 window (smux writeV2): numWritten counts PSH payload bytes sent, peerConsumed/peerWindow come from
 * the peer's UPD (until the first one: what the session knows of the peer's window, see
 * SmuxSession.newStreamPeerWindow). inflight = int32(numWritten - peerConsumed) with u32 wrapping; at most
 * peerWindow - inflight more bytes may be sent. A negative inflight means the peer claims to have consumed
 * more than was sent: the stream fails (smux ErrConsumed).
 */
export class StreamSender implements FrameSource {
  schedulerList: SchedulerList = 'idle';
  deficit = 0;
  inSignalQueue = false;

  private chunk: Buffer | null = null;
  private offset = 0;
  private chunkCallback: Callback | null = null;
  /** What the stream's writer held behind `chunk` when it was written. */
  private queuedBehind = 0;
  private finRequested = false;
  private finCallback: Callback | null = null;
  private finWasSent = false;
  private aborted = false;
  /** Completion of the chunk or FIN whose last frame was just taken, run once the connection has room. */
  private completed: Callback | null = null;

  private numWritten = 0;
  private peerConsumed = 0;
  private peerWindow: number;

  private updatePending = false;
  private updateConsumed = 0;

  constructor(
    private readonly options: StreamSenderOptions,
    private readonly scheduler: SendScheduler,
    private readonly onViolation: (err: SmuxError) => void,
  ) {
    this.peerWindow = options.initialPeerWindow;
  }

  /** A FIN was handed to the writer (gracefully or by abort). */
  get finSent(): boolean {
    return this.finWasSent;
  }

  /**
   * Send `chunk`; `callback` runs once its last frame went out and the connection is not back-pressured.
   * `queuedBehind`: the bytes the stream's writer already holds to send after it.
   */
  write(chunk: Buffer, callback: Callback, queuedBehind = 0): void {
    if (chunk.length === 0) {
      callback();
      return;
    }
    this.queuedBehind = queuedBehind;
    this.chunk = chunk;
    this.offset = 0;
    this.chunkCallback = callback;
    this.scheduler.scheduleData(this);
  }

  /** Send FIN after the data; `callback` runs once it went out. */
  finish(callback: Callback): void {
    this.finRequested = true;
    this.finCallback = callback;
    this.scheduler.scheduleData(this);
  }

  /** A UPD from the peer. */
  applyWindowUpdate(consumed: number, window: number): void {
    this.peerConsumed = consumed >>> 0;
    this.peerWindow = window >>> 0;
    if (this.chunk !== null) this.scheduler.scheduleData(this);
  }

  /** Ask the writer to send UPD(consumed, localWindow); a newer request replaces one not yet sent. */
  queueWindowUpdate(consumed: number): void {
    if (this.aborted) return;
    this.updateConsumed = consumed >>> 0;
    this.updatePending = true;
    this.scheduler.scheduleSignal(this);
  }

  /**
   * Stop sending: unsent data is dropped and its callbacks get the error `reason` makes, which is only
   * made when there are such callbacks (an Error captures a stack trace, and a stream that closes
   * normally has none: that was 0.7 % of a server's profile setting up 1000 sessions). Returns true when
   * the caller must still send a FIN (none was sent yet); from then on the FIN counts as sent.
   */
  abort(reason: () => Error): boolean {
    if (this.aborted) return false;
    this.aborted = true;
    this.updatePending = false;
    const pending = this.chunkCallback;
    const fin = this.finCallback;
    this.chunk = null;
    this.chunkCallback = null;
    this.finCallback = null;
    const mustSendFin = !this.finWasSent;
    this.finWasSent = true;
    if (pending !== null || fin !== null) {
      const err = reason();
      pending?.(err);
      fin?.(err);
    }
    return mustSendFin;
  }

  hasDataFrame(): boolean {
    if (this.aborted) return false;
    if (this.chunk !== null) {
      if (this.options.version === 1) return true;
      const inflight = (this.numWritten - this.peerConsumed) | 0;
      return inflight < 0 || (this.peerWindow | 0) - inflight > 0;
    }
    return this.finRequested && !this.finWasSent;
  }

  pendingBytes(): number {
    return this.chunk === null ? 0 : this.chunk.length - this.offset + this.queuedBehind;
  }

  takeDataFrame(split: FrameSplit | null): Buffer | null {
    if (this.aborted) return null;
    const { sid, version, maxFrameSize } = this.options;
    const chunk = this.chunk;
    if (chunk !== null) {
      let size = Math.min(chunk.length - this.offset, maxFrameSize);
      if (version === 2) {
        const inflight = (this.numWritten - this.peerConsumed) | 0;
        if (inflight < 0) {
          this.onViolation(new SmuxError(`smux: peer consumed more than sent on stream ${sid}`, 'CONSUMED'));
          return null;
        }
        const window = (this.peerWindow | 0) - inflight;
        if (window <= 0) return null;
        size = Math.min(size, window);
      }
      const start = this.offset;
      let frame: Buffer;
      if (split === null) {
        frame = encodeDataFrame(version, sid, chunk, start, start + size);
      } else {
        frame = split.header;
        writeDataHeader(frame, version, sid, size);
        split.payload = chunk.subarray(start, start + size);
      }
      this.offset += size;
      this.numWritten = (this.numWritten + size) >>> 0;
      if (this.offset === chunk.length) {
        this.completed = this.chunkCallback;
        this.chunk = null;
        this.chunkCallback = null;
      }
      return frame;
    }
    if (this.finRequested && !this.finWasSent) {
      this.finWasSent = true;
      this.completed = this.finCallback;
      this.finCallback = null;
      return encodeControlFrame(version, CMD_FIN, sid);
    }
    return null;
  }

  dataFrameWritten(): void {
    const completed = this.completed;
    if (completed === null) return;
    this.completed = null;
    this.scheduler.whenWritable(completed);
  }

  takeSignalFrame(): Buffer | null {
    if (!this.updatePending || this.aborted) return null;
    this.updatePending = false;
    const { sid, version, localWindow } = this.options;
    return encodeUpdFrame(version, sid, this.updateConsumed, localWindow);
  }
}
