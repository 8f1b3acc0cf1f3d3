/**
 * kcptun's SIGUSR1 handler (Linux, macOS, FreeBSD): log the counters as one `KCP SNMP:&{...}` line.
 *
 * Node.js reserves SIGUSR1 to start its inspector (debugger) on 127.0.0.1:9229. Installing this listener
 * replaces that behaviour for the life of the listener, which is what kcptun users expect from the signal;
 * `node --inspect` still works, and profiling has its own switch (src/cli/profiling.ts). Once the listener
 * is removed, Node does not reinstate its inspector trigger: SIGUSR1 then has its default action (the
 * process ends), so remove it only when shutting down. Windows has no
 * SIGUSR1 (Go's kcptun has no handler there either), so nothing is installed on it.
 */
import type { Snmp } from './snmp.js';
import { formatSnmpDump } from './snmp-format.js';

/** Install the handler; `log` adds the usual log prefix. Returns a function that removes it. */
export function installSnmpSignal(snmp: Snmp, log: (message: string) => void): () => void {
  if (process.platform === 'win32') return () => {};
  const onSignal = (): void => log(formatSnmpDump(snmp));
  process.on('SIGUSR1', onSignal);
  return () => {
    process.removeListener('SIGUSR1', onSignal);
  };
}
