/**
 * A -workers thread's report to the main thread (worker-pool.ts): its counters, sessions and health every
 * STATS_PERIOD_MS, its sessions' timestamps moved onto the main thread's clock.
 */
import type { MessagePort } from 'node:worker_threads';
import { snmp } from '../metrics/snmp.js';
import type { TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import { clockEpochMs } from '../transport/clock.js';
import { udpStats } from '../tunnel/udp-stats.js';
import { STATS_PERIOD_MS, type WorkerMessage } from './worker-messages.js';

/** Report `view` through `port` every STATS_PERIOD_MS, for the life of the thread. */
export function startReports(port: MessagePort, view: TunnelView, mainEpochMs: number): void {
  /** This thread's nowMs() minus the main thread's, at any instant. */
  const clockShift = Math.round(clockEpochMs() - mainEpochMs);
  const onMainClock = (entry: TunnelSessionMetrics): TunnelSessionMetrics => {
    const s = entry.session;
    return {
      ...entry,
      session: {
        ...s,
        openedAt: (s.openedAt + clockShift) >>> 0,
        lastReceivedAt: (s.lastReceivedAt + clockShift) >>> 0,
      },
    };
  };
  setInterval(() => {
    const message: WorkerMessage = {
      kind: 'stats',
      snmp: numericFields(snmp),
      queues: {
        sndQueueLength: snmp.RingBufferSndQueue,
        sndBufLength: snmp.RingBufferSndBuffer,
        rcvQueueLength: snmp.RingBufferRcvQueue,
        fecQueuedGroups: snmp.FECShardSet,
      },
      udp: numericFields(udpStats),
      sessions: view.sessionMetrics().map(onMainClock),
      health: view.health(),
    };
    port.postMessage(message);
  }, STATS_PERIOD_MS);
}

function numericFields(counters: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters)) if (typeof value === 'number') out[name] = value;
  return out;
}
