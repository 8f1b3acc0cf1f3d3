/**
 * The pair simulator's receiver stalls (PairOptions.receiverStalls), on a 25 ms, 2 % link: the receiving endpoint stops flushing
 * now and then while it still takes its input, as a cold kcptun client did on the loaded link benchmark
 * (docs/link-startup-stalls-2026-12-06-startup25.md), and then sends the ACKs it queued all at once.
 * link-sim's --receiver-stalls runs every profile with it; a model that silently did nothing would leave
 * that option reading the quiet simulator's figures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AUTO_PAIR,
  type Endpoint,
  type PairOptions,
  RECEIVER_ACK_STALLS,
  Rng,
  runPair,
} from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 100 Mbit/s in bytes per ms. */
const RATE = 12_500;

const base: PairOptions = {
  ...AUTO_PAIR,
  link: { loss: 0.02, dup: 0, delay: 25, jitter: 0, rate: RATE, queueBytes: RATE * 50 },
  seed: 5,
  primeBytes: 100,
};

/**
 * The longest time (sim ms) from data reaching b to b's next datagram, and the most datagrams b sent in one
 * step after such a wait of 10 ms or more.
 */
function longestSilence(options: PairOptions, data: Buffer): { ms: number; burst: number; b: Endpoint } {
  let lastReceived = 0;
  let lastDatagrams = 0;
  /** When data first reached b since its last datagram; -1: none since. */
  let waitingFrom = -1;
  let longest = 0;
  let burst = 0;
  const observe = (t: number, _a: Endpoint, b: Endpoint) => {
    if (b.datagrams !== lastDatagrams) {
      if (waitingFrom >= 0 && t - waitingFrom >= 10) burst = Math.max(burst, b.datagrams - lastDatagrams);
      lastDatagrams = b.datagrams;
      waitingFrom = -1;
    } else if (b.received !== lastReceived && waitingFrom < 0) {
      waitingFrom = t;
    }
    if (waitingFrom >= 0) longest = Math.max(longest, t - waitingFrom);
    lastReceived = b.received;
  };
  const { b } = runPair({ ...options, observe }, data, Buffer.alloc(100));
  return { ms: longest, burst, b };
}

test('a stalled receiver takes its input without a flush for its stall, then sends its ACKs at once', () => {
  const bytes = 4 * MB;
  const data = new Rng(5).bytes(bytes);
  const quiet = longestSilence(base, data);
  const stalled = longestSilence({ ...base, receiverStalls: RECEIVER_ACK_STALLS }, data);
  for (const run of [quiet, stalled]) {
    assert.equal(run.b.mismatch, -1, 'byte-exact');
    assert.equal(run.b.received, bytes);
  }
  // the quiet receiver acknowledges within its flush interval (or its ACK clock) while data comes in
  // (seed 5: 4 ms at most); the stalled one holds its ACKs for a stall (74 ms)
  const interval = AUTO_PAIR.mode[1];
  assert.ok(quiet.ms <= interval, `quiet: silent for ${quiet.ms} ms`);
  assert.ok(
    stalled.ms >= Math.max(RECEIVER_ACK_STALLS.minMs, 2 * interval),
    `stalled: silent for ${stalled.ms} ms at most`,
  );
  // what a stall queued leaves as several datagrams of ACKs together (an MTU holds ~56): ACKs above una,
  // which the loss's holes keep (una alone covers an in-order run with one ACK); seed 5: 15 at once
  assert.ok(stalled.burst >= 2, `stalled: at most ${stalled.burst} datagrams after a silence`);
});
