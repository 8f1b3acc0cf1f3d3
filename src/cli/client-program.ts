/**
 * kcptun-client's program: parse the flags, start the client (in this thread, or in -workers threads), run
 * until a signal. Started by client-main.ts (the bin) or main.ts, each after heap-tuning.ts.
 */
import { parseClientArgs } from './args.js';
import { clientListeningLine, clientStartupLines, startClient } from './client-start.js';
import { runMain } from './run-main.js';

runMain(parseClientArgs, async (config, log) => {
  // worker_threads and the workers' modules load only with -workers (docs/bench-tunnel-memory-2026-12-04-2.md)
  if (config.workers > 1) return (await import('./client-workers.js')).startClientWorkers(config, log);
  const { client, bound, cryptName } = await startClient(config, (m) => log.info(m), { listens: true });
  for (const line of clientStartupLines(config, cryptName)) log.info(line);
  log.info(clientListeningLine(bound));
  return { stop: () => client.close(), role: 'client', view: client };
});
