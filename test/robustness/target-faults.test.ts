import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { freeTcpPort } from '../support/ports.js';
import { startClient, startServer } from './tunnel-pair.js';

/** How a connection to the misbehaving target is treated. */
type Behaviour = 'echo' | 'reset-at-once' | 'reset-after-64k';

/** A target whose behaviour is set per connection: echo, reset on accept, or reset after reading 64 KiB. */
async function faultyTarget(): Promise<{ port: number; set: (b: Behaviour) => void; close: () => void }> {
  let behaviour: Behaviour = 'echo';
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    if (behaviour === 'reset-at-once') {
      socket.resetAndDestroy();
      return;
    }
    if (behaviour === 'echo') {
      socket.pipe(socket);
      return;
    }
    let read = 0;
    socket.on('data', (d: Buffer) => {
      read += d.length;
      socket.write(d);
      if (read >= 64 << 10) socket.resetAndDestroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    set: (b) => {
      behaviour = b;
    },
    close: () => server.close(),
  };
}

/**
 * Echo `bytes` through the tunnel: 'ok' if all came back intact; 'closed' if the connection ended early
 * with what came back so far a true prefix of what was sent; 'corrupted' if any byte that came back differs
 * (or more came back than was sent). With the time that took.
 */
async function tryEcho(
  port: number,
  bytes: number,
): Promise<{ result: 'ok' | 'closed' | 'corrupted'; ms: number }> {
  const start = Date.now();
  const socket = net.connect({ port, host: '127.0.0.1' });
  const data = randomBytes(bytes);
  let got = 0;
  let intact = true;
  socket.on('data', (chunk: Buffer) => {
    if (got + chunk.length > bytes || !chunk.equals(data.subarray(got, got + chunk.length))) intact = false;
    got += chunk.length;
    if (got >= bytes) socket.end();
  });
  socket.on('error', () => {});
  socket.write(data);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    socket.destroy();
  }, 20_000);
  await new Promise((resolve) => socket.once('close', resolve));
  clearTimeout(timer);
  if (timedOut) throw new Error(`echo through port ${port} stalled after ${got} of ${bytes} bytes`);
  const result = !intact ? 'corrupted' : got === bytes ? 'ok' : 'closed';
  return { result, ms: Date.now() - start };
}

const PROMPT_MS = 3000;

test('a target that refuses or resets: each such connection is closed promptly, the session lives on', {
  timeout: 60_000,
}, async () => {
  const target = await faultyTarget();
  const refusing = await freeTcpPort();
  const { server, port: udpPort, logs: serverLogs } = await startServer({ targetPort: target.port });
  const { client, port, logs } = await startClient(udpPort);
  // A second server whose target port has nobody listening.
  const refused = await startServer({ targetPort: refusing });
  const refusedClient = await startClient(refused.port);
  try {
    assert.equal((await tryEcho(port, 100 << 10)).result, 'ok');

    for (const behaviour of ['reset-at-once', 'reset-after-64k'] as const) {
      target.set(behaviour);
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => tryEcho(port, 1 << 20)));
      for (const o of outcomes) {
        assert.equal(o.result, 'closed', behaviour);
        assert.ok(o.ms < PROMPT_MS, `${behaviour}: closed after ${o.ms} ms`);
      }
    }
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => tryEcho(refusedClient.port, 1000)));
    for (const o of outcomes) assert.ok(o.result === 'closed' && o.ms < PROMPT_MS, `refused: ${o.ms} ms`);
    assert.equal(
      refused.logs.filter((l) => l.includes('ECONNREFUSED')).length,
      1,
      'one line per cause per peer per minute',
    );

    target.set('echo');
    const after = await Promise.all(Array.from({ length: 5 }, () => tryEcho(port, 200 << 10)));
    assert.deepEqual(
      after.map((o) => o.result),
      ['ok', 'ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(logs.filter((l) => l.startsWith('smux version')).length, 1, 'the same session throughout');
    assert.equal(serverLogs.filter((l) => l.includes('on connection')).length, 1);
  } finally {
    client.close();
    server.close();
    refusedClient.client.close();
    refused.server.close();
    target.close();
  }
});
