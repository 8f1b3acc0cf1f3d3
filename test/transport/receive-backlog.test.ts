import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKLOG_DATAGRAMS,
  BacklogWindow,
  beginReceiveBatch,
  deliverAtBatchEnd,
  endReceiveBatch,
  receiveBatch,
  STANDING_MS,
  StandingQueue,
} from '../../src/transport/receive-backlog.js';

const RCV_WND = 1024;

test('a backlog cuts the cap by a quarter once per window received, down to a floor', () => {
  const w = new BacklogWindow();
  assert.equal(w.onDatagram(1, false, 0, RCV_WND), Number.POSITIVE_INFINITY, 'no backlog: uncapped');
  assert.equal(w.onDatagram(2, true, 100, RCV_WND), 768);
  assert.equal(w.onDatagram(2, true, 150, RCV_WND), 768, 'once per readiness callback');
  // What the peer sent before it heard of the cut still arrives: no second cut until 100 + 1024.
  assert.equal(w.onDatagram(3, true, 600, RCV_WND), 768);
  assert.equal(w.onDatagram(4, true, 1123, RCV_WND), 768);
  assert.equal(w.onDatagram(5, true, 1124, RCV_WND), 576);
  let rcvNxt = 1124;
  let cap = 576;
  for (let serial = 6; serial < 40; serial++) {
    rcvNxt += cap;
    cap = w.onDatagram(serial, true, rcvNxt, RCV_WND);
  }
  assert.equal(cap, 64, 'never below one receive batch');
});

test('a drained socket grows the cap back, and it is lifted at rcv_wnd', () => {
  const w = new BacklogWindow();
  w.onDatagram(1, true, 0, RCV_WND);
  assert.equal(w.cap, 768);
  assert.equal(w.onDatagram(2, false, 10, RCV_WND), 772);
  // a drained socket may be followed by a backlog again within the hold: no cut, no growth
  assert.equal(w.onDatagram(3, true, 20, RCV_WND), 772);
  let serial = 4;
  while (w.cap !== Number.POSITIVE_INFINITY) {
    w.onDatagram(serial, false, 30, RCV_WND);
    assert.ok(serial++ < 100, 'the cap returns to the receive window');
  }
  // the window may have shrunk meanwhile (-mode auto never shrinks it, but the user may set it)
  w.onDatagram(serial++, true, 2000, 128);
  assert.equal(w.cap, 96);
});

test('the batched receive marks a callback backlogged from half a batch on, from a queue standing STANDING_MS, and only while it delivers', () => {
  const before = receiveBatch.serial;
  beginReceiveBatch(BACKLOG_DATAGRAMS - 1, STANDING_MS);
  assert.deepEqual({ ...receiveBatch }, { serial: before + 1, active: true, backlogged: false });
  endReceiveBatch();
  assert.equal(receiveBatch.active, false);
  // a sender's burst read at once, from a socket the previous read drained: no backlog however many
  beginReceiveBatch(64, 0);
  assert.equal(receiveBatch.backlogged, false);
  endReceiveBatch();
  beginReceiveBatch(BACKLOG_DATAGRAMS, STANDING_MS / 2);
  assert.equal(receiveBatch.backlogged, false);
  endReceiveBatch();
  beginReceiveBatch(BACKLOG_DATAGRAMS, STANDING_MS);
  assert.equal(receiveBatch.backlogged, true);
  assert.equal(receiveBatch.serial, before + 4);
  endReceiveBatch();
});

test('a queue stands from the first of a run of full reads until a read drains the socket', () => {
  const q = new StandingQueue();
  assert.equal(q.onRead(false, 10), 0, 'a drained socket');
  assert.equal(q.onRead(true, 20), 0, 'the first full read: the queue may be a burst that just arrived');
  assert.equal(q.onRead(true, 20.5), 0.5);
  assert.equal(q.onRead(true, 21.5), 1.5);
  assert.equal(q.onRead(false, 22), 2, 'the read that drains it ends the run');
  assert.equal(q.onRead(false, 30), 0);
  assert.equal(q.onRead(true, 31), 0, 'a new run');
  assert.equal(q.onRead(true, 31.25), 0.25);
});

test('receivers asking during a batch are called once it ends, every endOfBatch before any afterBatch, and not again at the next', () => {
  const calls: string[] = [];
  const receiver = (name: string) => ({
    endOfBatch: () => calls.push(`${name} ${receiveBatch.active ? 'during' : 'end'}`),
    afterBatch: () => calls.push(`${name} after`),
  });
  beginReceiveBatch(2, 0);
  deliverAtBatchEnd(receiver('a'));
  deliverAtBatchEnd(receiver('b'));
  assert.deepEqual(calls, []);
  endReceiveBatch();
  assert.deepEqual(calls, ['a end', 'b end', 'a after', 'b after']);
  beginReceiveBatch(1, 0);
  endReceiveBatch();
  assert.equal(calls.length, 4);
});

test('afterBatch runs even when a delivery throws', () => {
  const calls: string[] = [];
  beginReceiveBatch(1, 0);
  deliverAtBatchEnd({
    endOfBatch: () => {
      throw new Error('delivery failed');
    },
    afterBatch: () => calls.push('after'),
  });
  assert.throws(() => endReceiveBatch(), /delivery failed/);
  assert.deepEqual(calls, ['after']);
});
