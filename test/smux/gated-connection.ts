import type { ByteConnection, ByteSink } from '../../src/transport/conn.js';

/**
 * A connection whose far end moves only when the test says so: write() returns false once `limit` bytes
 * wait, `drain` takes bytes off and calls onDrain, `feed` hands bytes to the session as if they arrived.
 * Everything is synchronous, so what the session writes, and in which order, depends on the session
 * alone, not on timing.
 */
export class GatedConnection implements ByteConnection {
  /** Every buffer passed to write(), in order: one smux frame each. */
  readonly written: Buffer[] = [];
  closed = false;
  paused = false;
  private sink: ByteSink | null = null;
  private waiting = 0;
  private blocked = false;

  constructor(private readonly limit = Number.POSITIVE_INFINITY) {}

  attach(sink: ByteSink): void {
    this.sink = sink;
  }

  write(data: Buffer): boolean {
    this.written.push(data);
    this.waiting += data.length;
    this.blocked = this.waiting >= this.limit;
    return !this.blocked;
  }

  /** The link sends `bytes` (default: all that waits); the session hears onDrain if it was held off. */
  drain(bytes = this.waiting): void {
    this.waiting = Math.max(0, this.waiting - bytes);
    if (this.blocked && this.waiting < this.limit) {
      this.blocked = false;
      this.sink?.onDrain();
    }
  }

  /** Bytes from the peer. */
  feed(data: Buffer): void {
    this.sink?.onData(data);
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  close(): void {
    this.closed = true;
  }
}
