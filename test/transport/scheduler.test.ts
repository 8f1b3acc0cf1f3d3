import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flushOutbox, queueFlush } from '../../src/transport/outbox.js';
import { beginReceiveBatch, endReceiveBatch } from '../../src/transport/receive-backlog.js';
import { IDLE, LATE_TICK_READ_MS, type Schedulable, Scheduler } from '../../src/transport/scheduler.js';

test('endTurn runs the flushes requested so far at once, as a turn of its own', () => {
  const scheduler = new Scheduler({ drive: 'manual', now: () => 7 });
  const flushed: number[] = [];
  const session: Schedulable = { dueAt: -1, update: () => 1000, flushPending: (now) => flushed.push(now) };
  scheduler.requestFlush(session);
  const turn = scheduler.turn;
  scheduler.endTurn();
  assert.deepEqual(flushed, [7]);
  assert.equal(scheduler.turn, turn + 1);
  scheduler.endTurn(); // nothing requested since
  assert.deepEqual(flushed, [7]);
});

/**
 * Drive one update through a 'timers' scheduler whose clock jumps `late` ms past the update's due time before
 * the timer fires (a stopped process), with a late reader that stands for the socket holding the peer's ACKs.
 */
async function tickLate(late: number): Promise<string[]> {
  let clock = 1000;
  const scheduler = new Scheduler({ now: () => clock });
  const events: string[] = [];
  const read = (): void => {
    events.push(`read@${clock}`);
  };
  scheduler.addLateReader(read);
  const updated = new Promise<void>((resolve) => {
    const session: Schedulable = {
      dueAt: -1,
      update: (now) => {
        events.push(`update@${now}`);
        scheduler.remove(session);
        scheduler.removeLateReader(read);
        resolve();
        return IDLE;
      },
      flushPending: () => {},
    };
    scheduler.add(session); // due at once, at 1000
  });
  clock += late; // the process did not run meanwhile
  await updated;
  return events;
}

test('a tick after LATE_TICK_READ_MS without running reads the sockets before any update runs', async () => {
  assert.deepEqual(await tickLate(LATE_TICK_READ_MS), [
    `read@${1000 + LATE_TICK_READ_MS}`,
    `update@${1000 + LATE_TICK_READ_MS}`,
  ]);
  assert.deepEqual(await tickLate(60), ['read@1060', 'update@1060']);
});

test('a tick on time reads nothing first: the poll phase reads the sockets as usual', async () => {
  assert.deepEqual(await tickLate(0), ['update@1000']);
  assert.deepEqual(await tickLate(LATE_TICK_READ_MS - 1), [`update@${1000 + LATE_TICK_READ_MS - 1}`]);
});

test('an end-of-turn flush after a stall reads the sockets before flushing', () => {
  let clock = 5;
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock });
  const events: string[] = [];
  scheduler.addLateReader(() => events.push(`read@${clock}`));
  const session: Schedulable = {
    dueAt: -1,
    update: () => IDLE,
    flushPending: (now) => events.push(`flush@${now}`),
  };
  scheduler.requestFlush(session); // a write that a TCP connection brought after the stop
  clock += 60;
  scheduler.run();
  scheduler.requestFlush(session); // the next turn, on time
  clock += 1;
  scheduler.run();
  assert.deepEqual(events, ['read@65', 'flush@65', 'flush@66']);
});

test('flushNow after a stall does not read the sockets: a write inside a delivery may call it', () => {
  let clock = 5;
  const scheduler = new Scheduler({ now: () => clock });
  const events: string[] = [];
  const read = (): void => {
    events.push(`read@${clock}`);
  };
  scheduler.addLateReader(read);
  const session: Schedulable = {
    dueAt: -1,
    update: (now) => {
      events.push(`update@${now}`);
      return IDLE;
    },
    flushPending: () => {},
  };
  try {
    clock += 60; // a stop, then a write to the idle session (smux's window update, say)
    assert.equal(scheduler.flushNow(session), true);
    assert.deepEqual(events, ['update@65']);
  } finally {
    scheduler.removeLateReader(read);
    scheduler.remove(session);
  }
});

test('endTurn after a stall flushes without reading: its readiness callback reads the next batch itself', () => {
  let clock = 5;
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock });
  const events: string[] = [];
  scheduler.addLateReader(() => events.push(`read@${clock}`));
  const session: Schedulable = {
    dueAt: -1,
    update: () => IDLE,
    flushPending: (now) => events.push(`flush@${now}`),
  };
  scheduler.requestFlush(session); // the ACKs of the batch just delivered
  clock += 60;
  scheduler.endTurn();
  assert.deepEqual(events, ['flush@65']);
});

test('a late reader that removes itself, or one before it, does not make the others miss their read', () => {
  let clock = 5;
  const scheduler = new Scheduler({ drive: 'manual', now: () => clock });
  const events: string[] = [];
  const first = (): void => {
    events.push('first');
    scheduler.removeLateReader(first); // its delivery closed its own socket
  };
  const second = (): void => {
    events.push('second');
    scheduler.removeLateReader(first); // already gone: no effect
  };
  const third = (): void => {
    events.push('third');
    scheduler.removeLateReader(second); // closed a socket read before it
  };
  const fourth = (): void => {
    events.push('fourth');
  };
  for (const read of [first, second, third, fourth]) scheduler.addLateReader(read);
  const session: Schedulable = { dueAt: -1, update: () => IDLE, flushPending: () => {} };
  scheduler.requestFlush(session);
  clock += 60;
  scheduler.run();
  assert.deepEqual(events, ['first', 'second', 'third', 'fourth']);
  events.length = 0;
  scheduler.requestFlush(session);
  clock += 60;
  scheduler.run();
  assert.deepEqual(events, ['third', 'fourth']);
});

test("flushNow inside a batched receive's delivery leaves the datagrams to the batch's own send", () => {
  const scheduler = new Scheduler({ now: () => 5 });
  let sent = 0;
  let queued = false;
  const socket = {
    flush: () => {
      queued = false;
      sent++;
    },
  };
  // a write to an idle session: its flush queues a datagram on the socket's send batch (once until sent)
  const session: Schedulable = {
    dueAt: -1,
    update: () => {
      if (!queued) queueFlush(socket);
      queued = true;
      return IDLE;
    },
    flushPending: () => {},
  };
  try {
    assert.equal(scheduler.flushNow(session), true);
    assert.equal(sent, 1, 'outside a receive batch: sent at once');
    beginReceiveBatch(2, 0);
    try {
      assert.equal(scheduler.flushNow(session), true);
      assert.equal(scheduler.flushNow(session), true); // another session the batch opened, say
      assert.equal(sent, 1, 'inside: held for the batch');
    } finally {
      endReceiveBatch();
    }
    flushOutbox(); // what the batched receive does after its delivery
    assert.equal(sent, 2, 'both datagrams in one send');
  } finally {
    scheduler.remove(session);
  }
});
