/**
 * What a -workers thread (server-worker.ts) tells the main thread (server-workers.ts). Plain data: each
 * message crosses threads by structured clone.
 */
import type { SessionQueues } from '../metrics/snmp.js';
import type { Health, TunnelSessionMetrics } from '../metrics/status.js';
import type { ServerConfig } from './options.js';

/** What the main thread gives each worker. */
export interface WorkerData {
  readonly config: ServerConfig;
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
  | { readonly kind: 'bound'; readonly ports: number[]; readonly cryptName: string }
  | { readonly kind: 'failed'; readonly message: string }
  | WorkerStats;

/**
 * How often a worker reports: the main thread's SNMP dump, -snmplog line and -metrics pages show the sums
 * as of the last report, at most this old.
 */
export const STATS_PERIOD_MS = 1000;
