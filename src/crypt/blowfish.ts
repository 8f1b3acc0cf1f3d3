import type { BlockFunction } from './cfb.js';

const ROUNDS = 16;
const P_WORDS = ROUNDS + 2;
const S_BOX_WORDS = 4 * 256;
const MIN_KEY_SIZE = 1;
const MAX_KEY_SIZE = 56;
/** Fixed-point guard bits so truncation error never reaches the 33,344 bits Blowfish uses. */
const PI_GUARD_BITS = 64n;

let piTable: Uint32Array | undefined;

/** Σ (-1)^k / ((2k+1) x^(2k+1)) in fixed point with `bits` fraction bits. */
function arctanInverse(x: number, bits: bigint): bigint {
  const xSquared = BigInt(x * x);
  let power = (1n << bits) / BigInt(x);
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= xSquared;
    const term = power / (2n * k + 1n);
    sum = k & 1n ? sum - term : sum + term;
  }
  return sum;
}

/**
 * Blowfish's initial P-array followed by its four S-boxes: by definition the first 1042 32-bit words of the
 * hexadecimal fraction of π (243f6a88 85a308d3 …). Computed once with Machin's formula
 * π = 16·atan(1/5) − 4·atan(1/239) (about 40 ms) instead of shipping 4 KiB of constants.
 */
function blowfishInitialTable(): Uint32Array {
  if (piTable !== undefined) return piTable;
  const words = P_WORDS + S_BOX_WORDS;
  const fractionBits = BigInt(words * 32);
  const bits = fractionBits + PI_GUARD_BITS;
  const pi = 16n * arctanInverse(5, bits) - 4n * arctanInverse(239, bits);
  let fraction = (pi >> PI_GUARD_BITS) & ((1n << fractionBits) - 1n);
  const table = new Uint32Array(words);
  for (let i = words - 1; i >= 0; i--) {
    table[i] = Number(fraction & 0xffffffffn);
    fraction >>= 32n;
  }
  piTable = table;
  return table;
}

/**
 * Blowfish (Schneier) with a variable-length key of 1..56 bytes, the key bytes cycled over the P-array as
 * in Go's x/crypto/blowfish `NewCipher`; kcp-go passes all 32 bytes of the derived key.
 */
export class Blowfish implements BlockFunction {
  readonly blockSize = 8;
  private readonly p = new Int32Array(P_WORDS);
  /** S-boxes 0..3 back to back. */
  private readonly s = new Int32Array(S_BOX_WORDS);

  constructor(key: Buffer) {
    if (key.length < MIN_KEY_SIZE || key.length > MAX_KEY_SIZE) {
      throw new Error(`key must be ${MIN_KEY_SIZE}..${MAX_KEY_SIZE} bytes for Blowfish, got ${key.length}`);
    }
    const initial = blowfishInitialTable();
    this.p.set(initial.subarray(0, P_WORDS));
    this.s.set(initial.subarray(P_WORDS));
    let keyPos = 0;
    for (let i = 0; i < P_WORDS; i++) {
      let word = 0;
      for (let b = 0; b < 4; b++) {
        word = (word << 8) | key[keyPos];
        keyPos = (keyPos + 1) % key.length;
      }
      this.p[i] ^= word;
    }
    // Replace P and then S, two words at a time, by encrypting the running block (starting at zero).
    const block = new Int32Array(2);
    for (const table of [this.p, this.s]) {
      for (let i = 0; i < table.length; i += 2) {
        this.encryptBlock(block);
        table[i] = block[0];
        table[i + 1] = block[1];
      }
    }
  }

  encryptBlock(words: Int32Array): void {
    const { p, s } = this;
    let l = words[0] ^ p[0];
    let r = words[1];
    // Two rounds per step, without swapping the halves.
    for (let i = 1; i < ROUNDS; i += 2) {
      r ^= p[i] ^ feistel(s, l);
      l ^= p[i + 1] ^ feistel(s, r);
    }
    words[0] = r ^ p[ROUNDS + 1];
    words[1] = l;
  }

  encryptBlockPair(words: Int32Array): void {
    const { p, s } = this;
    let l = words[0] ^ p[0];
    let r = words[1];
    let l2 = words[2] ^ p[0];
    let r2 = words[3];
    for (let i = 1; i < ROUNDS; i += 2) {
      r ^= p[i] ^ feistel(s, l);
      r2 ^= p[i] ^ feistel(s, l2);
      l ^= p[i + 1] ^ feistel(s, r);
      l2 ^= p[i + 1] ^ feistel(s, r2);
    }
    words[0] = r ^ p[ROUNDS + 1];
    words[1] = l;
    words[2] = r2 ^ p[ROUNDS + 1];
    words[3] = l2;
  }
}

/** Blowfish's F: ((S0[a] + S1[b]) ^ S2[c]) + S3[d] over the bytes a..d of x, most significant first. */
function feistel(s: Int32Array, x: number): number {
  return (
    (((s[x >>> 24] + s[256 | ((x >>> 16) & 0xff)]) ^ s[512 | ((x >>> 8) & 0xff)]) + s[768 | (x & 0xff)]) | 0
  );
}
