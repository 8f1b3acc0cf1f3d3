/**
 * Kcp.sendTrace (the simulator's wire account, bench/link-wire.ts): told of every data segment written,
 * with why it went; and Kcp.holdsReceived, the receiver's side of a needless resend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KCP_CMD_ACK,
  KCP_OVERHEAD,
  Kcp,
  SEND_EARLY,
  SEND_FAST,
  SEND_NEW,
  SEND_TIMEOUT,
  writeSegmentHeader,
} from '../../src/kcp/index.js';

const CONV = 9;

/** A fast3 sender of `n` segments with a trace of (sn, kind, now). */
function traced(n: number): { kcp: Kcp; sends: number[][] } {
  const sends: number[][] = [];
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.sendTrace = { segment: (sn, len, kind, now) => sends.push([sn, kind, now, len]) };
  kcp.send(Buffer.alloc(kcp.mss * n));
  return { kcp, sends };
}

/** The peer's ACKs of `sns` (echoing ts 0), una 0. */
function acks(kcp: Kcp, sns: number[], now: number): void {
  const d = Buffer.alloc(KCP_OVERHEAD * sns.length);
  sns.forEach((sn, i) => {
    writeSegmentHeader(d, i * KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, 0, sn, 0, 0);
  });
  kcp.input(d, 0, d.length, now);
}

test('send trace: first transmissions and fast retransmissions, each with its time and payload bytes', () => {
  const { kcp, sends } = traced(5);
  kcp.flush(false, 0);
  assert.deepEqual(
    sends.map(([sn, kind, now]) => [sn, kind, now]),
    [0, 1, 2, 3, 4].map((sn) => [sn, SEND_NEW, 0]),
  );
  assert.equal(sends[0][3], kcp.mss);
  sends.length = 0;
  acks(kcp, [2, 3], 50); // two later ACKs: the fast-retransmit threshold for sn 0 and 1
  kcp.flush(false, 51);
  assert.deepEqual(sends, [
    [0, SEND_FAST, 51, kcp.mss],
    [1, SEND_FAST, 51, kcp.mss],
  ]);
  sends.length = 0;
  kcp.flush(false, 51 + kcp.rto); // the ACKs of 0, 1 and 4 never come
  assert.deepEqual(
    sends.map(([sn, kind]) => [sn, kind]),
    [
      [0, SEND_TIMEOUT],
      [1, SEND_TIMEOUT],
      [4, SEND_TIMEOUT],
    ],
  );
});

test('send trace: an early retransmission (one later ACK, nothing new to send)', () => {
  const { kcp, sends } = traced(3);
  kcp.flush(false, 0);
  sends.length = 0;
  acks(kcp, [2], 50);
  kcp.flush(false, 51);
  assert.deepEqual(
    sends.map(([sn, kind]) => [sn, kind]),
    [
      [0, SEND_EARLY],
      [1, SEND_EARLY],
    ],
  );
});

test('holdsReceived: below rcv_nxt and in rcv_buf, not the holes between', () => {
  const sender = new Kcp(CONV, (buf, len) => {
    datagrams.push(Buffer.from(buf.subarray(0, len)));
  });
  const datagrams: Buffer[] = [];
  sender.setNoDelay(1, 10, 2, 1);
  sender.setMtu(KCP_OVERHEAD + 100); // a segment per datagram
  sender.send(Buffer.alloc(100 * 6));
  sender.flush(false, 0);
  assert.equal(datagrams.length, 6);
  const receiver = new Kcp(CONV, () => {});
  for (const i of [0, 1, 3, 5]) receiver.input(datagrams[i], 0, datagrams[i].length, 10);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((sn) => receiver.holdsReceived(sn)),
    [true, true, false, true, false, true, false],
  );
});
