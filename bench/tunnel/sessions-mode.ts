import { setMaxListeners } from 'node:events';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { referenceWorkMs } from './machine-speed.js';
import { SETTLE_MS } from './memory-mode.js';
import {
  CLOCK_TICKS_PER_SEC,
  CpuMeter,
  cpuTicks,
  memory,
  runQueueWaitSec,
  udpReceiveBufferDrops,
} from './proc-stats.js';
import type { Pair, Setting } from './settings.js';
import { type BenchTarget, header, Mode } from './target.js';
import {
  connect,
  type Payload,
  prefix,
  TIMED_OUT,
  type TransferResult,
  unlessAborted,
  upload,
} from './transfer.js';
import { TunnelPair } from './tunnel-pair.js';

export interface SessionsOptions {
  /** KCP sessions the client opens (its -conn), one TCP connection echoing through each. */
  sessions: number;
  /** Sessions of the bulk step, one upload of the whole payload through each, all at once. */
  bulkSessions: number;
  /**
   * Bytes of an unmeasured upload through each bulk session before the measured ones (0: none, cold
   * processes). Fresh processes of ours pay a fixed cost for V8 optimizing the packet path
   * (docs/bench-tunnel-cold-2026-12-05.md), a third of both ends' CPU in a cold 8 x 20 MiB step and
   * none in a long-running tunnel; Go pays none (docs/bench-tunnel-sessions-2026-12-05-5.md).
   */
  warmupBytes: number;
  /**
   * Echo steps after the first, through the same processes and sessions: the first pays for V8 compiling
   * the packet path and for opening the sessions, these do not (docs/cpu-sessions-2026-12-07-sessions34.md).
   */
  warmEchoes: number;
  /**
   * The first warm echo through a client process started for it: new sessions to the warm server; later
   * warm echoes through that client's sessions again.
   */
  freshClient: boolean;
  timeoutMs: number;
}

/** One echo step's figures: every session's 64 KiB sent and read back. */
export interface EchoFigures {
  /** From the first connect to the last echo checked, seconds. */
  sec: number;
  cpuClientSec: number;
  cpuServerSec: number;
  /** UDP drops in the namespace over the step (udpReceiveBufferDrops). */
  udpDrops: number;
  /** 1-minute load average at the step's start. */
  load: number;
}

/** Bytes each of the many sessions echoes: the client sends them and reads them back. */
export const ECHO_BYTES = 64 * 1024;

export interface SessionsRecord {
  setting: string;
  pair: string;
  /** 1-based: the pairs alternate within each round. */
  round: number;
  /** Server RSS before the first connection, KiB. */
  idleServerKiB: number;
  /**
   * Server CPU from its start to the first connection, seconds: loading, listening and whatever a server
   * does before its first client (a warm-up of its code: docs/cpu-sessions-2026-12-08-warm39.md); with the
   * echo's, the process's whole CPU up to the echo's end.
   */
  idleServerCpuSec: number;
  /** RSS with every session up and its echo done, KiB. */
  clientKiB: number;
  serverKiB: number;
  /** Server VmHWM after the echo step, KiB. */
  serverHwmKiB: number;
  /** From the first connect to the last echo checked, seconds. */
  echoSec: number;
  echoCpuClientSec: number;
  echoCpuServerSec: number;
  /**
   * Datagrams dropped at full UDP receive buffers in this network namespace over the echo step
   * (udpReceiveBufferDrops): with Go's client, our listening socket's drops, each one retransmitted.
   */
  echoUdpDrops: number;
  /** The echo steps after the first (--warm-echoes), through the same processes and sessions. */
  warmEchoes: EchoFigures[];
  /** The bulk step: bytes moved in all, wall time until the last upload was hashed, CPU of both ends. */
  bulkBytes: number;
  bulkSec: number;
  /** When the first upload was hashed: far below bulkSec, the sessions did not share the tunnel evenly. */
  bulkFirstSec: number;
  bulkCpuClientSec: number;
  bulkCpuServerSec: number;
  /** referenceWorkMs() just before the bulk step: the machine's speed then (lower is faster). */
  referenceMs: number;
  /** Seconds each end's threads were runnable but waiting for a CPU over the bulk step (runQueueWaitSec). */
  bulkWaitClientSec: number;
  bulkWaitServerSec: number;
  /** Datagrams dropped at full UDP receive buffers over the measured bulk step (udpReceiveBufferDrops). */
  bulkUdpDrops: number;
  /** 1-minute load average at the start of the pair's run and at its end. */
  loadBefore: number;
  loadAfter: number;
  error?: string;
}

/**
 * Many sessions: the client with `-conn N` gets N connections at once, which round robin puts on N KCP
 * sessions (both clients dial a slot's session on its first connection); each connection echoes 64 KiB
 * through the target and checks it. Then, in fresh processes with `-conn bulkSessions`, that many uploads
 * of the payload at once, each sha256-checked at the sink: the aggregate throughput of bulk sessions.
 */
export async function runSessions(
  setting: Setting,
  pair: Pair,
  target: BenchTarget,
  payload: Payload,
  opts: SessionsOptions,
  round = 1,
): Promise<SessionsRecord> {
  const record: SessionsRecord = {
    setting: setting.name,
    pair: pair.name,
    round,
    idleServerKiB: Number.NaN,
    idleServerCpuSec: Number.NaN,
    clientKiB: Number.NaN,
    serverKiB: Number.NaN,
    serverHwmKiB: Number.NaN,
    echoSec: Number.NaN,
    echoCpuClientSec: Number.NaN,
    echoCpuServerSec: Number.NaN,
    echoUdpDrops: Number.NaN,
    warmEchoes: [],
    bulkBytes: 0,
    bulkSec: Number.NaN,
    bulkFirstSec: Number.NaN,
    bulkCpuClientSec: Number.NaN,
    bulkCpuServerSec: Number.NaN,
    referenceMs: Number.NaN,
    bulkWaitClientSec: Number.NaN,
    bulkWaitServerSec: Number.NaN,
    bulkUdpDrops: Number.NaN,
    loadBefore: loadavg()[0],
    loadAfter: Number.NaN,
  };
  try {
    await echoStep(setting, pair, target, payload, opts, record);
    await bulkStep(setting, pair, target, payload, opts, record);
  } catch (err) {
    record.error = (err as Error).message;
  }
  record.loadAfter = loadavg()[0];
  return record;
}

async function withTunnel(
  setting: Setting,
  pair: Pair,
  conn: number,
  targetPort: number,
  work: (tunnel: TunnelPair) => Promise<void>,
): Promise<void> {
  const tunnel = await TunnelPair.start(pair, setting, targetPort, ['-conn', String(conn)]);
  try {
    await work(tunnel);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${tunnel.logTail()}`);
  } finally {
    await tunnel.stop();
  }
}

async function echoStep(
  setting: Setting,
  pair: Pair,
  target: BenchTarget,
  payload: Payload,
  opts: SessionsOptions,
  record: SessionsRecord,
): Promise<void> {
  await withTunnel(setting, pair, opts.sessions, target.port, async (tunnel) => {
    await sleep(SETTLE_MS);
    record.idleServerKiB = memory(tunnel.serverPid).rssKiB;
    record.idleServerCpuSec = cpuTicks(tunnel.serverPid) / CLOCK_TICKS_PER_SEC;
    const signal = AbortSignal.timeout(opts.timeoutMs);
    // Every connection waits on this one signal.
    setMaxListeners(opts.sessions * 2 + 1, signal);
    const data = payload.data.subarray(0, ECHO_BYTES);
    const first = await echoAll(tunnel, opts.sessions, data, signal, 'echo 1');
    record.echoSec = first.sec;
    record.echoCpuClientSec = first.cpuClientSec;
    record.echoCpuServerSec = first.cpuServerSec;
    record.echoUdpDrops = first.udpDrops;
    await sleep(SETTLE_MS);
    record.clientKiB = memory(tunnel.clientPid).rssKiB;
    const server = memory(tunnel.serverPid);
    record.serverKiB = server.rssKiB;
    record.serverHwmKiB = server.hwmKiB;
    for (let i = 0; i < opts.warmEchoes; i++) {
      if (opts.freshClient && i === 0) await tunnel.restartClient();
      // each on its own time bound: the first's covered setting up the sessions too
      const warmSignal = AbortSignal.timeout(opts.timeoutMs);
      setMaxListeners(opts.sessions * 2 + 1, warmSignal);
      record.warmEchoes.push(await echoAll(tunnel, opts.sessions, data, warmSignal, `echo ${i + 2}`));
      await sleep(SETTLE_MS);
    }
  });
}

/**
 * One echo step: `sessions` connections at once, each echoing `data`; throws when any echo failed, naming
 * the step (`step`: echo 1 is the cold one).
 */
async function echoAll(
  tunnel: TunnelPair,
  sessions: number,
  data: Buffer,
  signal: AbortSignal,
  step: string,
): Promise<EchoFigures> {
  const load = loadavg()[0];
  const meter = new CpuMeter([tunnel.clientPid, tunnel.serverPid]);
  const dropsBefore = udpReceiveBufferDrops();
  const start = performance.now();
  const echoes = Array.from({ length: sessions }, () => echoOnce(tunnel.localPort, data, signal));
  const errors = (await Promise.all(echoes)).filter((e) => e !== null);
  const sec = (performance.now() - start) / 1000;
  const [cpuClientSec, cpuServerSec] = meter.secondsSoFar();
  const udpDrops = udpReceiveBufferDrops() - dropsBefore;
  if (errors.length > 0)
    throw new Error(`${step}: ${errors.length} of ${sessions} echoes failed: ${errors[0]}`);
  return { sec, cpuClientSec, cpuServerSec, udpDrops, load };
}

/** One connection through the tunnel echoing `data` back; null when it came back intact, else why not. */
async function echoOnce(port: number, data: Buffer, signal: AbortSignal): Promise<string | null> {
  let socket: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    socket = await connect(port, signal);
    const s = socket;
    const back = new Promise<string | null>((resolve) => {
      const got = Buffer.allocUnsafe(data.length);
      let n = 0;
      s.on('data', (chunk: Buffer) => {
        if (n + chunk.length > data.length) {
          resolve(`echoed more than ${data.length} bytes`);
          return;
        }
        chunk.copy(got, n);
        n += chunk.length;
        if (n === data.length) resolve(got.equals(data) ? null : 'echoed bytes differ');
      });
      s.on('close', () => resolve(`closed after ${n} of ${data.length} echoed bytes`));
    });
    s.write(header(Mode.Echo, 0, 0));
    s.write(data);
    const outcome = await unlessAborted(back, signal);
    return outcome === TIMED_OUT ? `echo ${TIMED_OUT}` : outcome;
  } catch (err) {
    return (err as Error).message;
  } finally {
    socket?.destroy();
  }
}

async function bulkStep(
  setting: Setting,
  pair: Pair,
  target: BenchTarget,
  payload: Payload,
  opts: SessionsOptions,
  record: SessionsRecord,
): Promise<void> {
  await withTunnel(setting, pair, opts.bulkSessions, target.port, async (tunnel) => {
    const signal = AbortSignal.timeout(opts.timeoutMs * opts.bulkSessions);
    setMaxListeners(opts.bulkSessions * 2 + 1, signal);
    // Round robin puts the k-th connection on session k mod bulkSessions, so one warm-up upload per
    // session and then one measured upload per session.
    if (opts.warmupBytes > 0) {
      const warmup = prefix(payload, opts.warmupBytes);
      checked(await uploadsAtOnce(tunnel, target, warmup, opts.bulkSessions, signal), 'warm-up');
    }
    record.referenceMs = referenceWorkMs();
    const pids = [tunnel.clientPid, tunnel.serverPid];
    const meter = new CpuMeter(pids);
    const waitBefore = pids.map(runQueueWaitSec);
    const dropsBefore = udpReceiveBufferDrops();
    const start = performance.now();
    const results = await uploadsAtOnce(tunnel, target, payload, opts.bulkSessions, signal);
    record.bulkSec = (performance.now() - start) / 1000;
    [record.bulkCpuClientSec, record.bulkCpuServerSec] = meter.secondsSoFar();
    [record.bulkWaitClientSec, record.bulkWaitServerSec] = pids.map(
      (pid, i) => runQueueWaitSec(pid) - waitBefore[i],
    );
    record.bulkUdpDrops = udpReceiveBufferDrops() - dropsBefore;
    // Each upload's time runs from its call, which is the step's start.
    record.bulkFirstSec = Math.min(...results.map((r) => r.seconds));
    checked(results, 'bulk');
    record.bulkBytes = results.reduce((sum, r) => sum + r.bytes, 0);
  });
}

function uploadsAtOnce(
  tunnel: TunnelPair,
  target: BenchTarget,
  payload: Payload,
  count: number,
  signal: AbortSignal,
): Promise<TransferResult[]> {
  return Promise.all(Array.from({ length: count }, () => upload(tunnel.localPort, target, payload, signal)));
}

function checked(results: readonly TransferResult[], what: string): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(`${failed.length} ${what} uploads failed: ${failed[0].error}`);
}
