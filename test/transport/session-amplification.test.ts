import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FEC_HEADER_SIZE, FEC_TYPE_DATA, FEC_TYPE_PARITY } from '../../src/fec/header.js';
import { KCP_CMD_PUSH, KCP_CMD_WINS } from '../../src/kcp/constants.js';
import { AMPLIFICATION_FACTOR } from '../../src/transport/amplification.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { KcpSession, type SessionOptions } from '../../src/transport/session.js';
import { options, QueueLink, TUNNEL_SERVER_NOP } from './session-cases.js';

/**
 * A server session opened by a datagram whose source address may be forged sends at most
 * AMPLIFICATION_FACTOR times the bytes it received from that address until the peer proves it
 * (src/transport/amplification.ts; docs/forged-address-2026-12-07-amp36.md).
 */

const RESPONSE = 20_000;

/**
 * A client and a server session (FEC 10/3, kcptun's default key unless `o` says otherwise) on a clock the
 * test moves; `opened` runs on the server session before its first datagram (the tunnel's server writes its
 * NOP and asks for the FEC shape show there).
 */
function pair(
  extra: Partial<SessionOptions> = {},
  opened: (server: KcpSession) => void = () => {},
  response = RESPONSE,
) {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const o = { ...options(true, 'aes'), scheduler, ...extra };
  const toServer = new QueueLink();
  const toClient = new QueueLink();
  const client = new KcpSession(1, o, toServer, { active: true });
  const server = new KcpSession(1, o, toClient, { active: false });
  let delivered = 0;
  client.attach({
    onData: (d) => {
      delivered += d.length;
    },
    onDrain: () => {},
    onClose: () => {},
  });
  // the server's layer above answers the first bytes it gets with a response larger than the budget
  let answered = false;
  server.attach({
    onData: () => {
      if (answered) return;
      answered = true;
      server.write(Buffer.alloc(response, 7));
    },
    onDrain: () => {},
    onClose: () => {},
  });
  opened(server);
  // the client's first datagram: a request as small as smux's NOP
  client.write(Buffer.alloc(8, 1));
  scheduler.run();
  const first = toServer.queue.shift();
  assert.ok(first !== undefined);
  toServer.queue.length = 0;
  return { clock, scheduler, client, server, toServer, toClient, first, delivered: () => delivered };
}

const bytes = (q: Buffer[]): number => q.reduce((n, d) => n + d.length, 0);

test('a server session opened by one forged datagram sends at most 3x its bytes over the next minute', () => {
  const { clock, scheduler, client, server, toServer, toClient, first } = pair();
  client.close(); // the address's owner never answers: it did not send the datagram
  server.input(first, first.length);
  let sent = 0;
  for (; clock.now < 60_000; clock.now += 10) {
    scheduler.run();
    sent += bytes(toClient.queue);
    toClient.queue.length = 0;
  }
  toServer.queue.length = 0;
  assert.ok(sent > 0, 'the ACK of the datagram went out');
  assert.ok(sent <= AMPLIFICATION_FACTOR * first.length, `sent ${sent} bytes for ${first.length} received`);
  assert.equal(server.addressProven, false);
  server.close();
});

test('a server session sends its whole response once the client acknowledges its first segment', () => {
  const { clock, scheduler, client, server, toServer, toClient, first, delivered } = pair();
  server.input(first, first.length);
  scheduler.run();
  // before any answer of the client's: within the budget
  const before = bytes(toClient.queue);
  assert.ok(before <= AMPLIFICATION_FACTOR * first.length, `sent ${before} bytes before the client's ACK`);
  for (; clock.now < 5_000 && delivered() < RESPONSE; clock.now += 10) {
    for (const d of toClient.queue.splice(0)) client.input(d, d.length);
    for (const d of toServer.queue.splice(0)) server.input(d, d.length);
    scheduler.run();
  }
  assert.equal(delivered(), RESPONSE);
  assert.equal(server.addressProven, true);
  // one round trip of the test's clock for the ACK, then the rest: no RTO waited
  assert.ok(clock.now <= 100, `the response took ${clock.now} ms`);
  client.close();
  server.close();
});

test("a lost ACK of the server's first reply costs a resend of it, not the client's next keep-alive", () => {
  const { clock, scheduler, client, server, toServer, toClient, first, delivered } = pair();
  server.input(first, first.length);
  let lost = 0;
  for (; clock.now < 9_000 && delivered() < RESPONSE; clock.now += 10) {
    for (const d of toClient.queue.splice(0)) client.input(d, d.length);
    // the client's first answer (the ACK of the server's reply) is lost: it has nothing more to send
    for (const d of toServer.queue.splice(0)) {
      if (lost++ === 0) continue;
      server.input(d, d.length);
    }
    scheduler.run();
  }
  assert.equal(delivered(), RESPONSE);
  // the resend comes at the server's RTO (KCP's initial 200 ms here), not after the 10 s keep-alive
  assert.ok(clock.now <= 1_000, `the response took ${clock.now} ms`);
  client.close();
  server.close();
});

/** A datagram of `crypt none` (its header, then FEC's) as kcp-go's decoder reads it: seqid, type, KCP's cmd. */
function shard(d: Buffer, headerSize: number): { seqid: number; type: number; cmd: number; len: number } {
  const type = d.readUInt16LE(headerSize + 4);
  const kcp = headerSize + FEC_HEADER_SIZE + 2;
  const data = type === FEC_TYPE_DATA;
  return {
    seqid: d.readUInt32LE(headerSize),
    type,
    cmd: data ? d[kcp + 4] : -1,
    len: data ? d.readUInt32LE(kcp + 20) : 0,
  };
}

test("a server session's groups sent before the proof carry their parity: no seqid a kcp-go decoder takes as lost", () => {
  const o = options(true, 'none');
  const { clock, scheduler, client, server, toServer, toClient, first } = pair(
    { crypt: o.crypt },
    () => {},
    3 * RESPONSE,
  );
  const h = o.crypt.headerSize;
  server.input(first, first.length);
  let received = first.length;
  // the client uploads at once (its first datagrams, not yet an ACK of the server's): the budget grows
  // past the response and its parity while the address is not proven
  client.write(Buffer.alloc(100_000, 3));
  const sent: Buffer[] = [];
  for (; clock.now < 200; clock.now += 10) {
    scheduler.run();
    for (const d of toServer.queue.splice(0)) {
      received += d.length;
      server.input(d, d.length);
    }
    scheduler.run();
    sent.push(...toClient.queue.splice(0)); // none reaches the client: no ACK proves the address
  }
  assert.equal(server.addressProven, false);
  const shards = sent.map((d) => shard(d, h));
  const seqids = new Set(shards.map((x) => x.seqid));
  const last = Math.max(...seqids);
  const complete = Math.floor((last + 1) / 13) * 13; // the seqids of the groups complete so far
  assert.ok(complete >= 3 * 13, `only ${complete} seqids of complete groups`);
  const missing = [];
  for (let seqid = 0; seqid < complete; seqid++) if (!seqids.has(seqid)) missing.push(seqid);
  // before: every group's parity seqids (10-12, 23-25, ...) went unsent, and a Go 5/2 decoder rebuilt
  // its data positions among them from our data shards of like length, as segments its KCP took
  assert.deepEqual(missing, [], 'seqids never sent');
  assert.ok(shards.some((x) => x.type === FEC_TYPE_PARITY));
  assert.ok(sent.reduce((n, d) => n + d.length, 0) <= AMPLIFICATION_FACTOR * received);
  client.close();
  server.close();
});

test('a shape show the budget cannot hold waits for the proof, then goes ahead of the data held with it', () => {
  const o = options(true, 'none');
  const auto = { congestion: true, windows: true, fec: true };
  const { clock, scheduler, client, server, toServer, toClient, first, delivered } = pair(
    { crypt: o.crypt, auto },
    (s) => {
      s.write(TUNNEL_SERVER_NOP);
      s.showFecShape(); // as the tunnel's server does
    },
  );
  const h = o.crypt.headerSize;
  server.input(first, first.length);
  scheduler.run();
  const sent: Buffer[] = [];
  for (; clock.now < 5_000 && delivered() < RESPONSE + TUNNEL_SERVER_NOP.length; clock.now += 10) {
    const out = toClient.queue.splice(0);
    sent.push(...out);
    for (const d of out) client.input(d, d.length);
    for (const d of toServer.queue.splice(0)) server.input(d, d.length);
    scheduler.run();
  }
  assert.equal(delivered(), RESPONSE + TUNNEL_SERVER_NOP.length);
  const shards = sent.map((d) => shard(d, h));
  const wins = shards.filter((x) => x.cmd === KCP_CMD_WINS);
  const firstWins = shards.indexOf(wins[0]);
  // the response's first segment (the NOP's, cut to fit the budget or not, are shorter)
  const response = shards.findIndex((x) => x.cmd === KCP_CMD_PUSH && x.len > TUNNEL_SERVER_NOP.length);
  assert.ok(wins.length >= 20, `${wins.length} WINS shown`);
  // before: the show waited for the proof and went after that flush's data (or not at all)
  assert.ok(
    firstWins >= 0 && firstWins < response,
    `the show's first WINS at ${firstWins}, the response's at ${response}`,
  );
  client.close();
  server.close();
});
