/**
 * kcptun-server -workers N: N worker threads, each a whole server (server-worker.ts) with its own member
 * of each listening port's SO_REUSEPORT group, so the kernel spreads clients' sessions over them and
 * every core can work (docs/protocol.md §5.6). The main thread keeps what is per process: the log, the
 * SNMP dump and -snmplog, -metrics, and the signals; it shows the workers' sums, as of their last report.
 *
 * A worker that dies takes the process with it: the kernel would move its peers to the other members of
 * the group, where their sessions do not exist.
 */
import { isSea } from 'node:sea';
import { Worker } from 'node:worker_threads';
import { type SessionQueues, snmp } from '../metrics/snmp.js';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import { clockEpochMs } from '../transport/clock.js';
import { reusePortSupport } from '../transport/reuse-port.js';
import { udpStats } from '../tunnel/udp-stats.js';
import { CliError } from './errors.js';
import type { Logger } from './log.js';
import type { ServerConfig } from './options.js';
import type { RunningTunnel } from './run-main.js';
import { listeningLine } from './server-start.js';
import { commonStartupLines } from './startup.js';
import type { WorkerData, WorkerMessage, WorkerStats } from './worker-messages.js';

/** What -workers cannot do yet, in flag terms; null when the configuration can run in workers. */
export function workersRefusal(config: ServerConfig): string | null {
  const flag = `-workers ${config.workers}`;
  if (config.tcp) return `${flag}: not with -tcp (its raw sockets are not shared by a SO_REUSEPORT group)`;
  if (config.pprof) return `${flag}: not with -pprof (the inspector sees the main thread only)`;
  // A worker thread starts from a module file, and the single-file executable has only its one script.
  if (isSea()) return `${flag}: not in the single-file executable; run the npm package's kcptun-server`;
  const support = reusePortSupport();
  return support === true ? null : `${flag}: ${support}`;
}

export async function startServerWorkers(config: ServerConfig, log: Logger): Promise<RunningTunnel> {
  const refusal = workersRefusal(config);
  if (refusal !== null) throw new CliError(refusal);
  const pool = new WorkerPool(config, log);
  const { ports, cryptName } = await pool.started;
  for (const line of commonStartupLines(config, cryptName)) log.info(line);
  log.info(`target: ${config.target}`);
  log.info(
    `workers: ${config.workers} threads, each with its own socket on every listening port (SO_REUSEPORT)`,
  );
  log.info(listeningLine(config, ports));
  return { stop: () => pool.stop(), role: 'server', view: pool };
}

class WorkerPool implements TunnelView {
  readonly started: Promise<{ ports: number[]; cryptName: string }>;
  private readonly workers: Worker[] = [];
  private readonly latest = new Map<Worker, WorkerStats>();
  private stopping = false;

  constructor(
    config: ServerConfig,
    private readonly log: Logger,
  ) {
    const data: WorkerData = { config, mainEpochMs: clockEpochMs() };
    const bound: Promise<{ ports: number[]; cryptName: string }>[] = [];
    for (let i = 0; i < config.workers; i++) {
      const worker = new Worker(new URL('./server-worker.js', import.meta.url), { workerData: data });
      this.workers.push(worker);
      const queues: SessionQueues = {
        sndQueueLength: 0,
        sndBufLength: 0,
        rcvQueueLength: 0,
        fecQueuedGroups: 0,
      };
      snmp.countQueues(queues);
      bound.push(
        new Promise((resolve, reject) => {
          worker.on('message', (m: WorkerMessage) => {
            if (m.kind === 'log') log.info(m.line);
            else if (m.kind === 'bound') resolve(m);
            else if (m.kind === 'failed') reject(new Error(m.message));
            else this.onStats(worker, m, queues);
          });
          worker.on('error', (err) => {
            reject(err);
            this.fail(i, err.message);
          });
          worker.on('exit', (code) => {
            reject(new Error(`worker ${i} exited (${code})`));
            this.fail(i, `exited with status ${code}`);
          });
        }),
      );
    }
    this.started = Promise.all(bound).then(
      (all) => all[0]!,
      (err: unknown) => {
        this.stop();
        throw err;
      },
    );
  }

  /** After start-up, a worker's end is the process's: its peers cannot be served by the others. */
  private fail(index: number, reason: string): void {
    if (this.stopping) return;
    this.log.info(`worker ${index}: ${reason}; stopping`);
    this.stop();
    this.log.close();
    process.exit(1);
  }

  private onStats(worker: Worker, stats: WorkerStats, queues: SessionQueues): void {
    this.latest.set(worker, stats);
    Object.assign(queues, stats.queues);
    const all = [...this.latest.values()];
    const maxConn = snmp.MaxConn;
    sumInto(
      snmp,
      all.map((s) => s.snmp),
    );
    // A peak is not a sum: the larger of the peak seen here and each worker's own
    snmp.MaxConn = Math.max(maxConn, snmp.CurrEstab, ...all.map((s) => s.snmp.MaxConn ?? 0));
    sumInto(
      udpStats,
      all.map((s) => s.udp),
    );
  }

  sessionMetrics(): TunnelSessionMetrics[] {
    return [...this.latest.values()].flatMap((s) => s.sessions);
  }

  health(): Health {
    if (this.stopping) return { ok: false, reason: 'the server is closed' };
    for (const s of this.latest.values()) if (!s.health.ok) return s.health;
    return { ok: true };
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const worker of this.workers) void worker.terminate();
  }
}

/** Each numeric field of `target` becomes the sum of that field over `parts` (the main thread has none of its own). */
function sumInto(target: object, parts: readonly Record<string, number>[]): void {
  const fields = target as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (typeof fields[name] !== 'number' || name === 'FECShardMin') continue;
    let sum = 0;
    for (const part of parts) sum += part[name] ?? 0;
    fields[name] = sum;
  }
}
