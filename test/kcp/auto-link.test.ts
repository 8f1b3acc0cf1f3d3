/**
 * -mode auto's KCP pair over a simulated bottleneck (rate limit, tail-drop queue, random loss), in
 * simulated time: the controller must fill the link (>= 90 % of its rate less the loss, after Startup)
 * without filling the queue, where fast3's fixed window overflows it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 10 Mbit/s in bytes per ms. */
const RATE = 1250;

function link(loss: number, queueBytes: number): PairOptions['link'] {
  return { loss, dup: 0, delay: 50, jitter: 0, rate: RATE, queueBytes };
}

const base: PairOptions = { ...AUTO_PAIR, link: link(0.01, 250_000), seed: 21, measureFromMs: 5000 };

function steadyRate(options: PairOptions, bytes: number) {
  const data = new Rng(options.seed).bytes(bytes);
  const { simMs, a, b } = runPair(options, data, Buffer.alloc(0));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.equal(b.received, bytes);
  const from = options.measureFromMs ?? 0;
  const rate = (b.received - b.receivedAtMeasureStart) / (simMs - from);
  return { rate, a, simMs };
}

test('auto fills a 10 Mbit/s, 100 ms RTT link with 1 % loss to >= 90 % with a bounded queue', () => {
  const { rate, a } = steadyRate(base, 16 * MB);
  // the wire carries KCP headers and the pair's reserved bytes too: goodput is of the payload
  const payloadShare = (1350 - 28 - 24) / 1350;
  assert.ok(rate >= 0.9 * RATE * 0.99 * payloadShare, `steady goodput ${rate.toFixed(0)} B/ms of ${RATE}`);
  const bdp = RATE * 100;
  assert.ok(
    a.lateMaxQueueBytes <= 1.6 * bdp,
    `queue ${a.lateMaxQueueBytes.toFixed(0)} B for a BDP of ${bdp}`,
  );
});

/**
 * The late queue's peak differs by seed by a factor of 2-3 (link-sim's 5 % deep-queue pair, seeds 22 and
 * 29-44: 83-235 KB on 1835612, 87-221 KB with session 30's first-flight, cap and parity changes, one or two
 * seeds of 17 above 1.6 BDPs in each); fast3's fixed window holds more than 3 BDPs. So each seed must stay
 * below 2.5 BDPs, and their median below 1.6.
 */
const DEEP_QUEUE_SEEDS = [22, 23, 24, 25];

test('auto at 5 % random loss with a deep queue: no collapse, the queue stays bounded', () => {
  const bdp = RATE * 100;
  const payloadShare = (1350 - 28 - 24) / 1350;
  const queues: number[] = [];
  for (const seed of DEEP_QUEUE_SEEDS) {
    const options: PairOptions = { ...base, link: link(0.05, 1_000_000), seed };
    const { rate, a } = steadyRate(options, 16 * MB);
    assert.ok(
      rate >= 0.9 * RATE * 0.95 * payloadShare,
      `seed ${seed}: steady goodput ${rate.toFixed(0)} B/ms of ${RATE}`,
    );
    assert.ok(a.lateMaxQueueBytes <= 2.5 * bdp, `seed ${seed}: queue ${a.lateMaxQueueBytes.toFixed(0)} B`);
    queues.push(a.lateMaxQueueBytes);
  }
  queues.sort((x, y) => x - y);
  const median = (queues[1] + queues[2]) / 2;
  assert.ok(
    median <= 1.6 * bdp,
    `median queue ${median.toFixed(0)} B (${queues.map((q) => q.toFixed(0)).join(', ')})`,
  );
});

test('fast3 with a window above the BDP fills the same deep queue (what auto avoids)', () => {
  const options: PairOptions = { ...base, auto: false, link: link(0.01, 1_000_000), seed: 23 };
  const { a } = steadyRate(options, 8 * MB);
  assert.ok(a.lateMaxQueueBytes > 3 * RATE * 100, `queue ${a.lateMaxQueueBytes.toFixed(0)} B`);
});

test('auto toward a kcp-go -mode fast receiver (ACKs every 30 ms): Startup drops less than a BDP', () => {
  // 50 Mbit/s, 100 ms RTT, a one-BDP queue; the receiver is kcptun 20210922's -mode fast with a window
  // that does not bound the sender. Its one RTT sample per 30 ms flush kept Startup's queue signals
  // waiting for 16 samples: 909 queue drops (2 BDPs of packets) before the bandwidth plateau ended it
  const rate = 6250;
  const bdp = rate * 100;
  const options: PairOptions = {
    ...base,
    link: { loss: 0, dup: 0, delay: 50, jitter: 0, rate, queueBytes: bdp },
    peerB: { mode: [0, 30, 2, 1], auto: false, sndWnd: 128, rcvWnd: 4096 },
  };
  const { a } = steadyRate(options, 16 * MB);
  assert.ok(
    a.queueDrops < bdp / base.mtu,
    `${a.queueDrops} queue drops, a BDP is ${(bdp / base.mtu).toFixed(0)} packets`,
  );
});

test('auto with its round trip measured before the bulk, 3 parity per 10 data: Startup fills no one-BDP queue', () => {
  // 50 Mbit/s, 200 ms RTT, 5 % loss, a one-BDP queue (the link benchmark's 100 ms/5 %, 50 Mbit/s) and a
  // tunnel session whose first smux frame gave its sender an RTT sample: Startup starts a round trip
  // earlier, and without its hold a round landing just above the BDP was followed by one at the cap,
  // 2 BDPs and its allowances with parity on top (53, 59 and 76 queue drops with these seeds)
  const rate = 6250;
  const bdp = rate * 200;
  for (const seed of [3, 15, 16]) {
    const options: PairOptions = {
      ...base,
      link: { loss: 0.05, dup: 0, delay: 100, jitter: 0, rate, queueBytes: bdp, parityShare: 3 / 13 },
      primeBytes: 64,
      seed,
    };
    const { a } = steadyRate(options, 16 * MB);
    assert.equal(a.queueDrops, 0, `seed ${seed}`);
  }
});
