import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createSegmentHeader,
  KCP_CMD_ACK,
  KCP_CMD_PUSH,
  KCP_OVERHEAD,
  Kcp,
  readSegmentHeader,
  writeSegmentHeader,
} from '../../src/kcp/index.js';

const CONV = 7;
const SENT = 10;
/** The RTO the segments are sent with: kcp-go's initial 200 ms, no RTT sample yet. */
const RTO = 200;
const INTERVAL = 10;

/** A Kcp at kcptun's -mode fast; `sent` collects the sn of every PUSH it sends. */
function recordingKcp(sent: number[]): Kcp {
  const header = createSegmentHeader();
  const kcp = new Kcp(CONV, (buf, len) => {
    for (let p = 0; p + KCP_OVERHEAD <= len; p += KCP_OVERHEAD + header.len) {
      readSegmentHeader(buf, p, header);
      if (header.cmd === KCP_CMD_PUSH) sent.push(header.sn);
    }
  });
  // kcptun's -mode fast: kcp-go's RTO backoff (nodelay 0), no congestion window
  kcp.setNoDelay(0, INTERVAL, 2, 1);
  kcp.setWindowSize(1024, 1024);
  return kcp;
}

/** A sender with sn 0-9 sent at t=0, due to time out at RTO; `sent` collects the sn of every PUSH it sends. */
function sender(sent: number[]): Kcp {
  const kcp = recordingKcp(sent);
  kcp.send(Buffer.alloc(kcp.mss * SENT));
  kcp.flush(false, 0);
  assert.equal(kcp.rto, RTO);
  sent.length = 0;
  return kcp;
}

/**
 * The peer's ACK of `sn` with its una: the datagram it answers a retransmission with; `ts` echoes the
 * transmission it answers.
 */
function ack(sn: number, una: number, ts = 0): Buffer {
  const d = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, ts, sn, una, 0);
  return d;
}

test('without drops at our socket every timed-out segment is sent again', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.flush(false, RTO);
  assert.deepEqual(sent, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('drops seen only before the segments were sent change nothing', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 0;
  kcp.flush(false, RTO);
  assert.equal(sent.length, SENT);
});

test('after drops at our socket one timed-out segment goes, and its ACK una covers the rest', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 50;
  kcp.flush(false, RTO);
  assert.deepEqual(sent, [0], 'the first timed-out segment only');
  // the peer had them all: its ACK of sn 0 says una 10
  kcp.input(ack(0, SENT), 0, KCP_OVERHEAD, RTO + 5);
  assert.equal(kcp.sndUna, SENT);
  kcp.flush(false, 10 * RTO);
  assert.deepEqual(sent, [0]);
});

test('with no answer, the next segment goes one RTO later, and the deferred ones are not backed off', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 50;
  kcp.flush(false, RTO);
  kcp.flush(false, 2 * RTO - 1);
  assert.deepEqual(sent, [0]);
  // sn 0 was backed off to 400 ms (due at 600); sn 1-9 waited one RTO of 200 ms (due at 400)
  kcp.flush(false, 2 * RTO);
  assert.deepEqual(sent, [0, 1]);
  assert.equal(kcp.retransmittedSegs, 2);
});

test('drops at our socket leave fast retransmit alone', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 5;
  // ACKs of sn 3 and 4 (una 0): the segments below them are resent at once, not held to one
  const d = Buffer.alloc(2 * KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, 3, 0, 0);
  writeSegmentHeader(d, KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, 0, 4, 0, 0);
  kcp.input(d, 0, d.length, 10);
  kcp.flush(false, 20);
  assert.deepEqual(sent, [0, 1, 2]);
});

test("after drops, the probe's ACK whose una stops at the next segment resends that one at once", () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 50;
  kcp.flush(false, RTO);
  assert.deepEqual(sent, [0]);
  // the peer got the probe (sent at RTO) but not sn 1, sent at 0: una 1 shows sn 1 lost
  kcp.input(ack(0, 1, RTO), 0, KCP_OVERHEAD, RTO + 5);
  assert.deepEqual(sent, [0, 1], 'sn 1 at once, not one RTO later');
  // and so on down the flight, one segment per ACK
  kcp.input(ack(1, 2, RTO + 5), 0, KCP_OVERHEAD, RTO + 10);
  assert.deepEqual(sent, [0, 1, 2]);
  // an ACK whose una covers the rest ends it
  kcp.input(ack(2, SENT, RTO + 10), 0, KCP_OVERHEAD, RTO + 15);
  assert.equal(kcp.sndUna, SENT);
  kcp.flush(false, 10 * RTO);
  assert.deepEqual(sent, [0, 1, 2]);
});

test("an ACK of a transmission older than the una segment's last shows nothing: it waits its RTO", () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.receiveDropAt = 50;
  kcp.flush(false, RTO);
  // the probe (sn 0) has its ACK, but the one answering its first transmission at 0, not the probe
  kcp.input(ack(0, 1, 0), 0, KCP_OVERHEAD, RTO + 5);
  assert.deepEqual(sent, [0]);
  kcp.flush(false, RTO + 6);
  assert.deepEqual(sent, [0], 'sn 1 is not shown lost');
});

test('a segment not yet past its RTO is not shown lost by una', () => {
  const sent: number[] = [];
  const kcp = recordingKcp(sent);
  // sn 0 sent at 0, sn 1 at 150 (both with the 200 ms RTO), drops at our socket after both
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 0);
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 150);
  kcp.receiveDropAt = 160;
  kcp.flush(false, RTO);
  assert.deepEqual(sent, [0, 1, 0], 'sn 0 timed out');
  // the peer's ACK of that retransmission has una 1, but sn 1 still has 145 ms of its RTO
  kcp.input(ack(0, 1, RTO), 0, KCP_OVERHEAD, RTO + 5);
  assert.deepEqual(sent, [0, 1, 0]);
  kcp.flush(false, 150 + RTO);
  assert.deepEqual(sent, [0, 1, 0, 1], 'at its own RTO');
});

test('without drops at our socket una shows nothing lost: every timed-out segment goes at its RTO anyway', () => {
  const sent: number[] = [];
  const kcp = sender(sent);
  kcp.flush(false, RTO);
  assert.equal(sent.length, SENT);
  sent.length = 0;
  kcp.input(ack(0, 1, RTO), 0, KCP_OVERHEAD, RTO + 5);
  assert.deepEqual(sent, [], 'sn 1 was just resent with the rest; it waits its own RTO');
});
