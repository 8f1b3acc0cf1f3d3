/**
 * Constants of the snappy framing format (google/snappy framing_format.txt) as golang/snappy v0.0.2 writes
 * and reads it, plus the chunk writer that kcptun's CompStream amounts to: a buffered Writer flushed after
 * every Write, so each write becomes its own chunk(s).
 */

import { MAX_BLOCK_SIZE, maxEncodedLength, SnappyBlockEncoder } from './block-encoder.js';
import { maskedCrc32c } from './crc32c.js';

export const CHUNK_TYPE_COMPRESSED = 0x00;
export const CHUNK_TYPE_UNCOMPRESSED = 0x01;
/** Types 0x02..0x7f are reserved and unskippable: a reader must fail on them. */
export const LAST_UNSKIPPABLE_CHUNK_TYPE = 0x7f;
export const CHUNK_TYPE_PADDING = 0xfe;
export const CHUNK_TYPE_STREAM_IDENTIFIER = 0xff;

/** Chunk type (1 byte) then the body length (3 bytes, little-endian). */
export const CHUNK_HEADER_SIZE = 4;
/** Data chunk bodies start with the masked CRC-32C of the uncompressed data (u32 little-endian). */
export const CHECKSUM_SIZE = 4;
/** Header plus checksum: the fixed part in front of every data chunk's payload. */
export const DATA_CHUNK_PREFIX_SIZE = CHUNK_HEADER_SIZE + CHECKSUM_SIZE;

export const STREAM_IDENTIFIER_BODY = Buffer.from('sNaPpY', 'latin1');
/** The identifier chunk `ff 06 00 00 "sNaPpY"`, written once before the first data chunk. */
export const STREAM_IDENTIFIER_CHUNK = Buffer.concat([
  Buffer.from([CHUNK_TYPE_STREAM_IDENTIFIER, STREAM_IDENTIFIER_BODY.length, 0, 0]),
  STREAM_IDENTIFIER_BODY,
]);

/** At most this many raw bytes go into one data chunk. */
export const MAX_CHUNK_DATA_SIZE = MAX_BLOCK_SIZE;
/** Largest chunk body Go's reader accepts (its read buffer): checksum plus the worst-case compressed block. */
export const MAX_CHUNK_BODY_SIZE = CHECKSUM_SIZE + maxEncodedLength(MAX_BLOCK_SIZE);

/** Writes a data chunk header (type, body length, masked CRC) at `at`. */
function writeDataChunkPrefix(out: Buffer, at: number, type: number, bodyLength: number, crc: number): void {
  out[at] = type;
  out[at + 1] = bodyLength & 0xff;
  out[at + 2] = (bodyLength >>> 8) & 0xff;
  out[at + 3] = bodyLength >>> 16;
  out.writeUInt32LE(crc, at + CHUNK_HEADER_SIZE);
}

/**
 * One compressor and compression target for the whole process: frameChunk uses them synchronously and keeps
 * nothing in them between calls, so per-stream copies (about 108 KiB each) would only cost memory.
 * A block is compressed into the scratch buffer and copied out only if it is kept.
 */
const sharedEncoder = new SnappyBlockEncoder();
const sharedScratch = Buffer.allocUnsafe(maxEncodedLength(MAX_BLOCK_SIZE));

/** The most frameChunkInto writes: the stream identifier, a data chunk's prefix and the worst-case block. */
export const MAX_FRAMED_CHUNK_SIZE =
  STREAM_IDENTIFIER_CHUNK.length + DATA_CHUNK_PREFIX_SIZE + maxEncodedLength(MAX_BLOCK_SIZE);

/** Turns raw data into framing chunks for one direction of one stream. */
export class SnappyFrameWriter {
  private wroteIdentifier = false;

  /**
   * Frames `raw` (1..MAX_CHUNK_DATA_SIZE bytes) as one chunk in a new Buffer, preceded by the stream identifier
   * if this is the stream's first chunk. The block is kept compressed only if it saves at least 1/8 of the size.
   */
  frameChunk(raw: Uint8Array): Buffer {
    const prefix = this.wroteIdentifier ? 0 : STREAM_IDENTIFIER_CHUNK.length;
    this.wroteIdentifier = true;
    const crc = maskedCrc32c(raw);
    const compressedLength = sharedEncoder.encode(raw, sharedScratch, 0);
    const keepCompressed = compressedLength < raw.length - (raw.length >>> 3);
    const payloadLength = keepCompressed ? compressedLength : raw.length;
    const out = Buffer.allocUnsafe(prefix + DATA_CHUNK_PREFIX_SIZE + payloadLength);
    if (prefix > 0) STREAM_IDENTIFIER_CHUNK.copy(out, 0);
    const type = keepCompressed ? CHUNK_TYPE_COMPRESSED : CHUNK_TYPE_UNCOMPRESSED;
    writeDataChunkPrefix(out, prefix, type, CHECKSUM_SIZE + payloadLength, crc);
    if (keepCompressed) {
      sharedScratch.copy(out, prefix + DATA_CHUNK_PREFIX_SIZE, 0, compressedLength);
    } else {
      out.set(raw, prefix + DATA_CHUNK_PREFIX_SIZE);
    }
    return out;
  }

  /**
   * frameChunk's bytes written into `out` from 0 instead of a new Buffer (`out` holds MAX_FRAMED_CHUNK_SIZE
   * bytes); returns how many. The block is compressed straight into place, and `raw` copied over it when it
   * is not kept.
   */
  frameChunkInto(raw: Uint8Array, out: Buffer): number {
    const prefix = this.wroteIdentifier ? 0 : STREAM_IDENTIFIER_CHUNK.length;
    this.wroteIdentifier = true;
    const crc = maskedCrc32c(raw);
    const payloadAt = prefix + DATA_CHUNK_PREFIX_SIZE;
    const compressedLength = sharedEncoder.encode(raw, out, payloadAt) - payloadAt;
    const keepCompressed = compressedLength < raw.length - (raw.length >>> 3);
    const payloadLength = keepCompressed ? compressedLength : raw.length;
    if (prefix > 0) STREAM_IDENTIFIER_CHUNK.copy(out, 0);
    const type = keepCompressed ? CHUNK_TYPE_COMPRESSED : CHUNK_TYPE_UNCOMPRESSED;
    writeDataChunkPrefix(out, prefix, type, CHECKSUM_SIZE + payloadLength, crc);
    if (!keepCompressed) out.set(raw, payloadAt);
    return payloadAt + payloadLength;
  }
}
