/**
 * FecDecoder.peerMarksParity after a -mode auto peer's shown groups (KcpSession.showShape: whole groups of
 * WINS data shards, parity lowest seqid first): those groups count toward neither order, so the marks of
 * the stream that follows open the gate within its first groups (docs/link-first-flight-2026-12-07-flight36.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FecDecoder, PARITY_MARKS } from '../../src/fec/decoder.js';
import { FecEncoder } from '../../src/fec/encoder.js';
import { FEC_HEADER_SIZE_PLUS2 } from '../../src/fec/header.js';
import { KCP_CMD_ACK, KCP_OVERHEAD } from '../../src/kcp/constants.js';
import { Kcp } from '../../src/kcp/kcp.js';
import { writeSegmentHeader } from '../../src/kcp/segment-header.js';
import { parityDatagrams } from '../support/fec-parity.js';

const DS = 10;
const PS = 3;
/** The session's SHOWN_GROUPS (src/transport/session.ts). */
const SHOWN_GROUPS = 3;
const CONV = 0x5eed;

/** Sends `count` datagrams made by `write` (their end) through enc; returns every datagram in order. */
function send(enc: FecEncoder, count: number, write: (pkt: Buffer, i: number) => number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const pkt = Buffer.alloc(FEC_HEADER_SIZE_PLUS2 + KCP_OVERHEAD);
    const end = write(pkt, i);
    const parity = enc.encode(pkt, end);
    out.push(pkt.subarray(0, end));
    out.push(...parityDatagrams(enc, parity));
  }
  return out;
}

/** The shown groups as KcpSession.showShape sends them: WINS data shards, all parity, lowest seqid first. */
function shownGroups(enc: FecEncoder): Buffer[] {
  const kcp = new Kcp(CONV, () => {});
  kcp.reserveBytes(FEC_HEADER_SIZE_PLUS2);
  enc.parityCount = PS;
  enc.descendingParity = false;
  return send(enc, SHOWN_GROUPS * DS, (pkt) => kcp.writeWindowTell(pkt));
}

/** `count` datagrams of one ACK segment each (an ACK stream: as long as a window tell, another cmd). */
function acks(enc: FecEncoder, count: number, descending: boolean): Buffer[] {
  enc.descendingParity = descending;
  return send(enc, count, (pkt, i) => {
    writeSegmentHeader(pkt, FEC_HEADER_SIZE_PLUS2, CONV, KCP_CMD_ACK, 0, 256, i, i, 0, 0);
    return FEC_HEADER_SIZE_PLUS2 + KCP_OVERHEAD;
  });
}

/** Feeds datagrams one by one; returns after how many the decoder first took the peer to mark its parity (-1: never). */
function marksAfter(dec: FecDecoder, datagrams: Buffer[]): number {
  for (let i = 0; i < datagrams.length; i++) {
    dec.decode(datagrams[i], 0, datagrams[i].length, 0);
    if (dec.peerMarksParity) return i + 1;
  }
  return -1;
}

test('after the shown groups, the marks of the stream open the gate within its first two groups', () => {
  const enc = new FecEncoder(DS, PS);
  const dec = new FecDecoder(DS, PS);
  assert.equal(marksAfter(dec, shownGroups(enc)), -1, 'the shown groups alone show no marks');
  assert.ok(dec.peerShapeSame, 'they show the shape');
  // 2 groups of descending parity: 4 pairs >= PARITY_MARKS; on main the shown groups' 6 ascending pairs
  // wanted over 24 (PARITY_MARK_RATIO)
  const stream = acks(enc, 2 * DS, true);
  const at = marksAfter(dec, stream);
  assert.ok(at > 0, 'the gate opens within two descending groups after the shown ones');
  assert.ok(PARITY_MARKS <= 4);
});

test('after the shown groups, a stream in kcp-go order never opens the gate', () => {
  const enc = new FecEncoder(DS, PS);
  const dec = new FecDecoder(DS, PS);
  assert.equal(marksAfter(dec, [...shownGroups(enc), ...acks(enc, 50 * DS, false)]), -1);
});

test('groups of one-segment datagrams other than WINS still count: the ratio rule holds for an ACK stream', () => {
  const enc = new FecEncoder(DS, PS);
  enc.parityCount = PS;
  const dec = new FecDecoder(DS, PS);
  // 10 groups ascending (20 pairs), then 10 descending (20 pairs): 20 is not over 4 x 20
  assert.equal(marksAfter(dec, [...acks(enc, 10 * DS, false), ...acks(enc, 10 * DS, true)]), -1);
});
