/**
 * -mode auto's last-flight copies (Kcp.enableLastFlightCopies): in a transfer's tail, the newest first
 * transmissions go out once more, newest first, a flush interval or more after the first and while younger
 * than the smoothed RTT (half of it in Startup, as these senders are; past Startup: test/kcp/auto-tail), on a
 * path that has shown loss FEC did not repair.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';
import { recordPushes } from './sent-pushes.js';

const CONV = 9;
/** The round trip of the first segment's ACK, ms: the smoothed RTT the copies' age is judged against. */
const RTT = 100;
/** The first segment's retransmission timeout (KCP's initial RTO): it goes out twice, the path's loss. */
const FIRST_RTO = 200;
/** When the last flight goes out, and its segments (sns 1..FLIGHT after the first segment, sn 0). */
const SENT_AT = 400;
const FLIGHT = 8;
/** The flush interval (fast3's, which -mode auto runs). */
const INTERVAL = 10;

/**
 * -mode auto's sender with an RTT sample, the last flight just sent and nothing more to send; with `lossy`
 * its first segment was lost once (retransmitted at its timeout, then acked), else acked at once.
 */
function sender(lossy = true): { kcp: Kcp; pushed: () => number[] } {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, INTERVAL, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  kcp.enableTailCopies();
  kcp.enableLastFlightCopies();
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 0);
  const sentAt = lossy ? FIRST_RTO : 0;
  if (lossy) kcp.flush(false, FIRST_RTO);
  const ack = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(ack, 0, CONV, KCP_CMD_ACK, 0, 1024, sentAt, 0, 1, 0);
  assert.equal(kcp.input(ack, 0, ack.length, sentAt + RTT), KCP_INPUT_OK);
  assert.equal(kcp.retransmittedSegs - kcp.spuriousRetransmits, lossy ? 1 : 0);
  kcp.send(Buffer.alloc(kcp.mss * FLIGHT));
  kcp.flush(false, SENT_AT);
  // lossy: sent, and resent at its timeout (that repair's tail copy, enableTailCopies, was due an interval
  // later, and the ACK came first)
  const first = lossy ? [0, 0] : [0];
  assert.deepEqual(pushed(), [...first, ...Array.from({ length: FLIGHT }, (_, i) => i + 1)]);
  return { kcp, pushed };
}

const newestFirst = Array.from({ length: FLIGHT }, (_, i) => FLIGHT - i);

test('in the tail, the last flight is sent once more, newest first, a flush interval after it went out', () => {
  const { kcp, pushed } = sender();
  kcp.flush(false, SENT_AT + INTERVAL / 2);
  assert.deepEqual(pushed(), [], 'not in the burst the flight went out in');
  kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(pushed(), newestFirst);
  kcp.flush(false, SENT_AT + 2 * INTERVAL);
  assert.deepEqual(pushed(), [], 'one copy each');
});

test('on a path that has lost nothing, the last flight is not copied', () => {
  const { kcp, pushed } = sender(false);
  kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(pushed(), []);
});

test('in Startup, no copy of a segment older than half the smoothed RTT: the train would outrun the path', () => {
  const { kcp, pushed } = sender();
  kcp.flush(false, SENT_AT + RTT / 2);
  assert.deepEqual(pushed(), []);
});

test('while the writer has more data, or new segments wait, the flight is not copied', () => {
  const a = sender();
  a.kcp.backlogged = true;
  a.kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(a.pushed(), []);
  const b = sender();
  b.kcp.send(Buffer.alloc(b.kcp.mss));
  b.kcp.sendBudget = 0; // the owner's turn is spent: the segment stays in snd_queue
  b.kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(b.pushed(), []);
});

test('the pacing gate holds the copies; the next flush goes on where it stopped', () => {
  const { kcp, pushed } = sender();
  let budget = 3;
  kcp.setPacingGate({ ready: () => budget-- > 0 });
  kcp.flush(false, SENT_AT + INTERVAL);
  assert.ok(kcp.paced);
  assert.deepEqual(pushed(), newestFirst.slice(0, 3));
  budget = FLIGHT;
  kcp.flush(false, SENT_AT + INTERVAL + 1);
  assert.deepEqual(pushed(), newestFirst.slice(3));
});

test("a thin stream's segments are not copied again: they have their thin-stream copy", () => {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, INTERVAL, 2, 1);
  kcp.enableCongestionControl(1);
  kcp.enableThinStreamDuplicates();
  kcp.enableTailCopies();
  kcp.enableLastFlightCopies();
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 0);
  const ack = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(ack, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, 0, 1, 0);
  assert.equal(kcp.input(ack, 0, ack.length, RTT), KCP_INPUT_OK);
  pushed();
  kcp.send(Buffer.alloc(kcp.mss * 2));
  kcp.flush(false, SENT_AT);
  assert.deepEqual(pushed(), [1, 2]);
  kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(pushed(), []);
  kcp.flush(false, SENT_AT + RTT / 4);
  assert.deepEqual(pushed(), [1, 2], 'the thin-stream copies, a quarter RTT later');
  kcp.flush(false, SENT_AT + RTT / 4 + INTERVAL);
  assert.deepEqual(pushed(), []);
});

test('while our socket is filling or dropping datagrams, the last flight is not copied', () => {
  // the process is short there, not the path (Kcp.receivePressure, test/kcp/receive-pressure-copies)
  const dropping = sender();
  dropping.kcp.receiveDropAt = SENT_AT;
  dropping.kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(dropping.pushed(), []);
  const filling = sender();
  filling.kcp.holdTimeouts = true;
  assert.ok(filling.kcp.idleWait(SENT_AT + INTERVAL) >= 0, 'no flush is needed for copies that may not go');
  filling.kcp.flush(false, SENT_AT + INTERVAL);
  assert.deepEqual(filling.pushed(), []);
  // the read drained the socket: the flight, still young, is copied
  filling.kcp.holdTimeouts = false;
  filling.kcp.flush(false, SENT_AT + 2 * INTERVAL);
  assert.deepEqual(filling.pushed(), newestFirst);
});
