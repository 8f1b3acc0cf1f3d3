/**
 * What a -workers thread (server-worker.ts, client-worker.ts) and the main thread (worker-pool.ts) tell
 * each other. Plain data: each message crosses threads by structured clone.
 */
import type { SessionQueues } from '../metrics/snmp.js';
import type { Health, TunnelSessionMetrics } from '../metrics/status.js';

/** What the main thread gives each worker: the configuration it runs (a client's with its -conn share). */
export interface WorkerData<C> {
  readonly config: C;
  /** The main thread's clockEpochMs(), to move session timestamps onto its clock. */
  readonly mainEpochMs: number;
}

/** A worker's counters and sessions, sent every STATS_PERIOD_MS. */
export interface WorkerStats {
  readonly kind: 'stats';
  /** Its SNMP counters (the numeric fields of Snmp). */
  readonly snmp: Record<string, number>;
  /** Its SNMP gauges' sums. */
  readonly queues: SessionQueues;
  /** Its -udp counters (UdpStats). */
  readonly udp: Record<string, number>;
  readonly sessions: TunnelSessionMetrics[];
  readonly health: Health;
}

export type WorkerMessage =
  | { readonly kind: 'log'; readonly line: string }
  /** Started: the ports a server's worker bound (none for a client's), the cipher in use. */
  | { readonly kind: 'bound'; readonly ports: number[]; readonly cryptName: string }
  | { readonly kind: 'failed'; readonly message: string }
  | WorkerStats;

/**
 * An accepted connection for a client's worker (client-workers.ts): a descriptor of the process's, a
 * duplicate the main thread no longer uses, which the worker wraps in a net.Socket and owns from then on.
 */
export interface ConnectionMessage {
  readonly kind: 'connection';
  readonly fd: number;
}

/**
 * To each of a server's workers once every worker is bound: its listeners' SO_REUSEPORT groups are complete,
 * so it may open sessions (KcpListener.admit).
 */
export interface AdmitMessage {
  readonly kind: 'admit';
}

/**
 * To each worker when the process stops: close the tunnel and end the thread (worker-pool.ts stop). A worker
 * terminated from outside instead may be inside a koffi call, and koffi then aborts the whole process.
 */
export interface StopMessage {
  readonly kind: 'stop';
}

/** What the main thread sends a worker. */
export type MainMessage = ConnectionMessage | AdmitMessage | StopMessage;

/**
 * How often a worker reports: the main thread's SNMP dump, -snmplog line and -metrics pages show the sums
 * as of the last report, at most this old.
 */
export const STATS_PERIOD_MS = 1000;
