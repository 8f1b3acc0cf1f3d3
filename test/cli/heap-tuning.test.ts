import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const MIB = 1024 * 1024;

/**
 * The young generation's size (MiB) in a fresh node that imports `module` and then allocates short-lived
 * objects until V8 would have grown it to its 16 MiB semi-space limit several times over.
 */
function youngGenerationAfterChurn(module: string, nodeFlags: string[] = []): number {
  const script = `
    import(${JSON.stringify(module)}).then(async () => {
      const { getHeapSpaceStatistics } = await import('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: [i, i] }); if (keep.length > 20000) keep = []; }
      const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      process.stdout.write(String(young.space_size));
    });`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout) / MIB;
}

test('the bins keep the young generation at its initial size; a user flag and the library do not', () => {
  // Initial semi-space 1 MiB: the young generation (two semi-spaces) stays at 2 MiB.
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'cli', 'heap-tuning.js')) <= 2);
  // V8's default grows it (up to 32 MiB); the library must leave that alone.
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'index.js')) > 2);
  // A user's own semi-space flag wins.
  const own = ['--max-semi-space-size=4'];
  assert.ok(youngGenerationAfterChurn(path.join(SRC, 'cli', 'heap-tuning.js'), own) > 2);
});
