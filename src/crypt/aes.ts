import { type Cipher, createCipheriv, getCipherInfo, getCiphers } from 'node:crypto';
import { AesMultiBuffer } from './aes-multi-buffer.js';
import type { DatagramBatch } from './batch.js';
import type { BlockCrypt } from './types.js';

/** kcp-go's fixed, public CFB IV (docs/protocol.md §2.3); per-packet variety comes from the encrypted nonce. */
export const CFB_INITIAL_VECTOR: Buffer = Buffer.from('a7734f9c12ac1b01a415f2c1fc78e66b', 'hex');

/** Room for a 1500-byte datagram plus the leading block; grown on demand for larger inputs. */
const INITIAL_SCRATCH_SIZE = 2048;
/**
 * Bytes of ciphertext (IV blocks included) per OpenSSL call of `decryptMany`: about 45 datagrams of 1400
 * bytes, enough to share the call's fixed cost (~1.7 µs on the 2-core VM, as much as the AES work of 5 KB)
 * while the scratch buffers stay small.
 */
const MAX_BATCH_BYTES = 65536;

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
 * - Decrypt: every C is known up front, so K = ECB([IV, C_0 .. C_{n-2}]) in one call, and the keystreams
 *   of many datagrams in one call too (`decryptMany`): each call into OpenSSL has a fixed cost larger than
 *   the AES work on a whole datagram.
 * - Encrypt: a CBC context with a zero IV maps input block X_j to O_j = E(X_j ^ O_{j-1}), where O_{-1} is
 *   the last output of the previous call. Feeding [IV ^ O_{-1}, P_0 .. P_{n-2}] yields O_0 = E(IV) = K_0
 *   and O_i = E(P_{i-1} ^ K_{i-1}) = E(C_{i-1}) = K_i. So the CBC context's carried-over chaining value is
 *   cancelled by the first block, and only O_{-1} has to be remembered between calls. That chaining
 *   value depends on the previous datagram's last block, so encryption takes one call per datagram.
 * The keystream is then XORed in JS 64 bits at a time, over copies in aligned scratch buffers.
 */
export class OpenSslCfbBlockCrypt implements BlockCrypt {
  private readonly blockSize: number;
  /** log2(blockSize): 3 or 4. */
  private readonly blockShift: number;
  /** 64-bit words per block: 1 or 2. */
  private readonly blockWords: number;
  private readonly chainer: Cipher;
  private readonly ecb: Cipher;
  /** Last CBC output of the previous encrypt call, as 64-bit words. */
  private readonly chain: BigUint64Array;
  /**
   * One datagram: data[0,bs) = the leading block fed to OpenSSL, data[bs, bs+len) = a copy of the packet.
   * `decryptMany` lays out one such region per datagram, back to back, each a whole number of blocks.
   */
  private data!: Buffer;
  private data64!: BigUint64Array;
  /** keys[bs, bs+len) = the keystream, aligned with data (decryptMany: keys[r, r+len) for region r). */
  private keys!: Buffer;
  private keys64!: BigUint64Array;
  /** leads[n] = data[0, n blocks): what one encrypt of an n-block packet feeds OpenSSL, made once per size. */
  private leads: Buffer[] = [];

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
    const stream = this.chainer.update(this.leads[blocks] ?? this.lead(blocks));
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

  decryptMany(batch: DatagramBatch, from: number, to: number): void {
    const lengths = batch.lengths;
    for (let first = from; first < to; ) {
      // The datagrams [first, last) whose regions fit MAX_BATCH_BYTES (at least one).
      let total = 0;
      let last = first;
      for (; last < to; last++) {
        const size = this.regionSize(lengths[last]);
        if (total > 0 && total + size > MAX_BATCH_BYTES) break;
        total += size;
      }
      this.decryptRegions(batch, first, last, total);
      first = last;
    }
  }

  /** K_0 = E(IV), the keystream's first block, the same for every datagram. */
  protected firstKey(): Buffer {
    return this.ecb.update(CFB_INITIAL_VECTOR.subarray(0, this.blockSize));
  }

  /** Bytes of a datagram's region in decryptMany's layout: the IV block, then the datagram in whole blocks. */
  private regionSize(len: number): number {
    return len <= 0 ? 0 : (1 + ((len + this.blockSize - 1) >>> this.blockShift)) << this.blockShift;
  }

  /**
   * One ECB call over the regions of datagrams [from, to), `total` bytes. ECB of region r's blocks
   * [IV, C_0, .., C_{n-1}] gives [K_0, .., K_n]: K_j sits one block before C_j (K_n is not needed).
   */
  private decryptRegions(batch: DatagramBatch, from: number, to: number, total: number): void {
    if (total > this.data.length) this.allocateScratch(total);
    const { bufs, offsets, lengths } = batch;
    const { data, data64, blockSize: bs, blockWords } = this;
    let at = 0;
    for (let i = from; i < to; i++) {
      const len = lengths[i];
      if (len <= 0) continue;
      const w0 = at >>> 3;
      for (let w = 0; w < blockWords; w++) data64[w0 + w] = IV_WORDS[w];
      bufs[i].copy(data, at + bs, offsets[i], offsets[i] + len);
      at += this.regionSize(len);
    }
    this.ecb.update(data.subarray(0, total)).copy(this.keys, 0);
    const keys64 = this.keys64;
    at = 0;
    for (let i = from; i < to; i++) {
      const len = lengths[i];
      if (len <= 0) continue;
      const k0 = at >>> 3;
      const d0 = k0 + blockWords;
      const words = (len + 7) >>> 3;
      for (let w = 0; w < words; w++) data64[d0 + w] ^= keys64[k0 + w];
      data.copy(bufs[i], offsets[i], at + bs, at + bs + len);
      at += this.regionSize(len);
    }
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

  private lead(blocks: number): Buffer {
    const view = this.data.subarray(0, blocks << this.blockShift);
    this.leads[blocks] = view;
    return view;
  }

  private allocateScratch(size: number): void {
    this.leads = [];
    this.data = Buffer.alloc(size);
    this.data64 = new BigUint64Array(this.data.buffer, this.data.byteOffset, size >>> 3);
    this.keys = Buffer.alloc(size);
    this.keys64 = new BigUint64Array(this.keys.buffer, this.keys.byteOffset, size >>> 3);
  }
}

/**
 * AES-128/192/256 (by key length) in kcp-go's CFB mode, with `encryptMany` on OpenSSL's multi-buffer
 * AES-NI code (aes-multi-buffer.ts) where it can be had.
 */
export class AesCfbBlockCrypt extends OpenSslCfbBlockCrypt {
  /** Made on first use (it loads koffi); null where there is none. */
  private multiBuffer: AesMultiBuffer | null | undefined;

  constructor(private readonly key: Buffer) {
    const algorithm = AES_BY_KEY_SIZE[key.length];
    if (algorithm === undefined) throw new Error(`key must be 16, 24 or 32 bytes for AES, got ${key.length}`);
    super(algorithm, key);
  }

  /** Datagrams [from, to) of `batch` whose length is above 0, as `encrypt` does one. */
  encryptMany(batch: DatagramBatch, from: number, to: number): void {
    const native = this.native();
    if (native !== null) {
      native.encrypt(batch, from, to, this);
      return;
    }
    const { bufs, offsets, lengths } = batch;
    for (let i = from; i < to; i++)
      if (lengths[i] > 0) this.encrypt(offsets[i] === 0 ? bufs[i] : bufs[i].subarray(offsets[i]), lengths[i]);
  }

  /** On the AES-NI code without copies where it can be had (half the time of the OpenSSL calls). */
  override decryptMany(batch: DatagramBatch, from: number, to: number): void {
    const native = this.native();
    if (native !== null) native.decrypt(batch, from, to);
    else super.decryptMany(batch, from, to);
  }

  private native(): AesMultiBuffer | null {
    this.multiBuffer ??= AesMultiBuffer.create(this.key, this.firstKey()) ?? null;
    return this.multiBuffer;
  }
}
