/**
 * kcptun's CompStream as a ByteConnection: a snappy framing stream in each direction over an inner byte
 * stream (the KCP session), below smux. Each write is framed as one chunk (or one per 64 KiB), and each chunk
 * goes to the inner connection in a single write, the first one carrying the stream identifier.
 */

import type { ByteConnection, ByteSink } from '../transport/conn.js';
import { SnappyFrameReader, SnappyFramingError } from './frame-reader.js';
import { MAX_CHUNK_DATA_SIZE, SnappyFrameWriter } from './framing.js';

export class SnappyConnection implements ByteConnection {
  private sink: ByteSink | null = null;
  private readonly writer = new SnappyFrameWriter();
  private readonly reader: SnappyFrameReader;
  /** Decoded data that arrived while paused (one inner delivery may hold several chunks). */
  private readonly held: Buffer[] = [];
  private paused = false;
  private isClosed = false;
  private closeNotified = false;
  private closeError: Error | undefined = undefined;

  private readonly innerSink: ByteSink = {
    onData: (data) => this.onInnerData(data),
    onDrain: () => this.sink?.onDrain(),
    onClose: (err) => this.onInnerClose(err),
  };

  constructor(private readonly inner: ByteConnection) {
    this.reader = new SnappyFrameReader((data) => this.onDecoded(data));
  }

  get closed(): boolean {
    return this.isClosed || this.inner.closed;
  }

  attach(sink: ByteSink): void {
    this.sink = sink;
    if (this.isClosed) {
      this.notifyClose();
      return;
    }
    // Attaching the inner connection only now leaves early data buffered (and flow-controlled) there.
    this.inner.attach(this.innerSink);
  }

  write(data: Buffer): boolean {
    if (this.isClosed) return false;
    const length = data.length;
    if (length <= MAX_CHUNK_DATA_SIZE) {
      // Like Go's Flush of an empty buffer, an empty write sends nothing, not even the identifier.
      return length === 0 || this.inner.write(this.writer.frameChunk(data));
    }
    let accepted = true;
    for (let at = 0; at < length; at += MAX_CHUNK_DATA_SIZE) {
      const piece = data.subarray(at, Math.min(at + MAX_CHUNK_DATA_SIZE, length));
      accepted = this.inner.write(this.writer.frameChunk(piece)) && accepted;
    }
    return accepted;
  }

  pause(): void {
    this.paused = true;
    this.inner.pause();
  }

  resume(): void {
    if (!this.paused || this.isClosed) return;
    this.paused = false;
    while (this.held.length > 0 && !this.paused && this.sink !== null) {
      this.sink.onData(this.held.shift()!);
    }
    if (!this.paused && !this.isClosed) this.inner.resume();
  }

  close(): void {
    this.finish(undefined);
  }

  private onInnerData(data: Buffer): void {
    if (this.isClosed) return;
    const err = this.reader.push(data);
    if (err !== null) this.finish(err);
  }

  private onDecoded(data: Buffer): void {
    if (this.isClosed) return;
    if (this.paused || this.held.length > 0 || this.sink === null) {
      this.held.push(data);
      return;
    }
    this.sink.onData(data);
  }

  private onInnerClose(err: Error | undefined): void {
    if (err === undefined && this.reader.midChunk) {
      this.finish(new SnappyFramingError('truncated', 'stream ended inside a chunk'));
      return;
    }
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = err;
    this.reader.stop();
    this.held.length = 0;
    // The inner connection reports its close back to us; isClosed makes that a no-op.
    this.inner.close();
    this.notifyClose();
  }

  private notifyClose(): void {
    const sink = this.sink;
    if (sink === null || this.closeNotified) return;
    this.closeNotified = true;
    this.sink = null;
    sink.onClose(this.closeError);
  }
}
