/**
 * kcptun-client -workers N: N worker threads, each a whole client (client-worker.ts) with its share of the
 * -conn sessions, so that streams, and the sessions under them, spread over the cores. The main thread
 * listens and hands each accepted connection to the next worker in turn, as a duplicate of its descriptor
 * (a net.Socket cannot move between threads, but a descriptor is the process's); it keeps what is per
 * process (worker-pool.ts). docs/protocol.md §5.7.
 *
 * Handing over rather than a listener per worker in a SO_REUSEPORT group: the kernel's hash of each
 * connection's addresses and ports would split 8 connections 4/4 only about a quarter of the time (a
 * worker that got 6 works while the other idles), and -l keeps every form it has (IPv6, a unix socket).
 */
import net from 'node:net';
import { isSea } from 'node:sea';
import type { Health, TunnelSessionMetrics, TunnelView } from '../metrics/status.js';
import { errnoName, type Libc, libc } from '../transport/libc.js';
import { LogLimiter } from '../transport/log-limiter.js';
import { listenOn, type StreamEndpoint } from '../tunnel/address.js';
import { resetSocket } from '../tunnel/pipe.js';
import { clientListeningLine, clientStartupLines } from './client-start.js';
import { CliError } from './errors.js';
import type { Logger } from './log.js';
import type { ClientConfig } from './options.js';
import type { RunningTunnel } from './run-main.js';
import { endpointOf } from './startup.js';
import { WorkerPool } from './worker-pool.js';

/** What -workers cannot do yet, in flag terms; null when the configuration can run in workers. */
export function clientWorkersRefusal(config: ClientConfig): string | null {
  const flag = `-workers ${config.workers}`;
  if (config.tcp) return `${flag}: not with -tcp (one thread's raw sockets per process)`;
  if (config.udp) return `${flag}: not with -udp (its UDP socket and flows are one thread's)`;
  if (config.pprof) return `${flag}: not with -pprof (the inspector sees the main thread only)`;
  // A worker thread starts from a module file, and the single-file executable has only its one script.
  if (isSea()) return `${flag}: not in the single-file executable; run the npm package's kcptun-client`;
  if (process.platform === 'win32') return `${flag}: connections cannot be handed to threads on Windows`;
  const sys = libc();
  return typeof sys === 'string' ? `${flag}: ${sys}` : null;
}

/** Worker `index`'s -conn: an even share of `conn` over `workers`, at least one session. */
export function connShare(conn: number, workers: number, index: number): number {
  return Math.max(1, Math.floor(conn / workers) + (index < conn % workers ? 1 : 0));
}

export async function startClientWorkers(config: ClientConfig, log: Logger): Promise<RunningTunnel> {
  const refusal = clientWorkersRefusal(config);
  if (refusal !== null) throw new CliError(refusal);
  const listen = endpointOf(config.localAddr, 'localaddr');
  const shares = Array.from({ length: config.workers }, (_, i) => connShare(config.conn, config.workers, i));
  const configs = shares.map((conn) => ({ ...config, conn }));
  const pool = new WorkerPool(new URL('./client-worker.js', import.meta.url), configs, log);
  const { cryptName } = await pool.started;
  const handover = new Handover(pool, log);
  let bound: net.AddressInfo | string;
  try {
    bound = await handover.listen(listen);
  } catch (err) {
    await pool.stop();
    throw err;
  }
  for (const line of clientStartupLines(config, cryptName)) log.info(line);
  log.info(
    `workers: ${config.workers} threads with ${shares.join(' + ')} sessions; each new connection to the next thread`,
  );
  log.info(clientListeningLine(bound));
  return {
    stop: () => {
      handover.close();
      return pool.stop();
    },
    role: 'client',
    view: handover,
  };
}

/** The main thread's listener: accepts, and hands each connection's descriptor to a worker in turn. */
class Handover implements TunnelView {
  private readonly server: net.Server;
  private next = 0;
  private readonly limiter: LogLimiter;

  constructor(
    private readonly pool: WorkerPool,
    log: Logger,
  ) {
    this.limiter = new LogLimiter((m) => log.info(m));
    // paused: the worker reads it, from the kernel's buffer, once its stream is open
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) =>
      this.hand(socket),
    );
  }

  async listen(listen: StreamEndpoint): Promise<net.AddressInfo | string> {
    const server = this.server;
    await listenOn(server, listen);
    server.on('error', (err) => this.limiter.report('accept', '', () => `accept: ${err.message}`));
    return server.address() ?? '';
  }

  private hand(socket: net.Socket): void {
    const sys = libc() as Libc; // clientWorkersRefusal let no process without it get here
    const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    // the duplicate is the worker's; closing this thread's descriptor (destroy) leaves the connection open
    const copy = typeof fd === 'number' ? sys.dup(fd) : -1;
    const reason = copy < 0 && typeof fd === 'number' ? errnoName(sys.koffi.errno()) : 'no descriptor';
    if (copy < 0) {
      // no stream for it: reset, as the client resets a connection it cannot carry (client.ts adopt); not
      // a handed-over one, whose socket the worker's duplicate shares (SO_LINGER 0 would be the worker's)
      resetSocket(socket);
      this.limiter.report(
        'handover',
        '',
        () => `accept: a connection not handed to a worker thread (${reason}); reset`,
      );
      return;
    }
    socket.destroy();
    this.pool.send(this.next, { kind: 'connection', fd: copy });
    this.next = (this.next + 1) % this.pool.size;
  }

  sessionMetrics(): TunnelSessionMetrics[] {
    return this.pool.sessionMetrics();
  }

  health(): Health {
    if (!this.server.listening) return { ok: false, reason: 'the TCP listener is not open' };
    return this.pool.health();
  }

  close(): void {
    this.server.close();
  }
}
