import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';
import { UdpRelay } from '../support/udp-relay.js';

/**
 * Our binaries against the Debian Go kcptun (20210922) in every pairing, one setting at a time: one
 * stream of 10 MB each way, then 20 concurrent streams of 512 KB each way, sha256 checked at both ends.
 * K21's smux default is v1 and ours (the latest kcptun's) is v2, so mixed pairs always name -smuxver.
 */
const ONE_STREAM_BYTES = 10 * 1024 * 1024;
const MANY_STREAMS = 20;
const MANY_STREAM_BYTES = 512 * 1024;

interface Setting {
  name: string;
  args: string[];
  /** Datagram loss each way through a relay between client and server. */
  loss?: number;
  /** Bytes of the single-stream phase (default ONE_STREAM_BYTES). */
  bytes?: number;
  /** Skip the 20-stream phase. */
  oneStreamOnly?: boolean;
  /** Pairings to run (default all three). */
  pairs?: [Impl, Impl][];
}

const SETTINGS: Setting[] = [
  { name: 'defaults', args: [] },
  { name: 'smuxver 1', args: ['-smuxver', '1'] },
  { name: 'smuxver 2', args: ['-smuxver', '2'] },
  { name: 'nocomp', args: ['-nocomp'] },
  { name: 'no FEC', args: ['-ds', '0', '-ps', '0'] },
  // defaults: ours runs -mode auto, Go its fast; this is kcptun's default on both ends
  { name: 'mode fast', args: ['-mode', 'fast'] },
  { name: 'mode fast3', args: ['-mode', 'fast3'] },
  { name: 'mode normal', args: ['-mode', 'normal'] },
  { name: 'crypt none', args: ['-crypt', 'none'] },
  { name: 'crypt aes-128', args: ['-crypt', 'aes-128'] },
  { name: 'crypt aes-192', args: ['-crypt', 'aes-192'] },
  { name: '5% loss, FEC 10/3', args: ['-mode', 'fast2'], loss: 0.05 },
];

const PAIRS: [Impl, Impl][] = [
  ['ts', 'ts'],
  ['ts', 'go'],
  ['go', 'ts'],
];

/** Every other cipher K21 has, 5 MB each way against the Go side in both directions. */
const K21_CIPHERS = ['salsa20', 'blowfish', 'twofish', 'cast5', '3des', 'tea', 'xtea', 'xor', 'sm4'];
for (const crypt of K21_CIPHERS) {
  SETTINGS.push({
    name: `crypt ${crypt}`,
    args: ['-crypt', crypt, '-sndwnd', '1024', '-rcvwnd', '1024'],
    bytes: 5 * 1024 * 1024,
    oneStreamOnly: true,
    pairs: [
      ['ts', 'go'],
      ['go', 'ts'],
    ],
  });
}
/** The latest kcptun's crypt methods and QPP, which K21 does not have: ours against ours. */
for (const args of [
  ['-crypt', 'aes-128-gcm'],
  ['-crypt', 'null'],
  ['-QPP'],
  ['-QPP', '-QPPCount', '7', '-crypt', 'null'],
]) {
  SETTINGS.push({
    name: args.join(' '),
    args,
    bytes: 5 * 1024 * 1024,
    oneStreamOnly: true,
    pairs: [['ts', 'ts']],
  });
}

/** The smux version both ends must share: explicit if the setting names it, else K21's default if Go is involved. */
function smuxArgs(setting: Setting, client: Impl, server: Impl): string[] {
  if (setting.args.includes('-smuxver')) return [];
  return client === 'go' || server === 'go' ? ['-smuxver', '1'] : [];
}

async function runCase(setting: Setting, client: Impl, server: Impl): Promise<void> {
  const oneStreamBytes = setting.bytes ?? ONE_STREAM_BYTES;
  const target = await TransferTarget.start(oneStreamBytes);
  const serverPort = await freeUdpPort();
  const localPort = await freeTcpPort();
  const relay = setting.loss
    ? await UdpRelay.start(serverPort, { dropUp: setting.loss, dropDown: setting.loss })
    : null;
  const common = [...setting.args, ...smuxArgs(setting, client, server)];
  const srv = TunnelProcess.start(server, 'server', [
    '-l',
    `127.0.0.1:${serverPort}`,
    '-t',
    `127.0.0.1:${target.port}`,
    ...common,
  ]);
  const cli = TunnelProcess.start(client, 'client', [
    '-l',
    `127.0.0.1:${localPort}`,
    '-r',
    `127.0.0.1:${relay ? relay.port : serverPort}`,
    ...common,
  ]);
  try {
    await srv.waitFor('listening on');
    await cli.waitFor('listening on');

    const [sent, got] = await clientExchange(localPort, oneStreamBytes);
    await target.whenReceived(1);
    assert.equal(target.received[0], sent, 'client → target bytes differ');
    assert.equal(got, target.sentHashes[0], 'target → client bytes differ');

    if (setting.oneStreamOnly) return;
    target.bytesPerConn = MANY_STREAM_BYTES;
    const results = await Promise.all(
      Array.from({ length: MANY_STREAMS }, () => clientExchange(localPort, MANY_STREAM_BYTES)),
    );
    await target.whenReceived(1 + MANY_STREAMS);
    const receivedAtTarget = target.received.slice(1).sort();
    assert.deepEqual(receivedAtTarget, results.map((r) => r[0]).sort(), 'client → target bytes differ');
    assert.deepEqual(
      results.map((r) => r[1]).sort(),
      target.sentHashes.slice(1).sort(),
      'target → client bytes differ',
    );
    if (relay) assert.ok(relay.dropped > 0, 'the relay dropped nothing: loss was not exercised');
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- ${srv.label} log ---\n${tail(srv.log)}\n--- ${cli.label} log ---\n${tail(cli.log)}`,
    );
  } finally {
    await cli.stop();
    await srv.stop();
    relay?.close();
    await target.close();
  }
}

function tail(log: string): string {
  return log.split('\n').slice(-30).join('\n');
}

describe('interop with Go kcptun 20210922', {
  skip: !goKcptunAvailable() && 'kcptun-client/kcptun-server not installed',
}, () => {
  for (const setting of SETTINGS) {
    for (const [client, server] of setting.pairs ?? PAIRS) {
      test(`${client} client ⇄ ${server} server: ${setting.name}`, { timeout: 180_000 }, () =>
        runCase(setting, client, server),
      );
    }
  }
});
