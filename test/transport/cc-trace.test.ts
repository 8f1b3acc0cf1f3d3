import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnOwnedSync } from '../support/owned.js';

const MODULE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/transport/cc-trace.js');

/** Opens two traces in a fresh process (the trace file is per process) with KCPTUN_CC_TRACE=`file`. */
function openTwice(file: string): { status: number | null; stdout: string; stderr: string } {
  const script =
    `const { CcTrace } = await import(${JSON.stringify(MODULE)});` +
    `console.log(CcTrace.open('a', 0) === null, CcTrace.open('b', 0) === null);`;
  const r = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, KCPTUN_CC_TRACE: file },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

/**
 * Samples a stub Kcp through one trace in a fresh process: `flushes` are [now, newDataLimit, backlogged]
 * in time order. Returns the trace file's lines split into columns.
 */
/** Per flush, optionally: the pacer's counters (bytes), the pacing rate (the estimate is 1e6 B/s), a wake's lateness. */
interface PacerSample {
  credited: number;
  clipped: number;
  pacing?: number;
  late?: number;
}

function traceFlushes(
  dir: string,
  flushes: Array<[number, string, boolean] | [number, string, boolean, PacerSample]>,
): Array<Record<string, string>> {
  const script =
    `const { CcTrace } = await import(${JSON.stringify(MODULE)});` +
    'const cc = { state: "probe-bw", bandwidth: 0, minRtt: 0, pacingRate: 0, cwnd: 0, ackCadence: 0,' +
    ' lossBaseline: 0, inflightBytes: 0, lastRoundRate: 2.5e6, smoothedRtt: 123.4, startupExit: "flight",' +
    ' startupExitBandwidth: 2.4625e6 };' +
    'const kcp = { congestion: cc, mss: 1400, sndNxt: 0, sndUna: 0, srtt: 0, sndWnd: 0, rmtWnd: 0, unsent: 0,' +
    ' transmissions: 0, retransmittedSegs: 0, rcvWnd: 0, rcvBufLength: 0, spuriousRetransmits: 0,' +
    ' windowCopying: true, copiesSent: 7, ackBurstHighest: 9_000, ackDeliveredRate: 3_000,' +
    ' reAcks: true };' +
    "const trace = CcTrace.open('peer', 0);" +
    'const pacer = { credited: 0, clipped: 0 };' +
    `for (const [now, limit, backlogged, p] of ${JSON.stringify(flushes)}) {` +
    ' if (p !== undefined) { if (p.late !== undefined) trace.wake(p.late); pacer.credited = p.credited;' +
    ' pacer.clipped = p.clipped; cc.pacingRate = p.pacing ?? 0; cc.bandwidth = 1e6; }' +
    ' kcp.newDataLimit = limit; kcp.backlogged = backlogged; trace.sample(now, kcp, 0, pacer); }';
  const r = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, KCPTUN_CC_TRACE: path.join(dir, 'trace') },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const [name] = readdirSync(dir);
  const [header, ...rows] = readFileSync(path.join(dir, name), 'utf8').trim().split('\n');
  const keys = header.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((v, i) => [keys[i], v])));
}

describe('KCPTUN_CC_TRACE', () => {
  it("charges the time from each flush to the next to that flush's limit, data split by the writer's backlog", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-trace-'));
    try {
      const rows = traceFlushes(dir, [
        [0, 'data', false], // idle before a request: nothing to send
        [60, 'data', true], // the short queue ran dry within the flush, the writer above held more
        [90, 'pacer', true],
        [130, 'cwnd', true],
        [150, 'rmt-wnd', true],
        [160, 'budget', true],
        [170, 'snd-wnd', true],
        [175, 'pacer', true],
        [240, 'data', false], // a line: 110 ms after the one at 130
      ]);
      const last = rows[rows.length - 1];
      assert.equal(last.t_ms, '240');
      // the last round's highest rate sample and the smoothed RTT Startup's delay signals read
      assert.deepEqual([last.round_max_Mbit, last.rtt_avg], ['20.00', '123']);
      assert.deepEqual(
        ['data', 'refill', 'pacer', 'cwnd', 'wnd', 'budget'].map((k) => Number(last[`ms_${k}`])),
        [60, 30, 40 + 65, 20, 10 + 5, 10],
      );
      // the longest time between two flushes since the line before (a stalled event loop shows here)
      assert.deepEqual(
        rows.map((r) => r.gap_max),
        ['0', '60', '65'],
      );
      for (const k of ['fast_rt', 'early_rt', 'rto_rt']) assert.ok(Number.isInteger(Number(last[k])), k);
      // whether the last flush sent its new segments twice (window copies), and the copies written so far
      assert.deepEqual([last.win_copy, last.copies], ['1', '7']);
      // the readings the copies' rules compare (bytes per ms in Kcp, Mbit/s here)
      assert.deepEqual([last.burst_Mbit, last.delivered_Mbit], ['72.00', '24.00']);
      // the session re-acknowledges: its peer was seen to mark its parity
      assert.equal(last.re_acks, '1');
      // the rule that ended Startup, and the estimate then (Mbit/s)
      assert.equal(last.startup_exit, 'flight@19.70');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("charges the pacer's credit and cut-off to the intervals it held data, probes apart, and buckets late wake-ups", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-trace-'));
    try {
      const rows = traceFlushes(dir, [
        [0, 'pacer', true, { credited: 0, clipped: 0, pacing: 1.25e6 }], // a probe's flush, held by the pacer
        [10, 'cwnd', true, { credited: 10_000, clipped: 2_000, pacing: 1e6, late: 6 }], // charged: the pacer held
        [20, 'pacer', true, { credited: 30_000, clipped: 9_000, pacing: 1e6, late: 0 }], // not: the cap held
        [150, 'data', false, { credited: 50_000, clipped: 10_000, pacing: 1e6, late: 20 }], // charged, not a probe
      ]);
      const last = rows[rows.length - 1];
      assert.deepEqual(
        ['pacer_credit_kB', 'pacer_lost_kB', 'probe_credit_kB', 'probe_lost_kB'].map((k) => last[k]),
        ['30', '3', '10', '2'],
      );
      // the wake after the cap's flush is not counted: the pacer did not ask for it
      assert.deepEqual(
        ['late_1', 'late_4', 'late_8', 'late_16', 'late_more'].map((k) => last[k]),
        ['0', '0', '1', '0', '1'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a file that cannot be written turns the trace off with one line, not an error', () => {
    const r = openTwice('/nonexistent-kcptun-dir/trace');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'true true');
    const lines = r.stderr.split('\n').filter((l) => l.includes('KCPTUN_CC_TRACE'));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /cannot write \/nonexistent-kcptun-dir\/trace\.\d+/);
  });

  it('reads the environment once, not at every session it opens', () => {
    // process.env is a native lookup each time: 1000 sessions opening read it 1000 times
    const script =
      'let reads = 0; const env = process.env;' +
      "process.env = new Proxy(env, { get(t, k) { if (k === 'KCPTUN_CC_TRACE') reads++; return Reflect.get(t, k); } });" +
      `const { CcTrace } = await import(${JSON.stringify(MODULE)});` +
      "for (let i = 0; i < 3; i++) CcTrace.open('peer', 0);" +
      'console.log(reads);';
    const r = spawnOwnedSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, KCPTUN_CC_TRACE: '' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '1');
  });

  it('a writable file gets the header', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cc-trace-'));
    try {
      const r = openTwice(path.join(dir, 'trace'));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'false false');
      const [name] = readdirSync(dir);
      assert.match(readFileSync(path.join(dir, name), 'utf8'), /^t_ms\tremote\tstate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
