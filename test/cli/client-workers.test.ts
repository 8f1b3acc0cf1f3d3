/**
 * kcptun-client -workers: the flag's limits and refusals, how -conn splits over the threads, and a client
 * of two worker threads carrying eight streams byte-exact, each thread's sessions carrying their share
 * (from -metrics' /status, the workers' reports), also from a unix socket -l.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseClientArgs } from '../../src/cli/args.js';
import { clientWorkersRefusal, connShare } from '../../src/cli/client-workers.js';
import type { ClientConfig } from '../../src/cli/options.js';
import { libc } from '../../src/transport/libc.js';
import { WAIT_MS, within } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { clientExchange, exchange, sha256, TransferTarget } from '../support/transfer.js';

function clientConfig(argv: string[]): ClientConfig {
  const result = parseClientArgs(argv, {});
  assert.equal(result.kind, 'run');
  return (result as { config: ClientConfig }).config;
}

const sys = libc();
const skip = process.platform === 'win32' ? 'Windows' : typeof sys === 'string' ? sys : false;

interface Status {
  sessions: { bytesSent: number; streams: number }[];
  health: { ok: boolean };
}

/** /status once the workers' reports show `count` sessions each having sent at least `bytes`. */
/**
 * /status once `count` sessions have sent `bytes` each. The workers report every second: asking every
 * STATUS_POLL_MS is enough, where asking on every turn of the loop kept the client busy with HTTP requests.
 */
async function statusWhen(url: string, count: number, bytes: number): Promise<Status> {
  let status: Status | undefined;
  const ready = async (): Promise<Status> => {
    for (;;) {
      status = (await (await fetch(`${url}/status`)).json()) as Status;
      const sent = status.sessions.filter((s) => s.bytesSent >= bytes);
      if (sent.length >= count) return status;
      await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
    }
  };
  return within(`${count} sessions in /status with ${bytes} bytes sent each`, WAIT_MS, ready(), () =>
    JSON.stringify(status?.sessions),
  );
}

const STATUS_POLL_MS = 100;

describe('kcptun-client -workers', () => {
  test('defaults to 1 and takes 1 to 64, from the command line or the JSON config', () => {
    assert.equal(clientConfig([]).workers, 1);
    assert.equal(clientConfig(['-workers', '2']).workers, 2);
    assert.throws(() => parseClientArgs(['-workers', '0'], {}), /-workers must be between 1 and 64, got 0/);
    assert.throws(() => parseClientArgs(['-workers', '65'], {}), /-workers must be between 1 and 64, got 65/);
  });

  test('is refused, in flag terms, for what one thread must do', () => {
    const refusal = (argv: string[]): string => clientWorkersRefusal(clientConfig(argv)) ?? '';
    assert.match(refusal(['-workers', '2', '-tcp']), /^-workers 2: not with -tcp/);
    assert.match(refusal(['-workers', '2', '-udp']), /^-workers 2: not with -udp/);
    assert.match(refusal(['-workers', '2', '-pprof']), /^-workers 2: not with -pprof/);
    assert.equal(
      clientWorkersRefusal(clientConfig(['-workers', '2'])),
      skip === false ? null : refusal(['-workers', '2']),
    );
  });

  test('-conn splits evenly over the workers, at least one session each', () => {
    const shares = (conn: number, workers: number): number[] =>
      Array.from({ length: workers }, (_, i) => connShare(conn, workers, i));
    assert.deepEqual(shares(8, 2), [4, 4]);
    assert.deepEqual(shares(5, 2), [3, 2]);
    assert.deepEqual(shares(2, 2), [1, 1]);
    assert.deepEqual(shares(1, 2), [1, 1]);
    assert.deepEqual(shares(7, 3), [3, 2, 2]);
  });

  test('a -udp client with -workers does not start: one line, exit status 1', async () => {
    const client = TunnelProcess.start('ts', 'client', ['-l', '127.0.0.1:0', '-workers', '2', '-udp']);
    const status = await new Promise<number | null>((resolve) => client.child.once('exit', resolve));
    assert.equal(status, 1);
    assert.match(client.log, /^-workers 2: not with -udp/m);
  });

  test('two workers carry eight streams byte-exact, connections handed in turn: every session its share', {
    skip,
    timeout: 90_000,
  }, async () => {
    const bytes = 200_000;
    const target = await TransferTarget.start(bytes);
    const port = await freeUdpPort();
    const local = await freeTcpPort();
    // -mode fast: round robin over a worker's sessions too, so each of the 4 sessions gets 2 of 8 streams
    const common = ['-key', 'workers', '-nocomp', '-quiet', '-mode', 'fast'];
    const server = TunnelProcess.start('ts', 'server', [
      '-l',
      `127.0.0.1:${port}`,
      '-t',
      `127.0.0.1:${target.port}`,
      ...common,
    ]);
    const client = TunnelProcess.start('ts', 'client', [
      '-l',
      `127.0.0.1:${local}`,
      '-r',
      `127.0.0.1:${port}`,
      '-conn',
      '4',
      '-workers',
      '2',
      '-metrics',
      '127.0.0.1:0',
      ...common,
    ]);
    try {
      await server.waitFor('listening on');
      await client.waitFor('metrics: serving');
      assert.match(client.log, /workers: 2 threads with 2 \+ 2 sessions/);
      const logs = TunnelProcess.logsOf(server, client);
      const exchanges = await within(
        'eight exchanges',
        40_000,
        Promise.all(Array.from({ length: 8 }, () => clientExchange(local, bytes))),
        logs,
      );
      await within('the target', WAIT_MS, target.whenReceived(8), logs);
      assert.deepEqual(exchanges.map(([sent]) => sent).sort(), target.received.slice().sort());
      assert.deepEqual(exchanges.map(([, got]) => got).sort(), target.sentHashes.slice().sort());

      // Four sessions, two in each thread; each carried two uploads: so both threads carried streams.
      const url = /metrics: serving (http:\/\/[^/]+)\//.exec(client.log)![1]!;
      const status = await statusWhen(url, 4, 2 * bytes);
      assert.equal(status.sessions.length, 4);
      assert.equal(status.health.ok, true);
    } finally {
      await Promise.all([client.stop(), server.stop()]);
      await target.close();
    }
  });

  test('a unix socket -l hands its connections over too', { skip, timeout: 60_000 }, async () => {
    const bytes = 50_000;
    const target = await TransferTarget.start(bytes);
    const port = await freeUdpPort();
    const dir = mkdtempSync(path.join(tmpdir(), 'client-workers-'));
    const socketPath = path.join(dir, 'client.sock');
    const common = ['-key', 'workers', '-quiet'];
    const server = TunnelProcess.start('ts', 'server', [
      '-l',
      `127.0.0.1:${port}`,
      '-t',
      `127.0.0.1:${target.port}`,
      ...common,
    ]);
    const client = TunnelProcess.start('ts', 'client', [
      '-l',
      socketPath,
      '-r',
      `127.0.0.1:${port}`,
      '-workers',
      '2',
      ...common,
    ]);
    try {
      await server.waitFor('listening on');
      await client.waitFor('listening on unix socket');
      const logs = TunnelProcess.logsOf(server, client);
      const results = await within(
        'two exchanges over the unix socket',
        WAIT_MS,
        Promise.all(
          Array.from({ length: 2 }, async () => {
            const socket = net.connect({ path: socketPath, allowHalfOpen: true });
            await new Promise((resolve) => socket.once('connect', resolve));
            const data = randomBytes(bytes);
            return [sha256(data), await exchange(socket, data, bytes)] as const;
          }),
        ),
        logs,
      );
      await within('the target', WAIT_MS, target.whenReceived(2), logs);
      assert.deepEqual(results.map(([sent]) => sent).sort(), target.received.slice().sort());
      assert.deepEqual(results.map(([, got]) => got).sort(), target.sentHashes.slice().sort());
    } finally {
      await Promise.all([client.stop(), server.stop()]);
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
