/**
 * Arithmetic in GF(2^8) with the generating polynomial 0x11D and generator 2, the field klauspost/reedsolomon
 * uses (docs/protocol.md §3.3). Addition is XOR; multiplication goes through log/exp tables, and a full 256x256 product
 * table backs the bulk kernels.
 */

/** x^8 + x^4 + x^3 + x^2 + 1. */
const GENERATING_POLYNOMIAL = 0x11d;
const FIELD_SIZE = 256;
/** Order of the multiplicative group: exp is periodic with this period. */
const GROUP_ORDER = 255;

/** GF_EXP[i] = 2^i, doubled in length so a sum of two logs indexes it without a modulo. */
export const GF_EXP = new Uint8Array(GROUP_ORDER * 2);
/** GF_LOG[a] = log2(a) for a != 0; GF_LOG[0] is unused (0 has no logarithm). */
export const GF_LOG = new Uint8Array(FIELD_SIZE);
/** GF_MUL_TABLE[a * 256 + b] = a * b. */
export const GF_MUL_TABLE = new Uint8Array(FIELD_SIZE * FIELD_SIZE);

function buildTables(): void {
  let x = 1;
  for (let i = 0; i < GROUP_ORDER; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + GROUP_ORDER] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & FIELD_SIZE) x ^= GENERATING_POLYNOMIAL;
  }
  for (let a = 1; a < FIELD_SIZE; a++) {
    const logA = GF_LOG[a];
    const row = a * FIELD_SIZE;
    for (let b = 1; b < FIELD_SIZE; b++) GF_MUL_TABLE[row + b] = GF_EXP[logA + GF_LOG[b]];
  }
}
buildTables();

/** GF_MUL_ROWS[c] is the 256-byte lookup x -> c * x, a view into GF_MUL_TABLE. */
export const GF_MUL_ROWS: readonly Uint8Array[] = Array.from({ length: FIELD_SIZE }, (_, c) =>
  GF_MUL_TABLE.subarray(c * FIELD_SIZE, (c + 1) * FIELD_SIZE),
);

export function gfMul(a: number, b: number): number {
  return GF_MUL_TABLE[(a << 8) | b];
}

/** a / b; b must be non-zero. */
export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('gfDiv: divisor is 0');
  if (a === 0) return 0;
  return GF_EXP[GF_LOG[a] + GROUP_ORDER - GF_LOG[b]];
}

/** a^n with klauspost's conventions: a^0 = 1 (also for a = 0) and 0^n = 0 for n > 0. */
export function gfExp(a: number, n: number): number {
  if (n === 0) return 1;
  if (a === 0) return 0;
  return GF_EXP[(GF_LOG[a] * n) % GROUP_ORDER];
}
