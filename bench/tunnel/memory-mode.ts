import { setMaxListeners } from 'node:events';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { memory } from './proc-stats.js';
import type { Pair, Setting } from './settings.js';
import { type BenchTarget, header, Mode } from './target.js';
import { connect, download, type Payload, TIMED_OUT, unlessAborted, upload } from './transfer.js';
import { TunnelPair } from './tunnel-pair.js';

export interface MemoryOptions {
  streams: number;
  durationSec: number;
  timeoutMs: number;
}

/** Resident set of both ends at one moment, KiB. */
export interface RssSample {
  label: string;
  /** Seconds since the long transfer began; absent for the samples before it. */
  atSec?: number;
  /** Bytes moved by the long transfer's finished transfers so far; absent before it. */
  movedBytes?: number;
  clientKiB: number;
  serverKiB: number;
}

export interface MemoryRecord {
  setting: string;
  pair: string;
  samples: RssSample[];
  transfers: number;
  clientHwmKiB: number;
  serverHwmKiB: number;
  error?: string;
}

/** Time for a process to settle after a change before its RSS is read (allocations, GC, socket buffers). */
export const SETTLE_MS = 2_000;
export const SAMPLE_EVERY_MS = 10_000;
/** Streams opened at once while building up the open-stream count. */
const OPEN_CONCURRENCY = 50;

/**
 * RSS of a pair idle, with `streams` TCP connections held open through it, after closing them, and every
 * 10 s over a long transfer (uploads and downloads of the payload in turn, each one checked).
 */
export async function runMemory(
  setting: Setting,
  pair: Pair,
  target: BenchTarget,
  payload: Payload,
  opts: MemoryOptions,
  progress: (s: RssSample) => void,
): Promise<MemoryRecord> {
  const record: MemoryRecord = {
    setting: setting.name,
    pair: pair.name,
    samples: [],
    transfers: 0,
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
  const sample = (label: string, atSec?: number, movedBytes?: number): void => {
    const s: RssSample = {
      label,
      atSec,
      movedBytes,
      clientKiB: memory(tunnel.clientPid).rssKiB,
      serverKiB: memory(tunnel.serverPid).rssKiB,
    };
    record.samples.push(s);
    progress(s);
  };
  try {
    await sleep(SETTLE_MS);
    sample('idle');
    const openSignal = AbortSignal.timeout(opts.timeoutMs);
    // Every concurrent opener waits on this one signal.
    setMaxListeners(OPEN_CONCURRENCY + 1, openSignal);
    const held = await holdStreams(tunnel.localPort, opts.streams, openSignal);
    try {
      await sleep(SETTLE_MS);
      sample(`${opts.streams} streams open`);
    } finally {
      for (const s of held) s.destroy();
    }
    await waitUntil(() => target.holding === 0, opts.timeoutMs);
    await sleep(SETTLE_MS);
    sample(`${opts.streams} streams closed`);
    await longTransfer(tunnel, target, payload, opts, record, sample);
    record.clientHwmKiB = memory(tunnel.clientPid).hwmKiB;
    record.serverHwmKiB = memory(tunnel.serverPid).hwmKiB;
  } catch (err) {
    record.error = `${(err as Error).message}\n${tunnel.logTail()}`;
  } finally {
    await tunnel.stop();
  }
  return record;
}

async function longTransfer(
  tunnel: TunnelPair,
  target: BenchTarget,
  payload: Payload,
  opts: MemoryOptions,
  record: MemoryRecord,
  sample: (label: string, atSec: number, movedBytes: number) => void,
): Promise<void> {
  const start = performance.now();
  const elapsedSec = (): number => (performance.now() - start) / 1000;
  let moved = 0;
  sample('long transfer', 0, 0);
  const sampler = setInterval(() => {
    try {
      sample('long transfer', Math.round(elapsedSec()), moved);
    } catch {
      // A process that is gone cannot be sampled; the transfer in flight reports the failure.
    }
  }, SAMPLE_EVERY_MS);
  try {
    while (elapsedSec() < opts.durationSec) {
      const signal = AbortSignal.timeout(opts.timeoutMs);
      const result =
        record.transfers % 2 === 0
          ? await upload(tunnel.localPort, target, payload, signal)
          : await download(tunnel.localPort, payload, signal);
      if (!result.ok)
        throw new Error(`${result.direction} transfer ${record.transfers + 1}: ${result.error}`);
      record.transfers++;
      moved += result.bytes;
    }
  } finally {
    clearInterval(sampler);
  }
  sample('long transfer end', Math.round(elapsedSec()), moved);
}

/** Open `count` streams through the tunnel, each acknowledged by the target, and return their sockets. */
async function holdStreams(port: number, count: number, signal: AbortSignal): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const openOne = async (): Promise<void> => {
    const socket = await connect(port, signal);
    sockets.push(socket);
    socket.write(header(Mode.Hold, 0, 0));
    const ack = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('close', () => reject(new Error('a held stream closed before the target answered')));
    });
    if ((await unlessAborted(ack, signal)) === TIMED_OUT)
      throw new Error(`opening ${count} streams ${TIMED_OUT}`);
  };
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        next++;
        await openOne();
      }
    };
    await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  } catch (err) {
    for (const s of sockets) s.destroy();
    throw err;
  }
  return sockets;
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error('timed out waiting for the target to see the streams close');
    await sleep(50);
  }
}
