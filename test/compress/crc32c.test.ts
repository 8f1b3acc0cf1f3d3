import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, maskChecksum, maskedCrc32c } from '../../src/compress/crc32c.js';
import { randomBytes } from './fixtures.js';

/** Bit-at-a-time reference, independent of the table construction. */
function referenceCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('CRC-32C check value (docs/protocol.md §11.1)', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('CRC-32C matches a bitwise reference for every length and alignment', () => {
  const data = randomBytes(300, 7);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= data.length; end += 7) {
      assert.equal(
        crc32c(data, start, end),
        referenceCrc32c(data.subarray(start, end)),
        `[${start}, ${end})`,
      );
    }
  }
});

test('CRC-32C continues across calls', () => {
  const data = randomBytes(1000, 8);
  assert.equal(crc32c(data, 333, 1000, crc32c(data, 0, 333)), crc32c(data));
});

test('masked checksum of the smux SYN chunk (docs/protocol.md §11.6)', () => {
  const syn = Buffer.from('0100000003000000', 'hex');
  assert.equal(maskedCrc32c(syn), Buffer.from('4439ac2f', 'hex').readUInt32LE(0));
  // The mask is a 15-bit right rotation plus 0xa282ead8, modulo 2^32.
  assert.equal(maskChecksum(0), 0xa282ead8);
  assert.equal(maskChecksum(0x8000), (1 + 0xa282ead8) >>> 0);
  assert.equal(maskChecksum(0xffffffff), (0xffffffff + 0xa282ead8) % 2 ** 32);
});
