import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../../bench/tunnel/options.js';
import { spawnOwned } from '../support/owned.js';

const PEER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bench/tunnel/latency-peer.js');
const MIB = 1 << 20;
/** A rate far below what a local socket carries unpaced (hundreds of MiB/s), so pacing shows as a bound. */
const RATE = 4 * MIB;
const LOAD_SEC = 1;

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill();
});

/** Spawn latency-peer with `args` and resolve with its first stdout line. */
async function firstLine(args: string[]): Promise<string> {
  const child = spawnOwned(process.execPath, [PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  for await (const chunk of child.stdout!) {
    out += chunk;
    const end = out.indexOf('\n');
    if (end >= 0) return out.slice(0, end);
  }
  await once(child, 'exit');
  throw new Error(`latency-peer ${args[0]} ended without a line`);
}

test('--load-rate paces the latency mode bulk streams at their sources, both ways', {
  timeout: 30_000,
}, async () => {
  const port = /^port (\d+)$/.exec(await firstLine(['target']))![1];
  for (const direction of ['up', 'down']) {
    const line = await firstLine(['bulk', port, direction, String(LOAD_SEC), String(RATE)]);
    const { bytes, seconds } = JSON.parse(line) as { bytes: number; seconds: number };
    const rate = bytes / seconds;
    // Unpaced, a stream to the local target moves well over 10x RATE; paced, the source stays at the rate
    // give or take a tick's worth, and a starved process only falls behind it.
    assert.ok(rate < 2 * RATE, `${direction}: ${(rate / MIB).toFixed(1)} MiB/s against ${RATE / MIB}`);
    assert.ok(rate > RATE / 4, `${direction}: ${(rate / MIB).toFixed(1)} MiB/s against ${RATE / MIB}`);
  }
  assert.equal(parseOptions(['--latency']).loadRate, 0);
  assert.equal(parseOptions(['--latency', '--load-rate', '40M']).loadRate, 40 * MIB);
});
