/**
 * A stream cut short against the Go kcptun (20210922): the link between client and server goes silent mid-
 * transfer (a relay stops forwarding) and both ends' sessions die by smux's keep-alive timeout (30 to 60 s).
 * The application on our side reads ECONNRESET, not a clean end after a short stream; what the application
 * on Go's side reads is reported (Go's kcptun closes its socket with a FIN: a clean end)
 * (docs/stream-reset-2026-12-07-reset38.md).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { randomBytes } from '../smux/helpers.js';
import { within } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';
import { UdpRelay } from '../support/udp-relay.js';

/** K21's smux default is v1, ours v2: a mixed pair names it. */
const COMMON = ['-key', 'reset', '-smuxver', '1'];
/** What is sent before the link goes silent: the stream is mid-transfer, never ended. */
const FIRST_BYTES = 64 * 1024;
/**
 * smux closes a session that heard nothing over a whole keep-alive timeout (30 s, both implementations),
 * checked every 30 s: 30 to 60 s after the link went silent; and some.
 */
const SESSION_DEATH_MS = 75_000;
const SETUP_MS = 15_000;

/** A connection's reading end: bytes read, and how it ended: 'end' or the error's code. */
function reading(socket: net.Socket): {
  bytes: () => number;
  first: Promise<void>;
  outcome: Promise<string>;
} {
  let total = 0;
  let reached: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    reached = resolve;
  });
  socket.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total >= FIRST_BYTES) reached();
  });
  const outcome = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  return { bytes: () => total, first, outcome };
}

/**
 * `client` ⇄ `server` through a relay; `direction`: which way the stream's first bytes go before the link
 * goes silent. Resolves with what the application behind each end read.
 */
async function cutMidTransfer(
  client: Impl,
  server: Impl,
  direction: 'download' | 'upload',
): Promise<{ app: string; target: string; logs: string }> {
  const targets: net.Socket[] = [];
  const targetServer = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {});
    targets.push(socket);
  });
  await new Promise<void>((resolve) => targetServer.listen(0, '127.0.0.1', resolve));
  const serverPort = await freeUdpPort();
  const localPort = await freeTcpPort();
  const relay = await UdpRelay.start(serverPort, { dropUp: 0, dropDown: 0 });
  const srv = TunnelProcess.start(server, 'server', [
    '-l',
    `127.0.0.1:${serverPort}`,
    '-t',
    `127.0.0.1:${(targetServer.address() as net.AddressInfo).port}`,
    ...COMMON,
  ]);
  const cli = TunnelProcess.start(client, 'client', [
    '-l',
    `127.0.0.1:${localPort}`,
    '-r',
    `127.0.0.1:${relay.port}`,
    ...COMMON,
  ]);
  const logs = (): string => `--- ${srv.label} ---\n${srv.log}\n--- ${cli.label} ---\n${cli.log}`;
  try {
    await srv.waitFor('listening on');
    await cli.waitFor('listening on');
    const app = net.connect({ port: localPort, host: '127.0.0.1', allowHalfOpen: true });
    app.on('error', () => {});
    await once(app, 'connect');
    const appRead = reading(app);
    app.write(direction === 'upload' ? randomBytes(FIRST_BYTES) : 'request');
    if (targets.length === 0)
      await within('the target connection', SETUP_MS, once(targetServer, 'connection'), logs);
    const target = targets[0];
    const targetRead = reading(target);
    if (direction === 'download') target.write(randomBytes(FIRST_BYTES));
    const receiver = direction === 'download' ? appRead : targetRead;
    await within('the first bytes', SETUP_MS, receiver.first, logs);
    relay.setLoss(1, 1);
    const [appOutcome, targetOutcome] = await within(
      'both ends see the stream end',
      SESSION_DEATH_MS,
      Promise.all([appRead.outcome, targetRead.outcome]),
      logs,
    );
    assert.equal(receiver.bytes(), FIRST_BYTES);
    return { app: appOutcome, target: targetOutcome, logs: logs() };
  } finally {
    await cli.stop();
    await srv.stop();
    relay.close();
    for (const t of targets) t.destroy();
    targetServer.close();
  }
}

describe('a stream cut short against Go kcptun 20210922', {
  skip: !goKcptunAvailable() && 'kcptun-client/kcptun-server not installed',
  concurrency: 2,
}, () => {
  test("go client → ts server, an upload cut short: our server's target reads ECONNRESET", {
    timeout: 150_000,
  }, async (t) => {
    const seen = await cutMidTransfer('go', 'ts', 'upload');
    t.diagnostic(`the application behind Go's client read: ${seen.app}`);
    assert.equal(seen.target, 'ECONNRESET', seen.logs);
  });

  test("ts client → go server, a download cut short: our client's application reads ECONNRESET", {
    timeout: 150_000,
  }, async (t) => {
    const seen = await cutMidTransfer('ts', 'go', 'download');
    t.diagnostic(`the target behind Go's server read: ${seen.target}`);
    assert.equal(seen.app, 'ECONNRESET', seen.logs);
  });
});
