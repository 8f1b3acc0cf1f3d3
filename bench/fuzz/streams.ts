/**
 * Byte streams for the layers above KCP: snappy framing chunks (docs/protocol.md §7) and smux frames (§6.1), well
 * formed or not. The fuzzer writes them into a forged KCP session's stream.
 */
import { decodeBlock } from '../../src/compress/block-decoder.js';
import { maskedCrc32c } from '../../src/compress/crc32c.js';
import { SnappyFrameWriter, STREAM_IDENTIFIER_CHUNK } from '../../src/compress/framing.js';

export const SNAPPY_IDENTIFIER = STREAM_IDENTIFIER_CHUNK;
export const CHUNK_COMPRESSED = 0x00;
export const CHUNK_UNCOMPRESSED = 0x01;
export const CHUNK_PADDING = 0xfe;
export const CHUNK_IDENTIFIER = 0xff;
const MAX_BLOCK = 65536;

export const SMUX_VERSION = 2;
export const SMUX_SYN = 0;
export const SMUX_FIN = 1;
export const SMUX_PSH = 2;
export const SMUX_NOP = 3;
export const SMUX_UPD = 4;

/** A chunk: type, 3-byte little-endian length (which may lie), body. */
export function snappyChunk(type: number, body: Buffer, length = body.length): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  out[0] = type;
  out[1] = length & 0xff;
  out[2] = (length >>> 8) & 0xff;
  out[3] = (length >>> 16) & 0xff;
  body.copy(out, 4);
  return out;
}

/** An uncompressed data chunk with the right masked CRC-32C, or `crc` if given. */
export function uncompressedChunk(data: Buffer, crc = maskedCrc32c(data)): Buffer {
  const body = Buffer.allocUnsafe(4 + data.length);
  body.writeUInt32LE(crc >>> 0, 0);
  data.copy(body, 4);
  return snappyChunk(CHUNK_UNCOMPRESSED, body);
}

/**
 * A compressed chunk holding `block` as it is. Its CRC is right whenever the block decodes (so a strange
 * but valid block is delivered), otherwise `crc`.
 */
export function compressedChunk(block: Buffer, crc: number): Buffer {
  const decoded = decodeBlock(block, 0, block.length, MAX_BLOCK);
  const body = Buffer.allocUnsafe(4 + block.length);
  body.writeUInt32LE(typeof decoded === 'string' ? crc >>> 0 : maskedCrc32c(decoded), 0);
  block.copy(body, 4);
  return snappyChunk(CHUNK_COMPRESSED, body);
}

/** A valid snappy stream carrying `writes`, one chunk per write (per 64 KiB of it) as kcptun's CompStream does. */
export function snappyStream(writes: Buffer[]): Buffer {
  const writer = new SnappyFrameWriter();
  const chunks: Buffer[] = [];
  for (const w of writes) {
    for (let at = 0; at < w.length; at += MAX_BLOCK)
      chunks.push(writer.frameChunk(w.subarray(at, at + MAX_BLOCK)));
  }
  return Buffer.concat(chunks);
}

/** A smux frame; `length` may lie about the payload that follows. */
export function smuxFrame(
  cmd: number,
  sid: number,
  payload: Buffer = Buffer.alloc(0),
  length = payload.length,
  version = SMUX_VERSION,
): Buffer {
  const out = Buffer.allocUnsafe(8 + payload.length);
  out[0] = version & 0xff;
  out[1] = cmd & 0xff;
  out.writeUInt16LE(length & 0xffff, 2);
  out.writeUInt32LE(sid >>> 0, 4);
  payload.copy(out, 8);
  return out;
}

/** A v2 window update: consumed and window, length 8 unless told otherwise. */
export function smuxUpd(sid: number, consumed: number, window: number, length = 8): Buffer {
  const payload = Buffer.allocUnsafe(8);
  payload.writeUInt32LE(consumed >>> 0, 0);
  payload.writeUInt32LE(window >>> 0, 4);
  return smuxFrame(SMUX_UPD, sid, payload, length);
}
