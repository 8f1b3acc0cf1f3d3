import assert from 'node:assert/strict';
import { createCipheriv, randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { AesMultiBuffer } from '../../src/crypt/aes-multi-buffer.js';
import { DatagramBatch } from '../../src/crypt/batch.js';
import { bindNativeXor, type NativeXor } from '../../src/crypt/native-xor.js';

const aesni =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  /\baes\b/.test(readFileSync('/proc/cpuinfo', 'latin1'));
/** mmsg-io's slot stride. */
const SLOT = 1536;
/** kcp-go's CFB IV (docs/protocol.md §2.3). */
const IV = Buffer.from([167, 115, 79, 156, 18, 172, 27, 1, 164, 21, 242, 193, 252, 120, 230, 107]);

interface Koffi {
  load(path: null): { func(name: string, result: string, args: string[]): unknown };
}

function loadXor(): { xor: NativeXor | null; addressOf: (b: Uint8Array) => number } {
  const lib = (createRequire(import.meta.url)('koffi') as Koffi).load(null);
  const memmove = lib.func('memmove', 'intptr_t', ['void *', 'void *', 'size_t']) as (
    a: Uint8Array,
    b: Uint8Array,
    n: number,
  ) => number;
  const addressOf = (b: Uint8Array): number => memmove(b, b, 0);
  return { xor: bindNativeXor(lib, memmove), addressOf };
}

describe('native XOR (V8 BigInt code through koffi)', () => {
  it('is bound on x86-64 Linux with this Node.js (else the AES keystream XOR silently stays in JS)', {
    skip: !aesni,
  }, () => {
    assert.notEqual(loadXor().xor, null);
  });

  it('XORs exactly [dst, dst + 8 * words) with src, in place, for 0..300 words at any offset', {
    skip: !aesni,
  }, () => {
    const { xor, addressOf } = loadXor();
    const memory = new Uint8Array(8192);
    const base = addressOf(new Uint8Array(memory.buffer));
    for (let trial = 0; trial < 400; trial++) {
      const words = trial < 301 ? trial : randomInt(0, 301);
      const dst = randomInt(0, 1000);
      const src = 4000 + randomInt(0, 1000);
      memory.set(randomBytes(memory.length));
      const before = Uint8Array.from(memory);
      xor!(base + dst, base + src, words);
      for (let b = 0; b < memory.length; b++) {
        const inside = b >= dst && b < dst + 8 * words;
        const want = inside ? before[b]! ^ before[src + b - dst]! : before[b]!;
        if (memory[b] !== want)
          assert.fail(`${words} words at ${dst}: byte ${b} is ${memory[b]}, not ${want}`);
      }
    }
  });
});

describe('AesMultiBuffer: the native XOR gives the bytes the JS XOR gives', () => {
  function keyPair(keySize: number): [AesMultiBuffer, AesMultiBuffer] {
    const key = randomBytes(keySize);
    const firstKey = createCipheriv(`aes-${keySize * 8}-ecb`, key, null)
      .setAutoPadding(false)
      .update(IV);
    const native = AesMultiBuffer.create(key, firstKey, { nativeXor: true });
    const js = AesMultiBuffer.create(key, firstKey, { nativeXor: false });
    assert.ok(native !== undefined && js !== undefined);
    return [native, js];
  }

  /** 120 datagrams of every length class in shared slots, at offsets 0..7 (GRO segments lie unaligned). */
  function batches(aligned: boolean): [DatagramBatch, DatagramBatch, Buffer, Buffer] {
    const a = randomBytes(120 * SLOT);
    const b = Buffer.from(a);
    const ba = new DatagramBatch();
    const bb = new DatagramBatch();
    for (let i = 0; i < 120; i++) {
      // a full datagram, any length, lengths around the native call's threshold (48 words), an ACK-only one
      const len = [1350, 1 + randomInt(0, 1490), 17 + randomInt(0, 500), 120][i % 4]!;
      const at = aligned ? 0 : i % 8;
      ba.add(a.subarray(i * SLOT, (i + 1) * SLOT), at, len);
      bb.add(b.subarray(i * SLOT, (i + 1) * SLOT), at, len);
    }
    return [ba, bb, a, b];
  }

  for (const keySize of [16, 32]) {
    it(`AES-${keySize * 8}: encrypt (send slots) and decrypt (any offset), byte for byte, nothing past a datagram`, {
      skip: !aesni,
    }, () => {
      const [native, js] = keyPair(keySize);
      const [ea, eb, sa, sb] = batches(true);
      native.encrypt(ea, 0, ea.count, { encrypt: () => assert.fail('an aligned slot went serial') } as never);
      js.encrypt(eb, 0, eb.count, { encrypt: () => assert.fail('an aligned slot went serial') } as never);
      assert.ok(sa.equals(sb), 'encrypted slots differ');
      const [da, db, ra, rb] = batches(false);
      native.decrypt(da, 0, da.count);
      js.decrypt(db, 0, db.count);
      assert.ok(ra.equals(rb), 'decrypted slots differ');
    });
  }
});
