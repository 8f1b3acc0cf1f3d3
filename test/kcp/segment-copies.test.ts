/**
 * KCP copies what it queues: segments own their bytes (pooled, reused), the views it copies through are
 * kept (Segment.payload, ViewCache), and none of that may alias a buffer the caller reuses at once (the
 * sender's write buffer, the I/O's receive slot) or a pooled segment that is still queued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_INPUT_OK, Kcp } from '../../src/kcp/index.js';
import { allocSegment, freeSegment, SEGMENT_CAPACITY } from '../../src/kcp/segment.js';
import { ViewCache } from '../../src/kcp/view-cache.js';
import { Rng } from './kcp-pair-sim.js';

/** An integer in [0, n). */
function below(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

test('a segment payload view follows its length, across top-ups and reuse from the pool', () => {
  const seg = allocSegment(SEGMENT_CAPACITY);
  seg.data.fill(1, 0, 10);
  seg.len = 10;
  assert.deepEqual([...seg.payload()], new Array(10).fill(1));
  seg.data.fill(2, 10, 15); // a top-up by send
  seg.len = 15;
  assert.equal(seg.payload().length, 15);
  assert.equal(seg.payload()[14], 2);
  freeSegment(seg);
  const again = allocSegment(SEGMENT_CAPACITY);
  assert.equal(again, seg, 'the pool hands the segment out again');
  assert.equal(again.payload().length, 0, 'reset: no payload');
  again.data.fill(3, 0, 4);
  again.len = 4;
  assert.deepEqual([...again.payload()], [3, 3, 3, 3]);
  freeSegment(again);
});

test('a view cache hands out views of exactly the bytes asked for, reused only for the same buffer', () => {
  const cache = new ViewCache();
  const a = Buffer.allocUnsafeSlow(4096).fill(0xaa);
  const b = Buffer.allocUnsafeSlow(4096).fill(0xbb); // same byteOffset (0) as a: only the buffer differs
  const va = cache.view(a, 100, 1100);
  assert.equal(cache.view(a, 100, 1100), va, 'a recurring part is the same view');
  const vb = cache.view(b, 100, 1100);
  assert.notEqual(vb, va);
  assert.equal(vb[0], 0xbb);
  assert.equal(cache.view(a, 100, 1099).length, 999, 'another length is another view');
  // many more distinct parts than the cache holds: every view still covers its own bytes
  const big = Buffer.allocUnsafeSlow(1 << 16);
  for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
  const rng = new Rng(5);
  for (let k = 0; k < 20_000; k++) {
    const start = below(rng, big.length - 1);
    const end = start + 1 + below(rng, Math.min(1500, big.length - start - 1));
    const v = cache.view(big, start, end);
    assert.equal(v.length, end - start);
    assert.equal(v[0], start & 0xff);
    assert.equal(v[v.length - 1], (end - 1) & 0xff);
  }
  assert.equal(cache.view(a, 100, 1100)[0], 0xaa);
});

test('segments own their bytes: the sender rewrites its buffer and the receiver its slot at once', () => {
  // One process-wide pool serves both ends: a segment freed by the sender's una is taken by the
  // receiver's next segment. Drops force retransmissions of segments queued while others were reused.
  const rng = new Rng(9);
  const slots = Buffer.allocUnsafeSlow(2 * 2048); // the receive slots: two, in turn, rewritten each time
  let turn = 0;
  let now = 0;
  const toReceiver: Buffer[] = [];
  const toSender: Buffer[] = [];
  const sender = new Kcp(1, (buf, len) => {
    if (below(rng, 10) !== 0) toReceiver.push(Buffer.from(buf.subarray(0, len))); // else lost
  });
  const receiver = new Kcp(1, (buf, len) => toSender.push(Buffer.from(buf.subarray(0, len))));
  /** Each datagram through a receive slot that is rewritten as soon as input returns. */
  const deliver = (queue: Buffer[], to: Kcp): void => {
    for (const d of queue.splice(0)) {
      const at = (turn++ & 1) * 2048;
      slots.set(d, at);
      assert.equal(to.input(slots, at, d.length, now), KCP_INPUT_OK);
      slots.fill(0xee, at, at + d.length);
    }
  };
  const step = (received: Buffer[]): void => {
    now += 10;
    sender.flush(false, now);
    deliver(toReceiver, receiver);
    receiver.flush(false, now);
    deliver(toSender, sender);
    for (let d = receiver.recv(); d !== null; d = receiver.recv()) received.push(d);
  };
  for (const k of [sender, receiver]) {
    k.setNoDelay(1, 10, 2, 1);
    k.setWindowSize(64, 64);
  }
  const write = Buffer.allocUnsafeSlow(5000); // the writer's one buffer
  const expected: Buffer[] = [];
  const received: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const n = 1 + below(rng, write.length);
    for (let j = 0; j < n; j++) write[j] = below(rng, 256);
    expected.push(Buffer.from(write.subarray(0, n)));
    sender.send(write.subarray(0, n));
    write.fill(0xdd); // rewritten before anything was sent
    step(received);
  }
  for (let t = 0; t < 2000 && sender.waitSnd > 0; t++) step(received);
  assert.equal(sender.waitSnd, 0);
  assert.ok(sender.retransmittedSegs > 0, 'the drops must force retransmissions');
  assert.ok(Buffer.concat(received).equals(Buffer.concat(expected)));
  sender.release();
  receiver.release();
});
