/**
 * The link emulator end to end: namespaces, the C forwarder, delay and loss seen by a UDP ping, and a
 * tear-down that leaves nothing. Needs root, /dev/net/tun and gcc; skipped otherwise. Its namespaces and
 * state directory are its own (named for this process), so it runs beside a link benchmark or another
 * copy of itself without either tearing down the other's.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EmulatorPlace, LinkEmulator } from '../../bench/link/emulator.js';
import { ADDRESS_B, namespaceExists } from '../../bench/link/netns.js';
import { ProcessSet } from '../../bench/link/processes.js';
import { parseChanges, ScheduledChanges } from '../../bench/link/schedule.js';
import { commandExists } from '../../bench/link/shell.js';
import type { PingResult } from '../../bench/link/udp-ping.js';
import { until } from '../support/deadline.js';
import { namespaceName, sweepStaleNamespaces } from '../support/netns.js';

const UDP_PING = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bench',
  'link',
  'udp-ping.js',
);
const PLACE: EmulatorPlace = {
  stateDir: `/run/kcpbench-test-${process.pid}`,
  namespaces: [namespaceName('la'), namespaceName('lb')],
};
const [NAMESPACE_A, NAMESPACE_B] = PLACE.namespaces;
const PORT = 7017;
const DELAY_MS = 20;
const PINGS = 20;

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun';
  if (!commandExists('gcc') || !commandExists('ip')) return 'needs gcc and iproute2';
  return false;
}

async function ping(procs: ProcessSet): Promise<PingResult> {
  const p = procs.start(NAMESPACE_A, 'ping', process.execPath, [
    UDP_PING,
    'ping',
    ADDRESS_B,
    String(PORT),
    String(PINGS),
    '10',
  ]);
  await p.waitExit(15_000);
  return JSON.parse(p.stdout) as PingResult;
}

describe('link emulator', { skip: skipReason() }, () => {
  it('delays and drops as configured, counts it, and tears down completely', async () => {
    sweepStaleNamespaces();
    const emulator = await LinkEmulator.up(PLACE);
    const procs = new ProcessSet();
    try {
      const echo = procs.start(NAMESPACE_B, 'echo', process.execPath, [UDP_PING, 'echo', String(PORT)]);
      await echo.waitFor('udp echo on', 5000);

      await emulator.configure({ aToB: { delayMs: DELAY_MS }, bToA: { delayMs: DELAY_MS } });
      await emulator.resetCounters();
      const delayed = await ping(procs);
      assert.equal(delayed.lost, 0);
      const sorted = [...delayed.rttMs].sort((a, b) => a - b);
      assert.ok(
        sorted[0] >= 2 * DELAY_MS,
        `fastest RTT ${sorted[0]} ms is below the configured ${2 * DELAY_MS} ms`,
      );
      // Applied once each way, not twice: the fastest ping, which a busy machine does not push past this
      // (its median did, 46.6 ms against a bound of 45, with the suite beside two busy loops).
      assert.ok(sorted[0] < 4 * DELAY_MS, `fastest RTT ${sorted[0]} ms: the delay applied more than once`);
      const status = await emulator.status();
      assert.equal(status.a2b.out_pkts, PINGS);
      assert.equal(status.b2a.out_pkts, PINGS);
      assert.equal(status.a2b.delay_us, DELAY_MS * 1000);

      await emulator.configure({ aToB: { delayMs: 0, loss: 1 }, bToA: { delayMs: 0 } });
      await emulator.resetCounters();
      const dropped = await ping(procs);
      assert.equal(dropped.lost, PINGS);
      const after = await emulator.status();
      assert.equal(after.a2b.drop_loss_pkts, PINGS);
      assert.equal(after.b2a.in_pkts, 0);
    } finally {
      await procs.stopAll();
      await emulator.down();
    }
    assert.ok(!PLACE.namespaces.some(namespaceExists), 'a namespace was left behind');
    assert.ok(!existsSync(path.join(PLACE.stateDir, 'forwarder.pid')));
    assert.throws(() => process.kill(emulator.forwarderPid, 0), 'the forwarder is still running');
  });

  it('takes a schedule of changes in order, each on top of the last, until it is stopped', async () => {
    sweepStaleNamespaces();
    const emulator = await LinkEmulator.up(PLACE);
    try {
      const direction = { delayMs: 5, rateMbit: 50, queueBytes: 10_000 };
      const base = { aToB: direction, bToA: { ...direction }, seed: 7 };
      await emulator.configure(base);
      const scheduled = new ScheduledChanges(
        emulator,
        base,
        parseChanges('0s:delay=7,30ms:rate=10,60ms:loss=50,60s:rate=1'),
      );
      scheduled.start();
      await until(() => scheduled.applied.length === 2);
      await scheduled.stop();
      assert.equal(scheduled.failure, null);
      assert.deepEqual(
        scheduled.applied.map((a) => a.label),
        ['rate=10', 'loss=50'],
      );
      assert.ok(scheduled.applied[1].atMs >= 60, `the second change made at ${scheduled.applied[1].atMs} ms`);
      const status = await emulator.status();
      for (const d of [status.a2b, status.b2a]) {
        // the starting change (0 s) and both timed ones, the queue as it was; the one at 60 s never came
        assert.equal(d.delay_us, 7000);
        assert.equal(d.rate_bps, 10_000_000);
        assert.equal(d.loss, 0.5);
        assert.equal(d.queue_bytes, 10_000);
      }
    } finally {
      await emulator.down();
    }
  });
});
