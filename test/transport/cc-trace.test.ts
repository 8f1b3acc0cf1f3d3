import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODULE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/transport/cc-trace.js');

/** Opens two traces in a fresh process (the trace file is per process) with KCPTUN_CC_TRACE=`file`. */
function openTwice(file: string): { status: number | null; stdout: string; stderr: string } {
  const script =
    `const { CcTrace } = await import(${JSON.stringify(MODULE)});` +
    `console.log(CcTrace.open('a', 0) === null, CcTrace.open('b', 0) === null);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, KCPTUN_CC_TRACE: file },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('KCPTUN_CC_TRACE', () => {
  it('a file that cannot be written turns the trace off with one line, not an error', () => {
    const r = openTwice('/nonexistent-kcptun-dir/trace');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'true true');
    const lines = r.stderr.split('\n').filter((l) => l.includes('KCPTUN_CC_TRACE'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /cannot write \/nonexistent-kcptun-dir\/trace\.\d+/);
  });

  it('a writable file gets the header', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-trace-'));
    try {
      const r = openTwice(path.join(dir, 'trace'));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'false false');
      const [name] = readdirSync(dir);
      assert.match(readFileSync(path.join(dir, name), 'utf8'), /^t_ms\tremote\tstate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
