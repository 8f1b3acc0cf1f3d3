/**
 * The loss baseline (the random loss ProbeBW neither reads as congestion nor lets pacing leave unpaid),
 * over a small model of a path in simulated ms: a rate-limited tail-drop queue, a fixed delay, every
 * segment acknowledged as it arrives, a random loss noticed once a later segment is acknowledged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';
import { Rng } from '../kcp-pair-sim.js';
import { snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 10 segments per ms (80 Mbit/s of 1000-byte segments). */
const RATE = 10 * SEG;
const ONE_WAY_MS = 25;
const RTT = 2 * ONE_WAY_MS;
/** Random loss. */
const LOSS = 0.01;
/**
 * A drop at the queue in Startup is noticed this long after its transmission: KCP's timeout, which in
 * Startup's queue follows the round trip up, and down again late (a fast retransmission needs three later
 * ACKs past it; behind a run of drops there are none).
 */
const STARTUP_DROP_NOTICED_MS = 5 * RTT;

interface Sent {
  seg: SendSnapshot;
  sent: number;
  lost: boolean;
  /** When the sender notices the loss by a timeout (Infinity: by later ACKs). */
  timesOut: number;
  arrives: number;
}

/** The highest loss baseline of a transfer of `durationMs` behind a queue of `queueBdps`. */
function highestBaseline(seed: number, queueBdps: number, durationMs: number): number {
  const rng = new Rng(seed);
  const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
  const flight: Sent[] = [];
  let queueFreeAt = 0;
  let tokens = 0;
  let highest = 0;
  for (let t = 0; t < durationMs; t++) {
    let acked = false;
    for (let i = 0; i < flight.length; ) {
      const e = flight[i];
      const ackedNow = !e.lost && e.arrives + ONE_WAY_MS <= t;
      const laterAcked = e.lost && e.timesOut === Number.POSITIVE_INFINITY && acked;
      if (ackedNow) {
        cc.onRtt(t - e.sent, t);
        cc.onDelivered(e.seg, SEG, t);
        acked = true;
      } else if (laterAcked || (e.lost && e.timesOut <= t)) {
        cc.onLost(e.seg, SEG);
      } else {
        i++;
        continue;
      }
      flight.splice(i, 1);
    }
    if (acked) cc.onAckEvent(t);
    highest = Math.max(highest, cc.lossBaseline);
    const pace = cc.pacingPerMs();
    tokens = pace > 0 ? Math.min(tokens + pace, Math.max(2 * pace, 10 * SEG)) : 10 * SEG;
    while (tokens >= SEG && cc.canSend(SEG)) {
      tokens -= SEG;
      const e: Sent = {
        seg: snapshot(),
        sent: t,
        lost: false,
        timesOut: Number.POSITIVE_INFINITY,
        arrives: 0,
      };
      cc.onSend(e.seg, SEG, t);
      flight.push(e);
      if (Math.max(0, queueFreeAt - t) * RATE + SEG > queueBdps * RATE * RTT) {
        e.lost = true;
        if (cc.state === 'startup' || cc.state === 'drain') e.timesOut = t + STARTUP_DROP_NOTICED_MS;
        continue;
      }
      queueFreeAt = Math.max(queueFreeAt, t) + SEG / RATE;
      e.lost = rng.next() < LOSS;
      e.arrives = queueFreeAt + ONE_WAY_MS;
    }
  }
  return highest;
}

describe('CongestionController: the loss baseline', () => {
  test("Startup's drops, noticed in ProbeBW, are not the path's random loss", () => {
    // a queue of a quarter of a BDP: Startup overfills it, and its drops time out rounds into ProbeBW;
    // counted there, the first epoch the baseline learned from read them as random loss (15.5-19.1 % in
    // these seeds, where the loss is 1 %: 1.0-1.6 % without them), and pacing paid for them
    const high: string[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const baseline = highestBaseline(seed, 0.25, 3000);
      if (baseline > 0.025) high.push(`seed ${seed}: ${(100 * baseline).toFixed(1)} %`);
    }
    assert.deepEqual(high, [], 'the highest loss baseline (1 % random loss)');
  });
});
