/**
 * -mode auto's pair with a sender whose event loop runs late, as a session on a loaded machine does (woken
 * every ~11 ms while its bucket holds 4 ms or 10 datagrams: docs/link-jitter-cruise-2026-12-04.md), over a
 * clean 25 ms, 100 Mbit/s link with a one-BDP queue, in simulated time. The sender then sends about half its
 * pacing rate; rate samples that follow it must not lower the bandwidth estimate (the controller's
 * SENDER_LIMITED_SHARE, send-interval.ts), or the estimate sinks to what the late sender gets out and the
 * pacing with it (seed 31: 0.13 of the link rate without the rule).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 100 Mbit/s in bytes per ms. */
const RATE = 12_500;

const base: PairOptions = {
  ...AUTO_PAIR,
  link: { loss: 0, dup: 0, delay: 25, jitter: 0, rate: RATE, queueBytes: RATE * 50 },
  seed: 31,
  senderStall: { chance: 0.3, ms: 11 },
};

test('auto with a sender woken late: the bandwidth estimate stays near the link rate', () => {
  for (const seed of [31, 7]) {
    const bytes = 16 * MB;
    const data = new Rng(seed).bytes(bytes);
    const { a, b } = runPair({ ...base, seed }, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, bytes);
    const bw = a.kcp.congestion!.bandwidth / 1000;
    assert.ok(bw >= 0.8 * RATE, `seed ${seed}: estimate ${(bw / RATE).toFixed(2)} of the link rate`);
  }
});
