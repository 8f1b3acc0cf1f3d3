/**
 * -ratelimit with -mode auto, in simulated time: the limit caps the pacer, which follows the controller,
 * and every datagram is charged to it (PairOptions.rateLimit, as the session does). While the limit holds
 * the pacer below the controller's rate the rate samples read as sender-limited (SENDER_LIMITED_SHARE:
 * they may raise the bandwidth estimate, never lower it), so the estimate must still come down when the
 * path falls below the limit: there the in-flight cap, not the pacer, holds the data, and those samples
 * count (docs/link-ratelimit-2026-12-04.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** Mbit/s in bytes per ms. */
const MBIT = 125;

function download(options: PairOptions, bytes: number) {
  const data = new Rng(options.seed).bytes(bytes);
  const result = runPair(options, data, Buffer.alloc(0));
  assert.equal(result.b.mismatch, -1, 'byte-exact');
  assert.equal(result.b.received, bytes);
  return result;
}

test('a limit below the path: the limit is the rate, with no queue and no loss of its own', () => {
  // 2 MB/s on a clean 25 ms, 100 Mbit/s path with a one-BDP queue
  const limit = 2_000_000;
  const link = { loss: 0, dup: 0, delay: 25, jitter: 0, rate: 100 * MBIT, queueBytes: 100 * MBIT * 50 };
  const options: PairOptions = { ...AUTO_PAIR, link, seed: 41, primeBytes: 100, measureFromMs: 2000 };
  const { simMs, a, b } = download({ ...options, rateLimit: limit }, 12 * MB);
  const wire = a.bytesOut / (simMs / 1000);
  assert.ok(wire <= 1.02 * limit, `${wire.toFixed(0)} B/s on the wire`);
  const steady = (b.received - b.receivedAtMeasureStart) / ((simMs - 2000) / 1000);
  assert.ok(steady >= (0.9 * limit * b.received) / a.bytesOut, `steady goodput ${steady.toFixed(0)} B/s`);
  assert.equal(a.queueDrops, 0);
  assert.equal(a.kcp.retransmittedSegs, 0);
  const cc = a.kcp.congestion!;
  assert.equal(cc.state, 'probe-bw');
  assert.ok(cc.bandwidth <= 1.1 * limit, `estimate ${cc.bandwidth.toFixed(0)} B/s`);
});

test('a limit above the path: the controller keeps the bottleneck queue as it does without one', () => {
  // the cheap VPS path: 50 ms, 1 %, a 10 Mbit/s bottleneck; a limit of 3 MB/s (24 Mbit/s)
  const link = { loss: 0.01, dup: 0, delay: 50, jitter: 0, rate: 10 * MBIT, queueBytes: 10 * MBIT * 100 };
  // One seed's deepest queue is a draw (limited / free 0.91-1.19 over these seeds, 1.05 on the whole;
  // docs/link-sim-flush-2026-12-04.md), so the queue is compared over all of them.
  let limitedQueue = 0;
  let freeQueue = 0;
  for (const seed of [42, 1, 2, 3, 4, 5, 6, 7]) {
    const options: PairOptions = { ...AUTO_PAIR, link, seed, primeBytes: 100, measureFromMs: 3000 };
    const free = download(options, 8 * MB);
    const limited = download({ ...options, rateLimit: 3_000_000 }, 8 * MB);
    assert.ok(
      limited.a.queueDrops <= free.a.queueDrops,
      `seed ${seed}: drops ${limited.a.queueDrops} / ${free.a.queueDrops}`,
    );
    assert.ok(limited.simMs <= 1.05 * free.simMs, `seed ${seed}: ${limited.simMs} ms against ${free.simMs}`);
    limitedQueue += limited.a.lateMaxQueueBytes;
    freeQueue += free.a.lateMaxQueueBytes;
  }
  assert.ok(
    limitedQueue <= 1.1 * freeQueue,
    `deepest queues ${limitedQueue.toFixed(0)} / ${freeQueue.toFixed(0)} bytes`,
  );
});

test('a path that falls below the limit: the estimate follows it down within a few seconds', () => {
  // 4 MB/s on a clean 100 Mbit/s path whose share falls to 10 Mbit/s at 4 s, with a queue of 4 BDPs at
  // that rate: no loss bound (onCongestionLoss) brings the estimate down, only the rate samples do. Paced
  // at the limit until then, the samples read as sender-limited; after the fall the in-flight cap holds the
  // sender, and its samples count. Counted as sender-limited there too (the allowance accruing while the
  // cap holds), the estimate stayed at 29 Mbit/s and the queue at 157 ms.
  const low = 10 * MBIT;
  const link = {
    loss: 0,
    dup: 0,
    delay: 25,
    jitter: 0,
    rate: 100 * MBIT,
    queueBytes: low * 50 * 4,
    changes: [{ fromMs: 4000, rate: low }],
  };
  let estimateAt7s = Number.NaN;
  let queueSum = 0;
  let queueSamples = 0;
  const options: PairOptions = {
    ...AUTO_PAIR,
    link,
    seed: 43,
    primeBytes: 100,
    rateLimit: 4_000_000,
    observe: (t, a, b) => {
      if (t >= 7000 && Number.isNaN(estimateAt7s)) estimateAt7s = a.kcp.congestion!.bandwidth / 1000;
      if (t >= 7000 && !b.receiveDone) {
        queueSum += a.queueMs(t);
        queueSamples++;
      }
    },
  };
  download(options, 24 * MB);
  assert.ok(estimateAt7s <= 1.2 * low, `estimate ${(estimateAt7s / MBIT).toFixed(1)} Mbit/s at 7 s`);
  const queueMs = queueSum / queueSamples;
  assert.ok(queueMs <= 15, `mean queue ${queueMs.toFixed(1)} ms from 7 s on`);
});
