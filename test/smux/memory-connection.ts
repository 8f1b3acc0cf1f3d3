import type { ByteConnection, ByteSink } from '../../src/transport/conn.js';

export interface MemoryLinkOptions {
  /** Undelivered bytes at the receiving end above which write() returns false (default 65536). */
  highWaterMark?: number;
  /** Re-cut the byte stream into pieces of at most this size (default: deliver each write as it was). */
  maxChunk?: number;
  /** With maxChunk: pick each piece size at random in 1..maxChunk (seeded, reproducible). */
  randomChunks?: boolean;
  seed?: number;
  /**
   * Offer ByteConnection.writeParts, as the KCP session does: the two parts are recorded as one joined
   * write in `written` (and `parts` counts the calls), so frames compare with those of a plain connection.
   */
  writeParts?: boolean;
}

/** Bytes handed to a sink per event-loop turn, so both ends interleave like a real link. */
const DELIVERY_BUDGET = 1 << 20;

/**
 * One end of an in-memory ByteConnection pair. Delivery is asynchronous (setImmediate), honours
 * pause/resume, and back-pressure is real: write() returns false while the peer holds highWaterMark or
 * more undelivered bytes, and onDrain follows once it has delivered them below that mark.
 */
export class MemoryConnection implements ByteConnection {
  peer!: MemoryConnection;
  /** Every buffer passed to write(), in order (to check exact frames). */
  readonly written: Buffer[] = [];
  /** writeParts calls so far (with MemoryLinkOptions.writeParts). */
  parts = 0;
  writeParts?: (head: Buffer, body: Buffer) => boolean;
  /** Peak of undelivered bytes queued at this end. */
  maxQueued = 0;
  /** Writes and deliveries so far at this end: unchanged over an event-loop turn means nothing moved. */
  progress = 0;
  private sink: ByteSink | null = null;
  private readonly inbox: Buffer[] = [];
  private queued = 0;
  private paused = false;
  private scheduled = false;
  private waitingForDrain = false;
  private isClosed = false;
  private rng: number;

  constructor(private readonly options: MemoryLinkOptions) {
    this.rng = options.seed ?? 0x2545f491;
    if (options.writeParts) {
      this.writeParts = (head, body) => {
        this.parts++;
        return this.write(Buffer.concat([head, body]));
      };
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Undelivered bytes waiting at this end. */
  get queuedBytes(): number {
    return this.queued;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** No delivery is scheduled: nothing will move at this end unless someone writes or resumes. */
  get isIdle(): boolean {
    return !this.scheduled;
  }

  attach(sink: ByteSink): void {
    this.sink = sink;
    this.schedule();
  }

  write(data: Buffer): boolean {
    if (this.isClosed) return true;
    this.progress++;
    this.written.push(data);
    this.peer.enqueue(data);
    if (this.peer.queued >= (this.options.highWaterMark ?? 65536)) {
      this.waitingForDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.sink?.onClose();
    const peer = this.peer;
    setImmediate(() => peer.closeByPeer());
  }

  /** Close this end as if the link failed. */
  fail(err: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.sink?.onClose(err);
  }

  private closeByPeer(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.sink?.onClose();
  }

  private enqueue(data: Buffer): void {
    if (this.isClosed || data.length === 0) return;
    this.inbox.push(data);
    this.queued += data.length;
    if (this.queued > this.maxQueued) this.maxQueued = this.queued;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.deliver());
  }

  private deliver(): void {
    this.scheduled = false;
    let budget = DELIVERY_BUDGET;
    while (!this.paused && !this.isClosed && this.sink !== null && this.queued > 0 && budget > 0) {
      const piece = this.takePiece();
      budget -= piece.length;
      this.progress++;
      this.sink.onData(piece);
    }
    const writer = this.peer;
    if (writer.waitingForDrain && this.queued < (writer.options.highWaterMark ?? 65536)) {
      writer.waitingForDrain = false;
      writer.sink?.onDrain();
    }
    if (!this.paused && !this.isClosed && this.queued > 0) this.schedule();
  }

  private takePiece(): Buffer {
    const { maxChunk, randomChunks } = this.options;
    if (maxChunk === undefined) {
      const whole = this.inbox.shift()!;
      this.queued -= whole.length;
      return whole;
    }
    const size = Math.min(this.queued, randomChunks ? 1 + (this.nextRandom() % maxChunk) : maxChunk);
    const parts: Buffer[] = [];
    let need = size;
    while (need > 0) {
      const first = this.inbox[0];
      if (first.length <= need) {
        parts.push(first);
        this.inbox.shift();
        need -= first.length;
      } else {
        parts.push(first.subarray(0, need));
        this.inbox[0] = first.subarray(need);
        need = 0;
      }
    }
    this.queued -= size;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
  }

  private nextRandom(): number {
    // xorshift32: reproducible piece sizes without a dependency.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}

/** Two connected ends; `options` applies to both directions. */
export function memoryConnectionPair(options: MemoryLinkOptions = {}): [MemoryConnection, MemoryConnection] {
  const a = new MemoryConnection(options);
  const b = new MemoryConnection({ ...options, seed: (options.seed ?? 0x2545f491) ^ 0x9e3779b9 });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
