/**
 * -mode auto on a path whose delay rises mid-transfer (a route change), in simulated time: the min RTT holds
 * the old delay until it expires, and the in-flight cap built on it covers half the new round trip or less,
 * so the rate samples fall with the cap and the cap with them. The early ProbeRTT (MinRtt.onRoundLowest)
 * measures the new delay within a few rounds; on a path whose rate fell instead (a queue of the sender's
 * own, which shrinks as ProbeRTT halves the in-flight data) the min RTT stays the path's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint } from './kcp-pair-sim.js';
import { AUTO_PAIR, type LinkOptions, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** Mbit/s in bytes per ms. */
const MBIT = 125;
const RATE = 20 * MBIT;
/** The path's change comes this long into the transfer (sim ms), after Startup and a few probe cycles. */
const CHANGE_MS = 3000;

/** A transfer of `bytes` on `link`, the sender's controller handed to `observe` every sim ms. */
function transfer(link: LinkOptions, bytes: number, observe: (t: number, a: Endpoint, b: Endpoint) => void) {
  const options: PairOptions = { ...AUTO_PAIR, link, seed: 7, primeBytes: 100, observe };
  const result = runPair(options, new Rng(7).bytes(bytes), Buffer.alloc(0));
  assert.equal(result.b.mismatch, -1, 'byte-exact');
  assert.equal(result.b.received, bytes);
  return result;
}

/** 25 ms one way, 20 Mbit/s with a one-BDP queue, 1 % loss; `change` from CHANGE_MS on. */
function path(change: { delay?: number; rate?: number }): LinkOptions {
  return {
    loss: 0.01,
    dup: 0,
    delay: 25,
    jitter: 0,
    rate: RATE,
    queueBytes: RATE * 50,
    changes: [{ fromMs: CHANGE_MS, ...change }],
  };
}

test('the delay rises 25 -> 100 ms one way: the min RTT follows within a few rounds, the rate holds', () => {
  // On the main line before the early ProbeRTT: the min RTT stayed 52 ms until it expired (~13 s), and the
  // estimate fell from ~19 to ~4 Mbit/s meanwhile (each cap-limited round delivered half the last one's).
  let minRttAt6s = Number.NaN;
  let receivedAt6s = -1;
  let receivedAt10s = -1;
  transfer(path({ delay: 100 }), 40 * MB, (t, a, b) => {
    if (t >= 6000 && receivedAt6s < 0) {
      minRttAt6s = a.kcp.congestion!.minRtt;
      receivedAt6s = b.received;
    }
    if (t >= 10_000 && receivedAt10s < 0) receivedAt10s = b.received;
  });
  assert.ok(minRttAt6s >= 200, `min RTT ${minRttAt6s} ms at 6 s`);
  const mbit = ((receivedAt10s - receivedAt6s) * 8) / 4 / 1e6;
  assert.ok(mbit >= 0.8 * 20, `${mbit.toFixed(1)} Mbit/s from 6 to 10 s`);
});

test('the rate falls 20 -> 4 Mbit/s: the queue that builds is not taken for the path`s delay', () => {
  let highestMinRtt = 0;
  let probeRttAt = Number.NaN;
  transfer(path({ rate: 4 * MBIT }), 12 * MB, (t, a) => {
    const cc = a.kcp.congestion!;
    if (t < CHANGE_MS) return;
    if (cc.minRtt > highestMinRtt) highestMinRtt = cc.minRtt;
    if (cc.state === 'probe-rtt' && Number.isNaN(probeRttAt)) probeRttAt = t;
  });
  // the queue stands above what the cap covers, so the early ProbeRTT comes (not the 10 s window's), and
  // its samples, a shrinking queue, leave the min RTT as it was
  assert.ok(probeRttAt - CHANGE_MS < 4000, `the first ProbeRTT after the rate fell at ${probeRttAt} ms`);
  assert.ok(highestMinRtt <= 60, `min RTT up to ${highestMinRtt} ms after the rate fell`);
});
