import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it, test } from 'node:test';
import {
  COMPETITOR_PLACE,
  type CompetitionRecord,
  competitionOf,
  jainIndex,
  parseCompetitor,
} from '../../bench/link/competitor.js';
import { COMPETITOR_ARMED, type FetchResult } from '../../bench/link/endpoint-protocol.js';
import { makePayload, sha256Hex } from '../../bench/link/payload.js';
import { PROFILES } from '../../bench/link/profiles.js';
import { type BenchmarkReport, renderMarkdown } from '../../bench/link/report.js';
import { probeSummary } from '../../bench/link/run.js';
import { MAIN_PLACE } from '../../bench/link/transports.js';
import { within } from '../support/deadline.js';
import { completedRun, LINK_ENDPOINT } from '../support/link-run.js';
import { spawnOwned } from '../support/owned.js';

describe('--competitor', () => {
  it('reads a transport and an optional start after ours', () => {
    assert.deepEqual(parseCompetitor('tcp-cubic'), { transport: 'tcp-cubic', offsetMs: 0 });
    assert.deepEqual(parseCompetitor('ts-auto@3s'), { transport: 'ts-auto', offsetMs: 3000 });
    assert.deepEqual(parseCompetitor('go-kcptun@2500ms'), { transport: 'go-kcptun', offsetMs: 2500 });
  });

  it('refuses what it cannot run, naming the part', () => {
    const refused: Array<[string, RegExp]> = [
      ['tcp-reno', /unknown tcp-reno \(known: tcp-cubic, tcp-bbr, ts-auto, go-kcptun\)/],
      ['ts-auto-go', /unknown ts-auto-go/],
      ['ts-auto@3', /--competitor: time '3'/],
      ['ts-auto@', /--competitor: time ''/],
      ['ts-auto@1s@2s', /not like tcp-cubic or ts-auto@3s/],
      ['', /unknown/],
    ];
    for (const [text, reason] of refused) assert.throws(() => parseCompetitor(text), reason, text);
  });

  it("has ports and addresses of its own, so that it and the download never meet but in the link's queue", () => {
    assert.notEqual(COMPETITOR_PLACE.kcpPort, MAIN_PLACE.kcpPort);
    assert.notEqual(COMPETITOR_PLACE.clientPort, MAIN_PLACE.clientPort);
    assert.notEqual(COMPETITOR_PLACE.addressA, MAIN_PLACE.addressA);
    assert.notEqual(COMPETITOR_PLACE.addressB, MAIN_PLACE.addressB);
  });
});

describe("Jain's fairness index", () => {
  it('is 1 for an even share, 1/n when one flow has everything, in between otherwise', () => {
    assert.equal(jainIndex([5, 5]), 1);
    assert.equal(jainIndex([10, 0]), 0.5);
    assert.equal(jainIndex([3, 1]), 16 / 20);
    assert.equal(jainIndex([0, 0]), null);
  });
});

/** A fetcher's report of a download at `mbit` from `startedAt` (wall clock), progress every 500 ms for `ms`. */
function fetched(startedAt: number, ms: number, mbit: (t: number) => number): FetchResult {
  const progress: Array<[number, number]> = [];
  let bytes = 0;
  for (let t = 500; t <= ms; t += 500) {
    bytes += (mbit(t - 250) * 1e6 * 0.5) / 8;
    progress.push([t, bytes]);
  }
  return {
    requestedBytes: bytes,
    receivedBytes: bytes,
    sha256: '',
    complete: true,
    elapsedMs: ms,
    bulkStartedAtMs: startedAt,
    firstByteMs: 1,
    progress,
    idleProbeRttMs: [],
    probeRttMs: [],
    probeSentMs: [],
    probeIntervalMs: 35,
    probeOutstandingMs: null,
    errors: [],
  };
}

describe('what each flow got while both ran', () => {
  // ours alone at 80 Mbit/s for 3 s, then 30 while the competitor takes 60, on a 100 Mbit/s link
  const ours = {
    ...fetched(1_000_000, 10_000, (t) => (t < 3000 ? 80 : 30)),
    probeSentMs: [1000, 2500, 3000, 5000, 9000, 10_000],
    probeRttMs: [60, 61, 200, 210, 220, 999],
  };
  const theirs = fetched(1_003_000, 12_000, () => 60);

  it('lines the two up by their wall-clock starts and reads the time both ran', () => {
    const c = competitionOf(ours, theirs, 100);
    assert.equal(c.startedAfterMs, 3000);
    assert.equal(c.overlapMs, 7000);
    assert.ok(Math.abs(c.oursMbit! - 30) < 1e-9, `${c.oursMbit}`);
    assert.ok(Math.abs(c.theirsMbit! - 60) < 1e-9, `${c.theirsMbit}`);
    assert.ok(Math.abs(c.oursShare! - 0.3) < 1e-9);
    assert.ok(Math.abs(c.theirsShare! - 0.6) < 1e-9);
    assert.ok(Math.abs(c.jain! - 0.9) < 1e-9, `${c.jain}`);
    // the probe requests sent while both ran, not those of ours alone nor one past the end
    assert.deepEqual(c.probeRttMs, [200, 210, 220]);
    assert.equal(c.probeP50Ms, 210);
    assert.equal(c.theirsComplete, true);
  });

  it('ends the time together when the competitor finishes first', () => {
    const short = fetched(1_003_000, 4000, () => 60);
    const c = competitionOf(ours, short, 100);
    assert.equal(c.overlapMs, 4000);
    assert.ok(Math.abs(c.oursMbit! - 30) < 1e-9);
  });

  it('reads no share when they never ran together, or the competitor never started', () => {
    const late = fetched(1_011_000, 4000, () => 60);
    const c = competitionOf(ours, late, 100);
    assert.equal(c.overlapMs, 0);
    assert.equal(c.oursMbit, null);
    assert.equal(c.jain, null);
    assert.deepEqual(c.probeRttMs, []);
    const never = { ...fetched(0, 0, () => 0), bulkStartedAtMs: null };
    assert.equal(competitionOf(ours, never, 100).startedAfterMs, null);
    assert.equal(competitionOf(ours, null, 100).overlapMs, 0);
  });
});

describe("the report's competing-flow section", () => {
  const record = (oursMbit: number, theirsMbit: number): CompetitionRecord => ({
    competitor: 'tcp-cubic',
    settings: 'cubic',
    offsetMs: 0,
    startedAfterMs: 12,
    overlapMs: 9000,
    oursMbit,
    theirsMbit,
    oursShare: oursMbit / 10,
    theirsShare: theirsMbit / 10,
    jain: jainIndex([oursMbit, theirsMbit]),
    probeRttMs: [100, 110, 120],
    probeP50Ms: 110,
    probeP99Ms: 120,
    theirsReceivedBytes: 1000,
    theirsComplete: false,
    theirsCongestionSeen: 'cubic',
  });
  const vps = PROFILES.find((p) => p.id === 'vps-50ms-1-10M')!;
  const run = (c: CompetitionRecord) =>
    completedRun({
      profile: vps.id,
      transport: 'ts-auto',
      goodputMbit: c.oursMbit!,
      probe: probeSummary([100], c.probeRttMs, null, 348),
      competition: c,
    });
  const report = (competitor: string | undefined): string => {
    const r: BenchmarkReport = {
      date: '2026-12-06T00:00:00.000Z',
      node: 'v20',
      bytes: 1000,
      capMs: 1000,
      repeat: 3,
      ...(competitor === undefined ? {} : { competitor }),
      profiles: [vps],
      runs: [run(record(4, 5)), run(record(2, 7)), run(record(5, 4.5))],
      accuracy: null,
    };
    return renderMarkdown(r);
  };

  it('lists every run and the medians, with the probe pooled', () => {
    const md = report('tcp-cubic');
    const section = md.slice(md.indexOf('## Competing flow'));
    assert.match(section, /`--competitor tcp-cubic`/);
    assert.match(
      section,
      /\| vps-50ms-1-10M \| ts-auto \| tcp-cubic \(cubic\) \| 0\.01 \| 9\.0 \| 2\.00 \(20 %\) \| 7\.00 \(70 %\) \| 0\.764 \|/,
    );
    assert.match(
      section,
      /\| vps-50ms-1-10M \| ts-auto \| tcp-cubic \| 3 \| 4\.00 \(40 %\) \| 5\.00 \(50 %\) \| 0\.988 \| 0 \| 110 \/ 120 \(9\) \|/,
    );
  });

  it('is absent without --competitor', () => {
    assert.doesNotMatch(report(undefined), /## Competing flow/);
  });
});

/** What `child` wrote on `streams`, so far. */
function output(
  child: ChildProcess,
  streams: Array<'stdout' | 'stderr'> = ['stdout', 'stderr'],
): () => string {
  let text = '';
  for (const name of streams)
    child[name]?.on('data', (d: Buffer) => {
      text += d.toString();
    });
  return () => text;
}

/** The endpoint server on a port of the kernel's choice, serving `bytes`. */
async function endpointServer(bytes: number): Promise<{ port: number; child: ChildProcess }> {
  const child = spawnOwned(process.execPath, [LINK_ENDPOINT, 'serve', '0', String(bytes)]);
  const out = output(child);
  const port = await within(
    'the endpoint server listening',
    15_000,
    new Promise<number>((resolve) =>
      child.stdout?.on('data', () => {
        const m = /on port (\d+)/.exec(out());
        if (m !== null) resolve(Number(m[1]));
      }),
    ),
    out,
  );
  return { port, child };
}

/** A competing fetcher and what it wrote (all, and stdout alone). */
interface Competing {
  child: ChildProcess;
  out: () => string;
  stdout: () => string;
}

/** A competing fetcher, once it says it is armed. */
async function armedCompetitor(port: number, bytes: number, capMs: number): Promise<Competing> {
  const child = spawnOwned(process.execPath, [
    LINK_ENDPOINT,
    'compete',
    '127.0.0.1',
    String(port),
    String(bytes),
    String(capMs),
  ]);
  const out = output(child);
  const stdout = output(child, ['stdout']);
  await within(
    'the competitor armed',
    15_000,
    new Promise<void>((resolve) =>
      child.stderr?.on('data', () => {
        if (out().includes(COMPETITOR_ARMED)) resolve();
      }),
    ),
    out,
  );
  return { child, out, stdout };
}

async function report(c: Competing): Promise<FetchResult> {
  await within('the competitor exiting', 20_000, new Promise((r) => c.child.once('exit', r)), c.out);
  return JSON.parse(c.stdout().trim().split('\n').pop() ?? '') as FetchResult;
}

test('a competing fetcher downloads only once signalled, with no probe, and reports when stopped', {
  timeout: 60_000,
}, async () => {
  const served = 1024 * 1024;
  const server = await endpointServer(served);
  try {
    // never signalled: it downloads nothing, and SIGTERM still gets its report
    const idle = await armedCompetitor(server.port, served, 20_000);
    idle.child.kill('SIGTERM');
    const none = await report(idle);
    assert.equal(none.bulkStartedAtMs, null);
    assert.equal(none.receivedBytes, 0);

    // signalled: the whole payload, more asked than served, so it runs to its cap with no probe beside it
    const busy = await armedCompetitor(server.port, 2 * served, 1500);
    const signalledAt = Date.now();
    busy.child.kill('SIGUSR2');
    const got = await report(busy);
    assert.deepEqual(got.errors, []);
    assert.ok(got.bulkStartedAtMs !== null && got.bulkStartedAtMs! >= signalledAt, `${got.bulkStartedAtMs}`);
    assert.equal(got.receivedBytes, served);
    assert.equal(got.sha256, sha256Hex(makePayload(served)));
    assert.deepEqual([got.idleProbeRttMs, got.probeRttMs], [[], []]);
  } finally {
    server.child.kill();
  }
});
