import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOptions } from '../../bench/tunnel/options.js';
import { growth } from '../../bench/tunnel/soak-growth.js';

const MIB = 1024 ** 2;

test('growth: least-squares slope per hour, and the means of the first and last windows', () => {
  // 60 MiB, rising 1 MiB per minute for 30 minutes, one sample a minute.
  const points = Array.from({ length: 31 }, (_, m) => ({ atSec: m * 60, value: 60 + m }));
  const g = growth(points, 300);
  assert.ok(Math.abs(g.slopePerHour - 60) < 1e-9);
  assert.equal(g.firstMean, 62.5); // minutes 0..5
  assert.equal(g.lastMean, 87.5); // minutes 25..30
  const flat = growth(
    points.map((p) => ({ ...p, value: 70 })),
    300,
  );
  assert.deepEqual(flat, { slopePerHour: 0, firstMean: 70, lastMean: 70 });
  assert.ok(Number.isNaN(growth(points.slice(0, 1), 300).slopePerHour));
});

test('--soak: half an hour at 2 MiB/s, sampled every minute, transfers of 20 MiB with room to finish', () => {
  const o = parseOptions(['--soak']);
  assert.deepEqual(
    [o.soak, o.durationSec, o.rate, o.sampleEverySec, o.bytes],
    [true, 1800, 2 * MIB, 60, 20 * MIB],
  );
  assert.deepEqual([o.settings, o.pairs], [['defaults'], ['ts-ts']]);
  const slow = parseOptions(['--soak', '--rate', '256K']);
  // A 20 MiB transfer at 256 KiB/s takes 80 s; it may take twice that before it counts as hung.
  assert.equal(slow.timeoutMs, 160_000);
  assert.throws(() => parseOptions(['--soak', '--memory']), /one mode at a time/);
  assert.throws(() => parseOptions(['--soak', '--rate', 'fast']), /--rate: not a size/);
});
