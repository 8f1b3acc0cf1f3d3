/**
 * -mode auto's KCP pair over a jittery link that never reorders (50 ± 30 ms one way, 1 % loss, 100 Mbit/s
 * with a one-BDP queue: the link benchmark's jitter-50ms-1), in simulated time. The min RTT there is the
 * luckiest sample, about half the round trip a rate sample spans, so ProbeBW must time its probe in
 * measured round trips to find what Startup left (docs/link-probe-bw-2026-12-03.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 100 Mbit/s in bytes per ms. */
const RATE = 12_500;
/** Startup's ramp ends by then on this link; the goodput after it is ProbeBW's. */
const MEASURE_FROM_MS = 2000;

const base: PairOptions = {
  ...AUTO_PAIR,
  link: { loss: 0.01, dup: 0, delay: 20, jitter: 60, inOrder: true, rate: RATE, queueBytes: RATE * 100 },
  seed: 31,
  measureFromMs: MEASURE_FROM_MS,
};

test('auto on a 50 ± 30 ms link that never reorders: past Startup >= 75 % of the link rate, no queue drops', () => {
  // probes of one min RTT, once per 8-phase cycle, held these runs to 71-72 % (0.79-0.86 now)
  for (const seed of [31, 7, 11]) {
    const options = { ...base, seed };
    const bytes = 32 * MB;
    const data = new Rng(seed).bytes(bytes);
    const { simMs, a, b } = runPair(options, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, bytes);
    const rate = (b.received - b.receivedAtMeasureStart) / (simMs - MEASURE_FROM_MS);
    assert.ok(rate >= 0.75 * RATE, `seed ${seed}: goodput ${(rate / RATE).toFixed(2)} of the link rate`);
    assert.equal(a.queueDrops, 0, `seed ${seed}: queue drops`);
  }
});
