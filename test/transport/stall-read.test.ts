import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SnappyConnection } from '../../src/compress/snappy-connection.js';
import { KcpListener } from '../../src/transport/listener.js';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import { senderOptions, streamBytes } from '../support/kcp-sender.js';
import { spawnOwned } from '../support/owned.js';

/**
 * A process that stalls inside a delivery and then writes from it, over real sockets and the batched
 * receive (GRO where the kernel has it), with snappy between KCP and the receiver as in the tunnel. A
 * sender in another process (test/support/kcp-sender) streams to this one, whose receiver keeps the CPU
 * for STALL_MS (what a stop, a GC pause or a busy machine does to a process) on the first chunk of each
 * turn, then writes a few bytes back, as smux's window update does for the bytes a stream consumed: a write to
 * an idle session, which the scheduler flushes at once (flushNow). The sender's datagrams wait in the
 * socket meanwhile. A socket read at that point (the scheduler once read the sockets at any entry 10 ms or
 * more after the last) delivers them inside the delivery still under way: the snappy reader took the next
 * piece of the stream before it had finished the one it was in, so later chunks came first or the stream
 * failed its checksum (docs/bench-tunnel-stall-2026-12-05-2.md). The bytes must arrive intact and in order.
 */
const BYTES = 8 << 20;
/** Longer than the scheduler's stall threshold (LATE_TICK_READ_MS). */
const STALL_MS = 15;
/** Stalls the transfer must see at least: the first chunk of every turn stalls. */
const MIN_STALLS = 10;
const REPLY = Buffer.from('consumed');
const SENDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'kcp-sender.js');

/** Keep the thread busy for `ms`: the process stalls, which no timer or await could make happen. */
function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: a stall of the process is what is under test
  }
}

function skipReason(): string | false {
  if (mmsgSupported() !== true) return `no batched I/O here: ${mmsgSupported()}`;
  if (process.env.KCPTUN_NO_MMSG === '1') return 'KCPTUN_NO_MMSG=1 is set';
  return false;
}

describe('a write from inside a delivery after a stall (batched receive, snappy)', {
  skip: skipReason(),
}, () => {
  test('the stream arrives intact and in order', { timeout: 60_000 }, async () => {
    const data = streamBytes(BYTES);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let stalls = 0;
    let stalledThisTurn = false;
    const server: { conn: SnappyConnection | null } = { conn: null };
    let finish: (err?: Error) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      finish = (err) => (err ? reject(err) : resolve());
    });
    const listener = await KcpListener.listen(
      '127.0.0.1',
      0,
      { ...senderOptions(), sockbuf: 4 << 20, maxSessions: 4 },
      (session) => {
        const conn = new SnappyConnection(session);
        server.conn = conn;
        conn.attach({
          onData: (chunk) => {
            received.push(chunk);
            receivedBytes += chunk.length;
            // once a turn, at the first chunk of a delivery: the most of it is still to come
            if (!stalledThisTurn) {
              stalls++;
              stalledThisTurn = true;
              setImmediate(() => {
                stalledThisTurn = false;
              });
              stall(STALL_MS);
              conn.write(Buffer.from(REPLY));
            }
            if (receivedBytes >= BYTES) finish();
          },
          onDrain: () => {},
          onClose: (err) => finish(new Error(`closed after ${receivedBytes} bytes: ${err?.message}`)),
        });
      },
    );
    const sender = spawnOwned(process.execPath, [SENDER, String(listener.port), String(BYTES)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let senderLog = '';
    sender.stderr!.on('data', (d: Buffer) => {
      senderLog += d.toString();
    });
    sender.on('exit', (code) => {
      if (code !== 0 && code !== null) finish(new Error(`the sender exited with ${code}: ${senderLog}`));
    });
    try {
      await done;
      const got = Buffer.concat(received);
      assert.equal(got.length, BYTES);
      const first = got.findIndex((b, i) => b !== data[i]);
      assert.equal(first, -1, `the stream differs from byte ${first} on`);
      assert.ok(stalls >= MIN_STALLS, `the receiver stalled the process ${stalls} times`);
    } finally {
      sender.kill();
      server.conn?.close();
      listener.close();
    }
  });
});
