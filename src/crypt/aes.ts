import { type Cipher, createCipheriv } from 'node:crypto';
import type { BlockCrypt } from './types.js';

/** kcp-go's fixed, public CFB IV (spec 2.3); per-packet variety comes from the encrypted nonce. */
export const CFB_INITIAL_VECTOR: Buffer = Buffer.from('a7734f9c12ac1b01a415f2c1fc78e66b', 'hex');

const BLOCK_SIZE = 16;
/** Room for a 1500-byte datagram plus the leading block; grown on demand for larger inputs. */
const INITIAL_SCRATCH_SIZE = 2048;

/** The IV as two 64-bit words in its own aligned memory (Buffer.from may hand out an unaligned pool slice). */
const IV_WORDS = new BigUint64Array(Uint8Array.from(CFB_INITIAL_VECTOR).buffer);

const ALGORITHM_BY_KEY_SIZE: Readonly<Record<number, string>> = {
  16: 'aes-128',
  24: 'aes-192',
  32: 'aes-256',
};

function persistentCipher(algorithm: string, key: Buffer, iv: Buffer | null): Cipher {
  const cipher = createCipheriv(algorithm, key, iv);
  cipher.setAutoPadding(false);
  return cipher;
}

/**
 * AES in kcp-go's CFB mode (full 16-byte segments, fixed IV, a trailing partial block XORed with a
 * truncated keystream block), computed with two long-lived OpenSSL contexts instead of one per packet.
 *
 * CFB keystream: K_0 = E(IV), K_i = E(C_{i-1}).
 * - Decrypt: every C is known up front, so K = ECB([IV, C_0 .. C_{n-2}]) in one call.
 * - Encrypt: a CBC context with a zero IV maps input block X_j to O_j = E(X_j ^ O_{j-1}), where O_{-1} is
 *   the last output of the previous call. Feeding [IV ^ O_{-1}, P_0 .. P_{n-2}] yields O_0 = E(IV) = K_0
 *   and O_i = E(P_{i-1} ^ K_{i-1}) = E(C_{i-1}) = K_i. So the CBC context's carried-over chaining value is
 *   cancelled by the first block, and only O_{-1} has to be remembered between calls.
 * The keystream is then XORed in JS 64 bits at a time, over copies in aligned scratch buffers.
 */
export class AesCfbBlockCrypt implements BlockCrypt {
  private readonly chainer: Cipher;
  private readonly ecb: Cipher;
  /** Last CBC output of the previous encrypt call, as two 64-bit words. */
  private readonly chain = new BigUint64Array(2);
  /** data[0,16) = the leading block fed to OpenSSL, data[16, 16+len) = a copy of the packet. */
  private data!: Buffer;
  private data64!: BigUint64Array;
  /** keys[16, 16+len) = the keystream, aligned with data. */
  private keys!: Buffer;
  private keys64!: BigUint64Array;

  constructor(key: Buffer) {
    const algorithm = ALGORITHM_BY_KEY_SIZE[key.length];
    if (algorithm === undefined) throw new Error(`key must be 16, 24 or 32 bytes for AES, got ${key.length}`);
    this.chainer = persistentCipher(`${algorithm}-cbc`, key, Buffer.alloc(BLOCK_SIZE));
    this.ecb = persistentCipher(`${algorithm}-ecb`, key, null);
    this.allocateScratch(INITIAL_SCRATCH_SIZE);
  }

  encrypt(buf: Buffer, len: number): void {
    if (len <= 0) return;
    const blocks = this.load(buf, len);
    const data64 = this.data64;
    data64[0] = IV_WORDS[0] ^ this.chain[0];
    data64[1] = IV_WORDS[1] ^ this.chain[1];
    const stream = this.chainer.update(this.data.subarray(0, blocks * BLOCK_SIZE));
    this.xorAndStore(stream, buf, len);
    // The last keystream block sits at keys[16 * blocks, 16 * blocks + 16), i.e. words 2 * blocks and 2 * blocks + 1.
    const last = 2 * blocks;
    this.chain[0] = this.keys64[last];
    this.chain[1] = this.keys64[last + 1];
  }

  decrypt(buf: Buffer, len: number): void {
    if (len <= 0) return;
    const blocks = this.load(buf, len);
    this.data64[0] = IV_WORDS[0];
    this.data64[1] = IV_WORDS[1];
    const stream = this.ecb.update(this.data.subarray(0, blocks * BLOCK_SIZE));
    this.xorAndStore(stream, buf, len);
  }

  /** Copies the packet behind the leading block and returns the number of (partial) blocks it spans. */
  private load(buf: Buffer, len: number): number {
    const blocks = (len + BLOCK_SIZE - 1) >>> 4;
    if ((blocks + 1) * BLOCK_SIZE > this.data.length) this.allocateScratch((blocks + 1) * BLOCK_SIZE * 2);
    buf.copy(this.data, BLOCK_SIZE, 0, len);
    return blocks;
  }

  /** buf[0, len) = packet ^ keystream; `stream` holds one keystream block per packet block. */
  private xorAndStore(stream: Buffer, buf: Buffer, len: number): void {
    stream.copy(this.keys, BLOCK_SIZE);
    const data64 = this.data64;
    const keys64 = this.keys64;
    const endWord = 2 + ((len + 7) >>> 3);
    for (let i = 2; i < endWord; i++) data64[i] ^= keys64[i];
    this.data.copy(buf, 0, BLOCK_SIZE, BLOCK_SIZE + len);
  }

  private allocateScratch(size: number): void {
    this.data = Buffer.alloc(size);
    this.data64 = new BigUint64Array(this.data.buffer, this.data.byteOffset, size >>> 3);
    this.keys = Buffer.alloc(size);
    this.keys64 = new BigUint64Array(this.keys.buffer, this.keys.byteOffset, size >>> 3);
  }
}
