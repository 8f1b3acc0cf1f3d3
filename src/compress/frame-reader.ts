/**
 * Incremental snappy framing reader with the acceptance rules of golang/snappy v0.0.2's Reader: the stream
 * must open with the identifier chunk, checksums are verified, padding and reserved skippable chunks are
 * skipped, reserved unskippable chunks and oversized chunks are refused. Input may be split anywhere.
 * A chunk that arrives whole inside one input buffer is decoded in place, without copying it first.
 */

import { type BlockDecodeError, decodeBlock } from './block-decoder.js';
import { maskedCrc32c } from './crc32c.js';
import {
  CHECKSUM_SIZE,
  CHUNK_HEADER_SIZE,
  CHUNK_TYPE_COMPRESSED,
  CHUNK_TYPE_STREAM_IDENTIFIER,
  CHUNK_TYPE_UNCOMPRESSED,
  LAST_UNSKIPPABLE_CHUNK_TYPE,
  MAX_CHUNK_BODY_SIZE,
  MAX_CHUNK_DATA_SIZE,
  STREAM_IDENTIFIER_BODY,
} from './framing.js';

/** `corrupt` and `unsupported` mirror Go's ErrCorrupt and ErrUnsupported; `truncated` is a stream cut mid-chunk. */
export type SnappyFramingErrorCode = 'corrupt' | 'unsupported' | 'truncated';

/** A framing violation. The stream cannot continue after it. */
export class SnappyFramingError extends Error {
  constructor(
    readonly code: SnappyFramingErrorCode,
    detail: string,
    /**
     * The chunk header refused when it was the stream's first (not the identifier): what the peer sent
     * instead of snappy framing, for the tunnel to tell which setting differs.
     */
    readonly firstBytes?: Uint8Array,
  ) {
    super(`snappy: ${code} input: ${detail}`);
    this.name = 'SnappyFramingError';
  }
}

const BLOCK_ERROR_DETAIL: Record<BlockDecodeError, string> = {
  'bad-length-header': 'compressed chunk has a malformed length varint',
  'too-large': `compressed chunk declares more than ${MAX_CHUNK_DATA_SIZE} bytes`,
  corrupt: 'compressed chunk holds an invalid snappy block',
};

function isDataChunk(type: number): boolean {
  return type === CHUNK_TYPE_COMPRESSED || type === CHUNK_TYPE_UNCOMPRESSED;
}

export class SnappyFrameReader {
  private readonly header = new Uint8Array(CHUNK_HEADER_SIZE);
  private headerFill = 0;
  /** Body bytes of the current chunk; -1 while reading a header. */
  private bodyLength = -1;
  private chunkType = 0;
  /**
   * A body that arrives in pieces is gathered here (skippable bodies are only counted, never stored).
   * Allocated on first need: most chunks arrive whole, and a session that never sends a split chunk
   * (a stray or hostile one among thousands) should not cost 76 KiB.
   */
  private body: Buffer | null = null;
  private bodyFill = 0;
  private sawIdentifier = false;
  private stopped = false;
  private failure: SnappyFramingError | null = null;
  /** A push is consuming its input (a delivery may lead back here: see push). */
  private pushing = false;
  /** Input pushed while a push was running, consumed in order after it; allocated on first need. */
  private queued: Buffer[] | null = null;

  /** `deliver` receives the data of each data chunk, in order; it owns the Buffer. Empty chunks are not delivered. */
  constructor(private readonly deliver: (data: Buffer) => void) {}

  /** True when the input so far ends inside a chunk. */
  get midChunk(): boolean {
    return this.headerFill > 0 || this.bodyLength >= 0;
  }

  /** Ignore all further input (the consumer has gone); `push` then returns at the next chunk boundary. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Consumes `input`, delivering every chunk it completes. Returns the error that ended the stream (now or
   * earlier), or null. `input` must not be modified afterwards: uncompressed data may be delivered as a view of it.
   */
  push(input: Buffer): SnappyFramingError | null {
    // A delivery can lead back to the session that feeds this reader (the consumer writes, a write
    // flushes, a flush could read the socket) and so to a push while this one is between chunks: consumed
    // then, that input would be parsed from where the running push stands, not where the stream does
    // (docs/bench-tunnel-stall-2026-12-05-2.md). It waits its turn instead.
    if (this.pushing) {
      this.queued ??= [];
      this.queued.push(input);
      return this.failure;
    }
    this.pushing = true;
    try {
      this.takeQueued();
      this.consume(input);
      this.takeQueued();
    } finally {
      this.pushing = false;
    }
    return this.failure;
  }

  /** Consumes what pushes made while another ran, oldest first. */
  private takeQueued(): void {
    const queued = this.queued;
    if (queued === null) return;
    while (queued.length > 0) this.consume(queued.shift()!);
  }

  private consume(input: Buffer): void {
    let pos = 0;
    const end = input.length;
    while (pos < end && this.failure === null && !this.stopped) {
      if (this.bodyLength < 0) {
        pos = this.readHeader(input, pos, end);
        continue;
      }
      const wanted = this.bodyLength - this.bodyFill;
      const available = end - pos;
      if (!isDataChunk(this.chunkType) && this.chunkType !== CHUNK_TYPE_STREAM_IDENTIFIER) {
        // Padding or a reserved skippable chunk: count its bytes, keep none.
        const taken = Math.min(wanted, available);
        this.bodyFill += taken;
        pos += taken;
        if (this.bodyFill === this.bodyLength) this.bodyLength = -1;
      } else if (this.bodyFill === 0 && wanted <= available) {
        this.finishChunk(input, pos, pos + wanted, 'input');
        pos += wanted;
      } else {
        const taken = Math.min(wanted, available);
        this.body ??= Buffer.allocUnsafe(MAX_CHUNK_BODY_SIZE);
        input.copy(this.body, this.bodyFill, pos, pos + taken);
        this.bodyFill += taken;
        pos += taken;
        if (this.bodyFill === this.bodyLength) this.finishChunk(this.body, 0, this.bodyLength, 'gathered');
      }
    }
  }

  private fail(code: SnappyFramingErrorCode, detail: string, firstBytes?: Uint8Array): void {
    this.failure = new SnappyFramingError(code, detail, firstBytes);
  }

  /** Gathers header bytes; on a complete header validates it and starts the body. Returns the new position. */
  private readHeader(input: Buffer, start: number, end: number): number {
    let pos = start;
    while (this.headerFill < CHUNK_HEADER_SIZE && pos < end) this.header[this.headerFill++] = input[pos++];
    if (this.headerFill < CHUNK_HEADER_SIZE) return pos;
    this.headerFill = 0;
    const type = this.header[0];
    const length = this.header[1] | (this.header[2] << 8) | (this.header[3] << 16);
    if (this.rejectHeader(type, length)) return pos;
    this.sawIdentifier = true;
    this.chunkType = type;
    // Only a skippable chunk can be empty here; it is then already over.
    this.bodyLength = length > 0 ? length : -1;
    this.bodyFill = 0;
    return pos;
  }

  /** Checks what a header alone can show; records the failure and returns true if the header is refused. */
  private rejectHeader(type: number, length: number): boolean {
    let code: SnappyFramingErrorCode = 'corrupt';
    let detail: string | null = null;
    if (!this.sawIdentifier && type !== CHUNK_TYPE_STREAM_IDENTIFIER) {
      this.fail(
        'corrupt',
        `stream does not start with the stream identifier chunk (first chunk type 0x${type.toString(16)})`,
        this.header.slice(),
      );
      return true;
    }
    if (length > MAX_CHUNK_BODY_SIZE) {
      code = 'unsupported';
      detail = `chunk of ${length} bytes exceeds ${MAX_CHUNK_BODY_SIZE}`;
    } else if (isDataChunk(type) && length < CHECKSUM_SIZE) {
      detail = `data chunk of ${length} bytes has no room for its checksum`;
    } else if (type === CHUNK_TYPE_UNCOMPRESSED && length - CHECKSUM_SIZE > MAX_CHUNK_DATA_SIZE) {
      detail = `uncompressed chunk holds more than ${MAX_CHUNK_DATA_SIZE} bytes`;
    } else if (type === CHUNK_TYPE_STREAM_IDENTIFIER && length !== STREAM_IDENTIFIER_BODY.length) {
      detail = `stream identifier chunk of ${length} bytes`;
    } else if (!isDataChunk(type) && type <= LAST_UNSKIPPABLE_CHUNK_TYPE) {
      code = 'unsupported';
      detail = `reserved unskippable chunk type 0x${type.toString(16)}`;
    }
    if (detail === null) return false;
    this.fail(code, detail);
    return true;
  }

  /**
   * Handles a complete identifier or data chunk body `src[start, end)`. `src` is the caller's `input` (which
   * we may keep a view of) or our reused `gathered` buffer (whose bytes must be copied out).
   */
  private finishChunk(src: Buffer, start: number, end: number, srcKind: 'input' | 'gathered'): void {
    this.bodyLength = -1;
    if (this.chunkType === CHUNK_TYPE_STREAM_IDENTIFIER) {
      if (!STREAM_IDENTIFIER_BODY.equals(src.subarray(start, end))) {
        this.fail('corrupt', 'stream identifier chunk does not hold "sNaPpY"');
      }
      return;
    }
    const expectedCrc = src.readUInt32LE(start);
    const payloadStart = start + CHECKSUM_SIZE;
    let data: Buffer;
    if (this.chunkType === CHUNK_TYPE_COMPRESSED) {
      const decoded = decodeBlock(src, payloadStart, end, MAX_CHUNK_DATA_SIZE);
      if (typeof decoded === 'string') {
        this.fail('corrupt', BLOCK_ERROR_DETAIL[decoded]);
        return;
      }
      data = decoded;
    } else {
      data =
        srcKind === 'input' ? src.subarray(payloadStart, end) : Buffer.from(src.subarray(payloadStart, end));
    }
    if (maskedCrc32c(data) !== expectedCrc) {
      this.fail('corrupt', 'chunk checksum mismatch');
      return;
    }
    if (data.length > 0) this.deliver(data);
  }
}
