import assert from 'node:assert/strict';
import { test } from 'node:test';

test('toolchain runs', () => {
  assert.equal(1 + 1, 2);
});
