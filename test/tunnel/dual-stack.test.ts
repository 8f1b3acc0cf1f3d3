/**
 * `-l :PORT` listens on both families, as Go does: an ours client dialling `[::1]:PORT` and one dialling
 * `127.0.0.1:PORT` both reach an ours server started with `-l :PORT`, over the batched I/O and over dgram;
 * the logs name the listener `[::]:PORT` and IPv4 peers as plain IPv4 addresses.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

async function hasIpv6(): Promise<boolean> {
  const probe = dgram.createSocket('udp6');
  const ok = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.bind(0, '::1', () => resolve(true));
  });
  probe.close();
  return ok;
}

const ioPaths: { name: string; env: NodeJS.ProcessEnv }[] = [
  { name: 'default I/O', env: {} },
  { name: 'KCPTUN_NO_MMSG=1', env: { KCPTUN_NO_MMSG: '1' } },
];

describe('-l :PORT is dual-stack', () => {
  for (const io of ioPaths) {
    test(`IPv6 and IPv4 clients through one server (${io.name})`, { timeout: 60_000 }, async (t) => {
      if (!(await hasIpv6())) {
        t.skip('no IPv6 loopback here');
        return;
      }
      const bytes = 200_000;
      const target = await TransferTarget.start(bytes);
      const port = await freeUdpPort();
      const local6 = await freeTcpPort();
      const local4 = await freeTcpPort();
      const common = ['-key', 'dual', '-nocomp'];
      const server = TunnelProcess.start(
        'ts',
        'server',
        ['-l', `:${port}`, '-t', `127.0.0.1:${target.port}`, ...common],
        io.env,
      );
      const client6 = TunnelProcess.start(
        'ts',
        'client',
        ['-l', `:${local6}`, '-r', `[::1]:${port}`, ...common],
        io.env,
      );
      const client4 = TunnelProcess.start(
        'ts',
        'client',
        ['-l', `127.0.0.1:${local4}`, '-r', `127.0.0.1:${port}`, ...common],
        io.env,
      );
      try {
        await server.waitFor('listening on');
        await client6.waitFor(`listening on: [::]:${local6}`);
        await client4.waitFor('listening on');
        const [[sent6], [sent4]] = await Promise.all([
          clientExchange(local6, bytes),
          clientExchange(local4, bytes),
        ]);
        await server.waitFor(`on connection: [::]:${port} -> [::1]:`);
        await server.waitFor(`on connection: [::]:${port} -> 127.0.0.1:`);
        await target.whenReceived(2);
        assert.deepEqual(target.received.slice().sort(), [sent6, sent4].sort());
        // clientExchange connects over IPv4 to the client's dual-stack TCP listener.
        await client6.waitFor('stream opened in: 127.0.0.1:');
        for (const p of [server, client6, client4]) assert.ok(!p.log.includes('::ffff:'), p.log);
      } finally {
        await Promise.all([client6.stop(), client4.stop(), server.stop()]);
        await target.close();
      }
    });
  }
});
