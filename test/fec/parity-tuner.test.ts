import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParityTuner } from '../../src/fec/index.js';

test('ParityTuner: full parity first, down on a clean link, up at 0.5 % residual loss, steady in between', () => {
  const tuner = new ParityTuner(3);
  assert.equal(tuner.update(1000, 0), 3); // the first 1024 segments keep full parity
  assert.equal(tuner.update(1024, 0), 2); // a clean period: one fewer
  assert.equal(tuner.update(2048, 0), 1);
  // 0.5 % of the segments retransmitted, two periods in a row: a loss FEC should cover, one more
  assert.equal(tuner.update(3072, 5), 1);
  assert.equal(tuner.update(4096, 10), 2);
  // 0.3 %: neither quiet nor lossy
  assert.equal(tuner.update(5120, 13), 2);
  assert.equal(tuner.update(6144, 16), 2);
  // 0.1 %: quiet
  assert.equal(tuner.update(7168, 17), 1);
});
