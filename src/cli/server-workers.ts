/**
 * kcptun-server -workers N: N worker threads, each a whole server (server-worker.ts) with its own member
 * of each listening port's SO_REUSEPORT group, so the kernel spreads clients' sessions over them and
 * every core can work (docs/protocol.md §5.6). The main thread keeps what is per process (worker-pool.ts).
 */
import { isSea } from 'node:sea';
import { reusePortSupport } from '../transport/reuse-port.js';
import { CliError } from './errors.js';
import type { Logger } from './log.js';
import type { ServerConfig } from './options.js';
import type { RunningTunnel } from './run-main.js';
import { listeningLine } from './server-start.js';
import { commonStartupLines } from './startup.js';
import { WorkerPool } from './worker-pool.js';

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
  const configs = Array.from({ length: config.workers }, () => config);
  const pool = new WorkerPool(new URL('./server-worker.js', import.meta.url), configs, log);
  const { ports, cryptName } = await pool.started;
  // Only now is every port's SO_REUSEPORT group complete, and a peer's datagrams keep to one worker.
  for (let i = 0; i < pool.size; i++) pool.send(i, { kind: 'admit' });
  for (const line of commonStartupLines(config, cryptName)) log.info(line);
  log.info(`target: ${config.target}`);
  log.info(
    `workers: ${config.workers} threads, each with its own socket on every listening port (SO_REUSEPORT)`,
  );
  log.info(listeningLine(config, ports));
  return { stop: () => pool.stop(), role: 'server', view: pool };
}
