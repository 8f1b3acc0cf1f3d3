/**
 * A client session sends the FEC shape its server was seen to send (fec/peer-shape.ts): from its first
 * datagram when created after another session learned it, from the next one when it learns it before
 * sending any parity, never after. Sessions on a manual scheduler, datagrams carried by the test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEC_TYPE_PARITY, type FecShape, PeerFecShape } from '../../src/fec/index.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { KcpSession, type SessionOptions } from '../../src/transport/session.js';
import { options, QueueLink, TUNNEL_SERVER_NOP } from './session-cases.js';

const TEN_THREE: FecShape = { dataShards: 10, parityShards: 3 };
const FIVE_TWO: FecShape = { dataShards: 5, parityShards: 2 };

/** Each datagram's FEC header as `seqid` + `d` (data) or `p` (parity). */
function shards(datagrams: Buffer[], headerSize: number): string[] {
  return datagrams.map(
    (d) => `${d.readUInt32LE(headerSize)}${d.readUInt16LE(headerSize + 4) === FEC_TYPE_PARITY ? 'p' : 'd'}`,
  );
}

function sessionWith(shape: FecShape, memo: PeerFecShape | undefined, scheduler: Scheduler) {
  const opts: SessionOptions = { ...options(true, 'none'), ...shape, scheduler, peerFecShape: memo };
  const link = new QueueLink();
  const session = new KcpSession(1, opts, link, { active: true });
  session.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  return { session, link, headerSize: opts.crypt.headerSize };
}

/** `count` datagrams of one full segment each, sent at once. */
function sendSegments(session: KcpSession, scheduler: Scheduler, count: number): void {
  session.write(Buffer.alloc(1200 * count, 1));
  scheduler.run();
}

test('a session created after the server was seen to send 5/2 sends 5/2 groups from its first datagram', () => {
  const scheduler = new Scheduler({ drive: 'manual', now: () => 0 });
  const follows: string[] = [];
  const memo = new PeerFecShape(TEN_THREE, (s, ours) =>
    follows.push(`${s.dataShards}/${s.parityShards} ${ours.dataShards}`),
  );
  memo.learn(FIVE_TWO);
  const { session, link, headerSize } = sessionWith(TEN_THREE, memo, scheduler);
  sendSegments(session, scheduler, 10);
  // main: 0d..9d 10p 11p 12p (its configured 10/3)
  assert.deepEqual(shards(link.queue, headerSize), [
    ...['0d', '1d', '2d', '3d', '4d', '5p', '6p'],
    ...['7d', '8d', '9d', '10d', '11d', '12p', '13p'],
  ]);
  const second = sessionWith(TEN_THREE, memo, scheduler);
  sendSegments(second.session, scheduler, 5);
  assert.deepEqual(shards(second.link.queue, headerSize), ['0d', '1d', '2d', '3d', '4d', '5p', '6p']);
  assert.deepEqual(follows, ['5/2 10'], 'the log line, once for both sessions');
  session.close();
  second.session.close();
});

test('a session keeps its configured shape while nothing is learned', () => {
  const scheduler = new Scheduler({ drive: 'manual', now: () => 0 });
  const memo = new PeerFecShape(TEN_THREE);
  const { session, link, headerSize } = sessionWith(TEN_THREE, memo, scheduler);
  sendSegments(session, scheduler, 10);
  assert.deepEqual(shards(link.queue, headerSize).slice(9), ['9d', '10p', '11p', '12p']);
  session.close();
});

test('an open session follows the learned shape only while none of its parity has gone out', () => {
  const scheduler = new Scheduler({ drive: 'manual', now: () => 0 });
  const fresh = sessionWith(TEN_THREE, undefined, scheduler);
  sendSegments(fresh.session, scheduler, 3);
  assert.equal(fresh.session.followFecShape(FIVE_TWO), true);
  sendSegments(fresh.session, scheduler, 5);
  // seqids 3-12 of its first 10/3 group are skipped: the 5/2 groups start at 14, a multiple of 7
  assert.deepEqual(shards(fresh.link.queue, fresh.headerSize), [
    ...['0d', '1d', '2d'],
    ...['14d', '15d', '16d', '17d', '18d', '19p', '20p'],
  ]);
  const sent = sessionWith(TEN_THREE, undefined, scheduler);
  sendSegments(sent.session, scheduler, 10); // a whole group: its parity went out
  assert.equal(sent.session.followFecShape(FIVE_TWO), false);
  fresh.session.close();
  sent.session.close();
});

test("a session's decoder tells the client the server's shape: another one, or its own confirmed", () => {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  for (const serverShape of [FIVE_TWO, TEN_THREE]) {
    const memo = new PeerFecShape(TEN_THREE);
    const client = sessionWith(TEN_THREE, memo, scheduler);
    const serverLink = new QueueLink();
    const server = new KcpSession(1, { ...options(true, 'none'), ...serverShape, scheduler }, serverLink, {
      active: false,
    });
    server.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    client.session.write(Buffer.alloc(100, 1));
    server.write(Buffer.alloc(1200 * 40, 2)); // the server's groups, whole and in order
    for (let i = 0; i < 200 && memo.known === null; i++) {
      for (const d of client.link.queue.splice(0)) server.input(d, d.length);
      for (const d of serverLink.queue.splice(0)) client.session.input(d, d.length);
      scheduler.run();
      now += 1;
    }
    assert.deepEqual(memo.known, serverShape);
    client.session.close();
    server.close();
  }
});

/**
 * A -mode auto client session with keep-alive-sized writes only, toward a 5/2 server; with a client's
 * PeerFecShape, or without one (main's behaviour). Returns the client's shards and the session.
 */
function idleAutoSession(withMemo: boolean, shows = false) {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  let client: KcpSession | null = null;
  const memo = withMemo
    ? new PeerFecShape(TEN_THREE, undefined, (s) => client?.followFecShape(s))
    : undefined;
  const auto = { congestion: true, windows: true, fec: true };
  const toServer = new QueueLink();
  client = new KcpSession(7, { ...options(true, 'none'), auto, scheduler, peerFecShape: memo }, toServer, {
    active: true,
  });
  const toClient = new QueueLink();
  const server = new KcpSession(7, { ...options(true, 'none'), ...FIVE_TWO, scheduler }, toClient, {
    active: false,
  });
  for (const s of [client, server]) s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  server.write(TUNNEL_SERVER_NOP);
  if (shows) client.showFecShape(); // as the tunnel's client does (a Go server shows nothing)
  const sent: Buffer[] = [];
  const run = (ms: number) => {
    for (let i = 0; i < ms; i++) {
      for (const d of toServer.queue.splice(0)) {
        sent.push(d);
        server.input(d, d.length);
      }
      for (const d of toClient.queue.splice(0)) client!.input(d, d.length);
      scheduler.run();
      now += 1;
    }
  };
  // the RTT-priming NOP and 15 keep-alives: 8 bytes each, with the server's ACKs in between
  for (let i = 0; i < 16; i++) {
    client.write(Buffer.alloc(8, i));
    run(50);
  }
  return { client, server, sent, run, memo, headerSize: options(true, 'none').crypt.headerSize };
}

test('an idle -mode auto client session holds its parity until the server shape is known, then takes it', () => {
  const without = idleAutoSession(false);
  assert.ok(
    shards(without.sent, without.headerSize).includes('10p'),
    'without a PeerFecShape its keep-alive groups get 10/3 parity (main)',
  );
  const idle = idleAutoSession(true);
  // the server's ACKs showed its 5/2 groups before the session's first parity: it took them
  assert.deepEqual(idle.memo?.known, FIVE_TWO);
  idle.client.write(Buffer.alloc(1200 * 20, 4));
  idle.run(200);
  const all = shards(idle.sent, idle.headerSize);
  assert.ok(all.some((s) => s.endsWith('p')));
  for (const s of all.filter((s) => s.endsWith('p'))) {
    assert.ok(Number.parseInt(s, 10) % 7 >= 5, `${s}: parity only in its 5/2 place`);
  }
  for (const o of [without, idle]) {
    o.client.close();
    o.server.close();
  }
});

test('a client session shows the shape it then sends: the server shows its own first, the client takes it, then shows it', () => {
  for (const serverShape of [FIVE_TWO, TEN_THREE]) {
    let now = 0;
    const scheduler = new Scheduler({ drive: 'manual', now: () => now });
    let client: KcpSession | null = null;
    const memo = new PeerFecShape(TEN_THREE, undefined, (s) => client?.followFecShape(s));
    const auto = { congestion: true, windows: true, fec: true };
    const toServer = new QueueLink();
    client = new KcpSession(7, { ...options(true, 'none'), auto, scheduler, peerFecShape: memo }, toServer, {
      active: true,
    });
    const toClient = new QueueLink();
    const server = new KcpSession(
      7,
      { ...options(true, 'none'), ...serverShape, auto, scheduler },
      toClient,
      {
        active: false,
      },
    );
    for (const s of [client, server]) s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
    server.write(TUNNEL_SERVER_NOP);
    // as the tunnel's client and server (src/tunnel/client.ts, server.ts): each shows as its session starts
    client.showFecShape();
    server.showFecShape();
    const sent: Buffer[] = [];
    client.write(Buffer.alloc(8, 1)); // the RTT-priming NOP
    for (let i = 0; i < 100; i++) {
      for (const d of toServer.queue.splice(0)) {
        sent.push(d);
        server.input(d, d.length);
      }
      for (const d of toClient.queue.splice(0)) client.input(d, d.length);
      scheduler.run();
      now += 1;
    }
    const shape = `${serverShape.dataShards}/${serverShape.parityShards}`;
    assert.deepEqual(
      memo.known,
      serverShape,
      `${shape}: the client learned the server's shape from its show`,
    );
    assert.equal(server.peerFecShapeSame, true, `${shape}: the server knows the client sends its shape`);
    // every parity shard the client sent sits in the server's shape's place: it showed no other first
    const size = serverShape.dataShards + serverShape.parityShards;
    const parity = shards(sent, options(true, 'none').crypt.headerSize).filter((s) => s.endsWith('p'));
    assert.ok(parity.length >= 2 * serverShape.parityShards, `${shape}: the client's show: ${parity}`);
    for (const s of parity) {
      assert.ok(Number.parseInt(s, 10) % size >= serverShape.dataShards, `${shape}: ${s} out of place`);
    }
    client.close();
    server.close();
  }
});

test("toward a server that shows nothing, an idle client session shows its shape only once it took the server's", () => {
  const idle = idleAutoSession(true, true);
  assert.deepEqual(idle.memo?.known, FIVE_TWO);
  idle.run(100);
  // flight33's show at the first flush after the server's first datagram: 10p 11p 12p, its own 10/3, and
  // no 5/2 afterwards (its parity had gone out)
  const parity = shards(idle.sent, idle.headerSize).filter((s) => s.endsWith('p'));
  assert.ok(parity.length >= 2 * FIVE_TWO.parityShards, `the show came once the shape was known: ${parity}`);
  for (const s of parity) assert.ok(Number.parseInt(s, 10) % 7 >= 5, `${s}: parity only in its 5/2 place`);
  idle.client.close();
  idle.server.close();
});
