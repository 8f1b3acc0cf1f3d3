/**
 * kcptun-server -workers: the flag's limits and refusals, and a server of two worker threads carrying
 * several sessions byte-exact, with the SNMP dump and -metrics showing the workers' sums.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { parseServerArgs } from '../../src/cli/args.js';
import type { ServerConfig } from '../../src/cli/options.js';
import { workersRefusal } from '../../src/cli/server-workers.js';
import { reusePortSupport } from '../../src/transport/reuse-port.js';
import { within } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

function serverConfig(argv: string[]): ServerConfig {
  const result = parseServerArgs(argv, {});
  assert.equal(result.kind, 'run');
  return (result as { config: ServerConfig }).config;
}

const support = reusePortSupport();

describe('-workers', () => {
  test('defaults to 1 and takes 1 to 64, from the command line or the JSON config', () => {
    assert.equal(serverConfig([]).workers, 1);
    assert.equal(serverConfig(['-workers', '4']).workers, 4);
    assert.throws(() => parseServerArgs(['-workers', '0'], {}), /-workers must be between 1 and 64, got 0/);
    assert.throws(() => parseServerArgs(['-workers', '65'], {}), /-workers must be between 1 and 64, got 65/);
  });

  test('is refused, in flag terms, where the workers could not share the port', () => {
    assert.match(workersRefusal(serverConfig(['-workers', '2', '-tcp'])) ?? '', /^-workers 2: not with -tcp/);
    assert.match(
      workersRefusal(serverConfig(['-workers', '2', '-pprof'])) ?? '',
      /^-workers 2: not with -pprof/,
    );
    assert.equal(
      workersRefusal(serverConfig(['-workers', '2'])),
      support === true ? null : `-workers 2: ${support}`,
    );
  });

  const skip = support === true ? false : support;

  test('two workers carry eight streams over four sessions byte-exact; SNMP and /status sum them', {
    skip,
    timeout: 90_000,
  }, async () => {
    const bytes = 300_000;
    const target = await TransferTarget.start(bytes);
    const port = await freeUdpPort();
    const local = await freeTcpPort();
    // not -quiet: a stream torn down by an error says which in its "stream closed" line
    const common = ['-key', 'workers', '-nocomp'];
    const server = TunnelProcess.start('ts', 'server', [
      '-l',
      `127.0.0.1:${port}`,
      '-t',
      `127.0.0.1:${target.port}`,
      '-workers',
      '2',
      '-metrics',
      '127.0.0.1:0',
      ...common,
    ]);
    const client = TunnelProcess.start('ts', 'client', [
      '-l',
      `127.0.0.1:${local}`,
      '-r',
      `127.0.0.1:${port}`,
      '-conn',
      '4',
      ...common,
    ]);
    // Each wait ends well inside the test's timeout, with both logs, rather than at it with nothing.
    const logs = TunnelProcess.logsOf(server, client);
    try {
      await server.waitFor('metrics: serving', 30_000);
      assert.match(server.log, /workers: 2 threads/);
      await client.waitFor('listening on', 30_000);
      const exchanges = await within(
        'eight exchanges',
        40_000,
        Promise.all(Array.from({ length: 8 }, () => clientExchange(local, bytes))),
        logs,
      );
      await within('the target', 5_000, target.whenReceived(8), logs);
      assert.deepEqual(exchanges.map(([sent]) => sent).sort(), target.received.slice().sort());
      assert.deepEqual(exchanges.map(([, got]) => got).sort(), target.sentHashes.slice().sort());

      // The workers report every second: ask until the sums include all four sessions.
      const metricsUrl = /metrics: serving (http:\/\/[^/]+)\//.exec(server.log)![1];
      let asking = true;
      const sums = async (): Promise<void> => {
        while (asking) {
          const dumps = server.log.split('KCP SNMP:').length;
          server.child.kill('SIGUSR1');
          while (asking && server.log.split('KCP SNMP:').length === dumps) await pause(10);
          const last = server.log.slice(server.log.lastIndexOf('KCP SNMP:'));
          if (last.includes('PassiveOpens:4 ') && last.includes('CurrEstab:4 ')) return;
          await pause(100);
        }
      };
      await within('SNMP sums of four sessions', 15_000, sums(), logs).finally(() => {
        asking = false;
      });
      const status = (await (await fetch(`${metricsUrl}/status`)).json()) as {
        sessionsTotal: number;
        health: { ok: boolean };
        sessions: { ageSeconds: number }[];
      };
      assert.equal(status.sessionsTotal, 4);
      assert.equal(status.health.ok, true);
      // Worker clocks moved onto the main thread's: ages are those of sessions opened in this test.
      for (const s of status.sessions) assert.ok(s.ageSeconds >= 0 && s.ageSeconds < 90, `${s.ageSeconds}`);
      // SIGTERM: the workers close and end on the main thread's word, and the process exits 0 (terminated
      // from outside in a koffi call, a worker made koffi abort the process: 1 stop in 8 under traffic)
      await server.stop();
      assert.equal(server.child.exitCode, 0, server.log.slice(-2000));
    } finally {
      await Promise.all([client.stop(), server.stop()]);
      await target.close();
    }
  });

  test('a worker that cannot bind fails the start-up with the reason, exit status 1', {
    skip,
    timeout: 30_000,
  }, async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve));
    const server = TunnelProcess.start('ts', 'server', [
      '-l',
      `127.0.0.1:${holder.address().port}`,
      '-workers',
      '2',
    ]);
    try {
      const status = await new Promise<number | null>((resolve) => server.child.once('exit', resolve));
      assert.equal(status, 1);
      assert.match(server.log, /EADDRINUSE/);
    } finally {
      holder.close();
    }
  });
});

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
