import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocSegment,
  freeSegment,
  pooledSegments,
  releaseSegmentPool,
  SEGMENT_CAPACITY,
  SEGMENT_POOL_TRIM_MS,
  type Segment,
  trimSegmentPool,
} from '../../src/kcp/segment.js';

/** Take `n` segments at once and give them back, as a burst (or one round of steady traffic) does. */
function cycle(n: number): void {
  const taken: Segment[] = [];
  for (let i = 0; i < n; i++) taken.push(allocSegment(SEGMENT_CAPACITY));
  for (const s of taken) freeSegment(s);
}

test('segment pool: a burst is given back over two trim periods, steady traffic keeps its segments', () => {
  releaseSegmentPool();
  // Start near the uint32 wrap of the KCP clock: the period must survive it.
  const t0 = 0xffff_ffff - SEGMENT_POOL_TRIM_MS / 2;
  assert.equal(trimSegmentPool(t0), 0, 'the first call only starts the period');
  cycle(1000); // the burst
  assert.equal(pooledSegments(), 1000);
  cycle(20); // steady traffic after it
  assert.equal(trimSegmentPool((t0 + SEGMENT_POOL_TRIM_MS - 1) >>> 0), 0, 'not due yet');
  // During this period the pool was empty once (the burst took everything): nothing sat unused all along.
  assert.equal(trimSegmentPool((t0 + SEGMENT_POOL_TRIM_MS) >>> 0), 0);
  cycle(20);
  // Next period: 980 segments were never taken.
  assert.equal(trimSegmentPool((t0 + 2 * SEGMENT_POOL_TRIM_MS) >>> 0), 980);
  assert.equal(pooledSegments(), 20);
  cycle(20);
  assert.equal(trimSegmentPool((t0 + 3 * SEGMENT_POOL_TRIM_MS) >>> 0), 0, 'steady traffic keeps its 20');
  assert.equal(pooledSegments(), 20);
  releaseSegmentPool();
  assert.equal(pooledSegments(), 0);
});
