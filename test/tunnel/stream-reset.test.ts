/**
 * What the applications at both ends see when a stream ends: a stream cut short (its session died mid-
 * transfer) resets the TCP connections at both ends, so that neither application takes a short stream for a
 * complete one; a stream that ends gracefully, or whose closeWait runs out, ends with a clean FIN
 * (docs/stream-reset-2026-12-07-reset38.md). The session dies the way a link does: a relay between client
 * and server stops forwarding, and both ends' smux keep-alive timeout (short here) closes their sessions.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { sessionOptions } from '../robustness/tunnel-pair.js';
import { randomBytes, sha256 } from '../smux/helpers.js';
import { WAIT_MS, within } from '../support/deadline.js';
import { UdpRelay } from '../support/udp-relay.js';

/**
 * Short keep-alives for the tunnels whose link is cut: a session whose link went silent is closed within 2 to
 * 4 s. Not shorter: a process stalled longer than the timeout (load 15 on this 2-core machine) runs the
 * keep-alive check before it reads the datagrams that came meanwhile, and a live session died so (a complete
 * download reset, once in 20 runs, with 600 ms). The graceful tunnels keep smux's defaults (30 s).
 */
const CUT_SMUX = {
  ...defaultSmuxConfig(),
  version: 2 as const,
  keepAliveInterval: 500,
  keepAliveTimeout: 2000,
};
const GRACEFUL_SMUX = { ...defaultSmuxConfig(), version: 2 as const };
/** What each side sends before the link is cut: the stream is mid-transfer, never ended. */
const FIRST_BYTES = 64 * 1024;
const DOWNLOAD_BYTES = 1 << 20;

/** A connection's reading end: every byte, and how it ended: 'end', or the error's code. */
interface Reading {
  bytes(): number;
  data(): Buffer;
  /** Resolves once `n` bytes in all were read. */
  untilBytes(n: number): Promise<void>;
  outcome: Promise<string>;
}

function reading(socket: net.Socket): Reading {
  const chunks: Buffer[] = [];
  let total = 0;
  let waiter: { n: number; resolve: () => void } | null = null;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    if (waiter !== null && total >= waiter.n) {
      waiter.resolve();
      waiter = null;
    }
  });
  const outcome = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  return {
    bytes: () => total,
    data: () => Buffer.concat(chunks),
    untilBytes: (n) =>
      total >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiter = { n, resolve };
          }),
    outcome,
  };
}

interface Tunnel {
  relay: UdpRelay;
  /** The client's listening port: where the application connects. */
  port: number;
  /** The target's side of the next connection the server dials. */
  nextTarget(): Promise<net.Socket>;
  close(): void;
}

async function tunnel(
  closeWait: { client: number; server: number },
  smux: typeof CUT_SMUX = CUT_SMUX,
): Promise<Tunnel> {
  const targets: net.Socket[] = [];
  let taken = 0;
  const target = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {}); // each test reads the outcome it expects
    targets.push(socket);
  });
  const nextTarget = async (): Promise<net.Socket> => {
    while (targets.length <= taken) await once(target, 'connection');
    return targets[taken++];
  };
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: (target.address() as net.AddressInfo).port },
    closeWaitSeconds: closeWait.server,
    quiet: true,
    noComp: false,
    smux,
    session: { ...sessionOptions(), sockbuf: 1 << 20, maxSessions: 16 },
    log: () => {},
  });
  const [udpPort] = await server.start();
  const relay = await UdpRelay.start(udpPort, { dropUp: 0, dropDown: 0 });
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: relay.port, maxPort: relay.port },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: closeWait.client,
    quiet: true,
    noComp: false,
    smux,
    session: { ...sessionOptions(), sockbuf: 1 << 20 },
    log: () => {},
  });
  const addr = (await client.start()) as net.AddressInfo;
  return {
    relay,
    port: addr.port,
    nextTarget,
    close: () => {
      client.close();
      server.close();
      relay.close();
      target.close();
      for (const t of targets) t.destroy();
    },
  };
}

/** An application's connection through the client. */
async function connect(port: number): Promise<net.Socket> {
  const app = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  app.on('error', () => {}); // each test reads the outcome it expects
  await once(app, 'connect');
  return app;
}

/** Stop the link both ways: both sessions die by their keep-alive timeout. */
function cutLink(relay: UdpRelay): void {
  relay.setLoss(1, 1);
}

describe('a stream cut short is reset at both ends; a complete one ends cleanly', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 0, server: 0 });
  });
  after(() => t.close());

  test('a download whose session dies mid-transfer: the application reads ECONNRESET, not a clean end', async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.write('request');
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    target.write(randomBytes(FIRST_BYTES)); // and nothing more: the download is not complete
    await within('the first bytes', WAIT_MS, read.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    assert.equal(await within('the application sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), FIRST_BYTES);
    // the server's session died too: its target is reset as well
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'ECONNRESET');
  });
});

describe('an upload cut short', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 0, server: 0 });
  });
  after(() => t.close());

  test("an upload whose session dies mid-transfer: the server's target reads ECONNRESET, not a clean end", async () => {
    const app = await connect(t.port);
    const appRead = reading(app);
    app.write(randomBytes(FIRST_BYTES)); // and nothing more: the upload is not complete
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const read = reading(target);
    await within('the first bytes', WAIT_MS, read.untilBytes(FIRST_BYTES));
    cutLink(t.relay);
    assert.equal(await within('the target sees the end', WAIT_MS, read.outcome), 'ECONNRESET');
    assert.equal(read.bytes(), FIRST_BYTES);
    assert.equal(await within('the application sees the end', WAIT_MS, appRead.outcome), 'ECONNRESET');
  });
});

describe('streams that end gracefully', { timeout: 60_000 }, () => {
  let t: Tunnel;
  before(async () => {
    t = await tunnel({ client: 1, server: 30 }, GRACEFUL_SMUX);
  });
  after(() => t.close());

  test('a complete download ends with a clean FIN after every byte, at both ends', async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.write('request');
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    const data = randomBytes(DOWNLOAD_BYTES);
    target.end(data);
    assert.equal(await within('the download', WAIT_MS, read.outcome), 'end');
    assert.equal(read.bytes(), DOWNLOAD_BYTES);
    assert.equal(sha256(read.data()), sha256(data));
    app.end();
    assert.equal(await within('the target sees the end', WAIT_MS, targetRead.outcome), 'end');
    assert.equal(targetRead.data().toString(), 'request');
  });

  test("closeWait running out is a clean close: the application's half-open connection gets a FIN", async () => {
    const app = await connect(t.port);
    const read = reading(app);
    app.end('request'); // half-closed; the target never answers: the client's closeWait (1 s) runs out
    const target = await within('the target connection', WAIT_MS, t.nextTarget());
    const targetRead = reading(target);
    assert.equal(await within('the target sees the request end', WAIT_MS, targetRead.outcome), 'end');
    assert.equal(await within('closeWait runs out', WAIT_MS, read.outcome), 'end');
    assert.equal(read.bytes(), 0);
  });
});
