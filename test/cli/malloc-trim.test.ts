import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMallocTrim } from '../../src/cli/malloc-trim.js';
import { glibcWithKoffi } from '../support/glibc.js';

test('the programs trim the C heap where glibc and koffi are, and say why not elsewhere', () => {
  const started = startMallocTrim();
  if (glibcWithKoffi) {
    assert.equal(typeof started, 'function', `not started: ${started}`);
    (started as () => void)();
  } else {
    assert.equal(typeof started, 'string');
  }
});
