import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench');
// the benchmarks whose options go through bench/cli-usage.ts
const MAINS = ['fuzz/main.js', 'fuzz/soak.js', 'link-sim.js'];

for (const main of MAINS) {
  test(`${main}: --help prints the usage on stdout, exit status 0`, async () => {
    const { stdout, stderr } = await run(process.execPath, [path.join(BENCH, main), '--help'], {
      timeout: 20_000,
    });
    assert.match(stdout, /^usage: /);
    assert.equal(stderr, '');
  });

  test(`${main}: a mistyped option gets one line and the usage, no stack trace, exit status 1`, async () => {
    const failed = await run(process.execPath, [path.join(BENCH, main), '--no-such-option'], {
      timeout: 20_000,
    }).then(
      () => assert.fail('a mistyped option was accepted'),
      (err: { code?: number; stderr?: string }) => err,
    );
    assert.equal(failed.code, 1);
    const lines = (failed.stderr ?? '').split('\n');
    assert.match(lines[0] ?? '', /--no-such-option/);
    assert.match(lines[1] ?? '', /^usage: /);
    assert.doesNotMatch(failed.stderr ?? '', /^\s+at /m);
  });
}
