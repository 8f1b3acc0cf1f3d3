import type { BlockFunction } from './cfb.js';

const DELTA = 0x9e3779b9;
/** XTEA's 64 Feistel rounds (32 cycles); each round has its own precomputed `sum + key word`. */
const ROUNDS = 64;
const KEY_SIZE = 16;

/**
 * XTEA (Needham & Wheeler), standard 32 cycles, big-endian words as in Go's x/crypto/xtea. The key-only
 * term of every round, sum + k[sum-selected word], is precomputed once.
 */
export class Xtea implements BlockFunction {
  readonly blockSize = 8;
  private readonly roundKeys = new Int32Array(ROUNDS);

  constructor(key: Buffer) {
    if (key.length !== KEY_SIZE) throw new Error(`key must be ${KEY_SIZE} bytes for XTEA, got ${key.length}`);
    const k = [key.readInt32BE(0), key.readInt32BE(4), key.readInt32BE(8), key.readInt32BE(12)];
    let sum = 0;
    for (let i = 0; i < ROUNDS; i += 2) {
      this.roundKeys[i] = sum + k[sum & 3];
      sum = (sum + DELTA) >>> 0;
      this.roundKeys[i + 1] = sum + k[(sum >>> 11) & 3];
    }
  }

  encryptBlock(words: Int32Array): void {
    const roundKeys = this.roundKeys;
    let v0 = words[0];
    let v1 = words[1];
    for (let i = 0; i < ROUNDS; i += 2) {
      v0 = (v0 + ((((((v1 << 4) ^ (v1 >>> 5)) + v1) | 0) ^ roundKeys[i]) | 0)) | 0;
      v1 = (v1 + ((((((v0 << 4) ^ (v0 >>> 5)) + v0) | 0) ^ roundKeys[i + 1]) | 0)) | 0;
    }
    words[0] = v0;
    words[1] = v1;
  }
}
