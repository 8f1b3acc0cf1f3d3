import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildSegment,
  FlowSequence,
  ipv4ToNumber,
  numberToIpv4,
  ParsedSegment,
  parseIpv4Segment,
  randomWindow,
  TCP_ACK,
  TCP_FIN,
  TCP_HEADER_SIZE,
  TCP_PSH,
  TCP_SYN,
  tcpChecksum,
} from '../../src/transport/tcp-segment.js';

/** gopacket's serialization (what tcpraw sends) of this segment, from a throwaway Go program. */
const GOPACKET_SEGMENT = '0fa0c822deadbeef0102030450188123027300006b637020646174616772616d21';
const SERVER = ipv4ToNumber('10.77.0.2');
const CLIENT = ipv4ToNumber('10.77.0.1');
const PAYLOAD = Buffer.from('kcp datagram!');

function ourSegment(): Buffer {
  const buf = Buffer.alloc(TCP_HEADER_SIZE + PAYLOAD.length);
  PAYLOAD.copy(buf, TCP_HEADER_SIZE);
  const fields = { srcPort: 4000, dstPort: 51234, seq: 0xdeadbeef, ack: 0x01020304, window: 0x8123 };
  assert.equal(buildSegment(buf, PAYLOAD.length, fields, SERVER, CLIENT), buf.length);
  return buf;
}

/** An IPv4 header (no options) in front of `segment`, as the raw socket delivers it. */
function ipv4Packet(segment: Buffer, src: number, dst: number, fragment = 0): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + segment.length, 2);
  ip.writeUInt16BE(fragment, 6);
  ip[8] = 64;
  ip[9] = 6;
  ip.writeUInt32BE(src, 12);
  ip.writeUInt32BE(dst, 16);
  return Buffer.concat([ip, segment]);
}

describe('fake-TCP segments', () => {
  test('the header, flags and checksum are byte for byte what tcpraw (gopacket) sends', () => {
    assert.equal(ourSegment().toString('hex'), GOPACKET_SEGMENT);
  });

  test('a segment with its checksum verifies (sums to zero), and any flipped byte does not', () => {
    const seg = ourSegment();
    const verify = (b: Buffer): number => {
      const stored = b.readUInt16BE(16);
      const copy = Buffer.from(b);
      copy.writeUInt16BE(0, 16);
      return tcpChecksum(copy, 0, copy.length, SERVER, CLIENT) === stored ? 0 : 1;
    };
    assert.equal(verify(seg), 0);
    seg[25] ^= 0x01;
    assert.equal(verify(seg), 1);
  });

  test('the window is random with the top bit set, as tcpraw makes it', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const w = randomWindow();
      assert.ok(w >= 0x8000 && w <= 0xffff, `window ${w}`);
      seen.add(w);
    }
    assert.ok(seen.size > 100, 'windows repeat: not random');
  });

  test('parse: addresses, ports, seq/ack, flags and the payload range', () => {
    const pkt = ipv4Packet(Buffer.from(GOPACKET_SEGMENT, 'hex'), SERVER, CLIENT);
    const s = new ParsedSegment();
    assert.equal(parseIpv4Segment(pkt, pkt.length, s), true);
    assert.deepEqual(
      [numberToIpv4(s.srcIp), numberToIpv4(s.dstIp), s.srcPort, s.dstPort, s.seq, s.ack, s.flags],
      ['10.77.0.2', '10.77.0.1', 4000, 51234, 0xdeadbeef, 0x01020304, TCP_PSH | TCP_ACK],
    );
    assert.deepEqual(pkt.subarray(s.payloadStart, s.payloadEnd), PAYLOAD);
  });

  test("parse: the latest tcpraw's segments, options skipped by the data offset", () => {
    // NOP, NOP, timestamps: master writes it with 8 data bytes (32-byte header), the v1.2.32 the last
    // kcptun vendors with 10 (length 12, padded to a 36-byte header): docs/tcp-transport.md.
    const base = Buffer.from(GOPACKET_SEGMENT, 'hex').subarray(0, TCP_HEADER_SIZE);
    for (const options of [
      Buffer.from('0101080a0001e24000000000', 'hex'),
      Buffer.from('0101080c0001e2400000000000000000', 'hex'),
    ]) {
      const header = Buffer.from(base);
      header[12] = ((TCP_HEADER_SIZE + options.length) / 4) << 4;
      header.writeUInt16BE(0xffff, 14);
      const pkt = ipv4Packet(Buffer.concat([header, options, PAYLOAD]), SERVER, CLIENT);
      const s = new ParsedSegment();
      assert.equal(parseIpv4Segment(pkt, pkt.length, s), true);
      assert.deepEqual(pkt.subarray(s.payloadStart, s.payloadEnd), PAYLOAD, `${options.length} option bytes`);
      assert.equal(s.flags, TCP_PSH | TCP_ACK);
    }
  });

  test('parse refuses what is not a whole IPv4 TCP segment', () => {
    const seg = Buffer.from(GOPACKET_SEGMENT, 'hex');
    const s = new ParsedSegment();
    const good = ipv4Packet(seg, SERVER, CLIENT);
    assert.equal(parseIpv4Segment(good, 39, s), false, 'truncated');
    const udp = Buffer.from(good);
    udp[9] = 17;
    assert.equal(parseIpv4Segment(udp, udp.length, s), false, 'not TCP');
    const v6 = Buffer.from(good);
    v6[0] = 0x65;
    assert.equal(parseIpv4Segment(v6, v6.length, s), false, 'not IPv4');
    const frag = ipv4Packet(seg, SERVER, CLIENT, 0x2000);
    assert.equal(parseIpv4Segment(frag, frag.length, s), false, 'a fragment');
    const badOffset = Buffer.from(good);
    badOffset[20 + 12] = 0xf0; // 60-byte TCP header in a 33-byte segment
    assert.equal(parseIpv4Segment(badOffset, badOffset.length, s), false, 'data offset past the end');
  });

  test('ipv4ToNumber refuses what is not a dotted quad', () => {
    assert.equal(ipv4ToNumber('255.255.255.255'), 0xffffffff);
    for (const bad of ['::1', '1.2.3', '1.2.3.256', 'a.b.c.d', ''])
      assert.ok(Number.isNaN(ipv4ToNumber(bad)), bad);
  });
});

describe("a flow's seq/ack (tcpraw's rules)", () => {
  test('the client: SYN-ACK sets seq and ack; sends advance seq; in-order data advances ack', () => {
    const f = new FlowSequence();
    f.onReceive(TCP_SYN | TCP_ACK, 1000, 5001, 0); // server ISN 1000, acking our ISN 5000
    assert.deepEqual([f.seq, f.ack], [5001, 1001]);
    f.onSend(100);
    assert.equal(f.seq, 5101);
    f.onReceive(TCP_PSH | TCP_ACK, 1001, 5001, 50); // the server has not seen ours yet: its ack is older
    assert.deepEqual([f.seq, f.ack], [5001, 1051], "seq follows the peer's ack, as tcpraw's does");
  });

  test('out-of-order data leaves ack; a bare ACK moves seq only; numbers wrap at 2^32', () => {
    const f = new FlowSequence();
    f.onReceive(TCP_SYN, 0xfffffff0, 0, 0);
    assert.equal(f.ack, 0xfffffff1);
    f.onReceive(TCP_PSH | TCP_ACK, 0xfffffff1, 7, 0x20);
    assert.deepEqual([f.seq, f.ack], [7, 0x11]);
    f.onReceive(TCP_PSH | TCP_ACK, 0x50, 9, 10); // a gap: not in order
    assert.deepEqual([f.seq, f.ack], [9, 0x11]);
    f.onReceive(TCP_ACK, 0x11, 12, 0);
    assert.deepEqual([f.seq, f.ack], [12, 0x11]);
    f.seq = 0xffffffff;
    f.onSend(2);
    assert.equal(f.seq, 1);
  });

  test("a flow first heard after its handshake adopts the peer's data (ack 0: the latest tcpraw's rule)", () => {
    const f = new FlowSequence();
    f.onReceive(TCP_PSH | TCP_ACK, 7000, 300, 40);
    assert.deepEqual([f.seq, f.ack], [300, 7040]);
    f.onReceive(TCP_ACK | TCP_FIN, 7040, 300, 0); // a FIN takes one number
    assert.equal(f.ack, 7041);
    f.onReceive(TCP_ACK, 7041, 310, 0); // a bare ACK takes none
    assert.equal(f.ack, 7041);
  });

  test('a SYN restarts ack even when one is known: a new connection from the same address and port', () => {
    const f = new FlowSequence();
    f.onReceive(TCP_SYN, 1000, 0, 0);
    f.onReceive(TCP_PSH | TCP_ACK, 1001, 5, 10);
    assert.equal(f.ack, 1011);
    f.onReceive(TCP_SYN, 90_000, 0, 0);
    assert.equal(f.ack, 90_001);
  });
});
