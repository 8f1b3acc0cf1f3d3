import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createSegmentHeader,
  KCP_CMD_PUSH,
  KCP_OVERHEAD,
  readSegmentHeader,
  writeSegmentHeader,
} from '../../src/kcp/index.js';

test('PUSH segment encodes to the docs/protocol.md §11.3 bytes', () => {
  const payload = Buffer.from('hello');
  const buf = Buffer.alloc(KCP_OVERHEAD + payload.length);
  writeSegmentHeader(buf, 0, 0x11223344, KCP_CMD_PUSH, 0, 512, 1000, 0, 0, payload.length);
  payload.copy(buf, KCP_OVERHEAD);
  assert.equal(buf.toString('hex'), '4433221151000002e803000000000000000000000500000068656c6c6f');
});

test('header decoding round-trips every field, including values with the top bit set', () => {
  const buf = Buffer.alloc(KCP_OVERHEAD + 7, 0xee);
  writeSegmentHeader(buf, 7, 0xfedcba98, 84, 0xab, 0xfffe, 0x80000001, 0xffffffff, 0x7fffffff, 0x12345678);
  const h = createSegmentHeader();
  readSegmentHeader(buf, 7, h);
  assert.deepEqual(h, {
    conv: 0xfedcba98,
    cmd: 84,
    frg: 0xab,
    wnd: 0xfffe,
    ts: 0x80000001,
    sn: 0xffffffff,
    una: 0x7fffffff,
    len: 0x12345678,
  });
  assert.equal(buf.subarray(0, 7).toString('hex'), 'ee'.repeat(7), 'bytes before the offset untouched');

  const vector = Buffer.from('4433221151000002e803000000000000000000000500000068656c6c6f', 'hex');
  readSegmentHeader(vector, 0, h);
  assert.deepEqual(h, { conv: 0x11223344, cmd: 81, frg: 0, wnd: 512, ts: 1000, sn: 0, una: 0, len: 5 });
});
