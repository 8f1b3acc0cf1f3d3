/**
 * The status model behind -metrics: what the tunnel looks like now, per session and for the process, as
 * one plain object that /status serves as JSON, /metrics exposes to Prometheus and the page draws.
 *
 * Everything is read when asked (the sessions' counters and getters), never pushed from the packet path.
 * Rates are differences of those counters over time: each snapshot at least RATE_WINDOW_MS after the
 * previous sample takes a new sample and recomputes them; snapshots in between reuse the last rates, so
 * several clients polling at once do not shrink each other's window to nothing.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { nowMs } from '../transport/clock.js';
import { transportCounters } from '../transport/counters.js';
import type { SessionMetrics } from '../transport/session.js';
import { udpStats } from '../tunnel/udp-stats.js';
import { snmp as processSnmp, type Snmp } from './snmp.js';
import { snmpFields } from './snmp-format.js';

/** Shortest interval rates are measured over; the page polls every second, so each poll gets fresh rates. */
export const RATE_WINDOW_MS = 500;
/** Sessions listed in /status (busiest first); a server may hold thousands. */
export const MAX_STATUS_SESSIONS = 1000;
/** Resolution of the event-loop delay histogram, ms: coarse enough to cost nothing measurable. */
const EVENT_LOOP_RESOLUTION_MS = 20;

/** An open session as a tunnel end sees it: the transport's metrics and its smux stream count. */
export interface TunnelSessionMetrics {
  readonly session: SessionMetrics;
  readonly streams: number;
}

export type Health = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** What a tunnel end (TunnelClient, TunnelServer) shows the metrics endpoint. */
export interface TunnelView {
  /** The open sessions now. */
  sessionMetrics(): TunnelSessionMetrics[];
  /** Whether the listener / dialer works; see the two implementations for the precise rule. */
  health(): Health;
}

export interface SessionStatus {
  remote: string;
  conv: number;
  ageSeconds: number;
  streams: number;
  bytesSent: number;
  bytesReceived: number;
  bytesAcked: number;
  srttMs: number;
  rttvarMs: number;
  rtoMs: number;
  inFlight: number;
  sndWnd: number;
  rcvWnd: number;
  rmtWnd: number;
  /** Application bytes per second written to / delivered from the session, and acknowledged by the peer. */
  sendRate: number;
  receiveRate: number;
  deliveryRate: number;
  segmentsSent: number;
  segmentsRetransmitted: number;
  /** Retransmitted / (first transmissions + retransmitted), since the session opened. */
  retransmissionRatio: number;
  /** The same ratio over the last rate window: the send direction's recent loss estimate. */
  lossEstimate: number;
  datagramsReceived: number;
  fecRecovered: number;
  /** FEC recovered / datagrams received, since the session opened: the receive direction's loss seen by FEC. */
  fecRecoveryRatio: number;
  secondsSinceLastDatagram: number;
  /** The process's -mode, the same for every session (kcptun has no per-session settings). */
  mode: string;
}

export interface ProcessStatus {
  role: 'client' | 'server';
  version: string;
  pid: number;
  uptimeSeconds: number;
  residentMemoryBytes: number;
  cpuSecondsTotal: number;
  /** 99th percentile of the event-loop delay over the last rate window, in ms. */
  eventLoopDelayP99Ms: number;
}

export interface StatusDocument {
  time: string;
  process: ProcessStatus;
  health: Health;
  sessionsTotal: number;
  streamsTotal: number;
  /** The busiest sessions first (by send + receive rate), at most MAX_STATUS_SESSIONS. */
  sessions: SessionStatus[];
  snmp: Record<string, number>;
  /** Transport counters kcp-go's SNMP set has no column for (src/transport/counters.ts). */
  transport: {
    udpSocketErrors: number;
    udpSendDrops: number;
    rejectedDatagrams: number;
    tcpFlowDrops: number;
    gsoRuns: number;
    groBuffers: number;
    amplificationDrops: number;
  };
  /** UDP forwarding (-udp) counters (src/tunnel/udp-stats.ts); all 0 without -udp. */
  udp: Record<string, number>;
  /** The process's settings, secrets masked. */
  settings: Record<string, unknown>;
}

export interface StatusModelOptions {
  role: 'client' | 'server';
  version: string;
  view: TunnelView;
  /** The settings to show; maskSecrets is applied to them. */
  settings: Record<string, unknown>;
  /** The SNMP counters to show; the process's by default. */
  snmp?: Snmp;
}

/** Config fields whose values are secret: -key (the QPP pads are seeded from it and are never shown). */
const SECRET_FIELDS: readonly string[] = ['key'];
const MASK = '********';

/** A copy of `settings` with every secret field replaced by a mask (an empty secret stays empty). */
export function maskSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...settings };
  for (const field of SECRET_FIELDS) {
    if (field in masked && masked[field] !== '') masked[field] = MASK;
  }
  return masked;
}

/** The counters one rate sample keeps per session. */
interface RateSample {
  bytesSent: number;
  bytesReceived: number;
  bytesAcked: number;
  segmentsSent: number;
  segmentsRetransmitted: number;
}

interface SessionRates {
  sendRate: number;
  receiveRate: number;
  deliveryRate: number;
  lossEstimate: number;
}

const NO_RATES: SessionRates = { sendRate: 0, receiveRate: 0, deliveryRate: 0, lossEstimate: 0 };

function sessionKey(m: SessionMetrics): string {
  return `${m.remote}/${m.conv}`;
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function elapsedMs(now: number, then: number): number {
  return (now - then) >>> 0; // nowMs() wraps as a uint32
}

export class StatusModel {
  private readonly settings: Record<string, unknown>;
  private readonly snmp: Snmp;
  private readonly startedAt = nowMs();
  private sampledAt = -1;
  private samples = new Map<string, RateSample>();
  private rates = new Map<string, SessionRates>();
  private readonly eventLoop = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  private eventLoopP99Ms = 0;

  constructor(private readonly options: StatusModelOptions) {
    this.settings = maskSecrets(options.settings);
    this.snmp = options.snmp ?? processSnmp;
    this.eventLoop.enable();
  }

  /** Stop the event-loop delay monitor. */
  close(): void {
    this.eventLoop.disable();
  }

  snapshot(): StatusDocument {
    const now = nowMs();
    const entries = this.options.view.sessionMetrics();
    if (this.sampledAt < 0 || elapsedMs(now, this.sampledAt) >= RATE_WINDOW_MS) this.sample(entries, now);
    let streamsTotal = 0;
    const sessions = entries.map((e) => {
      streamsTotal += e.streams;
      return this.sessionStatus(e, now);
    });
    sessions.sort((a, b) => b.sendRate + b.receiveRate - (a.sendRate + a.receiveRate));
    const mem = process.memoryUsage.rss();
    const cpu = process.cpuUsage();
    return {
      time: new Date().toISOString(),
      process: {
        role: this.options.role,
        version: this.options.version,
        pid: process.pid,
        uptimeSeconds: elapsedMs(now, this.startedAt) / 1000,
        residentMemoryBytes: mem,
        cpuSecondsTotal: (cpu.user + cpu.system) / 1e6,
        eventLoopDelayP99Ms: this.eventLoopP99Ms,
      },
      health: this.options.view.health(),
      sessionsTotal: entries.length,
      streamsTotal,
      sessions: sessions.slice(0, MAX_STATUS_SESSIONS),
      snmp: Object.fromEntries(snmpFields().map((f) => [f, this.snmp[f]])),
      transport: {
        udpSocketErrors: transportCounters.udpSocketErrors,
        udpSendDrops: transportCounters.udpSendDrops,
        rejectedDatagrams: transportCounters.rejectedDatagrams,
        tcpFlowDrops: transportCounters.tcpFlowDrops,
        gsoRuns: transportCounters.gsoRuns,
        groBuffers: transportCounters.groBuffers,
        amplificationDrops: transportCounters.amplificationDrops,
      },
      udp: { ...udpStats },
      settings: this.settings,
    };
  }

  /** Take a new rate sample: rates over the time since the last one, per session and for the event loop. */
  private sample(entries: readonly TunnelSessionMetrics[], now: number): void {
    const dt = this.sampledAt < 0 ? 0 : elapsedMs(now, this.sampledAt) / 1000;
    const samples = new Map<string, RateSample>();
    const rates = new Map<string, SessionRates>();
    for (const { session: m } of entries) {
      const key = sessionKey(m);
      const current: RateSample = {
        bytesSent: m.bytesSent,
        bytesReceived: m.bytesReceived,
        bytesAcked: m.bytesAcked,
        segmentsSent: m.segmentsSent,
        segmentsRetransmitted: m.segmentsRetransmitted,
      };
      samples.set(key, current);
      // A session new since the last sample is measured from its opening.
      const previous = this.samples.get(key);
      const base = previous ?? {
        bytesSent: 0,
        bytesReceived: 0,
        bytesAcked: 0,
        segmentsSent: 0,
        segmentsRetransmitted: 0,
      };
      const seconds = previous === undefined ? elapsedMs(now, m.openedAt) / 1000 : dt;
      if (seconds <= 0) continue;
      const retransmitted = current.segmentsRetransmitted - base.segmentsRetransmitted;
      const sent = current.segmentsSent - base.segmentsSent;
      rates.set(key, {
        sendRate: (current.bytesSent - base.bytesSent) / seconds,
        receiveRate: (current.bytesReceived - base.bytesReceived) / seconds,
        deliveryRate: Math.max(0, current.bytesAcked - base.bytesAcked) / seconds,
        lossEstimate: ratio(retransmitted, sent + retransmitted),
      });
    }
    this.samples = samples;
    this.rates = rates;
    this.sampledAt = now;
    this.eventLoopP99Ms = this.eventLoop.count > 0 ? this.eventLoop.percentile(99) / 1e6 : 0;
    this.eventLoop.reset();
  }

  private sessionStatus(e: TunnelSessionMetrics, now: number): SessionStatus {
    const m = e.session;
    const rates = this.rates.get(sessionKey(m)) ?? NO_RATES;
    return {
      remote: m.remote,
      conv: m.conv,
      ageSeconds: elapsedMs(now, m.openedAt) / 1000,
      streams: e.streams,
      bytesSent: m.bytesSent,
      bytesReceived: m.bytesReceived,
      bytesAcked: m.bytesAcked,
      srttMs: m.srtt,
      rttvarMs: m.rttvar,
      rtoMs: m.rto,
      inFlight: m.inFlight,
      sndWnd: m.sndWnd,
      rcvWnd: m.rcvWnd,
      rmtWnd: m.rmtWnd,
      sendRate: rates.sendRate,
      receiveRate: rates.receiveRate,
      deliveryRate: rates.deliveryRate,
      segmentsSent: m.segmentsSent,
      segmentsRetransmitted: m.segmentsRetransmitted,
      retransmissionRatio: ratio(m.segmentsRetransmitted, m.segmentsSent + m.segmentsRetransmitted),
      lossEstimate: rates.lossEstimate,
      datagramsReceived: m.datagramsReceived,
      fecRecovered: m.fecRecovered,
      fecRecoveryRatio: ratio(m.fecRecovered, m.datagramsReceived),
      secondsSinceLastDatagram: elapsedMs(now, m.lastReceivedAt) / 1000,
      mode: typeof this.settings.mode === 'string' ? this.settings.mode : '',
    };
  }
}
