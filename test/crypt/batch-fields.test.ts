import assert from 'node:assert/strict';
import { it } from 'node:test';
import v8 from 'node:v8';
import { DatagramBatch } from '../../src/crypt/batch.js';

// V8's intrinsics, for this test file's process alone (node --test runs each file in its own process).
v8.setFlagsFromString('--allow-natives-syntax');
const prepare = new Function('f', '%PrepareFunctionForOptimization(f);') as (f: () => number) => void;
const optimizeNext = new Function('f', '%OptimizeFunctionOnNextCall(f);') as (f: () => number) => void;
const status = new Function('f', 'return %GetOptimizationStatus(f);') as (f: () => number) => number;
/** GetOptimizationStatus's bit for a function running optimized code. */
const OPTIMIZED = 1 << 4;

it("a batch's growth leaves code optimized against another batch's arrays optimized", () => {
  const received = new DatagramBatch();
  const sealing = new DatagramBatch();
  const read = (): number => sealing.offsets[0] + sealing.lengths[0] + sealing.ends[0];
  prepare(read);
  read();
  optimizeNext(read);
  read();
  assert.ok((status(read) & OPTIMIZED) !== 0, 'optimized before the growth');
  const capacity = received.offsets.length;
  for (let i = 0; i <= capacity; i++) received.add(Buffer.alloc(1), 0, 1);
  assert.ok(received.offsets.length > capacity, 'the batch grew');
  assert.ok((status(read) & OPTIMIZED) !== 0, 'still optimized after the other batch grew');
});
