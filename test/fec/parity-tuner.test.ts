import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParityTuner } from '../../src/fec/index.js';

test('ParityTuner: full parity first, down on a clean link, up at 0.5 % residual loss, steady in between', () => {
  const tuner = new ParityTuner(3);
  // one period per 100 ms with a 40 ms round trip: the segment count ends each period
  let t = 0;
  const update = (sent: number, lost: number) => {
    t += 100;
    return tuner.update(sent, lost, t, 40);
  };
  assert.equal(update(1000, 0), 3); // the first 1024 segments keep full parity
  assert.equal(update(1024, 0), 2); // a clean period: one fewer
  assert.equal(update(2048, 0), 1);
  // 0.5 % of the segments retransmitted, two periods in a row: a loss FEC should cover, one more
  assert.equal(update(3072, 5), 1);
  assert.equal(update(4096, 10), 2);
  // 0.3 %: neither quiet nor lossy
  assert.equal(update(5120, 13), 2);
  assert.equal(update(6144, 16), 2);
  // 0.1 %: quiet
  assert.equal(update(7168, 17), 1);
});

test('ParityTuner: a period spans two round trips, so retransmissions a round trip late still count', () => {
  const tuner = new ParityTuner(3);
  // a doubling flight (Startup) at a 200 ms round trip: 1024 segments go out in 100 ms
  assert.equal(tuner.update(1024, 0, 0, 200), 3);
  assert.equal(tuner.update(2048, 0, 100, 200), 3); // one round trip: too early to judge
  assert.equal(tuner.update(4096, 0, 200, 200), 3);
  // 400 ms: the period's retransmissions (1 % of 4096) arrived a round trip after the losses
  assert.equal(tuner.update(4096, 41, 400, 200), 3);
  assert.equal(tuner.update(8192, 41, 800, 200), 2); // a clean period of two round trips: one fewer
});
