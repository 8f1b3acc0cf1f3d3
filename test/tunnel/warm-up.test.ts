/**
 * -warmup (src/tunnel/warm-up.ts): a server's loopback tunnel of its own, run at start; it ends at its CPU
 * budget or at the first datagram from a client, and nothing of it is counted.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { snmp } from '../../src/metrics/snmp.js';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import { transportCounters } from '../../src/transport/counters.js';
import { dialSession } from '../../src/transport/dial.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { createMux } from '../../src/tunnel/mux.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';

const session: SessionOptions = {
  crypt: createPacketCrypt('aes', deriveKey('warm-up test')).crypt,
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
};
const smux = { ...defaultSmuxConfig(), version: 2 as const };

/** Every counter the process keeps (SNMP, transport), as plain numbers. */
function counters(): Record<string, number> {
  const all: Record<string, number> = {};
  for (const [name, value] of [...Object.entries(snmp), ...Object.entries(transportCounters)]) {
    if (typeof value === 'number') all[name] = value;
  }
  return all;
}

describe('TunnelServer.warmUp (-warmup)', () => {
  let target: net.Server;
  let targetPort = 0;
  let server: TunnelServer;
  let port = 0;

  before(async () => {
    target = net.createServer((socket) => {
      socket.on('error', () => {}); // reset as the tunnel closes
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as net.AddressInfo).port;
  });

  after(() => {
    server?.close();
    target.close();
  });

  async function startServer(): Promise<void> {
    server?.close();
    server = new TunnelServer({
      listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
      target: { host: '127.0.0.1', port: targetPort },
      closeWaitSeconds: 0,
      quiet: true,
      noComp: false,
      smux,
      session: { ...session, sockbuf: 1 << 20, maxSessions: 64 },
      log: () => {},
    });
    [port] = await server.start();
  }

  test('echoes through a tunnel of its own, then closes it and leaves every counter as it was', async () => {
    await startServer();
    const before = counters();
    // a budget of 1 ms: each of its connections echoes once
    const result = await server.warmUp(1);
    assert.ok(result !== null && result.echoes > 0, 'the warm-up echoed nothing');
    assert.equal(result.cutShort, false);
    assert.deepEqual(counters(), before);
  });

  test("a client's first datagram ends it; that client's session is the only one counted", {
    timeout: 60_000,
  }, async () => {
    await startServer();
    // the client is in this process: dialled before the warm-up, whose end puts the counters back as they
    // were at its start (a server program has nothing else counting meanwhile)
    const kcp = await dialSession('127.0.0.1', port, { ...session, sockbuf: 1 << 20 });
    const mux = createMux(kcp, 'client', { noComp: false, smux });
    const before = counters();
    // a budget it would take minutes to spend: only the client's first datagram ends it
    const ended = server.warmUp(60_000);
    try {
      const stream = mux.openStream();
      const sent = Buffer.alloc(64 * 1024, 'warm');
      const echoed = new Promise<Buffer>((resolve) => {
        const chunks: Buffer[] = [];
        let n = 0;
        stream.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          n += chunk.length;
          if (n >= sent.length) resolve(Buffer.concat(chunks));
        });
      });
      stream.write(sent);
      assert.equal((await ended)?.cutShort, true);
      assert.deepEqual(await echoed, sent);
      const now = counters();
      // the server's session of this test's client, the one accepted (the client's was open before)
      assert.equal(now.ActiveOpens, before.ActiveOpens);
      assert.equal(now.PassiveOpens - before.PassiveOpens, 1);
      assert.equal(now.CurrEstab - before.CurrEstab, 1);
      assert.equal(now.MaxConn, Math.max(before.MaxConn, before.CurrEstab + 1));
    } finally {
      mux.close();
    }
  });
});

test('kcptun-server -warmup: one line says what it did, and the SNMP counters show none of it', {
  skip: process.platform === 'win32',
  timeout: 60_000,
}, async () => {
  const port = await freeUdpPort();
  const server = TunnelProcess.start('ts', 'server', [
    '-l',
    `127.0.0.1:${port}`,
    '-t',
    '127.0.0.1:9',
    '-warmup',
    '50',
  ]);
  try {
    await server.waitFor('warm-up: ');
    assert.match(server.log, /warm-up: [1-9]\d* echoes through a loopback tunnel, \d+ ms of CPU\n/);
    server.child.kill('SIGUSR1');
    await server.waitFor('KCP SNMP');
    assert.match(
      server.log,
      /KCP SNMP:&\{BytesSent:0 BytesReceived:0 MaxConn:0 ActiveOpens:0 PassiveOpens:0 CurrEstab:0 InErrs:0 InCsumErrors:0 KCPInErrors:0 InPkts:0 OutPkts:0 /,
    );
  } finally {
    await server.stop();
  }
});
