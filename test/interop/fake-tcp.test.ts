import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_FLOWS } from '../../src/transport/tcp-flows.js';
import { forward } from '../support/forward.js';
import { canCreateNetns, NetnsPair } from '../support/netns.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget } from '../support/transfer.js';

/**
 * -tcp (kcptun's fake TCP, xtaci/tcpraw) between two network namespaces joined by a veth: ours with ours
 * and with the Debian Go kcptun in both directions, 10 MB each way then 20 streams of 512 KB each way,
 * sha256 checked; the same with -conn 2 (and ours ⇄ ours with multiport: K21 has none); and the iptables
 * rule's life. The test's own target and client reach the namespaces
 * through unix sockets (forward.ts), so nothing touches the host's network.
 */
const ONE_STREAM_BYTES = 10 * 1024 * 1024;
const MANY_STREAMS = 20;
const MANY_STREAM_BYTES = 512 * 1024;
/** Inside the namespaces: the target's and the client's loopback ports, and the server's. */
const TARGET_PORT = 7000;
const CLIENT_PORT = 8000;
const OUR_TAG = 'kcptun-ts-tcp:';
const FLOOD = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'tcp-flood.js');

const skip = !canCreateNetns() && 'needs root for network namespaces and raw sockets';

describe('-tcp between network namespaces', { skip }, () => {
  let ns: NetnsPair;
  let dir: string;
  let target: TransferTarget;
  let client: net.Server;
  let targetSide: net.Server;
  let serverPort = 4000;

  before(async () => {
    ns = new NetnsPair('t');
    dir = mkdtempSync(path.join(tmpdir(), 'kcpt-tcp-'));
    target = await TransferTarget.start(ONE_STREAM_BYTES);
    // target side: ns b's 127.0.0.1:7000 → unix socket → the test's target
    targetSide = await forward(
      { path: path.join(dir, 'target.sock') },
      { host: '127.0.0.1', port: target.port },
    );
    await ns.forward(ns.b, `tcp:127.0.0.1:${TARGET_PORT}`, `unix:${path.join(dir, 'target.sock')}`);
    // client side: the test → 127.0.0.1:<port> → unix socket → ns a's 127.0.0.1:8000
    await ns.forward(ns.a, `unix:${path.join(dir, 'client.sock')}`, `tcp:127.0.0.1:${CLIENT_PORT}`);
    client = await forward({ host: '127.0.0.1', port: 0 }, { path: path.join(dir, 'client.sock') });
  });

  after(async () => {
    client?.close();
    targetSide?.close();
    await target?.close();
    ns?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const localPort = (): number => (client.address() as net.AddressInfo).port;

  /**
   * The exchanges through a client in a and a server in b. `conn`: the client's -conn; `ports`: how many
   * ports the server listens on (multiport `-l`/`-r host:min-max` when more than one); `udpClient`: the
   * client without -tcp (kcptun's -tcp server serves UDP on its port too).
   */
  async function runPair(
    clientImpl: Impl,
    serverImpl: Impl,
    {
      extra = [],
      conn = 1,
      ports = 1,
      udpClient = false,
    }: { extra?: string[]; conn?: number; ports?: number; udpClient?: boolean } = {},
  ): Promise<void> {
    const port = serverPort;
    serverPort += ports;
    const address = ports === 1 ? `${ns.ipB}:${port}` : `${ns.ipB}:${port}-${port + ports - 1}`;
    const smux = clientImpl === 'go' || serverImpl === 'go' ? ['-smuxver', '1'] : [];
    smux.push(...extra);
    const srv = TunnelProcess.start(
      serverImpl,
      'server',
      ['-l', address, '-t', `127.0.0.1:${TARGET_PORT}`, '-tcp', ...smux],
      {},
      { netns: ns.b },
    );
    const cli = TunnelProcess.start(
      clientImpl,
      'client',
      [
        '-l',
        `127.0.0.1:${CLIENT_PORT}`,
        '-r',
        address,
        ...(udpClient ? [] : ['-tcp']),
        '-conn',
        String(conn),
        ...smux,
      ],
      {},
      { netns: ns.a },
    );
    const before = target.received.length;
    try {
      await srv.waitFor('listening on');
      await cli.waitFor('listening on');
      target.bytesPerConn = ONE_STREAM_BYTES;
      const [sent, got] = await clientExchange(localPort(), ONE_STREAM_BYTES);
      await waitUntil(() => target.received.length === before + 1);
      assert.equal(target.received[before], sent, 'client → target bytes differ');
      assert.equal(got, target.sentHashes[before], 'target → client bytes differ');

      target.bytesPerConn = MANY_STREAM_BYTES;
      const results = await Promise.all(
        Array.from({ length: MANY_STREAMS }, () => clientExchange(localPort(), MANY_STREAM_BYTES)),
      );
      await waitUntil(() => target.received.length === before + 1 + MANY_STREAMS);
      assert.deepEqual(
        target.received.slice(before + 1).sort(),
        results.map((r) => r[0]).sort(),
        'client → target bytes differ',
      );
      assert.deepEqual(
        results.map((r) => r[1]).sort(),
        target.sentHashes.slice(before + 1).sort(),
        'target → client bytes differ',
      );
      // Each session has its own real connection (its flow): 20 streams round robin dialled every slot.
      const decoys = decoyPorts(ns.exec(ns.a, ['ss', '-tnH', 'state', 'established', 'dst', ns.ipB]));
      const sessions = udpClient ? 0 : conn;
      assert.equal(decoys.length, sessions, `one real connection per session: ports ${decoys.join(', ')}`);
      for (const p of decoys) assert.ok(p >= port && p < port + ports, `port ${p} is outside the range`);
      if (serverImpl === 'ts') {
        const rules = ns.outputRules(ns.b).filter((r) => r.includes(OUR_TAG));
        assert.equal(rules.length, ports, `one rule per listening port: ${rules.join('\n')}`);
      }
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- ${srv.label} ---\n${srv.log}\n--- ${cli.label} ---\n${cli.log}`,
      );
    } finally {
      await cli.stop();
      await srv.stop();
    }
  }

  test('ours ⇄ ours', { timeout: 180_000 }, () => runPair('ts', 'ts'));
  test('ours client ⇄ Go server', { timeout: 180_000, skip: !goKcptunAvailable() && 'no Go kcptun' }, () =>
    runPair('ts', 'go'),
  );
  test('Go client ⇄ ours server', { timeout: 180_000, skip: !goKcptunAvailable() && 'no Go kcptun' }, () =>
    runPair('go', 'ts'),
  );

  test('ours ⇄ ours, -conn 2 and multiport (3 ports)', { timeout: 180_000 }, () =>
    runPair('ts', 'ts', { conn: 2, ports: 3 }),
  );
  test(
    'ours client ⇄ Go server, -conn 2',
    {
      timeout: 180_000,
      skip: !goKcptunAvailable() && 'no Go kcptun',
    },
    () => runPair('ts', 'go', { conn: 2 }),
  );
  test(
    'Go client ⇄ ours server, -conn 2',
    {
      timeout: 180_000,
      skip: !goKcptunAvailable() && 'no Go kcptun',
    },
    () => runPair('go', 'ts', { conn: 2 }),
  );

  test('a plain UDP client ⇄ ours -tcp server, on the same port', { timeout: 180_000 }, () =>
    runPair('ts', 'ts', { udpClient: true }),
  );

  test('ours ⇄ ours with 2 % loss each way', { timeout: 180_000 }, async () => {
    // netem is not in this kernel: iptables' statistic match drops 2 % of the TCP packets each namespace
    // receives, before the raw socket sees them (INPUT runs before local delivery).
    const drop = [
      'INPUT',
      '-p',
      'tcp',
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      '0.02',
      '-j',
      'DROP',
    ];
    for (const n of [ns.a, ns.b]) ns.exec(n, ['iptables', '-w', '-A', ...drop]);
    try {
      await runPair('ts', 'ts', { extra: ['-mode', 'fast2'] });
      const dropped = [ns.a, ns.b].map((n) =>
        droppedBy(ns.exec(n, ['iptables', '-w', '-L', 'INPUT', '-v', '-n', '-x'])),
      );
      assert.ok(
        dropped[0]! > 0 && dropped[1]! > 0,
        `drops each way: ${dropped.join(', ')}: loss was not exercised`,
      );
    } finally {
      for (const n of [ns.a, ns.b]) ns.exec(n, ['iptables', '-w', '-D', ...drop]);
    }
  });

  test('a flood of new peers fills the flow table: drops logged, a real client still gets in', {
    timeout: 120_000,
  }, async () => {
    const port = serverPort++;
    const srv = TunnelProcess.start(
      'ts',
      'server',
      ['-l', `${ns.ipB}:${port}`, '-t', `127.0.0.1:${TARGET_PORT}`, '-tcp'],
      {},
      { netns: ns.b },
    );
    let cli: TunnelProcess | null = null;
    try {
      await srv.waitFor('listening on');
      const flood = ns.exec(ns.a, [process.execPath, FLOOD, ns.ipA, ns.ipB, String(port), '9000']);
      assert.match(flood, /^sent 9000$/m);
      // Orphans expire 5 s after their last packet: the client must dial within that, so it finds the
      // table full of orphans and its connection takes the place of one.
      await srv.waitFor(`is full (${MAX_FLOWS} flows)`, 5_000);
      cli = TunnelProcess.start(
        'ts',
        'client',
        ['-l', `127.0.0.1:${CLIENT_PORT}`, '-r', `${ns.ipB}:${port}`, '-tcp'],
        {},
        { netns: ns.a },
      );
      await cli.waitFor('listening on');
      target.bytesPerConn = MANY_STREAM_BYTES;
      const before = target.received.length;
      const [sent, got] = await clientExchange(localPort(), MANY_STREAM_BYTES);
      await waitUntil(() => target.received.length === before + 1);
      assert.equal(target.received[before], sent, 'client → target bytes differ');
      assert.equal(got, target.sentHashes[before], 'target → client bytes differ');
      assert.equal(
        srv.log.split('\n').filter((l) => l.includes('flow table')).length,
        1,
        'one line a minute at most',
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server ---\n${srv.log}\n--- client ---\n${cli?.log}`);
    } finally {
      await cli?.stop();
      await srv.stop();
    }
  });

  test('the iptables rule is gone after a normal exit, and after SIGKILL once the program starts again', {
    timeout: 60_000,
  }, async () => {
    const ours = (): string[] => ns.outputRules(ns.b).filter((r) => r.includes(OUR_TAG));
    const start = (): TunnelProcess =>
      TunnelProcess.start(
        'ts',
        'server',
        ['-l', `${ns.ipB}:5000`, '-t', `127.0.0.1:${TARGET_PORT}`, '-tcp'],
        {},
        { netns: ns.b },
      );
    const first = start();
    await first.waitFor('listening on');
    const pid1 = first.child.pid!;
    assert.equal(ours().length, 1, `one rule while it runs: ${ours().join('\n')}`);
    assert.match(ours()[0]!, /--sport 5000 .*-j DROP/);
    assert.match(ours()[0]!, /--ttl-eq 1/);
    await first.stop(); // SIGTERM
    assert.deepEqual(ours(), [], 'the rule outlived a normal exit');

    const killed = start();
    await killed.waitFor('listening on');
    const exited = new Promise((r) => killed.child.once('exit', r));
    killed.child.kill('SIGKILL');
    await exited;
    assert.equal(ours().length, 1, 'SIGKILL leaves the rule (nothing can run)');
    const again = start();
    try {
      await again.waitFor('listening on');
      const left = ours();
      assert.equal(left.length, 1, `the stale rule was not removed: ${left.join('\n')}`);
      assert.ok(!left[0]!.includes(`${OUR_TAG}${killed.child.pid}`), 'the stale rule is still there');
      assert.ok(!left[0]!.includes(`${OUR_TAG}${pid1}`));
    } finally {
      await again.stop();
    }
    assert.deepEqual(ours(), []);
  });
});

/** The peer ports of `ss -tnH` lines (state, queues, local address, peer address). */
function decoyPorts(listing: string): number[] {
  return listing
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Number(l.trim().split(/\s+/).at(-1)!.split(':').at(-1)));
}

/** The packet count of the statistic DROP rule in `iptables -L -v -n -x` output. */
function droppedBy(listing: string): number {
  const line = listing.split('\n').find((l) => l.includes('statistic'));
  return line ? Number(line.trim().split(/\s+/)[0]) : 0;
}

async function waitUntil(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the target');
    await new Promise((r) => setTimeout(r, 10));
  }
}
