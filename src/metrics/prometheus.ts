/**
 * /metrics: the status document in Prometheus text exposition format, through prom-client. Every value is
 * read by a collect callback when scraped, from the one status snapshot taken for that scrape; nothing is
 * counted twice on the packet path. Each exporter owns its registry (no prom-client global state).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { UdpStats } from '../tunnel/udp-stats.js';
import type { SnmpCounter } from './snmp-format.js';
import { snmpFields } from './snmp-format.js';
import type { SessionStatus, StatusDocument } from './status.js';

/** Per-session series exposed at most: the busiest sessions (by send + receive rate) keep a label set. */
export const MAX_SESSION_SERIES = 100;
const PREFIX = 'kcptun_';

/**
 * SNMP fields that are levels, not cumulative counts: exposed as gauges without `_total`, since a
 * Prometheus counter that goes down breaks rate(). FECShardMin is always 0 here (see the README) and is
 * left out.
 */
const SNMP_GAUGES: ReadonlySet<SnmpCounter> = new Set<SnmpCounter>([
  'MaxConn',
  'CurrEstab',
  'FECShardSet',
  'RingBufferSndQueue',
  'RingBufferRcvQueue',
  'RingBufferSndBuffer',
]);
const SNMP_OMITTED: ReadonlySet<SnmpCounter> = new Set<SnmpCounter>(['FECShardMin']);

/** The -udp counters (src/tunnel/udp-stats.ts): FlowsActive is a level, the rest are counts. */
const UDP_FORWARD_FIELDS = [
  'FlowsOpened',
  'FlowsClosed',
  'FlowsActive',
  'DatagramsIn',
  'DatagramsOut',
  'BytesIn',
  'BytesOut',
  'DropsQueueFull',
  'DropsNoTunnel',
  'DropsFlowLimit',
  'DropsSendError',
] as const satisfies readonly (keyof UdpStats)[];

/** `InCsumErrors` → `in_csum_errors`, `KCPInErrors` → `kcp_in_errors`, `OOBPackets` → `oob_packets`. */
export function snakeCase(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** The per-session gauges: name (after kcptun_session_), help, and the value. */
const SESSION_GAUGES: readonly (readonly [string, string, (s: SessionStatus) => number])[] = [
  ['srtt_seconds', 'Smoothed round-trip time.', (s) => s.srttMs / 1000],
  ['rttvar_seconds', 'Round-trip time variation.', (s) => s.rttvarMs / 1000],
  ['rto_seconds', 'Retransmission timeout.', (s) => s.rtoMs / 1000],
  ['in_flight_segments', 'Segments sent and not yet acknowledged.', (s) => s.inFlight],
  ['send_window_segments', 'Send window (-sndwnd).', (s) => s.sndWnd],
  ['receive_window_segments', 'Receive window (-rcvwnd).', (s) => s.rcvWnd],
  ['remote_window_segments', "The peer's free receive window.", (s) => s.rmtWnd],
  ['send_rate_bytes', 'Application bytes per second written to the session.', (s) => s.sendRate],
  ['receive_rate_bytes', 'Application bytes per second delivered by the session.', (s) => s.receiveRate],
  ['delivery_rate_bytes', 'Bytes per second acknowledged by the peer.', (s) => s.deliveryRate],
  [
    'retransmission_ratio',
    'Retransmitted segments / all segment transmissions, since the session opened.',
    (s) => s.retransmissionRatio,
  ],
  [
    'fec_recovery_ratio',
    'FEC-recovered packets / datagrams received, since the session opened.',
    (s) => s.fecRecoveryRatio,
  ],
  ['streams', 'Open smux streams.', (s) => s.streams],
];

export class PrometheusExporter {
  private readonly registry = new Registry();
  /** The snapshot of the scrape in progress, read by the collect callbacks. */
  private doc: StatusDocument | null = null;
  /** Scrapes run one after another, so each one's callbacks read its own snapshot. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor() {
    const registers = [this.registry];
    const self = this;
    for (const field of snmpFields()) {
      if (SNMP_OMITTED.has(field)) continue;
      const read = (): number => self.doc?.snmp[field] ?? 0;
      const help = `kcp-go SNMP ${field}.`;
      if (SNMP_GAUGES.has(field)) {
        new Gauge({
          name: PREFIX + snakeCase(field),
          help,
          registers,
          collect() {
            this.set(read());
          },
        });
      } else {
        new Counter({
          name: `${PREFIX}${snakeCase(field)}_total`,
          help,
          registers,
          collect() {
            this.reset();
            this.inc(read());
          },
        });
      }
    }
    const processGauge = (name: string, help: string, read: (d: StatusDocument) => number): void => {
      new Gauge({
        name: PREFIX + name,
        help,
        registers,
        collect() {
          if (self.doc !== null) this.set(read(self.doc));
        },
      });
    };
    processGauge('sessions', 'Open KCP sessions.', (d) => d.sessionsTotal);
    processGauge('streams', 'Open smux streams over all sessions.', (d) => d.streamsTotal);
    processGauge('up', '1 when /healthz reports healthy, else 0.', (d) => (d.health.ok ? 1 : 0));
    processGauge('process_resident_memory_bytes', 'Resident set size.', (d) => d.process.residentMemoryBytes);
    processGauge(
      'process_event_loop_delay_p99_seconds',
      '99th percentile of the event-loop delay since the previous sample.',
      (d) => d.process.eventLoopDelayP99Ms / 1000,
    );
    const processCounter = (name: string, help: string, read: (d: StatusDocument) => number): void => {
      new Counter({
        name: `${PREFIX}${name}_total`,
        help,
        registers,
        collect() {
          this.reset();
          if (self.doc !== null) this.inc(read(self.doc));
        },
      });
    };
    processCounter(
      'udp_socket_errors',
      'Errors the UDP sockets reported (a refused send, a late ICMP error).',
      (d) => d.transport.udpSocketErrors,
    );
    processCounter(
      'udp_send_drops',
      'Datagrams lost at the sending socket (sendmmsg failed other than for a full buffer).',
      (d) => d.transport.udpSendDrops,
    );
    processCounter(
      'rejected_datagrams',
      'Datagrams dropped because their session was rejected for a protocol mismatch.',
      (d) => d.transport.rejectedDatagrams,
    );
    processCounter(
      'tcp_flow_drops',
      '-tcp: packets and connections of new peers dropped because the flow table was full.',
      (d) => d.transport.tcpFlowDrops,
    );
    processCounter(
      'udp_gso_runs',
      'Messages sent with UDP GSO: runs of two or more datagrams the kernel cut apart.',
      (d) => d.transport.gsoRuns,
    );
    processCounter(
      'amplification_drops',
      'Datagrams a server session did not send to an address not yet proven, past 3x what came from it.',
      (d) => d.transport.amplificationDrops,
    );
    processCounter(
      'udp_gro_buffers',
      'Receives the kernel coalesced (UDP GRO), each cut into two or more datagrams.',
      (d) => d.transport.groBuffers,
    );
    for (const field of UDP_FORWARD_FIELDS) {
      const name = `udp_forward_${snakeCase(field)}`;
      const help = `UDP forwarding (-udp): ${field}.`;
      if (field === 'FlowsActive') processGauge(name, help, (d) => d.udp[field] ?? 0);
      else processCounter(name, help, (d) => d.udp[field] ?? 0);
    }
    new Counter({
      name: `${PREFIX}process_cpu_seconds_total`,
      help: 'User and system CPU time.',
      registers,
      collect() {
        this.reset();
        if (self.doc !== null) this.inc(self.doc.process.cpuSecondsTotal);
      },
    });
    for (const [name, help, read] of SESSION_GAUGES) {
      new Gauge({
        name: `${PREFIX}session_${name}`,
        help: `${help} Per session, the ${MAX_SESSION_SERIES} busiest at most.`,
        labelNames: ['remote', 'conv'],
        registers,
        collect() {
          this.reset();
          const sessions = self.doc?.sessions ?? [];
          const n = Math.min(sessions.length, MAX_SESSION_SERIES);
          for (let i = 0; i < n; i++) {
            const s = sessions[i];
            this.set({ remote: s.remote, conv: String(s.conv) }, read(s));
          }
        },
      });
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text of `doc` (sessions busiest first, as StatusModel sorts them). */
  render(doc: StatusDocument): Promise<string> {
    const run = this.queue.then(async () => {
      this.doc = doc;
      try {
        return await this.registry.metrics();
      } finally {
        this.doc = null;
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }
}
