import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { lastCpu, placementSampled, SameCpuShare } from '../../bench/tunnel/cpu-placement.js';
import { PAIRS } from '../../bench/tunnel/settings.js';

/** A /proc/<pid>/stat line as Linux 6.x writes it, its command name holding a space and a ')'. */
const STAT =
  '4242 (node a) b) S 4200 4242 4200 34816 4242 4194304 7060 0 0 0 1187 245 0 0 20 0 11 0 5439311 ' +
  '1237405696 22866 18446744073709551615 1 1 0 0 0 0 0 16781312 134234626 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0';

test('lastCpu reads field 39 after the command name, whatever it holds', () => {
  assert.equal(lastCpu(4242, STAT), 1);
  assert.equal(lastCpu(4242, STAT.replace(' 17 1 0 0 ', ' 17 3 0 0 ')), 3);
});

test('lastCpu is -1 for a process that cannot be read', () => {
  assert.equal(lastCpu(4242, ''), -1);
  assert.equal(lastCpu(2 ** 30), -1);
});

test('lastCpu reads this process’s CPU', { skip: !existsSync('/proc/self/stat') }, () => {
  const cpu = lastCpu(process.pid);
  assert.ok(cpu >= 0 && cpu < availableParallelism() * 64, `cpu ${cpu}`);
});

test('SameCpuShare counts the samples with both processes on one CPU', {
  skip: !existsSync('/proc/self/stat'),
}, () => {
  const same = new SameCpuShare([process.pid, process.pid]);
  for (let i = 0; i < 4; i++) same.sample();
  assert.equal(same.stop(), 1);
  // samples of a process that is gone are left out
  const gone = new SameCpuShare([process.pid, 2 ** 30]);
  gone.sample();
  assert.ok(Number.isNaN(gone.stop()));
});

test('placement is sampled only for two ends of ours, one event loop each', () => {
  const sampled = PAIRS.filter(placementSampled).map((p) => p.name);
  assert.deepEqual(sampled, ['ts-ts', 'ts-ts-metrics', 'ts-ts-tcp']);
});
