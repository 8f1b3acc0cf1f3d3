import { Duplex } from 'node:stream';
import type { SmuxConfig } from './config.js';
import { SmuxError } from './errors.js';
import { Fifo } from './fifo.js';
import { CMD_FIN, encodeControlFrame } from './frame.js';
import { type SendScheduler, StreamSender } from './stream-sender.js';

/** What a stream needs from its session. */
export interface StreamHost extends SendScheduler {
  readonly config: Readonly<SmuxConfig>;
  readonly isClosed: boolean;
  /** The window a new stream's sender assumes before its own first UPD (v2). */
  readonly newStreamPeerWindow: number;
  /** Queue a frame ahead of all stream data (the FIN of an aborted stream). */
  sendControl(frame: Buffer): void;
  /** The application consumed n received bytes: give them back to the session-wide receive budget. */
  returnTokens(n: number): void;
  /** The stream is finished; `unread` received bytes were discarded and go back to the budget. */
  streamClosed(stream: SmuxStream, unread: number): void;
}

/**
 * The readable side's own buffer is the smux receive buffer; Node's readable buffer is kept empty
 * (highWaterMark 0), so a byte counts as consumed, which returns smux tokens and drives v2 window
 * updates, only when the application actually reads it ('data', read(), or a pipe whose destination
 * accepts it). A reader that stops reading therefore stops the far sender after one window (v2), or
 * stops the whole session once the session buffer is spent (v1, like Go smux).
 */
const READABLE_HIGH_WATER_MARK = 0;

/**
 * One smux stream as a Node Duplex (half-open allowed).
 * - write()/end(): data is cut into PSH frames of at most maxFrameSize; a write callback runs once its
 *   frames were accepted by the connection without back-pressure (and, in v2, within the peer's window).
 *   end() sends FIN after all data.
 * - readable side: the peer's data; the peer's FIN ends it after the buffered data.
 * - destroy() (with or without an error) drops unsent data and sends FIN if none was sent yet.
 * - The stream leaves its session once FIN went both ways and everything received was read, or when
 *   it is destroyed. When the session closes, its streams are destroyed without an error.
 */
export class SmuxStream extends Duplex {
  readonly id: number;
  private readonly host: StreamHost;
  private readonly sender: StreamSender;
  private readonly received = new Fifo<Buffer>();
  private receivedBytes = 0;
  private wantsData = false;
  private delivering = false;
  private finReceived = false;
  private eofPushed = false;
  private detached = false;
  // v2 receive-side accounting (u32, wrapping like Go's uint32).
  private numRead = 0;
  private incr = 0;
  private readonly updateThreshold: number;

  /** @internal Streams are created by SmuxSession (openStream, or the 'stream' event). */
  constructor(id: number, host: StreamHost) {
    super({ allowHalfOpen: true, readableHighWaterMark: READABLE_HIGH_WATER_MARK });
    this.id = id;
    this.host = host;
    const { version, maxFrameSize, maxStreamBuffer } = host.config;
    this.updateThreshold = Math.floor(maxStreamBuffer / 2);
    this.sender = new StreamSender(
      {
        sid: id,
        version,
        maxFrameSize,
        localWindow: maxStreamBuffer,
        initialPeerWindow: host.newStreamPeerWindow,
      },
      host,
      (err) => this.destroy(err),
    );
  }

  /** Bytes received from the peer that the application has not read yet. */
  get bufferedReceiveBytes(): number {
    return this.receivedBytes;
  }

  override _read(): void {
    this.wantsData = true;
    this.deliver();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // the Writable counts this chunk and those buffered behind it
    this.sender.write(chunk, callback, this.writableLength - chunk.length);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.sender.finish((err) => {
      this.detachIfDone();
      callback(err);
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const reason = (): Error =>
      error ?? new SmuxError(`smux: stream ${this.id} destroyed before its data was sent`, 'CLOSED');
    if (this.sender.abort(reason) && !this.host.isClosed) {
      this.host.sendControl(encodeControlFrame(this.host.config.version, CMD_FIN, this.id));
    }
    this.detach();
    callback(error);
  }

  /** @internal Whether a PSH for this stream is still wanted (not after FIN or destroy). */
  acceptsPayload(): boolean {
    return !this.finReceived && !this.destroyed;
  }

  /** @internal A PSH payload (the session has already charged its receive budget). */
  receivePayload(payload: Buffer): void {
    this.received.push(payload);
    this.receivedBytes += payload.length;
    this.deliver();
  }

  /** @internal The peer's FIN. */
  receiveFin(): void {
    if (this.finReceived) return;
    this.finReceived = true;
    this.deliver();
  }

  /** @internal The peer's UPD (v2). */
  receiveWindowUpdate(consumed: number, window: number): void {
    this.sender.applyWindowUpdate(consumed, window);
  }

  private deliver(): void {
    // push() may call back into _read (a 'data' listener reading): that only sets wantsData for this loop.
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.wantsData && !this.destroyed) {
        const payload = this.received.shift();
        if (payload === undefined) break;
        this.receivedBytes -= payload.length;
        this.wantsData = false;
        if (this.push(payload)) this.wantsData = true;
        this.consumed(payload.length);
      }
    } finally {
      this.delivering = false;
    }
    if (this.finReceived && !this.eofPushed && this.received.length === 0 && !this.destroyed) {
      this.eofPushed = true;
      this.push(null);
      this.detachIfDone();
    }
  }

  /** smux tryReadV2: UPD on the first read and whenever half the advertised window was consumed. */
  private consumed(n: number): void {
    if (this.host.config.version === 2) {
      this.numRead = (this.numRead + n) >>> 0;
      this.incr = (this.incr + n) >>> 0;
      if (this.incr >= this.updateThreshold || this.numRead === n) {
        this.incr = 0;
        if (this.numRead !== 0) this.sender.queueWindowUpdate(this.numRead);
      }
    }
    this.host.returnTokens(n);
  }

  private detachIfDone(): void {
    if (this.eofPushed && this.sender.finSent) this.detach();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    const unread = this.receivedBytes;
    this.received.clear();
    this.receivedBytes = 0;
    this.host.streamClosed(this, unread);
  }
}
