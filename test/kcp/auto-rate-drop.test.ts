/**
 * -mode auto on a path whose rate falls 10× mid-transfer (its share of a link fell), in simulated time: the
 * one-BDP queue fills, a round trip lasts ~10 of the old ones, and the 10-round max filter holds the old
 * rate for ~10 of those long rounds. The loss bounds that each round's verdict sets must hold until a
 * cruise epoch shows them enough, not go at the next 1.25 probe of a gain cycle timed in min RTTs
 * (ProbeBw.onLossVerdict; docs/link-rate-drop-2026-12-06-ratedrop29.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from './kcp-pair-sim.js';
import { AUTO_PAIR, type LinkOptions, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** Mbit/s in bytes per ms. */
const MBIT = 125;
const RATE = 20 * MBIT;
/** The path's rate falls this long into the transfer (sim ms), after Startup and a few probe cycles. */
const CHANGE_MS = 3000;
/** How long after the change the queue is watched. */
const WATCH_MS = 8000;
/** At the new rate the queue holds 500 ms: it counts as full above half of that. */
const FULL_QUEUE_MS = 250;

/** 25 ms one way, 20 Mbit/s with a one-BDP queue (125 KB), 1 % loss; 2 Mbit/s from CHANGE_MS on. */
const PATH: LinkOptions = {
  loss: 0.01,
  dup: 0,
  delay: 25,
  jitter: 0,
  rate: RATE,
  queueBytes: RATE * 50,
  changes: [{ fromMs: CHANGE_MS, rate: 2 * MBIT }],
};

/** How long after the change the in-flight cap is watched: the first round at the new rate (~10 old ones). */
const CAP_WATCH_MS = 500;

/**
 * One transfer: how long the queue stood full, and its drops, over WATCH_MS from the change; and the
 * highest in-flight cap over CAP_WATCH_MS from it, in BDPs of the estimate and the min RTT.
 */
function transfer(seed: number): { fullMs: number; drops: number; capBdps: number } {
  const bytes = 9 * MB;
  let fullMs = 0;
  let dropsAtChange = -1;
  let dropsAtEnd = -1;
  let lastT = -1;
  let lastQueueMs = 0;
  let capBdps = 0;
  // called once per step of the sim's clock, which skips to the next event: the queue is held between steps
  const observe = (t: number, a: Endpoint) => {
    if (t < CHANGE_MS || t >= CHANGE_MS + WATCH_MS) return;
    const cc = a.kcp.congestion;
    if (cc !== null && cc.state === 'probe-bw' && t < CHANGE_MS + CAP_WATCH_MS)
      capBdps = Math.max(capBdps, cc.cwnd / (cc.bandwidth / 1000) / cc.minRtt);
    if (dropsAtChange < 0) dropsAtChange = a.queueDrops;
    dropsAtEnd = a.queueDrops;
    if (lastT >= 0 && lastQueueMs > FULL_QUEUE_MS) fullMs += t - lastT;
    lastT = t;
    lastQueueMs = a.queueMs(t);
  };
  const options: PairOptions = { ...AUTO_PAIR, link: PATH, seed, primeBytes: 100, observe };
  const result = runPair(options, new Rng(seed).bytes(bytes), Buffer.alloc(0));
  assert.equal(result.b.mismatch, -1, 'byte-exact');
  assert.equal(result.b.received, bytes);
  return { fullMs, drops: dropsAtEnd - dropsAtChange, capBdps };
}

test('the rate falls 20 -> 2 Mbit/s: the loss bounds drain the queue before the max filter lets the old rate go', () => {
  // seeds 1-3 before the probe waited for clear verdicts: full 5.2-6.0 s of the 8, 1,481-1,729 drops;
  // with it 3.0-3.7 s, 879-934 drops
  const runs = [1, 2, 3].map(transfer);
  const fullMs = runs.reduce((s, r) => s + r.fullMs, 0) / runs.length;
  const drops = runs.reduce((s, r) => s + r.drops, 0) / runs.length;
  const seen = runs.map((r) => `${r.fullMs} ms / ${r.drops}`).join(', ');
  assert.ok(
    fullMs <= 4500,
    `the queue over ${FULL_QUEUE_MS} ms for ${fullMs} ms of ${WATCH_MS} (mean; ${seen})`,
  );
  assert.ok(drops <= 1300, `${drops} queue drops in the ${WATCH_MS} ms after the change (mean; ${seen})`);
});

test('the rate falls 20 -> 2 Mbit/s: in the round the queue builds, the in-flight cap stays near 2 BDPs', () => {
  // the cap's RTT spread (the smoothed RTT over the last round's lowest sample) read the queue building
  // as jitter: seeds 1-3 reached 4.22-4.25 BDPs there before ProbeBW bounded it by the least spread of
  // recent rounds (controller.ts CAP_SPREAD_ROUNDS), 2.22-2.25 with it; their drops 879-934 -> 271-388
  const runs = [1, 2, 3].map(transfer);
  const caps = runs.map((r) => r.capBdps);
  assert.ok(
    caps.every((c) => c <= 3),
    `the highest cap in BDPs: ${caps.map((c) => c.toFixed(2)).join(', ')}`,
  );
});
