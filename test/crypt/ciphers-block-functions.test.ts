import assert from 'node:assert/strict';
import { createCipheriv, getCiphers } from 'node:crypto';
import { describe, it } from 'node:test';
import { Blowfish } from '../../src/crypt/blowfish.js';
import { Cast5 } from '../../src/crypt/cast5.js';
import type { BlockFunction } from '../../src/crypt/cfb.js';
import { TripleDes } from '../../src/crypt/des3.js';
import { Salsa20BlockCrypt } from '../../src/crypt/salsa20.js';
import { Sm4 } from '../../src/crypt/sm4.js';
import { KCP_TEA_ROUNDS, Tea } from '../../src/crypt/tea.js';
import { Twofish } from '../../src/crypt/twofish.js';
import { Xtea } from '../../src/crypt/xtea.js';

// Published known-answer vectors for each raw block function, so a wrong cipher shows up before CFB.

function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

function encryptBytes(cipher: BlockFunction, block: Buffer): Buffer {
  assert.equal(block.length, cipher.blockSize);
  const words = new Int32Array(cipher.blockSize / 4);
  for (let w = 0; w < words.length; w++) words[w] = block.readInt32BE(4 * w);
  cipher.encryptBlock(words);
  const out = Buffer.alloc(cipher.blockSize);
  for (let w = 0; w < words.length; w++) out.writeInt32BE(words[w], 4 * w);
  return out;
}

function checkVector(cipher: BlockFunction, plainHex: string, cipherHex: string): void {
  assert.equal(encryptBytes(cipher, hex(plainHex)).toString('hex'), cipherHex.toLowerCase());
}

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

describe('Blowfish (Schneier, vectors.txt)', () => {
  it('encrypts the 8-byte-key vectors', () => {
    checkVector(new Blowfish(hex('0000000000000000')), '0000000000000000', '4ef997456198dd78');
    checkVector(new Blowfish(hex('ffffffffffffffff')), 'ffffffffffffffff', '51866fd5b85ecb8a');
    checkVector(new Blowfish(hex('3000000000000000')), '1000000000000001', '7d856f9a613063f2');
  });

  it('encrypts the variable-length-key vector (24-byte key)', () => {
    checkVector(
      new Blowfish(hex('f0e1d2c3b4a5968778695a4b3c2d1e0f0011223344556677')),
      'fedcba9876543210',
      '05044b62fa52d080',
    );
  });

  it('rejects keys outside 1..56 bytes', () => {
    assert.throws(() => new Blowfish(Buffer.alloc(0)), /key/);
    assert.throws(() => new Blowfish(Buffer.alloc(57)), /key/);
  });
});

describe('Twofish-256 (Schneier ecb_ival.txt / ecb_tbl.txt)', () => {
  it('encrypts the all-zero key and block', () => {
    checkVector(
      new Twofish(Buffer.alloc(32)),
      '00000000000000000000000000000000',
      '57ff739d4dc92c1bd7fc01700cc8216f',
    );
  });

  it('encrypts the 0123…ff key vector', () => {
    const key = hex('0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff');
    checkVector(new Twofish(key), '00000000000000000000000000000000', '37527be0052334b89f0cfccae87cfa20');
  });

  it('encrypts the third iteration of the 256-bit table', () => {
    const key = hex('d43bb7556ea32e46f2a282b7d45b4e0d57ff739d4dc92c1bd7fc01700cc8216f');
    checkVector(new Twofish(key), '90afe91bb288544f2c32dc239b2635e6', '6cb4561c40bf0a9705931cb6d408e7fa');
  });

  it('rejects keys that are not 32 bytes', () => {
    assert.throws(() => new Twofish(Buffer.alloc(16)), /key/);
  });
});

describe('CAST5 (RFC 2144 appendix B)', () => {
  it('encrypts the B.1 128-bit-key vector', () => {
    checkVector(new Cast5(hex('0123456712345678234567893456789a')), '0123456789abcdef', '238b4fe5847e44b2');
  });

  it('passes 1000 iterations of the B.2 maintenance test (many keys through the key schedule)', () => {
    const a = hex('0123456712345678234567893456789a');
    const b = hex('0123456712345678234567893456789a');
    const encryptHalves = (cipher: Cast5, target: Buffer) => {
      encryptBytes(cipher, target.subarray(0, 8)).copy(target, 0);
      encryptBytes(cipher, target.subarray(8, 16)).copy(target, 8);
    };
    for (let i = 0; i < 1000; i++) {
      encryptHalves(new Cast5(b), a);
      encryptHalves(new Cast5(a), b);
    }
    // The values after 1000 iterations that Go's x/crypto/cast5 TestLimited checks.
    assert.equal(a.toString('hex'), '23f73b14b02a2ad7dfb9f2c35644798d');
    assert.equal(b.toString('hex'), 'e5bf37eff14c456a40b21ce369370a9f');
  });

  it('rejects keys that are not 16 bytes', () => {
    assert.throws(() => new Cast5(Buffer.alloc(10)), /key/);
  });
});

describe('3DES EDE3 (FIPS 46-3, NIST SP 800-67)', () => {
  it('with k1 = k2 = k3 is single DES (the classic 133457799BBCDFF1 vector)', () => {
    const k = hex('133457799bbcdff1');
    checkVector(new TripleDes(Buffer.concat([k, k, k])), '0123456789abcdef', '85e813540f0ab405');
  });

  it('encrypts the SP 800-67 example with three distinct keys', () => {
    const des = new TripleDes(hex('0123456789abcdef23456789abcdef01456789abcdef0123'));
    const plain = Buffer.from('The qufck brown fox jump', 'latin1');
    const out = Buffer.concat([0, 8, 16].map((i) => encryptBytes(des, plain.subarray(i, i + 8))));
    assert.equal(out.toString('hex'), 'a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900');
  });

  it('agrees with OpenSSL des-ede3-ecb on pseudo-random keys and blocks', (t) => {
    if (!getCiphers().includes('des-ede3-ecb')) return t.skip('OpenSSL without des-ede3');
    for (let i = 1; i <= 20; i++) {
      const key = pseudoRandom(24, i);
      const block = pseudoRandom(8, 1000 + i);
      const ecb = createCipheriv('des-ede3-ecb', key, null);
      assert.deepEqual(encryptBytes(new TripleDes(key), block), ecb.update(block));
    }
  });

  it('rejects keys that are not 24 bytes', () => {
    assert.throws(() => new TripleDes(Buffer.alloc(16)), /key/);
  });
});

describe('TEA (Go x/crypto/tea vectors)', () => {
  it('encrypts with the standard 64 rounds', () => {
    checkVector(new Tea(Buffer.alloc(16)), '0000000000000000', '41ea3a0a94baa940');
    checkVector(new Tea(Buffer.alloc(16, 0xff)), 'ffffffffffffffff', '319bbefb016abdb2');
  });

  it("encrypts with kcp-go's 16 rounds", () => {
    checkVector(new Tea(Buffer.alloc(16), KCP_TEA_ROUNDS), '0000000000000000', 'ed285da1455b33c1');
  });

  it('rejects bad keys and odd or non-positive round counts', () => {
    assert.throws(() => new Tea(Buffer.alloc(8)), /key/);
    assert.throws(() => new Tea(Buffer.alloc(16), 15), /rounds/);
    assert.throws(() => new Tea(Buffer.alloc(16), 0), /rounds/);
  });
});

describe('XTEA (Go x/crypto/xtea vectors)', () => {
  it('encrypts the 000102…0f key vectors', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    checkVector(new Xtea(key), '4142434445464748', '497df3d072612cb5');
    checkVector(new Xtea(key), '4141414141414141', 'e78f2d13744341d8');
  });

  it('rejects keys that are not 16 bytes', () => {
    assert.throws(() => new Xtea(Buffer.alloc(32)), /key/);
  });
});

describe('SM4 (GB/T 32907-2016 appendix A)', () => {
  const key = hex('0123456789abcdeffedcba9876543210');

  it('encrypts example 1', () => {
    checkVector(new Sm4(key), '0123456789abcdeffedcba9876543210', '681edf34d206965e86b3e94f536e4246');
  });

  it('encrypts example 2 (1,000,000 iterations)', () => {
    const sm4 = new Sm4(key);
    const words = new Int32Array(4);
    for (let w = 0; w < 4; w++) words[w] = key.readInt32BE(4 * w);
    for (let i = 0; i < 1_000_000; i++) sm4.encryptBlock(words);
    const out = Buffer.alloc(16);
    for (let w = 0; w < 4; w++) out.writeInt32BE(words[w], 4 * w);
    assert.equal(out.toString('hex'), '595298c7c6fd271f0402f804c33d3f66');
  });

  it('agrees with OpenSSL sm4-ecb on pseudo-random keys and blocks', (t) => {
    if (!getCiphers().includes('sm4-ecb')) return t.skip('OpenSSL without sm4');
    for (let i = 1; i <= 20; i++) {
      const k = pseudoRandom(16, i);
      const block = pseudoRandom(16, 2000 + i);
      assert.deepEqual(encryptBytes(new Sm4(k), block), createCipheriv('sm4-ecb', k, null).update(block));
    }
  });

  it('rejects keys that are not 16 bytes', () => {
    assert.throws(() => new Sm4(Buffer.alloc(24)), /key/);
  });
});

describe('block pairs (used by CFB decryption)', () => {
  const pairCiphers: [string, BlockFunction][] = [
    ['Blowfish', new Blowfish(pseudoRandom(32, 7))],
    ['CAST5', new Cast5(pseudoRandom(16, 8))],
  ];
  for (const [name, cipher] of pairCiphers) {
    it(`${name} encryptBlockPair equals two encryptBlock calls`, () => {
      const pair = new Int32Array(4);
      const first = new Int32Array(2);
      const second = new Int32Array(2);
      for (let i = 0; i < 50; i++) {
        const data = pseudoRandom(16, 100 + i);
        for (let w = 0; w < 4; w++) pair[w] = data.readInt32BE(4 * w);
        first.set(pair.subarray(0, 2));
        second.set(pair.subarray(2, 4));
        cipher.encryptBlockPair!(pair);
        cipher.encryptBlock(first);
        cipher.encryptBlock(second);
        assert.deepEqual([...pair], [...first, ...second]);
      }
    });
  }
});

describe('Salsa20/20 (ECRYPT verified.test-vectors, set 1 vector 0)', () => {
  it('produces the keystream for key 80 00…00, IV 0 at offsets 0 and 192', () => {
    const key = Buffer.alloc(32);
    key[0] = 0x80;
    // The packet's first 8 bytes are the IV; the keystream lands on the zero bytes after them.
    const packet = Buffer.alloc(8 + 256);
    new Salsa20BlockCrypt(key).encrypt(packet, packet.length);
    assert.equal(
      packet.subarray(8, 8 + 64).toString('hex'),
      'e3be8fdd8beca2e3ea8ef9475b29a6e7003951e1097a5c38d23b7a5fad9f6844' +
        'b22c97559e2723c7cbbd3fe4fc8d9a0744652a83e72a9c461876af4d7ef1a117',
    );
    assert.equal(
      packet.subarray(8 + 192, 8 + 256).toString('hex'),
      '57be81f47b17d9ae7c4ff15429a73e10acf250ed3a90a93c711308a74c6216a9' +
        'ed84cd126da7f28e8abf8bb63517e1ca98e712f4fb2e1a6aed9fdc73291faa17',
    );
  });

  it('rejects keys that are not 32 bytes', () => {
    assert.throws(() => new Salsa20BlockCrypt(Buffer.alloc(16)), /key/);
  });
});
