/**
 * `bench:tunnel --latency`: request/response time through the tunnel, cold (fresh processes), then after a
 * warm-up idle and while bulk streams (one unless --load-streams) load it in each direction. The echo target, the bulk streams' ends and the probe are
 * separate processes (latency-peer.ts), so no round trip waits for the benchmark's own work; in the throughput table the
 * probe shares its event loop with the sha256 of the bulk data, which adds that process's delays.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnOwned } from '../../test/support/owned.js';
import { placementSampled, SameCpuShare } from './cpu-placement.js';
import { type Pair, pairsFor, type Setting } from './settings.js';
import { fixed, MIB, percentile } from './stats.js';
import { TunnelPair } from './tunnel-pair.js';

const PEER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'latency-peer.js');
const DIRECTIONS = ['up', 'down'] as const;
/** The probe starts this long after the bulk stream and stops this long before it ends. */
export const RAMP_MS = 500;
/**
 * Round trips of fresh processes, before any warm-up: what a user sees right after start-up, when V8 has
 * not optimised our packet path yet (docs/bench-tunnel-latency-2026-12-02-5.md: 3000 round trips first moved
 * the idle p50 from 1.57 to 1.23 ms). Reported in a column of their own.
 */
export const COLD_PROBES = 50;
/**
 * The warm-up between the cold and the idle round trips, the same for every pair: a bulk stream of
 * WARMUP_LOAD_SEC up, then one down, then WARMUP_TRIPS round trips back to back. A tunnel runs for hours,
 * so the idle and loaded figures users feel are those of warm code.
 */
export const WARMUP_LOAD_SEC = 1;
export const WARMUP_TRIPS = 2000;
/** Round trips with the tunnel idle, after the warm-up. */
export const IDLE_PROBES = 100;

export interface LatencyOptions {
  rounds: number;
  probeIntervalMs: number;
  /** How long each bulk stream runs. */
  loadSec: number;
  /** Bulk streams at once, each its own connection and process. */
  loadStreams: number;
  /** Bytes/s of all bulk streams together, paced at their sources; 0: as fast as the tunnel carries. */
  loadRate: number;
}

export interface LatencyRecord {
  setting: string;
  pair: string;
  /** The first COLD_PROBES round trips of fresh processes. */
  cold: number[];
  /** Round trips with the tunnel idle, after the warm-up. */
  idle: number[];
  /**
   * Per direction: round trips during the load, the load's rate in bytes/s per round (all streams), and per
   * round the share of the load with our client and server on one CPU (SameCpuShare; NaN: not sampled).
   */
  loaded: Record<(typeof DIRECTIONS)[number], { rtts: number[]; rates: number[]; sameCpu: number[] }>;
  error?: string;
}

/** Run latency-peer with `args`; resolves with its first stdout line parsed as JSON. */
function peer(args: string[], onLine?: (line: string, child: ChildProcess) => void): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawnOwned(process.execPath, [PEER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let settled = false;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (onLine !== undefined) onLine(line, child);
        else if (!settled) {
          settled = true;
          resolve(JSON.parse(line));
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!settled) reject(new Error(`latency-peer ${args[0]} exited with ${code} before reporting`));
    });
  });
}

/** Start the echo/source/sink target; resolves with its port and the process to stop it. */
async function startTarget(): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    peer(['target'], (line, child) => {
      const m = /^port (\d+)$/.exec(line);
      if (m) resolve({ port: Number(m[1]), child });
    }).catch(reject);
  });
}

export async function runLatency(
  settings: readonly Setting[],
  pairs: readonly Pair[],
  opts: LatencyOptions,
  progress: (r: LatencyRecord, round: number) => void,
): Promise<LatencyRecord[]> {
  const target = await startTarget();
  const records: LatencyRecord[] = [];
  try {
    for (const setting of settings) {
      const settingPairs = pairsFor(setting, pairs);
      const bySetting = settingPairs.map(
        (pair): LatencyRecord => ({
          setting: setting.name,
          pair: pair.name,
          cold: [],
          idle: [],
          loaded: { up: { rtts: [], rates: [], sameCpu: [] }, down: { rtts: [], rates: [], sameCpu: [] } },
        }),
      );
      for (let round = 1; round <= opts.rounds; round++) {
        for (const [i, pair] of settingPairs.entries()) {
          await measure(setting, pair, target.port, opts, bySetting[i]);
          progress(bySetting[i], round);
        }
      }
      records.push(...bySetting);
    }
  } finally {
    target.child.kill();
  }
  return records;
}

async function measure(
  setting: Setting,
  pair: Pair,
  targetPort: number,
  opts: LatencyOptions,
  record: LatencyRecord,
): Promise<void> {
  let tunnel: TunnelPair;
  try {
    tunnel = await TunnelPair.start(pair, setting, targetPort);
  } catch (err) {
    record.error = (err as Error).message;
    return;
  }
  const port = String(tunnel.localPort);
  const interval = String(opts.probeIntervalMs);
  const probes = async (count: number, intervalMs: string, waitMs: number): Promise<number[]> =>
    ((await peer(['probe', port, String(count), intervalMs, String(waitMs)])) as { rtts: number[] }).rtts;
  const bulkStreams = (direction: string, seconds: number, rate: number) =>
    Array.from({ length: opts.loadStreams }, () =>
      peer(['bulk', port, direction, String(seconds), String(Math.floor(rate / opts.loadStreams))]),
    ) as Promise<{ bytes: number; seconds: number }>[];
  try {
    record.cold.push(...(await probes(COLD_PROBES, interval, 0)));
    for (const direction of DIRECTIONS) await Promise.all(bulkStreams(direction, WARMUP_LOAD_SEC, 0));
    await probes(WARMUP_TRIPS, '0', 0);
    record.idle.push(...(await probes(IDLE_PROBES, interval, 0)));
    const count = Math.max(1, Math.floor((opts.loadSec * 1000 - 2 * RAMP_MS) / opts.probeIntervalMs));
    for (const direction of DIRECTIONS) {
      const bulk = bulkStreams(direction, opts.loadSec, opts.loadRate);
      const placement = placementSampled(pair)
        ? new SameCpuShare([tunnel.clientPid, tunnel.serverPid])
        : null;
      // stopped also when the load fails: its timer must not outlive the measurement
      const [loaded, ...loads] = (await Promise.all([
        peer(['probe', port, String(count), interval, String(RAMP_MS)]),
        ...bulk,
      ]).finally(() => placement?.stop())) as [{ rtts: number[] }, ...{ bytes: number; seconds: number }[]];
      record.loaded[direction].sameCpu.push(placement === null ? Number.NaN : placement.stop());
      record.loaded[direction].rtts.push(...loaded.rtts);
      record.loaded[direction].rates.push(loads.reduce((sum, load) => sum + load.bytes / load.seconds, 0));
    }
  } catch (err) {
    record.error = `${(err as Error).message}\n${tunnel.logTail()}`;
  } finally {
    await tunnel.stop();
  }
}

const ms = (values: number[]): string =>
  `${fixed(percentile(values, 50), 1)} / ${fixed(percentile(values, 99), 1)}`;
const rate = (rates: number[]): string => fixed(rates.reduce((a, b) => a + b, 0) / rates.length / MIB, 1);
const percent = (shares: number[]): string =>
  fixed((100 * shares.reduce((a, b) => a + b, 0)) / shares.length, 0);

export function latencyTables(settings: readonly Setting[], records: readonly LatencyRecord[]): string {
  const head =
    '| pair (client-server) | RTT ms p50 / p99 cold | RTT ms p50 / p99 idle | RTT ms p50 / p99 during up | ' +
    'up load MiB/s | RTT ms p50 / p99 during down | down load MiB/s | on one CPU % up / down |';
  return settings
    .map((s) => {
      const rows = records
        .filter((r) => r.setting === s.name)
        .map((r) =>
          r.error !== undefined
            ? `| ${r.pair} | failed: ${r.error.split('\n')[0]} | | | | | | |`
            : `| ${r.pair} | ${ms(r.cold)} | ${ms(r.idle)} | ${ms(r.loaded.up.rtts)} | ${rate(r.loaded.up.rates)} | ` +
              `${ms(r.loaded.down.rtts)} | ${rate(r.loaded.down.rates)} | ` +
              `${percent(r.loaded.up.sameCpu)} / ${percent(r.loaded.down.sameCpu)} |`,
        );
      return [
        `### ${s.name}: \`${s.args.join(' ')}\``,
        '',
        head,
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}
