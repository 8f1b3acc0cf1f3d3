/**
 * The client a kcptun-client process runs, made from its configuration: by client-program.ts in the main
 * thread, or by each worker thread of -workers (client-worker.ts), which listens nowhere and is handed its
 * connections by the main thread (client-workers.ts).
 */
import type net from 'node:net';
import { formatHostPort } from '../tunnel/address.js';
import { TunnelClient } from '../tunnel/client.js';
import type { ClientConfig } from './options.js';
import {
  autoSessionsPart,
  commonStartupLines,
  endpointOf,
  hostPortsOf,
  qppOf,
  refuseUnsupported,
  selectCrypt,
  sessionOptionsOf,
  smuxConfigOf,
  udpOf,
} from './startup.js';

export interface StartedClient {
  readonly client: TunnelClient;
  /** The address bound, a unix socket's path, or '' for a client that listens nowhere. */
  readonly bound: net.AddressInfo | string;
  /** The cipher in use, for the start-up line. */
  readonly cryptName: string;
}

export async function startClient(
  config: ClientConfig,
  log: (message: string) => void,
  { listens }: { listens: boolean },
): Promise<StartedClient> {
  refuseUnsupported(config, config.remoteAddr, 'remoteaddr');
  const remote = hostPortsOf(config.remoteAddr, 'remoteaddr');
  const listen = listens ? endpointOf(config.localAddr, 'localaddr') : null;
  const smux = smuxConfigOf(config);
  const crypt = selectCrypt(config);
  if (crypt.fellBack) log(`unknown crypt method ${JSON.stringify(config.crypt)}, using aes`);
  const client = new TunnelClient({
    listen,
    remote,
    conn: config.conn,
    // kcptun's round robin outside -mode auto: a drop-in keeps kcptun's behaviour (stream-placement.ts)
    placement: config.auto === null ? 'round-robin' : 'least-loaded',
    autoExpireSeconds: config.autoExpire,
    scavengeTtlSeconds: config.scavengeTtl,
    closeWaitSeconds: config.closeWait,
    quiet: config.quiet,
    noComp: config.noComp,
    smux,
    qpp: qppOf(config),
    session: {
      ...sessionOptionsOf(config, crypt.crypt),
      sockbuf: config.sockBuf,
      tcp: config.tcp,
      dscp: config.dscp,
      warn: log,
    },
    ...udpOf(config),
    log,
  });
  const bound = await client.start();
  return { client, bound, cryptName: crypt.name };
}

/** The start-up lines after the client started, but the listening line (clientListeningLine). */
export function clientStartupLines(config: ClientConfig, cryptName: string): string[] {
  return [
    ...commonStartupLines(config, cryptName, [autoSessionsPart(config.conn)]),
    `remote address: ${config.remoteAddr}`,
    `conn: ${config.conn}`,
    `autoexpire: ${config.autoExpire}`,
    `scavengettl: ${config.scavengeTtl}`,
  ];
}

/** A -l without a port is a unix socket path (latest kcptun): say so, or `-l 12948` would pass unnoticed. */
export function clientListeningLine(bound: net.AddressInfo | string): string {
  return typeof bound === 'string'
    ? `listening on unix socket: ${bound}`
    : `listening on: ${formatHostPort(bound.address, bound.port)}`;
}
