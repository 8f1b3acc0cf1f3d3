import type { BlockFunction } from './cfb.js';

const DES_KEY_SIZE = 8;
const KEY_SIZE = 3 * DES_KEY_SIZE;
const ROUNDS = 16;
/** Six-bit S-box inputs per round. */
const GROUPS = 8;

// FIPS 46-3 tables. Bit positions are 1-based and count from the most significant bit.

/** Initial permutation: output bit i is input bit IP[i]. */
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40,
  32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5,
  63, 55, 47, 39, 31, 23, 15, 7,
];
/** Permutation applied to the S-box outputs in f. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22,
  11, 4, 25,
];
/** Permuted choice 1: the 56 key bits (parity bits dropped) as C (first 28) and D. */
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
/** Permuted choice 2: the 48-bit round key from C‖D. */
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47,
  55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
/** Left rotations of C and D before each round. */
const KEY_SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
/** S1..S8, each 4 rows of 16 (row = outer input bits, column = inner four). */
const S_BOXES = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3,
    8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6,
    13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11,
    5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5,
    14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15,
    1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2,
    12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14,
    9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2,
    14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8,
    6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4,
    5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3,
    8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8,
    13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8,
    6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3,
    12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9,
    2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6,
    11,
  ],
];

/** Bit `position` (1-based from the most significant bit) of a big-endian bit string held in bytes. */
function bitOf(bytes: Uint8Array, position: number): number {
  const index = position - 1;
  return (bytes[index >>> 3] >>> (7 - (index & 7))) & 1;
}

/**
 * A 64-bit permutation (output bit i = input bit table[i]) as lookup tables, one per input byte and value:
 * the output halves are the OR of eight lookups.
 */
function permutationTables(table: readonly number[]): [high: Int32Array, low: Int32Array] {
  const high = new Int32Array(8 * 256);
  const low = new Int32Array(8 * 256);
  for (let i = 0; i < 64; i++) {
    const source = table[i] - 1;
    const byteIndex = source >>> 3;
    const mask = 0x80 >>> (source & 7);
    const bit = i < 32 ? 1 << (31 - i) : 1 << (63 - i);
    const out = i < 32 ? high : low;
    for (let value = 0; value < 256; value++) if (value & mask) out[256 * byteIndex + value] |= bit;
  }
  return [high, low];
}

function inversePermutation(table: readonly number[]): number[] {
  const inverse = new Array<number>(table.length);
  for (let i = 0; i < table.length; i++) inverse[table[i] - 1] = i + 1;
  return inverse;
}

const [INITIAL_HIGH, INITIAL_LOW] = permutationTables(IP);
const [FINAL_HIGH, FINAL_LOW] = permutationTables(inversePermutation(IP));

/** One output half of a 64-bit permutation of (hi, lo), from its byte tables. */
function permute(tables: Int32Array, hi: number, lo: number): number {
  return (
    tables[hi >>> 24] |
    tables[256 | ((hi >>> 16) & 0xff)] |
    tables[512 | ((hi >>> 8) & 0xff)] |
    tables[768 | (hi & 0xff)] |
    tables[1024 | (lo >>> 24)] |
    tables[1280 | ((lo >>> 16) & 0xff)] |
    tables[1536 | ((lo >>> 8) & 0xff)] |
    tables[1792 | (lo & 0xff)]
  );
}

/** SP[64 * j + x]: S-box j+1 applied to the six bits x, placed in its nibble and permuted by P. */
const SP = (() => {
  const sp = new Int32Array(GROUPS * 64);
  for (let j = 0; j < GROUPS; j++) {
    for (let x = 0; x < 64; x++) {
      const row = ((x >>> 4) & 2) | (x & 1);
      const column = (x >>> 1) & 0xf;
      const nibbles = S_BOXES[j][16 * row + column] << (28 - 4 * j);
      let word = 0;
      for (let i = 0; i < 32; i++) if ((nibbles >>> (32 - P[i])) & 1) word |= 1 << (31 - i);
      sp[64 * j + x] = word;
    }
  }
  return sp;
})();

/** The sixteen 48-bit round keys of one DES key, each as eight six-bit groups. */
function roundKeys(key: Buffer): Uint8Array {
  const cd = new Uint8Array(56);
  for (let i = 0; i < 56; i++) cd[i] = bitOf(key, PC1[i]);
  const keys = new Uint8Array(ROUNDS * GROUPS);
  for (let round = 0; round < ROUNDS; round++) {
    for (let s = 0; s < KEY_SHIFTS[round]; s++) {
      const c0 = cd[0];
      const d0 = cd[28];
      cd.copyWithin(0, 1, 28);
      cd[27] = c0;
      cd.copyWithin(28, 29, 56);
      cd[55] = d0;
    }
    for (let i = 0; i < 48; i++) keys[GROUPS * round + Math.floor(i / 6)] |= cd[PC2[i] - 1] << (5 - (i % 6));
  }
  return keys;
}

/**
 * f(R, K) = P(S(E(R) ^ K)). E's eight six-bit groups are overlapping windows of R: group j is bits 4j..4j+5
 * (1-based, wrapping 0 to 32), read straight from R with shifts and, for the two wrapping groups, rotations.
 */
function f(r: number, keys: Uint8Array, at: number): number {
  return (
    SP[(((r << 5) | (r >>> 27)) & 0x3f) ^ keys[at]] |
    SP[64 | (((r >>> 23) & 0x3f) ^ keys[at + 1])] |
    SP[128 | (((r >>> 19) & 0x3f) ^ keys[at + 2])] |
    SP[192 | (((r >>> 15) & 0x3f) ^ keys[at + 3])] |
    SP[256 | (((r >>> 11) & 0x3f) ^ keys[at + 4])] |
    SP[320 | (((r >>> 7) & 0x3f) ^ keys[at + 5])] |
    SP[384 | (((r >>> 3) & 0x3f) ^ keys[at + 6])] |
    SP[448 | ((((r << 1) | (r >>> 31)) & 0x3f) ^ keys[at + 7])]
  );
}

/**
 * Triple DES in EDE3 form, E_k3(D_k2(E_k1(x))) with k1 = key[0,8), k2 = [8,16), k3 = [16,24), as Go's
 * crypto/des `NewTripleDESCipher`. The inner FP/IP pairs cancel, so this is IP, 48 Feistel rounds (the
 * middle 16 with k2's round keys reversed) and FP.
 */
export class TripleDes implements BlockFunction {
  readonly blockSize = 8;
  /** 48 rounds × 8 groups, in the order they are applied. */
  private readonly keys = new Uint8Array(3 * ROUNDS * GROUPS);

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE) throw new Error(`key must be ${KEY_SIZE} bytes for 3DES, got ${key.length}`);
    this.keys.set(roundKeys(key.subarray(0, DES_KEY_SIZE)), 0);
    const decrypting = roundKeys(key.subarray(DES_KEY_SIZE, 2 * DES_KEY_SIZE));
    for (let round = 0; round < ROUNDS; round++) {
      this.keys.set(
        decrypting.subarray(GROUPS * (ROUNDS - 1 - round), GROUPS * (ROUNDS - round)),
        GROUPS * (ROUNDS + round),
      );
    }
    this.keys.set(roundKeys(key.subarray(2 * DES_KEY_SIZE, KEY_SIZE)), 2 * ROUNDS * GROUPS);
  }

  encryptBlock(words: Int32Array): void {
    const keys = this.keys;
    const hi = words[0];
    const lo = words[1];
    let l = permute(INITIAL_HIGH, hi, lo);
    let r = permute(INITIAL_LOW, hi, lo);
    for (let at = 0; at < keys.length; ) {
      // One DES: 16 rounds, two per step, then the swap that ends it.
      for (let end = at + ROUNDS * GROUPS; at < end; at += 2 * GROUPS) {
        l ^= f(r, keys, at);
        r ^= f(l, keys, at + GROUPS);
      }
      const t = l;
      l = r;
      r = t;
    }
    words[0] = permute(FINAL_HIGH, l, r);
    words[1] = permute(FINAL_LOW, l, r);
  }
}
