import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhaseAccount, phasesLine } from '../../bench/link-phases.js';
import { AUTO_PAIR, type Endpoint, Rng, runPair } from '../kcp/kcp-pair-sim.js';

/** The link benchmark's 25 ms, 2 % (100 Mbit/s, a one-BDP queue) with -mode auto's FEC 10/3. */
const RATE = (100e6 / 8 / 1000) | 0;
const LINK = {
  loss: 0.02,
  dup: 0,
  delay: 25,
  jitter: 0,
  inOrder: true,
  rate: RATE,
  queueBytes: RATE * 50,
  fec: { dataShards: 10, parityShards: 3 },
};
const PRIME = 100;
/**
 * A seed per FEC layout whose download checks everything below: its tail sends a repair, and nothing of
 * the last flight is still leaving when the last byte arrives (copies the sender sends before it hears
 * of that arrival fall outside the account: up to ~25 KB in other seeds). Seed 1 served both until the
 * Drain path-rate cap of 2026-12-06 (docs/link-drain-2026-12-06.md) moved the interleaved one's losses,
 * and seed 8 until the last flight was held to its last round trip (docs/link-long-path-2026-12-06-
 * longpath25.md): 37.8 KB of its parity still left after the last byte arrived; seeds 10-12 serve with
 * and without that rule. Seed 5 serves both layouts with and without ProbeBW's bound on the in-flight
 * cap's RTT spread (docs/link-jitter-2026-12-06-jitter30.md), which left seed 1's tail (not interleaved)
 * and seed 10's (interleaved) without a repair.
 */
const SEED = { notInterleaved: 5, interleaved: 5 };

for (const interleave of [false, true]) {
  test(`link-sim phases (FEC groups ${interleave ? '' : 'not '}interleaved): the phases tile the download, and account for every byte sent and every transmission`, () => {
    runPhases(interleave);
  });
}

function runPhases(interleave: boolean): void {
  const bytes = 4 * 1024 * 1024;
  const account = new PhaseAccount(PRIME, bytes);
  let outAtStart = -1;
  let transmissionsAtStart = -1;
  const observe = (t: number, a: Endpoint, b: Endpoint) => {
    if (outAtStart < 0 && a.writeLimit > PRIME) {
      outAtStart = a.bytesOut;
      transmissionsAtStart = a.kcp.transmissions;
    }
    account.observe(t, a, b);
  };
  const seed = interleave ? SEED.interleaved : SEED.notInterleaved;
  const data = new Rng(seed).bytes(bytes);
  const link = { ...LINK, fec: { ...LINK.fec, interleave } };
  const r = runPair({ ...AUTO_PAIR, link, seed, primeBytes: PRIME, observe }, data, Buffer.alloc(0));
  account.finish();
  assert.equal(r.b.mismatch, -1);
  const [startup, probeBw, tail] = account.phases;
  // from the request's first step to the step that delivered the last byte
  const ms = startup.ms + probeBw.ms + tail.ms;
  assert.equal(ms, r.coldDoneMs - r.bulkFromMs);
  assert.ok(startup.ms > 0 && probeBw.ms > 0 && tail.ms > 0);
  const sent = account.phases.reduce((s, p) => s + p.kcpBytes + p.parityBytes, 0);
  const parity = account.phases.reduce((s, p) => s + p.parityBytes, 0);
  assert.ok(parity > 0);
  // the acknowledgements of the last byte may still go out after it arrived: at most a few datagrams
  assert.ok(r.a.bytesOut - outAtStart - sent < 10 * 1400, `${sent} of ${r.a.bytesOut - outAtStart} bytes`);
  const transmissions = account.phases.reduce((s, p) => s + p.transmissions, 0);
  assert.ok(r.a.kcp.transmissions - transmissionsAtStart - transmissions < 10);
  // the tail begins after the last first transmission: it sends repairs (and copies, not transmissions)
  assert.ok(tail.transmissions > 0);
  assert.equal(tail.transmissions, tail.retransmissions);
  assert.ok(tail.idleMs <= tail.ms && probeBw.idleMs <= probeBw.ms && startup.idleMs <= startup.ms);
  assert.match(phasesLine([account], RATE), /Startup\+Drain \d+ \(idle \d+; [\d.]+ \+ [\d.]+ %; [\d.]+ %\)/);
}
