import { SmuxError } from './errors.js';
import { Fifo } from './fifo.js';
import {
  CMD_FIN,
  CMD_NOP,
  CMD_PSH,
  CMD_SYN,
  CMD_UPD,
  commandName,
  HEADER_SIZE,
  UPD_PAYLOAD_SIZE,
} from './frame.js';

/** Results of `FrameReader.next`. */
export const READ_INCOMPLETE = 0;
export const READ_FRAME = 1;
export const READ_ERROR = 2;
export type ReadResult = typeof READ_INCOMPLETE | typeof READ_FRAME | typeof READ_ERROR;

const EMPTY = Buffer.alloc(0);

/**
 * Incremental smux frame parser over input split anywhere. Bytes are only consumed once a whole frame is
 * buffered, so the caller may stop between frames (smux stops reading when its receive budget is spent).
 * A header is validated as soon as it is complete, before its payload arrives: the version must match,
 * SYN/FIN/NOP must have length 0, UPD is v2-only with length 8 (smux >= 1.5.56 rules; 1.5.16 never sends
 * anything else), and unknown commands are rejected. After an error the reader stays failed.
 */
export class FrameReader {
  /** Fields of the last frame returned by `next`. */
  cmd = 0;
  sid = 0;
  /** PSH payload (a view into received data when it arrived in one piece); empty for other commands. */
  payload: Buffer = EMPTY;
  updConsumed = 0;
  updWindow = 0;
  error: SmuxError | null = null;

  private current: Buffer | null = null;
  private offset = 0;
  private readonly rest = new Fifo<Buffer>();
  private buffered = 0;
  private readonly scratch = Buffer.alloc(HEADER_SIZE);
  /** A frame was read: a refused header is then no longer what the peer sent first. */
  private sawFrame = false;

  constructor(private readonly version: number) {}

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Queue received bytes; the reader keeps a reference, not a copy. */
  feed(chunk: Buffer): void {
    if (chunk.length === 0 || this.error) return;
    if (this.current === null) {
      this.current = chunk;
      this.offset = 0;
    } else {
      this.rest.push(chunk);
    }
    this.buffered += chunk.length;
  }

  /** Decode the next complete frame into the public fields. */
  next(): ReadResult {
    if (this.error) return READ_ERROR;
    if (this.buffered < HEADER_SIZE) return READ_INCOMPLETE;
    let header: Buffer;
    let at: number;
    if (this.current!.length - this.offset >= HEADER_SIZE) {
      header = this.current!;
      at = this.offset;
    } else {
      this.peekInto(this.scratch, HEADER_SIZE);
      header = this.scratch;
      at = 0;
    }
    const version = header[at];
    const cmd = header[at + 1];
    const length = header.readUInt16LE(at + 2);
    const sid = header.readUInt32LE(at + 4);
    const problem = this.validate(version, cmd, length, sid);
    if (problem !== null) {
      const first = this.sawFrame ? undefined : Uint8Array.prototype.slice.call(header, at, at + HEADER_SIZE);
      this.error = new SmuxError(problem, 'PROTOCOL', first);
      this.drop();
      return READ_ERROR;
    }
    if (this.buffered < HEADER_SIZE + length) return READ_INCOMPLETE;

    this.advance(HEADER_SIZE);
    this.sawFrame = true;
    this.cmd = cmd;
    this.sid = sid;
    this.payload = EMPTY;
    if (cmd === CMD_UPD) {
      this.copyOut(this.scratch, UPD_PAYLOAD_SIZE);
      this.updConsumed = this.scratch.readUInt32LE(0);
      this.updWindow = this.scratch.readUInt32LE(4);
    } else if (length > 0) {
      this.payload = this.take(length);
    }
    return READ_FRAME;
  }

  private validate(version: number, cmd: number, length: number, sid: number): string | null {
    if (version !== this.version) {
      return `smux: invalid protocol version ${version}, expected ${this.version}`;
    }
    switch (cmd) {
      case CMD_SYN:
      case CMD_FIN:
      case CMD_NOP:
        return length === 0
          ? null
          : `smux: invalid protocol: ${commandName(cmd)} frame with non-zero length ${length} (sid ${sid})`;
      case CMD_PSH:
        return null;
      case CMD_UPD:
        if (this.version !== 2) {
          return 'smux: invalid protocol: UPD frame on a version 1 session (a version 2 peer?)';
        }
        return length === UPD_PAYLOAD_SIZE
          ? null
          : `smux: invalid protocol: UPD frame with length ${length}, expected ${UPD_PAYLOAD_SIZE} (sid ${sid})`;
      default:
        return `smux: invalid protocol: unknown command ${cmd} (sid ${sid})`;
    }
  }

  /** Copy the next n buffered bytes into dst without consuming them. */
  private peekInto(dst: Buffer, n: number): void {
    let chunk = this.current!;
    let from = this.offset;
    let filled = 0;
    let index = 0;
    for (;;) {
      filled += chunk.copy(dst, filled, from, Math.min(chunk.length, from + n - filled));
      if (filled === n) return;
      chunk = this.rest.at(index++)!;
      from = 0;
    }
  }

  private copyOut(dst: Buffer, n: number): void {
    let filled = 0;
    while (filled < n) {
      const chunk = this.current!;
      const count = Math.min(chunk.length - this.offset, n - filled);
      chunk.copy(dst, filled, this.offset, this.offset + count);
      filled += count;
      this.advance(count);
    }
  }

  private take(n: number): Buffer {
    const chunk = this.current!;
    if (chunk.length - this.offset >= n) {
      const view = chunk.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    this.copyOut(out, n);
    return out;
  }

  /** Consume n buffered bytes, possibly across chunks. */
  private advance(n: number): void {
    this.buffered -= n;
    let left = n;
    while (this.current !== null) {
      const available = this.current.length - this.offset;
      if (left < available) {
        this.offset += left;
        return;
      }
      left -= available;
      this.current = this.rest.shift() ?? null;
      this.offset = 0;
    }
  }

  private drop(): void {
    this.current = null;
    this.offset = 0;
    this.rest.clear();
    this.buffered = 0;
  }
}
