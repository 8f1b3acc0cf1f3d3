/**
 * -mode auto's transfer tail (Kcp.enableTailCopies, enableLastFlightCopies) in a simulated pair, in
 * simulated time: once every segment has been sent, a lost retransmission costs the transfer a round trip
 * more unless its copy got through, and a loss in the last flight a round trip unless its copy did.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundTripMs } from '../../bench/link/profiles.js';
import { profile, simulatedLink } from '../../bench/link/sim-link.js';
import type { Segment } from '../../src/kcp/segment.js';
import { timeDiff } from '../../src/kcp/time-diff.js';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** The link benchmark's 150ms-10 (150 ms one way, 10 % loss each way, 100 Mbit/s, a one-BDP queue), without FEC. */
const PROFILE = profile('150ms-10');
const RTT = roundTripMs(PROFILE);
const LINK = simulatedLink(PROFILE, { fec: false, forwarder: false });
const SEEDS = 16;
/**
 * The median transfer of 1 MiB (the round trip measured first) ends within this many round trips: 7.1
 * without the copies (median of 16 seeds; the last holes waited for a chain of lost retransmissions),
 * 6.0 with them.
 */
const MEDIAN_RTTS = 6.5;

test('auto at 150 ms/10 %: a 1 MiB transfer does not wait round trips for its lost retransmissions', () => {
  const times: number[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const data = new Rng(seed).bytes(MB);
    const { simMs, b } = runPair({ ...AUTO_PAIR, link: LINK, seed, primeBytes: 100 }, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, MB);
    times.push(simMs);
  }
  times.sort((x, y) => x - y);
  const median = times[SEEDS >> 1];
  assert.ok(median <= MEDIAN_RTTS * RTT, `median ${median} ms of ${times.join(', ')}`);
});

/**
 * The median 1 MiB transfer's last byte arrives within this many round trips: 5.17 without the last
 * flight's copies (16 seeds; its last lost segments were found lost a round trip after they were sent),
 * 4.67 with them.
 */
const LAST_BYTE_MEDIAN_RTTS = 4.9;

test('auto at 150 ms/10 %: the last flight of a 1 MiB transfer does not wait a round trip for its repairs', () => {
  const times: number[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const data = new Rng(seed).bytes(MB);
    const { b } = runPair({ ...AUTO_PAIR, link: LINK, seed, primeBytes: 100 }, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    times.push(b.receiveDoneMs);
  }
  times.sort((x, y) => x - y);
  const median = times[SEEDS >> 1];
  assert.ok(median <= LAST_BYTE_MEDIAN_RTTS * RTT, `median ${median} ms of ${times.join(', ')}`);
});

test('auto past Startup: the last flight is copied back to segments as old as the smoothed RTT', () => {
  // 50 ms round trip, 5 % loss, 100 Mbit/s: a 4 MiB transfer ends in ProbeBW; every copy of a first
  // transmission is timed (Kcp's private writeCopy, spied on) against the smoothed RTT it went out under
  const link = { ...LINK, loss: 0.05, delay: 25, queueBytes: 12_500 * 50 };
  const data = new Rng(3).bytes(4 * MB);
  const ages: number[] = [];
  let spied = false;
  const observe: PairOptions['observe'] = (_t, a) => {
    if (spied) return;
    spied = true;
    const kcp = a.kcp as unknown as { writeCopy: (ptr: number, seg: Segment, ...rest: number[]) => number };
    const writeCopy = kcp.writeCopy.bind(kcp);
    kcp.writeCopy = (ptr, seg, ...rest) => {
      if (seg.xmit === 1 && a.kcp.congestion?.state === 'probe-bw')
        ages.push(timeDiff(rest[1], seg.ts) / a.kcp.srtt);
      return writeCopy(ptr, seg, ...rest);
    };
  };
  const { b } = runPair({ ...AUTO_PAIR, link, seed: 3, primeBytes: 100, observe }, data, Buffer.alloc(0));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.ok(ages.length > 0, 'copies in ProbeBW');
  const oldest = Math.max(...ages);
  assert.ok(oldest > 0.6 && oldest < 1, `the oldest copied segment ${oldest.toFixed(2)} srtt old`);
});
