import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gsoSupport } from '../../src/transport/gso.js';
import { type Libc, libc } from '../../src/transport/libc.js';
import { mmsgSupported } from '../../src/transport/mmsg-io.js';
import { forward } from '../support/forward.js';
import { canCreateNetns, NetnsPair } from '../support/netns.js';
import { TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

/**
 * A kernel refusing GSO on one socket (gso.ts: a segment larger than the route's MTU gives EINVAL), which
 * loopback never does: the client in namespace a and the server in b, joined by a veth of MTU 1280, with
 * `-mtu 1400`, so every run of full-size datagrams is refused. Each end must fall back to sending datagram
 * by datagram (the kernel fragments the 1428-byte packets) and say so once, and the data must arrive
 * byte-exactly both ways.
 */
const LINK_MTU = 1280;
const KCP_MTU = 1400;
const BYTES = 4 * 1024 * 1024;
const TARGET_PORT = 7000;
const CLIENT_PORT = 8000;
const SERVER_PORT = 4000;
const REFUSAL_LOG = 'refused UDP GSO';

function skipReason(): string | false {
  if (!canCreateNetns()) return 'needs root for network namespaces';
  if (mmsgSupported() !== true) return `no batched I/O here: ${mmsgSupported()}`;
  for (const v of ['KCPTUN_NO_MMSG', 'KCPTUN_NO_GSO'])
    if (process.env[v] === '1') return `${v}=1 is set: no GSO to refuse`;
  const support = gsoSupport(libc() as Libc);
  return support.gso ? false : `the kernel has no UDP GSO: ${support.reason}`;
}

function occurrences(log: string, text: string): number {
  return log.split(text).length - 1;
}

const skip = skipReason();
if (skip) console.log(`# skipping the GSO refusal test: ${skip}`);

describe('a kernel refusing GSO on a socket (veth of MTU 1280, -mtu 1400)', { skip }, () => {
  let ns: NetnsPair;
  let dir: string;
  let target: TransferTarget;
  let targetSide: net.Server;
  let client: net.Server;

  before(async () => {
    ns = new NetnsPair('g');
    ns.exec(ns.a, ['ip', 'link', 'set', ns.vethA, 'mtu', String(LINK_MTU)]);
    ns.exec(ns.b, ['ip', 'link', 'set', ns.vethB, 'mtu', String(LINK_MTU)]);
    dir = mkdtempSync(path.join(tmpdir(), 'kcpt-gso-'));
    target = await TransferTarget.start(BYTES);
    const targetSock = path.join(dir, 'target.sock');
    const clientSock = path.join(dir, 'client.sock');
    targetSide = await forward({ path: targetSock }, { host: '127.0.0.1', port: target.port });
    await ns.forward(ns.b, `tcp:127.0.0.1:${TARGET_PORT}`, `unix:${targetSock}`);
    await ns.forward(ns.a, `unix:${clientSock}`, `tcp:127.0.0.1:${CLIENT_PORT}`);
    client = await forward({ host: '127.0.0.1', port: 0 }, { path: clientSock });
  });

  after(async () => {
    client?.close();
    targetSide?.close();
    await target?.close();
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('data arrives intact both ways; each end reports the refusal once', async () => {
    const mtu = ['-mtu', String(KCP_MTU)];
    const server = TunnelProcess.start(
      'ts',
      'server',
      ['-l', `${ns.ipB}:${SERVER_PORT}`, '-t', `127.0.0.1:${TARGET_PORT}`, ...mtu],
      {},
      { netns: ns.b },
    );
    const cli = TunnelProcess.start(
      'ts',
      'client',
      ['-l', `127.0.0.1:${CLIENT_PORT}`, '-r', `${ns.ipB}:${SERVER_PORT}`, ...mtu],
      {},
      { netns: ns.a },
    );
    try {
      await server.waitFor('listening on');
      await cli.waitFor('listening on');
      const [sent, got] = await clientExchange((client.address() as net.AddressInfo).port, BYTES);
      await target.whenReceived(1);
      assert.equal(target.received[0], sent, 'client → target bytes differ');
      assert.equal(got, target.sentHashes[0], 'target → client bytes differ');
      for (const p of [cli, server]) {
        assert.equal(occurrences(p.log, REFUSAL_LOG), 1, `${p.label} reports the refusal once`);
      }
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- ${server.label} ---\n${server.log}\n--- ${cli.label} ---\n${cli.log}`,
      );
    } finally {
      await cli.stop();
      await server.stop();
    }
  });
});
