import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linkSettingsOf, PROFILES } from '../../bench/link/profiles.js';
import {
  changeResponse,
  goodputBetween,
  parseChanges,
  settingsAfter,
  startingChanges,
  timedChanges,
} from '../../bench/link/schedule.js';

const bursty = PROFILES.find((p) => p.id === 'bursty-50ms-3')!;

describe('link schedule: --changes', () => {
  it('reads times, keys and units', () => {
    assert.deepEqual(parseChanges('0s:rate=10:loss=1, 4.5s:rate=100,7000ms:delay=100:loss=0'), [
      { atMs: 0, label: 'rate=10:loss=1', rateMbit: 10, loss: 0.01 },
      { atMs: 4500, label: 'rate=100', rateMbit: 100 },
      { atMs: 7000, label: 'delay=100:loss=0', delayMs: 100, loss: 0 },
    ]);
  });

  it('refuses what it cannot make, naming the part', () => {
    const refused: Array<[string, RegExp]> = [
      ['4:rate=10', /time '4'/],
      ['4s', /sets nothing/],
      ['4s:speed=10', /unknown 'speed'/],
      ['4s:rate=0', /rate .* Mbit\/s above 0/],
      ['4s:rate=', /rate/],
      ['4s:rate=1=2', /rate/],
      ['4s:loss=101', /loss .* percent/],
      ['4s:delay=-1', /delay/],
      ['4s:rate=10:rate=20', /rate twice/],
      ['4s:rate=10,4s:rate=20', /not after 4000 ms/],
      ['5s:rate=10,4s:rate=20', /not after 5000 ms/],
      ['', /time ''/],
    ];
    for (const [text, reason] of refused) assert.throws(() => parseChanges(text), reason, text);
  });

  it('splits the starting link from the changes made while the download runs', () => {
    const changes = parseChanges('0s:loss=1,4s:loss=100,7s:loss=1');
    assert.deepEqual(
      startingChanges(changes).map((c) => c.atMs),
      [0],
    );
    assert.deepEqual(
      timedChanges(changes).map((c) => c.atMs),
      [4000, 7000],
    );
  });

  it('applies changes in order to both directions, keeping the rest of the link and the loss draws', () => {
    const base = linkSettingsOf(bursty);
    const after = settingsAfter(base, parseChanges('0s:rate=10,4s:delay=100,6s:loss=5'));
    const expected = {
      ...base.aToB,
      rateMbit: 10,
      delayMs: 100,
      loss: 0.05,
      // a stated loss replaces the profile's bursty loss
      gilbertElliott: undefined,
    };
    assert.deepEqual(after, { aToB: expected, bToA: expected });
    // the queue keeps its bytes: a bottleneck's buffer
    assert.equal(after.aToB.queueBytes, base.aToB.queueBytes);
    assert.ok(base.seed !== undefined && !('seed' in after));
    // the profile's own settings are left as they were
    assert.equal(base.aToB.rateMbit, bursty.rateMbit);
    assert.ok(base.aToB.gilbertElliott !== undefined);
  });
});

describe('link schedule: how a download answered', () => {
  // 10 Mbit/s (1.25 MB/s) until 4 s, then 100 Mbit/s reached over 1.5 s, samples every 500 ms as the fetcher's
  const mbitAt = (t: number): number => (t < 4000 ? 10 : t < 5500 ? 10 + ((t - 4000) / 1500) * 90 : 100);
  const progress: Array<[number, number]> = [];
  let bytes = 0;
  for (let t = 500; t <= 12_000; t += 500) {
    for (let u = t - 500; u < t; u += 10) bytes += (mbitAt(u) * 1e6 * 0.01) / 8;
    progress.push([t, bytes]);
  }

  it('reads goodput between any two times, and nothing past the last sample', () => {
    assert.ok(Math.abs(goodputBetween(progress, 1000, 3000)! - 10) < 1e-9);
    assert.ok(Math.abs(goodputBetween(progress, 250, 750)! - 10) < 1e-9);
    assert.ok(Math.abs(goodputBetween(progress, 8000, 12_000)! - 100) < 1e-9);
    assert.equal(goodputBetween(progress, 11_000, 12_500), null);
    assert.equal(goodputBetween(progress, -1, 1000), null);
  });

  it('gives goodput before, settled, time to 90 %, queue drops and the probe around the changes', () => {
    // 60 ms round trips until the change, 250 ms from the 25th probe on (it leaves 60 ms before the change)
    const probeRttMs = [...Array<number>(24).fill(60), ...Array<number>(8).fill(250)];
    // each probe leaves 100 ms after the last answer: 160 ms apart while they take 60 ms
    const probeSentMs = probeRttMs.map((_, i) => 100 + i * 160);
    const r = changeResponse({
      progress,
      applied: [{ atMs: 4000, label: 'rate=100', queueDropsBefore: 7 }],
      probeRttMs,
      probeSentMs,
      queueDrops: 19,
    });
    assert.ok(Math.abs(r.beforeMbit! - 10) < 1e-9);
    assert.ok(Math.abs(r.settledMbit! - 100) < 1e-9);
    // read linearly between samples 500 ms apart: [5.0, 5.5] s carries ~85 Mbit/s, [5.5, 6.0] 100, so 500 ms
    // of goodput first passes 90 in [5.2, 5.7] s (0.6 x 85 + 0.4 x 100), 1.7 s after the change
    assert.equal(r.reachMs, 1700);
    // the last 500 ms under half of the 100 Mbit/s it settled at: [4.0, 4.5] s carries ~25 Mbit/s, [4.5, 5.0]
    // ~55, so [4.4, 4.9] reads 0.2 x 25 + 0.8 x 55 < 50 and [4.5, 5.0] does not, 0.9 s after the change
    assert.equal(r.stalledMs, 900);
    assert.equal(r.queueDropsAfter, 12);
    assert.equal(r.probeBeforeP50Ms, 60);
    assert.equal(r.probeDuringP50Ms, 250);
    assert.equal(r.probeDuringMaxMs, 250);
  });

  it('says nothing it did not see: no change made, or a download that ended before it settled', () => {
    const empty = changeResponse({ progress, applied: [], probeRttMs: [], probeSentMs: [], queueDrops: 0 });
    assert.equal(empty.beforeMbit, null);
    assert.equal(empty.reachMs, null);
    const late = changeResponse({
      progress,
      applied: [{ atMs: 10_000, label: 'rate=10', queueDropsBefore: 0 }],
      probeRttMs: [],
      probeSentMs: [],
      queueDrops: null,
    });
    assert.equal(late.settledMbit, null);
    assert.equal(late.reachMs, null);
    assert.equal(late.queueDropsAfter, null);
    assert.equal(late.probeDuringP50Ms, null);
  });
});
