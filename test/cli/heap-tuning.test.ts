import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { YOUNG_GENERATION_LINE } from '../support/young-generation-probe.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
const MIB = 1024 * 1024;
const PROBE = path.resolve(SRC, '..', 'test', 'support', 'young-generation-probe.js');

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

test('a bin sets the flag before its program is parsed: the young generation is 2 MiB once it listens', async () => {
  // Parsing the program's modules before heap-tuning ran grew it to 2 x 2 MiB (client-main.ts).
  const port = await freeUdpPort();
  const server = TunnelProcess.start('ts', 'server', ['-l', `127.0.0.1:${port}`, '-t', '127.0.0.1:1'], {
    NODE_OPTIONS: `--import=${PROBE}`,
  });
  try {
    await server.waitFor('listening on');
    server.child.kill('SIGUSR2');
    await server.waitFor(YOUNG_GENERATION_LINE);
    const bytes = Number(new RegExp(`${YOUNG_GENERATION_LINE}(\\d+)`).exec(server.log)?.[1]);
    assert.ok(bytes <= 2 * MIB, `young generation ${bytes / MIB} MiB`);
  } finally {
    await server.stop();
  }
});
