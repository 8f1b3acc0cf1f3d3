import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  QppCipher,
  QppPads,
  QppPrng,
  type QppVariant,
  validateQppParams,
} from '../../src/crypt/qpp/index.js';

// docs/protocol.md §11.8: QPPCount 61, kcptun's default key.
const DEFAULT_KEY = Buffer.from("it's a secrect", 'utf8');
const PAD_COUNT = 61;

interface VariantVectors {
  readonly pad0: string;
  readonly pad1: string;
  readonly pad60: string;
  readonly enc: string;
}

const VECTORS: Readonly<Record<QppVariant, VariantVectors>> = {
  'v1.1.24': {
    pad0: '1a994414e7fa53e93d83d4be16385ac6d7155bdcf712fbab3995a6cf11b3316f',
    pad1: '44427fde6c1530950c03ef10e913174652dbc7a84d9fe4eb1fc82ec2fba7f867',
    pad60: 'f3796e50987736458837da7d7885d34bc52b31db8fe5d5a8b12c3df1d055f49b',
    enc: 'e94f150bd5923394a725f3907d0b58ff0bda58fdb121d5ff7ef7800488a9937aa769e2cf9bff0f7f',
  },
  'v1.1.19': {
    pad0: '905032dc4c101697ada4781e461130c0a5059c593a38c87a2048b9e26d44344e',
    pad1: '62b00e4a0a1868193a26129d0ce002fc10e48a92483ba4401670901e14549e32',
    pad60: 'e4863c66c2186e40b20a128a61a98e3e9c892e36521e9420600b99c884be9aec',
    enc: 'd85fed6b44cbfa39a31bb4a53bbb137d203e38c9f20e22368d7f0a64a26d9a1990916e042273be7d',
  },
  'v1.1.18': {
    pad0: '228ab23a0c9808301e892ddc683d5cd80025019c32d182ae16ab569910482e2f',
    pad1: '8e282652e26d02213c2c39b07e55409e64465834d8789cdca2c20c5930481224',
    pad60: '1c10fe1a0a487edaee658c325e8e01d00cb2ace3754a06682a21dcc826881380',
    enc: '5deb20876719a4d144723c791f7797e54101f549a5b80c6826793b9e1541e02daa0fc552884a974d',
  },
};

const padsByVariant = new Map<QppVariant, QppPads>();
function padsFor(variant: QppVariant): QppPads {
  let pads = padsByVariant.get(variant);
  if (pads === undefined) {
    pads = new QppPads(DEFAULT_KEY, PAD_COUNT, variant);
    padsByVariant.set(variant, pads);
  }
  return pads;
}

function counting(len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = i;
  return b;
}

function padPrefix(pads: QppPads, p: number): string {
  return Buffer.from(pads.forward.subarray(p * 256, p * 256 + 32)).toString('hex');
}

function u64(lo: number, hi: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString(16).padStart(16, '0');
}

/** A deterministic xorshift32 so failures reproduce. */
function seededRandom(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

describe('QPP PRNG (docs/protocol.md §9.2, §11.8)', () => {
  it('seeds xoshiro256** from the key and steps it', () => {
    const prng = new QppPrng(DEFAULT_KEY);
    prng.next();
    assert.equal(u64(prng.lo, prng.hi), '262b1192936f4e48');
    const s = prng.state;
    assert.deepEqual(
      [u64(s[0], s[1]), u64(s[2], s[3]), u64(s[4], s[5]), u64(s[6], s[7])],
      ['629ade0b6166476c', '929652fc233c32f4', '690a4d005b33ac78', '1934e5954cc25241'],
    );
  });

  it('gives each seed its own start state when seeds alternate', () => {
    const first = (seed: Uint8Array): string => {
      const prng = new QppPrng(seed);
      prng.next();
      return u64(prng.lo, prng.hi);
    };
    const other = Buffer.from('another key', 'utf8');
    assert.equal(first(DEFAULT_KEY), '262b1192936f4e48');
    const otherFirst = first(other);
    assert.notEqual(otherFirst, '262b1192936f4e48');
    assert.equal(first(DEFAULT_KEY), '262b1192936f4e48');
    assert.equal(first(other), otherFirst);
  });

  it('matches a BigInt reference for many steps', () => {
    const mask = (1n << 64n) - 1n;
    const rotl = (x: bigint, k: bigint): bigint => ((x << k) | (x >> (64n - k))) & mask;
    const prng = new QppPrng(DEFAULT_KEY);
    const s = prng.state;
    const ref = [0, 1, 2, 3].map((k) => (BigInt(s[2 * k + 1]) << 32n) | BigInt(s[2 * k]));
    for (let step = 0; step < 2000; step++) {
      const expected = (rotl((ref[1] * 5n) & mask, 7n) * 9n) & mask;
      const t = (ref[1] << 17n) & mask;
      ref[2] ^= ref[0];
      ref[3] ^= ref[1];
      ref[1] ^= ref[2];
      ref[0] ^= ref[3];
      ref[2] ^= t;
      ref[3] = rotl(ref[3], 45n);
      prng.next();
      assert.equal(u64(prng.lo, prng.hi), expected.toString(16).padStart(16, '0'), `step ${step}`);
    }
  });
});

describe('QPP pads and cipher vectors (docs/protocol.md §9.3, §9.4, §11.8)', () => {
  for (const variant of Object.keys(VECTORS) as QppVariant[]) {
    const v = VECTORS[variant];
    it(`${variant}: pads 0, 1 and 60`, () => {
      const pads = padsFor(variant);
      assert.equal(padPrefix(pads, 0), v.pad0);
      assert.equal(padPrefix(pads, 1), v.pad1);
      assert.equal(padPrefix(pads, 60), v.pad60);
    });

    it(`${variant}: encrypts 00..27 with a fresh PRNG, and decrypts it back`, () => {
      const pads = padsFor(variant);
      const buf = counting(40);
      new QppCipher(pads, DEFAULT_KEY).encrypt(buf);
      assert.equal(buf.toString('hex'), v.enc);
      new QppCipher(pads, DEFAULT_KEY).decrypt(buf);
      assert.deepEqual(buf, counting(40));
    });
  }

  it('second seed (42 bytes, not pre-hashed)', () => {
    const seed = Buffer.from('0123456789abcdef0123456789abcdef0123456789', 'utf8');
    const pads = new QppPads(seed, PAD_COUNT);
    assert.equal(padPrefix(pads, 0), 'b597163fa1799bbeef7ed2f4f3c677852d6ac9fa4313e44d69d5359086509e21');
    const buf = counting(40);
    new QppCipher(pads, seed).encrypt(buf);
    assert.equal(
      buf.toString('hex'),
      '977b20fe06538dbc9da35614b325974b8bf67a5a5465f5f1f613f006da065e9a01ac0799272ee206',
    );
  });

  it('every pad is a permutation and inverse undoes it', () => {
    const pads = padsFor('v1.1.24');
    assert.equal(pads.forward.length, PAD_COUNT * 256);
    for (let p = 0; p < PAD_COUNT; p++) {
      const seen = new Set<number>();
      for (let v = 0; v < 256; v++) {
        const c = pads.forward[p * 256 + v];
        seen.add(c);
        assert.equal(pads.inverse[p * 256 + c], v);
      }
      assert.equal(seen.size, 256);
    }
  });

  it('rejects a pad count outside 1..65535, naming -QPPCount', () => {
    for (const n of [0, -1, 65536, 1.5]) {
      assert.throws(() => new QppPads(DEFAULT_KEY, n), /-QPPCount/);
    }
  });
});

describe('QPP chunking independence (docs/protocol.md §9.1)', () => {
  const pads = padsFor('v1.1.24');

  it('a 3+10+27 split encrypts like one call', () => {
    const whole = counting(40);
    new QppCipher(pads, DEFAULT_KEY).encrypt(whole);
    const split = counting(40);
    const c = new QppCipher(pads, DEFAULT_KEY);
    c.encrypt(split, 0, 3);
    c.encrypt(split, 3, 13);
    c.encrypt(split, 13, 40);
    assert.equal(split.toString('hex'), VECTORS['v1.1.24'].enc);
    assert.deepEqual(split, whole);
  });

  it('random splits encrypt and decrypt like one call, touching only [start, end)', () => {
    const rand = seededRandom(12345);
    const plain = Buffer.alloc(20000);
    for (let i = 0; i < plain.length; i++) plain[i] = rand(256);
    const whole = Buffer.from(plain);
    new QppCipher(pads, DEFAULT_KEY).encrypt(whole);

    const enc = new QppCipher(pads, DEFAULT_KEY);
    const dec = new QppCipher(pads, DEFAULT_KEY);
    const work = Buffer.from(plain);
    for (let pos = 0; pos < plain.length; ) {
      const end = Math.min(plain.length, pos + rand(40));
      const before = Buffer.from(work);
      enc.encrypt(work, pos, end);
      assert.deepEqual(work.subarray(0, pos), before.subarray(0, pos));
      assert.deepEqual(work.subarray(end), before.subarray(end));
      pos = end;
    }
    assert.deepEqual(work, whole);
    for (let pos = 0; pos < plain.length; ) {
      const end = Math.min(plain.length, pos + rand(100));
      dec.decrypt(work, pos, end);
      pos = end;
    }
    assert.deepEqual(work, plain);
  });
});

describe('validateQppParams (docs/protocol.md §9.6)', () => {
  it('warns about the short default key only, with QPPCount 61', () => {
    assert.deepEqual(validateQppParams("it's a secrect", 61), [
      "QPP Warning: 'key' has size of 14 bytes, required 211 bytes at least",
    ]);
  });

  it('gives no warning for a 211-byte key and a prime count', () => {
    assert.deepEqual(validateQppParams('k'.repeat(211), 61), []);
    assert.deepEqual(validateQppParams('k'.repeat(211), 7), []);
  });

  it('counts the key in UTF-8 bytes', () => {
    assert.deepEqual(validateQppParams('é'.repeat(105), 61), [
      "QPP Warning: 'key' has size of 210 bytes, required 211 bytes at least",
    ]);
    assert.deepEqual(validateQppParams('é'.repeat(106), 61), []);
  });

  it('warns about too few pads and an even count', () => {
    assert.deepEqual(validateQppParams('k'.repeat(211), 4), [
      'QPP Warning: QPPCount 4, required 7 at least',
      'QPP Warning: QPPCount 4, choose a prime number for security',
    ]);
    assert.deepEqual(validateQppParams('k'.repeat(211), 64), [
      'QPP Warning: QPPCount 64, choose a prime number for security',
    ]);
    assert.deepEqual(validateQppParams('k'.repeat(211), 5), ['QPP Warning: QPPCount 5, required 7 at least']);
  });

  it('throws, naming -QPPCount, when the count is not positive or does not fit a uint16', () => {
    assert.throws(() => validateQppParams('k', 0), /-QPPCount/);
    assert.throws(() => validateQppParams('k', -3), /-QPPCount/);
    assert.throws(() => validateQppParams('k', 65536), /-QPPCount/);
  });
});
