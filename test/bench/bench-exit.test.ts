import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WAIT_MS, within } from '../support/deadline.js';
import { spawnOwned } from '../support/owned.js';
import { childrenOf, commandLine, killIfRunning, running } from '../support/proc-table.js';

const BENCH_MAIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'bench',
  'tunnel',
  'main.js',
);
/** The latency benchmark's processes: its echo target and that target's bulk process, the tunnel's two ends. */
const PROCESSES = 4;
const POLL_MS = 20;

function descendantsOf(pid: number): number[] {
  const children = childrenOf(pid);
  return [...children, ...children.flatMap(descendantsOf)];
}

/**
 * What `read` returns once `done` accepts it, read every POLL_MS (process deaths of non-children send no
 * event); fails after WAIT_MS saying `what`, followed by `context()`.
 */
async function poll<T>(
  what: string,
  read: () => T,
  done: (value: T) => boolean,
  context: () => string,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (let value = read(); !done(value); value = read()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms\n${context()}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return read();
}

/**
 * A benchmark stopped midway by SIGTERM (a CI timeout, `timeout`, kill) leaves nothing running: its peers
 * used to stay (docs/test-flakes-2026-12-06.md), holding their ports for the next run.
 */
test('a latency benchmark stopped by SIGTERM leaves none of its processes running', {
  skip: process.platform !== 'linux' && 'reads /proc',
  timeout: 90_000,
}, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcpt-bench-exit-'));
  const args = ['--latency', '--load', '1', '--rounds', '1', '--settings', 'fast3-raw', '--pairs', 'ts-ts'];
  const bench = spawnOwned(process.execPath, [BENCH_MAIN, ...args, '--out', path.join(dir, 'report.md')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  bench.stdout!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  bench.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => bench.once('exit', () => resolve()));
  let started: number[] = [];
  try {
    started = await poll(
      `the benchmark's ${PROCESSES} processes`,
      () => descendantsOf(bench.pid!),
      (pids) => pids.length >= PROCESSES || bench.exitCode !== null,
      () => log,
    );
    assert.ok(started.length >= PROCESSES, `the benchmark ended before its processes started:\n${log}`);
    bench.kill('SIGTERM');
    await within('the benchmark ending on SIGTERM', WAIT_MS, exited, () => log);
    const left = await poll(
      'every process of the benchmark ending with it',
      () => started.filter(running),
      (pids) => pids.length === 0,
      () =>
        started
          .filter(running)
          .map((pid) => `still running: ${pid} ${commandLine(pid)}`)
          .join('\n'),
    );
    assert.deepEqual(left, []);
  } finally {
    bench.kill('SIGKILL');
    for (const pid of started) killIfRunning(pid);
    rmSync(dir, { recursive: true, force: true });
  }
});
