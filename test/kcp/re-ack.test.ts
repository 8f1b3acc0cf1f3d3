import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createSegmentHeader,
  KCP_CMD_ACK,
  KCP_INPUT_OK,
  KCP_OVERHEAD,
  Kcp,
  readSegmentHeader,
  writeSegmentHeader,
} from '../../src/kcp/index.js';
import { REACK_FRG } from '../../src/kcp/re-ack.js';
import { recordPushes } from './sent-pushes.js';

const CONV = 11;
/** Segments sent in the one flush every scenario starts with, one full segment per datagram. */
const SENT = 20;
/** fast3's settings: nodelay, 10 ms interval, fast retransmit after 2 ACKs, no window rules. */
const RESEND = 2;

function kcpOf(output: (buf: Buffer, len: number) => void): Kcp {
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, 10, RESEND, 1);
  kcp.setWindowSize(1024, 1024);
  return kcp;
}

/** A datagram's segments: [cmd, frg, sn, ts] each. */
function segments(d: Buffer): [number, number, number, number][] {
  const h = createSegmentHeader();
  const out: [number, number, number, number][] = [];
  for (let p = 0; p + KCP_OVERHEAD <= d.length; p += KCP_OVERHEAD + h.len) {
    readSegmentHeader(d, p, h);
    out.push([h.cmd, h.frg, h.sn, h.ts]);
  }
  return out;
}

/**
 * A sender with SENT segments sent at t=0 and a receiver, the datagrams between them delivered by hand:
 * `data()` the sender's datagrams since the last call, `acks()` the receiver's.
 */
function pair(reAcks: boolean, controller = false) {
  const { output, pushed } = recordPushes();
  const sent: Buffer[] = [];
  const sender = kcpOf((buf, len) => {
    sent.push(Buffer.from(buf.subarray(0, len)));
    output(buf, len);
  });
  if (controller) sender.enableCongestionControl(1);
  const acked: Buffer[] = [];
  const receiver = kcpOf((buf, len) => {
    acked.push(Buffer.from(buf.subarray(0, len)));
  });
  if (reAcks) receiver.enableReAcks();
  sender.send(Buffer.alloc(sender.mss * SENT));
  sender.flush(false, 0);
  assert.equal(sent.length, SENT);
  assert.deepEqual(
    pushed(),
    Array.from({ length: SENT }, (_, i) => i),
  );
  return {
    sender,
    receiver,
    pushed,
    data: () => sent.splice(0),
    acks: () => acked.splice(0),
  };
}

/**
 * sn 0 lost; the receiver's ACKs of 1-9 (one flush, one datagram) are lost; those of 10-19 arrive at the
 * sender, which then flushes. Returns what it resent.
 */
function lostAckDatagram(reAcks: boolean, controller = false) {
  const p = pair(reAcks, controller);
  const data = p.data();
  for (let sn = 1; sn < 10; sn++)
    assert.equal(p.receiver.input(data[sn], 0, data[sn].length, 5), KCP_INPUT_OK);
  p.receiver.flush(true, 5);
  const lost = p.acks();
  assert.equal(lost.length, 1, 'one ACK datagram, lost');
  for (let sn = 10; sn < SENT; sn++) p.receiver.input(data[sn], 0, data[sn].length, 10);
  p.receiver.flush(true, 10);
  const next = p.acks();
  for (const d of next) assert.equal(p.sender.input(d, 0, d.length, 20), KCP_INPUT_OK);
  p.sender.flush(false, 21);
  return { ...p, lost, next };
}

test('a lost ACK datagram does not cause a retransmission of the segments it acknowledged', () => {
  const { pushed, sender } = lostAckDatagram(true);
  assert.deepEqual(pushed(), [0], 'only the hole goes again');
  assert.equal(sender.reAckedSegments, 9);
});

test('without re-acknowledgements (toward any peer not known to be ours) those segments are resent, as kcp-go does', () => {
  const { pushed, next } = lostAckDatagram(false);
  assert.deepEqual(pushed(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // and nothing but plain ACKs went on the wire
  for (const d of next) for (const [cmd, frg] of segments(d)) assert.deepEqual([cmd, frg], [KCP_CMD_ACK, 0]);
});

test('the next ACK datagram begins with the lost ACKs again, as one range, then its fresh ACKs', () => {
  const { next } = lostAckDatagram(true);
  assert.equal(next.length, 1);
  const segs = segments(next[0]);
  assert.deepEqual(segs[0], [KCP_CMD_ACK, REACK_FRG, 1, 9], '1-9 in one entry, ts its last sn');
  assert.deepEqual(
    segs.slice(1).map(([cmd, frg, sn]) => [cmd, frg, sn]),
    Array.from({ length: 10 }, (_, i) => [KCP_CMD_ACK, 0, 10 + i]),
  );
});

test('no re-acknowledgement once the hole is filled: una covers the run', () => {
  const p = pair(true);
  const data = p.data();
  for (let sn = 1; sn < 10; sn++) p.receiver.input(data[sn], 0, data[sn].length, 5);
  p.receiver.flush(true, 5);
  p.acks();
  p.receiver.input(data[0], 0, data[0].length, 10);
  p.receiver.flush(true, 10);
  const segs = p.acks().flatMap(segments);
  assert.deepEqual(segs, [[KCP_CMD_ACK, 0, 0, 0]]);
});

/** One datagram of a re-acknowledgement of [first, last] and plain ACKs of `sns` (ts `ts`), una 0. */
function reAckDatagram(first: number, last: number, sns: number[], ts: number): Buffer {
  const d = Buffer.alloc(KCP_OVERHEAD * (1 + sns.length));
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, REACK_FRG, 1024, last, first, 0, 0);
  sns.forEach((sn, i) => {
    writeSegmentHeader(d, (i + 1) * KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, ts, sn, 0, 0);
  });
  return d;
}

test('a re-acknowledgement takes no RTT sample and casts no fast-retransmit vote', () => {
  const { sender, pushed } = pair(false);
  const srtt = sender.srtt;
  // its ts field is the run's last sn, 19: read as a send time it would sample an RTT of 81 ms and vote
  // for sn 0 (sent at 0), which early retransmit (nothing new to send) would then resend
  const d = reAckDatagram(1, 19, [], 0);
  assert.equal(sender.input(d, 0, d.length, 100), KCP_INPUT_OK);
  assert.equal(sender.srtt, srtt);
  sender.flush(false, 101);
  assert.deepEqual(pushed(), [], 'sn 0 has no votes, and its RTO is not due');
  assert.equal(sender.reAckedSegments, 19);
});

test('with the controller, a segment acknowledged by both a re-acknowledgement and its own ACK is delivered once', () => {
  const { sender } = pair(false, true);
  const inflight = () => sender.congestion!.inflightBytes / (sender.mss + KCP_OVERHEAD);
  assert.equal(inflight(), SENT);
  const d = reAckDatagram(5, 9, [5, 6, 7, 8, 9, 10], 0);
  sender.input(d, 0, d.length, 100);
  assert.equal(inflight(), SENT - 6);
  const again = reAckDatagram(5, 10, [10], 0);
  sender.input(again, 0, again.length, 110);
  assert.equal(inflight(), SENT - 6, 'nothing counted twice');
});

test('a re-acknowledgement outside the send window, or backwards, changes nothing', () => {
  const { sender } = pair(false);
  for (const [first, last] of [
    [25, 40],
    [9, 3],
    [0xfffffff0, 0xffffffff],
  ]) {
    const d = reAckDatagram(first, last, [], 0);
    assert.equal(sender.input(d, 0, d.length, 100), KCP_INPUT_OK);
  }
  assert.equal(sender.reAckedSegments, 0);
  assert.equal(sender.waitSnd, SENT);
});

test('what the previous flush acknowledged above the hole is said again in ranges of consecutive sns, and nothing else', () => {
  const p = pair(true);
  const data = p.data();
  const arrive = (sns: number[], now: number) => {
    for (const sn of sns) p.receiver.input(data[sn], 0, data[sn].length, now);
  };
  arrive([1, 2, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19], 5);
  p.receiver.flush(true, 5);
  p.acks();
  // 0 still missing; 4 after 13, and 3 twice: nearly in order, as a flush's arrivals come
  arrive([3, 13, 4, 3, 12], 10);
  p.receiver.flush(true, 10);
  assert.deepEqual(p.acks().flatMap(segments).slice(0, 2), [
    [KCP_CMD_ACK, REACK_FRG, 1, 2],
    [KCP_CMD_ACK, REACK_FRG, 5, 11],
  ]);
  arrive([17], 15); // a copy of 17: a fresh ACK, the flush that says 3-4 and 12-13 again
  p.receiver.flush(true, 15);
  assert.deepEqual(p.acks().flatMap(segments), [
    [KCP_CMD_ACK, REACK_FRG, 3, 4],
    [KCP_CMD_ACK, REACK_FRG, 12, 13],
    [KCP_CMD_ACK, 0, 17, 0],
  ]);
});
