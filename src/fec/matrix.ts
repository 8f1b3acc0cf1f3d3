/**
 * Small dense matrices over GF(2^8), one Uint8Array per row. Only used when a codec is built and when a
 * decode matrix for a new loss pattern is derived, never per byte.
 */
import { gfDiv, gfExp, gfMul } from './galois.js';

export type Matrix = Uint8Array[];

export function newMatrix(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Uint8Array(cols));
}

/** V[r][c] = r^c: any square subset of its rows is invertible. */
export function vandermonde(rows: number, cols: number): Matrix {
  const m = newMatrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m[r][c] = gfExp(r, c);
  return m;
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  const inner = b.length;
  const cols = b[0].length;
  const out = newMatrix(a.length, cols);
  for (let r = 0; r < a.length; r++) {
    for (let c = 0; c < cols; c++) {
      let acc = 0;
      for (let k = 0; k < inner; k++) acc ^= gfMul(a[r][k], b[k][c]);
      out[r][c] = acc;
    }
  }
  return out;
}

/**
 * Inverse of a square matrix by Gauss-Jordan elimination, or null when it is singular. The inverse is unique,
 * so the pivoting order cannot change the resulting bytes.
 */
export function invert(m: Matrix): Matrix | null {
  const size = m.length;
  const work = m.map((row, r) => {
    const wide = new Uint8Array(size * 2);
    wide.set(row);
    wide[size + r] = 1;
    return wide;
  });
  for (let r = 0; r < size; r++) {
    if (work[r][r] === 0) {
      const below = work.findIndex((row, i) => i > r && row[r] !== 0);
      if (below < 0) return null;
      [work[r], work[below]] = [work[below], work[r]];
    }
    const scale = gfDiv(1, work[r][r]);
    const pivotRow = work[r];
    for (let c = 0; c < size * 2; c++) pivotRow[c] = gfMul(pivotRow[c], scale);
    for (let other = 0; other < size; other++) {
      const factor = work[other][r];
      if (other === r || factor === 0) continue;
      const row = work[other];
      for (let c = 0; c < size * 2; c++) row[c] ^= gfMul(factor, pivotRow[c]);
    }
  }
  return work.map((row) => row.slice(size));
}
