/**
 * One -workers thread of kcptun-client: a whole client (its share of the -conn sessions, smux, the streams)
 * on its own event loop, listening nowhere: the main thread accepts and hands it connections as
 * descriptors (client-workers.ts). It logs through the main thread and reports its counters and sessions
 * there (worker-report.ts, worker-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startClient } from './client-start.js';
import type { ClientConfig } from './options.js';
import type { ConnectionMessage, StopMessage, WorkerData, WorkerMessage } from './worker-messages.js';
import { startReports } from './worker-report.js';

const port = parentPort;
if (port === null) throw new Error('client-worker.ts runs as a worker thread of kcptun-client -workers');
const { config, mainEpochMs } = workerData as WorkerData<ClientConfig>;
const post = (message: WorkerMessage): void => port.postMessage(message);

startClient(config, (line) => post({ kind: 'log', line }), { listens: false }).then(
  ({ client, cryptName }) => {
    port.on('message', (m: ConnectionMessage | StopMessage) => {
      if (m.kind === 'stop') {
        client.close();
        // in a worker thread: ends this thread only; after the closed streams' 'close' events (next ticks),
        // which reset their connections (pipe.ts endSide): exiting at once closed them with a clean FIN
        setImmediate(() => process.exit(0));
        return;
      }
      client.adoptDescriptor(m.fd);
    });
    post({ kind: 'bound', ports: [], cryptName });
    startReports(port, client, mainEpochMs);
  },
  (err: unknown) => {
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  },
);
