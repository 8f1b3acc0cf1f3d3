/**
 * A decoder rebuilds nothing from shards that arrived out of place for its shape until its autotune has
 * locked onto the peer's, or two groups' worth have arrived in place since (FecDecoder.placementTrusted).
 * Full-size packets of one length make the false shard kcp-go v5.6.1 rebuilds pass every size check
 * (docs/interop-fec-shape-2026-12-07-shape33.md): a decoder without the rule returns it as recovered data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FecDecoder } from '../../src/fec/decoder.js';
import { FecEncoder } from '../../src/fec/encoder.js';
import { FEC_HEADER_SIZE_PLUS2 } from '../../src/fec/header.js';
import { parityDatagrams } from '../support/fec-parity.js';
import { Rng } from './random.js';

/** KCP bytes per packet: all of one length, as our bulk sender's segments are. */
const KCP_BYTES = 1300;

interface Packet {
  datagram: Buffer;
  seqid: number;
  /** The KCP bytes of a data shard (hex), '' for parity. */
  kcp: string;
}

/** `count` data packets of the encoder's shape, their parity in between, in send order. */
function stream(rng: Rng, enc: FecEncoder, count: number, first: number): Packet[] {
  const out: Packet[] = [];
  for (let i = 0; i < count; i++) {
    const kcp = Buffer.alloc(KCP_BYTES);
    rng.fill(kcp);
    kcp.writeUInt32LE(first + i, 0);
    const datagram = Buffer.alloc(FEC_HEADER_SIZE_PLUS2 + KCP_BYTES);
    kcp.copy(datagram, FEC_HEADER_SIZE_PLUS2);
    const n = enc.encode(datagram, datagram.length);
    out.push({ datagram, seqid: datagram.readUInt32LE(0), kcp: kcp.toString('hex') });
    for (const p of parityDatagrams(enc, n)) out.push({ datagram: p, seqid: p.readUInt32LE(0), kcp: '' });
  }
  return out;
}

/** Feeds the packets but those whose seqid `lost` picks; returns what was recovered, as hex. */
function feed(dec: FecDecoder, packets: Packet[], lost: (seqid: number) => boolean): string[] {
  const recovered: string[] = [];
  for (const p of packets) {
    if (lost(p.seqid)) continue;
    const n = dec.decode(p.datagram, 0, p.datagram.length, 0);
    for (let i = 0; i < n; i++) recovered.push(dec.recovered[i].toString('hex'));
  }
  return recovered;
}

test('a 5/2 decoder fed a 10/3 stream under loss rebuilds no false data, and true data once locked on', () => {
  const rng = new Rng(34);
  const packets = stream(rng, new FecEncoder(10, 3), 400, 0);
  const sent = new Set(packets.map((p) => p.kcp));
  const dec = new FecDecoder(5, 2);
  // one data shard of every 10/3 group lost at position 1: the 5/2 window [7, 14) holds 7, 9 (data),
  // 10, 11, 12 (parity) and 13, and rebuilds a "shard 8" from them, which main returned
  // the groups in the middle come whole: autotune locks onto a loss-free run only
  const lost = (seqid: number) => ((seqid < 130 || seqid > 390) && seqid % 13 === 1) || seqid === 8;
  const recovered = feed(dec, packets, lost);
  for (const r of recovered) assert.ok(sent.has(r), 'a recovered packet is one that was sent');
  assert.equal(dec.dataShards, 10, 'autotune locked onto 10/3 at last');
  assert.ok(recovered.length > 0, 'and recovers after the lock');
});

test('after shards out of place, two groups in place, parity among them, make rebuilding sound again', () => {
  const rng = new Rng(35);
  // a peer that sent 3 data shards of 10/3, then changed to 5/2 from seqid 14 on (KcpSession.followFecShape)
  const before = stream(rng, new FecEncoder(10, 3), 7, 0);
  const enc = new FecEncoder(5, 2);
  enc.startAfter(13);
  const after = stream(rng, enc, 100, 100);
  const dec = new FecDecoder(5, 2);
  const lost = (seqid: number) => seqid >= 14 && seqid % 7 === 2;
  // seqids 5 and 6 are data out of place for 5/2: the first 5/2 groups' losses stay lost (placedRun)
  const recovered = feed(dec, [...before, ...after], lost);
  const lostData = after.filter((p) => lost(p.seqid) && p.kcp !== '').map((p) => p.kcp);
  assert.equal(dec.dataShards, 5);
  assert.deepEqual(recovered, lostData.slice(lostData.length - recovered.length), 'only true data');
  assert.ok(recovered.length >= lostData.length - 3, `recovered ${recovered.length} of ${lostData.length}`);
});
