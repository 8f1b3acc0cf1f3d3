/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), as used by the snappy framing format.
 * Slice-by-16: sixteen 256-entry tables let the loop consume 16 bytes per iteration with independent
 * lookups, read as four 32-bit words on a little-endian host. Snappy checks every byte a compressed
 * session carries, both ways: 4.5 % of a server's CPU profile echoing 64 KiB through each of 1000 sessions.
 * On the 2-core VM, slice-by-8 on bytes ran 1.1-1.3 bytes/ns, slice-by-16 on bytes 1.2-1.45, on words
 * 1.3-1.8 (docs/bench-tunnel-sessions-2026-12-06-3.md).
 */

import { endianness } from 'node:os';

const CASTAGNOLI_REFLECTED = 0x82f63b78;
const SLICES = 16;
const TABLE_SIZE = 256;

/** The mask added by the snappy framing format so that CRCs of data containing CRCs stay well distributed. */
const SNAPPY_MASK_DELTA = 0xa282ead8;

/** Shorter inputs are not worth a view of their ArrayBuffer as words (ACKs, smux headers). */
const WORDS_MIN_BYTES = 64;
const LITTLE_ENDIAN = endianness() === 'LE';

function makeTables(): Int32Array {
  const tables = new Int32Array(SLICES * TABLE_SIZE);
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? (c >>> 1) ^ CASTAGNOLI_REFLECTED : c >>> 1;
    }
    tables[i] = c;
  }
  // tables[k*256 + i] is the CRC of byte i followed by k zero bytes.
  for (let i = 0; i < TABLE_SIZE; i++) {
    let c = tables[i];
    for (let k = 1; k < SLICES; k++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[k * TABLE_SIZE + i] = c;
    }
  }
  return tables;
}

const TABLES = makeTables();

/** The ArrayBuffer read as words last, and its view: snappy's reused buffers recur. */
let wordsBuffer: ArrayBufferLike | null = null;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/** The CRC state after 16 bytes given as four little-endian words, the first already XORed with the state. */
function fold16(t: Int32Array, a: number, b: number, d: number, e: number): number {
  return (
    t[0xf00 + (a & 0xff)] ^
    t[0xe00 + ((a >>> 8) & 0xff)] ^
    t[0xd00 + ((a >>> 16) & 0xff)] ^
    t[0xc00 + (a >>> 24)] ^
    t[0xb00 + (b & 0xff)] ^
    t[0xa00 + ((b >>> 8) & 0xff)] ^
    t[0x900 + ((b >>> 16) & 0xff)] ^
    t[0x800 + (b >>> 24)] ^
    t[0x700 + (d & 0xff)] ^
    t[0x600 + ((d >>> 8) & 0xff)] ^
    t[0x500 + ((d >>> 16) & 0xff)] ^
    t[0x400 + (d >>> 24)] ^
    t[0x300 + (e & 0xff)] ^
    t[0x200 + ((e >>> 8) & 0xff)] ^
    t[0x100 + ((e >>> 16) & 0xff)] ^
    t[e >>> 24]
  );
}

/** The little-endian word at data[i, i + 4). */
function wordAt(data: Uint8Array, i: number): number {
  return data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
}

/**
 * CRC-32C of `data[start, end)`, continuing from `crc` (0 for a fresh checksum). Returns an unsigned 32-bit value.
 */
export function crc32c(data: Uint8Array, start = 0, end = data.length, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= WORDS_MIN_BYTES) {
    // bytes up to a word boundary of the ArrayBuffer, then the words through a view of it
    const base = data.byteOffset;
    for (; ((base + i) & 3) !== 0; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    if (data.buffer !== wordsBuffer) {
      wordsBuffer = data.buffer;
      words = new Int32Array(wordsBuffer, 0, wordsBuffer.byteLength >>> 2);
    }
    const w = words;
    let k = (base + i) >>> 2;
    const steps = (end - i) >>> 4;
    for (let s = 0; s < steps; s++, k += 4) c = fold16(t, c ^ w[k], w[k + 1], w[k + 2], w[k + 3]);
    i += steps << 4;
  } else {
    for (const end16 = end - ((end - start) & 15); i < end16; i += 16) {
      c = fold16(t, c ^ wordAt(data, i), wordAt(data, i + 4), wordAt(data, i + 8), wordAt(data, i + 12));
    }
  }
  for (; i < end; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** The snappy framing checksum mask: rotate right by 15 and add a constant, mod 2^32. */
export function maskChecksum(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + SNAPPY_MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of `data[start, end)`, the value stored in every snappy framing data chunk. */
export function maskedCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  return maskChecksum(crc32c(data, start, end));
}
