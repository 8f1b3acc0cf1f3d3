/**
 * FecEncoder.interleave (docs/link-fec-interleave-2026-12-05.md): two open groups take consecutive datagrams
 * in turn, so a burst of losses hits each about half as hard, and a group's parity stays close behind its data.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FecDecoder } from '../../src/fec/decoder.js';
import { FecEncoder } from '../../src/fec/encoder.js';
import { FEC_HEADER_SIZE_PLUS2, FEC_TYPE_DATA, fecType } from '../../src/fec/header.js';
import { parityDatagrams } from '../support/fec-parity.js';
import { Rng } from './random.js';

interface Sent {
  datagram: Buffer;
  seqid: number;
  isData: boolean;
}

/** Sends `count` data packets (KCP bytes: a u32 id, then random bytes) through enc, parity after each. */
function send(enc: FecEncoder, rng: Rng, count: number, out: Sent[], firstId = 0): void {
  for (let i = 0; i < count; i++) {
    const pkt = Buffer.alloc(FEC_HEADER_SIZE_PLUS2 + 4 + rng.below(1200));
    rng.fill(pkt, FEC_HEADER_SIZE_PLUS2 + 4);
    pkt.writeUInt32LE(firstId + i, FEC_HEADER_SIZE_PLUS2);
    const n = enc.encode(pkt, pkt.length);
    out.push({ datagram: pkt, seqid: pkt.readUInt32LE(0), isData: true });
    push(enc, n, out);
  }
}

function push(enc: FecEncoder, count: number, out: Sent[]): void {
  for (const p of parityDatagrams(enc, count)) {
    out.push({ datagram: p, seqid: p.readUInt32LE(0), isData: fecType(p, 0) === FEC_TYPE_DATA });
  }
}

/** Decodes `sent` but for the datagrams at `lost`; returns the ids of the recovered packets. */
function recover(sent: Sent[], lost: Set<number>): number[] {
  const dec = new FecDecoder(10, 3);
  const ids: number[] = [];
  sent.forEach((s, i) => {
    if (lost.has(i)) return;
    const n = dec.decode(s.datagram, 0, s.datagram.length, 0);
    for (let k = 0; k < n; k++) ids.push(dec.recovered[k].readUInt32LE(0));
  });
  return ids.sort((a, b) => a - b);
}

test('interleaved: consecutive datagrams alternate between two groups, and a burst of 4 is rebuilt', () => {
  const rng = new Rng(5);
  const plain: Sent[] = [];
  send(new FecEncoder(10, 3), rng, 60, plain);
  const enc = new FecEncoder(10, 3);
  enc.interleave = true;
  const mixed: Sent[] = [];
  send(enc, rng, 60, mixed);
  const group = (s: Sent) => Math.floor(s.seqid / 13);
  // past the first group's opening stretch no two neighbours share a group
  for (let i = 7; i < mixed.length - 1; i++) {
    assert.notEqual(group(mixed[i]), group(mixed[i + 1]), `datagrams ${i} and ${i + 1}`);
  }
  // every shard keeps its group's place: data at positions < 10, parity at 10..12, no seqid twice
  assert.equal(new Set(mixed.map((s) => s.seqid)).size, mixed.length);
  for (const s of mixed) assert.equal(s.seqid % 13 < 10, s.isData, `seqid ${s.seqid}`);
  // four data datagrams lost in a row from the middle of the stream: two of each group
  let from = 20;
  while (!mixed.slice(from, from + 4).every((s) => s.isData)) from++;
  const burst = new Set([from, from + 1, from + 2, from + 3]);
  const lostIds = [...burst].map((i) => mixed[i].datagram.readUInt32LE(8));
  assert.deepEqual(
    recover(mixed, burst),
    lostIds.sort((a, b) => a - b),
  );
  // the same burst in one group of 10+3 is more than its parity
  const plainBurst = new Set([27, 28, 29, 30]);
  assert.equal(group(plain[27]), group(plain[30]));
  assert.deepEqual(recover(plain, plainBurst), []);
});

test("interleaved: a group's parity is all out before a newer group's 10th shard, whatever the parity count", () => {
  const rng = new Rng(11);
  const enc = new FecEncoder(10, 3);
  enc.descendingParity = true;
  const sent: Sent[] = [];
  for (let round = 0; round < 400; round++) {
    enc.parityCount = rng.below(4);
    if (rng.chance(0.3)) enc.interleave = !enc.interleave;
    send(enc, rng, 1 + rng.below(12), sent, sent.length);
    if (rng.chance(0.2)) push(enc, enc.drain(), sent);
  }
  const lastIndex = new Map<number, number>();
  const tenth = new Map<number, number>();
  const shards = new Map<number, number>();
  sent.forEach((s, i) => {
    const g = Math.floor(s.seqid / 13);
    lastIndex.set(g, i);
    const n = (shards.get(g) ?? 0) + 1;
    shards.set(g, n);
    if (n === 10) tenth.set(g, i);
  });
  let checked = 0;
  for (const [g, last] of lastIndex) {
    for (const [h, at] of tenth) {
      if (h <= g) continue;
      assert.ok(last < at, `group ${g}'s shard at ${last} after newer group ${h}'s 10th shard at ${at}`);
      checked++;
    }
  }
  assert.ok(checked > 1000);
  // within a group, parity goes highest seqid first; a drain leaves nothing owed
  for (let i = 1; i < sent.length; i++) {
    const [a, b] = [sent[i - 1], sent[i]];
    if (!a.isData && !b.isData && Math.floor(a.seqid / 13) === Math.floor(b.seqid / 13))
      assert.ok(b.seqid < a.seqid);
  }
  assert.equal(enc.drain(), 0);
});

test('interleaved groups without drain keep their parity for the next packets; drain sends it at once', () => {
  const rng = new Rng(3);
  const enc = new FecEncoder(10, 3);
  enc.interleave = true;
  const sent: Sent[] = [];
  // group A takes 6, then A and B alternate: A completes with its 10th data shard, B has 4
  send(enc, rng, 14, sent);
  assert.equal(sent.filter((s) => !s.isData).length, 0);
  assert.equal(enc.drain(), 3);
  assert.equal(enc.drain(), 0);
});

test("descendingParity: our decoder sees the mark, not in kcp-go's ascending order", () => {
  const rng = new Rng(9);
  for (const descending of [false, true]) {
    const enc = new FecEncoder(10, 3);
    enc.descendingParity = descending;
    const sent: Sent[] = [];
    send(enc, rng, 50, sent);
    const dec = new FecDecoder(10, 3);
    for (const s of sent) dec.decode(s.datagram, 0, s.datagram.length, 0);
    assert.equal(dec.peerMarksParity, descending);
  }
});
