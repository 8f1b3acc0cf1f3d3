/**
 * Startup's early sign of jitter (StartupSignals.jitterSeen): before its first baseline, a loaded RTT sample
 * well below an earlier one says the path's delay varies per packet; a queue only raises the samples, a
 * steady path's ACK period moves them by a few ms. Pure: samples and the min RTT passed in (ms).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StartupSignals } from '../../../src/kcp/congestion/startup-signals.js';

/** Min RTT of the scripted path: HyStart++'s threshold is 12.5 ms, the early jitter's fall 25 ms. */
const MIN_RTT = 100;

function seen(samples: number[]): boolean {
  const signals = new StartupSignals();
  for (const sample of samples) signals.addLoadedRtt(sample, MIN_RTT);
  return signals.jitterSeen;
}

describe('StartupSignals: jitter before the baseline', () => {
  test('a sample more than 25 ms below an earlier one shows jitter', () => {
    // 50 ± 30 ms one way: one round's samples 110-160 ms (link-sim's trace)
    assert.equal(seen([128, 152, 139, 126]), true);
  });

  test('samples that only rise (a queue fills) or wander by an ACK period do not', () => {
    assert.equal(seen([101, 104, 102, 110, 121, 135, 150, 172]), false);
    assert.equal(seen([103, 111, 102, 108, 100, 112, 104]), false);
  });

  test('once a baseline is taken the early sign no longer changes', () => {
    const signals = new StartupSignals();
    for (let i = 0; i < 16; i++) signals.addLoadedRtt(104 + (i % 3), MIN_RTT);
    signals.endStartupRound(105, MIN_RTT, 5);
    signals.addLoadedRtt(160, MIN_RTT);
    signals.addLoadedRtt(120, MIN_RTT);
    assert.equal(signals.jitterSeen, false);
  });
});
