/**
 * End-to-end ARQ: a 4 MB random stream one way and 512 KB the other, byte-exact, through a link that
 * drops, duplicates and reorders, in every kcptun mode (docs/protocol.md §4.3) plus congestion-controlled runs.
 * The clock starts just below 2^32 so every run crosses the uint32 wrap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
const FORWARD = 4 * MB;
const BACKWARD = MB / 2;

const base: PairOptions = {
  mode: [0, 30, 2, 1],
  sndWnd: 128,
  rcvWnd: 512,
  mtu: 1350,
  reserved: 28,
  ackNoDelay: false,
  link: { loss: 0.15, dup: 0.05, delay: 20, jitter: 15 },
  t0: 0xfffffe00,
  seed: 1,
  readStallMs: 0,
  writeChunk: 32 * 1024,
  maxSimMs: 600_000,
};

const runs: { name: string; options: PairOptions }[] = [
  { name: 'normal (0, 40, 2, 1)', options: { ...base, mode: [0, 40, 2, 1], seed: 11 } },
  { name: 'fast (0, 30, 2, 1)', options: { ...base, mode: [0, 30, 2, 1], seed: 12 } },
  {
    name: 'fast2 (1, 20, 2, 1)',
    options: { ...base, mode: [1, 20, 2, 1], seed: 13, link: { ...base.link, loss: 0.2 } },
  },
  {
    name: 'fast3 (1, 10, 2, 1), ackNoDelay',
    options: { ...base, mode: [1, 10, 2, 1], seed: 14, ackNoDelay: true },
  },
  {
    name: 'manual defaults (0, 50, 0, 0)',
    options: { ...base, mode: [0, 50, 0, 0], seed: 15, link: { ...base.link, loss: 0.1 } },
  },
  {
    name: 'congestion control (1, 20, 2, 0), server windows',
    options: {
      ...base,
      mode: [1, 20, 2, 0],
      sndWnd: 1024,
      rcvWnd: 1024,
      seed: 16,
      link: { ...base.link, loss: 0.1 },
    },
  },
  {
    name: 'fast with a receiver that stalls 300 ms of every second (window fills, WINS reopens it)',
    options: { ...base, rcvWnd: 64, seed: 17, readStallMs: 300, writeChunk: 5000 },
  },
];

for (const { name, options } of runs) {
  test(`4 MB byte-exact over a lossy, duplicating, reordering link: ${name}`, () => {
    const rng = new Rng(options.seed * 7919);
    const aToB = rng.bytes(FORWARD);
    const bToA = rng.bytes(BACKWARD);
    const { simMs, a, b } = runPair(options, aToB, bToA);

    assert.ok(simMs <= options.maxSimMs, `transfer did not finish in ${options.maxSimMs} simulated ms`);
    assert.equal(b.mismatch, -1, 'A→B stream corrupted');
    assert.equal(a.mismatch, -1, 'B→A stream corrupted');
    assert.equal(b.received, FORWARD);
    assert.equal(a.received, BACKWARD);
    assert.ok(a.sendDone && b.sendDone, 'everything acknowledged');
    for (const ep of [a, b]) {
      assert.ok(ep.maxDatagram <= options.mtu, `datagram of ${ep.maxDatagram} bytes exceeds mtu`);
      assert.ok(ep.maxInFlight <= options.sndWnd, `${ep.maxInFlight} segments in flight > snd_wnd`);
    }
  });
}
