import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GSO_MAX_BYTES, gsoRunEnd, type RunSource } from '../../src/transport/gso.js';
import { describeGsoTests } from './udp-gso-cases.js';

/** Datagrams of these lengths, to peers named by `peers` (equal names: one peer). */
function queue(lengths: number[], peers: string[] = lengths.map(() => 'p')): RunSource {
  return { length: (i) => lengths[i], samePeer: (a, b) => peers[a] === peers[b] };
}

/** The runs gsoRunEnd cuts from the whole queue, as [start, end) pairs. */
function runs(q: RunSource, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; ) {
    const end = gsoRunEnd(q, i, n);
    out.push([i, end]);
    i = end;
  }
  return out;
}

describe('gsoRunEnd cuts a batch into GSO runs', () => {
  test('equal sizes join; a shorter one closes the run; a longer one starts the next', () => {
    const lengths = [1400, 1400, 1400, 600, 1400, 24, 24, 48, 48];
    assert.deepEqual(runs(queue(lengths), lengths.length), [
      [0, 4],
      [4, 6],
      [6, 7],
      [7, 9],
    ]);
  });

  test('a run never crosses from one peer to another', () => {
    const lengths = [1400, 1400, 1400, 1400];
    assert.deepEqual(runs(queue(lengths, ['a', 'a', 'b', 'b']), 4), [
      [0, 2],
      [2, 4],
    ]);
  });

  test(`a run holds at most ${GSO_MAX_BYTES} bytes`, () => {
    const lengths = new Array(64).fill(1400);
    const cut = runs(queue(lengths), 64);
    const perRun = Math.floor(GSO_MAX_BYTES / 1400);
    assert.deepEqual(cut[0], [0, perRun]);
    for (const [a, b] of cut) assert.ok((b - a) * 1400 <= GSO_MAX_BYTES);
    assert.equal(cut.at(-1)![1], 64);
  });
});

describeGsoTests('gso');
