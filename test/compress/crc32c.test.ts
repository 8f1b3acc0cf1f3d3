import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  crc32c,
  crc32cPortable,
  crc32cUsesWasm,
  maskChecksum,
  maskedCrc32c,
} from '../../src/compress/crc32c.js';
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

const IMPLEMENTATIONS = [
  ['crc32c', crc32c],
  ['portable', crc32cPortable],
] as const;

test('CRC-32C runs the WebAssembly module on Node 20', () => {
  assert.ok(crc32cUsesWasm());
});

for (const [name, crc] of IMPLEMENTATIONS) {
  test(`${name}: CRC-32C check value (docs/protocol.md §11.1)`, () => {
    assert.equal(crc(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc(Buffer.alloc(0)), 0);
  });

  test(`${name}: CRC-32C matches a bitwise reference for every length and alignment`, () => {
    const data = randomBytes(300, 7);
    for (let start = 0; start < 17; start++) {
      for (let end = start; end <= data.length; end += 7) {
        assert.equal(crc(data, start, end), referenceCrc32c(data.subarray(start, end)), `[${start}, ${end})`);
      }
    }
  });

  test(`${name}: CRC-32C of inputs longer than the module's 64 KiB window, whole and in part`, () => {
    const data = randomBytes(150_001, 9);
    const whole = referenceCrc32c(data);
    assert.equal(crc(data), whole);
    // a view into a larger buffer at an odd offset, and a range of it
    const inner = data.subarray(13, 140_013);
    assert.equal(crc(inner), referenceCrc32c(inner));
    assert.equal(crc(data, 5, 131_077), referenceCrc32c(data.subarray(5, 131_077)));
  });

  test(`${name}: CRC-32C continues across calls`, () => {
    const data = randomBytes(1000, 8);
    assert.equal(crc(data, 333, 1000, crc(data, 0, 333)), crc(data));
  });
}

test('the two implementations agree on what alternates between buffers, as sends and receives do', () => {
  const a = randomBytes(70_000, 10);
  const b = randomBytes(1_500, 11);
  for (let i = 0; i < 50; i++) {
    const src = i % 2 === 0 ? a : b;
    const end = src.length - i * 17;
    assert.equal(crc32c(src, i, end), crc32cPortable(src, i, end), `call ${i}`);
  }
});

test('masked checksum of the smux SYN chunk (docs/protocol.md §11.6)', () => {
  const syn = Buffer.from('0100000003000000', 'hex');
  assert.equal(maskedCrc32c(syn), Buffer.from('4439ac2f', 'hex').readUInt32LE(0));
  // The mask is a 15-bit right rotation plus 0xa282ead8, modulo 2^32.
  assert.equal(maskChecksum(0), 0xa282ead8);
  assert.equal(maskChecksum(0x8000), (1 + 0xa282ead8) >>> 0);
  assert.equal(maskChecksum(0xffffffff), (0xffffffff + 0xa282ead8) % 2 ** 32);
});
