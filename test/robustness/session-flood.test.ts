import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { Rng } from '../../bench/fuzz/rng.js';
import { kcpSegment, sealNone } from '../../bench/fuzz/wire.js';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { KCP_CMD_PUSH } from '../../src/kcp/index.js';
import { dialSession } from '../../src/transport/dial.js';
import { KcpListener, type ListenOptions } from '../../src/transport/listener.js';
import type { KcpSession, SessionOptions } from '../../src/transport/session.js';
import { until } from '../support/deadline.js';
import { floodFromNewAddresses } from './flood.js';

const session: SessionOptions = {
  crypt: createPacketCrypt('none', deriveKey('flood')).crypt,
  dataShards: 10,
  parityShards: 3,
  mtu: 1350,
  sndWnd: 128,
  rcvWnd: 512,
  nodelay: 1,
  interval: 10,
  resend: 2,
  nc: 1,
  ackNoDelay: false,
};

/** One datagram to 127.0.0.1:port from a socket bound on `host`. */
async function sendFrom(host: string, port: number, datagram: Buffer): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  await new Promise<void>((resolve) => socket.send(datagram, port, '127.0.0.1', () => resolve()));
  socket.close();
}

/**
 * A listener whose sessions count the bytes they deliver, keyed by conv; with `reply`, each session
 * writes 8 bytes as it opens.
 */
async function listen(extra: Partial<ListenOptions>, reply = false) {
  const delivered = new Map<number, number>();
  const logs: string[] = [];
  const listener = await KcpListener.listen(
    '127.0.0.1',
    0,
    { ...session, sockbuf: 4 << 20, maxSessions: 100, log: (m) => logs.push(m), ...extra },
    (s: KcpSession) => {
      s.attach({
        onData: (d) => delivered.set(s.conv, (delivered.get(s.conv) ?? 0) + d.length),
        onDrain: () => {},
        onClose: () => {},
      });
      if (reply) s.write(Buffer.alloc(8));
    },
  );
  return { listener, delivered, logs };
}

/** A real client session that has delivered `bytes` bytes to the server. */
async function realClient(port: number, delivered: Map<number, number>, bytes = 100): Promise<KcpSession> {
  const s = await dialSession('127.0.0.1', port, { ...session, sockbuf: 1 << 20 });
  s.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
  s.write(Buffer.alloc(bytes, 7));
  await until(() => delivered.get(s.conv) === bytes, { what: 'the real client to be heard', withinMs: 5000 });
  return s;
}

describe('the listener bounds sessions that never carry data', () => {
  test('a flood from 3000 addresses is capped, logged once and reclaimed; real clients are served', {
    timeout: 30_000,
  }, async () => {
    const cap = 500;
    const { listener, delivered, logs } = await listen({ maxSessions: cap, firstDataTimeoutMs: 1500 });
    const clients: KcpSession[] = [];
    try {
      clients.push(await realClient(listener.port, delivered));
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, listener.sessionCount);
      }, 2);
      let joinedMidFlood = false;
      await floodFromNewAddresses(listener.port, 3000, 1, () => {
        if (!joinedMidFlood && listener.evictedSessions > 0) {
          joinedMidFlood = true;
          realClient(listener.port, delivered).then((s) => clients.push(s));
        }
      });
      // Every flood datagram opened a session; all but the cap's worth were evicted to make room.
      await until(() => listener.evictedSessions >= 3000 - cap, {
        what: 'the flood to be processed',
        withinMs: 5000,
      });
      await until(() => clients.length === 2, {
        what: 'the client that joined during the flood',
        withinMs: 5000,
      });
      clearInterval(sampler);
      assert.ok(peak <= cap, `peak ${peak} sessions with a cap of ${cap}`);
      assert.equal(listener.refusedDatagrams, 0);
      assert.equal(logs.filter((l) => l.includes('session table full')).length, 1, logs.join('\n'));

      await until(() => listener.sessionCount === 2, {
        what: 'the flood sessions to be reclaimed',
        withinMs: 4000,
      });
      assert.ok(listener.reclaimedSessions > 0);
      for (const c of clients) {
        const before = delivered.get(c.conv)!;
        c.write(Buffer.alloc(1000, 1));
        await until(() => delivered.get(c.conv) === before + 1000, {
          what: 'more data from a real client',
          withinMs: 5000,
        });
      }
    } finally {
      for (const c of clients) c.close();
      listener.close();
    }
  });

  test('a table full of sessions that delivered data refuses new ones', { timeout: 15_000 }, async () => {
    const { listener, delivered, logs } = await listen({ maxSessions: 2 });
    const a = await realClient(listener.port, delivered);
    const b = await realClient(listener.port, delivered);
    const c = await dialSession('127.0.0.1', listener.port, { ...session, sockbuf: 1 << 20 });
    try {
      c.attach({ onData: () => {}, onDrain: () => {}, onClose: () => {} });
      c.write(Buffer.alloc(10));
      await until(() => listener.refusedDatagrams > 0, { what: 'a refusal', withinMs: 5000 });
      assert.equal(listener.sessionCount, 2);
      assert.equal(delivered.get(c.conv), undefined);
      assert.equal(logs.filter((l) => l.includes('session table full')).length, 1);
    } finally {
      for (const s of [a, b, c]) s.close();
      listener.close();
    }
  });

  test('a session a forged datagram opened is reclaimed though it delivered data; a real client stays', {
    timeout: 15_000,
  }, async () => {
    // the server answers each session with 8 bytes, as the tunnel's server writes its NOP: the real
    // client's ACK of them proves its address (src/transport/amplification.ts), the forged one's never comes
    const { listener, delivered } = await listen({ firstDataTimeoutMs: 500 }, true);
    const real = await realClient(listener.port, delivered);
    try {
      const push = kcpSegment({ conv: 99, cmd: KCP_CMD_PUSH, data: Buffer.alloc(8, 1) });
      await sendFrom('127.0.0.9', listener.port, sealNone(push, new Rng(3)));
      await until(() => delivered.get(99) === 8, {
        what: 'the forged datagram to be delivered',
        withinMs: 5000,
      });
      await until(() => listener.reclaimedSessions === 1, {
        what: 'the forged session to be reclaimed',
        withinMs: 5000,
      });
      assert.equal(listener.sessionCount, 1);
      const before = delivered.get(real.conv)!;
      real.write(Buffer.alloc(1000, 1));
      await until(() => delivered.get(real.conv) === before + 1000, {
        what: 'more data from the real client',
        withinMs: 5000,
      });
    } finally {
      real.close();
      listener.close();
    }
  });

  test('invalid limits are refused by name', async () => {
    await assert.rejects(listen({ maxSessions: 0 }), /maxSessions/);
    await assert.rejects(listen({ firstDataTimeoutMs: -1 }), /firstDataTimeoutMs/);
    await assert.rejects(listen({ firstDataTimeoutMs: 1.5 }), /firstDataTimeoutMs/);
  });
});
