import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IDLE, type Schedulable, Scheduler } from '../../src/transport/scheduler.js';
import { KcpSession } from '../../src/transport/session.js';
import { options, QueueLink } from './session-cases.js';

/** Something else the scheduler drives on an interval, never idle (another busy session). */
function ticker(): Schedulable {
  return { dueAt: -1, update: () => 10, flushPending: () => {} };
}

/**
 * A client and a server session on one manual scheduler, datagrams carried by the test; with `busy`, a
 * third party on the scheduler that is never idle.
 */
function pair(busy: boolean, fec = false) {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  if (busy) scheduler.add(ticker());
  const sessionOptions = { ...options(fec, 'none'), scheduler };
  const toServer = new QueueLink();
  const toClient = new QueueLink();
  const client = new KcpSession(1, sessionOptions, toServer, { active: true });
  const server = new KcpSession(1, sessionOptions, toClient, { active: false });
  const received: Buffer[] = [];
  server.attach({ onData: (d) => received.push(d), onDrain: () => {}, onClose: () => {} });
  client.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  /** One millisecond: what is queued is delivered, then whatever is due runs. */
  const tick = (): void => {
    for (const d of toServer.queue.splice(0)) server.input(d, d.length);
    for (const d of toClient.queue.splice(0)) client.input(d, d.length);
    scheduler.run();
    clock.now += 1;
  };
  return { clock, scheduler, client, server, toServer, toClient, received, tick };
}

test('a session with nothing to send, acknowledge or probe is parked: no interval flushes until a datagram or a write', () => {
  const { clock, scheduler, client, server, toServer, toClient, received, tick } = pair(true);
  const interval = options(false, 'none').interval;
  client.write(Buffer.alloc(5000, 7));
  for (let i = 0; i < 20 * interval; i++) tick();
  assert.equal(Buffer.concat(received).length, 5000, 'the data arrived');
  assert.equal(client.metrics().inFlight, 0, 'and was acknowledged');
  assert.equal(scheduler.parked, 2, 'both sessions parked');
  let updates = 0;
  for (const s of [client, server]) {
    const update = s.update.bind(s);
    s.update = (now) => {
      updates++;
      return update(now);
    };
  }
  for (let i = 0; i < 10 * interval; i++) tick();
  assert.equal(updates, 0, 'no interval flush while parked');

  // A datagram wakes the server on the interval grid it left: its ACK leaves within an interval, as before.
  const wokenAt = clock.now;
  client.write(Buffer.from('ping'));
  scheduler.run();
  assert.equal(toServer.queue.length, 1, 'a write to a parked session is sent in the same turn');
  assert.equal(scheduler.parked, 1, 'and the writer is driven again');
  for (const d of toServer.queue.splice(0)) server.input(d, d.length);
  assert.equal(scheduler.parked, 0, 'the datagram woke the server');
  const wait = scheduler.run();
  assert.ok(wait >= 0 && wait <= interval, `the server's next flush within an interval (${wait} ms)`);
  let ackAt = -1;
  for (let t = 0; t <= interval && ackAt < 0; t++) {
    scheduler.run();
    if (toClient.queue.length > 0) ackAt = clock.now;
    else clock.now += 1;
  }
  assert.ok(
    ackAt >= wokenAt && ackAt - wokenAt <= interval,
    `the ACK left at the next interval flush (${ackAt - wokenAt} ms after the datagram)`,
  );
  for (let i = 0; i < 5 * interval; i++) tick();
  assert.equal(scheduler.parked, 2, 'both parked again once the ping was acknowledged');
  client.close();
  server.close();
  assert.equal(scheduler.parked, 0, 'closing a parked session unparks it');
});

test('the scheduler keeps a parked entry off its heap until advance() brings it back', () => {
  let now = 0;
  const scheduler = new Scheduler({ drive: 'manual', now: () => now });
  let updates = 0;
  let idle = true;
  const s: Schedulable = {
    dueAt: -1,
    update: () => {
      updates++;
      return idle ? IDLE : 10;
    },
    flushPending: () => {},
  };
  scheduler.add(s);
  assert.equal(scheduler.run(), -1);
  assert.equal(updates, 1);
  assert.equal(scheduler.parked, 1);
  now = 1000;
  assert.equal(scheduler.run(), -1);
  assert.equal(updates, 1, 'not updated while parked');
  idle = false;
  scheduler.advance(s, 1005);
  assert.equal(scheduler.parked, 0);
  assert.equal(scheduler.run(), 5);
  now = 1005;
  assert.equal(scheduler.run(), 10);
  assert.equal(updates, 2);
  scheduler.remove(s);
  scheduler.advance(s, 1006);
  assert.equal(scheduler.run(), -1, 'advance does not bring back a removed session');
});

test('the last session driven is not parked: the process keeps its interval wake-ups', () => {
  const { scheduler, client, server, received, tick } = pair(false);
  client.write(Buffer.alloc(5000, 7));
  for (let i = 0; i < 200; i++) tick();
  assert.equal(Buffer.concat(received).length, 5000);
  assert.equal(scheduler.parked, 1, 'one of the two parked');
  assert.ok(scheduler.run() >= 0, 'the other still on its interval');
  client.close();
  server.close();
});

test('a parked session lets go of the FEC groups its peer has closed, which no later datagram completes', () => {
  const { scheduler, client, server, toServer, received, tick } = pair(true, true);
  // 23 segments of a fresh (10, 3) encoder go out in seqid order: data 0-9, parity 10-12, data 13-22, ...
  client.write(Buffer.alloc(30000, 7));
  scheduler.run();
  const first = toServer.queue.splice(0);
  assert.ok(first.length >= 26, `the first flush sent the whole write (${first.length} datagrams)`);
  // group 0 loses data shard 3 and its parity: 9 of 13 shards, short of 10 for good (KCP sends the
  // segment again in a later group)
  for (const [i, d] of first.entries()) if (i !== 3 && !(i >= 10 && i <= 12)) server.input(d, d.length);
  for (let i = 0; i < 400; i++) tick();
  assert.equal(Buffer.concat(received).length, 30000, 'the data arrived');
  assert.equal(scheduler.parked, 2, 'both sessions parked');
  assert.ok(
    server.fecQueuedGroups <= 1,
    `only the group the peer may still fill is kept (${server.fecQueuedGroups})`,
  );
  client.close();
  server.close();
});
