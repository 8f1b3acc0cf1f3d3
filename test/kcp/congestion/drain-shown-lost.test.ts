/**
 * Drain after a first flight that overflowed the bottleneck's queue (the link benchmark's 150 ms, 10 Mbit/s
 * VPS path, one BDP of queue, in the simulated pair with the forwarder's model and the client's default
 * window): Drain lasts until what is in flight fits the path, and a segment the peer's ACKs have shown
 * lost is not in flight. Counted until its retransmission was acknowledged, the first flight's ~230 lost
 * segments held Drain for a round trip after the queue had emptied, its repairs paced at Drain's third of
 * the rate: the bottleneck idled ~100-200 ms per download (docs/link-first-round-2026-12-06.md). Since the
 * flight's unused room waits for its verdict (FirstFlight.heldCap) Drain starts on ~60 ms of queue instead
 * of a full one and lasts ~170 ms: the bottleneck idles 43-45 ms of it with the rule, 108-116 without
 * (seeds 1-2, docs/link-queue-drops-2026-12-06-drops27.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profile, simulatedLink } from '../../../bench/link/sim-link.js';
import { CLIENT_OPTIONS, defaultConfig } from '../../../src/cli/options.js';
import { AUTO_PAIR, mixSeed, type PairOptions, Rng, runPair } from '../kcp-pair-sim.js';

const BYTES = 2 * 1024 * 1024;

/** The VPS path as link-sim runs it (the forwarder's model, FEC interleaved). */
const vpsLink = (): PairOptions['link'] => simulatedLink(profile('vps-150ms-1-10M'));

test("Drain leaves segments the peer's ACKs showed lost out of what must fit the path", () => {
  for (const seed of [1, 2]) {
    let drainMs = 0;
    let idleMs = 0;
    let last = -1;
    let lastDrain = false;
    let lastIdle = false;
    const observe: PairOptions['observe'] = (t, a) => {
      if (last >= 0 && lastDrain) {
        drainMs += t - last;
        if (lastIdle) idleMs += t - last;
      }
      last = t;
      lastDrain = a.kcp.congestion?.state === 'drain';
      lastIdle = a.queueMs(t) === 0;
    };
    const data = new Rng(seed).bytes(BYTES);
    const options: PairOptions = {
      ...AUTO_PAIR,
      link: vpsLink(),
      seed: mixSeed(seed),
      primeBytes: 100,
      observe,
      peerB: { rcvWnd: defaultConfig(CLIENT_OPTIONS, {}).rcvWnd },
    };
    const { a, b } = runPair(options, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, BYTES);
    assert.ok(
      a.queueDrops > 200,
      `seed ${seed}: the first flight overflowed the queue (${a.queueDrops} drops)`,
    );
    assert.ok(drainMs > 0, `seed ${seed}: Drain ran`);
    assert.ok(idleMs < 60, `seed ${seed}: the bottleneck idled ${idleMs} of Drain's ${drainMs} ms`);
  }
});
