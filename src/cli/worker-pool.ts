/**
 * The main thread's side of -workers (server-workers.ts, client-workers.ts): it starts the worker threads,
 * logs their lines, and keeps what is per process: the SNMP dump and -snmplog, -metrics, the signals; it
 * shows the workers' sums, as of their last report (worker-report.ts).
 *
 * A worker that dies takes the process with it: a server's peers would be moved to the other members of
 * the port's group, where their sessions do not exist, and a client's connections in it are gone.
 */
import { Worker } from 'node:worker_threads';
import { type SessionQueues, snmp } from '../metrics/snmp.js';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import { clockEpochMs } from '../transport/clock.js';
import { udpStats } from '../tunnel/udp-stats.js';
import { workerResourceLimits } from './heap-tuning.js';
import type { Logger } from './log.js';
import type { MainMessage, WorkerData, WorkerMessage, WorkerStats } from './worker-messages.js';

/** What the first worker's 'bound' message said: every worker binds the same ports with the same cipher. */
export interface WorkersStarted {
  readonly ports: number[];
  readonly cryptName: string;
}

/** How long a worker gets to close and end when the process stops, before it is terminated. */
const STOP_GRACE_MS = 2000;

export class WorkerPool implements TunnelView {
  readonly started: Promise<WorkersStarted>;
  private readonly workers: Worker[] = [];
  private readonly latest = new Map<Worker, WorkerStats>();
  private stopping = false;
  private stopped: Promise<void> = Promise.resolve();
  private readonly exited = new Set<Worker>();
  /** Every worker bound: from then on a worker's end is the process's (fail). */
  private running = false;

  /** One worker running `module` per configuration in `configs`. */
  constructor(
    module: URL,
    configs: readonly unknown[],
    private readonly log: Logger,
  ) {
    const mainEpochMs = clockEpochMs();
    const bound: Promise<WorkersStarted>[] = [];
    for (const [i, config] of configs.entries()) {
      const data: WorkerData<unknown> = { config, mainEpochMs };
      const worker = new Worker(module, { workerData: data, resourceLimits: workerResourceLimits() });
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
            this.exited.add(worker);
            reject(new Error(`worker ${i} exited (${code})`));
            this.fail(i, `exited with status ${code}`);
          });
        }),
      );
    }
    // A failed start stops the workers only once every one has bound or failed: terminating a worker in the
    // middle of its start-up can catch it inside a koffi call (binding libc's functions), and koffi then
    // aborts the whole process (SIGABRT where the exit status 1 and the reason belong: 1 failed start in 30
    // when the first worker's end stopped the process at once).
    this.started = Promise.allSettled(bound).then((results) => {
      for (const r of results) {
        if (r.status === 'rejected') {
          return this.stop().then(() => {
            throw r.reason;
          });
        }
      }
      this.running = true;
      return (results[0] as PromiseFulfilledResult<WorkersStarted>).value;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Hand worker `index` a message (a client's accepted connection, a server's admit). */
  send(index: number, message: MainMessage): void {
    this.workers[index]!.postMessage(message);
  }

  /** After start-up, a worker's end is the process's (see the module's comment); before, `started` fails. */
  private fail(index: number, reason: string): void {
    if (this.stopping || !this.running) return;
    this.log.info(`worker ${index}: ${reason}; stopping`);
    void this.stop().then(() => {
      this.log.close();
      process.exit(1);
    });
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
    if (this.stopping) return { ok: false, reason: 'the workers are stopped' };
    for (const s of this.latest.values()) if (!s.health.ok) return s.health;
    return { ok: true };
  }

  /** Ask every worker to close and end (StopMessage); one that has not within STOP_GRACE_MS is terminated. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopped;
    this.stopping = true;
    this.stopped = Promise.all(this.workers.map((w) => this.stopWorker(w))).then(() => {});
    return this.stopped;
  }

  private stopWorker(worker: Worker): Promise<void> {
    if (this.exited.has(worker)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ kind: 'stop' } satisfies MainMessage);
    });
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
