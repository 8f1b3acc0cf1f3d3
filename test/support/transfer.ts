import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { WAIT_MS, within } from './deadline.js';

/**
 * The far end of a tunnel test: every accepted connection sends `bytesPerConn` bytes of its own
 * random data while reading as many, and records the sha256 of what it read. It closes its side only
 * after it has both written and read everything, so no close races data (kcptun has no half-close).
 */
export class TransferTarget {
  readonly received: string[] = [];
  readonly sentHashes: string[] = [];
  private readonly server: net.Server;

  /** Bytes each new connection sends and expects; may change between phases of a test. */
  bytesPerConn: number;

  private constructor(bytesPerConn: number) {
    this.bytesPerConn = bytesPerConn;
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => this.serve(socket));
  }

  static async start(bytesPerConn: number): Promise<TransferTarget> {
    const t = new TransferTarget(bytesPerConn);
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    return t;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Resolves once `count` connections have finished (received holds that many entries); rejects, saying how
   * many had, if that takes longer than `timeoutMs` (callers wait here once their own ends are done).
   */
  whenReceived(count: number, timeoutMs = STALL_MS): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `the target: ${this.received.length} of ${count} connections finished within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ count, resolve: done });
    });
  }

  private waiters: { count: number; resolve: () => void }[] = [];

  private record(got: string, sentHash?: string): void {
    this.received.push(got);
    if (sentHash !== undefined) this.sentHashes.push(sentHash);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.received.length >= this.waiters[i].count) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  private serve(socket: net.Socket): void {
    const data = randomBytes(this.bytesPerConn);
    const sentHash = sha256(data);
    exchange(socket, data, this.bytesPerConn).then(
      (got) => this.record(got, sentHash),
      () => this.record('error'),
    );
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * How long a transfer may make no progress (no byte read, none of ours sent) before its wait fails, saying
 * where it stood: shorter than the tests' own timeouts (30 s and up), so that a stream that hangs fails the
 * test with that line rather than with "test timed out" alone, while a slow one (loss, a busy machine) that
 * keeps moving is not cut short. CI's run of session 21 ended on a 90 s test timeout with nothing else
 * (docs/test-flakes-2026-12-06.md).
 */
export const STALL_MS = 15_000;
const STALL_CHECK_MS = 1000;

/**
 * Write `data` and read exactly `expect` bytes at the same time, then close; resolves with the sha256
 * of what was read. Rejects if the connection ends early or carries more, if it makes no progress for
 * STALL_MS, or, given `timeoutMs`, if it is not done by then.
 */
export function exchange(
  socket: net.Socket,
  data: Buffer,
  expect: number,
  timeoutMs?: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let got = 0;
    let written = false;
    let done = false;
    const where = `${socket.localPort ?? '?'} -> ${socket.remotePort ?? '?'}`;
    const fail = (how: string): void =>
      finish(
        new Error(
          `${how} (${where}): read ${got} of ${expect} bytes, ${written ? 'all' : 'not all'} written`,
        ),
      );
    // Progress is a byte read or a byte of ours leaving the write queue (either may go on alone); looked at
    // every STALL_CHECK_MS, so a stall fails within STALL_MS plus that.
    let seen = { got: 0, queued: -1, at: Date.now() };
    const check = (): void => {
      const queued = socket.writableLength;
      if (got !== seen.got || queued !== seen.queued) seen = { got, queued, at: Date.now() };
      else if (Date.now() - seen.at >= STALL_MS) fail(`no progress for ${STALL_MS} ms`);
    };
    const timer =
      timeoutMs === undefined
        ? setInterval(check, STALL_CHECK_MS)
        : setTimeout(() => fail(`not done within ${timeoutMs} ms`), timeoutMs);
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        socket.destroy();
        reject(err);
        return;
      }
      socket.end();
      resolve(hash.digest('hex'));
    };
    const maybeDone = (): void => {
      if (written && got === expect) finish();
    };
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got > expect) {
        finish(new Error(`read ${got} bytes, expected ${expect}`));
        return;
      }
      hash.update(chunk);
      maybeDone();
    });
    socket.on('end', () => {
      if (got < expect) finish(new Error(`connection ended after ${got} of ${expect} bytes`));
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => {
      if (!done) finish(new Error(`connection closed after ${got} of ${expect} bytes`));
    });
    socket.write(data, () => {
      written = true;
      maybeDone();
    });
  });
}

/** Connect to the tunnel's local port and exchange `bytes` each way; returns [sha of sent, sha of received]. */
export async function clientExchange(port: number, bytes: number): Promise<[string, string]> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await within(`a connection to ${port}`, WAIT_MS, once(socket, 'connect'));
  const data = randomBytes(bytes);
  const got = await exchange(socket, data, bytes);
  return [sha256(data), got];
}

/**
 * Two exchanges of `bytes` each way at once (with a client of -conn 2, one on each session), checked at
 * both ends: what the target received and sent against what the two connections sent and received.
 */
export async function twoExchangesAtOnce(port: number, target: TransferTarget, bytes: number): Promise<void> {
  target.bytesPerConn = bytes;
  const before = target.received.length;
  const both = await Promise.all([clientExchange(port, bytes), clientExchange(port, bytes)]);
  await target.whenReceived(before + 2);
  assert.deepEqual(target.received.slice(before).sort(), both.map((b) => b[0]).sort());
  assert.deepEqual(target.sentHashes.slice(before).sort(), both.map((b) => b[1]).sort());
}

/**
 * Start exchanging `bytes` each way through the tunnel, and hold it once the first bytes are back: reading
 * paused, and ours corked, so that the target, which finishes only once it has read them, keeps the stream
 * open (and `bytesPerConn` may change for the next one). `go` lets it run to the end.
 */
export async function heldExchange(
  port: number,
  target: TransferTarget,
  bytes: number,
): Promise<{ go: () => void; sent: string; received: Promise<string> }> {
  target.bytesPerConn = bytes;
  const socket = net.connect(port, '127.0.0.1');
  await within(`a connection to ${port}`, WAIT_MS, once(socket, 'connect'));
  socket.cork();
  const data = randomBytes(bytes);
  const received = exchange(socket, data, bytes);
  received.catch(() => {}); // the caller awaits it, unless it fails first and closes the tunnel
  // the first bytes back, or the exchange's own failure (it ended, it stalled)
  await within(`the first bytes back from ${port}`, WAIT_MS, Promise.race([once(socket, 'data'), received]));
  socket.pause();
  const go = (): void => {
    socket.uncork();
    socket.resume();
  };
  return { go, sent: sha256(data), received };
}
