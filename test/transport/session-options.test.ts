import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { fecEnabled, MAX_TOTAL_SHARDS } from '../../src/fec/index.js';
import {
  type DatagramLink,
  KcpSession,
  minimumMtu,
  validateSessionOptions,
} from '../../src/transport/session.js';
import { options } from './session-cases.js';

const pass = deriveKey('options');

const idleLink: DatagramLink = {
  remote: 'nowhere',
  claim: () => Buffer.alloc(1500),
  send: () => {},
  release: () => {},
};

describe('session options: limits in option terms', () => {
  test('256 shards per group are allowed (klauspost/reedsolomon), 257 are not', () => {
    assert.equal(MAX_TOTAL_SHARDS, 256);
    assert.equal(fecEnabled(128, 128), true);
    assert.equal(fecEnabled(128, 129), false);
    validateSessionOptions({ ...options(true), dataShards: 128, parityShards: 128 });
    assert.throws(
      () => validateSessionOptions({ ...options(true), dataShards: 128, parityShards: 129 }),
      (err: unknown) =>
        err instanceof RangeError && err.message.startsWith('dataShards + parityShards = 257: at most 256'),
    );
  });

  test('the smallest mtu leaves KCP 50 bytes beside the crypt and FEC headers', () => {
    const gcm = createPacketCrypt('aes-128-gcm', pass).crypt;
    const aes = createPacketCrypt('aes', pass).crypt;
    const none = createPacketCrypt('null', pass).crypt;
    assert.equal(minimumMtu(gcm, 10, 3), 50 + 12 + 16 + 8);
    assert.equal(minimumMtu(aes, 10, 3), 50 + 20 + 8);
    assert.equal(minimumMtu(aes, 0, 0), 50 + 20);
    assert.equal(minimumMtu(none, 10, 0), 50);
    for (const [crypt, ds, ps] of [
      [gcm, 10, 3],
      [aes, 10, 3],
      [aes, 0, 0],
    ] as const) {
      const min = minimumMtu(crypt, ds, ps);
      const o = { ...options(ds > 0), crypt, dataShards: ds, parityShards: ps };
      validateSessionOptions({ ...o, mtu: min });
      // ...and a session really runs with it (KCP's own setMtu accepts what is left).
      new KcpSession(1, { ...o, mtu: min }, idleLink, { active: true }).close();
      assert.throws(
        () => validateSessionOptions({ ...o, mtu: min - 1 }),
        (err: unknown) =>
          err instanceof RangeError &&
          err.message.startsWith(`mtu ${min - 1} must be an integer between ${min} and 1500`),
      );
    }
    assert.throws(() => validateSessionOptions({ ...options(true), mtu: 1501 }), RangeError);
  });
});
