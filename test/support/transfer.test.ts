/**
 * The tests' transfer helper bounds a stream that stops moving, saying where it stood, and leaves alone one
 * that is slow but moving (transfer.ts, STALL_MS): a hung stream fails its test with that line, inside the
 * test's own timeout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { exchange, STALL_MS, TransferTarget } from './transfer.js';

/** A server whose connections are handed to `serve`, and a client socket connected to it. */
async function pair(serve: (peer: net.Socket) => void): Promise<{ socket: net.Socket; close: () => void }> {
  const server = net.createServer({ allowHalfOpen: true }, serve);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  return {
    socket,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

test('an exchange that makes no progress fails after STALL_MS, with what it had read', {
  timeout: 10_000,
}, async (t) => {
  const { socket, close } = await pair((peer) => peer.on('error', () => {})); // reads, never answers
  try {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const result = exchange(socket, Buffer.alloc(100), 100);
    result.catch(() => {});
    await new Promise((r) => socket.write('', r)); // the 100 bytes have left for the kernel
    for (let ms = 0; ms <= STALL_MS + 1000; ms += 1000) t.mock.timers.tick(1000);
    await assert.rejects(
      result,
      /^Error: no progress for 15000 ms \(\d+ -> \d+\): read 0 of 100 bytes, all written$/,
    );
  } finally {
    close();
  }
});

test('a slow exchange that keeps moving is not cut short', { timeout: 10_000 }, async (t) => {
  let peer: net.Socket | undefined;
  const { socket, close } = await pair((p) => {
    peer = p;
  });
  try {
    t.mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const bytes = 40;
    const result = exchange(socket, Buffer.alloc(1), bytes);
    while (peer === undefined) await new Promise((r) => setImmediate(r));
    // one byte a second for longer than STALL_MS in all
    for (let i = 0; i < bytes; i++) {
      peer.write(Buffer.of(i));
      await once(socket, 'data');
      t.mock.timers.tick(1000);
    }
    assert.match(await result, /^[0-9a-f]{64}$/);
  } finally {
    close();
  }
});

test('waiting for the target names how many connections finished', { timeout: 10_000 }, async () => {
  const target = await TransferTarget.start(10);
  try {
    await assert.rejects(
      target.whenReceived(2, 50),
      /^Error: the target: 0 of 2 connections finished within 50 ms$/,
    );
  } finally {
    await target.close();
  }
});
