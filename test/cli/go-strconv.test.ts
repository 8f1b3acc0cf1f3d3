import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoBool, parseGoInt } from '../../src/cli/go-strconv.js';

// Each row was checked against Debian's kcptun-client (Go flag + strconv.ParseInt(s, 0, 64)).
const INT_CASES: ReadonlyArray<[string, number | 'parse error' | 'value out of range']> = [
  ['1350', 1350],
  ['+1350', 1350],
  ['-16', -16],
  ['0x500', 1280],
  ['0X1F', 31],
  ['-0x10', -16],
  ['010', 8],
  ['0o17', 15],
  ['0O17', 15],
  ['0b101', 5],
  ['0B11', 3],
  ['0', 0],
  ['-0', 0],
  ['1_000', 1000],
  ['0x5_00', 1280],
  ['0_10', 8],
  ['0x_10', 16],
  ['1__0', 'parse error'],
  ['_10', 'parse error'],
  ['10_', 'parse error'],
  ['09', 'parse error'],
  ['0x', 'parse error'],
  ['abc', 'parse error'],
  ['', 'parse error'],
  ['-', 'parse error'],
  [' 5', 'parse error'],
  ['1.5', 'parse error'],
  ['99999999999999999999', 'value out of range'],
  ['99999999999999999999x', 'value out of range'],
  ['9223372036854775808', 'value out of range'],
  ['9007199254740991', 9007199254740991],
  ['9007199254740992', 'value out of range'],
];

describe('parseGoInt', () => {
  for (const [input, expected] of INT_CASES) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      const result = parseGoInt(input);
      if (typeof expected === 'number') assert.deepEqual(result, { ok: true, value: expected });
      else assert.deepEqual(result, { ok: false, reason: expected });
    });
  }
});

describe('parseGoBool', () => {
  it('accepts exactly the strconv.ParseBool spellings', () => {
    for (const s of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(parseGoBool(s), true, s);
    for (const s of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(parseGoBool(s), false, s);
    for (const s of ['tRue', 'yes', 'on', '', ' true', '2']) assert.equal(parseGoBool(s), undefined, s);
  });
});
