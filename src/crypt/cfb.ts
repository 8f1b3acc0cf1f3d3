import { CFB_INITIAL_VECTOR } from './aes.js';
import type { BlockCrypt } from './types.js';

/**
 * One block cipher's forward direction, which is all CFB needs. The block is handed over as big-endian
 * 32-bit words (2 for a 64-bit block, 4 for a 128-bit block) and encrypted in place, so no cipher has to
 * touch bytes; a little-endian cipher (Twofish) swaps the words itself.
 */
export interface BlockFunction {
  readonly blockSize: 8 | 16;
  encryptBlock(words: Int32Array): void;
  /**
   * Optional: two independent blocks at once (words holds both, back to back). CFB decryption can use it,
   * since every keystream block there comes from known ciphertext; interleaving two dependency chains lets
   * the CPU overlap them, which roughly halves the time of ciphers with long serial rounds (Blowfish).
   */
  encryptBlockPair?(words: Int32Array): void;
}

/** As a signed 32-bit integer, the representation V8 keeps in registers. */
function readWordBE(buf: Buffer, offset: number): number {
  return (buf[offset] << 24) | (buf[offset + 1] << 16) | (buf[offset + 2] << 8) | buf[offset + 3];
}

function writeWordBE(buf: Buffer, offset: number, word: number): void {
  buf[offset] = word >>> 24;
  buf[offset + 1] = word >>> 16;
  buf[offset + 2] = word >>> 8;
  buf[offset + 3] = word;
}

/** XORs buf[start, end) (shorter than a block) with the leading bytes of the big-endian keystream words. */
function xorPartialBlock(buf: Buffer, start: number, end: number, keystream: Int32Array): void {
  for (let i = start; i < end; i++) {
    const k = i - start;
    buf[i] ^= keystream[k >>> 2] >>> (24 - 8 * (k & 3));
  }
}

/**
 * kcp-go's packet CFB (docs/protocol.md §2.3) over a pure-TypeScript block function: full-block segments, the fixed IV
 * (its first 8 bytes for 64-bit ciphers), K_0 = E(IV), K_i = E(C_{i-1}), and a trailing partial block XORed
 * with the next keystream block. Each call starts again from the IV. Exactly ceil(len / blockSize) block
 * encryptions per packet, no allocation.
 */
export class CfbBlockCrypt implements BlockCrypt {
  /** The feedback register: C_{i-1} (or the IV), encrypted in place into K_i. */
  private readonly register: Int32Array;
  private readonly iv: Int32Array;
  /** Two blocks for `encryptBlockPair`. */
  private readonly pair: Int32Array;

  constructor(private readonly cipher: BlockFunction) {
    const wordsPerBlock = cipher.blockSize >>> 2;
    this.register = new Int32Array(wordsPerBlock);
    this.pair = new Int32Array(2 * wordsPerBlock);
    this.iv = new Int32Array(wordsPerBlock);
    for (let w = 0; w < wordsPerBlock; w++) this.iv[w] = CFB_INITIAL_VECTOR.readInt32BE(4 * w);
  }

  encrypt(buf: Buffer, len: number): void {
    const { cipher, register } = this;
    const blockSize = cipher.blockSize;
    const wordsPerBlock = register.length;
    const fullEnd = len - (len % blockSize);
    register.set(this.iv);
    for (let offset = 0; offset < fullEnd; offset += blockSize) {
      cipher.encryptBlock(register);
      for (let w = 0, o = offset; w < wordsPerBlock; w++, o += 4) {
        const c = readWordBE(buf, o) ^ register[w];
        writeWordBE(buf, o, c);
        register[w] = c;
      }
    }
    if (fullEnd < len) {
      cipher.encryptBlock(register);
      xorPartialBlock(buf, fullEnd, len, register);
    }
  }

  decrypt(buf: Buffer, len: number): void {
    const { cipher, register, pair } = this;
    const blockSize = cipher.blockSize;
    const wordsPerBlock = register.length;
    const fullEnd = len - (len % blockSize);
    register.set(this.iv);
    let offset = 0;
    if (cipher.encryptBlockPair !== undefined) {
      for (; offset + 2 * blockSize <= fullEnd; offset += 2 * blockSize) {
        // pair = [C_{i-1}, C_i] becomes [K_i, K_{i+1}]; the register moves on to C_{i+1}.
        for (let w = 0, o = offset; w < wordsPerBlock; w++, o += 4) {
          pair[w] = register[w];
          pair[wordsPerBlock + w] = readWordBE(buf, o);
          register[w] = readWordBE(buf, o + blockSize);
        }
        cipher.encryptBlockPair(pair);
        for (let w = 0, o = offset; w < 2 * wordsPerBlock; w++, o += 4)
          writeWordBE(buf, o, readWordBE(buf, o) ^ pair[w]);
      }
    }
    for (; offset < fullEnd; offset += blockSize) {
      cipher.encryptBlock(register);
      for (let w = 0, o = offset; w < wordsPerBlock; w++, o += 4) {
        const c = readWordBE(buf, o);
        writeWordBE(buf, o, c ^ register[w]);
        register[w] = c;
      }
    }
    if (fullEnd < len) {
      cipher.encryptBlock(register);
      xorPartialBlock(buf, fullEnd, len, register);
    }
  }
}
