/**
 * Startup's sign of jitter (JitterSign): the first ACK of what was sent from idle, far above the min RTT,
 * carries no queue of this sender's, so the path's delay varies; within the peer's ACK delay it is no
 * sign. Pure: samples, the min RTT and the ACK cadence passed in (ms).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JitterSign } from '../../../src/kcp/congestion/jitter-sign.js';

/** The scripted path's min RTT: HyStart++'s threshold is 12.5 ms, the sign's least rise 12.5 + 10 ms. */
const MIN_RTT = 100;

function seen(samples: number[], cadence: number, minRtt = MIN_RTT): boolean {
  const sign = new JitterSign();
  for (const sample of samples) sign.onIdleSample(sample, minRtt, cadence);
  return sign.seen;
}

describe('JitterSign: the first ACK from idle', () => {
  test('60 ms above the min RTT (50 ± 30 ms one way: a request answered after a lucky prime) shows jitter', () => {
    assert.equal(seen([160], 0), true);
  });

  test("within HyStart++'s threshold and the peer's ACK delay (a flush interval of 10 ms), none", () => {
    assert.equal(seen([MIN_RTT + 22, MIN_RTT + 10, MIN_RTT], 0), false);
    assert.equal(seen([MIN_RTT + 23], 0), true);
  });

  test('a peer whose ACKs come every 30 ms (a Go client at -mode fast) is allowed 3 periods of ACK delay', () => {
    assert.equal(seen([MIN_RTT + 60], 30), false);
    assert.equal(seen([MIN_RTT + 120], 30), true);
  });

  test('a short path is judged by its own threshold (50 ms: 6.25) and its ACK cadence (5 ms: 3 periods)', () => {
    assert.equal(seen([50 + 17], 5, 50), false);
    assert.equal(seen([50 + 40], 5, 50), true);
  });
});
