import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMallocTrim } from '../../src/cli/malloc-trim.js';
import { libc } from '../../src/transport/libc.js';

const glibcWithKoffi =
  process.platform === 'linux' && typeof libc() !== 'string' && process.report
    ? Boolean(
        (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
          ?.glibcVersionRuntime,
      )
    : false;

test('the programs trim the C heap where glibc and koffi are, and say why not elsewhere', () => {
  const started = startMallocTrim();
  if (glibcWithKoffi) {
    assert.equal(typeof started, 'function', `not started: ${started}`);
    (started as () => void)();
  } else {
    assert.equal(typeof started, 'string');
  }
});
