import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gfMul } from '../../src/fec/galois.js';
import type { KernelChoice } from '../../src/fec/kernel.js';
import { simdSupported } from '../../src/fec/kernel-simd.js';
import {
  buildEncodingMatrix,
  DECODE_CACHE_LIMIT,
  ReedSolomon,
  sharedReedSolomon,
} from '../../src/fec/reed-solomon.js';
import { Rng } from './random.js';

const KERNELS: KernelChoice[] = ['auto', 'js'];

const hex = (row: Uint8Array) => Buffer.from(row).toString('hex');

test('parity rows match klauspost/reedsolomon (docs/protocol.md §3.3)', () => {
  const expected: Record<string, string[]> = {
    '10,3': ['8196afb8d2c4fee80302', '9681b8afc4d2e8fe0203', 'bfd6620a066fdfb70504'],
    '3,2': ['010101', '0f0806'],
    '2,1': ['0302'],
    '1,1': ['01'],
  };
  for (const [key, rows] of Object.entries(expected)) {
    const [ds, ps] = key.split(',').map(Number);
    assert.deepEqual(new ReedSolomon(ds, ps).parityMatrix.map(hex), rows, key);
  }
});

test('the encoding matrix is systematic (identity on top)', () => {
  for (const [ds, ps] of [
    [10, 3],
    [20, 10],
    [128, 128],
  ]) {
    const m = buildEncodingMatrix(ds, ds + ps);
    for (let r = 0; r < ds; r++) for (let c = 0; c < ds; c++) assert.equal(m[r][c], r === c ? 1 : 0);
  }
});

test('the SIMD kernel is available on this Node', () => {
  assert.ok(simdSupported(), 'WebAssembly SIMD should validate on Node 20');
  assert.equal(new ReedSolomon(3, 2).kernelName, 'wasm-simd');
  assert.equal(new ReedSolomon(3, 2, { kernel: 'js' }).kernelName, 'js-u32');
});

test('encode equals a byte-by-byte reference for both kernels and odd lengths', () => {
  const rng = new Rng(1);
  for (const kernel of KERNELS) {
    for (const [ds, ps] of [
      [10, 3],
      [4, 4],
      [1, 1],
    ]) {
      const rs = new ReedSolomon(ds, ps, { kernel });
      for (const length of [1, 3, 15, 16, 17, 1349, 1500]) {
        for (let i = 0; i < ds; i++) rng.fill(rs.shards[i], 0, length);
        // Garbage beyond `length` must not leak into the first `length` parity bytes.
        for (let i = 0; i < ds; i++) rng.fill(rs.shards[i], length);
        rs.encode(length);
        for (let p = 0; p < ps; p++) {
          const want = Buffer.alloc(length);
          for (let j = 0; j < ds; j++) {
            const c = rs.parityMatrix[p][j];
            for (let b = 0; b < length; b++) want[b] ^= gfMul(c, rs.shards[j][b]);
          }
          assert.ok(
            want.equals(rs.shards[ds + p].subarray(0, length)),
            `${kernel} ${ds}+${ps} len ${length}`,
          );
        }
      }
    }
  }
});

/** Calls visit(missing) for every subset of [0, n) with at most k elements. */
function forEachPattern(
  n: number,
  k: number,
  visit: (missing: number[]) => void,
  from = 0,
  acc: number[] = [],
) {
  visit(acc);
  if (acc.length === k) return;
  for (let i = from; i < n; i++) forEachPattern(n, k, visit, i + 1, [...acc, i]);
}

/** Fills the data shards with random bytes of unequal lengths, zero-padded to the longest, and encodes. */
function encodeRandomGroup(rs: ReedSolomon, rng: Rng): { length: number; original: Buffer[] } {
  let length = 0;
  for (let i = 0; i < rs.dataShards; i++) {
    const own = 2 + rng.below(1400);
    rng.fill(rs.shards[i], 0, own);
    rs.shards[i].fill(0, own);
    length = Math.max(length, own);
  }
  rs.encode(length);
  const original = rs.shards.map((s) => Buffer.from(s.subarray(0, length)));
  return { length, original };
}

function checkPattern(rs: ReedSolomon, rng: Rng, missing: number[], length: number, original: Buffer[]) {
  const present = new Uint8Array(rs.totalShards).fill(1);
  for (const i of missing) {
    present[i] = 0;
    rng.fill(rs.shards[i], 0, length); // whatever a missing row holds must not matter
  }
  assert.equal(rs.reconstructData(present, length), true);
  for (let i = 0; i < rs.dataShards; i++) {
    assert.ok(rs.shards[i].subarray(0, length).equals(original[i]), `shard ${i} missing [${missing}]`);
  }
  for (const i of missing) if (i >= rs.dataShards) rs.shards[i].set(original[i]);
}

test('every erasure pattern of up to ps shards is recovered exactly', () => {
  const rng = new Rng(2);
  for (const kernel of KERNELS) {
    for (const [ds, ps] of [
      [10, 3],
      [3, 2],
      [2, 1],
      [1, 1],
    ]) {
      const rs = new ReedSolomon(ds, ps, { kernel });
      const { length, original } = encodeRandomGroup(rs, rng);
      let patterns = 0;
      forEachPattern(ds + ps, ps, (missing) => {
        checkPattern(rs, rng, missing, length, original);
        patterns++;
      });
      if (ds === 10) assert.equal(patterns, 1 + 13 + 78 + 286);
    }
  }
});

test('(20,10): all-data loss, all-parity loss and 3000 random patterns of up to 10 erasures', () => {
  const rng = new Rng(3);
  for (const kernel of KERNELS) {
    const rs = new ReedSolomon(20, 10, { kernel });
    const { length, original } = encodeRandomGroup(rs, rng);
    checkPattern(rs, rng, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], length, original);
    checkPattern(rs, rng, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], length, original);
    checkPattern(rs, rng, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29], length, original);
    for (let t = 0; t < 3000; t++) {
      const missing = new Set<number>();
      const count = rng.below(11);
      while (missing.size < count) missing.add(rng.below(30));
      checkPattern(
        rs,
        rng,
        [...missing].sort((a, b) => a - b),
        length,
        original,
      );
    }
    assert.ok(rs.decodeCacheSize <= DECODE_CACHE_LIMIT, 'decode matrix cache stays bounded');
  }
});

test('more than ps erasures are refused without touching the shards', () => {
  const rs = new ReedSolomon(3, 2);
  const rng = new Rng(4);
  const { length } = encodeRandomGroup(rs, rng);
  const before = rs.shards.map((s) => Buffer.from(s.subarray(0, length)));
  assert.equal(rs.reconstructData([0, 0, 0, 1, 1], length), false);
  for (const [i, s] of rs.shards.entries()) assert.ok(s.subarray(0, length).equals(before[i]));
  assert.equal(rs.reconstructData([1, 1, 1, 0, 0], length), true, 'nothing to do when all data is present');
});

test('invalid parameters throw and name the parameter', () => {
  assert.throws(() => new ReedSolomon(0, 1), /dataShards/);
  assert.throws(() => new ReedSolomon(1, 0), /parityShards/);
  assert.throws(() => new ReedSolomon(200, 57), /dataShards \+ parityShards/);
  assert.throws(() => new ReedSolomon(2, 1, { maxShardSize: 0 }), /maxShardSize/);
  assert.throws(() => new ReedSolomon(2, 1).encode(1501), /length/);
});

test('shared codecs are reused per (ds, ps)', () => {
  assert.equal(sharedReedSolomon(10, 3), sharedReedSolomon(10, 3));
  assert.notEqual(sharedReedSolomon(10, 3), sharedReedSolomon(3, 10));
});
