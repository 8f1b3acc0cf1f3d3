import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFallbackFecDecoder, FEC_EXPIRE_MS, FecDecoder, pooledShards } from '../../src/fec/decoder.js';
import { FecEncoder } from '../../src/fec/encoder.js';
import {
  FEC_HEADER_SIZE_PLUS2,
  FEC_TYPE_DATA,
  FEC_TYPE_OOB,
  FEC_TYPE_PARITY,
  fecPaws,
} from '../../src/fec/header.js';
import { ReedSolomon } from '../../src/fec/reed-solomon.js';
import { snmp } from '../../src/metrics/snmp.js';
import { parityDatagrams } from '../support/fec-parity.js';
import { Rng } from './random.js';
import { makeStream, type StreamPacket } from './stream.js';

const MAX_QUEUED_SHARDS = 3 * 256 + 1;

/** Feeds packets (crypt header of `h` bytes in front) and returns the recovered KCP payloads in order. */
function feed(dec: FecDecoder, packets: StreamPacket[], h = 0, now = 0): Buffer[] {
  const recovered: Buffer[] = [];
  for (const p of packets) {
    const n = dec.decode(p.datagram, h, p.datagram.length, now);
    assert.equal(n, dec.recovered.length);
    for (let i = 0; i < n; i++) recovered.push(dec.recovered[i]);
  }
  return recovered;
}

function counters() {
  const { FECRecovered, FECErrs, FECParityShards, FECShortShards, InErrs } = snmp;
  return { FECRecovered, FECErrs, FECParityShards, FECShortShards, InErrs };
}

function delta(before: ReturnType<typeof counters>) {
  const now = counters();
  return {
    FECRecovered: now.FECRecovered - before.FECRecovered,
    FECErrs: now.FECErrs - before.FECErrs,
    FECParityShards: now.FECParityShards - before.FECParityShards,
    FECShortShards: now.FECShortShards - before.FECShortShards,
    InErrs: now.InErrs - before.InErrs,
  };
}

/** One raw FEC packet: seqid, type, then body bytes. */
function raw(seqid: number, type: number, body: Buffer | number[] = [2, 0]): Buffer {
  const b = Buffer.alloc(6 + (Buffer.isBuffer(body) ? body.length : body.length));
  b.writeUInt32LE(seqid >>> 0, 0);
  b.writeUInt16LE(type, 4);
  Buffer.from(body).copy(b, 6);
  return b;
}

test('decoders keep no free shards of their own: a freed group goes to the shared pool, where another takes it', () => {
  const a = new FecDecoder(3, 2);
  const b = new FecDecoder(3, 2);
  const before = pooledShards();
  a.decode(raw(0, FEC_TYPE_DATA), 0, 8, 0);
  a.decode(raw(1, FEC_TYPE_DATA), 0, 8, 0);
  assert.equal(a.queueLength, 2);
  assert.equal(pooledShards(), Math.max(0, before - 2));
  a.decode(raw(2, FEC_TYPE_DATA), 0, 8, 0); // the group's data is complete: freed
  assert.equal(a.queueLength, 0);
  const freed = pooledShards();
  assert.ok(freed >= 3, `the three shards of the freed group are pooled (${freed})`);
  b.decode(raw(0, FEC_TYPE_DATA), 0, 8, 0);
  assert.equal(pooledShards(), freed - 1);
});

test('docs/protocol.md §11.5 group: any two lost shards are recovered to the exact KCP bytes', () => {
  const texts = ['ABCDEFGHIJ', 'xyz', '0123456789abcdef'];
  const enc = new FecEncoder(3, 2);
  const packets: Buffer[] = [];
  for (const t of texts) {
    const pkt = Buffer.alloc(8 + t.length);
    pkt.write(t, 8);
    const n = enc.encode(pkt, pkt.length);
    packets.push(pkt);
    packets.push(...parityDatagrams(enc, n));
  }
  for (let a = 0; a < 5; a++) {
    for (let b = a; b < 5; b++) {
      const dec = new FecDecoder(3, 2);
      const got: string[] = [];
      for (let i = 0; i < 5; i++) {
        if (i === a || i === b) continue;
        const n = dec.decode(packets[i], 0, packets[i].length, 0);
        for (let k = 0; k < n; k++) got.push(dec.recovered[k].toString());
      }
      const lost = [a, b].filter((i, j, all) => i < 3 && all.indexOf(i) === j).map((i) => texts[i]);
      assert.deepEqual(got, lost, `lost ${a},${b}`);
      assert.equal(dec.queueLength, 0, 'the group is freed and its late shards dropped');
    }
  }
});

/**
 * Encoder -> random loss -> decoder, in order. Data shards that arrive go to KCP directly; the decoder must
 * return exactly the lost data packets of the groups that kept at least ds shards, once each.
 */
function endToEnd(ds: number, ps: number, seed: number, count: number, loss: number, firstSeqid = 0, h = 0) {
  const rng = new Rng(seed);
  const n = ds + ps;
  const stream = makeStream(rng, ds, ps, count, { headerOffset: h, firstSeqid });
  const dec = new FecDecoder(ds, ps);
  const before = counters();
  const expected: Buffer[] = [];
  const received: StreamPacket[] = [];
  for (let g = 0; g < stream.length; g += n) {
    const group = stream.slice(g, g + n);
    const kept = group.filter(() => !rng.chance(loss));
    if (group.length === n && kept.length >= ds) {
      for (const p of group) if (p.isData && !kept.includes(p)) expected.push(p.kcp);
    }
    received.push(...kept);
  }
  const recovered = feed(dec, received, h);
  assert.equal(recovered.length, expected.length, `(${ds},${ps}) seed ${seed}`);
  for (const [i, r] of recovered.entries()) assert.ok(r.equals(expected[i]), `recovered #${i}`);
  const d = delta(before);
  assert.equal(d.FECRecovered, expected.length);
  assert.equal(d.FECErrs, 0);
  assert.equal(d.FECParityShards, received.filter((p) => !p.isData).length);
  assert.ok(dec.queueLength <= 3 * n);
  assert.ok(expected.length > 0, 'the loss rate must exercise recovery');
  return expected.length;
}

test('end to end with random loss: recovered == the lost data of groups with >= ds shards', () => {
  endToEnd(10, 3, 11, 6000, 0.08);
  endToEnd(10, 3, 12, 3000, 0.2, 0, 20);
  endToEnd(3, 2, 13, 3000, 0.25);
  endToEnd(2, 1, 14, 3000, 0.1);
  endToEnd(1, 1, 15, 3000, 0.3);
  endToEnd(2, 2, 16, 3000, 0.3);
  endToEnd(20, 10, 17, 3000, 0.2);
});

test('shards are copied out of a receive slot that is rewritten after every packet', () => {
  // packets of few distinct sizes land at the same two places of one block, as in the I/O's slots
  const rng = new Rng(31);
  const ds = 10;
  const ps = 3;
  const stream = makeStream(rng, ds, ps, 2000, { headerOffset: 20, maxKcp: 12 });
  const dec = new FecDecoder(ds, ps);
  const slots = Buffer.allocUnsafeSlow(2 * 1536);
  const expected: Buffer[] = [];
  const recovered: Buffer[] = [];
  let turn = 0;
  for (let g = 0; g + ds + ps <= stream.length; g += ds + ps) {
    const lost = g / (ds + ps) + rng.below(ds); // a data shard of each group, at varying positions
    for (let i = g; i < g + ds + ps; i++) {
      if (i === g + (lost % ds)) {
        expected.push(stream[i].kcp);
        continue;
      }
      const at = (turn++ & 1) * 1536;
      const d = stream[i].datagram;
      slots.set(d, at);
      const n = dec.decode(slots.subarray(at, at + 1536), 20, d.length, 0);
      for (let k = 0; k < n; k++) recovered.push(dec.recovered[k]);
      slots.fill(0xee, at, at + 1536); // the next receive
    }
  }
  assert.equal(recovered.length, expected.length);
  for (const [i, r] of recovered.entries()) assert.ok(r.equals(expected[i]), `recovered #${i}`);
});

test('end to end across the seqid wrap at paws', () => {
  for (const [ds, ps] of [
    [10, 3],
    [3, 2],
    [7, 2],
  ]) {
    const n = ds + ps;
    const paws = fecPaws(n);
    const recovered = endToEnd(ds, ps, 21 + n, 400, 0.15, paws - 10 * n);
    assert.ok(recovered > 0);
  }
});

test('reordering: nothing is recovered twice and nothing already received is recovered', () => {
  const rng = new Rng(31);
  const stream = makeStream(rng, 10, 3, 5000);
  const kept = stream.filter(() => !rng.chance(0.1));
  for (let i = 0; i + 1 < kept.length; i++) {
    if (rng.chance(0.2)) {
      const j = Math.min(kept.length - 1, i + 1 + rng.below(4));
      [kept[i], kept[j]] = [kept[j], kept[i]];
    }
  }
  const dec = new FecDecoder(10, 3);
  const seen = new Set<string>();
  let recoveredCount = 0;
  for (const p of kept) {
    const n = dec.decode(p.datagram, 0, p.datagram.length, 0);
    if (p.isData) seen.add(p.kcp.toString('hex'));
    for (let k = 0; k < n; k++) {
      const key = dec.recovered[k].toString('hex');
      assert.ok(!seen.has(key), 'recovered a packet KCP already has');
      assert.ok(
        stream.some((s) => s.isData && s.kcp.equals(dec.recovered[k])),
        'recovered bytes are an original packet',
      );
      seen.add(key);
      recoveredCount++;
    }
  }
  assert.ok(recoveredCount > 100);
});

test('autotune: a (10,3) decoder fed a (3,2) stream adopts (3,2) and recovers', () => {
  const rng = new Rng(41);
  const stream = makeStream(rng, 3, 2, 3000, { maxKcp: 200 });
  const dec = new FecDecoder(10, 3);
  const warmup = stream.slice(0, 300);
  feed(dec, warmup);
  assert.equal(dec.dataShards, 3);
  assert.equal(dec.parityShards, 2);
  const rest = stream.slice(300);
  const start = rest.findIndex((p) => p.seqid % 5 === 0);
  const kept: StreamPacket[] = [];
  const lost = new Set<string>();
  for (let i = start; i < rest.length; i++) {
    if ((i - start) % 5 === 1 && rest[i].isData) lost.add(rest[i].kcp.toString('hex'));
    else kept.push(rest[i]);
  }
  const recovered = feed(dec, kept);
  assert.equal(recovered.length, lost.size);
  for (const r of recovered) assert.ok(lost.has(r.toString('hex')));
});

test('the fallback (1,1) decoder of a FEC-less session tunes to a (10,3) peer', () => {
  const rng = new Rng(42);
  const stream = makeStream(rng, 10, 3, 1500, { maxKcp: 100 });
  const dec = createFallbackFecDecoder();
  assert.equal(dec.dataShards, 1);
  assert.equal(dec.parityShards, 1);
  feed(dec, stream.slice(0, 600));
  assert.equal(dec.dataShards, 10);
  assert.equal(dec.parityShards, 3);
  // From a group boundary on, drop the first data shard of every group: all of them come back.
  const rest = stream.slice(600);
  const start = rest.findIndex((p) => p.seqid % 13 === 0);
  const kept = rest.slice(start).filter((p) => p.seqid % 13 !== 0);
  const lost = rest.slice(start).filter((p) => p.seqid % 13 === 0);
  const recovered = feed(dec, kept);
  const complete = Math.floor((rest.length - start) / 13);
  assert.equal(recovered.length, complete);
  for (const [i, r] of recovered.entries()) assert.ok(r.equals(lost[i].kcp));
});

test('duplicates are ignored and late shards of finished groups do not recover again', () => {
  const rng = new Rng(51);
  const stream = makeStream(rng, 1, 1, 50);
  const dec = new FecDecoder(1, 1);
  let recovered = 0;
  for (const p of stream) {
    recovered += dec.decode(p.datagram, 0, p.datagram.length, 0);
    recovered += dec.decode(p.datagram, 0, p.datagram.length, 0);
  }
  assert.equal(recovered, 0, 'every data shard arrived, so nothing is recovered');
  assert.equal(dec.queueLength, 0);
});

test('parity longer than the data still recovers exactly; shorter parity never throws', () => {
  const rng = new Rng(61);
  const stream = makeStream(rng, 3, 2, 3, { maxKcp: 50 });
  const [, d1, d2, p3, p4] = stream;
  const longer = Buffer.concat([p3.datagram, Buffer.alloc(100, 0xee)]);
  const dec = new FecDecoder(3, 2);
  dec.decode(d1.datagram, 0, d1.datagram.length, 0);
  dec.decode(d2.datagram, 0, d2.datagram.length, 0);
  assert.equal(dec.decode(longer, 0, longer.length, 0), 1);
  assert.ok(dec.recovered[0].equals(stream[0].kcp));

  const dec2 = new FecDecoder(3, 2);
  dec2.decode(d1.datagram, 0, d1.datagram.length, 0);
  dec2.decode(p3.datagram, 0, 8, 0);
  const n = dec2.decode(p4.datagram, 0, 9, 0);
  assert.ok(n <= 2);
});

test('recovered size fields that lie are dropped and counted in FECErrs', () => {
  for (const size of [0, 1, 0xffff, 40]) {
    const rs = new ReedSolomon(2, 1);
    rs.shards[0].fill(7, 0, 30);
    rs.shards[0].writeUInt16LE(size, 0);
    rs.shards[1].fill(9, 0, 30);
    rs.shards[1].writeUInt16LE(30, 0);
    rs.encode(30);
    const dec = new FecDecoder(2, 1);
    const before = counters();
    dec.decode(raw(1, FEC_TYPE_DATA, rs.shards[1].subarray(0, 30)), 0, 36, 0);
    const n = dec.decode(raw(2, FEC_TYPE_PARITY, rs.shards[2].subarray(0, 30)), 0, 36, 0);
    const valid = size >= 2 && size <= 30;
    assert.equal(n, valid ? 1 : 0, `size ${size}`);
    assert.equal(delta(before).FECErrs, valid ? 0 : 1);
  }
});

test('too short packets count InErrs; OOB, foreign types and seqids >= paws are ignored', () => {
  const dec = new FecDecoder(10, 3);
  const before = counters();
  assert.equal(dec.decode(raw(0, FEC_TYPE_PARITY, []), 0, 6, 0), 0, 'zero-length parity');
  assert.equal(dec.decode(Buffer.alloc(7), 0, 7, 0), 0);
  assert.equal(dec.decode(Buffer.alloc(20), 15, 30, 0), 0, 'end past the buffer');
  assert.equal(delta(before).InErrs, 3);
  assert.equal(dec.decode(raw(0xffffffff, FEC_TYPE_OOB, [6, 0, 1, 2, 3, 4]), 0, 12, 0), 0);
  assert.equal(dec.decode(raw(5, 0x51), 0, 8, 0), 0);
  assert.equal(dec.decode(raw(fecPaws(13), FEC_TYPE_DATA), 0, 8, 0), 0);
  assert.equal(dec.decode(raw(0xffffffff, FEC_TYPE_PARITY), 0, 8, 0), 0);
  assert.equal(dec.queueLength, 0);
});

test('queue limit 3 x (ds+ps) drops the oldest (FECShortShards for data); 60 s expiry', () => {
  const dec = new FecDecoder(10, 3);
  const before = counters();
  // One data shard per group: nothing ever completes.
  for (let g = 0; g < 100; g++) dec.decode(raw(g * 13, FEC_TYPE_DATA), 0, 8, g);
  assert.equal(dec.queueLength, 39);
  assert.equal(delta(before).FECShortShards, 100 - 39);
  dec.decode(raw(100 * 13, FEC_TYPE_DATA), 0, 8, 99 + FEC_EXPIRE_MS + 1);
  assert.equal(dec.queueLength, 1, 'everything older than 60 s expired');

  // kcp's uint32 ms clock wraps: the age is the wrapping difference.
  const wrapping = new FecDecoder(10, 3);
  wrapping.decode(raw(0, FEC_TYPE_DATA), 0, 8, 0xffffff00);
  wrapping.decode(raw(13, FEC_TYPE_DATA), 0, 8, 1000);
  assert.equal(wrapping.queueLength, 2, '1256 ms old across the wrap: kept');
  wrapping.decode(raw(26, FEC_TYPE_DATA), 0, 8, FEC_EXPIRE_MS + 1 - 0x100);
  assert.equal(wrapping.queueLength, 2, 'the first shard is 60001 ms old: expired');
});

test('hostile input never throws and memory stays bounded', () => {
  const rng = new Rng(71);
  const decoders = [new FecDecoder(10, 3), new FecDecoder(1, 1), new FecDecoder(128, 128)];
  const buf = Buffer.alloc(2000);
  let seqid = 0;
  for (let i = 0; i < 30000; i++) {
    const len = rng.below(1700);
    rng.fill(buf, 0, len);
    switch (rng.below(4)) {
      case 0: // plausible types with random seqids
        buf.writeUInt16LE(rng.chance(0.5) ? FEC_TYPE_DATA : FEC_TYPE_PARITY, 4);
        break;
      case 1: // seqids jumping by 2^31 around a counter
        seqid = (seqid + (rng.chance(0.5) ? 0x80000000 : 1 + rng.below(3))) >>> 0;
        buf.writeUInt32LE(seqid, 0);
        buf.writeUInt16LE(rng.chance(0.7) ? FEC_TYPE_DATA : FEC_TYPE_PARITY, 4);
        break;
      case 2: // a plausible type pattern for a random period, to push autotune around
        seqid = (seqid + 1) >>> 0;
        buf.writeUInt32LE(seqid, 0);
        buf.writeUInt16LE(seqid % (2 + (i >> 10)) === 0 ? FEC_TYPE_PARITY : FEC_TYPE_DATA, 4);
        break;
      default: // raw garbage
        break;
    }
    const offset = rng.below(4);
    for (const dec of decoders) {
      const n = dec.decode(buf, offset, Math.min(len + offset, buf.length), i);
      for (let k = 0; k < n; k++) assert.ok(Buffer.isBuffer(dec.recovered[k]));
      assert.ok(dec.queueLength <= 3 * (dec.dataShards + dec.parityShards));
      assert.ok(pooledShards() <= MAX_QUEUED_SHARDS);
      assert.ok(dec.dataShards + dec.parityShards <= 256);
    }
  }
});

test('a peer cycling through (ds, ps) patterns moves autotune around within bounds', () => {
  const dec = new FecDecoder(10, 3);
  const buf = Buffer.alloc(64);
  const adopted = new Set<string>();
  let seqid = 0xffffff00; // also crosses the u32 wrap
  for (const [ds, ps] of [
    [3, 2],
    [200, 55],
    [1, 254],
    [120, 120],
    [7, 1],
    [255, 1],
    [100, 200],
  ]) {
    for (let i = 0; i < 1500; i++) {
      buf.writeUInt32LE(seqid, 0);
      buf.writeUInt16LE(seqid % (ds + ps) < ds ? FEC_TYPE_DATA : FEC_TYPE_PARITY, 4);
      dec.decode(buf, 0, 40, i);
      seqid = (seqid + 1) >>> 0;
      assert.ok(dec.queueLength <= 3 * (dec.dataShards + dec.parityShards));
      assert.ok(pooledShards() <= MAX_QUEUED_SHARDS);
    }
    adopted.add(`${dec.dataShards},${dec.parityShards}`);
  }
  assert.ok(adopted.has('7,1'), 'small periods are adopted');
  for (const p of adopted) {
    const [ds, ps] = p.split(',').map(Number);
    assert.ok(ds >= 1 && ps >= 1 && ds + ps <= 256);
  }
});

test('queuedGroups counts the FEC groups with shards waiting (the SNMP FECShardSet of one session)', () => {
  const dec = new FecDecoder(3, 2);
  assert.equal(dec.queuedGroups, 0);
  // data shards 0 and 1 of group 0 (seqids 0-4), data shard 0 of group 1 (seqids 5-9): none complete
  for (const seqid of [0, 1, 5]) dec.decode(raw(seqid, FEC_TYPE_DATA), 0, 8, 0);
  assert.equal(dec.queuedGroups, 2);
  // group 0's third data shard completes it: it leaves the queue
  dec.decode(raw(2, FEC_TYPE_DATA), 0, 8, 0);
  assert.equal(dec.queuedGroups, 1);
});

test('recovers with a parity count that changes from group to group (-mode auto), at 10 % loss', () => {
  const rng = new Rng(77);
  const enc = new FecEncoder(10, 3);
  const dec = new FecDecoder(10, 3);
  const counts = [3, 2, 1, 0, 1, 3, 2, 0, 3, 1];
  let lost = 0;
  let recovered = 0;
  let recoverable = 0;
  for (let group = 0; group < 400; group++) {
    enc.parityCount = counts[group % counts.length];
    const packets: Buffer[] = [];
    const kcps: Buffer[] = [];
    let n = 0;
    for (let i = 0; i < 10; i++) {
      const kcp = Buffer.alloc(24 + rng.below(1000));
      rng.fill(kcp);
      kcp.writeUInt32LE(group * 10 + i, 0);
      const datagram = Buffer.alloc(FEC_HEADER_SIZE_PLUS2 + kcp.length);
      kcp.copy(datagram, FEC_HEADER_SIZE_PLUS2);
      n = enc.encode(datagram, datagram.length);
      packets.push(datagram);
      kcps.push(kcp);
    }
    packets.push(...parityDatagrams(enc, n));
    const arrived = packets.filter(() => rng.below(10) !== 0);
    const missingData = kcps.filter((_, i) => !arrived.includes(packets[i]));
    lost += missingData.length;
    if (missingData.length > 0 && arrived.length >= 10) recoverable += missingData.length;
    const got: Buffer[] = [];
    for (const p of arrived) {
      const r = dec.decode(p, 0, p.length, group);
      for (let i = 0; i < r; i++) got.push(dec.recovered[i]);
    }
    for (const m of missingData) {
      if (got.some((g) => g.equals(m))) recovered++;
    }
  }
  assert.ok(lost > 0 && recoverable > 0);
  assert.equal(recovered, recoverable, `recovered ${recovered} of ${recoverable} recoverable (${lost} lost)`);
});

test('peerShapeSame: two groups of the configured shape with parity, and never a shard out of place', () => {
  const rng = new Rng(45);
  const same = makeStream(rng, 10, 3, 60, { maxKcp: 50 }); // 60 data + 18 parity shards
  const dec = new FecDecoder(10, 3);
  feed(dec, same.slice(0, 25));
  assert.equal(dec.peerShapeSame, false); // 25 < 2 x 13 shards
  feed(dec, same.slice(25, 26));
  assert.equal(dec.peerShapeSame, true);
  // one shard out of place later (a (10,2) peer's data where parity belongs): no longer, for good
  dec.decode(raw(13 * 30 + 12, FEC_TYPE_DATA), 0, 8, 0);
  assert.equal(dec.peerShapeSame, false);
  feed(dec, makeStream(rng, 10, 3, 100, { maxKcp: 50, firstSeqid: 13 * 40 }));
  assert.equal(dec.peerShapeSame, false);

  // another shape never counts, even with the first data shard of every other group lost
  const other = new FecDecoder(10, 3);
  feed(
    other,
    makeStream(rng, 10, 2, 200, { maxKcp: 50 }).filter((p) => p.seqid % 24 !== 12),
  );
  assert.equal(other.peerShapeSame, false);
  // data alone (a latest-kcp-go peer that skipped its parity) proves nothing about ps
  const dataOnly = new FecDecoder(10, 3);
  feed(
    dataOnly,
    same.filter((p) => p.isData),
  );
  assert.equal(dataOnly.peerShapeSame, false);
});

test('dropClosedGroups drops the groups older than the newest at its previous call; the open one still recovers', () => {
  const dec = new FecDecoder(3, 2);
  const stream = makeStream(new Rng(5), 3, 2, 12); // groups 0-3: data 5g..5g+2, parity 5g+3, 5g+4
  const bySeqid = (seqid: number) => stream.find((p) => p.seqid === seqid)!;
  // group 0: one data shard; group 1: one data shard; group 2: two data shards
  assert.deepEqual(feed(dec, [0, 5, 10, 11].map(bySeqid)), []);
  dec.dropClosedGroups();
  assert.equal(dec.queuedGroups, 3, 'the first quiet point drops nothing: a reordered shard may still come');
  // a late shard of group 1 and the first of group 3
  assert.deepEqual(feed(dec, [8, 15].map(bySeqid)), []);
  const pooled = pooledShards();
  dec.dropClosedGroups();
  assert.equal(
    dec.queuedGroups,
    2,
    'groups 0 and 1, older than group 2, newest at the last quiet point, went',
  );
  assert.equal(pooledShards(), Math.min(pooled + 3, MAX_QUEUED_SHARDS), 'their shards went back to the pool');
  // group 2's parity arrives: its lost data shard (seqid 12) is rebuilt from what was kept
  const recovered = feed(dec, [bySeqid(13)]);
  assert.equal(recovered.length, 1);
  assert.deepEqual(recovered[0], bySeqid(12).kcp);
  assert.equal(dec.queuedGroups, 1);
});

test('dropClosedGroups keeps one more group from a peer whose parity shows it may interleave', () => {
  const dec = new FecDecoder(3, 2);
  // groups 0-2: parity only, highest seqid first (FecEncoder.descendingParity): the peer marks its parity
  for (const g of [0, 1, 2])
    for (const seqid of [5 * g + 4, 5 * g + 3]) dec.decode(raw(seqid, FEC_TYPE_PARITY), 0, 8, 0);
  assert.ok(dec.peerMarksParity);
  dec.decode(raw(15, FEC_TYPE_DATA), 0, 8, 0);
  dec.dropClosedGroups();
  dec.decode(raw(20, FEC_TYPE_DATA), 0, 8, 0);
  dec.dropClosedGroups();
  assert.equal(
    dec.queuedGroups,
    3,
    'groups 2 and 3 (newest at the last quiet point and the one before) and 4',
  );
});
