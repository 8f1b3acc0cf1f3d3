import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { SmuxError, SmuxSession, type SmuxStream } from '../../src/smux/index.js';
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

  test('garbage never throws out of onData', async () => {
    let seed = 99;
    const rand = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed >>> 8;
    };
    for (let round = 0; round < 300; round++) {
      const version = ((round % 2) + 1) as 1 | 2;
      const [conn, raw] = memoryConnectionPair({ maxChunk: 1 + (round % 50) });
      raw.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
      const open = round % 3 === 0 ? SmuxSession.client : SmuxSession.server;
      const session = open(conn, smuxConfig(version));
      session.on('stream', (s: SmuxStream) => {
        s.on('error', () => {});
        s.resume();
      });
      const data = Buffer.alloc(rand() % 2000);
      for (let i = 0; i < data.length; i++) data[i] = rand() & 0xff;
      // Plausible headers: right version, small commands, so some frames get through.
      for (let at = 0; at + 8 <= data.length; at += 8 + (rand() % 64)) {
        data[at] = version;
        data[at + 1] = rand() % 6;
      }
      raw.write(data);
      await delay(0);
      session.close();
    }
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
