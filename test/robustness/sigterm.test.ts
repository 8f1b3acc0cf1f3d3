import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WAIT_MS, within } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';

const PROMPT_MS = 2000;
const COMMON = ['-key', 'robustness', '-smuxver', '2', '-quiet'];

/** An echo target that tracks its open connections. */
async function echoTarget(): Promise<{ port: number; open: Set<net.Socket>; close: () => void }> {
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, open, close: () => server.close() };
}

/** A connection through the client that keeps sending and reading its echo; `closed` resolves at close. */
async function busyConnection(port: number): Promise<{ echoed: () => number; closed: Promise<number> }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  let echoed = 0;
  socket.on('data', (d: Buffer) => {
    echoed += d.length;
  });
  const timer = setInterval(() => socket.write(Buffer.alloc(8192, 1)), 10);
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => {
      clearInterval(timer);
      resolve(Date.now());
    }),
  );
  const start = Date.now();
  while (echoed === 0) {
    if (Date.now() - start > 5000) throw new Error('no echo through the tunnel');
    await sleep(10);
  }
  return { echoed: () => echoed, closed };
}

async function startPair(
  targetPort: number,
  extra: string[] = [],
): Promise<{ server: TunnelProcess; client: TunnelProcess; port: number }> {
  const udp = await freeUdpPort();
  const port = await freeTcpPort();
  const server = TunnelProcess.start('ts', 'server', [
    '-l',
    `127.0.0.1:${udp}`,
    '-t',
    `127.0.0.1:${targetPort}`,
    ...COMMON,
    ...extra,
  ]);
  const client = TunnelProcess.start('ts', 'client', [
    '-l',
    `127.0.0.1:${port}`,
    '-r',
    `127.0.0.1:${udp}`,
    ...COMMON,
    ...extra,
  ]);
  await Promise.all([server.waitFor('listening on'), client.waitFor('listening on')]);
  return { server, client, port };
}

/** SIGTERM `proc` and resolve with the ms until it exited, and its exit code. */
async function terminate(proc: TunnelProcess): Promise<{ ms: number; code: number | null }> {
  const start = Date.now();
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
  proc.child.kill('SIGTERM');
  const code = await exited;
  return { ms: Date.now() - start, code };
}

test('SIGTERM: the server and the client exit promptly and close their connections', {
  timeout: 60_000,
}, async (t) => {
  const target = await echoTarget();
  const first = await startPair(target.port);
  const second = await startPair(target.port);
  try {
    // The server: its target-side connection must close with it.
    const viaFirst = await busyConnection(first.port);
    assert.equal(target.open.size, 1);
    const server = await terminate(first.server);
    assert.equal(server.code, 0);
    assert.ok(server.ms < PROMPT_MS, `server exited after ${server.ms} ms`);
    const start = Date.now();
    while (target.open.size > 0 && Date.now() - start < PROMPT_MS) await sleep(10);
    const targetClosedAfter = Date.now() - start;
    assert.equal(target.open.size, 0, 'the server closed its target connection');

    // The client: the application's connection to it must close with it.
    const viaSecond = await busyConnection(second.port);
    const sigtermAt = Date.now();
    const client = await terminate(second.client);
    assert.equal(client.code, 0);
    assert.ok(client.ms < PROMPT_MS, `client exited after ${client.ms} ms`);
    const closedAfter = (await viaSecond.closed) - sigtermAt;
    assert.ok(closedAfter < PROMPT_MS, `the application's connection closed ${closedAfter} ms after SIGTERM`);
    assert.ok(viaFirst.echoed() > 0 && viaSecond.echoed() > 0);
    t.diagnostic(
      `server exited ${server.ms} ms after SIGTERM, its target connection closed ${targetClosedAfter} ms after; ` +
        `client exited ${client.ms} ms after SIGTERM, the application's connection closed ${closedAfter} ms after`,
    );
  } finally {
    for (const p of [first.server, first.client, second.server, second.client]) await p.stop();
    target.close();
  }
});

/** How a connection's reading ends: 'end', or the error's code. */
function outcomeOf(socket: net.Socket): Promise<string> {
  return new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A connection through the client that has had its answer and is now idle, with its stream open. */
async function idleConnection(
  port: number,
): Promise<{ outcome: Promise<string>; data: Promise<void>; socket: net.Socket }> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  const outcome = outcomeOf(socket);
  socket.write('ping');
  const data = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return { outcome, data, socket };
}

// -workers: each thread's streams reset before the thread ends (a thread that exited at once closed them with a FIN)
for (const workers of [1, 2]) {
  test(`SIGTERM (-workers ${workers}): a stream still open is reset at the application and at the target, not ended cleanly`, {
    timeout: 60_000,
  }, async () => {
    // Idle when the signal comes: a Node reader with data still queued takes a reset for a clean end
    // (libuv reads a hang-up after a partial read as EOF), so nothing may be in flight here.
    const connected: net.Socket[] = [];
    const outcomes: Promise<string>[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      connected.push(socket);
      outcomes.push(outcomeOf(socket));
      socket.once('data', () => socket.write('pong'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const targetPort = (server.address() as net.AddressInfo).port;
    const extra = workers > 1 ? ['-workers', String(workers)] : [];
    const first = await startPair(targetPort, extra);
    const second = await startPair(targetPort, extra);
    try {
      const viaFirst = await idleConnection(first.port);
      await viaFirst.data;
      assert.equal((await terminate(first.server)).code, 0);
      assert.equal(await within('the target sees its end', WAIT_MS, outcomes[0]), 'ECONNRESET');

      const viaSecond = await idleConnection(second.port);
      await viaSecond.data;
      assert.equal((await terminate(second.client)).code, 0);
      assert.equal(await within('the application sees its end', WAIT_MS, viaSecond.outcome), 'ECONNRESET');
    } finally {
      for (const p of [first.server, first.client, second.server, second.client]) await p.stop();
      for (const s of connected) s.destroy();
      server.close();
    }
  });
}

// A connection no session carries yet is reset too (client.ts close): -mode fast dials a session when the
// first connection lands on it, and a server name that cannot resolve (.invalid, RFC 6761) has that dial
// fail and the connection wait, so that 're-connecting' says the connection was taken and is waiting.
for (const workers of [1, 2]) {
  test(`SIGTERM (-workers ${workers}): a connection still waiting for its session is reset, not ended cleanly`, {
    timeout: 60_000,
  }, async () => {
    const port = await freeTcpPort();
    const extra = workers > 1 ? ['-workers', String(workers)] : [];
    const client = TunnelProcess.start('ts', 'client', [
      '-l',
      `127.0.0.1:${port}`,
      '-r',
      'no-such-host.invalid:29900',
      '-mode',
      'fast',
      ...COMMON,
      ...extra,
    ]);
    try {
      await client.waitFor('listening on');
      const socket = net.connect({ port, host: '127.0.0.1' });
      const outcome = outcomeOf(socket);
      await client.waitFor('re-connecting');
      assert.equal((await terminate(client)).code, 0);
      assert.equal(
        await within('the application sees its end', WAIT_MS, outcome, TunnelProcess.logsOf(client)),
        'ECONNRESET',
      );
    } finally {
      await client.stop();
    }
  });
}
