import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FecShape, PeerFecShape, PeerFecShapes } from '../../src/fec/peer-shape.js';

const OURS: FecShape = { dataShards: 10, parityShards: 3 };

test("a new session's shape: the configured one until a shape is learned, then the latest learned", () => {
  const told: string[] = [];
  const learned: string[] = [];
  const memo = new PeerFecShape(
    OURS,
    (s) => told.push(`${s.dataShards}/${s.parityShards}`),
    (s) => learned.push(`${s.dataShards}/${s.parityShards}`),
  );
  assert.deepEqual(memo.forNewSession(), OURS);
  memo.learn({ dataShards: 5, parityShards: 2 });
  memo.learn({ dataShards: 5, parityShards: 2 }); // the same again: no news
  assert.deepEqual(memo.forNewSession(), { dataShards: 5, parityShards: 2 });
  assert.deepEqual(memo.forNewSession(), { dataShards: 5, parityShards: 2 });
  memo.learn({ dataShards: 20, parityShards: 5 });
  assert.deepEqual(memo.forNewSession(), { dataShards: 20, parityShards: 5 });
  memo.learn(OURS); // a server restarted with our shape
  assert.deepEqual(memo.forNewSession(), OURS);
  assert.deepEqual(told, ['5/2'], 'said once');
  assert.deepEqual(learned, ['5/2', '20/5', '10/3']);
});

test('a server remembers a shape per client host, at most 4096 hosts, the least recently used going first', () => {
  const shapes = new PeerFecShapes(OURS);
  shapes.forHost('10.0.0.1').learn({ dataShards: 5, parityShards: 2 });
  assert.deepEqual(shapes.forHost('10.0.0.1').forNewSession(), { dataShards: 5, parityShards: 2 });
  assert.deepEqual(shapes.forHost('10.0.0.2').forNewSession(), OURS);
  for (let i = 0; i < 5000; i++) {
    shapes.forHost(`192.168.${i >> 8}.${i & 255}`);
    if (i % 100 === 0) shapes.forHost('10.0.0.1'); // in use: kept
  }
  assert.equal(shapes.size, 4096);
  assert.deepEqual(shapes.forHost('10.0.0.1').forNewSession(), { dataShards: 5, parityShards: 2 });
  assert.equal(shapes.forHost('10.0.0.1'), shapes.forHost('10.0.0.1'));
});

test('a host whose sessions showed two shapes (two clients behind one address) gets the configured shape again', () => {
  const shapes = new PeerFecShapes(OURS);
  const host = shapes.forHost('10.0.0.3');
  host.learn({ dataShards: 5, parityShards: 2 });
  assert.deepEqual(host.forNewSession(), { dataShards: 5, parityShards: 2 });
  host.learn(OURS); // another client there, of the configured shape
  assert.deepEqual(host.forNewSession(), OURS);
  host.learn({ dataShards: 5, parityShards: 2 });
  assert.deepEqual(host.forNewSession(), OURS, 'no more guessing for that host');
});

test("a server's line about following a host's shape is said once, whichever hosts follow", () => {
  const told: string[] = [];
  const shapes = new PeerFecShapes(OURS, (s) => told.push(`${s.dataShards}/${s.parityShards}`));
  for (const host of ['10.0.0.4', '10.0.0.5']) {
    shapes.forHost(host).learn({ dataShards: 5, parityShards: 2 });
    assert.deepEqual(shapes.forHost(host).forNewSession(), { dataShards: 5, parityShards: 2 });
  }
  assert.deepEqual(told, ['5/2']);
});
