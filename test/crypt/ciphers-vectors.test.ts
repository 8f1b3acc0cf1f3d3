import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { blockCipherFactories } from '../../src/crypt/block-ciphers.js';
import { CfbBlockCrypt } from '../../src/crypt/cfb.js';
import { TripleDes } from '../../src/crypt/des3.js';
import { Sm4 } from '../../src/crypt/sm4.js';
import type { BlockCrypt } from '../../src/crypt/types.js';
import { XOR_TABLE_SIZE } from '../../src/crypt/xor.js';

// docs/protocol.md §11.1: the derived key for kcptun's default `-key`.
const pass = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');

/** docs/protocol.md §11.2: G561 BlockCrypt.Encrypt of the 45 bytes 00..2c. */
const SPEC_45_BYTE_VECTORS: Readonly<Record<string, string>> = {
  salsa20: '00010203040506079aaa6e7faf75365c40a4761a0c7be4446a8a411f62e5954a4ac802ddae0f35e6455e56815a',
  blowfish: '186797305116055ece6531b898c4b2352cc7452301c8434ae21a1256aeb7305fb08d8648ad906dcc13c8fef8f0',
  twofish: '79a0668add94e7387471af7514bb1065027a4425d5bd62db2ba645c8b7f41fe83931f68d4c3ad655e8b3727308',
  cast5: 'bb8f8d2209e0131c7d027b3e28d6b45788b9c798dc5b25fc905f95636f61bb1cf570dd159b95dc560e2c33a7ce',
  '3des': '5dca5d4fac8f6accf083365ae9eb528a24c6879fd6daee12f406f9a17955efec4fa86c417ab7d94fa773772244',
  tea: 'fc9c4eb4a8e9502bde3d3c8b0679084d963bc6bfca609b1ba987df5d5e088440024c54fe55fe7a44ffe41b540e',
  xtea: '09256989438dfb5af0f2a323dfd1ac2c9af741cc94cf83fec52a72395260600933396d604d06cba2459225658d',
  sm4: '0340e44fd923bb2259e375a7ab6ee54de9bca063ac2859b4bfd05a8a7ada8cfee0ee39b42f17db450a2e938ba4',
  xor: '0fff8b84a99173765c7011c3f60cb8237bdf1315a6805604d54b25a70367b293d08e441c63be35690d89fadcb2',
};

/**
 * Longer packets, from a Go harness built against Debian's kcp-go v5.6.1: one BlockCrypt encrypts, in this
 * order, packets of these lengths whose byte i is (31·i + 7) mod 256; the value is SHA-256 of all the
 * ciphertexts concatenated. The lengths straddle block and Salsa20 keystream-block boundaries.
 */
const GO_PACKET_LENGTHS = [8, 9, 15, 16, 17, 63, 64, 65, 71, 72, 73, 100, 1400];
const GO_PACKET_DIGESTS: Readonly<Record<string, string>> = {
  salsa20: '80a6ddae3555bcacbf7bd1b42bec4c3454b4e5ec7bef325d20e33144db51bc2e',
  blowfish: '11da733cabc7554e11fb02ec1cdb27567b3996c7e5f52d8e82339ec73ed5c9e3',
  twofish: '5bac56f210bb79914e20a8cf2877f4cbb62176c46c4f86c1eb2d2f76941136a0',
  cast5: '702cffbe6f4a4db6e0a11ff82937a7045066821a020d890e239681052fe70a27',
  '3des': '4c86c6f4ef7461ccc6f8cf98c6cb5107aa46d0b834683ad326aae97eaee063e7',
  tea: '0d31ae03437df32497f450108d7469c9db18c6749f952f433adaa43eeb5456be',
  xtea: 'a0b94899c56c05660a918581b176e4c93a551da8adb34ed5dfe5a5f54df18561',
  sm4: '7a7f99867a642d5efa15d25a8f1512aef1531f1f9151c7af58910c3f9367018d',
  xor: '4f89316827775e06964fc00163cddcdf636ffe69e35969062fc118cdc5e43f0a',
};

/** The pure-TypeScript builds of the methods that prefer OpenSSL, checked against the same vectors. */
const PURE_TS_FACTORIES: Readonly<Record<string, (pass: Buffer) => BlockCrypt>> = {
  '3des': (p) => new CfbBlockCrypt(new TripleDes(p.subarray(0, 24))),
  sm4: (p) => new CfbBlockCrypt(new Sm4(p.subarray(0, 16))),
};

function counting(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = i;
  return b;
}

function goPattern(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (31 * i + 7) & 0xff;
  return b;
}

function checkSpecVector(crypt: BlockCrypt, expectedHex: string): void {
  const buf = counting(45);
  crypt.encrypt(buf, buf.length);
  assert.equal(buf.toString('hex'), expectedHex);
  crypt.decrypt(buf, buf.length);
  assert.deepEqual(buf, counting(45));
}

function checkGoDigest(crypt: BlockCrypt, expectedDigest: string): void {
  const hash = createHash('sha256');
  for (const len of GO_PACKET_LENGTHS) {
    const buf = goPattern(len);
    crypt.encrypt(buf, len);
    hash.update(buf);
    crypt.decrypt(buf, len);
    assert.deepEqual(buf, goPattern(len), `round trip of ${len} bytes`);
  }
  assert.equal(hash.digest('hex'), expectedDigest);
}

describe('block-crypt outputs match kcp-go v5.6.1 (docs/protocol.md §11.2)', () => {
  it('exports a factory for exactly the non-AES methods', () => {
    assert.deepEqual(Object.keys(blockCipherFactories).sort(), Object.keys(SPEC_45_BYTE_VECTORS).sort());
  });

  for (const [method, expected] of Object.entries(SPEC_45_BYTE_VECTORS)) {
    it(`${method}: 45-byte vector`, () => checkSpecVector(blockCipherFactories[method](pass), expected));
    it(`${method}: Go packets of ${GO_PACKET_LENGTHS.length} lengths up to 1400`, () =>
      checkGoDigest(blockCipherFactories[method](pass), GO_PACKET_DIGESTS[method]));
  }

  for (const [method, factory] of Object.entries(PURE_TS_FACTORIES)) {
    it(`${method} in pure TypeScript: 45-byte vector and Go packets`, () => {
      checkSpecVector(factory(pass), SPEC_45_BYTE_VECTORS[method]);
      checkGoDigest(factory(pass), GO_PACKET_DIGESTS[method]);
    });
  }

  it('64-byte plaintext shares its first 45 ciphertext bytes with the 45-byte one', () => {
    for (const [method, expected] of Object.entries(SPEC_45_BYTE_VECTORS)) {
      const buf = counting(64);
      blockCipherFactories[method](pass).encrypt(buf, 64);
      assert.equal(buf.subarray(0, 45).toString('hex'), expected, method);
    }
  });
});

describe('salsa20 datagram (docs/protocol.md §11.3)', () => {
  it('encrypts the complete datagram, leaving bytes 0..7 in clear', () => {
    const plain = Buffer.from(
      '000102030405060708090a0b0c0d0e0f5d48009000000000f1001f00' +
        '4433221151000002e803000000000000000000000500000068656c6c6f',
      'hex',
    );
    const buf = Buffer.from(plain);
    blockCipherFactories.salsa20(pass).encrypt(buf, buf.length);
    assert.equal(
      buf.toString('hex'),
      '00010203040506079aaa6e7faf75365c0dfd6499186ef253839344043acba9443be920fc622913c16d777caa76ec6a4ab4a2177894bd4131b4',
    );
    blockCipherFactories.salsa20(pass).decrypt(buf, buf.length);
    assert.deepEqual(buf, plain);
  });
});

describe('xor table (docs/protocol.md §11.1, §2.5)', () => {
  it('is PBKDF2-SHA1(pass, "sH3CIVoF#rWLtJo6", 32, 1500)', () => {
    const table = Buffer.alloc(XOR_TABLE_SIZE);
    blockCipherFactories.xor(pass).encrypt(table, table.length);
    assert.equal(
      table.subarray(0, 32).toString('hex'),
      '0ffe8987ad94757154791bc8fa01b62c6bce0106b2954013cd523fbc1f7aac8c',
    );
    assert.equal(table.subarray(XOR_TABLE_SIZE - 16).toString('hex'), 'df44607871b19a362f7640db6a160114');
  });

  it('leaves bytes past the 1500-byte table unchanged, like Go', () => {
    const buf = Buffer.alloc(XOR_TABLE_SIZE + 20, 0x5a);
    blockCipherFactories.xor(pass).encrypt(buf, buf.length);
    assert.deepEqual(buf.subarray(XOR_TABLE_SIZE), Buffer.alloc(20, 0x5a));
  });
});
