import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { capMallocArenas } from '../../src/cli/malloc-arenas.js';
import { glibcWithKoffi } from '../support/glibc.js';
import { spawnOwnedSync } from '../support/owned.js';

/** Printed between the two malloc_stats reports. */
const WORK = 'pool threads at work';
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/**
 * The malloc arenas a fresh node has after importing `module` (as kcptun-server with `-h`, so a bin prints its
 * help and starts nothing), and after it then kept libuv's four pool threads busy at once, each of which
 * mallocs: glibc's own count, from malloc_stats(). Node's start-up threads may hold one before any module
 * runs, hence the count before the threads' work.
 */
function arenasAfter(module: string, env: NodeJS.ProcessEnv = {}): { before: number; after: number } {
  const script = `
    process.argv = [process.argv[0], 'kcptun-server', '-h'];
    await import(${JSON.stringify(module)});
    const { createRequire } = await import('node:module');
    const koffi = createRequire(${JSON.stringify(path.join(SRC, 'index.js'))})('koffi');
    const stats = koffi.load(null).func('void malloc_stats(void)');
    stats();
    process.stderr.write('${WORK}\\n');
    const { pbkdf2 } = await import('node:crypto');
    const { promisify } = await import('node:util');
    const derive = promisify(pbkdf2);
    await Promise.all([1, 2, 3, 4].map((i) => derive('key' + i, 'salt', 20000, 32, 'sha1')));
    stats();`;
  const r = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', MALLOC_ARENA_MAX: undefined, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  const [before, after] = r.stderr
    .split(`${WORK}\n`)
    .map((part) => (part.match(/^Arena \d+:$/gm) ?? []).length);
  return { before, after };
}

test('the bins give threads that malloc later no arenas of their own; the library and a user setting do', {
  skip: glibcWithKoffi ? false : 'needs glibc and koffi',
}, () => {
  for (const bin of ['server-main.js', 'client-main.js', 'main.js']) {
    const { before, after } = arenasAfter(path.join(SRC, 'cli', bin));
    assert.equal(after, before, `${bin}: ${before} arenas before the pool threads' work, ${after} after`);
  }
  // threads get arenas of their own without the cap: what the test sees from a bin that lacks it
  const library = arenasAfter(path.join(SRC, 'index.js'));
  assert.ok(library.after > library.before, JSON.stringify(library));
  const own = arenasAfter(path.join(SRC, 'cli', 'server-main.js'), { MALLOC_ARENA_MAX: '8' });
  assert.ok(own.after > own.before, `MALLOC_ARENA_MAX=8: ${JSON.stringify(own)}`);
});

test('the cap says why it is not set where it cannot be', () => {
  assert.equal(capMallocArenas({ MALLOC_ARENA_MAX: '2' }), 'MALLOC_ARENA_MAX is set');
  const result = capMallocArenas({});
  if (glibcWithKoffi) assert.equal(result, true);
  else assert.equal(typeof result, 'string');
});
