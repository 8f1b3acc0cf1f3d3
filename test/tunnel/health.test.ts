/**
 * What -metrics' /healthz reports for each end: the client goes unhealthy when its server is silent, and
 * stays so after smux closes the silent session, until a session hears from a server again; the server
 * is healthy while its listening sockets are open.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, it } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import type { Health } from '../../src/metrics/status.js';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { WAIT_MS, within } from '../support/deadline.js';

const session = (): SessionOptions => ({
  crypt: createPacketCrypt('aes', deriveKey('health test')).crypt,
  dataShards: 0,
  parityShards: 0,
  mtu: 1350,
  sndWnd: 128,
  rcvWnd: 512,
  nodelay: 1,
  interval: 20,
  resend: 2,
  nc: 1,
  ackNoDelay: false,
});

/** Short keep-alives, so a silent server is noticed in about a second. */
const smux = { ...defaultSmuxConfig(), keepAliveInterval: 200, keepAliveTimeout: 600 };
const DEADLINE_MS = 30_000;

async function until(what: string, read: () => Health, accept: (h: Health) => boolean): Promise<Health> {
  const start = Date.now();
  for (;;) {
    const h = read();
    if (accept(h)) return h;
    if (Date.now() - start > DEADLINE_MS) assert.fail(`${what}: still ${JSON.stringify(h)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(udpPort: number): TunnelClient {
  return new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: udpPort, maxPort: udpPort },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: true,
    smux,
    session: { ...session(), sockbuf: 1 << 20 },
    log: () => {},
  });
}

describe('tunnel health', { timeout: 120_000 }, () => {
  it('client: unhealthy while the server is silent, and after smux gives the session up', async () => {
    // a "server" that swallows every datagram: a stopped kcptun behind an open port, or a wrong -key
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
    const udpPort = sink.address().port;
    const c = client(udpPort);
    const addr = (await c.start()) as net.AddressInfo;
    const socket = net.connect(addr.port, '127.0.0.1');
    socket.on('error', () => {});
    try {
      assert.deepEqual(c.health(), { ok: true }, 'nothing dialled yet: nothing wrong yet');
      // first "no datagram from ..." while the session lives (smux may close it before a check sees that)
      const silent = await until(
        'silent server',
        () => c.health(),
        (h) => !h.ok,
      );
      const peer = `127\\.0\\.0\\.1:${udpPort} \\(conv \\d+\\)`;
      const expected = new RegExp(
        `^(no datagram from ${peer} for \\d+ s|the session to ${peer} closed: smux: keepalive timeout: no datagram ever arrived)$`,
      );
      assert.match(silent.ok ? '' : silent.reason, expected);
      // smux closes the session after its keep-alive timeout; health must not turn green with it
      await until(
        'session closed',
        () => c.health(),
        (h) => !h.ok && /closed: smux: keepalive timeout/.test(h.reason),
      );
      await new Promise((r) => setTimeout(r, 2 * smux.keepAliveTimeout));
      assert.equal(c.health().ok, false);
      assert.equal(c.sessionMetrics().length, 0);
    } finally {
      socket.destroy();
      c.close();
      sink.close();
    }
    assert.deepEqual(c.health(), { ok: false, reason: 'the client is closed' });
  });

  it('client: healthy with a live server; server: healthy while listening', async () => {
    // the stream is still open when the server closes: its target connection is reset (pipe.ts endSide)
    const target = net.createServer((s) => {
      s.on('error', () => {});
      s.pipe(s);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const server = new TunnelServer({
      listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
      target: { host: '127.0.0.1', port: (target.address() as net.AddressInfo).port },
      closeWaitSeconds: 0,
      quiet: true,
      noComp: true,
      smux,
      session: { ...session(), sockbuf: 1 << 20, maxSessions: 16 },
      log: () => {},
    });
    const [udpPort] = await server.start();
    const c = client(udpPort);
    const addr = (await c.start()) as net.AddressInfo;
    const socket = net.connect(addr.port, '127.0.0.1');
    try {
      socket.write('ping');
      // the echo, or a failure that says what the tunnel looked like (the session closed under the stream?)
      const echoed = new Promise((resolve, reject) => {
        socket.once('data', resolve);
        socket.once('close', () => reject(new Error('the connection closed before the echo')));
      });
      await within('the echo of ping', WAIT_MS, echoed, () =>
        JSON.stringify({ client: c.health(), sessions: c.sessionMetrics().length, server: server.health() }),
      );
      // several keep-alive timeouts pass: the server's keep-alives keep the client healthy
      await new Promise((r) => setTimeout(r, 3 * smux.keepAliveTimeout));
      assert.deepEqual(c.health(), { ok: true });
      assert.equal(c.sessionMetrics().length, 1);
      assert.deepEqual(server.health(), { ok: true });
      assert.equal(server.sessionMetrics()[0].streams, 1);
    } finally {
      socket.destroy();
      c.close();
      server.close();
      target.close();
    }
    assert.deepEqual(server.health(), { ok: false, reason: 'the server is closed' });
  });
});
