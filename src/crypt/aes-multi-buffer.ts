import { createRequire } from 'node:module';
import type { DatagramBatch } from './batch.js';
import { bindNativeXor, type NativeXor } from './native-xor.js';
import type { BlockCrypt } from './types.js';

/**
 * kcp-go's AES-CFB encryption (docs/protocol.md §2.3) of many datagrams at once on OpenSSL's multi-buffer
 * AES-NI code, which the Node.js binary exports: `aesni_multi_cbc_encrypt` runs the CBC encryptions of 8
 * independent buffers interleaved (4 at a time without AVX), so the AES unit pipelines them.
 *
 * CFB is a serial chain within a datagram: C_j = P_j ^ K_j with K_0 = E(IV), K_j = E(C_{j-1}). CBC with
 * the IV K_0 over P_0 .. P_{n-2} outputs O_j = E(P_j ^ O_{j-1}), that is O_0 = E(P_0 ^ K_0) = E(C_0) = K_1
 * and on by induction O_j = K_{j+1}: the keystream from K_1, read straight from the datagram (no copy),
 * written to a scratch lane, then XORed with the datagram: natively (native-xor.ts) where it can be had,
 * else in JS. K_0 is the same for every datagram: computed once.
 *
 * A datagram alone runs one serial chain as OpenSSL's CFB would (~2.5 µs for 1400 bytes of AES-256); 8
 * of them cost about as much together (bench/crypt-bench.ts, seal lines).
 *
 * Decryption has no chain (K_j = E(C_{j-1}), all known): `aesni_ecb_encrypt` reads the ciphertext in place
 * (docs/bench-tunnel-seal-2026-12-03.md: 0.6-1.0 against 1.8 µs per datagram through `Cipher#update`).
 *
 * Needs x86-64 with AES-NI (OpenSSL's own CPUID probe says so), koffi, and a Node.js with its bundled
 * OpenSSL (a Node.js on a shared libcrypto does not export these internal symbols): else `create` says no.
 */

/** Lanes per call: `num` = 2 runs 8 descriptors (AVX: one 8-wide pass; else two 4-wide passes). */
const LANES = 8;
const CALL_GROUPS = 2;
/** struct { const u8 *inp; u8 *out; int blocks; u64 iv[2]; } of aesni-mb-x86_64.pl, 40 bytes a lane. */
const DESCRIPTOR_WORDS = 10;
const DESCRIPTOR_INPUT = 0;
const DESCRIPTOR_OUTPUT = 2;
const DESCRIPTOR_BLOCKS = 4;
const DESCRIPTOR_IV = 6;
/** struct aes_key_st: 60 round-key words and the round count; 256 bytes keep what follows aligned. */
const KEY_SCHEDULE_BYTES = 256;
const DESCRIPTORS_BYTES = LANES * DESCRIPTOR_WORDS * 4;
/** Room per lane for the keystream of a datagram up to KCP_MTU_LIMIT (1500) bytes; grown on demand. */
const INITIAL_LANE_BYTES = 1536;
const BLOCK = 16;
/** OPENSSL_ia32_cpuid's result: CPUID.1:ECX in the high half; ECX bit 25 is AES-NI. */
const AESNI_CAPABILITY_BIT = 57n;
/** OPENSSL_ia32_cpuid writes the extended capability words into its argument (4 words in 3.0, more later). */
const CAPABILITY_WORDS = 16;
const TWO_32 = 2 ** 32;
/**
 * Fewest words XORed through the native call: below it JS is as fast (JS ~1.7 ns a word, the call ~60 ns
 * of koffi's fixed cost and ~0.3 ns a word; an ACK-only datagram has ~15).
 */
const NATIVE_XOR_MIN_WORDS = 48;

/** The subset of koffi used here, typed locally (the package is optional). */
interface Koffi {
  load(path: null): { func(name: string, result: string, args: string[]): (...args: unknown[]) => unknown };
  address(pointer: unknown): bigint;
  view(pointer: unknown, length: number): ArrayBuffer;
}

interface MultiBufferFunctions {
  koffi: Koffi;
  setEncryptKey(key: Buffer, bits: number, schedule: number): number;
  multiCbcEncrypt(descriptors: number, schedule: number, groups: number): void;
  /** aesni_ecb_encrypt(in, out, length, key, enc): `length` bytes of whole blocks, 8 blocks interleaved. */
  ecbEncrypt(input: number, output: number, length: number, schedule: number, encrypt: 1): void;
  /** memmove(p, p, 0) returns p: the native address of a buffer koffi passes by reference. */
  addressOf(bytes: Uint8Array, same: Uint8Array, zero: number): number;
  malloc(size: number): unknown;
  free(pointer: unknown): void;
  /** The keystream XOR in native code, or null (JS does it). */
  xor: NativeXor | null;
}

let bound: MultiBufferFunctions | null | undefined;

function functions(): MultiBufferFunctions | null {
  if (bound !== undefined) return bound;
  bound = null;
  if (process.arch !== 'x64') return bound;
  try {
    // The optional FFI package src/transport/libc.ts binds too (Node loads a package once).
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    // dlopen(NULL): the process's own symbols, the Node.js binary's OpenSSL among them.
    const lib = koffi.load(null);
    const fn = <F>(name: string, result: string, args: string[]): F => lib.func(name, result, args) as F;
    const cpuid = fn<(words: Uint32Array) => bigint>('OPENSSL_ia32_cpuid', 'uint64_t', ['void *']);
    if (((BigInt(cpuid(new Uint32Array(CAPABILITY_WORDS))) >> AESNI_CAPABILITY_BIT) & 1n) === 0n)
      return bound;
    const addressOf = fn<MultiBufferFunctions['addressOf']>('memmove', 'intptr_t', [
      'void *',
      'void *',
      'size_t',
    ]);
    bound = {
      koffi,
      setEncryptKey: fn('aesni_set_encrypt_key', 'int', ['const uint8_t *', 'int', 'intptr_t']),
      multiCbcEncrypt: fn('aesni_multi_cbc_encrypt', 'void', ['intptr_t', 'intptr_t', 'int']),
      ecbEncrypt: fn('aesni_ecb_encrypt', 'void', ['intptr_t', 'intptr_t', 'size_t', 'intptr_t', 'int']),
      addressOf,
      malloc: fn('malloc', 'void *', ['size_t']),
      free: fn('free', 'void', ['void *']),
      xor: bindNativeXor(lib, addressOf),
    };
  } catch {
    // No koffi, another OpenSSL, or symbols this Node.js does not export: callers keep to Node's crypto.
  }
  return bound;
}

export class AesMultiBuffer {
  /** K_0 = E(IV), as 64-bit words and bytes (host order: only ever XORed with bytes). */
  private readonly firstKey: BigUint64Array;
  private readonly firstKeyBytes: Uint8Array;
  private memory: unknown = null;
  private scheduleAddress = 0;
  private descriptorsAddress = 0;
  private descriptors = new Uint32Array(0);
  private laneBytes = 0;
  private lanesAddress = 0;
  private lanes = new BigUint64Array(0);
  private laneBytesView = new Uint8Array(0);
  /** Batch positions of the datagrams in the lanes of the call being prepared. */
  private readonly inLane = new Int32Array(LANES);
  /** The ArrayBuffer seen last, its native address and word view: send slots share one. */
  private lastBuffer: ArrayBufferLike | null = null;
  private lastAddress = 0;
  private lastView: BigUint64Array<ArrayBufferLike> = new BigUint64Array(0);

  /**
   * For an AES key of 16, 24 or 32 bytes and kcp-go's IV (16 bytes), with `firstKey` = E(IV) from the
   * caller's cipher; undefined where the multi-buffer code cannot be had. `nativeXor` false keeps the XOR
   * in JS (tests compare the two).
   */
  static create(key: Buffer, firstKey: Uint8Array, { nativeXor = true } = {}): AesMultiBuffer | undefined {
    const f = functions();
    if (f === null) return undefined;
    try {
      return new AesMultiBuffer(f, key, firstKey, nativeXor ? f.xor : null);
    } catch {
      return undefined;
    }
  }

  private constructor(
    private readonly f: MultiBufferFunctions,
    private readonly key: Buffer,
    firstKey: Uint8Array,
    private readonly xor: NativeXor | null,
  ) {
    this.firstKeyBytes = Uint8Array.from(firstKey.subarray(0, BLOCK));
    this.firstKey = new BigUint64Array(this.firstKeyBytes.buffer);
    this.allocate(INITIAL_LANE_BYTES);
  }

  /**
   * Encrypts in place datagrams [from, to) of `batch` whose length is above 0. One whose start is not
   * 8-byte aligned (never a send slot) is left to `serial`.
   */
  encrypt(batch: DatagramBatch, from: number, to: number, serial: BlockCrypt): void {
    const { bufs, offsets, lengths } = batch;
    this.fit(lengths, from, to);
    const inLane = this.inLane;
    let used = 0;
    for (let i = from; i < to; i++) {
      const len = lengths[i];
      if (len <= 0) continue;
      const buf = bufs[i];
      const start = buf.byteOffset + offsets[i];
      if ((start & 7) !== 0) {
        serial.encrypt(buf.subarray(offsets[i]), len);
        continue;
      }
      if (len <= BLOCK) {
        // K_0 alone: no AES. Kept out of the lanes, so that the lanes in use are the first ones: without
        // AVX the code runs 4 lanes after 4 and stops at the first 4 that have no blocks.
        this.xorFirstBlock(buf, offsets[i], len);
        continue;
      }
      if (buf.buffer !== this.lastBuffer) this.lookUp(buf.buffer);
      this.setLane(used, this.lastAddress + start, (len - 1) >>> 4);
      inLane[used++] = i;
      if (used === LANES) {
        this.run(batch, used);
        used = 0;
      }
    }
    if (used > 0) this.run(batch, used);
  }

  /**
   * Decrypts in place datagrams [from, to) of `batch` whose length is above 0. CFB decryption needs no
   * chain: K_1 .. = E(C_0 ..) straight from the datagram into lane 0 (aesni_ecb_encrypt, one call per
   * datagram, its blocks interleaved), then the XOR. No copy, also for a datagram that is not 8-byte
   * aligned (a GRO segment behind one of odd length): its keystream is written as misaligned as it is.
   */
  decrypt(batch: DatagramBatch, from: number, to: number): void {
    const { bufs, offsets, lengths } = batch;
    this.fit(lengths, from, to);
    for (let i = from; i < to; i++) {
      const len = lengths[i];
      if (len <= 0) continue;
      const buf = bufs[i];
      const offset = offsets[i];
      if (len <= BLOCK) {
        this.xorFirstBlock(buf, offset, len);
        continue;
      }
      const start = buf.byteOffset + offset;
      if (buf.buffer !== this.lastBuffer) this.lookUp(buf.buffer);
      // K_1 .. go to the lane at the datagram's own misalignment, so that its words and theirs line up
      this.f.ecbEncrypt(
        this.lastAddress + start,
        this.lanesAddress + (start & 7),
        ((len - 1) >>> 4) << 4,
        this.scheduleAddress,
        1,
      );
      this.xorShifted(start, buf, offset, len);
    }
  }

  /**
   * buf[offset, offset + len), at byte `start` of its ArrayBuffer, ^= K_0 ‖ K_1 .., with K_1 .. at byte
   * `start & 7` of lane 0 (decrypt): bytes one by one up to the first 64-bit word of the buffer past K_0,
   * then whole words of both, then the tail.
   */
  private xorShifted(start: number, buf: Buffer, offset: number, len: number): void {
    const { firstKeyBytes, laneBytesView } = this;
    // lane byte of datagram byte b (>= BLOCK)
    const shift = (start & 7) - BLOCK;
    const head = Math.min(len, BLOCK + ((8 - ((start + BLOCK) & 7)) & 7));
    for (let b = 0; b < head; b++) buf[offset + b] ^= b < BLOCK ? firstKeyBytes[b] : laneBytesView[shift + b];
    const words = (len - head) >>> 3;
    if (this.xor !== null && words >= NATIVE_XOR_MIN_WORDS)
      this.xor(this.lastAddress + start + head, this.lanesAddress + shift + head, words);
    else {
      const view = this.lastView;
      const w0 = (start + head) >>> 3;
      const k0 = (shift + head) >>> 3;
      for (let w = 0; w < words; w++) view[w0 + w] ^= this.lanes[k0 + w];
    }
    for (let b = head + (words << 3); b < len; b++) buf[offset + b] ^= laneBytesView[shift + b];
  }

  /** Lanes long enough for the longest datagram of [from, to). */
  private fit(lengths: Int32Array, from: number, to: number): void {
    let longest = 0;
    for (let i = from; i < to; i++) if (lengths[i] > longest) longest = lengths[i];
    if (longest - BLOCK > this.laneBytes) this.allocate(longest);
  }

  /** A datagram of at most one block: K_0 alone, no AES. */
  private xorFirstBlock(buf: Buffer, offset: number, len: number): void {
    for (let b = 0; b < len; b++) buf[offset + b] ^= this.firstKeyBytes[b];
  }

  private setLane(lane: number, address: number, blocks: number): void {
    const at = lane * DESCRIPTOR_WORDS;
    const d = this.descriptors;
    d[at + DESCRIPTOR_INPUT] = address % TWO_32;
    d[at + DESCRIPTOR_INPUT + 1] = Math.floor(address / TWO_32);
    d[at + DESCRIPTOR_BLOCKS] = blocks;
  }

  /** Runs the first `used` lanes (the others get no blocks) and XORs each datagram with its keystream. */
  private run(batch: DatagramBatch, used: number): void {
    for (let lane = used; lane < LANES; lane++)
      this.descriptors[lane * DESCRIPTOR_WORDS + DESCRIPTOR_BLOCKS] = 0;
    this.f.multiCbcEncrypt(this.descriptorsAddress, this.scheduleAddress, CALL_GROUPS);
    const { bufs, offsets, lengths } = batch;
    const inLane = this.inLane;
    for (let lane = 0; lane < used; lane++) {
      const i = inLane[lane];
      const buf = bufs[i];
      // The datagram's buffer is the last one looked up unless the batch mixes buffers (tests).
      const view = buf.buffer === this.lastBuffer ? this.lastView : this.lookUp(buf.buffer);
      this.xorLane(view, (buf.byteOffset + offsets[i]) >>> 3, buf, offsets[i], lengths[i], lane);
    }
  }

  /**
   * buf[offset, offset + len), which is view[w0 ..) as 64-bit words, ^= K_0 ‖ lane `lane` (K_1 ..). In JS,
   * 64-bit words: about twice as fast as 32-bit ones in V8, the BigInts lowered away.
   */
  private xorLane(
    view: BigUint64Array<ArrayBufferLike>,
    w0: number,
    buf: Buffer,
    offset: number,
    len: number,
    lane: number,
  ): void {
    const { lanes, firstKey } = this;
    const words = len >>> 3;
    const first = Math.min(words, 2);
    for (let w = 0; w < first; w++) view[w0 + w] ^= firstKey[w];
    // Word w of the datagram (block 1 on) takes word w - 2 of the lane: K_1 sits at the lane's start.
    if (this.xor !== null && words - 2 >= NATIVE_XOR_MIN_WORDS) {
      // the datagram's buffer is the last one looked up (run)
      this.xor(this.lastAddress + ((w0 + 2) << 3), this.lanesAddress + lane * this.laneBytes, words - 2);
    } else {
      const k0 = lane * (this.laneBytes >>> 3) - 2;
      for (let w = 2; w < words; w++) view[w0 + w] ^= lanes[k0 + w];
    }
    if ((len & 7) !== 0) this.xorTail(buf, offset, len, words << 3, lane);
  }

  /** The bytes after the last whole word: under 8, in the last (possibly partial) block. */
  private xorTail(buf: Buffer, offset: number, len: number, from: number, lane: number): void {
    const laneStart = lane * this.laneBytes - BLOCK;
    for (let b = from; b < len; b++)
      buf[offset + b] ^= b < BLOCK ? this.firstKeyBytes[b] : this.laneBytesView[laneStart + b];
  }

  /** Makes `buffer` the last one seen: its native address and a word view of it; returns the view. */
  private lookUp(buffer: ArrayBufferLike): BigUint64Array<ArrayBufferLike> {
    const bytes = new Uint8Array(buffer);
    this.lastBuffer = buffer;
    this.lastAddress = this.f.addressOf(bytes, bytes, 0);
    this.lastView = new BigUint64Array(buffer, 0, buffer.byteLength >>> 3);
    return this.lastView;
  }

  /** Native memory: key schedule, descriptors, 8 lanes of `laneBytes` (at least) each. */
  private allocate(laneBytes: number): void {
    const f = this.f;
    const lane = Math.ceil(laneBytes / BLOCK) * BLOCK;
    const size = KEY_SCHEDULE_BYTES + DESCRIPTORS_BYTES + LANES * lane;
    const memory = f.malloc(size);
    if (memory === null) throw new Error(`malloc(${size}) failed`);
    const base = Number(f.koffi.address(memory));
    const view = f.koffi.view(memory, size);
    if (f.setEncryptKey(this.key, this.key.length * 8, base) !== 0) {
      f.free(memory);
      throw new Error(`aesni_set_encrypt_key refused a ${this.key.length}-byte key`);
    }
    if (this.memory !== null) f.free(this.memory);
    this.memory = memory;
    this.scheduleAddress = base;
    this.descriptorsAddress = base + KEY_SCHEDULE_BYTES;
    this.descriptors = new Uint32Array(view, KEY_SCHEDULE_BYTES, DESCRIPTORS_BYTES >>> 2);
    this.laneBytes = lane;
    const lanesAddress = this.descriptorsAddress + DESCRIPTORS_BYTES;
    this.lanesAddress = lanesAddress;
    this.lanes = new BigUint64Array(view, KEY_SCHEDULE_BYTES + DESCRIPTORS_BYTES, (LANES * lane) >>> 3);
    this.laneBytesView = new Uint8Array(view, KEY_SCHEDULE_BYTES + DESCRIPTORS_BYTES, LANES * lane);
    const iv = new Uint32Array(this.firstKeyBytes.buffer);
    for (let l = 0; l < LANES; l++) {
      const at = l * DESCRIPTOR_WORDS;
      const out = lanesAddress + l * lane;
      this.descriptors[at + DESCRIPTOR_OUTPUT] = out % TWO_32;
      this.descriptors[at + DESCRIPTOR_OUTPUT + 1] = Math.floor(out / TWO_32);
      this.descriptors.set(iv, at + DESCRIPTOR_IV);
    }
  }
}
