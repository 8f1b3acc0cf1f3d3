import { createRequire } from 'node:module';

/** Reflected CRC-32/IEEE polynomial (the one Go's `crc32.ChecksumIEEE` and zlib use). */
const IEEE_POLYNOMIAL = 0xedb88320;
/** libdeflate's shared object (Debian's libdeflate0, which libtiff6 pulls in). */
const LIBDEFLATE = 'libdeflate.so.0';

let table: Int32Array | undefined;

function ieeeTable(): Int32Array {
  if (table === undefined) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? IEEE_POLYNOMIAL ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  return table;
}

/** Table-driven CRC32-IEEE of buf[start, end); used when the running Node lacks `zlib.crc32`. */
export function crc32Portable(buf: Uint8Array, start: number, end: number): number {
  const t = ieeeTable();
  let c = -1;
  for (let i = start; i < end; i++) c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
type Crc32 = (buf: Buffer, start: number, end: number) => number;

/**
 * CRC32-IEEE through `zlib.crc32` (a view per call: it takes no offsets), or undefined without it: zlib.crc32
 * exists from Node 20.15/22.2, older runtimes take the portable path. node:zlib is loaded here, by the first
 * call, and only the fallback and the tests call it: where libdeflate computes the CRC (the usual case),
 * a program never loads zlib, 0.2 MiB of an idle process (docs/bench-tunnel-memory-2026-12-07-mem36.md).
 */
export function crc32Zlib(): Crc32 | undefined {
  const nativeCrc32 = (createRequire(import.meta.url)('node:zlib') as { crc32?: NativeCrc32 }).crc32;
  return nativeCrc32 === undefined ? undefined : (buf, start, end) => nativeCrc32(buf.subarray(start, end));
}

/** The subset of koffi used here, typed locally (the package is optional). */
interface Koffi {
  load(path: string | null): { func(name: string, result: string, args: string[]): unknown };
}

/**
 * CRC32-IEEE on libdeflate's folding code (PCLMULQDQ on x86-64, PMULL on ARM), called through koffi on the
 * buffer's native address: no view per call. Node's bundled zlib runs the table code, ~0.45 µs for a
 * 1330-byte datagram on the 2-core VM, plus ~0.1 µs for the view zlib.crc32 needs; libdeflate takes
 * ~0.28 µs through koffi, most of it koffi's fixed cost (docs/bench-tunnel-cpu-2026-12-03-2.md). The
 * CRC is computed on every datagram sent and received: ~9 % of a sending client's busy time with
 * `-crypt none`.
 */
class LibdeflateCrc32 {
  /** The two ArrayBuffers seen last and their native addresses: send slots and receive slots alternate. */
  private bufferA: ArrayBufferLike | null = null;
  private addressA = 0;
  private bufferB: ArrayBufferLike | null = null;
  private addressB = 0;

  constructor(
    /** libdeflate_crc32 declared to return int32_t: the same bits, as a signed number (see crc32Signed). */
    private readonly crc: (value: number, address: number, length: number) => number,
    /** memmove(p, p, 0) returns p: the native address of a buffer koffi passes by reference. */
    private readonly addressOf: (bytes: Uint8Array, same: Uint8Array, zero: number) => number,
  ) {}

  /** libdeflate and koffi, or null where either is missing. */
  static load(): LibdeflateCrc32 | null {
    try {
      const koffi = createRequire(import.meta.url)('koffi') as Koffi;
      const lib = koffi.load(LIBDEFLATE);
      const crc = lib.func('libdeflate_crc32', 'int32_t', ['uint32_t', 'intptr_t', 'size_t']) as (
        value: number,
        address: number,
        length: number,
      ) => number;
      const addressOf = koffi.load(null).func('memmove', 'intptr_t', ['void *', 'void *', 'size_t']) as (
        bytes: Uint8Array,
        same: Uint8Array,
        zero: number,
      ) => number;
      return new LibdeflateCrc32(crc, addressOf);
    } catch {
      return null;
    }
  }

  /** The CRC as an unsigned number, as the other implementations give it. */
  readonly checksum = (buf: Buffer, start: number, end: number): number =>
    this.signedChecksum(buf, start, end) >>> 0;

  /** The CRC as a signed 32-bit number (see crc32Signed). */
  readonly signedChecksum = (buf: Buffer, start: number, end: number): number => {
    // `buffer` moves a typed array's bytes off the V8 heap if they were on it: from then on they stay put.
    const memory = buf.buffer;
    let address: number;
    if (memory === this.bufferA) address = this.addressA;
    else if (memory === this.bufferB) address = this.addressB;
    else address = this.remember(memory);
    return this.crc(0, address + buf.byteOffset + start, end - start);
  };

  /** Makes `memory` the last buffer seen, the one before it the other; returns its address. */
  private remember(memory: ArrayBufferLike): number {
    const bytes = new Uint8Array(memory);
    const address = this.addressOf(bytes, bytes, 0);
    this.bufferB = this.bufferA;
    this.addressB = this.addressA;
    this.bufferA = memory;
    this.addressA = address;
    return address;
  }
}

const libdeflateCrc32 = LibdeflateCrc32.load();

/** CRC32-IEEE through libdeflate, or undefined where libdeflate or koffi is missing. */
export const crc32Libdeflate: Crc32 | undefined = libdeflateCrc32?.checksum;

/** zlib's CRC where libdeflate is missing (node:zlib is not loaded otherwise). */
const zlibFallback = crc32Libdeflate === undefined ? crc32Zlib() : undefined;

/** CRC32-IEEE (unsigned) of buf[start, end): libdeflate, else zlib, else the table in JavaScript. */
export const crc32: Crc32 = crc32Libdeflate ?? zlibFallback ?? crc32Portable;

/** Which of the three computes `crc32` in this process. */
export const crc32Implementation: 'libdeflate' | 'zlib' | 'portable' =
  crc32Libdeflate !== undefined ? 'libdeflate' : zlibFallback !== undefined ? 'zlib' : 'portable';

/**
 * CRC32-IEEE of buf[start, end) as a signed 32-bit number (crc32(...) | 0), for comparing with readInt32LE and
 * writing with writeInt32LE: the same four bytes. V8 holds an int32 as a small integer, while half of all
 * uint32 CRCs (2^31 and up) are a heap number each: koffi made one for every datagram sent and received, and
 * `readUInt32LE`, where it is not inlined, another (docs/cpu-sessions-2026-12-07-cpu31.md).
 */
export const crc32Signed: (buf: Buffer, start: number, end: number) => number =
  libdeflateCrc32?.signedChecksum ??
  (zlibFallback !== undefined
    ? (buf, start, end) => zlibFallback(buf, start, end) | 0
    : (buf, start, end) => crc32Portable(buf, start, end) | 0);
