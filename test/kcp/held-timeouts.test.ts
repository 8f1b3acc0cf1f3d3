import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';

const CONV = 7;
const SENT = 10;
/** The RTO the segments are sent with: kcp-go's initial 200 ms, no RTT sample yet. */
const RTO = 200;
/** fast3's interval: a held segment is looked at again this much later. */
const INTERVAL = 10;

/** A sender with sn 0-9 sent at t=0, due to time out at RTO. */
function sender(): Kcp {
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, INTERVAL, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.send(Buffer.alloc(kcp.mss * SENT));
  kcp.flush(false, 0);
  assert.equal(kcp.rto, RTO);
  return kcp;
}

test('while held, a timeout waits until twice its RTO after its transmission', () => {
  const plain = sender();
  plain.flush(false, RTO);
  assert.equal(plain.retransmittedSegs, SENT, "kcp-go's timeout");

  const kcp = sender();
  kcp.holdTimeouts = true;
  kcp.flush(false, RTO);
  kcp.flush(false, 2 * RTO - 1);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, 2 * RTO);
  assert.equal(kcp.retransmittedSegs, SENT);
});

test('a held timeout goes out at the first flush after the hold ends', () => {
  const kcp = sender();
  kcp.holdTimeouts = true;
  kcp.flush(false, RTO);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.holdTimeouts = false;
  // looked at again one interval later, and nothing holds it then
  kcp.flush(false, RTO + INTERVAL - 1);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, RTO + INTERVAL);
  assert.equal(kcp.retransmittedSegs, SENT);
});

test('the hold leaves fast retransmit alone: ACKs past a segment still resend it', () => {
  const kcp = sender();
  kcp.holdTimeouts = true;
  // ACKs of sn 1 and 2 (una 0) in one datagram: two fast-ack votes for sn 0
  const d = Buffer.alloc(2 * KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, 1, 0, 0);
  writeSegmentHeader(d, KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, 0, 2, 0, 0);
  kcp.input(d, 0, d.length, 20);
  kcp.flush(false, 20);
  assert.equal(kcp.retransmittedSegs, 1);
});
