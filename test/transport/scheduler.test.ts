import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Schedulable, Scheduler } from '../../src/transport/scheduler.js';

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
