/**
 * The TCP segments of kcptun's fake-TCP transport (-tcp), as xtaci/tcpraw builds and reads them: a bare
 * 20-byte TCP header (no options) with PSH|ACK, a random window with the top bit set, and one KCP datagram
 * as the payload. Pure: no sockets. IPv4 only (the raw socket gives received packets with their IPv4
 * header; the kernel writes the IPv4 header of those we send). Layout and rules: docs/tcp-transport.md.
 */

export const TCP_HEADER_SIZE = 20;
/** The shortest IPv4 header (IHL 5); a longer one carries options. */
const IPV4_MIN_HEADER = 20;
const IPPROTO_TCP = 6;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** tcpraw's window: 16 random bits with the top one set, so a middlebox never sees a window below 32768. */
const WINDOW_FLOOR = 0x8000;
/** Data offset 5 (20 bytes, no options) in the high nibble. */
const DATA_OFFSET_NO_OPTIONS = 5 << 4;

/** One's-complement sum of bytes [start, end) as big-endian 16-bit words, added to `sum` (not folded). */
function sum16(buf: Uint8Array, start: number, end: number, sum: number): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * The TCP checksum of segment bytes [start, start+len) with its checksum field zero, over the IPv4
 * pseudo-header (source, destination, protocol, TCP length). Addresses are 32-bit numbers.
 */
export function tcpChecksum(
  buf: Uint8Array,
  start: number,
  len: number,
  srcIp: number,
  dstIp: number,
): number {
  let sum = (srcIp >>> 16) + (srcIp & 0xffff) + (dstIp >>> 16) + (dstIp & 0xffff) + IPPROTO_TCP + len;
  sum = sum16(buf, start, start + len, sum);
  return ~fold(sum) & 0xffff;
}

/** What a fake-TCP segment header carries beyond the addresses, for buildSegment. */
export interface SegmentFields {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  window: number;
}

/** tcpraw's random window: a fresh one per segment. */
export function randomWindow(): number {
  return (Math.random() * 0x10000) | 0 | WINDOW_FLOOR;
}

/**
 * Write a PSH|ACK header at buf[0, 20) in front of the payload already at buf[20, 20+payloadLen), with its
 * checksum. Returns the segment's length.
 */
export function buildSegment(
  buf: Buffer,
  payloadLen: number,
  f: SegmentFields,
  srcIp: number,
  dstIp: number,
): number {
  buf.writeUInt16BE(f.srcPort, 0);
  buf.writeUInt16BE(f.dstPort, 2);
  buf.writeUInt32BE(f.seq >>> 0, 4);
  buf.writeUInt32BE(f.ack >>> 0, 8);
  buf[12] = DATA_OFFSET_NO_OPTIONS;
  buf[13] = TCP_PSH | TCP_ACK;
  buf.writeUInt16BE(f.window, 14);
  buf.writeUInt32BE(0, 16); // checksum (filled below) and urgent pointer
  const len = TCP_HEADER_SIZE + payloadLen;
  buf.writeUInt16BE(tcpChecksum(buf, 0, len, srcIp, dstIp), 16);
  return len;
}

/** A received IPv4 packet's TCP fields; the payload is bytes [payloadStart, payloadEnd) of the packet. */
export class ParsedSegment {
  srcIp = 0;
  dstIp = 0;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  payloadStart = 0;
  payloadEnd = 0;
}

/**
 * Read an IPv4+TCP packet of `len` bytes into `out` (reused, no allocation). False for anything that is not
 * a whole, unfragmented IPv4 TCP segment: those are not ours.
 */
export function parseIpv4Segment(buf: Uint8Array, len: number, out: ParsedSegment): boolean {
  if (len < IPV4_MIN_HEADER + TCP_HEADER_SIZE) return false;
  const versionIhl = buf[0]!;
  if (versionIhl >> 4 !== 4 || buf[9] !== IPPROTO_TCP) return false;
  const ipHeader = (versionIhl & 0x0f) * 4;
  const total = (buf[2]! << 8) | buf[3]!;
  // A later fragment (offset > 0) or a first one (more-fragments) does not hold a whole segment.
  if (((buf[6]! << 8) | buf[7]!) & 0x3fff) return false;
  const end = Math.min(total, len);
  if (ipHeader < IPV4_MIN_HEADER || end < ipHeader + TCP_HEADER_SIZE) return false;
  const dataOffset = (buf[ipHeader + 12]! >> 4) * 4;
  if (dataOffset < TCP_HEADER_SIZE || ipHeader + dataOffset > end) return false;
  out.srcIp = readU32(buf, 12);
  out.dstIp = readU32(buf, 16);
  out.srcPort = (buf[ipHeader]! << 8) | buf[ipHeader + 1]!;
  out.dstPort = (buf[ipHeader + 2]! << 8) | buf[ipHeader + 3]!;
  out.seq = readU32(buf, ipHeader + 4);
  out.ack = readU32(buf, ipHeader + 8);
  out.flags = buf[ipHeader + 13]!;
  out.payloadStart = ipHeader + dataOffset;
  out.payloadEnd = end;
  return true;
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

/** Dotted quad to a 32-bit number; NaN for anything else. */
export function ipv4ToNumber(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) return Number.NaN;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return Number.NaN;
    n = n * 256 + Number(p);
  }
  return n;
}

export function numberToIpv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

/**
 * One flow's sequence state, as tcpraw keeps it: `seq` is what we send next (the peer's latest ACK, then
 * advanced by every payload we send), `ack` what we acknowledge (the end of the peer's latest in-order
 * segment). The rules of the latest tcpraw, plus 20210922's SYN rule: docs/tcp-transport.md.
 */
export class FlowSequence {
  seq = 0;
  ack = 0;

  /**
   * A segment from the peer: adopt its ACK as our seq; acknowledge what it carries (payload, SYN and FIN
   * each take sequence space) when it is in order or nothing is acknowledged yet (ack 0: a flow first heard
   * after its handshake), while out-of-order data leaves ack. A SYN always restarts ack: a new connection
   * from the same address and port numbers afresh.
   */
  onReceive(flags: number, seq: number, ack: number, payloadLen: number): void {
    if (flags & TCP_ACK) this.seq = ack;
    let next = seq + payloadLen;
    if (flags & TCP_SYN) next++;
    if (flags & TCP_FIN) next++;
    if (next === seq) return;
    if (flags & TCP_SYN || this.ack === 0 || this.ack === seq) this.ack = next >>> 0;
  }

  /** A payload of `len` bytes was sent with the current seq. */
  onSend(len: number): void {
    this.seq = (this.seq + len) >>> 0;
  }
}
