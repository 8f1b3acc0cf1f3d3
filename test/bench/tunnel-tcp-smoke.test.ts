import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { canCreateNetns } from '../support/netns.js';
import { spawnOwnedSync } from '../support/owned.js';

const BENCH_MAIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bench',
  'tunnel',
  'main.js',
);

const skip = !canCreateNetns() && 'needs root for network namespaces and raw sockets';

test('a short run of our -tcp pair, in namespaces, reports intact transfers and leaves no namespace', {
  skip,
  timeout: 60_000,
}, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tunnel-tcp-'));
  try {
    const out = path.join(dir, 'report.md');
    const args = ['--bytes', '2M', '--rounds', '1', '--settings', 'fast3-raw', '--pairs', 'ts-ts-tcp'];
    const run = spawnOwnedSync(process.execPath, [BENCH_MAIN, ...args, '--probes', '5', '--out', out], {
      encoding: 'utf8',
      timeout: 55_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const report = readFileSync(out, 'utf8');
    assert.match(report, /\| ts-ts-tcp \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \/ \d+ \|/);
    const rawRows = report.split('\n').filter((l) => l.startsWith('| fast3-raw | ts-ts-tcp | 1 |'));
    assert.equal(rawRows.length, 2, 'one raw row per direction');
    for (const r of rawRows) assert.ok(r.endsWith('| yes |'), r);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.doesNotMatch(left, new RegExp(`kcpt-${run.pid}-`), 'a namespace outlived the benchmark');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
