import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { startEchoTarget } from '../../bench/fuzz/tunnel-under-test.js';
import { exchange, sha256 } from '../support/transfer.js';
import { startClient, startServer } from './tunnel-pair.js';

const STREAMS = 1000;

async function echoOnce(port: number, bytes: number): Promise<boolean> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const data = randomBytes(bytes);
  return (await exchange(socket, data, bytes, 60_000)) === sha256(data);
}

test(`${STREAMS} concurrent streams through one session, each byte-exact`, { timeout: 90_000 }, async () => {
  const target = await startEchoTarget();
  const { server, port: udpPort, logs: serverLogs } = await startServer({ targetPort: target.port });
  const { client, port, logs } = await startClient(udpPort);
  try {
    const sizes = Array.from({ length: STREAMS }, (_, i) => 1 + ((i * 7919) % 8192));
    const results = await Promise.all(sizes.map((n) => echoOnce(port, n)));
    assert.equal(results.filter((ok) => ok).length, STREAMS);
    assert.equal(logs.filter((l) => l.startsWith('smux version')).length, 1, 'one session carried them all');
    assert.equal(serverLogs.filter((l) => l.includes('on connection')).length, 1);
  } finally {
    client.close();
    server.close();
    await target.close();
  }
});
