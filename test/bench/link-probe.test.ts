import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { describe, it, test } from 'node:test';
import {
  type FetchResult,
  IDLE_PROBES,
  KIND_PROBE,
  PROBE_IN_FLIGHT,
  PROBE_INTERVAL_MAX_MS,
  PROBE_LINK_SHARE,
  PROBE_REQUEST,
  PROBE_RESPONSE,
  probeIntervalMs,
} from '../../bench/link/endpoint-protocol.js';
import { makePayload, sha256Hex } from '../../bench/link/payload.js';
import { ProbeSchedule } from '../../bench/link/probe-schedule.js';
import { PROFILES } from '../../bench/link/profiles.js';
import { type BenchmarkReport, renderMarkdown } from '../../bench/link/report.js';
import { probeSummary, type RunResult } from '../../bench/link/run.js';
import { pooledProbe } from '../../bench/link/summary.js';
import type { TransportId } from '../../bench/link/transports.js';
import { within } from '../support/deadline.js';
import { completedRun, LINK_ENDPOINT } from '../support/link-run.js';
import { spawnOwned } from '../support/owned.js';

describe('the probe schedule', () => {
  it('sends on each tick until PROBE_IN_FLIGHT wait, and times each answer from its own request', () => {
    const s = new ProbeSchedule(3);
    assert.deepEqual([s.next(0), s.next(10), s.next(20), s.next(30)], [1, 2, 3, 0]);
    assert.equal(s.outstanding, 3);
    assert.equal(s.oldestWait(50), 50);
    assert.equal(s.answered(1, 100), 100);
    assert.equal(s.next(110), 4);
    assert.equal(s.answered(2, 115), 105);
    assert.equal(s.answered(3, 120), 100);
    assert.equal(s.answered(4, 200), 90);
    assert.equal(s.outstanding, 0);
    assert.equal(s.oldestWait(300), null);
    assert.equal(s.sent, 4);
  });

  it('refuses an answer out of order or to nothing', () => {
    const s = new ProbeSchedule(3);
    s.next(0);
    s.next(1);
    assert.throws(() => s.answered(2, 5), /probe answer 2, expected 1/);
    assert.throws(() => new ProbeSchedule(3).answered(1, 5), /expected none/);
  });

  it("takes PROBE_LINK_SHARE of the link's rate", () => {
    for (const rateMbit of [10, 50, 100]) {
      const bitsPerS = ((PROBE_REQUEST + PROBE_RESPONSE) * 8 * 1000) / probeIntervalMs(rateMbit);
      assert.ok(Math.abs(bitsPerS - PROBE_LINK_SHARE * rateMbit * 1e6) < 1e-6, `${rateMbit}: ${bitsPerS}`);
    }
  });

  it('asks at least once per PROBE_INTERVAL_MAX_MS on a slow link', () => {
    // the slow profiles' rates: PROBE_LINK_SHARE alone would space requests 3.5 and 1.7 s apart
    for (const rateMbit of [1, 2]) assert.equal(probeIntervalMs(rateMbit), PROBE_INTERVAL_MAX_MS);
    assert.ok(probeIntervalMs(10) < PROBE_INTERVAL_MAX_MS);
  });
});

/**
 * A TCP relay that holds every chunk `delayMs` each way, and counts a probe connection's requests the
 * client sent against the answers it was given.
 */
async function delayingRelay(
  target: number,
  delayMs: number,
): Promise<{ port: number; maxInFlight: () => number; close: () => void }> {
  let maxInFlight = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let up = 0;
    let down = 0;
    let probe = false;
    client.on('data', (chunk: Buffer) => {
      if (up === 0) probe = chunk[0] === KIND_PROBE;
      up += chunk.length;
      if (probe) {
        const inFlight = Math.floor((up - 1) / PROBE_REQUEST) - Math.floor(down / PROBE_RESPONSE);
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      setTimeout(() => upstream.write(chunk), delayMs);
    });
    upstream.on('data', (chunk: Buffer) =>
      setTimeout(() => {
        down += chunk.length;
        client.write(chunk);
      }, delayMs),
    );
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    maxInFlight: () => maxInFlight,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

function output(child: ChildProcess): () => string {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return () => text;
}

test('the endpoint probes on its schedule with at most PROBE_IN_FLIGHT unanswered, on the idle link and under the download', {
  timeout: 30_000,
}, async () => {
  const served = 1024 * 1024;
  const server = spawnOwned(process.execPath, [LINK_ENDPOINT, 'serve', '0', String(served)]);
  const serverOut = output(server);
  let relay: Awaited<ReturnType<typeof delayingRelay>> | undefined;
  try {
    const port = await within(
      'the endpoint server listening',
      15_000,
      new Promise<number>((resolve) =>
        server.stdout?.on('data', () => {
          const m = /on port (\d+)/.exec(serverOut());
          if (m !== null) resolve(Number(m[1]));
        }),
      ),
      serverOut,
    );
    // a 40 ms round trip against a request every 5 ms: the in-flight bound, not the interval, paces the probe
    relay = await delayingRelay(port, 20);
    // more than the server has: the download runs to the cap, the probe beside it
    const fetcher = spawnOwned(process.execPath, [
      LINK_ENDPOINT,
      'fetch',
      '127.0.0.1',
      String(relay.port),
      String(2 * served),
      '800',
      '5',
    ]);
    const fetchOut = output(fetcher);
    await within('the fetcher exiting', 20_000, new Promise((r) => fetcher.once('exit', r)), fetchOut);
    const result = JSON.parse(fetchOut().trim().split('\n').pop() ?? '') as FetchResult;
    assert.deepEqual(result.errors, []);
    assert.equal(result.probeIntervalMs, 5);
    assert.equal(result.idleProbeRttMs.length, IDLE_PROBES);
    assert.ok(result.probeRttMs.length > 0, 'probe answers under the download');
    assert.equal(result.receivedBytes, served);
    assert.equal(result.sha256, sha256Hex(makePayload(served)));
    assert.ok(relay.maxInFlight() <= PROBE_IN_FLIGHT, `${relay.maxInFlight()} requests unanswered at once`);
  } finally {
    relay?.close();
    server.kill();
  }
});

function run(transport: TransportId, goodputMbit: number, rttMs: number[]): RunResult {
  const probe = probeSummary([300, 301], rttMs, null, 35);
  return completedRun({ profile: PROFILES[4].id, transport, goodputMbit, probe });
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe("the report's probe figures", () => {
  const report = (runs: RunResult[]): string => {
    const r: BenchmarkReport = {
      date: '2026-12-06T00:00:00.000Z',
      node: 'v20',
      bytes: 1000,
      capMs: 1000,
      repeat: 2,
      profiles: [PROFILES[4]],
      runs,
      accuracy: null,
    };
    const md = renderMarkdown(r);
    return md.slice(md.indexOf('## Results'), md.indexOf('![goodput'));
  };

  it("pool a row's runs: the p99 of 120 samples, not the median run's maximum of 60", () => {
    // the median-goodput run (the lower of two) has round trips 301-360, the other 401-460
    const runs = [run('ts-auto', 10, range(301, 60)), run('ts-auto', 20, range(401, 60))];
    const pooled = pooledProbe(runs, runs[0]);
    assert.equal(pooled.samples, 120);
    // nearest rank: p50 the 60th of 120, p99 the 119th
    assert.equal(pooled.p50Ms, 360);
    assert.equal(pooled.p99Ms, 459);
    assert.equal(pooled.idleP50Ms, 300);
    const row = report(runs)
      .split('\n')
      .find((l) => l.includes('| ts-auto |'));
    assert.match(row ?? '', /\| 360 \/ 459 \|/);
  });

  it('say how many samples a p99 came from while it is their maximum', () => {
    const row = report([run('ts-auto', 10, range(301, 60))])
      .split('\n')
      .find((l) => l.includes('| ts-auto |'));
    assert.match(row ?? '', /\| 330 \/ 360 \(60 samples\) \|/);
  });

  it("keep a run's own figures where a run has no samples recorded (reports from before the pooling)", () => {
    const old = { ...run('ts-auto', 10, range(301, 60)) };
    old.probe = { ...old.probe, rttMs: undefined, idleRttMs: undefined };
    const runs = [old, run('ts-auto', 20, range(401, 60))];
    assert.equal(pooledProbe(runs, old), old.probe);
  });
});
