/**
 * The server a kcptun-server process runs, made from its configuration: by server-program.ts in the main
 * thread, or by each worker thread of -workers (server-worker.ts), which join one SO_REUSEPORT group.
 */
import { DEFAULT_MAX_SESSIONS } from '../transport/listener.js';
import { TunnelServer } from '../tunnel/server.js';
import type { ServerConfig } from './options.js';
import { isSip003, SIP003_BIND_HINT } from './sip003.js';
import {
  endpointOf,
  hostPortsOf,
  qppOf,
  refuseUnsupported,
  selectCrypt,
  sessionOptionsOf,
  smuxConfigOf,
  udpOf,
} from './startup.js';

export interface StartedServer {
  readonly server: TunnelServer;
  readonly ports: number[];
  /** The cipher in use, for the start-up line. */
  readonly cryptName: string;
}

export async function startServer(
  config: ServerConfig,
  log: (message: string) => void,
  { reusePort }: { reusePort: boolean },
): Promise<StartedServer> {
  refuseUnsupported(config, config.listen, 'listen');
  const listen = hostPortsOf(config.listen, 'listen');
  const target = endpointOf(config.target, 'target');
  const smux = smuxConfigOf(config);
  const crypt = selectCrypt(config);
  if (crypt.fellBack) log(`unknown crypt method ${JSON.stringify(config.crypt)}, using aes`);
  const server = new TunnelServer({
    listen,
    target,
    closeWaitSeconds: config.closeWait,
    dscp: config.dscp,
    quiet: config.quiet,
    noComp: config.noComp,
    smux,
    qpp: qppOf(config),
    session: {
      ...sessionOptionsOf(config, crypt.crypt),
      sockbuf: config.sockBuf,
      tcp: config.tcp,
      tcpDscp: config.dscp,
      maxSessions: DEFAULT_MAX_SESSIONS,
      reusePort,
      log,
    },
    ...udpOf(config),
    log,
  });
  const ports = await server.start().catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE' && isSip003(process.env)) err.message += ` (${SIP003_BIND_HINT})`;
    throw err;
  });
  return { server, ports, cryptName: crypt.name };
}

/** The "listening on" line: one port, or the range bound. */
export function listeningLine(config: ServerConfig, ports: readonly number[]): string {
  const { host } = hostPortsOf(config.listen, 'listen');
  return `listening on: ${host}:${ports.length === 1 ? ports[0] : `${ports[0]}-${ports[ports.length - 1]}`}`;
}
