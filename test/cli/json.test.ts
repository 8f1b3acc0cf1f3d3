import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonSyntaxError, readFirstJsonValue } from '../../src/cli/json.js';

describe('readFirstJsonValue', () => {
  it('keeps number literals as text', () => {
    assert.deepEqual(readFirstJsonValue(' [1.0, -0, 1e3, 12] '), {
      kind: 'array',
      items: [
        { kind: 'number', text: '1.0' },
        { kind: 'number', text: '-0' },
        { kind: 'number', text: '1e3' },
        { kind: 'number', text: '12' },
      ],
    });
  });
  it('keeps object entries in order, duplicates included', () => {
    const value = readFirstJsonValue('{"a":true,"a":false,"b":null}');
    assert.deepEqual(value, {
      kind: 'object',
      entries: [
        ['a', { kind: 'bool', value: true }],
        ['a', { kind: 'bool', value: false }],
        ['b', { kind: 'null' }],
      ],
    });
  });
  it('returns undefined for whitespace only', () => {
    assert.equal(readFirstJsonValue(' \n\t\r'), undefined);
  });
  it('rejects what RFC 8259 rejects', () => {
    for (const text of [
      '[01]',
      '+1',
      '[.5]',
      '[1.]',
      '[-]',
      'tru',
      '[1,]',
      '{"a"}',
      '{"a":1,}',
      '"\\x"',
      '"\\u12"',
      '"abc',
      'NaN',
    ]) {
      assert.throws(() => readFirstJsonValue(text), JsonSyntaxError, text);
    }
  });
  it('handles nesting up to 1000 levels and refuses deeper input with a syntax error, not a stack overflow', () => {
    assert.equal(readFirstJsonValue(`${'['.repeat(1000)}${']'.repeat(1000)}`)?.kind, 'array');
    assert.throws(() => readFirstJsonValue(`${'['.repeat(1001)}${']'.repeat(1001)}`), JsonSyntaxError);
    assert.throws(() => readFirstJsonValue('['.repeat(100000)), JsonSyntaxError);
  });
});
