import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { DatagramBatch } from '../../src/crypt/batch.js';
import { CRYPT_METHODS, createPacketCrypt } from '../../src/crypt/select.js';
import type { PacketCrypt } from '../../src/crypt/types.js';

const pass = Buffer.from('25d7d7bd51050742d8d791f2b653c6c8b2366b7e25a124cf7a2e12eaf4ffa444', 'hex');

function make(method: string): PacketCrypt {
  return createPacketCrypt(method, pass).crypt;
}

/** A sealed datagram of `payload` bytes (random), or a corrupted one when `corrupt`. */
function sealed(crypt: PacketCrypt, payload: number, corrupt: boolean): Buffer {
  const buf = Buffer.alloc(crypt.headerSize + payload + crypt.trailerSize);
  randomBytes(payload).copy(buf, crypt.headerSize);
  const len = crypt.seal(buf, crypt.headerSize + payload);
  if (corrupt) buf[len - 1] ^= 0x40;
  return buf.subarray(0, len);
}

describe('openMany: a batch opens as open() opens each datagram', () => {
  for (const method of CRYPT_METHODS) {
    const probe = make(method);
    if (probe.openMany === undefined) continue;
    it(`${method}: 200 datagrams (1400 B x 100 more than one OpenSSL call holds), some at offsets in shared buffers, some corrupt or short`, () => {
      const sender = make(method);
      const receiver = make(method);
      const datagrams: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const short = i % 37 === 5;
        datagrams.push(
          short ? randomBytes(i % 20) : sealed(sender, i < 100 ? 1400 : (i * 131) % 1450, i % 11 === 3),
        );
      }
      // What open() gives, one by one, on copies.
      const expected = datagrams.map((d) => {
        const copy = Buffer.from(d);
        const end = receiver.open(copy, copy.length);
        return { end, bytes: end < 0 ? null : copy.subarray(0, end) };
      });
      // The batch: every third datagram behind another in one buffer (a GRO receive), the rest alone.
      const batch = new DatagramBatch();
      const where: { buf: Buffer; at: number }[] = [];
      for (let i = 0; i < datagrams.length; i++) {
        const d = datagrams[i];
        if (i % 3 === 1) {
          const shared = Buffer.concat([datagrams[i - 1], d]);
          where.push({ buf: shared, at: datagrams[i - 1].length });
        } else {
          where.push({ buf: Buffer.from(d), at: 0 });
        }
        batch.add(where[i].buf, where[i].at, d.length);
      }
      make(method).openMany!(batch);
      for (let i = 0; i < datagrams.length; i++) {
        assert.equal(batch.ends[i], expected[i].end, `datagram ${i}`);
        const { buf, at } = where[i];
        if (expected[i].bytes !== null)
          assert.deepEqual(buf.subarray(at, at + expected[i].end), expected[i].bytes);
      }
    });
  }

  it('every CFB method opens batches; GCM and null open one by one', () => {
    for (const method of CRYPT_METHODS) {
      const cfb = method !== 'null' && method !== 'aes-128-gcm';
      assert.equal(make(method).openMany !== undefined, cfb, method);
    }
  });
});
