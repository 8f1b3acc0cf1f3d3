import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeBlock, decodedLength } from '../../src/compress/block-decoder.js';
import { MAX_BLOCK_SIZE, maxEncodedLength, SnappyBlockEncoder } from '../../src/compress/block-encoder.js';
import { randomBytes, seededRandom, textLike } from './fixtures.js';

const encoder = new SnappyBlockEncoder();

function encode(src: Uint8Array): Buffer {
  const dst = Buffer.alloc(maxEncodedLength(src.length));
  return dst.subarray(0, encoder.encode(src, dst, 0));
}

function decode(block: Uint8Array, max = MAX_BLOCK_SIZE): Buffer | string {
  return decodeBlock(block, 0, block.length, max);
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

test('the docs/protocol.md §11.6 block (PSH header + 64 x "a") decodes, and we encode it to the same bytes as Go', () => {
  const block = hex('4820010240000300000061fa0100');
  const raw = Buffer.concat([hex('0102400003000000'), Buffer.alloc(64, 'a')]);
  assert.deepEqual(decode(block), raw);
  assert.deepEqual(encode(raw), block);
});

test('short inputs become one literal, empty input only the length', () => {
  assert.deepEqual(encode(Buffer.alloc(0)), hex('00'));
  assert.deepEqual(encode(Buffer.from('abc')), hex('0308616263'));
  assert.deepEqual(decode(hex('00')), Buffer.alloc(0));
});

test('copy encodings: 2-byte copy-1 for short near matches, copy-2 when far or long', () => {
  // 20 bytes of a repeating 4-byte pattern: a 4-byte literal then copies at offset 4.
  const periodic = Buffer.from('abcdabcdabcdabcdabcd');
  const block = encode(periodic);
  assert.deepEqual(decode(block), periodic);
  assert.ok(block.length < periodic.length);
  // A 3000-byte prefix repeated: the repeat is at offset 3000 >= 2048, so copy-2 ops cover it cheaply.
  const prefix = textLike(3000, 3);
  const far = Buffer.concat([prefix, prefix]);
  const farBlock = encode(far);
  assert.deepEqual(decode(farBlock), far);
  assert.ok(farBlock.length < encode(prefix).length + 200);
});

test('round trips of random, text-like and repetitive data up to 64 KiB', () => {
  const next = seededRandom(11);
  const sizes = [
    1, 2, 15, 16, 17, 18, 31, 64, 65, 100, 255, 256, 257, 1000, 4095, 4096, 8192, 30000, 65535, 65536,
  ];
  for (let i = 0; i < 40; i++) sizes.push(1 + ((next() * MAX_BLOCK_SIZE) | 0));
  for (const size of sizes) {
    const samples = [
      randomBytes(size, size),
      textLike(size, size),
      Buffer.alloc(size, 0x5a),
      Buffer.from(Array.from({ length: size }, (_, j) => (j * j) % 251)),
    ];
    for (const raw of samples) {
      const block = encode(raw);
      assert.ok(block.length <= maxEncodedLength(size));
      assert.equal(decodedLength(block), size);
      assert.deepEqual(decode(block), raw, `size ${size}`);
    }
  }
});

test('the encoder refuses inputs above the block size', () => {
  assert.throws(() => encode(Buffer.alloc(MAX_BLOCK_SIZE + 1)), RangeError);
});

test('hostile blocks are rejected, never thrown, never allocated beyond the cap', () => {
  const cases: Array<[string, string, string]> = [
    ['empty input', '', 'bad-length-header'],
    ['truncated varint', '80', 'bad-length-header'],
    ['varint without its last byte', '8080808080', 'bad-length-header'],
    ['varint longer than 10 bytes', '8080808080808080808000', 'bad-length-header'],
    ['varint above 2^32-1', 'ffffffff1f', 'bad-length-header'],
    ['2^32-1 bytes declared', 'ffffffff0f', 'too-large'],
    ['65537 bytes declared', '818004', 'too-large'],
    ['declared length with no tags', '0a', 'corrupt'],
    ['literal past the end of the input', '050c616263', 'corrupt'],
    ['literal longer than declared', '0208616263', 'corrupt'],
    ['long literal, length byte missing', '05f0', 'corrupt'],
    ['4-byte literal length 2^32-1', '05fcffffffff61', 'corrupt'],
    ['copy before the start', '0a0061050a', 'corrupt'],
    ['copy with offset 0 (would fill the declared length)', '0500610100', 'corrupt'],
    ['copy past the declared length', '0600610d01', 'corrupt'],
    ['truncated copy-1', '0a006105', 'corrupt'],
    ['truncated copy-2', '0a00610601', 'corrupt'],
    ['truncated copy-4', '0a0061070100', 'corrupt'],
    ['copy-4 with offset 2^32-1', '0600610fffffffff', 'corrupt'],
    ['output shorter than declared', '0508616263', 'corrupt'],
  ];
  for (const [name, block, expected] of cases) {
    assert.equal(decode(hex(block)), expected, name);
  }
  assert.equal(decode(hex('64'), 99), 'too-large', 'a cap below the declared length');
});

test('an overlong but in-range length varint is accepted, as by Go', () => {
  assert.deepEqual(decode(hex('808080808000')), Buffer.alloc(0));
  assert.deepEqual(decode(hex('80808080808080808000')), Buffer.alloc(0));
  assert.deepEqual(decode(hex('83800008616263')), Buffer.from('abc'));
});

test('valid copies near the edges: offset = produced length, overlap, exact end', () => {
  // "a" then copy-1 length 9 offset 1: a run of ten "a".
  assert.deepEqual(decode(hex('0a00611501')), Buffer.alloc(10, 'a'));
  // copy-4 (legacy, still accepted): "ab" then length 4 from offset 2.
  assert.deepEqual(decode(hex('060461620f02000000')), Buffer.from('ababab'));
});

test('random garbage and mutated blocks never throw', () => {
  const next = seededRandom(99);
  const good = encode(textLike(5000, 5));
  for (let i = 0; i < 3000; i++) {
    const garbage = randomBytes(1 + ((next() * 64) | 0), i);
    const r1 = decode(garbage);
    assert.ok(typeof r1 === 'string' || Buffer.isBuffer(r1));
    const mutated = Buffer.from(good);
    for (let k = 0; k < 3; k++) mutated[(next() * mutated.length) | 0] = (next() * 256) | 0;
    const r2 = decode(mutated);
    assert.ok(typeof r2 === 'string' || r2.length === 5000);
  }
});
