/**
 * The emulator's self-check: how close to the configured delay packets leave it, idle and under
 * 100 Mbit/s of load, and how much it can forward. Two views of the delay: a UDP ping between the
 * namespaces (end to end, includes Node's own timer and socket latency, measured alone as the floor)
 * and the forwarder's lateness histogram (time from a packet's due time to its write into the TUN).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LinkEmulator } from './emulator.js';
import { ensureForwarder } from './forwarder-build.js';
import { type DirectionSettings, type LinkStatus, latenessPercentileUs } from './link-settings.js';
import { ADDRESS_B, NAMESPACE_A, NAMESPACE_B, udpReceiveBufferErrors } from './netns.js';
import { ProcessSet } from './processes.js';
import { percentile } from './run.js';
import { mustRun, sleep } from './shell.js';
import type { PingResult } from './udp-ping.js';

const UDP_PING = path.join(path.dirname(fileURLToPath(import.meta.url)), 'udp-ping.js');
const PING_PORT = 7007;
const IPERF_PORT = 5301;
const PING_COUNT = 300;
const PING_GAP_MS = 10;
const IPERF_DATAGRAM = 1400;
/** Big enough that the receiving socket absorbs the bursts the delay line hands over. */
const IPERF_SOCKET_BUFFER = '4M';
const LOAD_MBIT = 100;
/** The load runs a little longer than the pings so that every ping sees it. */
const LOAD_SECONDS = 5;
const LOAD_HEAD_START_MS = 500;
const CAPACITY_STEPS_MBIT = [100, 200, 400, 800];
const CAPACITY_SECONDS = 3;
const CAPACITY_DELAY_MS = 25;
const TCP_SECONDS = 5;
const PROCESS_TIMEOUT_MS = 30_000;
const TIMER_CHECK_SECONDS = 10;
/**
 * The ping's two ends run real-time (below the forwarder) so that what they measure is the link,
 * not how long the scheduler kept them off a core that iperf3 was busy on.
 */
const PING_PRIORITY = ['-f', '10'];
const READY_TIMEOUT_MS = 5000;

export interface LatenessFigures {
  packets: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** Written more than 1 ms after their due time. */
  latePackets: number;
}

export interface PingFigures {
  samples: number;
  lost: number;
  minMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface DelayScenario {
  name: string;
  oneWayDelayMs: number;
  loadMbit: number;
  ping: PingFigures;
  /** p50 and p99 ping RTT minus twice the delay minus the floor's p50. */
  excessP50Ms: number | null;
  excessP99Ms: number | null;
  lateness: LatenessFigures;
  /** What iperf3 delivered alongside, when there was load. */
  loadDeliveredMbit: number | null;
}

export interface CapacityPoint {
  offeredMbit: number;
  /** What iperf3's sender managed to send: on two cores the end hosts give out before the forwarder. */
  sentMbit: number;
  deliveredMbit: number;
  lossPercent: number;
  /** Datagrams the receiving socket in B dropped (its buffer was full), not the link. */
  receiverSocketDrops: number;
  ringDrops: number;
  lateness: LatenessFigures;
}

/** `kcpbench-forwarder timer-check`: 100 µs naps at the forwarder's priority, nothing else. */
export interface TimerFloor {
  wakeups: number;
  mean_us: number;
  max_us: number;
  late: number;
}

export interface AccuracyReport {
  /** ISO time of the measurement. */
  measuredAt: string;
  /** How late this machine wakes a real-time thread at all: the bound under any forwarder. */
  timer: TimerFloor;
  floor: DelayScenario;
  scenarios: DelayScenario[];
  capacity: CapacityPoint[];
  /** One TCP (cubic) flow through the unlimited link at 25 ms each way. */
  tcpMbit: number;
}

function pingFigures(r: PingResult): PingFigures {
  const sorted = [...r.rttMs].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    lost: r.lost,
    minMs: sorted.length > 0 ? sorted[0] : null,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : null,
  };
}

function latenessOf(s: LinkStatus): LatenessFigures {
  const merged = new Map<number, number>();
  for (const d of [s.a2b, s.b2a])
    for (const [bucket, count] of d.lateness_hist_10us) merged.set(bucket, (merged.get(bucket) ?? 0) + count);
  const hist = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  return {
    packets: s.a2b.out_pkts + s.b2a.out_pkts,
    p50Us: latenessPercentileUs(hist, 0.5),
    p99Us: latenessPercentileUs(hist, 0.99),
    p999Us: latenessPercentileUs(hist, 0.999),
    maxUs: Math.max(s.a2b.late_max_us, s.b2a.late_max_us),
    latePackets: s.a2b.late_pkts + s.b2a.late_pkts,
  };
}

function plainLink(delayMs: number): { aToB: DirectionSettings; bToA: DirectionSettings } {
  return { aToB: { delayMs }, bToA: { delayMs } };
}

interface IperfSummary {
  sentMbit: number;
  deliveredMbit: number;
  lossPercent: number;
}

/** The receiver's figures from `iperf3 -J` (UDP: end.sum carries the server's loss count). */
function parseIperf(json: string, udp: boolean): IperfSummary {
  const parsed = JSON.parse(json) as {
    error?: string;
    end: Record<string, { bits_per_second: number; lost_percent?: number } | undefined>;
  };
  const received = parsed.end.sum_received;
  const sent = parsed.end.sum_sent;
  if (parsed.error !== undefined || received === undefined || sent === undefined)
    throw new Error(`iperf3: ${parsed.error ?? json}`);
  return {
    sentMbit: sent.bits_per_second / 1e6,
    deliveredMbit: received.bits_per_second / 1e6,
    lossPercent: udp ? (received.lost_percent ?? 0) : 0,
  };
}

class AccuracyBench {
  private readonly procs = new ProcessSet();

  constructor(private readonly emulator: LinkEmulator) {}

  async start(): Promise<void> {
    const echo = this.procs.start(NAMESPACE_B, 'udp echo', 'chrt', [
      ...PING_PRIORITY,
      process.execPath,
      UDP_PING,
      'echo',
      String(PING_PORT),
    ]);
    await echo.waitFor('udp echo on', READY_TIMEOUT_MS);
  }

  stop(): Promise<void> {
    return this.procs.stopAll();
  }

  /** One iperf3 test against a one-off server (a lingering server can still be busy with the last test). */
  private async iperf(args: string[], udp: boolean): Promise<IperfSummary> {
    const server = this.procs.start(NAMESPACE_B, 'iperf3 server', 'iperf3', [
      '-s',
      '-1',
      '-p',
      String(IPERF_PORT),
      '--forceflush',
    ]);
    await server.waitFor('Server listening', READY_TIMEOUT_MS);
    const p = this.procs.start(NAMESPACE_A, 'iperf3 client', 'iperf3', [
      '-c',
      ADDRESS_B,
      '-p',
      String(IPERF_PORT),
      '-J',
      ...args,
    ]);
    await p.waitExit(PROCESS_TIMEOUT_MS);
    await this.procs.stop(p);
    await this.procs.stop(server);
    return parseIperf(p.stdout, udp);
  }

  private udpLoad(mbit: number, seconds: number): Promise<IperfSummary> {
    return this.iperf(
      [
        '-u',
        '-b',
        `${mbit}M`,
        '-l',
        String(IPERF_DATAGRAM),
        '-w',
        IPERF_SOCKET_BUFFER,
        '-t',
        String(seconds),
      ],
      true,
    );
  }

  private async ping(): Promise<PingResult> {
    const p = this.procs.start(NAMESPACE_A, 'udp ping', 'chrt', [
      ...PING_PRIORITY,
      process.execPath,
      UDP_PING,
      'ping',
      ADDRESS_B,
      String(PING_PORT),
      String(PING_COUNT),
      String(PING_GAP_MS),
    ]);
    await p.waitExit(PROCESS_TIMEOUT_MS);
    await this.procs.stop(p);
    return JSON.parse(p.stdout) as PingResult;
  }

  async delayScenario(
    name: string,
    delayMs: number,
    loadMbit: number,
    floorP50: number,
  ): Promise<DelayScenario> {
    await this.emulator.configure(plainLink(delayMs));
    await this.emulator.resetCounters();
    let load: Promise<IperfSummary> | undefined;
    if (loadMbit > 0) {
      load = this.udpLoad(loadMbit, LOAD_SECONDS);
      await sleep(LOAD_HEAD_START_MS);
    }
    const ping = pingFigures(await this.ping());
    const delivered = load === undefined ? null : (await load).deliveredMbit;
    const lateness = latenessOf(await this.emulator.status());
    const excess = (v: number | null) => (v === null ? null : v - 2 * delayMs - floorP50);
    return {
      name,
      oneWayDelayMs: delayMs,
      loadMbit,
      ping,
      excessP50Ms: excess(ping.p50Ms),
      excessP99Ms: excess(ping.p99Ms),
      lateness,
      loadDeliveredMbit: delivered,
    };
  }

  async capacityPoint(mbit: number): Promise<CapacityPoint> {
    await this.emulator.configure(plainLink(CAPACITY_DELAY_MS));
    await this.emulator.resetCounters();
    const socketDropsBefore = udpReceiveBufferErrors(NAMESPACE_B);
    const r = await this.udpLoad(mbit, CAPACITY_SECONDS);
    const status = await this.emulator.status();
    return {
      offeredMbit: mbit,
      sentMbit: r.sentMbit,
      deliveredMbit: r.deliveredMbit,
      lossPercent: r.lossPercent,
      receiverSocketDrops: udpReceiveBufferErrors(NAMESPACE_B) - socketDropsBefore,
      ringDrops: status.a2b.drop_ring_pkts + status.b2a.drop_ring_pkts,
      lateness: latenessOf(status),
    };
  }

  async tcpThroughput(): Promise<number> {
    await this.emulator.configure(plainLink(CAPACITY_DELAY_MS));
    return (await this.iperf(['-t', String(TCP_SECONDS), '-C', 'cubic'], false)).deliveredMbit;
  }
}

function timerFloor(): TimerFloor {
  return JSON.parse(mustRun(ensureForwarder(), ['timer-check', String(TIMER_CHECK_SECONDS)])) as TimerFloor;
}

export async function measureAccuracy(emulator: LinkEmulator): Promise<AccuracyReport> {
  const measuredAt = new Date().toISOString();
  const timer = timerFloor();
  const bench = new AccuracyBench(emulator);
  try {
    await bench.start();
    const floor = await bench.delayScenario('no delay, idle (the floor)', 0, 0, 0);
    const floorP50 = floor.ping.p50Ms ?? 0;
    const scenarios = [
      await bench.delayScenario('25 ms, idle', 25, 0, floorP50),
      await bench.delayScenario('25 ms, 100 Mbit/s UDP alongside', 25, LOAD_MBIT, floorP50),
      await bench.delayScenario('150 ms, 100 Mbit/s UDP alongside', 150, LOAD_MBIT, floorP50),
    ];
    const capacity: CapacityPoint[] = [];
    for (const mbit of CAPACITY_STEPS_MBIT) capacity.push(await bench.capacityPoint(mbit));
    const tcpMbit = await bench.tcpThroughput();
    return { measuredAt, timer, floor, scenarios, capacity, tcpMbit };
  } finally {
    await bench.stop();
  }
}
