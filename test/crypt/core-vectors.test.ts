import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { AesCfbBlockCrypt, CFB_INITIAL_VECTOR } from '../../src/crypt/aes.js';
import { CfbPacketCrypt } from '../../src/crypt/cfb-packet.js';
import {
  crc32,
  crc32Implementation,
  crc32Libdeflate,
  crc32Portable,
  crc32Signed,
  crc32Zlib,
} from '../../src/crypt/crc32.js';
import { AesGcmPacketCrypt } from '../../src/crypt/gcm.js';
import { deriveKey } from '../../src/crypt/kdf.js';
import { noneBlockCrypt } from '../../src/crypt/none.js';

// docs/protocol.md §11.1: the derived key for kcptun's default `-key`.
const DEFAULT_PASS_HEX = '25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444';
const pass = Buffer.from(DEFAULT_PASS_HEX, 'hex');

function counting(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = i;
  return b;
}

/** Textbook full-block CFB from single ECB block encryptions, independent of the code under test. */
function textbookCfbEncrypt(key: Buffer, plain: Buffer): Buffer {
  const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  ecb.setAutoPadding(false);
  const out = Buffer.alloc(plain.length);
  let feedback = Buffer.from(CFB_INITIAL_VECTOR);
  for (let i = 0; i < plain.length; i += 16) {
    const stream = ecb.update(feedback);
    const n = Math.min(16, plain.length - i);
    for (let j = 0; j < n; j++) out[i + j] = plain[i + j] ^ stream[j];
    feedback = out.subarray(i, i + 16);
  }
  return out;
}

describe('key derivation (docs/protocol.md §11.1)', () => {
  it('derives the default key', () => {
    assert.equal(deriveKey("it's a secrect").toString('hex'), DEFAULT_PASS_HEX);
  });
});

describe('crc32-IEEE (docs/protocol.md §11.1)', () => {
  const check = Buffer.from('123456789');
  // Every implementation this process has, the one in use first; the portable one is the reference.
  const native = [
    ['libdeflate', crc32Libdeflate],
    ['zlib', crc32Zlib()],
  ] as const;
  it('uses libdeflate on this machine (Debian libdeflate0 and koffi installed)', () => {
    assert.equal(crc32Implementation, 'libdeflate');
    assert.equal(crc32, crc32Libdeflate);
  });
  for (const [name, f] of native) {
    it(`${name} matches cbf43926 and the portable code over sub-ranges`, () => {
      assert.ok(f !== undefined, `${name} is available`);
      assert.equal(f(check, 0, 9), 0xcbf43926);
      const padded = Buffer.concat([Buffer.from('xx'), check, Buffer.from('yyy')]);
      assert.equal(f(padded, 2, 11), 0xcbf43926);
      assert.equal(f(check, 3, 3), 0);
      const data = Buffer.alloc(3000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      for (const [s, e] of [
        [0, 3000],
        [17, 1400],
        [1, 2],
      ]) {
        assert.equal(f(data, s, e), crc32Portable(data, s, e));
        // a view into the middle of a larger buffer, as a send or receive slot is
        const view = data.subarray(100);
        assert.equal(f(view, s, Math.min(e, view.length)), crc32Portable(view, s, Math.min(e, view.length)));
      }
    });
  }
  it('crc32Signed is the same four bytes as a signed number (a small integer for V8, no heap number)', () => {
    assert.equal(crc32Signed(check, 0, 9), 0xcbf43926 | 0);
    assert.ok(crc32Signed(check, 0, 9) < 0);
    const data = Buffer.alloc(3000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    let negative = 0;
    for (let s = 0; s < 64; s++) {
      const value = crc32Signed(data, s, data.length - s);
      assert.equal(value, crc32Portable(data, s, data.length - s) | 0);
      if (value < 0) negative++;
    }
    assert.ok(negative > 0 && negative < 64, 'both halves of the uint32 range were checked');
    // what CfbPacketCrypt writes and compares: writeInt32LE of it is writeUInt32LE of the unsigned CRC
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    a.writeInt32LE(crc32Signed(check, 0, 9));
    b.writeUInt32LE(crc32(check, 0, 9));
    assert.ok(a.equals(b));
    assert.equal(a.readInt32LE(0), crc32Signed(check, 0, 9));
  });

  it('libdeflate follows buffers on and off the V8 heap, pooled or not, in any order', () => {
    const f = crc32Libdeflate!;
    // small typed arrays live on the V8 heap until their buffer is asked for; pooled Buffers share one
    const buffers = [
      new Uint8Array(24),
      Buffer.from('pooled bytes'),
      Buffer.alloc(5000),
      new Uint8Array(40),
      Buffer.from('another pooled one'),
    ].map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    for (const b of buffers) for (let i = 0; i < b.length; i++) b[i] = (i * 31 + b.length) & 0xff;
    for (let round = 0; round < 3; round++) {
      for (const b of buffers) assert.equal(f(b, 1, b.length), crc32Portable(b, 1, b.length));
    }
  });
});

describe('block-crypt outputs (docs/protocol.md §11.2)', () => {
  const rows: [string, number, string][] = [
    ['aes', 32, '86834343335b168ca911bf584a05f9900e1c6fda2c822a981eb60909411c15690afb116b0d6073935dd1a399f9'],
    [
      'aes-128',
      16,
      'ddd7e0a7981ba3e2a7f6d51f2a2663184531e844fe0ddec4d65df15b489c5ba3e15ff1881eaf077a23107a1086',
    ],
    [
      'aes-192',
      24,
      'b9db59f7dd1bce4922855fb7f8f8e261a4937c0d7360349b24871684eb7bca422017d9f232c59cd2e4603e8463',
    ],
  ];
  for (const [name, keySize, expected] of rows) {
    it(`${name}: 45-byte vector, decrypt inverts it`, () => {
      const block = new AesCfbBlockCrypt(pass.subarray(0, keySize));
      const buf = counting(45);
      block.encrypt(buf, 45);
      assert.equal(buf.toString('hex'), expected);
      block.decrypt(buf, 45);
      assert.deepEqual(buf, counting(45));
    });
    it(`${name}: 64-byte plaintext starts with the 45-byte vector and is textbook CFB`, () => {
      const block = new AesCfbBlockCrypt(pass.subarray(0, keySize));
      const buf = counting(64);
      block.encrypt(buf, 64);
      assert.equal(buf.subarray(0, 45).toString('hex'), expected);
      assert.deepEqual(buf, textbookCfbEncrypt(pass.subarray(0, keySize), counting(64)));
    });
  }
  it('none leaves the plaintext unchanged', () => {
    const buf = counting(45);
    noneBlockCrypt.encrypt(buf, 45);
    assert.deepEqual(buf, counting(45));
    noneBlockCrypt.decrypt(buf, 45);
    assert.deepEqual(buf, counting(45));
  });
  it('only touches buf[0, len)', () => {
    const block = new AesCfbBlockCrypt(pass);
    const buf = counting(64);
    block.encrypt(buf, 45);
    assert.deepEqual(buf.subarray(45), counting(64).subarray(45));
  });
  it('rejects a key of the wrong size, naming it', () => {
    assert.throws(() => new AesCfbBlockCrypt(pass.subarray(0, 20)), /key/);
  });
});

// docs/protocol.md §11.3: FEC header (seqid 0, data, size 31) + one KCP PUSH segment "hello".
const FEC_AND_KCP_HEX = '00000000f1001f00' + '4433221151000002e803000000000000000000000500000068656c6c6f';

describe('complete datagram (docs/protocol.md §11.3)', () => {
  const nonce = counting(16);
  function plainPacket(): Buffer {
    return Buffer.concat([Buffer.alloc(20), Buffer.from(FEC_AND_KCP_HEX, 'hex')]);
  }
  it('none: nonce and little-endian CRC32 in clear', () => {
    const buf = plainPacket();
    const crypt = new CfbPacketCrypt('none', noneBlockCrypt);
    assert.equal(crypt.sealWithNonce(buf, buf.length, nonce), buf.length);
    assert.equal(buf.toString('hex'), `000102030405060708090a0b0c0d0e0f5d480090${FEC_AND_KCP_HEX}`);
  });
  it('aes: exact wire bytes, and open restores the payload', () => {
    const buf = plainPacket();
    const crypt = new CfbPacketCrypt('aes', new AesCfbBlockCrypt(pass));
    assert.equal(crypt.sealWithNonce(buf, buf.length, nonce), 57);
    assert.equal(
      buf.toString('hex'),
      '86834343335b168ca911bf584a05f99043457d5938973c8ff7af0c12193229671efb5f5911a21e982f00bea174ed3aa38c08aa27abcbbeb4d8',
    );
    assert.equal(new CfbPacketCrypt('aes', new AesCfbBlockCrypt(pass)).open(buf, 57), 57);
    assert.equal(buf.subarray(20).toString('hex'), FEC_AND_KCP_HEX);
  });
});

describe('AES-128-GCM datagram (docs/protocol.md §11.4)', () => {
  const wire =
    '000102030405060708090a0b538d05c7fb6c5ac19323d9ce5c679570f5ec429d403df549caf0738e4db0762ab33a42cf6cb8ebd407980b30e50ed70856558d2ff5';
  it('seals to the exact wire bytes', () => {
    const crypt = new AesGcmPacketCrypt(pass.subarray(0, 16));
    const buf = Buffer.alloc(12 + 37 + 16);
    Buffer.from(FEC_AND_KCP_HEX, 'hex').copy(buf, 12);
    assert.equal(crypt.sealWithNonce(buf, 12 + 37, counting(12)), 65);
    assert.equal(buf.toString('hex'), wire);
  });
  it('opens the wire bytes', () => {
    const buf = Buffer.from(wire, 'hex');
    assert.equal(new AesGcmPacketCrypt(pass.subarray(0, 16)).open(buf, 65), 49);
    assert.equal(buf.subarray(12, 49).toString('hex'), FEC_AND_KCP_HEX);
  });
});
