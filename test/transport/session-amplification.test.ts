import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMPLIFICATION_FACTOR } from '../../src/transport/amplification.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { KcpSession } from '../../src/transport/session.js';
import { options, QueueLink } from './session-cases.js';

/**
 * A server session opened by a datagram whose source address may be forged sends at most
 * AMPLIFICATION_FACTOR times the bytes it received from that address until the peer proves it
 * (src/transport/amplification.ts; docs/forged-address-2026-12-07-amp36.md).
 */

const RESPONSE = 20_000;

/** A client and a server session (FEC 10/3, kcptun's default key) on a clock the test moves. */
function pair() {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const o = { ...options(true, 'aes'), scheduler };
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
      server.write(Buffer.alloc(RESPONSE, 7));
    },
    onDrain: () => {},
    onClose: () => {},
  });
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
