/**
 * One -workers thread of kcptun-server: a whole server (sessions, smux, the dials to the target) on its own
 * event loop, with its own member of each listening port's SO_REUSEPORT group. It logs through the main
 * thread and reports its counters and sessions there (worker-report.ts, worker-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ServerConfig } from './options.js';
import { startServer } from './server-start.js';
import type { MainMessage, WorkerData, WorkerMessage } from './worker-messages.js';
import { startReports } from './worker-report.js';

const port = parentPort;
if (port === null) throw new Error('server-worker.ts runs as a worker thread of kcptun-server -workers');
const { config, mainEpochMs } = workerData as WorkerData<ServerConfig>;
const post = (message: WorkerMessage): void => port.postMessage(message);

startServer(config, (line) => post({ kind: 'log', line }), { reusePort: true }).then(
  ({ server, ports, cryptName }) => {
    post({ kind: 'bound', ports, cryptName });
    port.on('message', (m: MainMessage) => {
      if (m.kind === 'stop') {
        server.close();
        // in a worker thread: ends this thread only; after the closed streams' 'close' events (next ticks),
        // which reset their connections (pipe.ts endSide): exiting at once closed them with a clean FIN
        setImmediate(() => process.exit(0));
        return;
      }
      if (m.kind !== 'admit') return;
      const dropped = server.admit();
      if (dropped > 0) {
        post({
          kind: 'log',
          line: `dropped ${dropped} datagrams that arrived before every worker was bound (KCP sends them again)`,
        });
      }
    });
    startReports(port, server, mainEpochMs);
  },
  (err: unknown) => {
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  },
);
