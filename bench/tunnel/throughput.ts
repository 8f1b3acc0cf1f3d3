import { Prober } from './probe.js';
import { CpuMeter, memory } from './proc-stats.js';
import type { Pair, Setting } from './settings.js';
import type { BenchTarget } from './target.js';
import { type Direction, download, type Payload, type TransferResult, upload } from './transfer.js';
import { TunnelPair } from './tunnel-pair.js';

export interface ThroughputOptions {
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
}

/** One pair in one round: fresh processes, an upload, then a download. */
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

const DIRECTIONS: readonly Direction[] = ['up', 'down'];

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
  for (const setting of settings) {
    for (let round = 1; round <= opts.rounds; round++) {
      for (const pair of pairs) {
        const record = await runRound(setting, pair, round, target, payload, opts);
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
    tunnel = await TunnelPair.start(pair, setting.args, target.port);
  } catch (err) {
    record.error = (err as Error).message;
    return record;
  }
  let prober: Prober | undefined;
  try {
    prober = await Prober.open(tunnel.localPort, AbortSignal.timeout(opts.timeoutMs));
    for (const direction of DIRECTIONS) {
      const measure = await measureTransfer(direction, tunnel, prober, target, payload, opts);
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
  prober: Prober,
  target: BenchTarget,
  payload: Payload,
  opts: ThroughputOptions,
): Promise<TransferMeasure> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const meter = new CpuMeter([tunnel.clientPid, tunnel.serverPid]);
  // CPU is read the moment the bulk transfer ends, not when the last probe comes back.
  const bulk = (
    direction === 'up'
      ? upload(tunnel.localPort, target, payload, signal)
      : download(tunnel.localPort, payload, signal)
  ).then((result) => ({ result, cpu: meter.secondsSoFar() }));
  const [{ result, cpu }, probes] = await Promise.all([
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
  };
}
