import { fileURLToPath } from 'node:url';
import { HEAP_PERIOD_ENV, type HeapFigures, lastHeapFigures } from './heap-probe.js';
import { pacedDownload, pacedUpload } from './paced-transfer.js';
import { CpuMeter, memory } from './proc-stats.js';
import type { Pair, Setting } from './settings.js';
import type { BenchTarget } from './target.js';
import type { Payload } from './transfer.js';
import { TunnelPair } from './tunnel-pair.js';

export interface SoakOptions {
  durationSec: number;
  /** Bytes per second of the soak's transfers, each direction in turn. */
  rate: number;
  sampleEverySec: number;
  timeoutMs: number;
}

/** One process's memory at one moment: /proc's resident set, and the heap line its probe printed last. */
export interface ProcessMemory {
  rssKiB: number;
  anonKiB: number;
  /** Absent until the probe has printed (a Go process never does). */
  heap?: HeapFigures;
}

export interface SoakSample {
  atSec: number;
  /** Bytes moved by the finished transfers so far. */
  movedBytes: number;
  client: ProcessMemory;
  server: ProcessMemory;
}

export interface SoakRecord {
  setting: string;
  pair: string;
  samples: SoakSample[];
  transfers: number;
  movedBytes: number;
  seconds: number;
  cpuClientSec: number;
  cpuServerSec: number;
  clientHwmKiB: number;
  serverHwmKiB: number;
  error?: string;
}

/** Heap lines come this much more often than samples, so a sample's heap figures are at most this old. */
const HEAP_LINES_PER_SAMPLE = 6;
const MS_PER_SEC = 1000;
const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.js', import.meta.url));

function processMemory(pid: number, log: string): ProcessMemory {
  const m = memory(pid);
  return { rssKiB: m.rssKiB, anonKiB: m.anonKiB, heap: lastHeapFigures(log) ?? undefined };
}

/**
 * A transfer held for `durationSec` at a moderate `rate`: uploads and downloads of the payload in turn, each
 * paced and sha256-checked, with both processes' memory sampled every `sampleEverySec`.
 */
export async function runSoak(
  setting: Setting,
  pair: Pair,
  target: BenchTarget,
  payload: Payload,
  opts: SoakOptions,
  progress: (s: SoakSample) => void,
): Promise<SoakRecord> {
  const record: SoakRecord = {
    setting: setting.name,
    pair: pair.name,
    samples: [],
    transfers: 0,
    movedBytes: 0,
    seconds: 0,
    cpuClientSec: Number.NaN,
    cpuServerSec: Number.NaN,
    clientHwmKiB: Number.NaN,
    serverHwmKiB: Number.NaN,
  };
  const heapPeriodMs = Math.max(1, Math.round((opts.sampleEverySec * MS_PER_SEC) / HEAP_LINES_PER_SAMPLE));
  let tunnel: TunnelPair;
  try {
    tunnel = await TunnelPair.start(pair, setting, target.port, [], {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${HEAP_PROBE}`.trim(),
      [HEAP_PERIOD_ENV]: String(heapPeriodMs),
    });
  } catch (err) {
    record.error = (err as Error).message;
    return record;
  }
  const start = performance.now();
  const elapsedSec = (): number => (performance.now() - start) / MS_PER_SEC;
  const sample = (): void => {
    const s: SoakSample = {
      atSec: Math.round(elapsedSec()),
      movedBytes: record.movedBytes,
      client: processMemory(tunnel.clientPid, tunnel.client.log),
      server: processMemory(tunnel.serverPid, tunnel.server.log),
    };
    record.samples.push(s);
    progress(s);
  };
  const sampler = setInterval(() => {
    try {
      sample();
    } catch {
      // A process that is gone cannot be sampled; the transfer in flight reports the failure.
    }
  }, opts.sampleEverySec * MS_PER_SEC);
  try {
    const cpu = new CpuMeter([tunnel.clientPid, tunnel.serverPid]);
    sample();
    while (elapsedSec() < opts.durationSec) {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      const result =
        record.transfers % 2 === 0
          ? await pacedUpload(tunnel.localPort, target, payload, opts.rate, signal)
          : await pacedDownload(tunnel.localPort, payload, opts.rate, signal);
      if (!result.ok)
        throw new Error(`${result.direction} transfer ${record.transfers + 1}: ${result.error}`);
      record.transfers++;
      record.movedBytes += result.bytes;
    }
    clearInterval(sampler);
    sample();
    record.seconds = elapsedSec();
    [record.cpuClientSec, record.cpuServerSec] = cpu.secondsSoFar();
    record.clientHwmKiB = memory(tunnel.clientPid).hwmKiB;
    record.serverHwmKiB = memory(tunnel.serverPid).hwmKiB;
  } catch (err) {
    record.error = `${(err as Error).message}\n${tunnel.logTail()}`;
  } finally {
    clearInterval(sampler);
    await tunnel.stop();
  }
  return record;
}
