import type { BlockFunction } from './cfb.js';

const KEY_SIZE = 32;
/** 64-bit key words in a 256-bit key. */
const KEY_WORDS_64 = KEY_SIZE / 8;
const ROUNDS = 16;
const SUBKEYS = 8 + 2 * ROUNDS;
/** Twofish §4.2: the MDS matrix works in GF(2^8) modulo x^8+x^6+x^5+x^3+1. */
const MDS_POLYNOMIAL = 0x169;
/** Twofish §4.3: the RS matrix works in GF(2^8) modulo x^8+x^6+x^3+x^2+1. */
const RS_POLYNOMIAL = 0x14d;

const MDS = [
  [0x01, 0xef, 0x5b, 0x5b],
  [0x5b, 0xef, 0xef, 0x01],
  [0xef, 0x5b, 0x01, 0xef],
  [0xef, 0x01, 0xef, 0x5b],
];

const RS = [
  [0x01, 0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e],
  [0xa4, 0x56, 0x82, 0xf3, 0x1e, 0xc6, 0x68, 0xe5],
  [0x02, 0xa1, 0xfc, 0xc1, 0x47, 0xae, 0x3d, 0x19],
  [0xa4, 0x55, 0x87, 0x5a, 0x58, 0xdb, 0x9e, 0x03],
];

/** Twofish §4.3.5: the 4-bit permutations t0..t3 from which q0 and q1 are built. */
const Q0_NIBBLE_TABLES = [
  [0x8, 0x1, 0x7, 0xd, 0x6, 0xf, 0x3, 0x2, 0x0, 0xb, 0x5, 0x9, 0xe, 0xc, 0xa, 0x4],
  [0xe, 0xc, 0xb, 0x8, 0x1, 0x2, 0x3, 0x5, 0xf, 0x4, 0xa, 0x6, 0x7, 0x0, 0x9, 0xd],
  [0xb, 0xa, 0x5, 0xe, 0x6, 0xd, 0x9, 0x0, 0xc, 0x8, 0xf, 0x3, 0x2, 0x4, 0x7, 0x1],
  [0xd, 0x7, 0xf, 0x4, 0x1, 0x2, 0x6, 0xe, 0x9, 0xb, 0x3, 0x0, 0x8, 0x5, 0xc, 0xa],
];
const Q1_NIBBLE_TABLES = [
  [0x2, 0x8, 0xb, 0xd, 0xf, 0x7, 0x6, 0xe, 0x3, 0x1, 0x9, 0x4, 0x0, 0xa, 0xc, 0x5],
  [0x1, 0xe, 0x2, 0xb, 0x4, 0xc, 0x3, 0x7, 0x6, 0xd, 0xa, 0x5, 0xf, 0x9, 0x0, 0x8],
  [0x4, 0xc, 0x7, 0x5, 0x1, 0x6, 0x9, 0xa, 0x0, 0xe, 0xd, 0x8, 0x2, 0xb, 0x3, 0xf],
  [0xb, 0x9, 0x5, 0x1, 0xc, 0x3, 0xd, 0xe, 0x6, 0x4, 0x7, 0xf, 0x2, 0x0, 0x8, 0xa],
];

function rotateNibbleRight(x: number): number {
  return ((x >>> 1) | (x << 3)) & 0xf;
}

/** The fixed byte permutation q built from four nibble tables (Twofish §4.3.5). */
function buildQ(t: number[][]): Uint8Array {
  const q = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    let a = x >>> 4;
    let b = x & 0xf;
    for (let stage = 0; stage < 2; stage++) {
      const mixedA = a ^ b;
      const mixedB = (a ^ rotateNibbleRight(b) ^ (8 * a)) & 0xf;
      a = t[2 * stage][mixedA];
      b = t[2 * stage + 1][mixedB];
    }
    q[x] = (b << 4) | a;
  }
  return q;
}

const Q0 = buildQ(Q0_NIBBLE_TABLES);
const Q1 = buildQ(Q1_NIBBLE_TABLES);

function gfMultiply(a: number, b: number, polynomial: number): number {
  let product = 0;
  for (; b !== 0; b >>>= 1) {
    if (b & 1) product ^= a;
    a <<= 1;
    if (a & 0x100) a ^= polynomial;
  }
  return product;
}

/** The little-endian word MDS · (0,..,byte at `column`,..,0)^T: column `column` of MDS scaled by `byte`. */
function mdsColumn(byte: number, column: number): number {
  let word = 0;
  for (let row = 0; row < 4; row++) word |= gfMultiply(MDS[row][column], byte, MDS_POLYNOMIAL) << (8 * row);
  return word;
}

/**
 * Which q each of the four bytes passes through at each step of h (Twofish §4.3.2), for a 256-bit key:
 * step 0 precedes the XOR with key word L[3], step 1 precedes L[2], and so on; step 4 follows L[0].
 */
const H_PERMUTATIONS: readonly (readonly Uint8Array[])[] = [
  [Q1, Q0, Q0, Q1],
  [Q1, Q1, Q0, Q0],
  [Q0, Q1, Q0, Q1],
  [Q0, Q0, Q1, Q1],
  [Q1, Q0, Q1, Q0],
];

/** h without the final MDS step, for one byte lane: the keyed S-box s_lane(x) for key words L (lanes LE). */
function keyedSBox(x: number, lane: number, keyWords: readonly number[]): number {
  let y = x;
  for (let step = 0; step < 4; step++) {
    y = H_PERMUTATIONS[step][lane][y] ^ ((keyWords[3 - step] >>> (8 * lane)) & 0xff);
  }
  return H_PERMUTATIONS[4][lane][y];
}

/** h(X, L) for X = byte · 0x01010101, the only form the subkey schedule uses (ρ multiples). */
function hOfRepeatedByte(byte: number, keyWords: readonly number[]): number {
  let word = 0;
  for (let lane = 0; lane < 4; lane++) word ^= mdsColumn(keyedSBox(byte, lane, keyWords), lane);
  return word;
}

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

function byteSwap(x: number): number {
  return (x >>> 24) | ((x >>> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24);
}

/**
 * Twofish with a 256-bit key (Schneier et al.), as Go's x/crypto/twofish. The key-dependent S-boxes and MDS
 * are folded into four 256-entry tables so g(X) is four lookups. Twofish is little-endian; the big-endian
 * words of the CFB interface are byte-swapped on the way in and out.
 */
export class Twofish implements BlockFunction {
  readonly blockSize = 16;
  private readonly subkeys = new Int32Array(SUBKEYS);
  /** g's lanes 0..3 back to back: table[256 * lane + byte]. */
  private readonly g = new Int32Array(4 * 256);

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE) {
      throw new Error(`key must be ${KEY_SIZE} bytes for Twofish, got ${key.length}`);
    }
    const even: number[] = [];
    const odd: number[] = [];
    const sBoxKey: number[] = [];
    for (let i = 0; i < KEY_WORDS_64; i++) {
      even.push(key.readUInt32LE(8 * i));
      odd.push(key.readUInt32LE(8 * i + 4));
      let s = 0;
      for (let row = 0; row < 4; row++) {
        let byte = 0;
        for (let col = 0; col < 8; col++) byte ^= gfMultiply(RS[row][col], key[8 * i + col], RS_POLYNOMIAL);
        s |= byte << (8 * row);
      }
      // g uses the S vector in reverse order: S_{k-1} is its first key word.
      sBoxKey.unshift(s >>> 0);
    }
    for (let i = 0; i < SUBKEYS / 2; i++) {
      const a = hOfRepeatedByte(2 * i, even);
      const b = rotl(hOfRepeatedByte(2 * i + 1, odd), 8);
      this.subkeys[2 * i] = a + b;
      this.subkeys[2 * i + 1] = rotl((a + 2 * b) | 0, 9);
    }
    for (let lane = 0; lane < 4; lane++) {
      for (let x = 0; x < 256; x++) this.g[256 * lane + x] = mdsColumn(keyedSBox(x, lane, sBoxKey), lane);
    }
  }

  encryptBlock(words: Int32Array): void {
    const { subkeys: k, g } = this;
    let r0 = byteSwap(words[0]) ^ k[0];
    let r1 = byteSwap(words[1]) ^ k[1];
    let r2 = byteSwap(words[2]) ^ k[2];
    let r3 = byteSwap(words[3]) ^ k[3];
    for (let round = 0; round < ROUNDS; round += 2) {
      let t0 = gOf(g, r0);
      let t1 = gOfRotated(g, r1);
      r2 = rotl(r2 ^ ((t0 + t1 + k[8 + 2 * round]) | 0), 31);
      r3 = rotl(r3, 1) ^ ((t0 + 2 * t1 + k[9 + 2 * round]) | 0);
      t0 = gOf(g, r2);
      t1 = gOfRotated(g, r3);
      r0 = rotl(r0 ^ ((t0 + t1 + k[10 + 2 * round]) | 0), 31);
      r1 = rotl(r1, 1) ^ ((t0 + 2 * t1 + k[11 + 2 * round]) | 0);
    }
    words[0] = byteSwap(r2 ^ k[4]);
    words[1] = byteSwap(r3 ^ k[5]);
    words[2] = byteSwap(r0 ^ k[6]);
    words[3] = byteSwap(r1 ^ k[7]);
  }
}

/** g(x) from the folded tables. */
function gOf(g: Int32Array, x: number): number {
  return g[x & 0xff] ^ g[256 | ((x >>> 8) & 0xff)] ^ g[512 | ((x >>> 16) & 0xff)] ^ g[768 | (x >>> 24)];
}

/** g(ROL(x, 8)), as the round function applies it to its second word. */
function gOfRotated(g: Int32Array, x: number): number {
  return g[x >>> 24] ^ g[256 | (x & 0xff)] ^ g[512 | ((x >>> 8) & 0xff)] ^ g[768 | ((x >>> 16) & 0xff)];
}
