import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { SmuxSession, type SmuxStream } from '../../src/smux/index.js';
import { acceptStream, quiescent, sessionPair, smuxConfig } from './helpers.js';
import { type MemoryConnection, memoryConnectionPair } from './memory-connection.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** The far end of `conn` as raw bytes: what arrives is collected, `send` injects bytes. */
function rawPeer(writeParts = false): {
  conn: MemoryConnection;
  received: Buffer[];
  send: (b: Buffer) => void;
} {
  const [conn, raw] = memoryConnectionPair({ writeParts });
  const received: Buffer[] = [];
  raw.attach({ onData: (d) => received.push(d), onDrain: () => {}, onClose: () => {} });
  return { conn, received, send: (b) => raw.write(b) };
}

test('v1 client: SYN, PSH, FIN and NOP are the captured bytes, one write() per frame', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const { conn } = rawPeer();
  const client = SmuxSession.client(conn, smuxConfig(1, { keepAliveInterval: 40, keepAliveTimeout: 5000 }));
  const stream = client.openStream();
  assert.equal(stream.id, 3);
  stream.end('hello world');
  await once(stream, 'finish');
  assert.deepEqual(conn.written.slice(0, 3), [
    hex('0100000003000000'),
    Buffer.concat([hex('01020b0003000000'), Buffer.from('hello world')]),
    hex('0101000003000000'),
  ]);
  assert.equal(conn.written.length, 3);
  t.mock.timers.tick(40);
  assert.deepEqual(conn.written.slice(3), [hex('0103000000000000')], 'a NOP after the keepalive interval');
  client.close();
});

test('over a connection with writeParts: each PSH is one writeParts call and the frames are the same bytes', async () => {
  const { conn } = rawPeer(true);
  const client = SmuxSession.client(conn, smuxConfig(1, { maxFrameSize: 4 }));
  const stream = client.openStream();
  stream.end('hello world');
  await once(stream, 'finish');
  assert.deepEqual(conn.written, [
    hex('0100000003000000'),
    Buffer.concat([hex('0102040003000000'), Buffer.from('hell')]),
    Buffer.concat([hex('0102040003000000'), Buffer.from('o wo')]),
    Buffer.concat([hex('0102030003000000'), Buffer.from('rld')]),
    hex('0101000003000000'),
  ]);
  assert.equal(conn.parts, 3, 'the three PSH, not SYN or FIN');
  client.close();
});

test('without a config, client() and server() speak kcptun defaults: v1 frames, ids 3 and 2', async () => {
  const { conn: clientConn } = rawPeer();
  const { conn: serverConn } = rawPeer();
  const client = SmuxSession.client(clientConn);
  const server = SmuxSession.server(serverConn);
  assert.equal(client.openStream().id, 3);
  assert.equal(server.openStream().id, 2);
  assert.deepEqual(clientConn.written[0], hex('0100000003000000'));
  assert.deepEqual(serverConn.written[0], hex('0100000002000000'));
  client.close();
  server.close();
});

test('v2 server: UPD(consumed 2, window 2097152) follows the first read of a 2-byte PSH', async () => {
  const { conn, send } = rawPeer();
  const server = SmuxSession.server(conn, smuxConfig(2, { maxStreamBuffer: 2097152 }));
  const accepted = acceptStream(server);
  send(hex('0200000003000000'));
  send(hex('0202020003000000 6869'));
  const stream = await accepted;
  assert.equal(stream.id, 3);
  await quiescent(conn);
  assert.equal(stream.bufferedReceiveBytes, 2, 'the PSH waits for the application');
  assert.equal(conn.written.length, 0, 'nothing is sent before the application reads');
  assert.deepEqual(stream.read(), Buffer.from('hi'));
  await quiescent(conn);
  assert.deepEqual(conn.written, [hex('020408000300000002000000 00002000')]);
  server.close();
});

test('client stream ids are 3, 5, 7 and the server accepts them; server ids are 2, 4', async () => {
  const { client, server, clientConn } = sessionPair(smuxConfig(1));
  const acceptedIds: number[] = [];
  server.on('stream', (s: SmuxStream) => acceptedIds.push(s.id));
  const opened = [client.openStream(), client.openStream(), client.openStream()].map((s) => s.id);
  assert.deepEqual(opened, [3, 5, 7]);
  await quiescent(clientConn);
  assert.deepEqual(acceptedIds, [3, 5, 7]);

  const clientAccepted: number[] = [];
  client.on('stream', (s: SmuxStream) => clientAccepted.push(s.id));
  assert.deepEqual([server.openStream().id, server.openStream().id], [2, 4]);
  await quiescent(clientConn);
  assert.deepEqual(clientAccepted, [2, 4]);
  assert.equal(client.numStreams, 5);
  assert.equal(server.numStreams, 5);
  client.close();
  server.close();
});

test('a repeated SYN is ignored, PSH/FIN/UPD for unknown ids are dropped', async () => {
  const { conn, send } = rawPeer();
  const server = SmuxSession.server(conn, smuxConfig(2, { maxReceiveBuffer: 65536, maxStreamBuffer: 65536 }));
  let accepts = 0;
  server.on('stream', () => accepts++);
  send(hex('0200000005000000'));
  send(hex('0200000005000000'));
  // 128 KiB of data to a stream that does not exist must not spend the 64 KiB receive budget.
  for (let i = 0; i < 4; i++) send(Buffer.concat([hex('02020080 09000000'), Buffer.alloc(32768)]));
  send(hex('0201000009000000'));
  send(hex('0204080009000000 0000000000000100'));
  send(hex('0202030005000000 616263'));
  await quiescent(conn);
  assert.equal(server.numStreams, 1);
  assert.equal(accepts, 1);
  assert.equal(server.isClosed, false);
  assert.equal(conn.isPaused, false, 'budget untouched by dropped data');
  server.close();
});

test('openStream refuses once stream ids overflow (GOAWAY) and after close', () => {
  const { conn } = rawPeer();
  const client = SmuxSession.client(conn, smuxConfig(1));
  (client as unknown as { nextStreamID: number }).nextStreamID = 0xfffffffd;
  assert.equal(client.openStream().id, 0xffffffff);
  assert.throws(
    () => client.openStream(),
    (e: Error & { code?: string }) => e.code === 'GOAWAY',
  );
  assert.throws(() => client.openStream(), /stream id overflows/);
  client.close();
  assert.throws(
    () => client.openStream(),
    (e: Error & { code?: string }) => e.code === 'CLOSED',
  );
});

test('v2: a UPD acknowledging more than was sent fails the stream (CONSUMED)', async () => {
  const { conn, send } = rawPeer();
  const client = SmuxSession.client(conn, smuxConfig(2));
  const stream = client.openStream();
  stream.write(Buffer.alloc(300_000));
  await quiescent(conn);
  assert.ok(stream.writableLength > 0, 'the initial window is spent');
  const failed = once(stream, 'error');
  const upd = Buffer.alloc(16);
  hex('0204080003000000').copy(upd);
  upd.writeUInt32LE(262144 + 100, 8);
  upd.writeUInt32LE(262144, 12);
  send(upd);
  const [err] = (await failed) as [Error & { code?: string }];
  assert.equal(err.code, 'CONSUMED');
  assert.deepEqual(conn.written.at(-1), hex('0201000003000000'), 'FIN sent on the way out');
  assert.equal(client.isClosed, false, 'only the stream fails');
  client.close();
});
