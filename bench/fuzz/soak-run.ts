/**
 * A soak: the tunnel through a lossy UDP relay for a long time, with one long echo stream that never stops
 * and many short ones opening and closing, every byte checked by sha256, RSS sampled all along.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { UdpRelay } from '../../test/support/udp-relay.js';
import { EchoChecker } from './live-transfer.js';
import { Rng } from './rng.js';
import {
  type ServerUnderTest,
  startChildServer,
  startClient,
  startEchoTarget,
  startInProcessServer,
  type TunnelMode,
} from './tunnel-under-test.js';

export interface SoakOptions {
  seconds: number;
  /** Share of datagrams the relay drops, each way. */
  loss: number;
  server: 'child' | 'in-process';
  /** Both ends' -mode. */
  mode: TunnelMode;
  /** Short streams open at once. */
  streams: number;
  /** Largest short stream, bytes (sizes are spread log-uniformly from 1 byte). */
  maxStreamBytes: number;
  seed: number;
  sampleSeconds: number;
  progress?: (line: string) => void;
}

export const DEFAULT_SOAK_OPTIONS: SoakOptions = {
  seconds: 300,
  loss: 0.1,
  server: 'child',
  mode: 'auto',
  streams: 16,
  maxStreamBytes: 1 << 20,
  seed: 1,
  sampleSeconds: 10,
};

export interface RssSample {
  second: number;
  serverRssMB: number;
  /** This process: the client, the relay and the workload (and the server when in-process). */
  selfRssMB: number;
  streamsCompleted: number;
  megabytes: number;
}

export interface SoakReport {
  options: Omit<SoakOptions, 'progress'>;
  seconds: number;
  relay: { forwarded: number; dropped: number; lossPercent: number };
  longStream: { bytes: number; intact: boolean; megabytesPerSecond: number };
  shortStreams: { completed: number; failed: number; corrupted: number; megabytes: number };
  samples: RssSample[];
  problems: string[];
}

const CRYPT = 'aes';
const MB = 1 << 20;
const LONG_CHUNK = 64 << 10;
/** After the deadline, the long stream's last bytes must come back within this. */
const DRAIN_TIMEOUT_MS = 120_000;

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * One connection that writes random data without pause (with backpressure) and reads the echo, hashing both
 * sides; `finish` stops writing, waits for the echo to catch up and compares.
 */
class LongEcho {
  written = 0;
  echoed = 0;
  private readonly sent = createHash('sha256');
  private readonly received = createHash('sha256');
  private writing = true;
  private closed = false;
  private readonly socket: net.Socket;

  constructor(port: number) {
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.socket.on('data', (d: Buffer) => {
      this.echoed += d.length;
      this.received.update(d);
    });
    this.socket.once('connect', () => this.pump());
  }

  private pump(): void {
    while (this.writing && !this.closed) {
      const chunk = randomBytes(LONG_CHUNK);
      this.sent.update(chunk);
      this.written += chunk.length;
      if (!this.socket.write(chunk)) {
        this.socket.once('drain', () => this.pump());
        return;
      }
    }
  }

  async finish(): Promise<boolean> {
    this.writing = false;
    const start = Date.now();
    while (this.echoed < this.written && !this.closed && Date.now() - start < DRAIN_TIMEOUT_MS)
      await sleep(20);
    const intact = this.echoed === this.written && this.sent.digest('hex') === this.received.digest('hex');
    this.socket.destroy();
    return intact;
  }
}

/** Short echo streams of log-uniform random sizes in loops; sizes come from the seed. */
class ShortStreams {
  private readonly live: EchoChecker;
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(port: number, streams: number, maxBytes: number, seed: number) {
    this.live = new EchoChecker(port);
    const rng = new Rng(seed);
    const size = (): number =>
      Math.max(1, Math.round(Math.exp(Math.log(maxBytes) * (rng.u32() / 0x100000000))));
    this.loops = Array.from({ length: streams }, async () => {
      while (this.running) await this.live.once(size());
    });
  }

  get counts() {
    return this.live.counts;
  }

  get failures(): string[] {
    return this.live.failures;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.progress ?? (() => {});
  const target = await startEchoTarget();
  const server: ServerUnderTest =
    options.server === 'child'
      ? await startChildServer(target.port, CRYPT, options.mode)
      : await startInProcessServer(target.port, CRYPT, options.mode);
  const relay = await UdpRelay.start(server.port, {
    dropUp: options.loss,
    dropDown: options.loss,
    seed: options.seed,
  });
  const { client, port } = await startClient(relay.port, CRYPT, options.mode);
  const samples: RssSample[] = [];
  const problems: string[] = [];
  const start = performance.now();
  const long = new LongEcho(port);
  const short = new ShortStreams(port, options.streams, options.maxStreamBytes, options.seed);
  const sample = (): void => {
    const s: RssSample = {
      second: Math.round((performance.now() - start) / 1000),
      serverRssMB: round(server.rss() / MB),
      selfRssMB: round(process.memoryUsage.rss() / MB),
      streamsCompleted: short.counts.completed,
      megabytes: round((short.counts.bytes + long.echoed) / MB),
    };
    samples.push(s);
    progress(
      `${String(s.second).padStart(5)} s  server RSS ${s.serverRssMB} MB  self RSS ${s.selfRssMB} MB  ` +
        `${s.streamsCompleted} streams  ${s.megabytes} MB echoed`,
    );
  };
  try {
    sample();
    const deadline = start + options.seconds * 1000;
    let nextSample = start + options.sampleSeconds * 1000;
    while (performance.now() < deadline && server.alive()) {
      await sleep(Math.min(250, Math.max(1, deadline - performance.now())));
      if (performance.now() >= nextSample) {
        sample();
        nextSample += options.sampleSeconds * 1000;
      }
    }
    await short.stop();
    const longBytes = long.written;
    const intact = await long.finish();
    const seconds = (performance.now() - start) / 1000;
    sample();
    const counts = short.counts;
    if (!intact)
      problems.push(`the long stream did not come back intact (${long.echoed} of ${long.written} bytes)`);
    if (counts.failed > 0)
      problems.push(`${counts.failed} short streams failed: ${short.failures.slice(0, 3)}`);
    if (counts.corrupted > 0) problems.push(`${counts.corrupted} short streams corrupted`);
    if (!server.alive()) problems.push('the server died');
    const total = relay.forwarded + relay.dropped;
    return {
      options: { ...options, progress: undefined } as Omit<SoakOptions, 'progress'>,
      seconds: round(seconds),
      relay: {
        forwarded: relay.forwarded,
        dropped: relay.dropped,
        lossPercent: round((100 * relay.dropped) / Math.max(1, total)),
      },
      longStream: { bytes: longBytes, intact, megabytesPerSecond: round(longBytes / MB / seconds) },
      shortStreams: {
        completed: counts.completed,
        failed: counts.failed,
        corrupted: counts.corrupted,
        megabytes: round(counts.bytes / MB),
      },
      samples,
      problems,
    };
  } finally {
    await short.stop();
    client.close();
    relay.close();
    await server.stop();
    await target.close();
  }
}
