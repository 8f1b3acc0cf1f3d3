import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HEAP_LINE_PREFIX, HEAP_PERIOD_ENV, lastHeapFigures } from '../../bench/tunnel/heap-probe.js';
import { libc } from '../../src/transport/libc.js';
import { spawnOwned } from '../support/owned.js';

const PROBE = fileURLToPath(new URL('../../bench/tunnel/heap-probe.js', import.meta.url));
/** mallinfo2 came with glibc 2.33. */
const MALLINFO2_SINCE = [2, 33];

/** The first heap line of a node process with the probe preloaded (it keeps running until killed). */
async function firstHeapLine(): Promise<string> {
  const child = spawnOwned(process.execPath, ['--import', PROBE, '-e', 'setInterval(() => {}, 1000)'], {
    env: { ...process.env, [HEAP_PERIOD_ENV]: '10' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  try {
    for await (const chunk of child.stderr!) {
      log += String(chunk);
      if (log.includes(HEAP_LINE_PREFIX) && log.endsWith('\n')) return log;
    }
    throw new Error(`the probe printed no heap line: ${log}`);
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

/** Whether this process runs on glibc 2.33 or later, where mallinfo2 exists. */
function hasMallinfo2(): boolean {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  const [major, minor] = (header.glibcVersionRuntime ?? '0.0').split('.').map(Number);
  const [wantMajor, wantMinor] = MALLINFO2_SINCE;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

test('heap probe: V8 figures always, mallinfo2 read field by field where glibc and koffi have it', async () => {
  const figures = lastHeapFigures(await firstHeapLine());
  assert.ok(figures !== null);
  assert.ok(figures.heapUsed > 0 && figures.heapTotal >= figures.heapUsed);
  if (process.platform !== 'linux' || typeof libc() === 'string' || !hasMallinfo2()) {
    assert.equal(figures.malloc, undefined);
    return;
  }
  const m = figures.malloc;
  assert.ok(m !== undefined);
  // glibc counts every byte of an arena as either handed out or free: a misread struct breaks the sum.
  assert.equal(m.inUse + m.free, m.arena);
  assert.ok(m.inUse > 0 && m.freeBlocks >= 1 && m.mmapped >= 0);
});
