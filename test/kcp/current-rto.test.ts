import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';

const CONV = 7;

/**
 * A fast3 sender with sn 0-9 sent at t=0 (RTO 200, no sample yet: due at 200) that sees the RTT samples
 * `rtts` (ACKs of sn 0, 1, ..., each in a datagram of its own, at the time its RTT says).
 */
function sender(currentRto: boolean, rtts: number[]): Kcp {
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, 10, 2, 1);
  if (currentRto) kcp.enableCurrentRto();
  kcp.send(Buffer.alloc(kcp.mss * 10));
  kcp.flush(false, 0);
  rtts.forEach((rtt, sn) => {
    const d = Buffer.alloc(KCP_OVERHEAD);
    writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, sn, 0, 0);
    kcp.input(d, 0, d.length, rtt);
  });
  return kcp;
}

test('current RTO: a segment times out no earlier than its transmission plus the RTO estimated now', () => {
  // the round trip rose while the segments waited (a queue the flight built): the RTO with it
  const plain = sender(false, [100, 250]);
  plain.flush(false, 251);
  assert.equal(plain.retransmittedSegs, 8, 'kcp-go: past the RTO they were sent with');

  const kcp = sender(true, [100, 250]);
  const due = kcp.rto; // sent at 0
  assert.ok(due > 251, `the RTO rose to ${due}`);
  kcp.flush(false, 251);
  kcp.flush(false, due - 1);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, due);
  assert.equal(kcp.retransmittedSegs, 8);
});

test('current RTO: a lower RTO estimated since brings no timeout forward', () => {
  const kcp = sender(true, [20]);
  assert.ok(kcp.rto < 200, `the RTO fell to ${kcp.rto}`);
  kcp.flush(false, 199);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, 200);
  assert.equal(kcp.retransmittedSegs, 9);
});
