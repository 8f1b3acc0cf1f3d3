import { type Cipher, createCipheriv, getCipherInfo, getCiphers } from 'node:crypto';
import type { BlockCrypt } from './types.js';

/** kcp-go's fixed, public CFB IV (docs/protocol.md §2.3); per-packet variety comes from the encrypted nonce. */
export const CFB_INITIAL_VECTOR: Buffer = Buffer.from('a7734f9c12ac1b01a415f2c1fc78e66b', 'hex');

/** Room for a 1500-byte datagram plus the leading block; grown on demand for larger inputs. */
const INITIAL_SCRATCH_SIZE = 2048;

/** The IV as 64-bit words in its own aligned memory (Buffer.from may hand out an unaligned pool slice). */
const IV_WORDS = new BigUint64Array(Uint8Array.from(CFB_INITIAL_VECTOR).buffer);

const AES_BY_KEY_SIZE: Readonly<Record<number, string>> = {
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
 * kcp-go's CFB mode (full-block segments, fixed IV — its first 8 bytes for 64-bit ciphers — and a trailing
 * partial block XORed with a truncated keystream block) over any block cipher of Node's OpenSSL, computed
 * with two long-lived OpenSSL contexts instead of one per packet.
 *
 * CFB keystream: K_0 = E(IV), K_i = E(C_{i-1}).
 * - Decrypt: every C is known up front, so K = ECB([IV, C_0 .. C_{n-2}]) in one call.
 * - Encrypt: a CBC context with a zero IV maps input block X_j to O_j = E(X_j ^ O_{j-1}), where O_{-1} is
 *   the last output of the previous call. Feeding [IV ^ O_{-1}, P_0 .. P_{n-2}] yields O_0 = E(IV) = K_0
 *   and O_i = E(P_{i-1} ^ K_{i-1}) = E(C_{i-1}) = K_i. So the CBC context's carried-over chaining value is
 *   cancelled by the first block, and only O_{-1} has to be remembered between calls.
 * The keystream is then XORed in JS 64 bits at a time, over copies in aligned scratch buffers.
 */
export class OpenSslCfbBlockCrypt implements BlockCrypt {
  private readonly blockSize: number;
  /** log2(blockSize): 3 or 4. */
  private readonly blockShift: number;
  private readonly blockWords: number;
  private readonly chainer: Cipher;
  private readonly ecb: Cipher;
  /** Last CBC output of the previous encrypt call, as 64-bit words. */
  private readonly chain: BigUint64Array;
  /** data[0,bs) = the leading block fed to OpenSSL, data[bs, bs+len) = a copy of the packet. */
  private data!: Buffer;
  private data64!: BigUint64Array;
  /** keys[bs, bs+len) = the keystream, aligned with data. */
  private keys!: Buffer;
  private keys64!: BigUint64Array;

  /**
   * `algorithm` is an OpenSSL name without mode (`aes-128`, `des-ede3`, `sm4`). Returns undefined when this
   * Node's OpenSSL cannot run it (not built in, or only in the legacy provider), so the caller falls back.
   */
  static create(algorithm: string, key: Buffer): OpenSslCfbBlockCrypt | undefined {
    const available = getCiphers();
    if (!available.includes(`${algorithm}-ecb`) || !available.includes(`${algorithm}-cbc`)) return undefined;
    try {
      return new OpenSslCfbBlockCrypt(algorithm, key);
    } catch {
      return undefined;
    }
  }

  protected constructor(algorithm: string, key: Buffer) {
    const blockSize = getCipherInfo(`${algorithm}-ecb`)?.blockSize;
    if (blockSize !== 8 && blockSize !== 16) throw new Error(`${algorithm} is not a 64/128-bit block cipher`);
    this.blockSize = blockSize;
    this.blockShift = blockSize === 8 ? 3 : 4;
    this.blockWords = blockSize >>> 3;
    this.chain = new BigUint64Array(this.blockWords);
    this.chainer = persistentCipher(`${algorithm}-cbc`, key, Buffer.alloc(blockSize));
    this.ecb = persistentCipher(`${algorithm}-ecb`, key, null);
    this.allocateScratch(INITIAL_SCRATCH_SIZE);
  }

  encrypt(buf: Buffer, len: number): void {
    if (len <= 0) return;
    const blocks = this.load(buf, len);
    const { data64, chain, blockWords } = this;
    for (let w = 0; w < blockWords; w++) data64[w] = IV_WORDS[w] ^ chain[w];
    const stream = this.chainer.update(this.data.subarray(0, blocks << this.blockShift));
    this.xorAndStore(stream, buf, len);
    // The last keystream block sits at keys[bs * blocks, bs * blocks + bs).
    const last = blocks * blockWords;
    for (let w = 0; w < blockWords; w++) chain[w] = this.keys64[last + w];
  }

  decrypt(buf: Buffer, len: number): void {
    if (len <= 0) return;
    const blocks = this.load(buf, len);
    for (let w = 0; w < this.blockWords; w++) this.data64[w] = IV_WORDS[w];
    const stream = this.ecb.update(this.data.subarray(0, blocks << this.blockShift));
    this.xorAndStore(stream, buf, len);
  }

  /** Copies the packet behind the leading block and returns the number of (partial) blocks it spans. */
  private load(buf: Buffer, len: number): number {
    const bs = this.blockSize;
    const blocks = (len + bs - 1) >>> this.blockShift;
    if ((blocks + 1) * bs > this.data.length) this.allocateScratch((blocks + 1) * bs * 2);
    buf.copy(this.data, bs, 0, len);
    return blocks;
  }

  /** buf[0, len) = packet ^ keystream; `stream` holds one keystream block per packet block. */
  private xorAndStore(stream: Buffer, buf: Buffer, len: number): void {
    const bs = this.blockSize;
    stream.copy(this.keys, bs);
    const data64 = this.data64;
    const keys64 = this.keys64;
    const endWord = this.blockWords + ((len + 7) >>> 3);
    for (let i = this.blockWords; i < endWord; i++) data64[i] ^= keys64[i];
    this.data.copy(buf, 0, bs, bs + len);
  }

  private allocateScratch(size: number): void {
    this.data = Buffer.alloc(size);
    this.data64 = new BigUint64Array(this.data.buffer, this.data.byteOffset, size >>> 3);
    this.keys = Buffer.alloc(size);
    this.keys64 = new BigUint64Array(this.keys.buffer, this.keys.byteOffset, size >>> 3);
  }
}

/** AES-128/192/256 (by key length) in kcp-go's CFB mode. */
export class AesCfbBlockCrypt extends OpenSslCfbBlockCrypt {
  constructor(key: Buffer) {
    const algorithm = AES_BY_KEY_SIZE[key.length];
    if (algorithm === undefined) throw new Error(`key must be 16, 24 or 32 bytes for AES, got ${key.length}`);
    super(algorithm, key);
  }
}
