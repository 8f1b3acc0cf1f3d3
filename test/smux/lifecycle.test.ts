import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { CMD_FIN, CMD_PSH, CMD_SYN } from '../../src/smux/frame.js';
import { SmuxError, SmuxSession, type SmuxStream } from '../../src/smux/index.js';
import { plausibleGarbage, referenceParse, seededRandom } from './frame-oracle.js';
import { GatedConnection } from './gated-connection.js';
import { acceptStream, delay, readAll, sessionPair, smuxConfig, waitFor } from './helpers.js';
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
    [
      'a v2 peer on a v1 session',
      1,
      '0200000003000000',
      /invalid protocol version 2, expected 1 \(the peers disagree on -smuxver\)/,
    ],
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

describe('keepalive', () => {
  const fast = { keepAliveInterval: 50, keepAliveTimeout: 150 };

  test('a silent peer closes the session with a keepalive timeout', async () => {
    const { conn } = rawPeer();
    const started = Date.now();
    const session = SmuxSession.client(conn, smuxConfig(1, fast));
    const guard = setTimeout(() => {}, 2000); // keeps the loop alive: session timers are unref'd
    const err = await closeReason(session);
    clearTimeout(guard);
    const elapsed = Date.now() - started;
    assert.ok(err instanceof SmuxError && err.code === 'KEEPALIVE_TIMEOUT', String(err));
    assert.equal(err.message, 'smux: keepalive timeout');
    assert.ok(elapsed >= 140 && elapsed < 600, `closed after ${elapsed} ms`);
  });

  test('an active peer (NOPs only) keeps it open', async () => {
    for (const version of [1, 2] as const) {
      const { client, server, clientConn } = sessionPair(smuxConfig(version, fast));
      await delay(700);
      assert.equal(client.isClosed, false);
      assert.equal(server.isClosed, false);
      const nops = clientConn.written.filter((f) => f[1] === 3 && f.readUInt32LE(4) === 0).length;
      assert.ok(nops >= 10, `${nops} NOPs`);
      client.close();
      server.close();
    }
  });

  test('no timeout while the receive budget is spent by unread data', async () => {
    const { conn, send } = rawPeer();
    const session = SmuxSession.server(
      conn,
      smuxConfig(1, { ...fast, maxReceiveBuffer: 1000, maxStreamBuffer: 1000 }),
    );
    const accepted = acceptStream(session);
    send(hex('0100000003000000'));
    send(Buffer.concat([hex('0102e80303000000'), Buffer.alloc(1000)]));
    const stream = await accepted;
    await delay(500);
    assert.equal(session.isClosed, false, 'silence is ours: the unread stream holds the budget');
    assert.equal(stream.bufferedReceiveBytes, 1000);
    stream.resume();
    const guard = setTimeout(() => {}, 2000);
    const err = await closeReason(session);
    clearTimeout(guard);
    assert.match(String(err), /keepalive timeout/);
  });
});

describe('close semantics', () => {
  test('end() on both sides: FIN each way, readable ends after the data, stream leaves both sessions', async () => {
    const { client, server } = sessionPair(smuxConfig(2));
    const accepted = acceptStream(server);
    const c = client.openStream();
    c.end('ping');
    const s = await accepted;
    assert.equal((await readAll(s)).toString(), 'ping', 'half-closed: server reads to EOF');
    assert.equal(server.numStreams, 1, 'server has not sent FIN yet');
    s.end('pong');
    assert.equal((await readAll(c)).toString(), 'pong');
    await waitFor(() => client.numStreams === 0 && server.numStreams === 0, 1000, 'removal');
    await waitFor(() => c.closed && s.closed, 1000, "both streams' close (auto-destroy)");
    client.close();
    server.close();
  });

  test('destroy() sends FIN: the peer sees EOF; later data for the id is dropped', async () => {
    const { client, server } = sessionPair(smuxConfig(1));
    const accepted = acceptStream(server);
    const c = client.openStream();
    c.write('abc');
    const s = await accepted;
    const got = readAll(s);
    await waitFor(() => s.readableLength > 0 || s.bufferedReceiveBytes > 0, 1000, 'data');
    c.destroy();
    assert.equal((await got).toString(), 'abc');
    assert.equal(client.numStreams, 0, 'destroy removes the stream at once');
    s.end('late');
    await waitFor(() => server.numStreams === 0, 1000, 'server removal');
    assert.equal(client.isClosed, false);
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
