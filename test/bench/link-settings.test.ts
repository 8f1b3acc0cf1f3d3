import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderChart } from '../../bench/link/chart.js';
import {
  autoSettings,
  fast3Settings,
  fastDefaults,
  kcptunArgs,
  windowForBdp,
} from '../../bench/link/kcp-settings.js';
import { gilbertElliottMeanLoss, latenessPercentileUs, setCommand } from '../../bench/link/link-settings.js';
import { bdpBytes, downloadBytes, linkSettingsOf, meanLoss, PROFILES } from '../../bench/link/profiles.js';
import { type BenchmarkReport, renderMarkdown } from '../../bench/link/report.js';
import { percentile, type RunResult } from '../../bench/link/run.js';
import { goodputRange, representativeRuns } from '../../bench/link/summary.js';
import { TRANSPORTS, type TransportId } from '../../bench/link/transports.js';
import { completedRun } from '../support/link-run.js';

const profile25 = PROFILES.find((p) => p.id === '25ms-2')!;

describe('forwarder set command', () => {
  it('writes every parameter in the units the forwarder reads', () => {
    const line = setCommand(
      'a2b',
      { delayMs: 25, jitterMs: 1.5, loss: 0.02, rateMbit: 50, queueBytes: 1000 },
      7,
    );
    assert.equal(
      line,
      'set a2b delay_us=25000 jitter_us=1500 loss=0.02 rate_bps=50000000 queue_bytes=1000 ge=0 seed=7',
    );
  });

  it('passes Gilbert-Elliott parameters and leaves the seed out when not given', () => {
    const line = setCommand(
      'b2a',
      { delayMs: 0, gilbertElliott: { p: 0.01, r: 0.5, lossBad: 0.8, lossGood: 0 } },
      undefined,
    );
    assert.equal(line, 'set b2a delay_us=0 jitter_us=0 loss=0 rate_bps=0 queue_bytes=0 ge=0.01,0.5,0.8,0');
  });

  it('names the parameter it refuses', () => {
    assert.throws(() => setCommand('a2b', { delayMs: -1 }, undefined), /delayMs/);
    assert.throws(() => setCommand('a2b', { delayMs: 1, loss: 1.5 }, undefined), /loss/);
    assert.throws(() => setCommand('a2b', { delayMs: 1, rateMbit: Number.NaN }, undefined), /rateMbit/);
    const ge = { p: 2, r: 0.5, lossBad: 1, lossGood: 0 };
    assert.throws(
      () => setCommand('a2b', { delayMs: 1, gilbertElliott: ge }, undefined),
      /gilbertElliott\.p/,
    );
  });

  it('computes the long-run Gilbert-Elliott loss', () => {
    // a quarter of the time in the bad state, which loses 40 %
    assert.equal(gilbertElliottMeanLoss({ p: 0.1, r: 0.3, lossBad: 0.4, lossGood: 0 }), 0.1);
  });
});

describe('lateness histogram', () => {
  const hist: Array<[number, number]> = [
    [0, 50],
    [3, 40],
    [120, 10],
  ];

  it('gives the upper edge of the bucket holding the percentile', () => {
    assert.equal(latenessPercentileUs(hist, 0.5), 10);
    assert.equal(latenessPercentileUs(hist, 0.9), 40);
    assert.equal(latenessPercentileUs(hist, 0.99), 1210);
    assert.equal(latenessPercentileUs([], 0.99), 0);
  });
});

describe('profiles and kcptun settings', () => {
  it('sizes the windows to the bandwidth-delay product in 1350-byte packets', () => {
    assert.equal(bdpBytes(profile25), 625_000);
    assert.equal(windowForBdp(profile25, 1), 463);
    assert.equal(fast3Settings(profile25, 2).window, 926);
  });

  it('builds a symmetric link with a one-BDP queue and a fixed seed', () => {
    const link = linkSettingsOf(profile25);
    assert.deepEqual(link.aToB, link.bToA);
    assert.equal(link.aToB.queueBytes, 625_000);
    assert.equal(link.aToB.loss, 0.02);
    assert.ok(link.seed !== undefined);
  });

  it('gives the deep-queue profile 8 BDPs of queue, and the bursty one its chain and mean loss', () => {
    const vps = PROFILES.find((p) => p.queueBdp !== undefined)!;
    assert.equal(linkSettingsOf(vps).aToB.queueBytes, 8 * bdpBytes(vps));
    const bursty = PROFILES.find((p) => p.gilbertElliott !== undefined)!;
    assert.deepEqual(linkSettingsOf(bursty).aToB.gilbertElliott, bursty.gilbertElliott);
    assert.ok(Math.abs(meanLoss(bursty) - 0.03) < 0.002);
    const jittery = PROFILES.find((p) => p.jitterMs !== undefined)!;
    assert.equal(linkSettingsOf(jittery).bToA.jitterMs, 30);
  });

  it('runs the slow links only when named, each download a dozen seconds of its rate', () => {
    const named = PROFILES.filter((p) => p.onlyWhenNamed);
    assert.deepEqual(
      named.map((p) => p.id),
      ['cell-60ms-2-2M', 'sat-300ms-1-1M'],
    );
    const sixteen = 16 * 2 ** 20;
    for (const p of named) {
      const seconds = (downloadBytes(p, sixteen) * 8) / (p.rateMbit * 1e6);
      assert.ok(seconds >= 10 && seconds <= 15, `${p.id}: ${seconds} s at the link's rate`);
      // a smaller size asked for stays as asked
      assert.equal(downloadBytes(p, 2 ** 20), 2 ** 20);
    }
    for (const p of PROFILES.filter((q) => !q.onlyWhenNamed))
      assert.equal(downloadBytes(p, sixteen), sixteen);
  });

  it('gives the cellular profile a deep queue and the satellite one a one-BDP queue', () => {
    const cell = PROFILES.find((p) => p.id === 'cell-60ms-2-2M')!;
    // 16 BDP at 2 Mbit/s over 120 ms: 1.9 s of queue
    assert.equal(linkSettingsOf(cell).aToB.queueBytes, 480_000);
    const sat = PROFILES.find((p) => p.id === 'sat-300ms-1-1M')!;
    assert.equal(linkSettingsOf(sat).aToB.queueBytes, 75_000);
    assert.equal(linkSettingsOf(sat).bToA.delayMs, 300);
  });

  it('gives Go and ours the same fast3 flags, and auto no window or FEC flag', () => {
    const args = kcptunArgs(fast3Settings(profile25, 1));
    assert.deepEqual(args.slice(0, 6), ['-mode', 'fast3', '-sndwnd', '463', '-rcvwnd', '463']);
    assert.ok(args.includes('-nocomp'));
    const auto = kcptunArgs(autoSettings());
    assert.deepEqual(auto.slice(0, 2), ['-mode', 'auto']);
    for (const flag of ['-sndwnd', '-rcvwnd', '-datashard', '-parityshard'])
      assert.ok(!auto.includes(flag), `${flag} must not be given to auto`);
  });
  it('runs -mode fast with no window or FEC flag for the no-flags row, only when it is named', () => {
    const fast = kcptunArgs(fastDefaults());
    assert.deepEqual(fast.slice(0, 2), ['-mode', 'fast']);
    for (const flag of ['-sndwnd', '-rcvwnd', '-datashard', '-parityshard'])
      assert.ok(!fast.includes(flag), `${flag} must not be given to the no-flags row`);
    assert.deepEqual(
      TRANSPORTS.filter((t) => t.onlyWhenNamed).map((t) => t.id),
      ['ts-fast'],
    );
  });

  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 0.5), 50);
    assert.equal(percentile(sorted, 0.99), 99);
    assert.equal(percentile([], 0.5), null);
  });
});

function fakeRun(
  profile: string,
  transport: TransportId,
  goodputMbit: number,
  wirePerByte: number,
): RunResult {
  return completedRun({
    profile,
    transport,
    goodputMbit,
    probe: { idleP50Ms: 55, samples: 50, p50Ms: 60, p99Ms: 90, maxMs: 95, outstandingMs: null },
    wire: {
      bytes: 1000 * wirePerByte,
      aToBBytes: 10,
      bToABytes: 1000 * wirePerByte - 10,
      perDeliveredByte: wirePerByte,
      lossDrops: 0,
      queueDrops: 0,
      maxQueueBytes: 0,
      latePackets: 0,
    },
  });
}

describe('report and chart', () => {
  const clean = PROFILES[0];
  const lossy = PROFILES[4];
  const report: BenchmarkReport = {
    date: '2026-01-01T00:00:00.000Z',
    node: 'v20',
    bytes: 1000,
    capMs: 1000,
    repeat: 1,
    profiles: [clean, lossy],
    runs: [
      fakeRun(clean.id, 'tcp-cubic', 80, 1.05),
      fakeRun(clean.id, 'go-kcptun', 40, 1.9),
      fakeRun(lossy.id, 'tcp-bbr', 2, 1.2),
      fakeRun(lossy.id, 'ts-kcptun', 30, 2),
    ],
    accuracy: null,
  };

  it('puts a verdict per link first, naming the winner and the overhead', () => {
    const md = renderMarkdown(report);
    const verdict = md.slice(md.indexOf('## Verdict'), md.indexOf('## Results'));
    assert.match(verdict, /25 ms, 0 % .*\*\*TCP wins, 2\.0×\*\*.*1\.90× wire bytes/);
    assert.match(verdict, /150 ms, 10 % .*\*\*KCP wins, 15×\*\*/);
  });

  it('checks -mode auto against its targets, profile by profile', () => {
    const auto = {
      ...fakeRun(lossy.id, 'ts-auto', 40, 1.5),
      probe: { ...fakeRun(lossy.id, 'ts-auto', 0, 1).probe },
    };
    const md = renderMarkdown({
      ...report,
      runs: [...report.runs, fakeRun(lossy.id, 'go-kcptun', 30, 2), auto],
    });
    const section = md.slice(md.indexOf('## `-mode auto` against its targets'), md.indexOf('## Ours vs Go'));
    const row = section.split('\n').find((l) => l.startsWith(`| ${lossy.label} |`));
    assert.ok(row !== undefined, section);
    // 40 Mbit/s vs 1.2 x max(bbr 2, Go 30) = 36: met; p99 90 vs 1.5 x 90: met; p50 60 vs 1.2 x 55 = 66: met
    assert.match(row, /40\.0 vs 36\.0 \(≥ 1\.2× best\): met/);
    assert.match(row, /60 vs 66: met/);
    // wire 1.5x vs Go's 2.0x: met
    assert.match(row, /1\.50× vs 2\.00×: met/);
    assert.ok(!section.includes(`| ${clean.label} |`), 'no auto run on the clean link, no row');
  });

  it('keeps warm runs out of the results, targets and chart, and beside their cold run in a section of their own', () => {
    const cold = fakeRun(lossy.id, 'ts-auto', 40, 1.5);
    const warm = { ...fakeRun(lossy.id, 'ts-auto', 60, 1.3), warm: true };
    const withWarm = { ...report, warmIdleMs: 12_000, runs: [...report.runs, cold, warm] };
    const md = renderMarkdown(withWarm);
    const results = md.slice(md.indexOf('## Results'), md.indexOf('## Warm tunnel'));
    assert.ok(results.includes('| 40.0 |') && !results.includes('| 60.0 |'), results);
    const targets = md.slice(md.indexOf('## `-mode auto` against its targets'), md.indexOf('## Ours vs Go'));
    assert.match(targets, /40\.0 vs/);
    const section = md.slice(md.indexOf('## Warm tunnel'), md.indexOf('![goodput'));
    assert.match(section, /waited 12 s/);
    assert.match(section, /\| ts-auto \| 40\.0 \| 60\.0 \| 1\.50 \| 0 \/ 0 \| 1\.50× \/ 1\.30× \|/);
    assert.equal(renderChart(withWarm).match(/<title>/g)?.length, 5 * 3);
    assert.ok(!renderMarkdown(report).includes('## Warm tunnel'), 'no warm runs, no section');
  });

  it('draws one bar per run and panel', () => {
    const svg = renderChart(report);
    assert.ok(svg.startsWith('<svg'));
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.equal(svg.match(/<title>/g)?.length, 4 * 3);
  });
});

describe('repeated runs', () => {
  it('stand for themselves by the median-goodput successful run, with the range beside it', () => {
    const failed = { ...fakeRun('p', 'tcp-bbr', 99, 1), ok: false };
    const runs = [
      fakeRun('p', 'tcp-bbr', 30, 1.1),
      fakeRun('p', 'go-kcptun', 5, 2),
      failed,
      fakeRun('p', 'tcp-bbr', 10, 1.2),
      fakeRun('p', 'tcp-bbr', 20, 1.3),
    ];
    const picked = representativeRuns(runs);
    assert.equal(picked.length, 2);
    assert.equal(picked[0].goodputMbit, 20);
    assert.equal(picked[0].wire?.perDeliveredByte, 1.3);
    assert.equal(picked[1].transport, 'go-kcptun');
    assert.deepEqual(goodputRange(runs, picked[0]), [10, 30]);
    assert.equal(goodputRange(runs, picked[1]), null);
    assert.equal(representativeRuns([failed])[0], failed);
  });
});
