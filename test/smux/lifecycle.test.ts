import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { CMD_FIN, CMD_NOP, CMD_PSH, CMD_SYN } from '../../src/smux/frame.js';
import { SmuxError, SmuxSession, type SmuxStream } from '../../src/smux/index.js';
import { keepAliveTimers } from '../../src/smux/keepalive-clock.js';
import { plausibleGarbage, referenceParse, seededRandom } from './frame-oracle.js';
import { GatedConnection } from './gated-connection.js';
import { acceptStream, quiescent, readAll, sessionPair, smuxConfig } from './helpers.js';
import { type MemoryConnection, memoryConnectionPair } from './memory-connection.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function rawPeer(): { conn: MemoryConnection; raw: MemoryConnection; send: (b: Buffer) => void } {
  const [conn, raw] = memoryConnectionPair();
  raw.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  return { conn, raw, send: (b) => raw.write(b) };
}

async function closeReason(session: SmuxSession): Promise<Error | undefined> {
  const [err] = await once(session, 'close');
  return err as Error | undefined;
}

describe('protocol errors close the session with a named error', () => {
  const cases: [string, 1 | 2, string, RegExp][] = [
    ['a v2 peer on a v1 session', 1, '0200000003000000', /invalid protocol version 2, expected 1$/],
    ['a v1 peer on a v2 session', 2, '0100000003000000', /invalid protocol version 1, expected 2/],
    ['an unknown command', 1, '0107000003000000', /unknown command 7/],
    ['UPD on v1', 1, '0104080003000000 0100000000000100', /UPD frame on a version 1 session/],
    ['UPD with length 0', 2, '0204000003000000', /UPD frame with length 0/],
    ['SYN with a payload', 2, '0200040003000000 00000000', /SYN frame with non-zero length 4/],
  ];
  for (const [name, version, bytes, message] of cases) {
    test(name, async () => {
      const { conn, send } = rawPeer();
      const session = SmuxSession.client(conn, smuxConfig(version));
      const stream = session.openStream();
      stream.on('error', () => assert.fail('streams close without an error'));
      const closed = closeReason(session);
      send(hex(bytes));
      const err = await closed;
      assert.ok(err instanceof SmuxError);
      assert.equal(err.code, 'PROTOCOL');
      assert.match(err.message, message);
      assert.equal(session.isClosed, true);
      assert.equal(conn.closed, true, 'the connection is closed too');
      assert.equal(stream.destroyed, true, 'streams are closed');
      assert.equal(session.numStreams, 0);
    });
  }

  test('random input: streams, bytes and the closing error as a whole-buffer parse says', async () => {
    const rand = seededRandom(99);
    const errorKinds = new Set<string>();
    let openRounds = 0;
    let acceptedTotal = 0;
    for (let round = 0; round < 300; round++) {
      const version = ((round % 2) + 1) as 1 | 2;
      const data = plausibleGarbage(rand, version, 600);
      const expected = referenceParse(data, version);
      const conn = new GatedConnection();
      const open = round % 3 === 0 ? SmuxSession.client : SmuxSession.server;
      const session = open(conn, smuxConfig(version));
      const accepted: SmuxStream[] = [];
      session.on('stream', (stream: SmuxStream) => accepted.push(stream));
      let closeError: Error | undefined;
      let closes = 0;
      session.on('close', (err?: Error) => {
        closeError = err;
        closes++;
      });
      // The session starts parsing in a microtask queued by its constructor: let that run first, then
      // everything below is synchronous.
      await Promise.resolve();
      for (let at = 0; at < data.length; ) {
        const n = 1 + (rand() % 50);
        conn.feed(data.subarray(at, at + n));
        at += n;
      }

      // What the peer's frames should have done, in order: SYN opens (once per id), FIN ends the readable
      // side, PSH for an open stream not yet finished is kept for the application, the rest is dropped.
      const streams = new Map<number, { bytes: number; fin: boolean }>();
      for (const f of expected.frames) {
        const known = streams.get(f.sid);
        if (f.cmd === CMD_SYN && known === undefined) streams.set(f.sid, { bytes: 0, fin: false });
        else if (f.cmd === CMD_FIN && known !== undefined) known.fin = true;
        else if (f.cmd === CMD_PSH && known !== undefined && !known.fin) known.bytes += f.payload.length;
      }
      assert.deepEqual(
        accepted.map((st) => st.id),
        [...streams.keys()],
        `round ${round}: one accept per new id`,
      );
      acceptedTotal += accepted.length;
      if (expected.error !== null) {
        assert.equal(closes, 1, `round ${round}: closed once`);
        assert.ok(closeError instanceof SmuxError, `round ${round}: ${closeError}`);
        assert.equal(closeError.code, 'PROTOCOL');
        assert.match(closeError.message, expected.error.message);
        assert.equal(session.isClosed, true);
        assert.equal(conn.closed, true, 'the connection is closed with it');
        assert.equal(session.numStreams, 0);
        assert.ok(
          accepted.every((st) => st.destroyed && st.bufferedReceiveBytes === 0),
          'every stream is destroyed and its data dropped',
        );
        errorKinds.add(expected.error.kind);
      } else {
        assert.equal(closes, 0, `round ${round}: still open (${closeError})`);
        assert.equal(session.numStreams, streams.size);
        for (const stream of accepted) {
          const want = streams.get(stream.id)!;
          assert.equal(stream.bufferedReceiveBytes, want.bytes, `round ${round}: stream ${stream.id} bytes`);
          assert.equal(stream.destroyed, false);
        }
        assert.equal(conn.paused, false, 'the receive budget is not spent by this little data');
        openRounds++;
        session.close();
        assert.equal(closes, 1);
        assert.equal(closeError, undefined, 'a local close has no error');
      }
    }
    assert.ok(openRounds > 30 && openRounds < 270, `${openRounds} rounds ended open`);
    assert.ok(acceptedTotal > 150, `${acceptedTotal} streams accepted`);
    assert.deepEqual([...errorKinds].sort(), [
      'UPD length',
      'UPD on v1',
      'command',
      'control length',
      'version',
    ]);
  });
});

function isNop(frame: Buffer): boolean {
  return frame[1] === CMD_NOP && frame.readUInt32LE(4) === 0;
}

/** Hand each side's new frames to the other, as a link would; returns how many moved. */
function exchange(a: GatedConnection, b: GatedConnection, sent: { a: number; b: number }): number {
  const fromA = a.written.slice(sent.a);
  const fromB = b.written.slice(sent.b);
  sent.a = a.written.length;
  sent.b = b.written.length;
  for (const frame of fromA) b.feed(frame);
  for (const frame of fromB) a.feed(frame);
  return fromA.length + fromB.length;
}

// The session's keepalive runs on setInterval: the tests move node:test's mock clock instead of waiting,
// so what they check is the rule (which check closes, after how many intervals), not the machine's speed.
describe('keepalive', () => {
  const fast = { keepAliveInterval: 50, keepAliveTimeout: 150 };

  test('a silent peer closes the session at the first check with no frame since the last', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const conn = new GatedConnection();
    const session = SmuxSession.client(conn, smuxConfig(1, fast));
    let closeError: Error | undefined;
    session.on('close', (err) => {
      closeError = err;
    });
    await Promise.resolve(); // the session's start
    t.mock.timers.tick(149);
    assert.equal(session.isClosed, false, 'open until the first check');
    assert.deepEqual(conn.written.map(isNop), [true, true], 'a NOP every interval');
    t.mock.timers.tick(1);
    assert.ok(closeError instanceof SmuxError && closeError.code === 'KEEPALIVE_TIMEOUT', String(closeError));
    assert.equal(closeError.message, 'smux: keepalive timeout');
    assert.equal(conn.closed, true);
  });

  test("each side's NOPs keep the other open; when they stop arriving both close", async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    for (const version of [1, 2] as const) {
      const clientConn = new GatedConnection();
      const serverConn = new GatedConnection();
      const client = SmuxSession.client(clientConn, smuxConfig(version, fast));
      const server = SmuxSession.server(serverConn, smuxConfig(version, fast));
      const errors: (Error | undefined)[] = [];
      client.on('close', (err) => errors.push(err));
      server.on('close', (err) => errors.push(err));
      await Promise.resolve();
      const sent = { a: 0, b: 0 };
      for (let interval = 0; interval < 20; interval++) {
        t.mock.timers.tick(50);
        assert.equal(exchange(clientConn, serverConn, sent), 2, 'one NOP each way per interval');
      }
      assert.equal(client.isClosed || server.isClosed, false, 'open through 1000 ms of NOPs only');
      assert.ok(clientConn.written.every(isNop) && serverConn.written.every(isNop));
      // The link goes silent: the first check clears the flag set by the last NOP, the second one closes.
      t.mock.timers.tick(150);
      assert.deepEqual(errors, []);
      t.mock.timers.tick(150);
      assert.deepEqual(
        errors.map((e) => (e as SmuxError | undefined)?.code),
        ['KEEPALIVE_TIMEOUT', 'KEEPALIVE_TIMEOUT'],
      );
    }
  });

  test('no timeout while the receive budget is spent by unread data; the first check after reading closes', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const conn = new GatedConnection();
    const session = SmuxSession.server(
      conn,
      smuxConfig(1, { ...fast, maxReceiveBuffer: 1000, maxStreamBuffer: 1000 }),
    );
    let closeError: Error | undefined;
    session.on('close', (err) => {
      closeError = err;
    });
    const accepted = acceptStream(session);
    await Promise.resolve();
    conn.feed(hex('0100000003000000'));
    conn.feed(Buffer.concat([hex('0102e80303000000'), Buffer.alloc(1000)]));
    const stream = await accepted;
    assert.equal(conn.paused, true, 'the budget is spent: the connection is paused');
    t.mock.timers.tick(1500);
    assert.equal(session.isClosed, false, 'silence is ours: the unread stream holds the budget');
    assert.equal(stream.bufferedReceiveBytes, 1000);
    stream.resume();
    await once(stream, 'data');
    assert.equal(conn.paused, false, 'reading gave the budget back');
    // Checks run at multiples of 150 ms: the one at 1650 ms is the first with the budget back.
    t.mock.timers.tick(149);
    assert.equal(session.isClosed, false);
    t.mock.timers.tick(1);
    assert.ok(closeError instanceof SmuxError && closeError.code === 'KEEPALIVE_TIMEOUT', String(closeError));
  });

  test("sessions opened apart send their NOPs on one timer's ticks, which goes with the last session", async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const timersBefore = keepAliveTimers();
    const first = new GatedConnection();
    const second = new GatedConnection();
    const a = SmuxSession.server(first, smuxConfig(1, fast));
    t.mock.timers.tick(20);
    const b = SmuxSession.server(second, smuxConfig(1, fast));
    await Promise.resolve();
    assert.equal(keepAliveTimers(), timersBefore + 1, 'one timer for the interval');
    t.mock.timers.tick(30);
    assert.deepEqual(first.written.map(isNop), [true], 'the first session: one interval after it opened');
    assert.deepEqual(
      second.written.map(isNop),
      [true],
      'the second: on the same tick, 30 ms after it opened',
    );
    t.mock.timers.tick(50);
    assert.equal(first.written.length + second.written.length, 4, 'then both every interval');
    a.close();
    assert.equal(keepAliveTimers(), timersBefore + 1, 'still ticking for the second session');
    t.mock.timers.tick(50);
    assert.equal(second.written.length, 3);
    b.close();
    assert.equal(keepAliveTimers(), timersBefore, 'no timer once both closed');
  });
});

describe('close semantics', () => {
  test('end() on both sides: FIN each way, readable ends after the data, stream leaves both sessions', async () => {
    const { client, server } = sessionPair(smuxConfig(2));
    const accepted = acceptStream(server);
    const c = client.openStream();
    c.end('ping');
    const s = await accepted;
    const bothClosed = Promise.all([once(c, 'close'), once(s, 'close')]);
    assert.equal((await readAll(s)).toString(), 'ping', 'half-closed: server reads to EOF');
    assert.equal(server.numStreams, 1, 'server has not sent FIN yet');
    s.end('pong');
    assert.equal((await readAll(c)).toString(), 'pong');
    await bothClosed; // auto-destroy once both sides ended
    assert.equal(client.numStreams, 0, 'the stream left the client');
    assert.equal(server.numStreams, 0, 'and the server');
    client.close();
    server.close();
  });

  test('destroy() sends FIN: the peer sees EOF; later data for the id is dropped', async () => {
    const { client, server, clientConn } = sessionPair(smuxConfig(1));
    const accepted = acceptStream(server);
    const c = client.openStream();
    c.write('abc');
    const s = await accepted;
    const got = readAll(s);
    await once(s, 'data');
    c.destroy();
    assert.equal((await got).toString(), 'abc');
    assert.equal(client.numStreams, 0, 'destroy removes the stream at once');
    const serverStreamClosed = once(s, 'close');
    s.end('late');
    await serverStreamClosed;
    assert.equal(server.numStreams, 0, 'the server stream left once its FIN went out');
    await quiescent(clientConn);
    assert.equal(client.isClosed, false, 'the client dropped the late PSH and FIN for a stream it forgot');
    assert.equal(client.numStreams, 0);
    client.close();
    server.close();
  });

  test('session close(): streams close, both sessions report close, the connection closes', async () => {
    const { client, server, clientConn } = sessionPair(smuxConfig(2));
    const accepted = acceptStream(server);
    const c = client.openStream();
    c.write('x');
    const s = await accepted;
    const clientStreamClosed = once(c, 'close');
    const serverClosed = closeReason(server);
    client.close();
    assert.equal(client.isClosed, true);
    assert.equal(clientConn.closed, true);
    await clientStreamClosed;
    assert.equal(c.destroyed, true);
    assert.equal(await serverClosed, undefined, 'clean close when the connection closes cleanly');
    assert.equal(s.destroyed, true);
    assert.equal(server.numStreams, 0);
  });

  test('a connection failure closes the session with that error', async () => {
    const { client, server, clientConn } = sessionPair(smuxConfig(1));
    const c = client.openStream();
    const streamClosed = once(c, 'close');
    const closed = closeReason(client);
    clientConn.fail(new Error('kcp: dead link'));
    assert.equal(((await closed) as Error).message, 'kcp: dead link');
    await streamClosed;
    assert.equal(c.readableEnded, false, 'closed, not ended');
    server.close();
  });
});
