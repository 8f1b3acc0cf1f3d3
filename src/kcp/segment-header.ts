/**
 * The 24-byte KCP segment header (docs/protocol.md §4.1), little-endian:
 * conv u32 | cmd u8 | frg u8 | wnd u16 | ts u32 | sn u32 | una u32 | len u32, then `len` payload bytes.
 * Plain byte reads and writes: this runs for every segment in and out.
 */
import {
  SEG_OFF_CMD,
  SEG_OFF_CONV,
  SEG_OFF_FRG,
  SEG_OFF_LEN,
  SEG_OFF_SN,
  SEG_OFF_TS,
  SEG_OFF_UNA,
  SEG_OFF_WND,
} from './constants.js';

export interface SegmentHeader {
  conv: number;
  cmd: number;
  frg: number;
  wnd: number;
  ts: number;
  sn: number;
  una: number;
  len: number;
}

export function createSegmentHeader(): SegmentHeader {
  return { conv: 0, cmd: 0, frg: 0, wnd: 0, ts: 0, sn: 0, una: 0, len: 0 };
}

export function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}

export function writeU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
  buf[off + 2] = v >>> 16;
  buf[off + 3] = v >>> 24;
}

/** Write a header at buf[off, off+24). The caller guarantees the room. */
export function writeSegmentHeader(
  buf: Uint8Array,
  off: number,
  conv: number,
  cmd: number,
  frg: number,
  wnd: number,
  ts: number,
  sn: number,
  una: number,
  len: number,
): void {
  writeU32LE(buf, off + SEG_OFF_CONV, conv);
  buf[off + SEG_OFF_CMD] = cmd;
  buf[off + SEG_OFF_FRG] = frg;
  buf[off + SEG_OFF_WND] = wnd;
  buf[off + SEG_OFF_WND + 1] = wnd >>> 8;
  writeU32LE(buf, off + SEG_OFF_TS, ts);
  writeU32LE(buf, off + SEG_OFF_SN, sn);
  writeU32LE(buf, off + SEG_OFF_UNA, una);
  writeU32LE(buf, off + SEG_OFF_LEN, len);
}

/** Read the header at buf[off, off+24) into `out`. The caller guarantees 24 readable bytes. */
export function readSegmentHeader(buf: Uint8Array, off: number, out: SegmentHeader): void {
  out.conv = readU32LE(buf, off + SEG_OFF_CONV);
  out.cmd = buf[off + SEG_OFF_CMD];
  out.frg = buf[off + SEG_OFF_FRG];
  out.wnd = buf[off + SEG_OFF_WND] | (buf[off + SEG_OFF_WND + 1] << 8);
  out.ts = readU32LE(buf, off + SEG_OFF_TS);
  out.sn = readU32LE(buf, off + SEG_OFF_SN);
  out.una = readU32LE(buf, off + SEG_OFF_UNA);
  out.len = readU32LE(buf, off + SEG_OFF_LEN);
}
