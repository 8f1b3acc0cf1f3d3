import type { MetricsServer } from '../metrics/http-server.js';
import { snmp } from '../metrics/snmp.js';
import { installSnmpSignal } from '../metrics/snmp-signal.js';
import type { TunnelView } from '../metrics/status.js';
import { atFirstApplicationStream } from '../tunnel/mux.js';
import { formatUdpStats, udpStats } from '../tunnel/udp-stats.js';
import { allowWasm, deferWasm } from '../wasm/deferral.js';
import { type ListenAddress, parseListenAddress } from './address.js';
import type { ParseResult } from './args.js';
import { CliError } from './errors.js';
import { endStartup } from './heap-tuning.js';
import { createLogger, type Logger } from './log.js';
import { startMallocTrim } from './malloc-trim.js';
import type { CommonConfig } from './options.js';
import { packageVersion } from './version.js';

/** A started tunnel end: how to stop it, and what the -metrics endpoint shows of it. */
export interface RunningTunnel {
  /** Resolves once the tunnel is closed, where closing takes a while (-workers' threads). */
  readonly stop: () => void | Promise<void>;
  readonly role: 'client' | 'server';
  readonly view: TunnelView;
}

/** Starts the tunnel. */
export type StartTunnel<C> = (config: C, log: Logger) => Promise<RunningTunnel>;

/**
 * The shape both mains share: parse, log like kcptun, start, the SNMP dump on SIGUSR1 and the -snmplog
 * CSV, -pprof, and stop on SIGTERM/SIGINT. Bad input and
 * start-up failures (a port in use, an unresolvable address) are one line on stderr and exit status 1,
 * never a stack trace.
 */
export function runMain<C extends CommonConfig & { workers: number }>(
  parse: (argv: readonly string[], env: NodeJS.ProcessEnv) => ParseResult<C>,
  start: StartTunnel<C>,
): void {
  let result: ParseResult<C>;
  try {
    result = parse(process.argv.slice(2), process.env);
  } catch (err) {
    fail(err);
    return;
  }
  if (result.kind !== 'run') {
    process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
    return;
  }
  const { config, warnings } = result;
  let log: Logger;
  try {
    log = createLogger({ file: config.log });
  } catch (err) {
    fail(err);
    return;
  }
  let metricsAddress: ListenAddress | null;
  try {
    metricsAddress = config.metrics === '' ? null : parseListenAddress(config.metrics, 'metrics');
  } catch (err) {
    fail(err);
    return;
  }
  log.info(`version: ${packageVersion()}`);
  for (const w of warnings) log.info(w);
  const info = (m: string): void => log.info(m);
  // No WebAssembly compiled until the first stream either (deferral.ts): the sessions dialled or accepted
  // before it run the FEC kernel's and CRC-32C's JavaScript paths
  deferWasm();
  start(config, log)
    .then(async (tunnel) => {
      installSnmpSignal(snmp, info);
      // -udp: the UDP counters ride along with the SNMP line, and are logged once more on the way out
      const logUdp = (): void => info(formatUdpStats(udpStats));
      if (config.udp && process.platform !== 'win32') process.on('SIGUSR1', logUdp);
      // -snmplog's and -pprof's modules load only when the flag is given, like -metrics's: a default run
      // never uses them (docs/bench-tunnel-memory-2026-12-04-2.md)
      const snmpLogger =
        config.snmpLog === ''
          ? null
          : new (await import('../metrics/snmp-logger.js')).SnmpLogger(
              config.snmpLog,
              config.snmpPeriod,
              snmp,
              info,
            );
      snmpLogger?.start();
      const stopTrimming = startMallocTrim();
      log.info(`pprof: ${config.pprof}`);
      const stopProfiling = config.pprof
        ? await (await import('./profiling.js')).startProfiling({ log: info })
        : () => {};
      const metrics =
        metricsAddress === null ? null : await startMetrics(metricsAddress, config, tunnel, info);
      return () => {
        metrics?.close();
        snmpLogger?.stop();
        if (typeof stopTrimming === 'function') stopTrimming();
        stopProfiling();
        const closed = tunnel.stop();
        if (config.udp) logUdp();
        return closed;
      };
    })
    .then(
      (stop) => {
        // Started, -metrics and -pprof included. Hot code is worth optimizing from the first stream on: until
        // then only the sessions' timers and keepalives run, which Turbofan would compile within seconds for
        // 3.6 MiB of the node binary's compiler pages (heap-tuning.ts), and WebAssembly's compiler would
        // bring 0.9 MiB (deferral.ts). -workers' streams are in other threads, whose flags are the
        // process's: there from now, as before.
        if (config.workers > 1) compileFromNow();
        else atFirstApplicationStream(compileFromNow);
        const shutdown = (): void => {
          void Promise.resolve(stop()).finally(() => {
            log.close();
            process.exit(0);
          });
        };
        process.once('SIGTERM', shutdown);
        process.once('SIGINT', shutdown);
      },
      (err) => {
        if (config.log !== '') log.info(messageOf(err)); // stderr gets it from fail()
        log.close(); // the lines still pending in the log's batch go out before fail's
        fail(err);
      },
    );
}

/** The tunnel carries a stream (or -workers have started): Turbofan on, WebAssembly allowed. */
function compileFromNow(): void {
  endStartup();
  allowWasm();
}

/** -metrics: serve the endpoint, or fail start-up in flag terms when the address is wrong or taken. */
async function startMetrics(
  { host, port }: ListenAddress,
  config: CommonConfig,
  tunnel: RunningTunnel,
  log: (m: string) => void,
): Promise<MetricsServer> {
  // Loaded only with -metrics: prom-client and node:http are about 4 MB of resident memory that a run
  // without the endpoint never uses (docs/bench-tunnel-memory-2026-12-02.md).
  const { MetricsServer } = await import('../metrics/http-server.js');
  let server: MetricsServer;
  try {
    server = await MetricsServer.listen({
      host,
      port,
      role: tunnel.role,
      version: packageVersion(),
      view: tunnel.view,
      settings: { ...config },
    });
  } catch (err) {
    throw new CliError(`-metrics ${config.metrics}: cannot listen: ${messageOf(err)}`);
  }
  const { address, family, port: bound } = server.address;
  const shown = family === 'IPv6' ? `[${address}]:${bound}` : `${address}:${bound}`;
  log(`metrics: serving http://${shown}/ (/metrics, /status, /healthz); it shows peers' addresses`);
  return server;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function fail(err: unknown): void {
  const prefix = err instanceof CliError ? '' : 'error: ';
  process.stderr.write(`${prefix}${messageOf(err)}\n`);
  process.exit(1);
}
