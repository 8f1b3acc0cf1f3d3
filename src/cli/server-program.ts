/**
 * kcptun-server's program: parse the flags, start the server (in this thread, or in -workers threads),
 * run until a signal. Started by server-main.ts (the bin) or main.ts, each after heap-tuning.ts.
 */
import { parseServerArgs } from './args.js';
import { runMain } from './run-main.js';
import { listeningLine, startServer } from './server-start.js';
import { commonStartupLines } from './startup.js';

runMain(parseServerArgs, async (config, log) => {
  // worker_threads and the workers' modules load only with -workers (docs/bench-tunnel-memory-2026-12-04-2.md)
  if (config.workers > 1) return (await import('./server-workers.js')).startServerWorkers(config, log);
  const { server, ports, cryptName } = await startServer(config, (m) => log.info(m), { reusePort: false });
  for (const line of commonStartupLines(config, cryptName)) log.info(line);
  log.info(`target: ${config.target}`);
  log.info(listeningLine(config, ports));
  return { stop: () => server.close(), role: 'server', view: server };
});
