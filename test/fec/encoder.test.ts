import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FecEncoder } from '../../src/fec/encoder.js';
import { FEC_TYPE_DATA, FEC_TYPE_PARITY, fecPaws, fecType } from '../../src/fec/header.js';
import { parityDatagrams } from '../support/fec-parity.js';

/** A packet as KCP hands it over: headerOffset + 8 reserved bytes, then the KCP bytes. */
function packet(headerOffset: number, kcp: Buffer): Buffer {
  const pkt = Buffer.alloc(headerOffset + 8 + kcp.length);
  kcp.copy(pkt, headerOffset + 8);
  return pkt;
}

test('docs/protocol.md §11.5: the FEC group of ds=3 ps=2 at H=0, byte for byte', () => {
  const enc = new FecEncoder(3, 2);
  const out: string[] = [];
  for (const text of ['ABCDEFGHIJ', 'xyz', '0123456789abcdef']) {
    const pkt = packet(0, Buffer.from(text));
    const n = enc.encode(pkt, pkt.length);
    out.push(pkt.toString('hex'));
    for (const p of parityDatagrams(enc, n)) out.push(p.toString('hex'));
  }
  assert.deepEqual(out, [
    '00000000f1000c004142434445464748494a',
    '01000000f100050078797a',
    '02000000f100120030313233343536373839616263646566',
    '03000000f2001b00090a0b777173717f7173616263646566',
    '04000000f2000000afb0ad716c7b7e2d00175b5157454349',
  ]);
  assert.equal(enc.parityLength, 24);
});

test('writeParity builds a parity datagram over whatever the send slot held; seqids go on per group', () => {
  const h = 20;
  const trailer = 16;
  const enc = new FecEncoder(1, 2, h, trailer);
  const pkt = packet(h, Buffer.from('ab'));
  for (const firstParity of [1, 4]) {
    assert.equal(enc.encode(pkt, pkt.length), 2);
    const fresh = parityDatagrams(enc, 2);
    for (let k = 0; k < 2; k++) {
      const slot = Buffer.alloc(1536, 0xa5);
      assert.equal(enc.writeParity(k, slot), pkt.length);
      assert.ok(slot.subarray(0, pkt.length + trailer).equals(fresh[k]), 'header and trailer room zeroed');
      assert.equal(slot.readUInt32LE(h), firstParity + k, 'seqids: 0 data, 1-2 parity, 3 data, 4-5 parity');
      assert.equal(slot[pkt.length + trailer], 0xa5, 'nothing written past the datagram');
    }
  }
});

test('docs/protocol.md §11.3: data header at H=20 for a 29-byte KCP segment (10+3)', () => {
  const kcp = Buffer.from('4433221151000002e803000000000000000000000500000068656c6c6f', 'hex');
  const pkt = packet(20, kcp);
  pkt.fill(0xaa, 0, 20);
  const enc = new FecEncoder(10, 3, 20);
  assert.equal(enc.encode(pkt, pkt.length), 0);
  assert.equal(pkt.subarray(20, 28).toString('hex'), '00000000f1001f00');
  assert.ok(pkt.subarray(28).equals(kcp), 'KCP bytes untouched');
  assert.ok(pkt.subarray(0, 20).equals(Buffer.alloc(20, 0xaa)), 'crypt header untouched');
  assert.equal(fecType(pkt, 20), FEC_TYPE_DATA);
});

test('parity datagrams: header room, seqids, length of the longest packet, trailer room', () => {
  const h = 20;
  const trailer = 16;
  const enc = new FecEncoder(10, 3, h, trailer);
  const seqids: number[] = [];
  for (let group = 0; group < 2; group++) {
    let longest = 0;
    for (let i = 0; i < 10; i++) {
      const pkt = packet(h, Buffer.alloc(24 + ((i * 37 + group * 11) % 300), i + 1));
      longest = Math.max(longest, pkt.length);
      const n = enc.encode(pkt, pkt.length);
      seqids.push(pkt.readUInt32LE(h));
      assert.equal(n, i === 9 ? 3 : 0);
      if (n === 0) continue;
      assert.equal(enc.parityLength, longest);
      for (const p of parityDatagrams(enc, n)) {
        assert.equal(p.length, longest + trailer);
        assert.ok(p.subarray(0, h).equals(Buffer.alloc(h)), 'crypt header region zeroed');
        assert.ok(p.subarray(longest).equals(Buffer.alloc(trailer)), 'trailer region zeroed');
        assert.equal(fecType(p, h), FEC_TYPE_PARITY);
        seqids.push(p.readUInt32LE(h));
      }
    }
  }
  assert.deepEqual(
    seqids,
    Array.from({ length: 26 }, (_, i) => i),
  );
});

test('the caller may encrypt the packet in place: parity uses the bytes as they were at encode', () => {
  const clean = new FecEncoder(2, 1);
  const scribbled = new FecEncoder(2, 1);
  let a = 0;
  let b = 0;
  for (const text of ['hello', 'world!!']) {
    const p1 = packet(0, Buffer.from(text));
    const p2 = packet(0, Buffer.from(text));
    a = clean.encode(p1, p1.length);
    b = scribbled.encode(p2, p2.length);
    p2.fill(0x5c);
  }
  assert.equal(a, 1);
  assert.equal(b, 1);
  assert.ok(parityDatagrams(clean, 1)[0].equals(parityDatagrams(scribbled, 1)[0]));
});

test('seqids wrap to 0 at paws, right after a parity shard', () => {
  assert.equal(fecPaws(13), 4294967287);
  assert.equal(fecPaws(5), 0xffffffff);
  const enc = new FecEncoder(10, 3);
  const paws = fecPaws(13);
  enc.nextSeqid = paws - 13;
  const seen: number[] = [];
  for (let i = 0; i < 12; i++) {
    const pkt = packet(0, Buffer.from('x'));
    const n = enc.encode(pkt, pkt.length);
    seen.push(pkt.readUInt32LE(0));
    for (const p of parityDatagrams(enc, n)) seen.push(p.readUInt32LE(0));
  }
  const expected = [];
  for (let s = paws - 13; s < paws; s++) expected.push(s);
  expected.push(0, 1);
  assert.deepEqual(seen, expected);
  for (const [i, s] of seen.entries()) assert.equal(s % 13, i % 13, 'group position survives the wrap');
});

test('invalid configuration and oversized packets throw, naming the parameter', () => {
  assert.throws(() => new FecEncoder(0, 3), /dataShards/);
  assert.throws(() => new FecEncoder(10, 0), /parityShards/);
  assert.throws(() => new FecEncoder(200, 100), /dataShards \+ parityShards/);
  assert.throws(() => new FecEncoder(10, 3, -1), /headerOffset/);
  assert.throws(() => new FecEncoder(10, 3, 20, -2), /trailerSize/);
  const enc = new FecEncoder(10, 3, 20);
  assert.throws(() => enc.encode(Buffer.alloc(1600), 1501), /end/);
  assert.throws(() => enc.encode(Buffer.alloc(100), 27), /end/);
});

test('parityCount: k of ps parity per group, seqids keep the (ds, ps) shape', () => {
  const enc = new FecEncoder(4, 3);
  const seqids: number[] = [];
  const send = () => {
    const pkt = Buffer.alloc(8 + 20);
    const n = enc.encode(pkt, pkt.length);
    seqids.push(pkt.readUInt32LE(0));
    for (const p of parityDatagrams(enc, n)) seqids.push(p.readUInt32LE(0));
    return n;
  };
  for (const [count, expected] of [
    [3, 3],
    [1, 1],
    [0, 0],
    [5, 3], // clamped to parityShards
    [-1, 0],
  ]) {
    enc.parityCount = count;
    let n = 0;
    for (let i = 0; i < 4; i++) n += send();
    assert.equal(n, expected, `parityCount ${count}`);
  }
  // every group starts at a multiple of ds + ps: the skipped parity still consumed its seqids
  const groupStarts = seqids.filter((_, i) => i === 0 || seqids[i] !== seqids[i - 1] + 1);
  for (const s of groupStarts) assert.equal(s % 7, 0, `a run starts at seqid ${s}`);
});

/**
 * `make` run with Buffer.allocUnsafeSlow's memory filled with `fill` (0x5a: as reused memory may hold; 0: as
 * Buffer.alloc's), and the bytes Buffer.alloc zero-filled meanwhile.
 */
function withMemory<T>(fill: number, make: () => T): { made: T; zeroedBytes: number } {
  const alloc = Buffer.alloc;
  const allocUnsafeSlow = Buffer.allocUnsafeSlow;
  let zeroedBytes = 0;
  Buffer.alloc = (...args: Parameters<typeof alloc>) => {
    zeroedBytes += args[0];
    return alloc(...args);
  };
  Buffer.allocUnsafeSlow = (size: number) => allocUnsafeSlow(size).fill(fill);
  try {
    return { made: make(), zeroedBytes };
  } finally {
    Buffer.alloc = alloc;
    Buffer.allocUnsafeSlow = allocUnsafeSlow;
  }
}

test('the group storage is not zero-filled (one per session), and no datagram depends on what it held', () => {
  const h = 16;
  // lengths that shrink within a position from one group to the next, so a shard's stale tail would show
  const lengths = [1400, 30, 700, 1, 1200, 90, 5, 1000, 333, 64, 20, 1450, 2, 800, 10, 600, 44, 900, 7, 1300];
  for (const interleave of [false, true]) {
    const make = (): FecEncoder => {
      const enc = new FecEncoder(10, 3, h, 16);
      enc.interleave = interleave; // the second group and the kept parity rows are made here
      return enc;
    };
    const dirty = withMemory(0x5a, make);
    assert.equal(dirty.zeroedBytes, 0, 'no Buffer.alloc for the storage: every byte used is written first');
    const zeroed = withMemory(0, make).made;
    for (let round = 0; round < 3; round++) {
      for (const [i, len] of lengths.entries()) {
        const kcp = Buffer.alloc(len, (i * 37 + round) & 0xff);
        const a = packet(h, kcp);
        const b = packet(h, kcp);
        const n = dirty.made.encode(a, a.length);
        assert.equal(zeroed.encode(b, b.length), n);
        assert.ok(a.equals(b));
        const pa = parityDatagrams(dirty.made, n);
        const pb = parityDatagrams(zeroed, n);
        for (let k = 0; k < n; k++)
          assert.ok(pa[k].equals(pb[k]), `parity ${k} after packet ${i}, round ${round}`);
      }
      const n = dirty.made.drain();
      assert.equal(zeroed.drain(), n);
      const pa = parityDatagrams(dirty.made, n);
      const pb = parityDatagrams(zeroed, n);
      for (let k = 0; k < n; k++) assert.ok(pa[k].equals(pb[k]), `drained parity ${k}, round ${round}`);
    }
  }
});
