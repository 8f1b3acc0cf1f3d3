import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GF_EXP, GF_LOG, GF_MUL_TABLE, gfDiv, gfExp, gfMul } from '../../src/fec/galois.js';
import { invert, multiply, newMatrix, vandermonde } from '../../src/fec/matrix.js';

test('exp table of GF(2^8)/0x11D starts 01 02 04 .. 80 1d 3a 74 e8 (docs/protocol.md §3.3)', () => {
  assert.equal(Buffer.from(GF_EXP.subarray(0, 12)).toString('hex'), '0102040810204080' + '1d3a74e8');
  assert.equal(GF_EXP[255], 1, 'period 255');
  const seen = new Set(GF_EXP.subarray(0, 255));
  assert.equal(seen.size, 255, 'generator 2 reaches every non-zero element');
});

test('log inverts exp and the product table agrees with log/exp', () => {
  for (let a = 1; a < 256; a++) assert.equal(GF_EXP[GF_LOG[a]], a);
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) {
      const expected = a === 0 || b === 0 ? 0 : GF_EXP[(GF_LOG[a] + GF_LOG[b]) % 255];
      assert.equal(GF_MUL_TABLE[a * 256 + b], expected);
    }
  }
  assert.equal(gfMul(0x80, 2), 0x1d, 'x^7 * x reduces by 0x11D');
});

test('division inverts multiplication; exp follows klauspost conventions', () => {
  for (let a = 0; a < 256; a++) for (let b = 1; b < 256; b++) assert.equal(gfMul(gfDiv(a, b), b), a);
  assert.throws(() => gfDiv(1, 0), /divisor/);
  assert.equal(gfExp(0, 0), 1);
  assert.equal(gfExp(0, 5), 0);
  assert.equal(gfExp(2, 8), 0x1d);
  assert.equal(gfExp(3, 255), 1);
});

test('matrix inverse times matrix is the identity; singular matrices are refused', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  };
  for (const size of [1, 2, 5, 17]) {
    const v = vandermonde(size, size);
    const inverse = invert(v);
    assert.ok(inverse);
    const product = multiply(v, inverse);
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) assert.equal(product[r][c], r === c ? 1 : 0);
  }
  const m = newMatrix(6, 6);
  for (const row of m) for (let c = 0; c < 6; c++) row[c] = rand();
  const inverse = invert(m);
  if (inverse !== null) {
    const product = multiply(inverse, m);
    for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) assert.equal(product[r][c], r === c ? 1 : 0);
  }
  const singular = newMatrix(3, 3);
  singular[0].set([1, 2, 3]);
  singular[1].set([1, 2, 3]);
  singular[2].set([4, 5, 6]);
  assert.equal(invert(singular), null);
});
