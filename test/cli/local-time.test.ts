import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { localFields, localTimeSource } from '../../src/cli/local-time.js';
import { spawnOwnedSync } from '../support/owned.js';

const LOCAL_TIME = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'src',
  'cli',
  'local-time.js',
);

/**
 * Instants (ms since the epoch) where a zone's rules show: the epoch, New York's and Lord Howe's daylight
 * saving changes of 2026 (a second either side), a leap day, and a time past 2038 (64-bit time_t).
 */
const INSTANTS = [
  0,
  Date.UTC(2026, 2, 8, 6, 59, 59),
  Date.UTC(2026, 2, 8, 7, 0, 0),
  Date.UTC(2026, 10, 1, 5, 59, 59),
  Date.UTC(2026, 10, 1, 6, 0, 0),
  Date.UTC(2026, 3, 4, 14, 59, 59),
  Date.UTC(2026, 3, 4, 15, 0, 0),
  Date.UTC(2028, 1, 29, 23, 30, 0),
  Date.UTC(2040, 6, 1, 12, 0, 0) + 999,
];

describe('local time for the log without ICU (local-time.ts)', () => {
  it('comes from the C library on Linux with koffi', () => {
    if (process.platform !== 'linux') return;
    assert.equal(localTimeSource(), 'libc');
    const now = Date.now();
    assert.equal(localFields(now).second, new Date(now).getSeconds());
  });

  it("gives Date's fields in every zone, daylight saving changes included", () => {
    const script = `
      import(${JSON.stringify(LOCAL_TIME)}).then(({ localFields, dateFields, localTimeSource }) => {
        const differ = ${JSON.stringify(INSTANTS)}
          .map((ms) => [ms, localFields(ms), dateFields(new Date(ms))])
          .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
        process.stdout.write(JSON.stringify({ source: localTimeSource(), differ }));
      });`;
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      const r = spawnOwnedSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        env: { ...process.env, TZ: zone },
      });
      assert.equal(r.status, 0, r.stderr);
      const { source, differ } = JSON.parse(r.stdout) as { source: string; differ: unknown[] };
      if (process.platform === 'linux') assert.equal(source, 'libc', zone);
      assert.deepEqual(differ, [], zone);
    }
  });
});
