/**
 * pipeBoth's graceful close toward a real socket: after its FIN the socket stays open until its peer has
 * closed too (LINGER_MS at most), instead of becoming an orphan that still holds the stream's tail, which
 * the kernel resets (purging the tail) when a byte arrives for it or TCP memory runs short, and which a
 * Node reader then sees as a clean end after a short stream (docs/stream-truncation-2026-12-07-trunc37.md).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, mock, test } from 'node:test';
import type { SmuxStream } from '../../src/smux/index.js';
import { libc, SOL_SOCKET } from '../../src/transport/libc.js';
import { heldSockets } from '../../src/tunnel/delivery-hold.js';
import { LINGER_MS, pipeBoth } from '../../src/tunnel/pipe.js';
import { acceptStream, randomBytes, readAll, sessionPair, sha256, smuxConfig } from '../smux/helpers.js';
import { until } from '../support/deadline.js';

const SO_SNDBUF = 7;
const SO_RCVBUF = 8;
/** The application's receive buffer: small, so the stream's tail waits in the tunnel socket's send queue. */
const APP_RCVBUF = 4096;
/** The tunnel socket's send buffer: room for the whole download while the application does not read. */
const LOCAL_SNDBUF = 1 << 20;
const DOWNLOAD_BYTES = 256 * 1024;

interface Piped {
  /** The tunnel's socket (accepted), piped to `stream`. */
  local: net.Socket;
  /** The application's socket. */
  app: net.Socket;
  /** The far end of the smux stream: what it writes is the download. */
  far: SmuxStream;
  /** Set once pipeBoth has torn the pair down. */
  done: { called: boolean; err?: Error };
  close(): void;
}

/** A loopback connection whose accepted end is piped to a smux stream, as the client tunnel does. */
async function pipedConnection(
  beforePipe: (local: net.Socket, app: net.Socket) => void = () => {},
  closeWaitSeconds = 0,
): Promise<Piped> {
  const listener = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const app = net.connect({
    port: (listener.address() as net.AddressInfo).port,
    host: '127.0.0.1',
    allowHalfOpen: true,
  });
  const [local] = (await once(listener, 'connection')) as [net.Socket];
  await once(app, 'connect');
  beforePipe(local, app);
  const pair = sessionPair(smuxConfig(2));
  const far = pair.client.openStream();
  const stream = await acceptStream(pair.server);
  const done: Piped['done'] = { called: false };
  pipeBoth(local, stream, closeWaitSeconds, (err) => {
    done.called = true;
    done.err = err;
  });
  local.resume();
  return {
    local,
    app,
    far,
    done,
    close: () => {
      app.destroy();
      local.destroy();
      listener.close();
      pair.client.close();
      pair.server.close();
    },
  };
}

/** Everything `socket` reads, and how its reading ended: 'end' or the error's message. */
function collect(socket: net.Socket): { chunks: Buffer[]; outcome: Promise<string> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const outcome = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (err) => resolve(err.message));
  });
  return { chunks, outcome };
}

const sys = libc();

/** The kernel's line for a loopback TCP socket (/proc/net/tcp): its send queue and its inode, 0 for an orphan. */
function kernelSocket(localPort: number, remotePort: number): { sendQueue: number; inode: number } | null {
  const address = (port: number): string => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] !== address(localPort) || f[2] !== address(remotePort)) continue;
    return { sendQueue: Number.parseInt(f[4].split(':')[0], 16), inode: Number(f[9]) };
  }
  return null;
}

describe('pipeBoth: a socket closed after the stream ends', () => {
  test('the stream tail reaches an application that reads late and sends meanwhile (an orphan would reset)', {
    skip: typeof sys === 'string' ? sys : false,
  }, async () => {
    const sockets = sys as Exclude<typeof sys, string>;
    const fdOf = (s: net.Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
    const piped = await pipedConnection((local, app) => {
      app.pause();
      assert.equal(sockets.setsockopt(fdOf(app), SOL_SOCKET, SO_RCVBUF, [APP_RCVBUF], 4), 0);
      assert.equal(sockets.setsockopt(fdOf(local), SOL_SOCKET, SO_SNDBUF, [LOCAL_SNDBUF], 4), 0);
    });
    try {
      const { local, app, far } = piped;
      const read = collect(app);
      const data = randomBytes(DOWNLOAD_BYTES);
      far.end(data);
      far.resume();
      // the whole download is in the kernel and the FIN queued behind it; the application has read none
      await once(local, 'finish');
      // a pipelined request: to a socket already closed (an orphan), this byte brings the reset
      await new Promise<void>((resolve, reject) => app.write('x', (err) => (err ? reject(err) : resolve())));
      app.resume();
      assert.equal(await read.outcome, 'end');
      const got = Buffer.concat(read.chunks);
      assert.equal(got.length, DOWNLOAD_BYTES);
      assert.equal(sha256(got), sha256(data));
    } finally {
      piped.close();
    }
  });

  test('an application that half-closed first and reads late: the socket holding the tail is no orphan until it is delivered', {
    skip: typeof sys === 'string' ? sys : false,
  }, async () => {
    const sockets = sys as Exclude<typeof sys, string>;
    const fdOf = (s: net.Socket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
    const piped = await pipedConnection((local, app) => {
      app.pause();
      assert.equal(sockets.setsockopt(fdOf(app), SOL_SOCKET, SO_RCVBUF, [APP_RCVBUF], 4), 0);
      assert.equal(sockets.setsockopt(fdOf(local), SOL_SOCKET, SO_SNDBUF, [LOCAL_SNDBUF], 4), 0);
    }, 30);
    try {
      const { local, app, far } = piped;
      const tunnelEnd = { port: local.localPort as number, peer: local.remotePort as number };
      const read = collect(app);
      // the request, then a half-close (nc -N, an HTTP/1.0 client); the response comes after it
      app.end('request');
      assert.equal((await readAll(far)).toString(), 'request');
      const data = randomBytes(DOWNLOAD_BYTES);
      far.end(data);
      // the whole response is in the kernel and the FIN behind it; Node would close the socket (both
      // directions ended) and leave an orphan; the application has read none of it
      await until(() => heldSockets() === 1, { what: 'the socket held after its FIN' });
      const held = kernelSocket(tunnelEnd.port, tunnelEnd.peer);
      assert.ok(held !== null && held.sendQueue > 0, `the tail is in the kernel: ${JSON.stringify(held)}`);
      assert.notEqual(
        held.inode,
        0,
        'an orphan holds the tail: the kernel resets it when TCP memory runs short',
      );
      app.resume();
      assert.equal(await read.outcome, 'end');
      const got = Buffer.concat(read.chunks);
      assert.equal(got.length, DOWNLOAD_BYTES);
      assert.equal(sha256(got), sha256(data));
      // delivered: the held socket is closed
      await until(() => heldSockets() === 0 && local.destroyed, { what: 'the delivered socket let go' });
    } finally {
      piped.close();
    }
  });

  test('the pair is torn down once the application has closed its side too, not at the FIN', async () => {
    const piped = await pipedConnection();
    try {
      const { local, app, far, done } = piped;
      const read = collect(app);
      far.end(Buffer.from('response'));
      far.resume();
      await once(local, 'finish');
      assert.equal(done.called, false, 'torn down at its own FIN, before the application closed');
      assert.equal(local.destroyed, false);
      assert.equal(await read.outcome, 'end');
      assert.equal(Buffer.concat(read.chunks).toString(), 'response');
      app.end();
      await once(local, 'close');
      assert.equal(done.called, true);
      assert.equal(done.err, undefined);
    } finally {
      piped.close();
    }
  });

  test('an application that never closes is let go LINGER_MS after the FIN', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const piped = await pipedConnection();
    try {
      const { local, app, far, done } = piped;
      const read = collect(app);
      far.end(Buffer.from('response'));
      far.resume();
      await once(local, 'finish');
      assert.equal(await read.outcome, 'end');
      mock.timers.tick(LINGER_MS - 1);
      assert.equal(done.called, false);
      mock.timers.tick(1);
      assert.equal(done.called, true);
      assert.equal(local.destroyed, true);
    } finally {
      mock.timers.reset();
      piped.close();
    }
  });
});
