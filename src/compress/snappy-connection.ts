/**
 * kcptun's CompStream as a ByteConnection: a snappy framing stream in each direction over an inner byte
 * stream (the KCP session), below smux. Each write is framed as one chunk (or one per 64 KiB), and each chunk
 * goes to the inner connection in a single write, the first one carrying the stream identifier.
 *
 * Over an inner connection that copies what it is given before returning (one that offers writeParts: the
 * KCP session), a chunk is framed in a buffer every connection of the thread reuses, and this connection
 * offers writeParts too: smux's header and payload are joined in another reused buffer rather than in a
 * new frame. Each new Buffer was an ArrayBuffer of its own (8 KiB frames), two per smux frame: in the
 * profile of a server echoing 64 KiB through each of 1000 sessions, framing and chunking took 244 of 4146
 * samples with them and 60 without (docs/bench-tunnel-sessions-2026-12-06-3.md).
 */

import type { ByteConnection, ByteSink } from '../transport/conn.js';
import { SnappyFrameReader, SnappyFramingError } from './frame-reader.js';
import { MAX_CHUNK_DATA_SIZE, MAX_FRAMED_CHUNK_SIZE, SnappyFrameWriter } from './framing.js';

/** Where a chunk is framed for an inner connection that copies it (SnappyConnection); made on first use. */
let framed: Buffer | null = null;
/** Where writeParts joins a header and its payload for the block encoder, which reads one source. */
let joined: Buffer | null = null;

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

  /** `head` then `body` as one chunk, as write(head ‖ body) would frame it; offered when the inner copies. */
  readonly writeParts?: (head: Buffer, body: Buffer) => boolean;
  /** The inner connection copies what write gives it before returning: chunks are framed in `framed`. */
  private readonly innerCopies: boolean;

  constructor(private readonly inner: ByteConnection) {
    this.reader = new SnappyFrameReader((data) => this.onDecoded(data));
    this.innerCopies = inner.writeParts !== undefined;
    if (this.innerCopies) this.writeParts = (head, body) => this.writeJoined(head, body);
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
      return length === 0 || this.writeChunk(data);
    }
    let accepted = true;
    for (let at = 0; at < length; at += MAX_CHUNK_DATA_SIZE) {
      accepted = this.writeChunk(data.subarray(at, Math.min(at + MAX_CHUNK_DATA_SIZE, length))) && accepted;
    }
    return accepted;
  }

  /** One chunk of `raw` (1..MAX_CHUNK_DATA_SIZE bytes) to the inner connection. */
  private writeChunk(raw: Uint8Array): boolean {
    if (!this.innerCopies) return this.inner.write(this.writer.frameChunk(raw));
    framed ??= Buffer.allocUnsafeSlow(MAX_FRAMED_CHUNK_SIZE);
    return this.inner.write(framed.subarray(0, this.writer.frameChunkInto(raw, framed)));
  }

  private writeJoined(head: Buffer, body: Buffer): boolean {
    if (this.isClosed) return false;
    const length = head.length + body.length;
    if (length === 0) return true;
    // only a -framesize past 64 KiB - 8 makes a frame longer than a chunk
    if (length > MAX_CHUNK_DATA_SIZE) return this.write(Buffer.concat([head, body], length));
    joined ??= Buffer.allocUnsafeSlow(MAX_CHUNK_DATA_SIZE);
    joined.set(head, 0);
    joined.set(body, head.length);
    return this.writeChunk(joined.subarray(0, length));
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
