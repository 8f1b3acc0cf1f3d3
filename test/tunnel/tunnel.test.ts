import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

const session = (crypt: string): SessionOptions => ({
  crypt: createPacketCrypt(crypt, deriveKey('tunnel test')).crypt,
  dataShards: 10,
  parityShards: 3,
  mtu: 1350,
  sndWnd: 1024,
  rcvWnd: 1024,
  nodelay: 1,
  interval: 20,
  resend: 2,
  nc: 1,
  ackNoDelay: false,
});

async function startPair(opts: {
  noComp: boolean;
  version: 1 | 2;
  conn: number;
  targetPort: number;
  closeWait: number;
}) {
  const logs: string[] = [];
  const log = (m: string): void => {
    logs.push(m);
  };
  const smux = { ...defaultSmuxConfig(), version: opts.version };
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: opts.targetPort },
    closeWaitSeconds: opts.closeWait,
    quiet: false,
    noComp: opts.noComp,
    smux,
    session: { ...session('aes'), sockbuf: 4 << 20, maxSessions: 1024 },
    log,
  });
  const [udpPort] = await server.start();
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: udpPort, maxPort: udpPort },
    conn: opts.conn,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: false,
    noComp: opts.noComp,
    smux,
    session: { ...session('aes'), sockbuf: 4 << 20 },
    log,
  });
  const addr = (await client.start()) as net.AddressInfo;
  return { server, client, port: addr.port, logs };
}

describe('tunnel client and server in one process', () => {
  for (const [noComp, version] of [
    [false, 2],
    [true, 1],
  ] as const) {
    test(`10 MB and 20 streams each way, nocomp=${noComp}, smux v${version}, conn 3`, {
      timeout: 120_000,
    }, async () => {
      const target = await TransferTarget.start(10 << 20);
      const pair = await startPair({ noComp, version, conn: 3, targetPort: target.port, closeWait: 30 });
      try {
        const [sent, got] = await clientExchange(pair.port, 10 << 20);
        // the client is done once it has read everything; its upload may still be in flight
        await target.whenReceived(1);
        target.bytesPerConn = 256 << 10;
        const many = await Promise.all(
          Array.from({ length: 20 }, () => clientExchange(pair.port, 256 << 10)),
        );
        await target.whenReceived(21);
        assert.equal(target.received[0], sent);
        assert.equal(got, target.sentHashes[0]);
        assert.deepEqual(target.received.slice(1).sort(), many.map((m) => m[0]).sort());
        assert.deepEqual(target.sentHashes.slice(1).sort(), many.map((m) => m[1]).sort());
        const sessions = pair.logs.filter((l) => l.startsWith('smux version')).length;
        assert.equal(sessions, 6, 'three client sessions, each seen by the server');
      } finally {
        pair.client.close();
        pair.server.close();
        await target.close();
      }
    });
  }

  test('a refused target closes that stream only', { timeout: 30_000 }, async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const pair = await startPair({
      noComp: false,
      version: 2,
      conn: 1,
      targetPort: closedPort,
      closeWait: 0,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const socket = net.connect(pair.port, '127.0.0.1');
        socket.on('error', () => {});
        await new Promise<void>((resolve) => socket.on('close', () => resolve()));
      }
      assert.ok(pair.logs.some((l) => l.includes('ECONNREFUSED')));
    } finally {
      pair.client.close();
      pair.server.close();
    }
  });
});
