/**
 * One -workers thread of kcptun-server: a whole server (sessions, smux, the dials to the target) on its own
 * event loop, with its own member of each listening port's SO_REUSEPORT group. It logs through the main
 * thread and reports its counters and sessions there every STATS_PERIOD_MS (server-workers.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { snmp } from '../metrics/snmp.js';
import type { TunnelSessionMetrics } from '../metrics/status.js';
import { clockEpochMs } from '../transport/clock.js';
import type { TunnelServer } from '../tunnel/server.js';
import { udpStats } from '../tunnel/udp-stats.js';
import { startServer } from './server-start.js';
import { STATS_PERIOD_MS, type WorkerData, type WorkerMessage } from './worker-messages.js';

const port = parentPort;
if (port === null) throw new Error('server-worker.ts runs as a worker thread of kcptun-server -workers');
const { config, mainEpochMs } = workerData as WorkerData;
const post = (message: WorkerMessage): void => port.postMessage(message);
/** This thread's nowMs() minus the main thread's, at any instant. */
const clockShift = Math.round(clockEpochMs() - mainEpochMs);

startServer(config, (line) => post({ kind: 'log', line }), { reusePort: true }).then(
  ({ server, ports, cryptName }) => {
    post({ kind: 'bound', ports, cryptName });
    setInterval(() => report(server), STATS_PERIOD_MS);
  },
  (err: unknown) => {
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  },
);

function report(server: TunnelServer): void {
  post({
    kind: 'stats',
    snmp: numericFields(snmp),
    queues: {
      sndQueueLength: snmp.RingBufferSndQueue,
      sndBufLength: snmp.RingBufferSndBuffer,
      rcvQueueLength: snmp.RingBufferRcvQueue,
      fecQueuedGroups: snmp.FECShardSet,
    },
    udp: numericFields(udpStats),
    sessions: server.sessionMetrics().map(onMainClock),
    health: server.health(),
  });
}

function onMainClock(entry: TunnelSessionMetrics): TunnelSessionMetrics {
  const s = entry.session;
  return {
    ...entry,
    session: {
      ...s,
      openedAt: (s.openedAt + clockShift) >>> 0,
      lastReceivedAt: (s.lastReceivedAt + clockShift) >>> 0,
    },
  };
}

function numericFields(counters: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(counters)) if (typeof value === 'number') out[name] = value;
  return out;
}
