/**
 * -mode auto's Startup on the link benchmark's 25 ms links (100 Mbit/s, a one-BDP queue, FEC 10/3 as a
 * session sends it, the round trip measured before the download), in the simulated pair: Startup's cap
 * (2 BDPs and its allowances, parity on top) fills that queue exactly, so its hold must come before the
 * round that reaches the cap. It came a round late there: its rise allowed one peer ACK period (6-9 ms
 * of a 52 ms round trip) on top of a baseline mean that already holds that ACK delay, and every seed
 * dropped 80 packets at the queue on 25 ms, 0 % (docs/link-startup-drops-2026-12-05.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { profile, simulatedLink } from '../../../bench/link/sim-link.js';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from '../kcp-pair-sim.js';

/** Startup ends ~330 ms into the download on these links: 4 MiB last ~400 ms. */
const BYTES = 4 * 1024 * 1024;

/** The profile's link with FEC groups not interleaved, and the loss after the queue (this test's model). */
const linkOf = (id: string): PairOptions['link'] =>
  simulatedLink(profile(id), { interleave: false, forwarder: false });

function queueDrops(id: string, seed: number): number {
  const data = new Rng(seed).bytes(BYTES);
  const options: PairOptions = { ...AUTO_PAIR, link: linkOf(id), seed, primeBytes: 100 };
  const { a, b } = runPair(options, data, Buffer.alloc(0));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.equal(b.received, BYTES);
  return a.queueDrops;
}

describe('Startup on a 25 ms, 100 Mbit/s path with a one-BDP queue', () => {
  test('0 % loss: the hold comes before the queue overflows', () => {
    assert.equal(queueDrops('25ms-0', 1), 0);
  });

  test('2 % loss: no queue drops either (seeds whose baseline no late sample spoiled)', () => {
    for (const seed of [2, 3]) assert.equal(queueDrops('25ms-2', seed), 0, `seed ${seed}`);
  });
});
