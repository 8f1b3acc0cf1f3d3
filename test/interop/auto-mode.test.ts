/**
 * `-mode auto` against the Debian Go kcptun (20210922) in both roles: the self-tuning is sender-side, so a
 * Go peer (which knows no such mode and runs fast3) must get every byte. The link is clean first, so our
 * adaptive FEC lowers its parity count (the Go decoder sees far fewer than 3 parity shards per 10), then
 * lossy, so the count goes back up and the Go decoder must recover data from groups whose parity count
 * changed under it (its SNMP log's FECRecovered). Last, two streams at once, which our client places on
 * its two sessions (the Go server takes both). sha256 checked at both ends, each phase.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { WAIT_MS } from '../support/deadline.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { goKcptunAvailable, type Impl, TunnelProcess } from '../support/procs.js';
import { clientExchange, TransferTarget, twoExchangesAtOnce } from '../support/transfer.js';
import { UdpRelay } from '../support/udp-relay.js';

const CLEAN_BYTES = 12 * 1024 * 1024;
const LOSSY_BYTES = 4 * 1024 * 1024;
const LOSS = 0.05;
const CONCURRENT_BYTES = 1024 * 1024;
/** Clean exchanges allowed before the parity count must have stepped down. */
const CLEAN_ROUNDS = 3;
/** Lossy exchanges allowed before the Go decoder must have recovered something from our parity. */
const LOSSY_ROUNDS = 3;

/** The last row of a kcptun -snmplog CSV as column → value. */
function lastSnmpRow(file: string): Map<string, number> {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const row = lines[lines.length - 1].split(',');
  return new Map(header.map((name, i) => [name, Number(row[i])]));
}

/** Wait until the Go side's once-a-second SNMP log has a row written after `since` (unix seconds). */
async function snmpAfter(file: string, since: number): Promise<Map<string, number>> {
  const start = Date.now();
  for (;;) {
    try {
      const row = lastSnmpRow(file);
      if ((row.get('Unix') ?? 0) > since) return row;
    } catch {
      // not written yet
    }
    if (Date.now() - start > WAIT_MS)
      throw new Error(`no SNMP row after ${since} in ${file} within ${WAIT_MS} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exchange(localPort: number, target: TransferTarget, bytes: number): Promise<void> {
  target.bytesPerConn = bytes;
  const before = target.received.length;
  const [sent, got] = await clientExchange(localPort, bytes);
  while (target.received.length === before) await new Promise((r) => setTimeout(r, 10));
  assert.equal(target.received[before], sent, 'client → target bytes differ');
  assert.equal(got, target.sentHashes[before], 'target → client bytes differ');
}

/** A running tunnel of ours (-mode auto) and Go's (fast3, SNMP logged every second) through a relay. */
interface AutoTunnel {
  readonly localPort: number;
  readonly target: TransferTarget;
  readonly relay: UdpRelay;
  readonly srv: TunnelProcess;
  readonly cli: TunnelProcess;
  /** Our end of the tunnel. */
  readonly ours: TunnelProcess;
  /** The Go side's -snmplog CSV. */
  readonly snmpFile: string;
}

/**
 * Starts `client` and `server` (ours with `-mode auto`, Go's with fast3 and `goFec`), the client reaching
 * the server through a lossless relay, runs `body` once both listen, and tears everything down; a failure
 * carries both logs.
 */
async function withAutoTunnel(
  client: Impl,
  server: Impl,
  goFec: string[],
  targetBytes: number,
  body: (t: AutoTunnel) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kcp-auto-'));
  const snmpFile = path.join(dir, 'snmp.csv');
  const argsOf = (impl: Impl) =>
    impl === 'ts'
      ? ['-mode', 'auto', '-smuxver', '1']
      : ['-mode', 'fast3', '-smuxver', '1', '-snmplog', snmpFile, '-snmpperiod', '1', ...goFec];
  const target = await TransferTarget.start(targetBytes);
  const serverPort = await freeUdpPort();
  const localPort = await freeTcpPort();
  const relay = await UdpRelay.start(serverPort, { dropUp: 0, dropDown: 0 });
  const srv = TunnelProcess.start(server, 'server', [
    '-l',
    `127.0.0.1:${serverPort}`,
    '-t',
    `127.0.0.1:${target.port}`,
    ...argsOf(server),
  ]);
  const cli = TunnelProcess.start(client, 'client', [
    '-l',
    `127.0.0.1:${localPort}`,
    '-r',
    `127.0.0.1:${relay.port}`,
    ...argsOf(client),
  ]);
  try {
    await srv.waitFor('listening on');
    await cli.waitFor('listening on');
    await body({ localPort, target, relay, srv, cli, ours: client === 'ts' ? cli : srv, snmpFile });
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\n--- ${srv.label} log ---\n${srv.log.slice(-3000)}\n--- ${cli.label} log ---\n${cli.log.slice(-3000)}`,
    );
  } finally {
    await cli.stop();
    await srv.stop();
    relay.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `goFec`: the Go side's FEC flags. Its defaults (10/3, our shape) show in its own packets, so we skip the
 * full-parity start; with another shape its decoder starts at that shape and its autotune must lock onto
 * our 10/3 from the full parity runs we send (our decoder sees its shards out of place and keeps the
 * full-parity start; the runs sent while the path has room would do too on this lossless start).
 */
function runAuto(client: Impl, server: Impl, goFec: string[] = []): Promise<void> {
  return withAutoTunnel(
    client,
    server,
    goFec,
    CLEAN_BYTES,
    async ({ localPort, target, relay, cli, ours, snmpFile }) => {
      assert.match(
        ours.log,
        /mode auto \(the default; sender-side, any kcptun peer; -mode fast for kcptun's\): congestion control with pacing, thin streams and tails sent twice, automatic windows, adaptive parity count/,
      );
      if (client === 'ts')
        assert.match(cli.log, /adaptive parity count, new streams on the least loaded of 2 sessions/);

      // data shards are what the Go side received less the parity; fixed 10/3 would give 3 per 10, and the
      // adaptive count starts at 3 (for the first 1024 segments when the peer's shape is not ours) before it
      // steps down. A period with spurious retransmissions (a loaded machine stalls the sender past its RTO)
      // counts as lossy and keeps parity up, so the clean phase is repeated, up to CLEAN_ROUNDS times, until
      // one round shows the step-down.
      let clean = new Map<string, number>();
      let parityClean = 0;
      let dataClean = 0;
      for (let round = 0; round < CLEAN_ROUNDS; round++) {
        await exchange(localPort, target, CLEAN_BYTES);
        const before = clean;
        clean = await snmpAfter(snmpFile, Math.floor(Date.now() / 1000));
        const parity = (clean.get('FECParityShards') ?? 0) - (before.get('FECParityShards') ?? 0);
        const data = (clean.get('InPkts') ?? 0) - (before.get('InPkts') ?? 0) - parity;
        parityClean = clean.get('FECParityShards') ?? 0;
        dataClean = data;
        if (parity < 0.27 * data) break;
        assert.ok(round < CLEAN_ROUNDS - 1, `clean link: ${parity} parity for ${data} data shards`);
      }
      assert.ok(dataClean > 0);

      // Parity stays off while the sender runs at the path's rate, where retransmitting costs fewer wire
      // bytes (src/fec/parity-tuner.ts), and comes back when it is not (the end of each transfer, app-limited
      // sending). A loaded machine can leave one short transfer with too little of that, so the lossy phase is
      // repeated, up to LOSSY_ROUNDS times, until the Go decoder has recovered something from our parity.
      relay.setLoss(LOSS, LOSS);
      let lossy = clean;
      for (let round = 0; round < LOSSY_ROUNDS; round++) {
        await exchange(localPort, target, LOSSY_BYTES);
        lossy = await snmpAfter(snmpFile, Math.floor(Date.now() / 1000));
        if ((lossy.get('FECRecovered') ?? 0) > (clean.get('FECRecovered') ?? 0)) break;
      }
      assert.ok(relay.dropped > 0, 'the relay dropped nothing');
      assert.ok((lossy.get('FECParityShards') ?? 0) > parityClean, 'no parity after the link turned lossy');
      assert.ok(
        (lossy.get('FECRecovered') ?? 0) > (clean.get('FECRecovered') ?? 0),
        'the Go decoder recovered nothing from our adaptive parity',
      );

      // two streams at once: with our client, one on each of its two sessions
      await twoExchangesAtOnce(localPort, target, CONCURRENT_BYTES);
      // toward a Go server of another shape our sessions send its shape (fec/peer-shape.ts): the second
      // session's first data, under loss, never meets a Go decoder that has not locked onto ours
      if (client === 'ts' && goFec.length > 0)
        assert.match(
          cli.log,
          /FEC: the server sends groups of 5 data \+ 2 parity, this end has -datashard 10 -parityshard 3: sessions send the server's shape/,
        );
    },
  );
}

/**
 * Toward a Go peer with FEC off (`-datashard 0 -parityshard 0`): its datagrams carry no FEC header, so ours
 * go without FEC too (the (1,1) decoder our parity would make it create turns parity into false data).
 * Clean then lossy, byte-exact; the Go side's SNMP shows no parity shard at all.
 */
function runAutoTowardNoFec(client: Impl, server: Impl): Promise<void> {
  const goFecOff = ['-datashard', '0', '-parityshard', '0'];
  return withAutoTunnel(
    client,
    server,
    goFecOff,
    LOSSY_BYTES,
    async ({ localPort, target, relay, ours, snmpFile }) => {
      await exchange(localPort, target, LOSSY_BYTES);
      relay.setLoss(LOSS, LOSS);
      await exchange(localPort, target, LOSSY_BYTES);
      assert.ok(relay.dropped > 0, 'the relay dropped nothing');
      await ours.waitFor('the peer sends without FEC');
      const row = await snmpAfter(snmpFile, Math.floor(Date.now() / 1000));
      assert.equal(row.get('FECParityShards'), 0, 'parity reached a peer with FEC off');
    },
  );
}

describe('-mode auto with Go kcptun 20210922', {
  skip: !goKcptunAvailable() && 'kcptun-client/kcptun-server not installed',
}, () => {
  test('ts -mode auto client ⇄ go fast3 server, clean then 5 % loss', { timeout: 180_000 }, () =>
    runAuto('ts', 'go'),
  );
  test('go fast3 client ⇄ ts -mode auto server, clean then 5 % loss', { timeout: 180_000 }, () =>
    runAuto('go', 'ts'),
  );
  test(
    'go fast3 client with FEC 5/2 ⇄ ts -mode auto server: its decoder locks onto our parity',
    { timeout: 180_000 },
    () => runAuto('go', 'ts', ['-datashard', '5', '-parityshard', '2']),
  );
  test(
    'ts -mode auto client ⇄ go fast3 server with FEC 5/2: our sessions send its shape',
    { timeout: 180_000 },
    () => runAuto('ts', 'go', ['-datashard', '5', '-parityshard', '2']),
  );
  test('go fast3 client with FEC off ⇄ ts -mode auto server: no FEC toward it', { timeout: 180_000 }, () =>
    runAutoTowardNoFec('go', 'ts'),
  );
  test('ts -mode auto client ⇄ go fast3 server with FEC off: no FEC toward it', { timeout: 180_000 }, () =>
    runAutoTowardNoFec('ts', 'go'),
  );
});
