import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, crc32cPortable, crc32cUsesWasm } from '../../src/compress/crc32c.js';
import { ReedSolomon } from '../../src/fec/reed-solomon.js';
import { allowWasm, deferWasm } from '../../src/wasm/deferral.js';
import { Rng } from '../fec/random.js';

// One process per test file (node --test): nothing here has compiled WebAssembly before deferWasm().

/** Encode then rebuild two lost data shards of random rows with `rs`; the parity rows and rebuilt rows. */
function codeRound(rs: ReedSolomon, seed: number, length: number): Buffer[] {
  const rng = new Rng(seed);
  for (let i = 0; i < rs.dataShards; i++) rng.fill(rs.shards[i]!, 0, length);
  rs.encode(length);
  const parity = rs.shards.slice(rs.dataShards).map((s) => Buffer.from(s.subarray(0, length)));
  const lost = [
    Buffer.from(rs.shards[1]!.subarray(0, length)),
    Buffer.from(rs.shards[4]!.subarray(0, length)),
  ];
  rs.shards[1]!.fill(0);
  rs.shards[4]!.fill(0);
  const present = rs.shards.map((_, i) => i !== 1 && i !== 4);
  assert.ok(rs.reconstructData(present, length));
  assert.ok(
    lost[0]!.equals(rs.shards[1]!.subarray(0, length)) && lost[1]!.equals(rs.shards[4]!.subarray(0, length)),
  );
  return parity;
}

test('deferred, the FEC kernel and CRC-32C run JavaScript with the same results, and compile once allowed', () => {
  deferWasm();
  const compiledModules: unknown[] = [];
  const Module = WebAssembly.Module;
  WebAssembly.Module = function (this: unknown, bytes: BufferSource) {
    compiledModules.push(bytes);
    return new Module(bytes);
  } as unknown as typeof WebAssembly.Module;
  try {
    const rs = new ReedSolomon(10, 3);
    assert.equal(rs.kernelName, 'wasm-simd (deferred)');
    const lengths = [1, 17, 1349, 1500];
    const deferred = lengths.map((length, i) => codeRound(rs, i, length));
    const data = Buffer.alloc(3000);
    new Rng(9).fill(data);
    const crcDeferred = crc32c(data, 5, 2990);
    assert.equal(crcDeferred, crc32cPortable(data, 5, 2990));
    assert.equal(crc32cUsesWasm(), false);
    assert.deepEqual(compiledModules, [], 'compiled while deferred');

    allowWasm();
    // the same codec switches at its next call; a reference codec on the portable table kernel agrees
    const compiled = lengths.map((length, i) => codeRound(rs, i, length));
    assert.equal(rs.kernelName, 'wasm-simd');
    assert.deepEqual(compiled, deferred);
    const reference = lengths.map((length, i) =>
      codeRound(new ReedSolomon(10, 3, { kernel: 'js' }), i, length),
    );
    assert.deepEqual(reference, deferred);
    assert.equal(crc32c(data, 5, 2990), crcDeferred);
    assert.equal(crc32cUsesWasm(), true);
    assert.equal(compiledModules.length, 2, 'the FEC kernel and CRC-32C compiled once allowed');
  } finally {
    WebAssembly.Module = Module;
    allowWasm();
  }
});
