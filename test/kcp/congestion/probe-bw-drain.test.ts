/**
 * ProbeBW's drain phase (probe-bw.ts DRAIN_MAX_RTTS), scripted: the phase entered, its round's sample, and
 * the in-flight data at each check. On a jittery path (50 ± 30 ms one way, never reordered) the in-flight
 * data at the drain's 0.75 stays above the pipe with no queue (the loaded round trip stands above the min
 * RTT), so the limit is what ends the drain there.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROBE_CRUISE, PROBE_DOWN, ProbeBw } from '../../../src/kcp/congestion/probe-bw.js';

/** The link-sim jittery path's min RTT, ms; its loaded round trip is ~1.5x that (docs/link-jitter-2026-12-07-jitter31.md). */
const MIN_RTT = 80;
/** 100 Mbit/s, bytes per ms. */
const BW = 12_500;
const BDP = BW * MIN_RTT;
/** The pipe the controller passes: the min RTT plus the least round spread (15 ms). */
const PIPE = BW * (MIN_RTT + 15);
/** In flight at 0.75 on the jittery path, no queue: 0.75 of a 150 ms loaded round trip's data. */
const JITTERY_INFLIGHT = 0.75 * BW * 150;
/** `delivered` as the drain begins. */
const DRAIN_FROM = 5_000_000;

/** A ProbeBw in its drain phase, entered at ms 0. */
function draining(): ProbeBw {
  const probe = new ProbeBw();
  probe.enter(PROBE_DOWN, 0, DRAIN_FROM);
  return probe;
}

describe('ProbeBW: the drain phase', () => {
  test('where the in-flight data never fits the pipe, it ends 2 min RTTs in once its round is done', () => {
    const probe = draining();
    const next = (clock: number) => probe.nextPhase(clock, JITTERY_INFLIGHT, BDP, MIN_RTT, BW, PIPE);
    assert.equal(next(100), -1);
    // a segment sent after the drain began is acknowledged (~1.5 min RTTs in on this path)
    probe.onSample(DRAIN_FROM);
    assert.equal(next(2 * MIN_RTT), -1);
    // 4 min RTTs (main until 2026-12-07) paced 0.75 for ~2 min RTTs more, with no queue left to drain
    assert.equal(next(2 * MIN_RTT + 1), PROBE_CRUISE);
  });

  test('not before its round is done: the probe lasted a round, and its samples come in the drain', () => {
    const probe = draining();
    probe.onSample(DRAIN_FROM - 1);
    assert.equal(probe.nextPhase(5 * MIN_RTT, JITTERY_INFLIGHT, BDP, MIN_RTT, BW, PIPE), -1);
  });

  test('ends at once when the in-flight data fits the pipe, round or not', () => {
    const probe = draining();
    assert.equal(probe.nextPhase(10, PIPE, BDP, MIN_RTT, BW, PIPE), PROBE_CRUISE);
  });
});
