import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Schedulable } from '../../src/transport/scheduler.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/**
 * Datagrams a session sent, kept until the test delivers them, and a log of what left (a hash of what
 * follows the crypt header: a random nonce and the checksum) and when.
 */
class LoggedLink implements DatagramLink {
  readonly remote = 'logged';
  readonly queue: Buffer[] = [];
  readonly log: string[] = [];
  readonly times: number[] = [];
  constructor(
    private readonly clock: { now: number },
    private readonly headerSize: number,
  ) {}
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(buf: Buffer, len: number): void {
    const d = Buffer.from(buf.subarray(0, len));
    this.log.push(createHash('sha256').update(d.subarray(this.headerSize)).digest('hex').slice(0, 16));
    this.times.push(this.clock.now);
    this.queue.push(d);
  }
  release(): void {}
}

/** Something else the scheduler drives on an interval (another busy session), so the two may park. */
function ticker(): Schedulable {
  return { dueAt: -1, update: () => 10, flushPending: () => {} };
}

/**
 * A -mode auto client and server (FEC 10/3, the parity tuner on) on a manual scheduler, datagrams carried
 * by the test, every 17th datagram of each direction lost; with `parking` false the scheduler never lets
 * a session park (the old rule for -mode auto).
 */
const interval = options(true, 'none').interval;

function autoPair(parking: boolean) {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  if (!parking) Object.defineProperty(scheduler, 'mayPark', { get: () => false });
  scheduler.add(ticker());
  const sessionOptions = {
    ...options(true, 'none'),
    scheduler,
    auto: { congestion: true, windows: true, fec: true },
    tsOffset: 0, // the same ts in both runs' datagrams (the server's is random by default)
  };
  const headerSize = sessionOptions.crypt.headerSize;
  const toServer = new LoggedLink(clock, headerSize);
  const toClient = new LoggedLink(clock, headerSize);
  const client = new KcpSession(7, sessionOptions, toServer, { active: true });
  const server = new KcpSession(7, sessionOptions, toClient, { active: false });
  const received = { client: 0, server: 0 };
  server.attach({ onData: (d) => (received.server += d.length), onDrain: () => {}, onClose: () => {} });
  client.attach({ onData: (d) => (received.client += d.length), onDrain: () => {}, onClose: () => {} });
  let carried = 0;
  let updates = 0;
  for (const s of [client, server]) {
    const update = s.update.bind(s);
    s.update = (now) => {
      updates++;
      return update(now);
    };
  }
  /** One millisecond: what is queued is delivered (but every 17th datagram), then whatever is due runs. */
  const tick = (): void => {
    for (const [from, to] of [
      [toServer, server],
      [toClient, client],
    ] as const) {
      for (const d of from.queue.splice(0)) if (++carried % 17 !== 0) to.input(d, d.length);
    }
    scheduler.run();
    clock.now += 1;
  };
  /** Tick until `done`, then `idleMs` more. */
  const until = (done: () => boolean, idleMs: number): void => {
    for (let i = 0; i < 20_000 && !done(); i++) tick();
    assert.ok(done(), 'the transfer finished');
    for (let i = 0; i < idleMs; i++) tick();
  };
  /** A bulk upload with loss (past the tuner's full-parity start and its first periods), then requests. */
  const script = (): void => {
    client.write(Buffer.alloc(2_000_000, 1));
    until(() => received.server === 2_000_000, 3000);
    server.write(Buffer.alloc(20_000, 2));
    until(() => received.client === 20_000, 1500);
    client.write(Buffer.alloc(300, 3));
    until(() => received.server === 2_000_300, 1500);
  };
  return { scheduler, client, server, toServer, toClient, script, updates: () => updates };
}

test('-mode auto: an idle session is parked once its parity tuner has settled, and sends exactly what it sent when driven', () => {
  const parked = autoPair(true);
  parked.script();
  assert.equal(parked.scheduler.parked, 2, 'both sessions parked');
  const driven = autoPair(false);
  driven.script();
  assert.equal(driven.scheduler.parked, 0);
  for (const [link, who] of [
    ['toServer', 'client'],
    ['toClient', 'server'],
  ] as const) {
    assert.deepEqual(parked[link].log, driven[link].log, `the ${who}'s datagrams`);
    // A write brings a parked session back with its interval flushes from the write on, not on the grid it
    // left (as before with -mode fast): the ACK of a request may leave up to an interval apart.
    const apart = parked[link].times.map((t, i) => Math.abs(t - driven[link].times[i]));
    assert.ok(
      Math.max(...apart) <= interval,
      `${who}: each left within an interval of when it did (${Math.max(...apart)} ms)`,
    );
  }
  assert.ok(
    parked.updates() < driven.updates() / 2,
    `fewer interval flushes (${parked.updates()} against ${driven.updates()})`,
  );
  for (const p of [parked, driven]) {
    p.client.close();
    p.server.close();
  }
});
