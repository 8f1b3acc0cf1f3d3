import { Duplex, finished } from 'node:stream';
import { QppCipher, type QppPads } from '../crypt/qpp/index.js';

type Callback = (error?: Error | null) => void;

/**
 * kcptun's QPPPort as a Duplex (docs/protocol.md §9.1): what is written is QPP-encrypted and written to the inner
 * stream; what the inner stream yields is decrypted. Each wrapper owns two fresh ciphers, one per
 * direction, so the keystream restarts for every stream, as in kcptun.
 *
 * - Backpressure: a write completes when the inner write does; the inner stream is paused while the
 *   wrapper's readable buffer is full. Buffer sizes and half-open behaviour mirror the inner stream.
 * - Ending the wrapper ends the inner stream after its data; the inner 'end' ends the wrapper's readable.
 * - Destroying either destroys both; an inner error becomes the wrapper's error.
 * - Written chunks are encrypted into a new buffer (the caller's is left alone). Chunks read from the
 *   inner stream are decrypted in place: the wrapper takes ownership of them.
 */
class QppStream extends Duplex {
  private readonly inner: Duplex;
  private readonly writeCipher: QppCipher;
  private readonly readCipher: QppCipher;
  private reading = false;
  private innerPaused = false;

  constructor(inner: Duplex, pads: QppPads, seed: Uint8Array) {
    super({
      allowHalfOpen: inner.allowHalfOpen,
      readableHighWaterMark: inner.readableHighWaterMark,
      writableHighWaterMark: inner.writableHighWaterMark,
    });
    this.inner = inner;
    this.writeCipher = new QppCipher(pads, seed);
    this.readCipher = new QppCipher(pads, seed);
    inner.on('end', () => this.push(null));
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => {
      // A graceful close (both directions done) leaves the wrapper to drain and close on its own.
      const graceful = inner.readableEnded && inner.writableFinished;
      if (!graceful) this.destroy();
    });
  }

  override _read(): void {
    if (!this.reading) {
      this.reading = true;
      this.inner.on('data', (chunk: Buffer | string) => this.onInnerData(chunk));
    } else if (this.innerPaused) {
      this.innerPaused = false;
      this.inner.resume();
    }
  }

  private onInnerData(chunk: Buffer | string): void {
    if (this.destroyed) return;
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.readCipher.decrypt(data);
    if (!this.push(data)) {
      this.innerPaused = true;
      this.inner.pause();
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: Callback): void {
    const out = Buffer.allocUnsafe(chunk.length);
    chunk.copy(out);
    this.writeCipher.encrypt(out);
    this.inner.write(out, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: Callback): void {
    const out = Buffer.concat(chunks.map((c) => c.chunk));
    this.writeCipher.encrypt(out);
    this.inner.write(out, callback);
  }

  override _final(callback: Callback): void {
    finished(this.inner, { readable: false }, (err) => callback(err));
    this.inner.end();
  }

  override _destroy(error: Error | null, callback: Callback): void {
    this.inner.destroy();
    callback(error);
  }
}

/** Wrap one smux stream (or any byte Duplex) in QPP, with fresh per-direction keystreams. */
export function wrapQpp(stream: Duplex, pads: QppPads, seed: Uint8Array): Duplex {
  return new QppStream(stream, pads, seed);
}
