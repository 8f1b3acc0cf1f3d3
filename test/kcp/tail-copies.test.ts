import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';
import { recordPushes } from './sent-pushes.js';

const CONV = 9;
/** Segments of the one flight every scenario sends at t=0: within the controller's initial window. */
const SENT = 20;
/** The two segments whose first transmissions are lost. */
const LOST = [4, 11];

/** -mode auto's sender (controller, tail copies) with SENT segments sent; `pushed()`: the PUSH sns since. */
function sender(): { kcp: Kcp; pushed: () => number[] } {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  kcp.enableTailCopies();
  kcp.send(Buffer.alloc(kcp.mss * SENT));
  kcp.flush(false, 0);
  assert.equal(pushed().length, SENT);
  return { kcp, pushed };
}

/** The peer's ACKs for every segment but LOST, in one datagram at `now` (each echoes ts 0). */
function ackAllButLost(kcp: Kcp, now: number): void {
  const sns = Array.from({ length: SENT }, (_, i) => i).filter((sn) => !LOST.includes(sn));
  const d = Buffer.alloc(KCP_OVERHEAD * sns.length);
  sns.forEach((sn, i) => {
    writeSegmentHeader(d, i * KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, 0, sn, LOST[0], 0);
  });
  assert.equal(kcp.input(d, 0, d.length, now), KCP_INPUT_OK);
}

test('in the tail (nothing left to send, none coming) each retransmission goes out twice, the copy a quarter srtt later', () => {
  const { kcp, pushed } = sender();
  kcp.backlogged = false;
  // the ACKs echo ts 0: one RTT sample of 100 ms, so the copies are due at 100 + 100 / 4
  ackAllButLost(kcp, 100);
  assert.equal(kcp.srtt, 100);
  kcp.flush(false, 101);
  // not back to back, where a burst of loss takes both
  assert.deepEqual(pushed(), LOST);
  kcp.flush(false, 124);
  assert.deepEqual(pushed(), []);
  kcp.flush(false, 125);
  assert.deepEqual(pushed(), LOST);
});

test("a tail retransmission's copy is not sent once an ACK shows the segment arrived", () => {
  const { kcp, pushed } = sender();
  kcp.backlogged = false;
  ackAllButLost(kcp, 100);
  assert.deepEqual(pushed(), LOST);
  // the first transmission of LOST[1] arrived after all (its ACK echoes ts 0): the repair was needless
  const d = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, LOST[1], LOST[0], 0);
  assert.equal(kcp.input(d, 0, d.length, 110), KCP_INPUT_OK);
  kcp.flush(false, 125);
  assert.deepEqual(pushed(), [LOST[0]]);
});

test('while the writer has more data, a retransmission goes out once: the copies are for the tail only', () => {
  const { kcp, pushed } = sender();
  kcp.backlogged = true;
  ackAllButLost(kcp, 100);
  kcp.flush(false, 101);
  assert.deepEqual(pushed(), LOST);
});

test('while new segments wait in snd_queue, a retransmission goes out once', () => {
  const { kcp, pushed } = sender();
  kcp.backlogged = false;
  kcp.send(Buffer.alloc(kcp.mss));
  ackAllButLost(kcp, 100);
  kcp.flush(false, 101);
  assert.deepEqual(pushed(), [LOST[0], LOST[1], SENT]);
});

test("while our socket drops datagrams at its full receive buffer, the tail's retransmissions go out once", () => {
  // the process is short there, not the path (Kcp.receivePressure, test/kcp/receive-pressure-copies)
  const { kcp, pushed } = sender();
  kcp.backlogged = false;
  ackAllButLost(kcp, 100);
  kcp.receiveDropAt = 100;
  kcp.flush(false, 101);
  assert.deepEqual(pushed(), LOST);
  kcp.flush(false, 125);
  assert.deepEqual(pushed(), []);
});
