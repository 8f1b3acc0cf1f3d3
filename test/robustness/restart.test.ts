import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { test } from 'node:test';
import { startEchoTarget } from '../../bench/fuzz/tunnel-under-test.js';
import { freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { exchange, sha256 } from '../support/transfer.js';
import { startClient } from './tunnel-pair.js';

/** The client's smux keepalive: kcptun fixes the timeout at 30 s; a short one keeps the test short. */
const KEEPALIVE_INTERVAL_MS = 500;
const KEEPALIVE_TIMEOUT_MS = 2000;

function startServer(port: number, targetPort: number): TunnelProcess {
  // The settings of tunnel-pair's client: aes, fast2 (nodelay 1, interval 20, resend 2, nc 1), smux v2.
  return TunnelProcess.start('ts', 'server', [
    '-l',
    `127.0.0.1:${port}`,
    '-t',
    `127.0.0.1:${targetPort}`,
    '-key',
    'robustness',
    '-mode',
    'fast2',
    '-smuxver',
    '2',
    '-quiet',
  ]);
}

/** Connect and echo `bytes`; resolves true if they came back intact, false on any failure. */
async function attempt(port: number, bytes: number, timeoutMs: number): Promise<boolean> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  const data = randomBytes(bytes);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return (await exchange(socket, data, bytes, timeoutMs)) === sha256(data);
  } catch {
    socket.destroy();
    return false;
  }
}

/**
 * A transfer that is always in flight: 16 KiB every 10 ms, echoed back. Resolves when the connection closes,
 * with the bytes written and echoed; an echo that differs from what was written rejects.
 */
function trickle(port: number): {
  done: Promise<{ written: number; echoed: number }>;
  echoing: Promise<void>;
} {
  let echoingNow: () => void = () => {};
  const echoing = new Promise<void>((resolve) => {
    echoingNow = resolve;
  });
  const done = new Promise<{ written: number; echoed: number }>((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let unechoed = Buffer.alloc(0);
    let written = 0;
    let echoed = 0;
    const timer = setInterval(() => {
      const chunk = randomBytes(16 << 10);
      unechoed = Buffer.concat([unechoed, chunk]);
      written += chunk.length;
      socket.write(chunk);
    }, 10);
    socket.on('data', (d: Buffer) => {
      if (!unechoed.subarray(0, d.length).equals(d))
        reject(new Error('the echo differs from what was written'));
      unechoed = unechoed.subarray(d.length);
      echoed += d.length;
      echoingNow();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ written, echoed });
    });
  });
  return { done, echoing };
}

test('the server is killed and restarted mid-transfer: that connection is closed, new ones recover', {
  timeout: 60_000,
}, async (t) => {
  const target = await startEchoTarget();
  const udpPort = await freeUdpPort();
  let server = startServer(udpPort, target.port);
  await server.waitFor('listening on');
  const smux = { keepAliveInterval: KEEPALIVE_INTERVAL_MS, keepAliveTimeout: KEEPALIVE_TIMEOUT_MS };
  const { client, port, logs } = await startClient(udpPort, { smux });
  try {
    assert.ok(await attempt(port, 256 << 10, 10_000), 'the tunnel works before the kill');
    const inFlight = trickle(port);
    await inFlight.echoing; // the connection is carrying data when the server dies

    const killed = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await killed;
    const killedAt = Date.now();
    server = startServer(udpPort, target.port);
    await server.waitFor('listening on');

    const cut = await inFlight.done;
    const failedAfter = Date.now() - killedAt;
    assert.ok(cut.echoed > 0 && cut.echoed < cut.written, `echoed ${cut.echoed} of ${cut.written}`);
    let recoveredAfter = -1;
    while (recoveredAfter < 0 && Date.now() - killedAt < 20_000) {
      if (await attempt(port, 64 << 10, 3 * KEEPALIVE_TIMEOUT_MS)) recoveredAfter = Date.now() - killedAt;
    }
    t.diagnostic(
      `in-flight connection closed ${failedAfter} ms after the kill; new connections work ${recoveredAfter} ms after it`,
    );
    assert.ok(
      failedAfter <= 2 * KEEPALIVE_TIMEOUT_MS + 1000,
      `in-flight connection closed after ${failedAfter} ms`,
    );
    assert.ok(
      recoveredAfter >= 0 && recoveredAfter <= 2 * KEEPALIVE_TIMEOUT_MS + 2000,
      `recovered after ${recoveredAfter} ms`,
    );
    assert.ok(
      logs.some((l) => l.includes('keepalive timeout')),
      logs.join('\n'),
    );
    assert.equal(logs.filter((l) => l.startsWith('smux version')).length, 2, 'one redial, no restart');
  } finally {
    client.close();
    await server.stop();
    await target.close();
  }
});
