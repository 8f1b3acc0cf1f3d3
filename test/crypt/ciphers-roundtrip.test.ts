import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenSslCfbBlockCrypt } from '../../src/crypt/aes.js';
import { blockCipherFactories } from '../../src/crypt/block-ciphers.js';
import { CfbBlockCrypt } from '../../src/crypt/cfb.js';
import { TripleDes } from '../../src/crypt/des3.js';
import { Sm4 } from '../../src/crypt/sm4.js';
import type { BlockCrypt } from '../../src/crypt/types.js';

const pass = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');
const otherPass = Buffer.from(pass.map((b) => b ^ 0x55));

const LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65, 100, 1400, 1500];

/** A deterministic byte pattern (xorshift32), so failures reproduce. */
function pseudoRandom(len: number, seed: number): Buffer {
  const out = Buffer.alloc(len);
  let x = seed | 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

/** Every method plus the pure-TypeScript and OpenSSL builds of 3DES and SM4 (the latter where available). */
function allBuilds(): [string, (pass: Buffer) => BlockCrypt][] {
  const builds: [string, (pass: Buffer) => BlockCrypt][] = Object.entries(blockCipherFactories);
  builds.push(['3des (TypeScript)', (p) => new CfbBlockCrypt(new TripleDes(p.subarray(0, 24)))]);
  builds.push(['sm4 (TypeScript)', (p) => new CfbBlockCrypt(new Sm4(p.subarray(0, 16)))]);
  for (const [name, algorithm, keySize] of [
    ['3des (OpenSSL)', 'des-ede3', 24],
    ['sm4 (OpenSSL)', 'sm4', 16],
  ] as const) {
    if (OpenSslCfbBlockCrypt.create(algorithm, pass.subarray(0, keySize)) === undefined) continue;
    builds.push([name, (p) => OpenSslCfbBlockCrypt.create(algorithm, p.subarray(0, keySize))!]);
  }
  return builds;
}

describe('round trips', () => {
  for (const [name, factory] of allBuilds()) {
    it(`${name}: every length, only buf[0,len) touched`, () => {
      const crypt = factory(pass);
      for (const len of LENGTHS) {
        const plain = pseudoRandom(len + 8, len + 1);
        const buf = Buffer.from(plain);
        crypt.encrypt(buf, len);
        assert.deepEqual(buf.subarray(len), plain.subarray(len), `bytes past len ${len}`);
        // Salsa20 keeps the nonce in clear, so compare from byte 8 there.
        if (len > 16)
          assert.notDeepEqual(buf.subarray(8, len), plain.subarray(8, len), `len ${len} encrypted`);
        crypt.decrypt(buf, len);
        assert.deepEqual(buf, plain, `len ${len}`);
      }
    });

    it(`${name}: 300 packets in a row decrypt on a separate instance`, () => {
      const sender = factory(pass);
      const receiver = factory(pass);
      const plains: Buffer[] = [];
      const wire: Buffer[] = [];
      for (let i = 0; i < 300; i++) {
        const plain = pseudoRandom(1 + ((i * 97) % 1400), 5000 + i);
        const buf = Buffer.from(plain);
        sender.encrypt(buf, buf.length);
        plains.push(plain);
        wire.push(buf);
      }
      // Every packet is independent: the same plaintext encrypts to the same bytes whenever it is sent.
      const again = Buffer.from(plains[0]);
      sender.encrypt(again, again.length);
      assert.deepEqual(again, wire[0]);
      for (let i = wire.length - 1; i >= 0; i--) {
        receiver.decrypt(wire[i], wire[i].length);
        assert.deepEqual(wire[i], plains[i], `packet ${i}`);
      }
    });

    it(`${name}: unaligned and pooled buffers give the same bytes as aligned ones`, () => {
      const crypt = factory(pass);
      const plain = pseudoRandom(1400, 77);
      const expected = Buffer.from(plain);
      crypt.encrypt(expected, expected.length);
      for (let shift = 0; shift < 8; shift++) {
        const backing = Buffer.alloc(1400 + 8);
        const buf = backing.subarray(shift, shift + 1400);
        plain.copy(buf);
        crypt.encrypt(buf, buf.length);
        assert.deepEqual(buf, expected, `offset ${shift}`);
        crypt.decrypt(buf, buf.length);
        assert.deepEqual(buf, plain, `offset ${shift}`);
      }
      const pooled = Buffer.from(plain.subarray(0, 333));
      crypt.encrypt(pooled, pooled.length);
      assert.deepEqual(pooled, expected.subarray(0, 333));
    });

    it(`${name}: decrypting with the wrong key does not throw and does not recover the plaintext`, () => {
      const plain = pseudoRandom(200, 9);
      const buf = Buffer.from(plain);
      factory(pass).encrypt(buf, buf.length);
      factory(otherPass).decrypt(buf, buf.length);
      assert.notDeepEqual(buf.subarray(8), plain.subarray(8));
    });
  }
});

describe('short and odd inputs', () => {
  it('salsa20 leaves packets of up to 8 bytes alone, like the latest kcp-go guard', () => {
    const crypt = blockCipherFactories.salsa20(pass);
    for (let len = 0; len <= 8; len++) {
      const buf = pseudoRandom(len, 3);
      crypt.encrypt(buf, len);
      assert.deepEqual(buf, pseudoRandom(len, 3));
    }
  });

  it('OpenSSL is reported unavailable, not thrown, for an unknown algorithm', () => {
    assert.equal(OpenSslCfbBlockCrypt.create('no-such-cipher', Buffer.alloc(16)), undefined);
  });
});
