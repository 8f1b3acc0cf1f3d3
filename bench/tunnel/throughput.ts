import { placementSampled, SameCpuShare } from './cpu-placement.js';
import { Prober } from './probe.js';
import { CpuMeter, memory } from './proc-stats.js';
import { type Pair, pairsFor, type Setting } from './settings.js';
import type { BenchTarget } from './target.js';
import { type Direction, download, type Payload, prefix, type TransferResult, upload } from './transfer.js';
import { TunnelPair } from './tunnel-pair.js';

export interface ThroughputOptions {
  /** Bytes of the unmeasured upload and download that precede the measured ones in each round (0: none). */
  warmupBytes: number;
  rounds: number;
  probes: number;
  probeIntervalMs: number;
  timeoutMs: number;
}

/** One bulk transfer with the CPU it cost and the probe round trips measured meanwhile. */
export interface TransferMeasure extends TransferResult {
  cpuClientSec: number;
  cpuServerSec: number;
  rttsMs: number[];
  /** The share of the transfer with our client and server on one CPU (SameCpuShare; NaN: not sampled). */
  sameCpu: number;
}

/** One pair in one round: fresh processes, the warm-up if any, then an upload and a download in roundDirections' order. */
export interface RoundRecord {
  setting: string;
  pair: string;
  round: number;
  transfers: TransferMeasure[];
  /** Lifetime peak RSS of each process (VmHWM), read just before it is stopped. */
  clientHwmKiB: number;
  serverHwmKiB: number;
  /** Why the round failed, with the processes' last log lines; absent when every transfer was intact. */
  error?: string;
}

/**
 * The order of a round's measured transfers: up first in odd rounds, down first in even ones. The first
 * transfer of fresh processes of ours pays for V8 optimizing the packet path (up to twice the steady CPU per
 * byte over the first ~100 MiB), so a fixed order charged all of it to one direction: upload looked 1.3-1.6x
 * as costly per byte as download at both ends (docs/bench-tunnel-order-2026-12-04.md).
 */
function roundDirections(round: number): readonly Direction[] {
  return round % 2 === 1 ? ['up', 'down'] : ['down', 'up'];
}

/**
 * Each setting in turn; within it, `rounds` rounds, each running every pair once in the given order, so
 * ours and Go's alternate and drift in the machine's state hits both alike.
 */
export async function runThroughput(
  settings: readonly Setting[],
  pairs: readonly Pair[],
  target: BenchTarget,
  payload: Payload,
  opts: ThroughputOptions,
  progress: (r: RoundRecord) => void,
): Promise<RoundRecord[]> {
  const records: RoundRecord[] = [];
  const warmup = opts.warmupBytes > 0 ? prefix(payload, opts.warmupBytes) : null;
  for (const setting of settings) {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const pair of pairsFor(setting, pairs)) {
        const record = await runRound(setting, pair, round, target, payload, warmup, opts);
        progress(record);
        records.push(record);
      }
    }
  }
  return records;
}

async function runRound(
  setting: Setting,
  pair: Pair,
  round: number,
  target: BenchTarget,
  payload: Payload,
  warmup: Payload | null,
  opts: ThroughputOptions,
): Promise<RoundRecord> {
  const record: RoundRecord = {
    setting: setting.name,
    pair: pair.name,
    round,
    transfers: [],
    clientHwmKiB: Number.NaN,
    serverHwmKiB: Number.NaN,
  };
  let tunnel: TunnelPair;
  try {
    tunnel = await TunnelPair.start(pair, setting, target.port);
  } catch (err) {
    record.error = (err as Error).message;
    return record;
  }
  let prober: Prober | undefined;
  try {
    prober = await Prober.open(tunnel.localPort, AbortSignal.timeout(opts.timeoutMs));
    if (warmup !== null) {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      for (const w of [
        await upload(tunnel.localPort, target, warmup, signal),
        await download(tunnel.localPort, warmup, signal),
      ]) {
        if (!w.ok) throw new Error(`warm-up ${w.direction}: ${w.error}`);
      }
    }
    for (const direction of roundDirections(round)) {
      const measure = await measureTransfer(direction, tunnel, pair, prober, target, payload, opts);
      record.transfers.push(measure);
      if (!measure.ok) record.error = `${direction}: ${measure.error}`;
    }
    const client = memory(tunnel.clientPid);
    const server = memory(tunnel.serverPid);
    record.clientHwmKiB = client.hwmKiB;
    record.serverHwmKiB = server.hwmKiB;
  } catch (err) {
    record.error = (err as Error).message;
  } finally {
    prober?.close();
    if (record.error !== undefined) record.error += `\n${tunnel.logTail()}`;
    await tunnel.stop();
  }
  return record;
}

async function measureTransfer(
  direction: Direction,
  tunnel: TunnelPair,
  pair: Pair,
  prober: Prober,
  target: BenchTarget,
  payload: Payload,
  opts: ThroughputOptions,
): Promise<TransferMeasure> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const meter = new CpuMeter([tunnel.clientPid, tunnel.serverPid]);
  const placement = placementSampled(pair) ? new SameCpuShare([tunnel.clientPid, tunnel.serverPid]) : null;
  // CPU is read the moment the bulk transfer ends, not when the last probe comes back.
  const bulk = (
    direction === 'up'
      ? upload(tunnel.localPort, target, payload, signal)
      : download(tunnel.localPort, payload, signal)
  ).then((result) => ({ result, cpu: meter.secondsSoFar(), sameCpu: placement?.stop() ?? Number.NaN }));
  const [{ result, cpu, sameCpu }, probes] = await Promise.all([
    bulk,
    prober.run(opts.probes, opts.probeIntervalMs, bulk, signal),
  ]);
  const ok = result.ok && probes.error === undefined;
  return {
    ...result,
    ok,
    error: result.error ?? probes.error,
    cpuClientSec: cpu[0],
    cpuServerSec: cpu[1],
    rttsMs: probes.rttsMs,
    sameCpu,
  };
}
