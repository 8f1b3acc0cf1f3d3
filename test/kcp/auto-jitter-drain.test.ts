/**
 * ProbeBW's drain phase on a jittery link that never reorders (50 ± 30 ms one way, 1 % loss, 100 Mbit/s with
 * a one-BDP queue: the link benchmark's jitter-50ms-1), in simulated time. The phase (gain 0.75) lasts until
 * the in-flight data fits what the path holds without a queue, or 4 min RTTs; at the min RTT plus the least
 * round spread the data hardly ever fit, as the min RTT there is the luckiest sample, and the phase ran to
 * its limit, a quarter of the rate given up for 4 min RTTs of every gain cycle. The seeds' sum is what
 * moves: one seed's cycles fall as its draws of the delays do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 100 Mbit/s in bytes per ms. */
const RATE = 12_500;
const SEEDS = 8;
/** A pacing rate under this share of the estimate is the drain phase's 0.75 (the cruise's is 1, the probe's 1.25). */
const DRAIN_GAIN_BELOW = 0.8;

const base: Omit<PairOptions, 'seed'> = {
  ...AUTO_PAIR,
  link: { loss: 0.01, dup: 0, delay: 20, jitter: 60, inOrder: true, rate: RATE, queueBytes: RATE * 100 },
};

test("auto on a 50 ± 30 ms link that never reorders: ProbeBW's drain phase ends near the path's queue, not at its time limit", () => {
  // at the min RTT plus the least round spread the phase held 27.9 % of ProbeBW's time over these seeds
  // (16 MiB each); at the loaded round trip less one ACK period (pipeRtt), 23.2 %
  let drainMs = 0;
  let probeBwMs = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const bytes = 16 * MB;
    let last = -1;
    const observe: PairOptions['observe'] = (t, a, b) => {
      const cc = a.kcp.congestion;
      if (cc === null || b.received >= bytes) return;
      if (last >= 0 && cc.state === 'probe-bw' && cc.bandwidth > 0) {
        probeBwMs += t - last;
        if (cc.pacingRate < DRAIN_GAIN_BELOW * cc.bandwidth) drainMs += t - last;
      }
      last = t;
    };
    const { b } = runPair({ ...base, seed, observe }, new Rng(seed).bytes(bytes), Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
  }
  const share = drainMs / probeBwMs;
  assert.ok(share <= 0.255, `drain phase ${(100 * share).toFixed(1)} % of ProbeBW's ${probeBwMs} ms`);
});
