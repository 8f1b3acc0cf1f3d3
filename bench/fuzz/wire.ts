/**
 * Builders for the datagrams a `-crypt none` server accepts: anyone can forge them, because the outer
 * header is a nonce and a CRC32 that the sender computes itself (docs/protocol.md §1.4, §2.7). Inside: FEC shards (§3.1),
 * KCP segments (§4.1). The fuzzer is not a hot path: every builder returns a fresh Buffer.
 */
import { crc32 } from '../../src/crypt/crc32.js';
import { FEC_TYPE_DATA, FEC_TYPE_PARITY } from '../../src/fec/index.js';
import { KCP_CMD_PUSH, KCP_OVERHEAD, writeSegmentHeader } from '../../src/kcp/index.js';
import type { Rng } from './rng.js';

/** Nonce (16) + CRC32 (4), plaintext with -crypt none. */
export const OUTER_HEADER = 20;
const NONCE = 16;
/** What kcp-go reads per datagram; the fuzzer sends up to this size and beyond. */
export const MAX_DATAGRAM = 1500;
/** The mtu both tunnel ends use; forged sessions pack segments up to this. */
export const FORGED_MTU = 1350;
export const FEC_DATA_HEADER = 8;
export const FEC_PARITY_HEADER = 6;

/** A datagram whose CRC verifies: random nonce, CRC32-IEEE of the payload, payload. */
export function sealNone(payload: Buffer, rng: Rng): Buffer {
  const out = Buffer.allocUnsafe(OUTER_HEADER + payload.length);
  rng.bytes(NONCE).copy(out, 0);
  payload.copy(out, OUTER_HEADER);
  fixCrc(out);
  return out;
}

/** Make the CRC of a (mutated) datagram verify again, in place; too short a datagram is left alone. */
export function fixCrc(datagram: Buffer): void {
  if (datagram.length < OUTER_HEADER) return;
  datagram.writeUInt32LE(crc32(datagram, OUTER_HEADER, datagram.length), NONCE);
}

export interface SegmentFields {
  conv: number;
  cmd?: number;
  frg?: number;
  wnd?: number;
  ts?: number;
  sn?: number;
  una?: number;
  data?: Buffer;
  /** The len field when it should lie about the data that follows. */
  len?: number;
}

/** One KCP segment: 24-byte header, then the data. Defaults: PUSH, frg 0, wnd 1024, ts/sn/una 0. */
export function kcpSegment(f: SegmentFields): Buffer {
  const data = f.data ?? Buffer.alloc(0);
  const out = Buffer.allocUnsafe(KCP_OVERHEAD + data.length);
  writeSegmentHeader(
    out,
    0,
    f.conv >>> 0,
    f.cmd ?? KCP_CMD_PUSH,
    f.frg ?? 0,
    f.wnd ?? 1024,
    (f.ts ?? 0) >>> 0,
    (f.sn ?? 0) >>> 0,
    (f.una ?? 0) >>> 0,
    (f.len ?? data.length) >>> 0,
  );
  data.copy(out, KCP_OVERHEAD);
  return out;
}

/** A FEC data shard: seqid, type 0xF1, size (= 2 + KCP bytes unless `size` lies), the KCP bytes. */
export function fecData(seqid: number, kcp: Buffer, size = 2 + kcp.length): Buffer {
  const out = Buffer.allocUnsafe(FEC_DATA_HEADER + kcp.length);
  out.writeUInt32LE(seqid >>> 0, 0);
  out.writeUInt16LE(FEC_TYPE_DATA, 4);
  out.writeUInt16LE(size & 0xffff, 6);
  kcp.copy(out, FEC_DATA_HEADER);
  return out;
}

/** A FEC parity shard: seqid, type 0xF2, then the parity bytes. */
export function fecParity(seqid: number, body: Buffer, type = FEC_TYPE_PARITY): Buffer {
  const out = Buffer.allocUnsafe(FEC_PARITY_HEADER + body.length);
  out.writeUInt32LE(seqid >>> 0, 0);
  out.writeUInt16LE(type & 0xffff, 4);
  body.copy(out, FEC_PARITY_HEADER);
  return out;
}

/** Cut `stream` into pieces of random sizes in [1, maxPiece]. */
export function cutRandomly(stream: Buffer, maxPiece: number, rng: Rng): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const n = Math.min(stream.length - at, rng.between(1, maxPiece));
    pieces.push(stream.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/** Concatenate segments into datagram payloads of at most `room` bytes (a segment larger than that goes alone). */
export function packSegments(segments: Buffer[], room: number): Buffer[] {
  const out: Buffer[] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const s of segments) {
    if (size > 0 && size + s.length > room) {
      out.push(Buffer.concat(current));
      current = [];
      size = 0;
    }
    current.push(s);
    size += s.length;
  }
  if (size > 0) out.push(Buffer.concat(current));
  return out;
}
