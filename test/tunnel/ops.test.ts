import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { type ClientOptions, TunnelClient } from '../../src/tunnel/client.js';
import { type ServerOptions, TunnelServer } from '../../src/tunnel/server.js';
import { until } from '../support/deadline.js';
import { ephemeralLow, freeTcpPort } from '../support/ports.js';
import { goKcptunAvailable, TunnelProcess } from '../support/procs.js';
import { clientExchange, exchange, heldExchange, sha256, TransferTarget } from '../support/transfer.js';

const session: SessionOptions = {
  crypt: createPacketCrypt('aes', deriveKey('ops test')).crypt,
  dataShards: 10,
  parityShards: 3,
  mtu: 1350,
  sndWnd: 512,
  rcvWnd: 512,
  nodelay: 1,
  interval: 10,
  resend: 2,
  nc: 1,
  ackNoDelay: false,
};
const smux = { ...defaultSmuxConfig(), version: 2 as const };

function serverOptions(over: Partial<ServerOptions>, log: (m: string) => void): ServerOptions {
  return {
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: 1 },
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux,
    session: { ...session, sockbuf: 1 << 20, maxSessions: 64 },
    log,
    ...over,
  };
}

function clientOptions(over: Partial<ClientOptions>, log: (m: string) => void): ClientOptions {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: 1, maxPort: 1 },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux,
    session: { ...session, sockbuf: 1 << 20 },
    log,
    ...over,
  };
}

/** `count` consecutive free UDP ports on 127.0.0.1 (retrying from random bases). */
async function freeUdpRange(count: number): Promise<number> {
  for (;;) {
    // below the ephemeral range, where no socket bound without a port takes one before the server binds it
    const base = 10_000 + Math.floor(Math.random() * (ephemeralLow() - count - 10_000));
    const sockets: dgram.Socket[] = [];
    let ok = true;
    for (let p = base; p < base + count && ok; p++) {
      const s = dgram.createSocket('udp4');
      ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(p, '127.0.0.1', () => resolve(true));
      });
      sockets.push(s);
    }
    await Promise.all(
      sockets.map((s) => new Promise<void>((r) => s.close(() => r()))).map((p) => p.catch(() => {})),
    );
    if (ok) return base;
  }
}

const BULK_BYTES = 8 << 20;
/** Small enough that the request's session stays idle: the stream counts decide. */
const REQUEST_BYTES = 1024;

describe('kcptun operational options', () => {
  test('-conn 3 spreads streams round robin over three sessions', { timeout: 30_000 }, async () => {
    const target = await TransferTarget.start(64 << 10);
    const serverLog: string[] = [];
    const server = new TunnelServer(
      serverOptions({ target: { host: '127.0.0.1', port: target.port } }, (m) => serverLog.push(m)),
    );
    const [port] = await server.start();
    const client = new TunnelClient(
      clientOptions({ conn: 3, remote: { host: '127.0.0.1', minPort: port, maxPort: port } }, () => {}),
    );
    const { port: local } = (await client.start()) as net.AddressInfo;
    try {
      const results = await Promise.all(Array.from({ length: 9 }, () => clientExchange(local, 64 << 10)));
      await target.whenReceived(9);
      assert.deepEqual(target.received.slice().sort(), results.map((r) => r[0]).sort());
      assert.equal(serverLog.filter((l) => l.startsWith('smux version')).length, 3);
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  });

  for (const bulkFirst of [true, false]) {
    test(`least-loaded placement: a bulk stream and a request stream get a session each (${bulkFirst ? 'bulk' : 'request'} first, a stream between)`, {
      timeout: 60_000,
    }, async () => {
      const target = await TransferTarget.start(0);
      const server = new TunnelServer(
        serverOptions({ target: { host: '127.0.0.1', port: target.port } }, () => {}),
      );
      const [port] = await server.start();
      const client = new TunnelClient(
        clientOptions(
          { conn: 2, placement: 'least-loaded', remote: { host: '127.0.0.1', minPort: port, maxPort: port } },
          () => {},
        ),
      );
      const { port: local } = (await client.start()) as net.AddressInfo;
      try {
        const sizes = bulkFirst ? [BULK_BYTES, REQUEST_BYTES] : [REQUEST_BYTES, BULK_BYTES];
        const first = await heldExchange(local, target, sizes[0]);
        // a stream between them, done before the second opens: round robin would put the second with the first
        target.bytesPerConn = REQUEST_BYTES;
        const between = await clientExchange(local, REQUEST_BYTES);
        await until(() => client.sessionMetrics().reduce((n, m) => n + m.streams, 0) === 1);
        const second = await heldExchange(local, target, sizes[1]);
        assert.deepEqual(
          client.sessionMetrics().map((m) => m.streams),
          [1, 1],
          'one stream on each of the two sessions',
        );
        first.go();
        second.go();
        const got = await Promise.all([first.received, second.received]);
        await target.whenReceived(3);
        assert.deepEqual(target.received.slice().sort(), [first.sent, between[0], second.sent].sort());
        assert.deepEqual(target.sentHashes.slice().sort(), [...got, between[1]].sort());
      } finally {
        client.close();
        server.close();
        await target.close();
      }
    });
  }

  test('-autoexpire with least-loaded placement: a new stream retires every expired session, picked or not', {
    timeout: 60_000,
  }, async () => {
    const target = await TransferTarget.start(0);
    const serverLog: string[] = [];
    const clientLog: string[] = [];
    const server = new TunnelServer(
      serverOptions({ target: { host: '127.0.0.1', port: target.port } }, (m) => serverLog.push(m)),
    );
    const [port] = await server.start();
    const client = new TunnelClient(
      clientOptions(
        {
          conn: 2,
          placement: 'least-loaded',
          autoExpireSeconds: 1,
          scavengeTtlSeconds: 60,
          remote: { host: '127.0.0.1', minPort: port, maxPort: port },
        },
        (m) => clientLog.push(m),
      ),
    );
    const { port: local } = (await client.start()) as net.AddressInfo;
    try {
      const bulk = await heldExchange(local, target, BULK_BYTES);
      const request = await heldExchange(local, target, REQUEST_BYTES);
      await new Promise((r) => setTimeout(r, 1300)); // both sessions expire
      target.bytesPerConn = REQUEST_BYTES;
      const fresh = await clientExchange(local, REQUEST_BYTES); // on a new session
      assert.equal(serverLog.filter((l) => l.startsWith('smux version')).length, 3);
      bulk.go();
      request.go();
      await Promise.all([bulk.received, request.received]);
      await target.whenReceived(3);
      assert.deepEqual(target.received.slice().sort(), [bulk.sent, request.sent, fresh[0]].sort());
      // both old sessions were retired, so the scavenger closes both once their streams are done
      await until(() => clientLog.filter((l) => l.startsWith('scavenger:')).length === 2);
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  });

  test('-autoexpire: an expired session takes no new streams, keeps its old one, then is scavenged', {
    timeout: 30_000,
  }, async () => {
    const target = await TransferTarget.start(256 << 10);
    const serverLog: string[] = [];
    const clientLog: string[] = [];
    const server = new TunnelServer(
      serverOptions({ target: { host: '127.0.0.1', port: target.port } }, (m) => serverLog.push(m)),
    );
    const [port] = await server.start();
    const client = new TunnelClient(
      clientOptions(
        {
          autoExpireSeconds: 1,
          scavengeTtlSeconds: 60,
          remote: { host: '127.0.0.1', minPort: port, maxPort: port },
        },
        (m) => clientLog.push(m),
      ),
    );
    const { port: local } = (await client.start()) as net.AddressInfo;
    try {
      // A long-lived stream on the first session: it sends half now, half after the expiry.
      const old = net.connect(local, '127.0.0.1');
      await new Promise((r) => old.once('connect', r));
      const data = Buffer.alloc(256 << 10, 7);
      const received: Buffer[] = [];
      old.on('data', (d: Buffer) => received.push(d));
      old.write(data.subarray(0, 128 << 10));
      await new Promise((r) => setTimeout(r, 1300));
      const fresh = await clientExchange(local, 256 << 10); // lands on a new session
      assert.equal(serverLog.filter((l) => l.startsWith('smux version')).length, 2);
      old.write(data.subarray(128 << 10));
      await until(() => received.reduce((n, b) => n + b.length, 0) === 256 << 10);
      old.end();
      await target.whenReceived(2);
      assert.ok(target.received.includes(sha256(data)), 'the stream on the expired session broke');
      assert.ok(target.received.includes(fresh[0]));
      await until(() => clientLog.some((l) => l.startsWith('scavenger:')));
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  });

  test('multiport: the server listens on a range, client sessions land on several ports', {
    timeout: 30_000,
  }, async () => {
    const target = await TransferTarget.start(32 << 10);
    const base = await freeUdpRange(5);
    const serverLog: string[] = [];
    const server = new TunnelServer(
      serverOptions(
        {
          listen: { host: '127.0.0.1', minPort: base, maxPort: base + 4 },
          target: { host: '127.0.0.1', port: target.port },
        },
        (m) => serverLog.push(m),
      ),
    );
    assert.deepEqual(await server.start(), [base, base + 1, base + 2, base + 3, base + 4]);
    const client = new TunnelClient(
      clientOptions({ conn: 12, remote: { host: '127.0.0.1', minPort: base, maxPort: base + 4 } }, () => {}),
    );
    const { port: local } = (await client.start()) as net.AddressInfo;
    try {
      await Promise.all(Array.from({ length: 12 }, () => clientExchange(local, 32 << 10)));
      await target.whenReceived(12);
      const ports = new Set(
        serverLog
          .filter((l) => l.startsWith('smux version'))
          .map((l) => /127\.0\.0\.1:(\d+) ->/.exec(l)?.[1]),
      );
      assert.ok(ports.size >= 2, `12 sessions all landed on ${[...ports].join(',')}`);
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  });

  test('unix sockets: the client listens on one, the server targets one', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kcptun-ts-'));
    const targetPath = path.join(dir, 'target.sock');
    const listenPath = path.join(dir, 'client.sock');
    const got: string[] = [];
    const targetServer = net.createServer({ allowHalfOpen: true }, (s) => {
      exchange(s, Buffer.alloc(100_000, 1), 100_000).then((h) => got.push(h));
    });
    await new Promise<void>((r) => targetServer.listen(targetPath, r));
    const server = new TunnelServer(serverOptions({ target: { path: targetPath } }, () => {}));
    const [port] = await server.start();
    const client = new TunnelClient(
      clientOptions(
        { listen: { path: listenPath }, remote: { host: '127.0.0.1', minPort: port, maxPort: port } },
        () => {},
      ),
    );
    await client.start();
    try {
      const socket = net.connect({ path: listenPath, allowHalfOpen: true });
      await new Promise((r) => socket.once('connect', r));
      const data = Buffer.alloc(100_000, 2);
      const back = await exchange(socket, data, 100_000);
      assert.equal(back, sha256(Buffer.alloc(100_000, 1)));
      await until(() => got.length === 1);
      assert.equal(got[0], sha256(data));
    } finally {
      client.close();
      server.close();
      targetServer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('IPv6: server on [::1], client dialling it', { timeout: 30_000 }, async (t) => {
    const probe = dgram.createSocket('udp6');
    const hasV6 = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.bind(0, '::1', () => resolve(true));
    });
    probe.close();
    if (!hasV6) {
      t.skip('no IPv6 loopback here');
      return;
    }
    const target = await TransferTarget.start(100_000);
    const server = new TunnelServer(
      serverOptions(
        { listen: { host: '::1', minPort: 0, maxPort: 0 }, target: { host: '127.0.0.1', port: target.port } },
        () => {},
      ),
    );
    const [port] = await server.start();
    const client = new TunnelClient(
      clientOptions({ remote: { host: '::1', minPort: port, maxPort: port } }, () => {}),
    );
    const { port: local } = (await client.start()) as net.AddressInfo;
    try {
      const [sent] = await clientExchange(local, 100_000);
      await target.whenReceived(1);
      assert.equal(target.received[0], sent);
    } finally {
      client.close();
      server.close();
      await target.close();
    }
  });

  test('a one-port range against the Go server', {
    timeout: 60_000,
    skip: !goKcptunAvailable() && 'kcptun-server not installed',
  }, async () => {
    const target = await TransferTarget.start(1 << 20);
    const port = await freeUdpRange(1);
    const local = await freeTcpPort();
    const srv = TunnelProcess.start('go', 'server', [
      '-l',
      `127.0.0.1:${port}`,
      '-t',
      `127.0.0.1:${target.port}`,
      '-smuxver',
      '2',
    ]);
    const cli = TunnelProcess.start('ts', 'client', [
      '-l',
      `127.0.0.1:${local}`,
      '-r',
      `127.0.0.1:${port}-${port}`,
    ]);
    try {
      await srv.waitFor('listening on');
      await cli.waitFor('listening on');
      const [sent] = await clientExchange(local, 1 << 20);
      await target.whenReceived(1);
      assert.equal(target.received[0], sent);
    } finally {
      await cli.stop();
      await srv.stop();
      await target.close();
    }
  });
});
