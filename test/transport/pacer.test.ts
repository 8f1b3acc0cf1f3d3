import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener } from '../../src/transport/listener.js';
import { PACER_BURST, Pacer } from '../../src/transport/pacer.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { UdpRelay } from '../support/udp-relay.js';

describe('Pacer (token bucket)', () => {
  test('starts with a full burst, then refills at the rate', () => {
    const p = new Pacer(100_000, 0);
    assert.ok(p.ready(0));
    p.take(PACER_BURST + 999, 0); // the datagram that crosses zero still goes: a deficit of 999 bytes
    assert.equal(p.ready(0), false);
    assert.equal(p.delay(), 10); // 1000 bytes at 100 kB/s
    assert.equal(p.ready(9), false);
    assert.ok(p.ready(10));
  });

  test('never holds more than the burst', () => {
    const p = new Pacer(1_000_000, 0);
    p.take(PACER_BURST, 100_000);
    assert.equal(p.ready(100_000), false);
  });

  test('following a rate: burst of max(4 ms, 10 datagrams), capped by a rate limit', () => {
    const p = new Pacer(Number.POSITIVE_INFINITY, 0);
    p.follow(10_000_000, 1350, 0, 0); // 10 MB/s: 4 ms = 40 kB > 10 datagrams
    p.take(40_000, 0);
    assert.equal(p.ready(0), false);
    assert.ok(p.ready(1)); // 10 kB refilled
    p.follow(100_000, 1350, 0, 1); // 100 kB/s: the 10-datagram floor, 13.5 kB
    p.take(13_500 + 1, 1_000);
    assert.equal(p.ready(1_000), false);
    assert.equal(p.delay(), 1);
    p.follow(10_000_000, 1350, 50_000, 1_000); // -ratelimit 50 kB/s wins
    assert.equal(p.rate, 50_000);
  });
});

describe('-ratelimit on a session', () => {
  // The limit is an upper bound: how fast the bucket refills is the pure tests' subject above. Timed from
  // the wire's bytes, so a slow machine only lengthens the run and cannot fail it.
  test('a session limited to 400 kB/s takes at least 90 % of the limited time for 1.2 MB', {
    timeout: 60_000,
  }, async () => {
    const rate = 400_000;
    const options: SessionOptions = {
      crypt: createPacketCrypt('aes', deriveKey('pace')).crypt,
      dataShards: 10,
      parityShards: 3,
      mtu: 1350,
      sndWnd: 1024,
      rcvWnd: 1024,
      nodelay: 1,
      interval: 10,
      resend: 2,
      nc: 1,
      ackNoDelay: false,
    };
    const listener = await KcpListener.listen(
      '127.0.0.1',
      0,
      { ...options, sockbuf: 1 << 20, maxSessions: 4 },
      (s) => s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} }),
    );
    const relay = await UdpRelay.start(listener.port, { dropUp: 0, dropDown: 0 });
    const session = await dialSession('127.0.0.1', relay.port, {
      ...options,
      rateLimit: rate,
      sockbuf: 1 << 20,
    });
    const chunk = randomBytes(16 * 1024);
    let stop = false;
    const pump = (): void => {
      while (!stop && session.write(Buffer.from(chunk))) {}
    };
    session.attach({ onData: () => {}, onDrain: pump, onClose: () => {} });
    try {
      pump();
      await relay.untilBytesUp(PACER_BURST * 4); // past the initial burst
      const start = relay.bytesUp;
      const measuredBytes = 3 * rate;
      const t0 = performance.now();
      await relay.untilBytesUp(start + measuredBytes);
      const seconds = (performance.now() - t0) / 1000;
      assert.ok(
        seconds >= (0.9 * measuredBytes) / rate,
        `${measuredBytes} bytes in ${seconds.toFixed(2)} s for a ${rate} B/s limit`,
      );
    } finally {
      stop = true;
      session.close();
      listener.close();
      relay.close();
    }
  });
});
