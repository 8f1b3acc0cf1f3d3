/**
 * Snappy block decompressor for untrusted input. Every length and offset is checked before use, the output
 * is allocated only after the declared length has passed the caller's cap, and a block must produce exactly
 * the declared number of bytes. Failures are returned, never thrown.
 */

/** Why a block was rejected. */
export type BlockDecodeError = 'bad-length-header' | 'too-large' | 'corrupt';

const TAG_MASK = 0x03;
const TAG_LITERAL = 0x00;
const TAG_COPY1 = 0x01;
const TAG_COPY2 = 0x02;
/** Literal tags with a length field of 60..63 carry the real length-1 in the next 1..4 bytes. */
const FIRST_LONG_LITERAL = 60;
/** Go's binary.Uvarint reads up to 10 bytes, so an overlong encoding of a small length is still accepted. */
const MAX_VARINT_BYTES = 10;
/** readLengthHeader packs the varint size (1..10) as the remainder modulo this. */
const VARINT_SIZE_RADIX = 16;
const MAX_UINT32 = 0xffffffff;
/** Below this, byte loops beat the call overhead of copyWithin / set. */
const SHORT_COPY = 16;

/**
 * Reads the block's leading varint (the decoded length). Returns the length and the varint's size packed as
 * `length * 16 + size`, or -1 if the varint is truncated, too long or above 2^32-1 (Go rejects those too).
 */
function readLengthHeader(src: Uint8Array, start: number, end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_VARINT_BYTES && start + i < end; i++) {
    const b = src[start + i];
    // Past 2^53 the sum is inexact, but it is then far above 2^32-1 and refused anyway.
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value > MAX_UINT32 ? -1 : value * VARINT_SIZE_RADIX + i + 1;
    scale *= 128;
  }
  return -1;
}

/** The decoded length a block declares, or -1 if its header is malformed. */
export function decodedLength(src: Uint8Array, start = 0, end = src.length): number {
  const header = readLengthHeader(src, start, end);
  return header < 0 ? -1 : Math.floor(header / VARINT_SIZE_RADIX);
}

/**
 * Decodes the block `src[start, end)` into a new Buffer. `maxDecodedLength` caps the declared length before
 * anything is allocated (the framing format allows 65536).
 */
export function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  maxDecodedLength: number,
): Buffer | BlockDecodeError {
  const header = readLengthHeader(src, start, end);
  if (header < 0) return 'bad-length-header';
  const length = Math.floor(header / VARINT_SIZE_RADIX);
  if (length > maxDecodedLength) return 'too-large';
  const dst = Buffer.allocUnsafe(length);
  return decodeTags(src, start + (header % VARINT_SIZE_RADIX), end, dst) ? dst : 'corrupt';
}

/** Runs the literal/copy tags of `src[s, end)` into `dst`; true if they fill `dst` exactly. */
function decodeTags(src: Uint8Array, start: number, end: number, dst: Uint8Array): boolean {
  const dLen = dst.length;
  let s = start;
  let d = 0;
  while (s < end) {
    const tag = src[s];
    let length: number;
    let offset: number;
    switch (tag & TAG_MASK) {
      case TAG_LITERAL: {
        length = tag >>> 2;
        if (length < FIRST_LONG_LITERAL) {
          s += 1;
        } else {
          const extra = length - FIRST_LONG_LITERAL + 1;
          if (extra > end - s - 1) return false;
          length = src[s + 1];
          if (extra > 1) length |= src[s + 2] << 8;
          if (extra > 2) length |= src[s + 3] << 16;
          if (extra > 3) length = (length | (src[s + 4] << 24)) >>> 0;
          s += 1 + extra;
        }
        length += 1;
        if (length > dLen - d || length > end - s) return false;
        if (length <= SHORT_COPY) {
          for (let i = 0; i < length; i++) dst[d + i] = src[s + i];
        } else {
          dst.set(src.subarray(s, s + length), d);
        }
        d += length;
        s += length;
        continue;
      }
      case TAG_COPY1:
        if (end - s < 2) return false;
        length = 4 + ((tag >>> 2) & 0x07);
        offset = ((tag & 0xe0) << 3) | src[s + 1];
        s += 2;
        break;
      case TAG_COPY2:
        if (end - s < 3) return false;
        length = 1 + (tag >>> 2);
        offset = src[s + 1] | (src[s + 2] << 8);
        s += 3;
        break;
      default:
        if (end - s < 5) return false;
        length = 1 + (tag >>> 2);
        offset = (src[s + 1] | (src[s + 2] << 8) | (src[s + 3] << 16) | (src[s + 4] << 24)) >>> 0;
        s += 5;
        break;
    }
    if (offset === 0 || offset > d || length > dLen - d) return false;
    const from = d - offset;
    if (offset >= length && length > SHORT_COPY) {
      dst.copyWithin(d, from, from + length);
    } else {
      // Overlapping copies repeat the last `offset` bytes, so they must run forwards byte by byte.
      for (let i = 0; i < length; i++) dst[d + i] = dst[from + i];
    }
    d += length;
  }
  return d === dLen;
}
