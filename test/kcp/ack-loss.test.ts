import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fecPaws } from '../../src/fec/index.js';
import { PeerDatagramGaps } from '../../src/kcp/ack-loss.js';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';
import { recordPushes } from './sent-pushes.js';

const CONV = 7;
/** Segments sent in the one flush every scenario starts with. */
const SENT = 30;
/** fast3's settings: nodelay, 10 ms interval, fast retransmit after 2 ACKs, no window rules. */
const RESEND = 2;
/** The peer's FEC shape (kcptun's default 10/3): seqids 10-12, 23-25, ... are parity positions. */
const DS = 10;
const PS = 3;

/**
 * A sender with SENT segments sent at t=0 (ts 0) and `pushed()`, the sns of the PUSHes it sent since.
 * `hold`, `rttRto`: -mode auto's rules for lost ACK datagrams and the RTO, as a session enables them;
 * `controller`: its congestion controller.
 */
function sender(hold: boolean, rttRto = hold, controller = false): { kcp: Kcp; pushed: () => number[] } {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, 10, RESEND, 1);
  kcp.setWindowSize(1024, 1024);
  if (hold) kcp.enableAckLossHold();
  if (rttRto) kcp.enableLatestRttRto();
  if (controller) kcp.enableCongestionControl(1);
  kcp.send(Buffer.alloc(kcp.mss * SENT));
  kcp.flush(false, 0);
  kcp.backlogged = true; // the writer has more: not the transfer's end
  assert.equal(pushed().length, SENT);
  return { kcp, pushed };
}

/**
 * One datagram of the peer's ACKs, for `sns`, with the peer's una; every ACK echoes ts 0. `seqid`: its
 * number in the peer's FEC header, groups of DS data and PS parity seqids (none: no FEC header).
 */
function acks(kcp: Kcp, sns: number[], una: number, now: number, seqid?: number, recovered = false): void {
  if (seqid !== undefined) kcp.onPeerSeqid(seqid, now, DS, PS);
  const d = Buffer.alloc(KCP_OVERHEAD * sns.length);
  sns.forEach((sn, i) => {
    writeSegmentHeader(d, i * KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, 0, sn, una, 0);
  });
  assert.equal(kcp.input(d, 0, d.length, now, { recovered }), KCP_INPUT_OK);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

test('peer datagram gaps: one credit per lost data datagram, spent within the window, lapsed after it', () => {
  const gaps = new PeerDatagramGaps();
  const seen = (seqid: number, now: number) => gaps.onSeqid(seqid, now, DS, PS);
  seen(5, 0);
  assert.equal(gaps.take(0, 20), false, 'the first datagram seen is no gap');
  seen(6, 1);
  seen(9, 2); // 7 and 8 missing
  seen(8, 3); // late: reordered, not lost (one credit back), nor a step back
  seen(12, 4); // parity, highest seqid first (a -mode auto peer): no ACKs, no gap
  seen(13, 5); // the next group: 10 and 11 are parity, lost or never sent, no ACKs either
  seen(17, 6); // 14, 15 and 16 missing
  seen(15, 7); // late
  assert.equal(gaps.take(21, 20), true, '7');
  assert.equal(gaps.take(21, 20), true, '14');
  assert.equal(gaps.take(21, 20), true, '16');
  assert.equal(gaps.take(21, 20), false);
  seen(20, 30); // 18 and 19 missing
  assert.equal(gaps.take(50, 20), false, 'a credit lapses after the window');
  seen(21, 60);
  assert.equal(gaps.take(60, 20), false, 'and is gone');
  seen(fecPaws(DS + PS) - PS - 1, 70); // the last data seqid before the wrap
  seen(0, 71); // the numbering wrapped (kcp-go's paws): no gap
  assert.equal(gaps.take(71, 20), false);
  seen(2, 72);
  assert.equal(gaps.take(72, 20), true);
});

/**
 * sn 0 lost; the peer's ACKs of 1-9 arrive, those of 10-19 (one datagram) are lost, those of 20-29
 * arrive: its una stays 0 throughout.
 */
function lostAckDatagram(kcp: Kcp, fecHeaders = true): void {
  acks(kcp, range(1, 10), 0, 100, fecHeaders ? 0 : undefined);
  acks(kcp, range(20, 30), 0, 120, fecHeaders ? 2 : undefined);
}

test('a run above a hole that one lost ACK datagram explains is not resent with the hole', () => {
  const { kcp, pushed } = sender(true);
  lostAckDatagram(kcp);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0], 'only the hole is fast-retransmitted');
  // the hole repaired, the peer's una passes the run it held all along: nothing else is ever resent
  acks(kcp, [0], SENT, 230);
  kcp.flush(false, 231);
  assert.deepEqual(pushed(), []);
  assert.equal(kcp.waitSnd, 0);
  assert.equal(kcp.retransmittedSegs, 1);
});

test('without the hold (every mode but auto), that run is resent with the hole, as kcp-go does', () => {
  const { kcp, pushed } = sender(false);
  lostAckDatagram(kcp);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('without FEC headers from the peer, a lost ACK datagram is not seen and nothing is held', () => {
  const { kcp, pushed } = sender(true);
  lostAckDatagram(kcp, false);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('at the end of a transfer (nothing left to send) that run is resent with the hole', () => {
  const { kcp, pushed } = sender(true);
  kcp.backlogged = false;
  lostAckDatagram(kcp);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('a run with no gap in the peer datagrams before its votes is resent with the hole: lost data', () => {
  const { kcp, pushed } = sender(true);
  acks(kcp, range(1, 10), 0, 100, 0);
  acks(kcp, range(20, 30), 0, 120, 1);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('toward a peer sending no parity, the group parity seqids it skips are no lost ACK datagrams', () => {
  // a -mode auto peer at parity 0: its ACK datagrams are seqids 9 and then 13 (10-12 never sent); 10-19
  // were lost with 0, so the whole run is resent with the hole
  const { kcp, pushed } = sender(true);
  acks(kcp, range(1, 10), 0, 100, 9);
  acks(kcp, range(20, 30), 0, 120, 13);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('a lost parity datagram of the peer is no lost ACK datagram', () => {
  const { kcp, pushed } = sender(true);
  acks(kcp, range(1, 10), 0, 100, 9);
  kcp.onPeerSeqid(12, 110, DS, PS); // 11 and 10 lost
  acks(kcp, range(20, 30), 0, 120, 13);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('a lost ACK datagram is seen across the parity seqids of a group the peer sent none of', () => {
  const { kcp, pushed } = sender(true);
  acks(kcp, range(1, 10), 0, 100, 8);
  acks(kcp, range(20, 30), 0, 120, 13); // 9, with the ACKs of 10-19, lost
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0]);
});

test('an ACK datagram of the peer that its FEC rebuilt gives back the credit of its gap', () => {
  // 10-19 lost with 0; the peer's ACK datagram of 5-9 (seqid 1) is lost and rebuilt by the FEC decoder,
  // which hands it over without its seqid: its gap explains no run
  const { kcp, pushed } = sender(true);
  acks(kcp, range(1, 5), 0, 100, 0);
  acks(kcp, range(20, 30), 0, 115, 2);
  acks(kcp, range(5, 10), 0, 118, undefined, true);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0, ...range(10, 20)]);
});

test('a held run is resent at once when the peer una stops at its start (the data was lost)', () => {
  const { kcp, pushed } = sender(true);
  lostAckDatagram(kcp);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0]);
  acks(kcp, [0], 10, 230); // the peer lacks sn 10: the run is a hole now, with none below
  assert.deepEqual(pushed(), range(10, 20), 'the flush after una advanced resends the whole run');
});

test('a run at the peer una (no hole below) is resent at once: a burst of real loss', () => {
  const { kcp, pushed } = sender(true);
  acks(kcp, range(10, 20), 0, 100, 0);
  acks(kcp, range(20, 30), 0, 110, 2);
  kcp.flush(false, 111);
  assert.deepEqual(pushed(), range(0, 10));
});

test('a run of fewer than 3 above a hole is resent at once even after a gap: likely data loss', () => {
  const { kcp, pushed } = sender(true);
  acks(kcp, [...range(1, 10), 12, 13, 14, 15, 16, 17, 18, 19], 0, 100, 0); // sn 0, 10, 11 lost
  acks(kcp, range(20, 30), 0, 110, 2);
  kcp.flush(false, 111);
  assert.deepEqual(pushed(), [0, 10, 11]);
});

test('a held run waits for its RTO at most, then is resent', () => {
  const { kcp, pushed } = sender(true, false);
  lostAckDatagram(kcp);
  kcp.flush(false, 121);
  assert.deepEqual(pushed(), [0]);
  const rto = 200; // the RTO they were sent with (no RTT sample yet)
  kcp.flush(false, rto - 1); // the repair of sn 0 was lost, no ACK since
  assert.deepEqual(pushed(), []);
  kcp.flush(false, rto);
  assert.deepEqual(pushed(), range(10, 20));
});

/** A sender with sn 0-9 sent at t=0 (RTO 200: due at 200) that sees the RTT samples `rtts` (ACKs of sn 0, 1, ...). */
function rttSender(rttRto: boolean, rtts: number[]): Kcp {
  const kcp = new Kcp(CONV, () => {});
  kcp.setNoDelay(1, 10, RESEND, 1);
  if (rttRto) kcp.enableLatestRttRto();
  kcp.send(Buffer.alloc(kcp.mss * 10));
  kcp.flush(false, 0);
  rtts.forEach((rtt, sn) => {
    const d = Buffer.alloc(KCP_OVERHEAD);
    writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, 0, sn, 0, 0);
    kcp.input(d, 0, d.length, rtt);
  });
  return kcp;
}

test('latest-RTT RTO: a segment times out no earlier than the latest RTT plus the margin (a queue builds)', () => {
  const plain = rttSender(false, [100, 250]);
  plain.flush(false, 251);
  assert.equal(plain.retransmittedSegs, 8, 'kcp-go: past the RTO they were sent with');

  const kcp = rttSender(true, [100, 250]); // the queue grew: the latest sample is far above srtt
  const due = kcp.rto + Math.min(250 - kcp.srtt, kcp.srtt); // sent at 0
  kcp.flush(false, 251);
  kcp.flush(false, due - 1);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, due);
  assert.equal(kcp.retransmittedSegs, 8);
});

test("latest-RTT RTO: with the latest RTT at or below srtt, the RTO is kcp-go's", () => {
  const kcp = rttSender(true, [100, 90]);
  kcp.flush(false, 199);
  assert.equal(kcp.retransmittedSegs, 0);
  kcp.flush(false, 200);
  assert.equal(kcp.retransmittedSegs, 8);
});

test('with the controller, a held run counts as delivered when it is held, not a round trip later when una passes it', () => {
  for (const hold of [false, true]) {
    const { kcp, pushed } = sender(hold, hold, true);
    const inflight = () => kcp.congestion!.inflightBytes / (kcp.mss + KCP_OVERHEAD);
    lostAckDatagram(kcp);
    kcp.flush(false, 121);
    assert.deepEqual(pushed(), hold ? [0] : [0, ...range(10, 20)]);
    // in flight: the hole's repair, and the run unless held (delivered, its ACKs were lost)
    assert.equal(inflight(), hold ? 1 : 11);
    acks(kcp, [0], SENT, 230);
    assert.equal(inflight(), 0);
  }
});
