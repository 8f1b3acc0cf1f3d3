/**
 * A fuzz run: the tunnel under test with a live transfer, then every chosen class of hostile datagrams for
 * a fixed time each. After each class the server must still be up, a new connection must come back intact,
 * and no live exchange may have been corrupted or have failed; RSS is sampled throughout.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { allClasses } from './classes/index.js';
import { FuzzContext } from './context.js';
import { type LiveCounts, LiveTransfer } from './live-transfer.js';
import { Rng } from './rng.js';
import { CaptureTap } from './tap.js';
import {
  type ServerUnderTest,
  startChildServer,
  startClient,
  startEchoTarget,
  startInProcessServer,
  type TunnelMode,
} from './tunnel-under-test.js';

export interface FuzzOptions {
  secondsPerClass: number;
  seed: number;
  /** Class names to run, in this order. */
  classes: readonly string[];
  server: 'child' | 'in-process';
  /** Both ends' -mode. */
  mode: TunnelMode;
  /** Hostile datagrams per second to aim for. */
  rate: number;
  liveStreams: number;
  liveBytes: number;
  /** The fuzzer's own UDP sockets (each holds at most one forged session on the server). */
  sockets: number;
  /** Seconds to wait after the last class, the live transfer still running, before the final figures. */
  settleSeconds?: number;
  progress?: (line: string) => void;
}

export const DEFAULT_FUZZ_OPTIONS: Omit<FuzzOptions, 'classes'> = {
  secondsPerClass: 10,
  seed: 1,
  server: 'child',
  mode: 'auto',
  rate: 5000,
  liveStreams: 4,
  liveBytes: 256 << 10,
  sockets: 32,
};

export interface ClassReport {
  name: string;
  summary: string;
  seconds: number;
  inputs: number;
  /** Datagrams from the fuzzer's addresses, and injected into the live session's path. */
  datagrams: number;
  liveDatagrams: number;
  sessionsOpened: number;
  /** Sessions the server held right after the class (child server only). */
  sessionsHeld?: number;
  live: LiveCounts;
  /** A new exchange after the class came back intact. */
  verified: boolean;
  serverAlive: boolean;
  rssBeforeMB: number;
  rssPeakMB: number;
  rssAfterMB: number;
}

export interface FuzzReport {
  server: 'child' | 'in-process';
  seed: number;
  baselineRssMB: number;
  finalRssMB: number;
  /** Sessions the server held at the end, after settleSeconds (child server only). */
  finalSessionsHeld?: number;
  classes: ClassReport[];
  live: LiveCounts;
  problems: string[];
}

/** Anyone can forge a datagram that passes -crypt none's CRC: the inner layers are reachable. */
const FUZZ_CRYPT = 'none';
const RSS_SAMPLE_MS = 200;
/** Inputs sent back to back before the event loop gets a turn. */
const MAX_INPUTS_PER_TURN = 200;
const WARM_UP_EXCHANGES = 2;
const MB = 1 << 20;

function mb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

function diff(a: LiveCounts, b: LiveCounts): LiveCounts {
  return {
    completed: a.completed - b.completed,
    failed: a.failed - b.failed,
    corrupted: a.corrupted - b.corrupted,
    bytes: a.bytes - b.bytes,
  };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const known = allClasses();
  const classes = options.classes.map((name) => {
    const c = known.find((k) => k.name === name);
    if (c === undefined) throw new Error(`unknown fuzz class ${JSON.stringify(name)}`);
    return c;
  });
  const progress = options.progress ?? (() => {});
  const target = await startEchoTarget();
  const server: ServerUnderTest =
    options.server === 'child'
      ? await startChildServer(target.port, FUZZ_CRYPT, options.mode)
      : await startInProcessServer(target.port, FUZZ_CRYPT, options.mode);
  const tap = await CaptureTap.start(server.port);
  const { client, port: clientPort } = await startClient(tap.port, FUZZ_CRYPT, options.mode);
  const live = new LiveTransfer(clientPort, options.liveStreams, options.liveBytes);
  const ctx = await FuzzContext.create(new Rng(options.seed), server.port, tap, options.sockets);
  const problems: string[] = [];
  const reports: ClassReport[] = [];
  try {
    for (let i = 0; i < WARM_UP_EXCHANGES; i++) {
      if (!(await live.verify()))
        throw new Error(`the tunnel does not work before fuzzing: ${live.failures}`);
    }
    live.start();
    await sleep(500);
    const baseline = server.rss();
    progress(`server ${server.kind}, seed ${options.seed}, baseline RSS ${mb(baseline)} MB`);
    for (const c of classes) {
      const report = await runClass(c, ctx, server, live, options);
      reports.push(report);
      progress(formatClassLine(report));
      if (report.live.corrupted > 0)
        problems.push(`${c.name}: ${report.live.corrupted} live exchanges corrupted`);
      if (report.live.failed > 0) problems.push(`${c.name}: ${report.live.failed} live exchanges failed`);
      if (!report.serverAlive) problems.push(`${c.name}: the server died`);
      if (!report.verified)
        problems.push(`${c.name}: a new connection after the class did not come back intact`);
      if (!report.serverAlive) break;
    }
    if (options.settleSeconds) {
      progress(`settling for ${options.settleSeconds} s`);
      await sleep(options.settleSeconds * 1000);
    }
    await live.stop();
    const finalRss = server.rss();
    const finalSessionsHeld = server.alive() ? await server.sessionsHeld() : undefined;
    for (const f of live.failures) problems.push(`live: ${f}`);
    return {
      server: server.kind,
      seed: options.seed,
      baselineRssMB: mb(baseline),
      finalRssMB: mb(finalRss),
      finalSessionsHeld,
      classes: reports,
      live: live.snapshot(),
      problems,
    };
  } finally {
    await live.stop();
    ctx.close();
    client.close();
    tap.close();
    await server.stop();
    await target.close();
  }
}

async function runClass(
  c: ReturnType<typeof allClasses>[number],
  ctx: FuzzContext,
  server: ServerUnderTest,
  live: LiveTransfer,
  options: FuzzOptions,
): Promise<ClassReport> {
  const rssBefore = server.rss();
  let rssPeak = rssBefore;
  const liveBefore = live.snapshot();
  const sessionsBefore = server.sessionsOpened();
  const datagramsBefore = ctx.datagrams;
  const liveDatagramsBefore = ctx.liveDatagrams;
  const sent = (): number => ctx.datagrams + ctx.liveDatagrams - datagramsBefore - liveDatagramsBefore;
  let inputs = 0;
  const start = performance.now();
  const durationMs = options.secondsPerClass * 1000;
  let nextSample = start + RSS_SAMPLE_MS;
  for (let now = start; now - start < durationMs && server.alive(); now = performance.now()) {
    const allowed = (options.rate * (now - start)) / 1000;
    for (let n = 0; n < MAX_INPUTS_PER_TURN && sent() < allowed; n++) {
      await c.input(ctx);
      inputs++;
    }
    if (now >= nextSample) {
      rssPeak = Math.max(rssPeak, server.rss());
      nextSample = now + RSS_SAMPLE_MS;
    }
    await sleep(1);
  }
  const seconds = (performance.now() - start) / 1000;
  const sessionsHeld = server.alive() ? await server.sessionsHeld() : undefined;
  const verified = server.alive() && (await live.verify());
  const rssAfter = server.rss();
  return {
    name: c.name,
    summary: c.summary,
    seconds: Math.round(seconds * 10) / 10,
    inputs,
    datagrams: ctx.datagrams - datagramsBefore,
    liveDatagrams: ctx.liveDatagrams - liveDatagramsBefore,
    sessionsOpened: server.sessionsOpened() - sessionsBefore,
    sessionsHeld,
    live: diff(live.snapshot(), liveBefore),
    verified,
    serverAlive: server.alive(),
    rssBeforeMB: mb(rssBefore),
    rssPeakMB: mb(Math.max(rssPeak, rssAfter)),
    rssAfterMB: mb(rssAfter),
  };
}

export function formatClassLine(r: ClassReport): string {
  return (
    `${r.name.padEnd(9)} ${String(r.inputs).padStart(8)} inputs ${String(r.datagrams + r.liveDatagrams).padStart(8)} datagrams ` +
    `(${r.liveDatagrams} on the live path) ${String(r.sessionsOpened).padStart(6)} sessions opened` +
    `${r.sessionsHeld === undefined ? '' : `, ${r.sessionsHeld} held`} | live ${r.live.completed} ok ` +
    `${r.live.failed} failed ${r.live.corrupted} corrupted | verified ${r.verified} | ` +
    `RSS ${r.rssBeforeMB} -> ${r.rssAfterMB} MB (peak ${r.rssPeakMB})`
  );
}
