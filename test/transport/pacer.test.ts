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

/**
 * A paced sender as the session runs one: at each wake-up the bucket follows `rate` (bytes per ms), then
 * KCP asks it before each segment and packs three into a datagram of `mtu`, sent when the next segment does
 * not fit, the last (partial) one after the refused segment; the next wake-up is the bucket's delay later, plus `late(i)` ms for the i-th
 * (a loaded machine's timer). `hasData(t)` false: the sender has nothing (or its in-flight cap
 * holds it) and does not ask the bucket. Returns the bytes sent within [from, until) and the most sent at
 * one wake-up.
 */
function pacedSender(
  rate: number,
  until: number,
  late: (i: number) => number,
  hasData: (t: number) => boolean = () => true,
  from = 0,
): { sent: number; maxWake: number } {
  const mtu = 1350;
  const segment = mtu / 3;
  const p = new Pacer(Number.POSITIVE_INFINITY, 0);
  let sent = 0;
  let maxWake = 0;
  for (let t = 0, i = 0; t < until; i++) {
    p.follow(rate * 1000, mtu, 0, t);
    let wake = 0;
    let packed = 0;
    while (hasData(t) && p.ready(t)) {
      // as KCP's flush: the datagram goes out when the next segment does not fit in it
      if (packed + segment > mtu) {
        p.take(packed, t);
        wake += packed;
        packed = 0;
      }
      packed += segment;
    }
    if (packed > 0) p.take(packed, t);
    wake += packed;
    if (t >= from) sent += wake;
    maxWake = Math.max(maxWake, wake);
    t += (hasData(t) ? p.delay() : 1) + late(i);
  }
  return { sent, maxWake };
}

describe('Pacer catching up after late wake-ups', () => {
  const rate = 6_250; // 50 Mbit/s in bytes per ms
  const burst = 4 * rate; // FOLLOW_BURST_MS of it

  test('a sender woken 8 ms late every 30th time still sends its rate, in bursts of at most 4 ms of it', () => {
    const ms = 3_000;
    const { sent, maxWake } = pacedSender(rate, ms, (i) => (i % 30 === 29 ? 8 : 0));
    // without catching up the burst cuts off ~4 ms of every late wake-up's 8: 0.87 of the rate
    assert.ok(sent >= 0.98 * rate * ms, `sent ${(sent / (rate * ms)).toFixed(3)} of the rate`);
    assert.ok(maxWake <= burst + 2 * 1350, `${maxWake} bytes at one wake-up`);
  });

  test('on time it sends its rate and no more', () => {
    const ms = 3_000;
    const { sent } = pacedSender(rate, ms, () => 0);
    assert.ok(sent <= rate * ms + burst + 1350, `sent ${(sent / (rate * ms)).toFixed(3)} of the rate`);
  });

  test('nothing is owed for time the sender had nothing to send', () => {
    // held by the bucket and woken 8 ms late every 30th time for 1 s, then without data for 100 ms: the
    // debt goes with the idle bucket, so the second after sends the rate and a burst, not a catch-up more
    const { sent } = pacedSender(
      rate,
      2_100,
      (i) => (i % 30 === 29 ? 8 : 0),
      (t) => t < 1_000 || t >= 1_100,
      1_100,
    );
    assert.ok(sent <= rate * 1_000 + burst + 1350, `sent ${(sent / (rate * 1_000)).toFixed(3)} of the rate`);
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
