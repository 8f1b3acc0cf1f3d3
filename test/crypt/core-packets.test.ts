import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AesCfbBlockCrypt, CFB_INITIAL_VECTOR } from '../../src/crypt/aes.js';
import { blockCipherFactories } from '../../src/crypt/block-ciphers.js';
import { NoncePool } from '../../src/crypt/nonce.js';
import { CRYPT_METHODS, createPacketCrypt } from '../../src/crypt/select.js';
import type { PacketCrypt } from '../../src/crypt/types.js';

const pass = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');
const otherPass = Buffer.alloc(32, 7);
const OWN_METHODS = ['aes', 'aes-128', 'aes-192', 'none', 'null', 'aes-128-gcm'];
const PAYLOAD_SIZES = [1, 15, 16, 17, 100, 1400];
/** A 1500-byte receive buffer, like kcp-go's mtuLimit. */
const DATAGRAM_BUFFER_SIZE = 1500 + 64;

function make(method: string, key = pass): PacketCrypt {
  const { crypt, fellBackToAes } = createPacketCrypt(method, key);
  assert.equal(fellBackToAes, false);
  return crypt;
}

/** Seals `payload` with `sender`, copies the datagram as the network would, opens it with `receiver`. */
function roundTrip(sender: PacketCrypt, receiver: PacketCrypt, payload: Buffer): void {
  const out = Buffer.alloc(DATAGRAM_BUFFER_SIZE);
  payload.copy(out, sender.headerSize);
  const len = sender.seal(out, sender.headerSize + payload.length);
  assert.equal(len, sender.headerSize + payload.length + sender.trailerSize);
  const wire = Buffer.alloc(DATAGRAM_BUFFER_SIZE);
  out.copy(wire, 0, 0, len);
  const end = receiver.open(wire, len);
  assert.equal(end, receiver.headerSize + payload.length);
  assert.deepEqual(wire.subarray(receiver.headerSize, end), payload);
}

describe('round trips of every core method', () => {
  for (const method of OWN_METHODS) {
    it(`${method}: each size, then 300 packets of alternating sizes across persistent state`, () => {
      const client = make(method);
      const server = make(method);
      for (const size of PAYLOAD_SIZES) roundTrip(client, server, randomBytes(size));
      for (let i = 0; i < 300; i++) {
        const payload = randomBytes(PAYLOAD_SIZES[(i * 7) % PAYLOAD_SIZES.length]);
        // Both directions through the same objects, interleaved, as a session does.
        if (i % 3 === 0) roundTrip(server, client, payload);
        else roundTrip(client, server, payload);
      }
    });
  }
  it('the same payload seals to different datagrams (fresh nonce)', () => {
    for (const method of ['aes', 'aes-128-gcm', 'none']) {
      const crypt = make(method);
      const a = Buffer.alloc(200);
      const b = Buffer.alloc(200);
      const len = crypt.seal(a, 100);
      crypt.seal(b, 100);
      assert.notDeepEqual(a.subarray(0, len), b.subarray(0, len), method);
    }
  });
  it('aes encrypts the payload (it does not travel in clear)', () => {
    const buf = Buffer.alloc(200);
    const len = make('aes').seal(buf, 120);
    assert.notDeepEqual(buf.subarray(20, len), Buffer.alloc(100));
  });
});

describe('hostile datagrams never throw', () => {
  const keyed = ['aes', 'aes-128', 'aes-192', 'aes-128-gcm'];
  for (const method of keyed) {
    it(`${method}: a wrong key is rejected`, () => {
      const sender = make(method, otherPass);
      const receiver = make(method);
      for (const size of PAYLOAD_SIZES) {
        const buf = Buffer.alloc(DATAGRAM_BUFFER_SIZE);
        const len = sender.seal(buf, sender.headerSize + size);
        assert.equal(receiver.open(buf, len), -1, `size ${size}`);
      }
    });
  }
  for (const method of ['aes', 'aes-128', 'aes-192', 'none', 'aes-128-gcm']) {
    it(`${method}: empty, short, truncated, bit-flipped and random datagrams return -1`, () => {
      const crypt = make(method);
      const minimum = crypt.headerSize + crypt.trailerSize;
      for (let len = 0; len < minimum; len++) assert.equal(crypt.open(randomBytes(len + 1), len), -1);
      assert.equal(crypt.open(Buffer.alloc(0), 0), -1);
      for (const size of PAYLOAD_SIZES) {
        const buf = Buffer.alloc(DATAGRAM_BUFFER_SIZE);
        const len = crypt.seal(buf, crypt.headerSize + size);
        const truncated = Buffer.from(buf);
        assert.equal(crypt.open(truncated, len - 1), -1, `truncated ${size}`);
        const flipped = Buffer.from(buf);
        flipped[len - 1] ^= 0x40;
        assert.equal(crypt.open(flipped, len), -1, `flipped ${size}`);
      }
      for (let i = 0; i < 500; i++) {
        const len = (i * 37) % 1500;
        assert.equal(crypt.open(randomBytes(1500), len), -1);
      }
    });
  }
  it('null: accepts anything unchanged', () => {
    const crypt = make('null');
    const data = randomBytes(100);
    const copy = Buffer.from(data);
    assert.equal(crypt.seal(data, 100), 100);
    assert.equal(crypt.open(data, 100), 100);
    assert.equal(crypt.open(data, 0), 0);
    assert.deepEqual(data, copy);
  });
});

describe('persistent AES-CFB contexts', () => {
  function textbookCfb(key: Buffer, data: Buffer, encrypt: boolean): Buffer {
    const ecb = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
    ecb.setAutoPadding(false);
    const out = Buffer.alloc(data.length);
    let feedback: Buffer = Buffer.from(CFB_INITIAL_VECTOR);
    for (let i = 0; i < data.length; i += 16) {
      const stream = ecb.update(feedback);
      const n = Math.min(16, data.length - i);
      for (let j = 0; j < n; j++) out[i + j] = data[i + j] ^ stream[j];
      feedback = (encrypt ? out : data).subarray(i, i + 16);
    }
    return out;
  }
  for (const keySize of [16, 24, 32]) {
    it(`AES-${keySize * 8}: agree with fresh textbook CFB over 1000 random packets`, () => {
      const key = pass.subarray(0, keySize);
      const block = new AesCfbBlockCrypt(key);
      for (let i = 0; i < 1000; i++) {
        // Mostly datagram sizes; every 50th packet is larger than the initial scratch buffers.
        const len = i % 50 === 49 ? 3000 + i : (i * 131 + (i >> 3)) % 1501;
        const plain = randomBytes(len);
        const buf = Buffer.from(plain);
        block.encrypt(buf, len);
        assert.deepEqual(buf, textbookCfb(key, plain, true), `encrypt #${i} len ${len}`);
        if (i % 2 === 0) {
          block.decrypt(buf, len);
          assert.deepEqual(buf, plain, `decrypt #${i} len ${len}`);
        } else {
          assert.deepEqual(textbookCfb(key, buf, false), plain, `textbook decrypt #${i} len ${len}`);
        }
      }
    });
  }
  it('works on unaligned buffer views', () => {
    const block = new AesCfbBlockCrypt(pass);
    const backing = Buffer.alloc(2000);
    const plain = randomBytes(1399);
    const view = backing.subarray(3, 3 + 1399);
    plain.copy(view);
    block.encrypt(view, 1399);
    assert.deepEqual(Buffer.from(view), textbookCfb(pass, plain, true));
    block.decrypt(view, 1399);
    assert.deepEqual(Buffer.from(view), plain);
  });
});

describe('createPacketCrypt', () => {
  it('lists every kcptun method', () => {
    assert.deepEqual([...CRYPT_METHODS].sort(), [
      '3des',
      'aes',
      'aes-128',
      'aes-128-gcm',
      'aes-192',
      'blowfish',
      'cast5',
      'none',
      'null',
      'salsa20',
      'sm4',
      'tea',
      'twofish',
      'xor',
      'xtea',
    ]);
  });
  it('reports header and trailer sizes', () => {
    const sizes = OWN_METHODS.map((m) => {
      const c = make(m);
      return [c.name, c.headerSize, c.trailerSize];
    });
    assert.deepEqual(sizes, [
      ['aes', 20, 0],
      ['aes-128', 20, 0],
      ['aes-192', 20, 0],
      ['none', 20, 0],
      ['null', 0, 0],
      ['aes-128-gcm', 12, 16],
    ]);
  });
  it('falls back to AES-256 for unknown names, including Object.prototype keys', () => {
    for (const name of ['', 'AES', 'chacha20', 'constructor', '__proto__', 'toString']) {
      const { crypt, fellBackToAes } = createPacketCrypt(name, pass);
      assert.equal(fellBackToAes, true, name);
      assert.equal(crypt.name, 'aes');
      roundTrip(crypt, make('aes'), randomBytes(50));
    }
  });
  it('a known cipher that cannot be set up is an error naming it, not a silent switch to AES', () => {
    const real = blockCipherFactories.xtea;
    blockCipherFactories.xtea = () => {
      throw new Error('unsupported by this OpenSSL');
    };
    try {
      assert.throws(() => createPacketCrypt('xtea', pass), {
        message: 'crypt method "xtea" could not be set up: unsupported by this OpenSSL',
      });
    } finally {
      blockCipherFactories.xtea = real;
    }
    assert.equal(createPacketCrypt('xtea', pass).crypt.name, 'xtea');
  });
  it('each AES method keys with exactly its prefix of pass (aes is AES-256)', () => {
    const payload = randomBytes(64);
    for (const [method, size] of [
      ['aes', 32],
      ['aes-128', 16],
      ['aes-192', 24],
    ] as const) {
      if (size < 32) {
        const beyondPrefix = Buffer.from(pass);
        beyondPrefix[size] ^= 1;
        roundTrip(make(method, beyondPrefix), make(method), payload);
      }
      const lastKeyByte = Buffer.from(pass);
      lastKeyByte[size - 1] ^= 1;
      const buf = Buffer.alloc(200);
      payload.copy(buf, 20);
      const len = make(method, lastKeyByte).seal(buf, 20 + payload.length);
      assert.equal(make(method).open(buf, len), -1, method);
    }
  });
  it('rejects a pass that is not the 32-byte derived key, naming it', () => {
    assert.throws(() => createPacketCrypt('aes', Buffer.alloc(16)), /pass/);
  });
});

describe('NoncePool', () => {
  it('hands out distinct bytes and refills when exhausted', () => {
    const pool = new NoncePool(64);
    const seen = new Set<string>();
    const nonce = Buffer.alloc(16);
    for (let i = 0; i < 100; i++) {
      pool.fill(nonce, 0, 16);
      seen.add(nonce.toString('hex'));
    }
    assert.equal(seen.size, 100);
  });
  it('writes at the given offset only', () => {
    const pool = new NoncePool();
    const buf = Buffer.alloc(40);
    pool.fill(buf, 10, 12);
    assert.deepEqual(buf.subarray(0, 10), Buffer.alloc(10));
    assert.deepEqual(buf.subarray(22), Buffer.alloc(18));
  });
  it('rejects a tiny pool, naming the parameter', () => {
    assert.throws(() => new NoncePool(8), /poolSize/);
  });
});
