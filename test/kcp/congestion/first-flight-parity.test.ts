/**
 * A short path's first flight carries one parity shard per group until its verdict (FirstFlight.blind,
 * senderLimit's 'first-flight', ParityTuner's BLIND_FLIGHT_PARITY): on the link benchmark's 2 Mbit/s
 * cellular path (cell-60ms-2-2M, a 1.9 s buffer) the flight's 128 segments and their ~38 parity shards (3
 * per 10) queued ~875 ms, what a request meets at the download's start; with one per group ~727 (link-sim,
 * 16 seeds). A long path keeps its flight's parity, and so does a flight toward a peer whose FEC shape is
 * not known yet (ParityTuner's full-parity start).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profile, simulatedLink } from '../../../bench/link/sim-link.js';
import { CLIENT_OPTIONS, defaultConfig } from '../../../src/cli/options.js';
import { ParityTuner } from '../../../src/fec/index.js';
import type { Kcp } from '../../../src/kcp/index.js';
import { senderLimit } from '../../../src/transport/auto-kcp.js';
import { AUTO_PAIR, mixSeed, type PairOptions, Rng, runPair } from '../kcp-pair-sim.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

/** Enough for the first flight (~170 KB) and the Drain after its verdict. */
const BYTES = 400 * 1024;
/** The first flight has queued all it will by then (it leaves in ~45 ms; its verdict comes at ~275). */
const FLIGHT_MS = 300;
/** Seeds whose prime and request lost nothing (link-sim's seeds 1-4, mixSeed). */
const SEEDS = [1, 2, 3, 4];

/** The deepest queue (ms) at the cellular path's bottleneck within FLIGHT_MS of the download's start. */
function flightQueueMs(seed: number): number {
  let from = -1;
  let peak = 0;
  const observe: PairOptions['observe'] = (t, a) => {
    if (from < 0) {
      if (a.writeLimit <= 100) return;
      from = t;
    }
    if (t - from <= FLIGHT_MS) peak = Math.max(peak, a.queueMs(t));
  };
  const options: PairOptions = {
    ...AUTO_PAIR,
    link: simulatedLink(profile('cell-60ms-2-2M')),
    seed: mixSeed(seed),
    primeBytes: 100,
    observe,
    peerB: { rcvWnd: defaultConfig(CLIENT_OPTIONS, {}).rcvWnd },
  };
  const { b } = runPair(options, new Rng(seed).bytes(BYTES), Buffer.alloc(100));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.equal(b.received, BYTES);
  return peak;
}

test("a short path's first flight queues less parity at a slow bottleneck", () => {
  // 128 segments of ~1,380 wire bytes are ~705 ms at 2 Mbit/s, less what leaves while the flight does; with
  // one parity per group 703-742 over 16 seeds, with 3 per 10 852-885
  const peaks = SEEDS.map(flightQueueMs);
  for (const [i, peak] of peaks.entries())
    assert.ok(peak < 800, `seed ${SEEDS[i]}: the first flight queued ${peak.toFixed(0)} ms`);
});

test('the first flight is blind on a short path until its verdict, not on a long one', () => {
  const long = afterFirstRoundTrip(300, 1000);
  assert.equal(long.firstFlightBlind, false);
  const cc = afterFirstRoundTrip(100, 1000);
  assert.equal(cc.firstFlightBlind, true);
  // a request's answer (one segment) and its ACK: no bulk flight, no verdict
  const answer = snapshot();
  cc.onSend(answer, 1000, 200);
  cc.onRtt(100, 300);
  cc.onDelivered(answer, 1000, 300);
  cc.onAckEvent(300);
  cc.onAppLimited();
  assert.equal(cc.firstFlightBlind, true);
  // the bulk flight (two paced initial windows' worth) over a fast path: blind until its ACKs have
  // delivered a span (FIRST_FLIGHT_JUDGED_WINDOWS) at the flight's rate, 'carried'
  const flight = Array.from({ length: 256 }, () => snapshot());
  for (const [i, seg] of flight.entries()) cc.onSend(seg, 1000, 1400 + i / 8);
  let carriedAt = -1;
  for (const [i, seg] of flight.entries()) {
    const t = 1500 + Math.floor(i / 8);
    if (carriedAt < 0 && !cc.firstFlightBlind) carriedAt = i;
    cc.onRtt(100, t);
    cc.onDelivered(seg, 1000, t);
    cc.onAckEvent(t);
  }
  assert.ok(carriedAt > 128 && carriedAt < 256, `blind until ${carriedAt} segments were delivered`);
  assert.equal(cc.state, 'startup');
});

/** What senderLimit reads of a Kcp in Startup with data waiting, its first flight blind or not. */
function startupKcp(firstFlightBlind: boolean): Kcp {
  return {
    newDataLimit: 'pacer',
    backlogged: true,
    congestion: { state: 'startup', firstFlightBlind },
  } as unknown as Kcp;
}

test('ParityTuner: one parity per group for a blind first flight, the ramp after it gets the count again', () => {
  assert.equal(senderLimit(startupKcp(true)), 'first-flight');
  assert.equal(senderLimit(startupKcp(false)), 'startup-ramp');
  const tuner = new ParityTuner(3);
  tuner.peerSendsFec();
  tuner.peerShape(true, 0);
  assert.equal(tuner.update(0, 0, 0, 120, 'first-flight'), 1);
  assert.equal(tuner.update(128, 0, 60, 120, 'first-flight'), 1);
  // the verdict came with no queue: Startup's ramp has its parity
  assert.equal(tuner.update(200, 0, 200, 125, 'startup-ramp'), 3);
  // a peer whose shape is not known yet (a fresh session's: two groups of its ACKs take ~200 ms on a
  // 2 Mbit/s path) gets complete groups in the blind flight too, its full-parity start: a group short of
  // parity leaves seqid gaps that a decoder of another shape, not locked on yet, "recovers" from
  const unlike = new ParityTuner(3);
  unlike.peerSendsFec();
  assert.equal(unlike.update(0, 0, 0, 120, 'first-flight'), 3);
  assert.equal(unlike.update(140, 0, 45, 120, 'first-flight'), 3);
  assert.equal(unlike.update(141, 0, 280, 900, 'startup-ramp'), 3);
  assert.equal(unlike.update(1023, 0, 2000, 900, 'path-rate'), 3);
  assert.equal(unlike.update(1024, 0, 2010, 900, 'path-rate'), 0);
});
