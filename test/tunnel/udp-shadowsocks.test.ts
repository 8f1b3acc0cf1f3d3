import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { describe, test } from 'node:test';
import { SIP003_BIND_HINT } from '../../src/cli/sip003.js';
import { available, dig, dnsSkip, startDnsmasq } from '../support/dns.js';
import { spawnOwned } from '../support/owned.js';
import { freeTcpPort } from '../support/ports.js';
import { TunnelProcess } from '../support/procs.js';
import { startUdpPair } from './udp-pair.js';

/**
 * shadowsocks' UDP relay through kcptun-ts. As a SIP003 plugin it cannot be carried (shadowsocks sends
 * UDP straight to the server port), so -udp is refused there; run beside shadowsocks instead, it is:
 * ss-tunnel (shadowsocks-libev, with -u) → kcptun-client -udp → kcptun-server -udp → ss-server -u.
 */
const ssSkip =
  dnsSkip ||
  (available('ss-server', ['-h']) && available('ss-tunnel', ['-h'])
    ? false
    : 'shadowsocks-libev not installed (apt-get install shadowsocks-libev)');

const SS = ['-k', 'udp test', '-m', 'aes-256-gcm', '-u'];

function start(cmd: string, args: string[]): ChildProcess {
  const child = spawnOwned(cmd, args, { stdio: 'ignore' });
  child.on('error', () => {});
  return child;
}

describe('shadowsocks UDP relay', () => {
  test('through kcptun-ts -udp beside shadowsocks: DNS over ss-tunnel, UDP and TCP', {
    skip: ssSkip,
    timeout: 60_000,
  }, async () => {
    const dnsPort = await freeTcpPort();
    const ssPort = await freeTcpPort();
    const tunnelPort = await freeTcpPort();
    const dnsmasq = await startDnsmasq(dnsPort);
    const ssServer = start('ss-server', [...SS, '-s', '127.0.0.1', '-p', String(ssPort)]);
    // the children must go whatever fails: alive, they keep this file's process from exiting
    const pair = await startUdpPair({ targetPort: ssPort, serverUdp: {} }).catch((err: unknown) => {
      ssServer.kill();
      dnsmasq.kill();
      throw err;
    });
    const ssTunnel = start('ss-tunnel', [
      ...SS,
      '-s',
      '127.0.0.1',
      '-p',
      String(pair.port),
      '-l',
      String(tunnelPort),
      '-L',
      `127.0.0.1:${dnsPort}`,
    ]);
    try {
      const deadline = Date.now() + 20_000;
      let answer = '';
      while (answer !== '1.2.3.4' && Date.now() < deadline)
        answer = await dig(tunnelPort, []).catch(() => '');
      assert.equal(answer, '1.2.3.4');
      assert.equal(await dig(tunnelPort, ['+tcp']), '1.2.3.4');
      assert.ok(pair.serverStats.DatagramsOut >= 1, 'the query crossed the tunnel as UDP');
      assert.ok(pair.clientStats.DatagramsOut >= 1, 'and so did the answer');
    } finally {
      ssTunnel.kill();
      pair.close();
      ssServer.kill();
      dnsmasq.kill();
    }
  });

  test('plugin mode: a server port taken (ss-server -u) fails with a hint', { timeout: 30_000 }, async () => {
    const taken = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', resolve));
    const env = {
      SS_REMOTE_HOST: '127.0.0.1',
      SS_REMOTE_PORT: String(taken.address().port),
      SS_LOCAL_HOST: '127.0.0.1',
      SS_LOCAL_PORT: String(await freeTcpPort()),
    };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    const server = TunnelProcess.start('ts', 'server', []);
    Object.assign(process.env, saved);
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    try {
      if (server.child.exitCode === null) {
        await new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
      }
      assert.ok(server.log.includes('EADDRINUSE'), server.log);
      assert.ok(server.log.includes(SIP003_BIND_HINT), server.log);
    } finally {
      taken.close();
    }
  });
});
