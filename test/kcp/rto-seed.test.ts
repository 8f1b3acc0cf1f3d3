import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_CMD_ACK, KCP_OVERHEAD, Kcp, RtoSeed, writeSegmentHeader } from '../../src/kcp/index.js';

const CONV = 7;
const SENT = 4;
/** kcp-go's RTO before the first RTT sample. */
const DEFAULT_RTO = 200;
/** What the sibling sessions measured: a server's receive queue delaying every session's ACKs. */
const SEEDED_RTO = 900;
const INTERVAL = 10;

function kcp(seed: RtoSeed | null): Kcp {
  const k = new Kcp(CONV, () => {});
  k.setNoDelay(1, INTERVAL, 2, 1);
  k.setWindowSize(1024, 1024);
  k.rtoSeed = seed;
  return k;
}

/** Sends SENT segments at `at` and returns the time (ms after `at`) of their first timeout. */
function firstTimeout(k: Kcp, at: number): number {
  k.send(Buffer.alloc(k.mss * SENT));
  k.flush(false, at);
  const before = k.retransmittedSegs;
  for (let t = at; t < at + 10_000; t++) {
    k.flush(false, t);
    if (k.retransmittedSegs > before) return t - at;
  }
  return -1;
}

/** An ACK of sn `sn` sent at `ts`, as the peer's datagram. */
function ack(sn: number, ts: number): Buffer {
  const d = Buffer.alloc(KCP_OVERHEAD);
  writeSegmentHeader(d, 0, CONV, KCP_CMD_ACK, 0, 1024, ts, sn, sn + 1, 0);
  return d;
}

test('before its first RTT sample a session times out at the RTO its siblings measured', () => {
  assert.equal(firstTimeout(kcp(null), 0), DEFAULT_RTO);
  const seed = new RtoSeed();
  seed.rto = SEEDED_RTO;
  assert.equal(firstTimeout(kcp(seed), 0), SEEDED_RTO);
});

test('a seed below the default, or none yet, leaves the default', () => {
  const low = new RtoSeed();
  low.rto = 120;
  assert.equal(firstTimeout(kcp(low), 0), DEFAULT_RTO);
  assert.equal(firstTimeout(kcp(new RtoSeed()), 0), DEFAULT_RTO);
});

test('a segment sent before the seed rose waits for the seed too', () => {
  const seed = new RtoSeed();
  const k = kcp(seed);
  k.send(Buffer.alloc(k.mss));
  k.flush(false, 0);
  seed.rto = SEEDED_RTO; // a sibling's first sample arrives meanwhile
  k.flush(false, DEFAULT_RTO);
  assert.equal(k.retransmittedSegs, 0);
  k.flush(false, SEEDED_RTO);
  assert.equal(k.retransmittedSegs, 1);
});

test('an RTT sample gives the seed its RTO, and the session then keeps to its own', () => {
  const seed = new RtoSeed();
  seed.rto = SEEDED_RTO;
  const k = kcp(seed);
  k.send(Buffer.alloc(k.mss));
  k.flush(false, 0);
  k.input(ack(0, 0), 0, KCP_OVERHEAD, 40);
  assert.equal(seed.rto, k.rto);
  assert.ok(k.rto < SEEDED_RTO, `own RTO ${k.rto}`);
  seed.rto = SEEDED_RTO;
  assert.equal(firstTimeout(k, 100), k.rto);
});
