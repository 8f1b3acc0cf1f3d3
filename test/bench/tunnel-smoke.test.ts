import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseOptions, parseSize } from '../../bench/tunnel/options.js';
import { percentile } from '../../bench/tunnel/stats.js';
import { BenchTarget } from '../../bench/tunnel/target.js';
import { download, makePayload, upload } from '../../bench/tunnel/transfer.js';
import { spawnOwnedSync } from '../support/owned.js';

const BENCH_MAIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bench',
  'tunnel',
  'main.js',
);
const PAYLOAD_BYTES = 256 * 1024;
/** A byte well past the 13-byte header, so it is payload in either direction. */
const FLIP_AT = 1000;
const NEVER = -1;
const TIMEOUT_MS = 10_000;

/**
 * A TCP relay standing in for a tunnel that damages data: it flips one bit of the byte at offset `flipAt` of
 * each direction of each connection (NEVER for an honest relay).
 */
async function startRelay(targetPort: number, flipAt: number): Promise<net.Server> {
  const relay = (from: net.Socket, to: net.Socket): void => {
    let seen = 0;
    from.on('data', (chunk: Buffer) => {
      let out = chunk;
      if (flipAt >= seen && flipAt < seen + chunk.length) {
        out = Buffer.from(chunk);
        out[flipAt - seen] ^= 1;
      }
      seen += chunk.length;
      to.write(out);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1' });
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

/**
 * Run the benchmark to its end. A run killed at `timeoutMs` exits 130 from its SIGTERM handler with nothing
 * printed yet, so the failure names the timeout rather than only the status.
 */
function runBench(args: readonly string[], timeoutMs: number): void {
  const run = spawnOwnedSync(process.execPath, [BENCH_MAIN, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  const how =
    run.error === undefined ? `exit status ${run.status}` : `${run.error.message}: killed at ${timeoutMs} ms`;
  assert.equal(run.status, 0, `${how}\n${run.stdout}\n${run.stderr}`);
}

describe('tunnel benchmark: integrity check', async () => {
  const payload = makePayload(PAYLOAD_BYTES);
  const target = await BenchTarget.start(payload.data);
  const honest = await startRelay(target.port, NEVER);
  const damaging = await startRelay(target.port, FLIP_AT);
  after(async () => {
    honest.close();
    damaging.close();
    await target.close();
  });

  test('intact data passes both ways', async () => {
    const up = await upload(portOf(honest), target, payload, AbortSignal.timeout(TIMEOUT_MS));
    const down = await download(portOf(honest), payload, AbortSignal.timeout(TIMEOUT_MS));
    assert.deepEqual([up.ok, up.error, up.bytes], [true, undefined, PAYLOAD_BYTES]);
    assert.deepEqual([down.ok, down.error, down.bytes], [true, undefined, PAYLOAD_BYTES]);
  });

  test('one flipped bit fails the upload and the download', async () => {
    const up = await upload(portOf(damaging), target, payload, AbortSignal.timeout(TIMEOUT_MS));
    const down = await download(portOf(damaging), payload, AbortSignal.timeout(TIMEOUT_MS));
    assert.equal(up.ok, false);
    assert.match(up.error ?? '', /sha256/);
    assert.equal(down.ok, false);
    assert.match(down.error ?? '', /sha256/);
  });

  test('a transfer that never completes fails at the timeout', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const up = await upload(portOf(silent), target, payload, AbortSignal.timeout(200));
      assert.deepEqual([up.ok, up.error], [false, 'timed out']);
    } finally {
      silent.close();
    }
  });
});

describe('tunnel benchmark: options and statistics', () => {
  test('sizes are binary', () => {
    assert.equal(parseSize('2M'), 2 * 1024 * 1024);
    assert.equal(parseSize('512k'), 512 * 1024);
    assert.throws(() => parseSize('2 MB'), /--bytes/);
  });

  test('--quick shortens the run, explicit options win', () => {
    const o = parseOptions(['--quick', '--bytes', '1M', '--settings', 'fast3-raw,defaults']);
    assert.deepEqual([o.bytes, o.rounds, o.settings], [1024 * 1024, 1, ['fast3-raw', 'defaults']]);
    assert.throws(() => parseOptions(['--rounds', '0']), /--rounds/);
    assert.throws(() => parseOptions(['--nope']), /unknown option/);
  });

  test('nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

test('a short run of our pair writes a report of intact transfers', { timeout: 30_000 }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-tunnel-'));
  try {
    const out = path.join(dir, 'report.md');
    const args = [
      '--bytes',
      '2M',
      '--rounds',
      '2',
      '--warmup',
      '1M',
      '--settings',
      'fast3-raw',
      '--pairs',
      'ts-ts',
    ];
    runBench([...args, '--probes', '5', '--out', out], 25_000);
    const report = readFileSync(out, 'utf8');
    assert.match(report, /### fast3-raw: `-smuxver 1 -crypt none/);
    assert.match(report, /an unmeasured upload and download of 1 MiB each \(the warm-up\)/);
    // The summary row: throughput, CPU and RSS are numbers, RTT percentiles are pairs of numbers.
    assert.match(
      report,
      /\| ts-ts \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \/ \d+ \| [\d.]+ \/ [\d.]+ \|/,
    );
    const rawRows = report.split('\n').filter((l) => l.startsWith('| fast3-raw | ts-ts |'));
    // One raw row per measured transfer (the warm-up has none), the first direction alternating by round.
    const order = rawRows.map((r) => r.split(' | ').slice(2, 4).join(' '));
    assert.deepEqual(order, ['1 up', '1 down', '2 down', '2 up']);
    for (const r of rawRows) assert.ok(r.endsWith('| yes |'), r);
    assert.doesNotMatch(report, /## Failures/);
    assert.equal(parseOptions([]).warmupBytes, 0);
    assert.equal(parseOptions(['--bytes', '2M', '--warmup', '5M']).warmupBytes, 2 * 1024 * 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a short latency run of our pair reports cold, idle and loaded round trips', {
  timeout: 180_000,
}, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-latency-'));
  try {
    const out = path.join(dir, 'report.md');
    const args = ['--latency', '--load', '2', '--rounds', '1', '--settings', 'fast3-raw', '--pairs', 'ts-ts'];
    // The warm-up (2 s of bulk data, 2000 round trips) comes on top of the probes and the load: ~12 s on a
    // quiet machine, 4-5x that beside two busy loops (docs/test-flakes-2026-12-06.md), so a generous bound.
    runBench([...args, '--out', out], 170_000);
    const report = readFileSync(out, 'utf8');
    assert.match(report, /# Tunnel latency/);
    // cold and idle p50 / p99, then per direction p50 / p99 and the load's MiB/s
    const pair =
      /\| ts-ts \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \| [\d.]+ \/ [\d.]+ \| [\d.]+ \|/;
    assert.match(report, pair);
    assert.doesNotMatch(report, /## Failures/);
    assert.throws(() => parseOptions(['--latency', '--memory']), /one mode at a time/);
    assert.equal(parseOptions(['--latency']).loadStreams, 1);
    assert.equal(parseOptions(['--latency', '--load-streams', '4']).loadStreams, 4);
    assert.throws(() => parseOptions(['--load-streams', '0']), /--load-streams: not a positive integer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a short sessions run of our pair echoes through every session and reports it', {
  timeout: 30_000,
}, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sessions-'));
  try {
    const out = path.join(dir, 'report.md');
    const args = ['--sessions', '20', '--bulk-sessions', '2', '--bytes', '256K', '--warmup', '256K'];
    // echo 2 through a new client (new sessions to the warm server), echo 3 through its sessions again
    args.push('--warm-echoes', '2', '--fresh-client');
    runBench([...args, '--pairs', 'ts-ts', '--out', out], 25_000);
    const report = readFileSync(out, 'utf8');
    assert.match(report, /# Tunnel sessions/);
    assert.match(report, /an unmeasured upload of 0\.25 MiB through each session \(the warm-up\)/);
    const number = '-?[\\d.]+';
    const slash = `${number} / ${number}`;
    // Round; RSS idle / with sessions / peak, KiB per session, echo s, CPU server before and over the echo,
    // client, UDP drops; load
    const many = ['1', number, number, number, number, number, number, number, number, number, slash];
    assert.match(report, new RegExp(`\\| ts-ts \\| defaults \\| ${many.join(' \\| ')} \\|`));
    // Round; MiB/s, first / last upload done, CPU per GiB client / server, waiting for a CPU, UDP drops,
    // reference; load
    const bulk = ['1', number, slash, slash, slash, number, number, slash];
    assert.match(report, new RegExp(`\\| ts-ts \\| defaults \\| ${bulk.join(' \\| ')} \\|`));
    // the warm echo steps through the same server: echo 2 and 3; echo s, CPU server, client, drops, load
    assert.match(report, /## Warm echoes/);
    assert.match(report, /the\nfirst \(echo 2\) through a client process started for it \(--fresh-client\)/);
    for (const echo of ['2', '3']) {
      const warm = ['1', echo, number, number, number, number, number];
      assert.match(report, new RegExp(`\\| ts-ts \\| defaults \\| ${warm.join(' \\| ')} \\|`));
    }
    assert.doesNotMatch(report, /## Failures/);
    assert.throws(() => parseOptions(['--sessions', '5', '--memory']), /one mode at a time/);
    assert.deepEqual(parseOptions(['--sessions', '5']).pairs, ['ts-ts', 'go-go']);
    assert.equal(parseOptions(['--sessions', '5']).warmEchoes, 0);
    assert.equal(parseOptions(['--sessions', '5']).freshClient, false);
    assert.equal(parseOptions(['--sessions', '5', '--fresh-client']).freshClient, true);
    assert.throws(() => parseOptions(['--warm-echoes', '-1']), /--warm-echoes: not a non-negative integer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
