import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AesCfbBlockCrypt } from '../../src/crypt/aes.js';
import { AesMultiBuffer } from '../../src/crypt/aes-multi-buffer.js';
import { DatagramBatch } from '../../src/crypt/batch.js';
import { CFB_HEADER_SIZE, CFB_NONCE_SIZE, CfbPacketCrypt } from '../../src/crypt/cfb-packet.js';
import { CRYPT_METHODS, createPacketCrypt } from '../../src/crypt/select.js';
import { spawnOwnedSync } from '../support/owned.js';

const pass = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');
/** mmsg-io's slot stride: send slots sit back to back in one buffer. */
const SLOT = 1536;

/** Mixed datagram lengths: full ones, ACK-sized ones, lengths off the block size, and 1..15 bytes. */
function mixedLength(i: number): number {
  if (i % 5 === 0) return 1400;
  if (i % 5 === 1) return 20 + randomInt(0, 120);
  if (i % 7 === 2) return 1 + randomInt(0, 15);
  return 1 + randomInt(0, 1500);
}

const aesni =
  process.platform === 'linux' &&
  process.arch === 'x64' &&
  /\baes\b/.test(readFileSync('/proc/cpuinfo', 'latin1'));

/**
 * Run in a child whose OpenSSL is told the CPU has no AVX (OPENSSL_ia32cap clears CPUID.1:ECX bit 28): the
 * multi-buffer code then runs two 4-lane passes instead of one 8-lane pass. Lanes of 4 datagrams of at
 * most 16 bytes (no AES) ahead of 4 long ones, the case a 4-lane pass with nothing to do stopped at.
 */
const WITHOUT_AVX = '~0x1000000000000000';
const CHILD_CHECK = `
import { randomFillSync } from 'node:crypto';
import { AesCfbBlockCrypt } from ${JSON.stringify(new URL('../../src/crypt/aes.js', import.meta.url).href)};
import { DatagramBatch } from ${JSON.stringify(new URL('../../src/crypt/batch.js', import.meta.url).href)};
const key = randomFillSync(Buffer.alloc(32));
const lengths = [5, 16, 3, 9, 1400, 700, 33, 17, 1400, 1, 1399, 120, 64, 2, 1500, 17];
const slots = randomFillSync(Buffer.alloc(lengths.length * ${SLOT}));
const batch = new DatagramBatch();
const single = new AesCfbBlockCrypt(key);
const expected = lengths.map((len, i) => {
  const slot = slots.subarray(i * ${SLOT}, i * ${SLOT} + len);
  batch.add(slots.subarray(i * ${SLOT}, (i + 1) * ${SLOT}), 0, len);
  const copy = Buffer.from(slot);
  single.encrypt(copy, len);
  return copy;
});
new AesCfbBlockCrypt(key).encryptMany(batch, 0, batch.count);
const wrong = lengths.flatMap((len, i) => (slots.subarray(i * ${SLOT}, i * ${SLOT} + len).equals(expected[i]) ? [] : [i]));
if (wrong.length > 0) throw new Error('datagrams ' + wrong.join(', ') + ' differ');
`;

describe('AES encryptMany: a batch encrypts as encrypt() does each datagram', () => {
  it('without AVX (4 lanes a pass) too', { skip: !aesni }, () => {
    const child = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', CHILD_CHECK], {
      env: { ...process.env, OPENSSL_ia32cap: WITHOUT_AVX },
      encoding: 'utf8',
    });
    assert.equal(child.status, 0, child.stderr);
  });

  for (const keySize of [16, 24, 32]) {
    it(`AES-${keySize * 8}: 150 datagrams of mixed lengths, in shared slots, alone, at odd offsets`, () => {
      const key = pass.subarray(0, keySize);
      const slots = Buffer.alloc(100 * SLOT);
      const batch = new DatagramBatch();
      const expected: Buffer[] = [];
      const single = new AesCfbBlockCrypt(key);
      for (let i = 0; i < 150; i++) {
        const len = i % 29 === 3 ? 0 : mixedLength(i);
        // 100 in the slots (as mmsg-io sends), the rest alone or 3 bytes into a buffer (not 8-byte aligned).
        const buf = i < 100 ? slots.subarray(i * SLOT, (i + 1) * SLOT) : Buffer.alloc(len + 8);
        const at = i >= 100 && i % 2 === 1 ? 3 : 0;
        randomBytes(len).copy(buf, at);
        const copy = Buffer.from(buf.subarray(at, at + len));
        single.encrypt(copy, len);
        expected.push(copy);
        batch.add(buf, at, len);
      }
      new AesCfbBlockCrypt(key).encryptMany(batch, 0, batch.count);
      for (let i = 0; i < batch.count; i++) {
        const at = batch.offsets[i];
        assert.deepEqual(batch.bufs[i].subarray(at, at + batch.lengths[i]), expected[i], `datagram ${i}`);
      }
    });
  }

  it('runs on OpenSSL multi-buffer AES-NI code on x86-64 with AES-NI', { skip: !aesni }, () => {
    assert.notEqual(AesMultiBuffer.create(pass, Buffer.alloc(16)), undefined);
  });

  it('writes nothing past a datagram', () => {
    const slots = Buffer.alloc(16 * SLOT, 0xa5);
    const batch = new DatagramBatch();
    for (let i = 0; i < 16; i++) batch.add(slots.subarray(i * SLOT, (i + 1) * SLOT), 0, 1 + i * 37);
    new AesCfbBlockCrypt(pass).encryptMany(batch, 0, batch.count);
    for (let i = 0; i < 16; i++) {
      const rest = slots.subarray(i * SLOT + 1 + i * 37, (i + 1) * SLOT);
      assert.ok(
        rest.every((b) => b === 0xa5),
        `slot ${i} changed after its datagram`,
      );
    }
  });
});

describe('batchSealer: prepare + sealMany give the datagrams seal() gives', () => {
  for (const method of CRYPT_METHODS) {
    const crypt = createPacketCrypt(method, pass).crypt;
    const sealer = crypt.batchSealer ?? null;
    if (sealer === null) continue;
    it(`${method}: 80 datagrams of mixed lengths, equal to sealWithNonce with the same nonce, and open()`, () => {
      assert.ok(crypt instanceof CfbPacketCrypt);
      const slots = Buffer.alloc(80 * SLOT);
      const batch = new DatagramBatch();
      const expected: Buffer[] = [];
      const payloads: Buffer[] = [];
      for (let i = 0; i < 80; i++) {
        const end = CFB_HEADER_SIZE + (i % 6 === 0 ? 0 : mixedLength(i) - 1);
        const slot = slots.subarray(i * SLOT, (i + 1) * SLOT);
        const payload = randomBytes(end - CFB_HEADER_SIZE);
        payloads.push(payload);
        payload.copy(slot, CFB_HEADER_SIZE);
        const len: number = sealer.prepare(slot, end);
        assert.equal(len, end);
        // The per-datagram path with the nonce prepare chose (the CRC does not cover the nonce).
        const single = Buffer.alloc(end);
        payload.copy(single, CFB_HEADER_SIZE);
        crypt.sealWithNonce(single, end, Buffer.from(slot.subarray(0, CFB_NONCE_SIZE)));
        expected.push(single);
        batch.add(slot, 0, len);
      }
      sealer.sealMany(batch);
      const receiver = createPacketCrypt(method, pass).crypt;
      for (let i = 0; i < 80; i++) {
        const wire = slots.subarray(i * SLOT, i * SLOT + batch.lengths[i]);
        assert.deepEqual(wire, expected[i], `datagram ${i}`);
        const copy = Buffer.from(wire);
        assert.equal(receiver.open(copy, copy.length), copy.length);
        assert.deepEqual(copy.subarray(CFB_HEADER_SIZE), payloads[i]);
      }
    });
  }

  it('AES of every key size seals batches; the other methods seal one by one', () => {
    for (const method of CRYPT_METHODS) {
      const aes = method === 'aes' || method === 'aes-128' || method === 'aes-192';
      assert.equal(createPacketCrypt(method, pass).crypt.batchSealer != null, aes, method);
    }
  });
});
