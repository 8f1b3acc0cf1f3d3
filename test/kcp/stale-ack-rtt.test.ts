import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_INPUT_OK, KCP_OVERHEAD, Kcp, writeSegmentHeader } from '../../src/kcp/index.js';
import { RETIRED_SENDS, RetiredSends } from '../../src/kcp/retired-sends.js';
import { recordPushes } from './sent-pushes.js';

// -mode auto's sender takes no RTT sample for the controller from an ACK that answers an earlier
// transmission of a segment already acknowledged (src/kcp/retired-sends.ts): the peer's FEC decoder
// rebuilt the first transmission a round or more late (docs/link-startup-baseline-2026-12-05.md).

const CONV = 5;
const SENT = 20;
/** The segment whose first transmission (ts 0) is late: fast-retransmitted at RESENT_AT. */
const LATE = 4;
const RESENT_AT = 101;
/** The round trip the ACK of the retransmission measures. */
const RTT = 100;

/** ACKs as (sn, ts) pairs in one datagram with the peer's `una`, input at `now`. */
function ack(kcp: Kcp, now: number, una: number, ...acks: [number, number][]): void {
  const d = Buffer.alloc(KCP_OVERHEAD * acks.length);
  acks.forEach(([sn, ts], i) => {
    writeSegmentHeader(d, i * KCP_OVERHEAD, CONV, KCP_CMD_ACK, 0, 1024, ts, sn, una, 0);
  });
  assert.equal(kcp.input(d, 0, d.length, now), KCP_INPUT_OK);
}

/**
 * SENT segments sent at 0, all but LATE acknowledged at 100 (its first transmission is late), LATE
 * fast-retransmitted at RESENT_AT; returns the sender and the controller's smoothed RTT (100 throughout).
 */
function resent(): Kcp {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  kcp.send(Buffer.alloc(kcp.mss * SENT));
  kcp.flush(false, 0);
  assert.equal(pushed().length, SENT);
  const others = Array.from({ length: SENT }, (_, sn) => sn).filter((sn) => sn !== LATE);
  ack(kcp, RTT, LATE, ...others.map((sn): [number, number] => [sn, 0]));
  kcp.flush(false, RESENT_AT);
  assert.deepEqual(pushed(), [LATE]);
  return kcp;
}

function smoothedRtt(kcp: Kcp): number {
  const cc = kcp.congestion;
  assert.ok(cc !== null);
  return cc.smoothedRtt;
}

test('an ACK of the first transmission after una passed the retransmission gives the controller no sample', () => {
  const kcp = resent();
  ack(kcp, RESENT_AT + RTT, SENT, [LATE, RESENT_AT]);
  assert.equal(kcp.sndUna, SENT);
  assert.equal(smoothedRtt(kcp), RTT);
  // the peer's FEC decoder rebuilt the first transmission 600 ms late and acknowledges it again
  ack(kcp, 700, SENT, [LATE, 0]);
  assert.equal(smoothedRtt(kcp), RTT);
  // kcp-go's RTO estimator still takes it, as kcp-go does
  assert.ok(kcp.srtt > RTT);
});

test('an ACK of the first transmission while the acknowledged retransmission is still in snd_buf gives no sample', () => {
  const kcp = resent();
  ack(kcp, RESENT_AT + RTT, LATE, [LATE, RESENT_AT]);
  assert.equal(kcp.sndUna, LATE);
  ack(kcp, 700, LATE, [LATE, 0]);
  assert.equal(smoothedRtt(kcp), RTT);
});

test('in a datagram with a stale ACK last, the latest ACK of a last transmission gives the sample', () => {
  const kcp = resent();
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 150);
  ack(kcp, RESENT_AT + RTT, SENT, [LATE, RESENT_AT]);
  // the new segment's ACK (sent at 150, 80 ms) comes first, the stale one last, as kcp-go orders its acklist
  ack(kcp, 230, SENT + 1, [SENT, 150], [LATE, 0]);
  assert.equal(smoothedRtt(kcp), RTT + (80 - RTT) / 8);
});

test("in a datagram with a rebuilt segment's ACK last, the newest timestamp gives the controller's sample", () => {
  const { output, pushed } = recordPushes();
  const kcp = new Kcp(CONV, output);
  kcp.setNoDelay(1, 10, 2, 1);
  kcp.setWindowSize(1024, 1024);
  kcp.enableCongestionControl(1);
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 0);
  kcp.send(Buffer.alloc(kcp.mss));
  kcp.flush(false, 50);
  assert.deepEqual(pushed(), [0, 1]);
  // sn 0 was lost and rebuilt by the peer's FEC once sn 1's group completed: its only transmission's ACK
  // comes after sn 1's, as the peer acknowledges in the order its KCP took them
  ack(kcp, 50 + RTT, 2, [1, 50], [0, 0]);
  assert.equal(smoothedRtt(kcp), RTT);
  // kcp-go's RTO estimator takes the datagram's last ACK, as kcp-go does
  assert.equal(kcp.srtt, 50 + RTT);
});

test("a spurious retransmission's duplicate, acknowledged after the original, still gives its sample", () => {
  const kcp = resent();
  // the first transmission was only slow: its ACK comes first (a sample of 150), then the duplicate's
  ack(kcp, 150, SENT, [LATE, 0]);
  const after = smoothedRtt(kcp);
  ack(kcp, RESENT_AT + 60, SENT, [LATE, RESENT_AT]);
  assert.equal(smoothedRtt(kcp), after + (60 - after) / 8);
});

test('RetiredSends: a segment overwritten by one RETIRED_SENDS later is unknown', () => {
  const retired = new RetiredSends();
  retired.record(7, 500);
  assert.equal(retired.echoesEarlier(7, 499), true);
  assert.equal(retired.echoesEarlier(7, 500), false);
  assert.equal(retired.echoesEarlier(8, 0), false);
  retired.record(7 + RETIRED_SENDS, 900);
  assert.equal(retired.echoesEarlier(7, 499), false);
  // timestamps wrap as KCP's clock does
  retired.record(9, 5);
  assert.equal(retired.echoesEarlier(9, 0xffff_fff0), true);
});

test('RetiredSends: sns that a small ring would put in one slot are all kept, as a ring of RETIRED_SENDS keeps them', () => {
  // the ring starts small and grows (retired-sends.ts): every sn below is known until one RETIRED_SENDS
  // later overwrites it, whatever slots they shared on the way
  const retired = new RetiredSends();
  const sns: number[] = [];
  for (let k = 0; k < 64; k++) sns.push((0xffff_ff00 + k * 59) >>> 0); // crosses the uint32 wrap
  for (let k = 0; k < 8; k++) sns.push(3 + k * 512); // one slot of every ring up to 512 entries
  for (const [i, sn] of sns.entries()) retired.record(sn, 1000 + i);
  sns.forEach((sn, i) => {
    assert.equal(retired.echoesEarlier(sn, 999 + i), true, `sn ${sn}`);
    assert.equal(retired.echoesEarlier(sn, 1000 + i), false, `sn ${sn}`);
  });
  retired.record(3 + RETIRED_SENDS, 5000);
  assert.equal(retired.echoesEarlier(3, 999 + 64), false);
  assert.equal(retired.echoesEarlier(3 + RETIRED_SENDS, 4999), true);
  assert.equal(retired.echoesEarlier(3 + 512, 999 + 65), true);
});
