import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freeTcpPort } from '../support/ports.js';
import { startUdpPair } from './udp-pair.js';

/**
 * DNS, the commonest UDP use, through the tunnel with real programs: `dig` asks dnsmasq (Debian
 * packages dnsutils and dnsmasq, installed by .ci/run) over UDP and over TCP on the same port.
 */
const run = promisify(execFile);
const available = (cmd: string, args: string[]): boolean => spawnSync(cmd, args).status === 0;
const skip =
  available('dig', ['-v']) && available('dnsmasq', ['--version'])
    ? false
    : 'dig or dnsmasq not installed (apt-get install dnsutils dnsmasq)';

/** dnsmasq on 127.0.0.1:port answering example.test with 1.2.3.4, and nothing else. */
async function startDnsmasq(port: number): Promise<ChildProcess> {
  const child = spawn(
    'dnsmasq',
    [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--no-hosts',
      '--no-resolv',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--address=/example.test/1.2.3.4',
      `--user=${userInfo().username}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  // ready once it answers directly
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
    const r = await dig(port, []).catch(() => '');
    if (r === '1.2.3.4') return child;
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`dnsmasq does not answer: ${log}`);
    }
  }
}

async function dig(port: number, extra: string[]): Promise<string> {
  const { stdout } = await run('dig', [
    '@127.0.0.1',
    '-p',
    String(port),
    'example.test',
    'A',
    '+short',
    '+tries=1',
    '+time=5',
    ...extra,
  ]);
  return stdout.trim();
}

describe('DNS through the tunnel', { skip }, () => {
  test('dig against dnsmasq, over UDP and TCP on the same port', { timeout: 60_000 }, async () => {
    const dnsPort = await freeTcpPort();
    const dnsmasq = await startDnsmasq(dnsPort);
    const pair = await startUdpPair({ targetPort: dnsPort, serverUdp: {} });
    try {
      for (let i = 0; i < 5; i++) assert.equal(await dig(pair.port, []), '1.2.3.4');
      assert.equal(await dig(pair.port, ['+tcp']), '1.2.3.4');
      // dig uses a new source port per query: five flows
      assert.equal(pair.clientStats.FlowsOpened, 5);
      assert.equal(pair.serverStats.DatagramsOut, 5);
      assert.equal(pair.clientStats.DatagramsOut, 5);
    } finally {
      pair.close();
      dnsmasq.kill();
    }
  });
});
