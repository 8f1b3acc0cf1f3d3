import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_CMD_PUSH, type Kcp } from '../../src/kcp/index.js';
import { beginReceiveBatch, endReceiveBatch } from '../../src/transport/receive-backlog.js';
import { Scheduler } from '../../src/transport/scheduler.js';
import { type DatagramLink, KcpSession } from '../../src/transport/session.js';
import { options } from './session-cases.js';

/** One direction of an in-memory link: datagrams reach `to` on a later turn, like over a socket. */
class MemoryLink implements DatagramLink {
  readonly remote = 'memory';
  to: KcpSession | null = null;
  claim(): Buffer {
    return Buffer.alloc(1500);
  }
  send(buf: Buffer, len: number): void {
    const copy = Buffer.from(buf.subarray(0, len));
    setImmediate(() => this.to?.input(copy, len));
  }
  release(): void {}
}

const sessionOptions = options(false, 'none');

test('write holds off once a few segments wait for the window, and resumes as they leave', {
  timeout: 30_000,
}, async (t) => {
  const toServer = new MemoryLink();
  const toClient = new MemoryLink();
  const client = new KcpSession(1, sessionOptions, toServer, { active: true });
  // it speaks first, as a client does: a server session's budget (amplification.ts) would hold it
  const server = new KcpSession(1, sessionOptions, toClient, { active: true });
  toServer.to = server;
  toClient.to = client;
  t.after(() => {
    client.close();
    server.close();
  });
  let received = 0;
  let receivedAll: () => void = () => {};
  let expected = -1;
  server.attach({
    onData: (d) => {
      received += d.length;
      if (received === expected) receivedAll();
    },
    onDrain: () => {},
    onClose: () => {},
  });
  // The server's first flush tells the client its 1024-segment window: wait until its data is there.
  const windowKnown = new Promise<void>((resolve) => {
    client.attach({ onData: () => resolve(), onDrain: () => {}, onClose: () => {} });
  });
  server.write(Buffer.from('hello'));
  await windowKnown;

  let drains = 0;
  let drained: () => void = () => {};
  const firstDrain = new Promise<void>((resolve) => {
    drained = resolve;
  });
  client.attach({
    onData: () => {},
    onDrain: () => {
      drains++;
      drained();
    },
    onClose: () => {},
  });
  const chunk = Buffer.alloc(8192);
  let accepted = 0;
  while (client.write(chunk)) accepted += chunk.length;
  accepted += chunk.length;
  // 32 unsent segments (of at most 1376 bytes) stop it, far below the 1024-segment window.
  assert.ok(accepted <= 32 * 1376 + chunk.length, `accepted ${accepted} bytes before holding off`);
  assert.equal(drains, 0, 'no drain before the end of the turn');
  // The end-of-turn flush moves them into the open window, and the writer is asked for more, once.
  await firstDrain;
  assert.equal(drains, 1);
  const all = new Promise<void>((resolve) => {
    receivedAll = resolve;
  });
  expected = accepted;
  if (received !== accepted) await all;
  assert.equal(received, accepted);
  assert.equal(drains, 1);
});

test('a write to an idle session leaves at once; writes behind it wait for the end of the turn', async (t) => {
  let sent = 0;
  const link: DatagramLink = {
    remote: 'counting',
    claim: () => Buffer.alloc(1500),
    send: () => {
      sent++;
    },
    release: () => {},
  };
  const session = new KcpSession(1, sessionOptions, link, { active: true });
  t.after(() => session.close());
  session.write(Buffer.alloc(64));
  assert.equal(sent, 1, 'the first write went out within write()');
  session.write(Buffer.alloc(64));
  session.write(Buffer.alloc(64));
  assert.equal(sent, 1, 'writes with data in flight are coalesced until the end of the turn');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sent, 2, 'the end-of-turn flush sent both in one datagram');
});

/** The tests' session options on `scheduler`, with -mode auto's controller and windows (FEC off) when `auto`. */
function sessionOptionsWith(scheduler: Scheduler, auto: boolean) {
  return {
    ...sessionOptions,
    scheduler,
    ...(auto ? { auto: { congestion: true, windows: true, fec: false } } : {}),
  };
}

/** A link that queues each datagram sent (a copy) for the test to deliver. */
function queueTo(queue: Buffer[]): DatagramLink {
  return {
    remote: 'queued',
    claim: () => Buffer.alloc(1500),
    send: (buf, len) => {
      queue.push(Buffer.from(buf.subarray(0, len)));
    },
    release: () => {},
  };
}

test('one turn sends at most one batch of new segments; the rest follows turn by turn, none lost', () => {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  const options = { ...sessionOptions, scheduler };
  const client = new KcpSession(1, options, queueTo(toServer), { active: true });
  // An ACK datagram per datagram received: each one slides the client's window within the turn.
  const server = new KcpSession(1, { ...options, ackNoDelay: true }, queueTo(toClient), { active: false });
  const data = Buffer.alloc(400 * 1376);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
  const received: Buffer[] = [];
  server.attach({ onData: (d) => received.push(d), onDrain: () => {}, onClose: () => {} });
  let offset = 0;
  const pump = (): void => {
    while (offset < data.length) {
      const end = Math.min(offset + 8192, data.length);
      const ok = client.write(data.subarray(offset, end));
      offset = end;
      if (!ok) return;
    }
  };
  client.attach({ onData: () => {}, onDrain: pump, onClose: () => {} });
  pump();
  const perTurn: number[] = [];
  for (let turn = 0; turn < 200 && received.reduce((n, d) => n + d.length, 0) < data.length; turn++) {
    // a turn: what arrived is read (ACKs that slide the window flush at once), then the end-of-turn flushes
    const sent = toServer.splice(0);
    for (const d of toClient.splice(0)) client.input(d, d.length);
    for (const d of sent) server.input(d, d.length);
    scheduler.run();
    perTurn.push(toServer.length);
    clock.now += 1;
  }
  client.close();
  server.close();
  assert.ok(Math.max(...perTurn) <= 64, `datagrams per turn: ${perTurn.join(' ')}`);
  assert.ok(
    perTurn.filter((n) => n === 64).length >= 2,
    `the budget bounded several turns: ${perTurn.join(' ')}`,
  );
  assert.ok(Buffer.concat(received).equals(data), 'every byte arrived, in order');
});

test('datagrams of one receive batch are handed up together at its end; outside a batch, each at once', () => {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const toServer: Buffer[] = [];
  const link: DatagramLink = {
    remote: 'queued',
    claim: () => Buffer.alloc(1500),
    send: (buf, len) => {
      toServer.push(Buffer.from(buf.subarray(0, len)));
    },
    release: () => {},
  };
  const drop: DatagramLink = { ...link, send: () => {} };
  const options = { ...sessionOptions, scheduler };
  const client = new KcpSession(1, options, link, { active: true });
  const server = new KcpSession(1, options, drop, { active: false });
  const handedUp: Buffer[] = [];
  server.attach({ onData: (d) => handedUp.push(d), onDrain: () => {}, onClose: () => {} });
  const sendThree = (): Buffer[] => {
    for (let i = 0; i < 3; i++) {
      client.write(Buffer.alloc(100, handedUp.length * 3 + i));
      scheduler.run();
      clock.now += 1;
    }
    return toServer.splice(0);
  };
  const batch = sendThree();
  assert.equal(batch.length, 3, 'one datagram per write');
  beginReceiveBatch(batch.length, 0);
  for (const d of batch) server.input(d, d.length);
  assert.equal(handedUp.length, 0, 'nothing handed up while the batch is delivered');
  endReceiveBatch();
  assert.deepEqual(
    handedUp.map((d) => d.length),
    [300],
    'the batch handed up as one piece',
  );
  for (const d of sendThree()) server.input(d, d.length);
  assert.deepEqual(
    handedUp.map((d) => d.length),
    [300, 100, 100, 100],
    'without a batch, each datagram at once',
  );
  client.close();
  server.close();
});

test('a receive batch reads the clock once per session (once per datagram outside a batch, and with -mode auto)', () => {
  for (const auto of [false, true]) {
    const clock = { now: 0, reads: 0 };
    const scheduler = new Scheduler({
      drive: 'manual',
      now: () => {
        clock.reads++;
        return clock.now;
      },
    });
    const toServer: Buffer[] = [];
    const link: DatagramLink = {
      remote: 'queued',
      claim: () => Buffer.alloc(1500),
      send: (buf, len) => {
        toServer.push(Buffer.from(buf.subarray(0, len)));
      },
      release: () => {},
    };
    const drop: DatagramLink = { ...link, send: () => {} };
    const options = sessionOptionsWith(scheduler, auto);
    const client = new KcpSession(1, options, link, { active: true });
    const server = new KcpSession(1, options, drop, { active: false });
    const sendSix = (): Buffer[] => {
      for (let i = 0; i < 6; i++) {
        client.write(Buffer.alloc(100, i));
        scheduler.run();
        clock.now += 1;
      }
      return toServer.splice(0);
    };
    const readsFor = (deliver: () => void): number => {
      const before = clock.reads;
      deliver();
      return clock.reads - before;
    };
    const batch = sendSix();
    assert.equal(batch.length, 6, 'one datagram per write');
    const inBatch = readsFor(() => {
      beginReceiveBatch(batch.length, 0);
      for (const d of batch) server.input(d, d.length);
      endReceiveBatch();
    });
    const single = sendSix();
    const alone = readsFor(() => {
      for (const d of single) server.input(d, d.length);
    });
    client.close();
    server.close();
    assert.equal(alone, 6, `${auto ? 'auto' : 'fast'}: one read per datagram outside a batch`);
    assert.equal(inBatch, auto ? 6 : 1, `${auto ? 'auto' : 'fast'}: clock reads for a batch of 6`);
  }
});

test('in a receive batch, a request on another session is handed up before the data an ACK lets out is built', () => {
  const clock = { now: 0 };
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
  const events: string[] = [];
  const recordedQueueTo = (queue: Buffer[], name: string): DatagramLink => ({
    remote: name,
    claim: () => Buffer.alloc(1500),
    send: (buf, len) => {
      queue.push(Buffer.from(buf.subarray(0, len)));
      events.push(`${name} sent`);
    },
    release: () => {},
  });
  const options = { ...sessionOptions, scheduler };
  const toBulkServer: Buffer[] = [];
  const toBulkClient: Buffer[] = [];
  const toRequestClient: Buffer[] = [];
  // the bulk sender's window of 16 segments holds the rest of its data back until the peer's ACKs come
  const bulkClient = new KcpSession(1, { ...options, sndWnd: 16 }, recordedQueueTo(toBulkServer, 'bulk'), {
    active: true,
  });
  const bulkServer = new KcpSession(1, options, recordedQueueTo(toBulkClient, 'bulk ack'), { active: false });
  const requestClient = new KcpSession(2, options, recordedQueueTo([], 'request client'), { active: true });
  // it speaks first, as a client does: a server session's budget (amplification.ts) would hold it
  const requestServer = new KcpSession(2, options, recordedQueueTo(toRequestClient, 'request'), {
    active: true,
  });
  const sessions = [bulkClient, bulkServer, requestClient, requestServer];
  for (const s of sessions) s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  requestClient.attach({
    onData: (d) => events.push(`request handed up (${d.length} bytes)`),
    onDrain: () => {},
    onClose: () => {},
  });
  bulkClient.write(Buffer.alloc(40 * 1300));
  scheduler.run();
  assert.equal(toBulkServer.length, 16, 'the window sent 16 segments');
  for (const d of toBulkServer.splice(0)) bulkServer.input(d, d.length);
  clock.now += options.interval;
  requestServer.write(Buffer.alloc(64, 7));
  scheduler.run();
  assert.ok(toBulkClient.length > 0, 'the bulk receiver acknowledged');
  assert.equal(toRequestClient.length, 1, 'the request went out');
  events.length = 0;

  const batch = [...toBulkClient.splice(0), ...toRequestClient.splice(0)];
  beginReceiveBatch(batch.length, 0);
  for (const d of batch.slice(0, -1)) bulkClient.input(d, d.length);
  requestClient.input(batch.at(-1)!, batch.at(-1)!.length);
  endReceiveBatch();
  const firstBulk = events.indexOf('bulk sent');
  assert.ok(firstBulk >= 0, `the ACKs let new data out within the batch: ${events.join(', ')}`);
  assert.equal(events[0], 'request handed up (64 bytes)', `order: ${events.join(', ')}`);
  for (const s of sessions) s.close();
});

test("a session waiting on its peer's ACKs runs KCP's flush only when something is due", () => {
  for (const auto of [false, true]) {
    const clock = { now: 0 };
    const scheduler = new Scheduler({ drive: 'manual', now: () => clock.now });
    const sentAt: number[] = [];
    const lost: DatagramLink = {
      remote: 'lossy',
      claim: () => Buffer.alloc(1500),
      send: () => {
        sentAt.push(clock.now);
      },
      release: () => {},
    };
    const options = sessionOptionsWith(scheduler, auto);
    const session = new KcpSession(1, options, lost, { active: true });
    // a second one, so that the first is not the scheduler's last driven session (Scheduler.mayPark)
    const other = new KcpSession(2, options, lost, { active: true });
    const kcp = (session as unknown as { kcp: Kcp }).kcp;
    let flushes = 0;
    const flush = kcp.flush.bind(kcp);
    kcp.flush = (ackOnly: boolean, now: number): number => {
      flushes++;
      return flush(ackOnly, now);
    };
    let ticks = 0;
    const update = session.update.bind(session);
    session.update = (now: number): number => {
      ticks++;
      return update(now);
    };
    scheduler.run();
    // more than a thin stream's segments (auto copies those a quarter RTT later): the flight waits whole
    session.write(Buffer.alloc(8 * 1300));
    scheduler.run();
    const sent = sentAt.length;
    const flushesAfterSend = flushes;
    while (sentAt.length === sent && clock.now < 5000) {
      clock.now++;
      scheduler.run();
    }
    const label = auto ? 'auto' : 'fast';
    assert.ok(sentAt.length > sent && clock.now < 5000, `${label}: the flight went again on its timeout`);
    assert.ok(ticks >= 10, `${label}: interval ticks while waiting: ${ticks}`);
    assert.ok(
      flushes - flushesAfterSend <= 1,
      `${label}: KCP flushes while waiting (only the one that resends): ${flushes - flushesAfterSend}`,
    );
    session.close();
    other.close();
  }
});

test("a session's first data, written while its receive batch holds its sends, leaves with the batch's ACKs in one datagram", (t) => {
  const clock = { now: 0 };
  const manual = new Scheduler({ drive: 'manual', now: () => clock.now });
  // the server's scheduler runs flushes at once on a write to an idle session (flushNow), as a tunnel's does
  const timers = new Scheduler();
  const toServer: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const client = new KcpSession(1, { ...sessionOptions, scheduler: manual }, queueTo(toServer), {
    active: true,
  });
  const server = new KcpSession(1, { ...sessionOptions, scheduler: timers }, queueTo(fromServer), {
    active: false,
  });
  // closed even if an assertion fails: the server's scheduler has a timer
  t.after(() => {
    client.close();
    server.close();
  });
  server.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  client.write(Buffer.alloc(100));
  manual.run();
  assert.equal(toServer.length, 1);
  // a server opening its session on the client's first datagram writes the RTT-priming NOP (rtt-prime.ts)
  beginReceiveBatch(1, 0);
  server.input(toServer[0], toServer[0].length);
  server.write(Buffer.alloc(8));
  endReceiveBatch();
  const cmds = fromServer.map((d) => {
    const found: number[] = [];
    for (let p = sessionOptions.crypt.headerSize; p + 24 <= d.length; p += 24 + d.readUInt32LE(p + 20))
      found.push(d[p + 4]);
    return found;
  });
  assert.deepEqual(cmds, [[KCP_CMD_ACK, KCP_CMD_PUSH]], 'one datagram: the ACK, then the data');
});
