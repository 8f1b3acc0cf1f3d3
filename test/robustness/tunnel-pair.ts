import type net from 'node:net';
import { deriveKey } from '../../src/crypt/kdf.js';
import { createPacketCrypt } from '../../src/crypt/select.js';
import { defaultSmuxConfig, type SmuxConfig } from '../../src/smux/index.js';
import type { SessionOptions } from '../../src/transport/session.js';
import { type ClientOptions, TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';

export function sessionOptions(): SessionOptions {
  return {
    crypt: createPacketCrypt('aes', deriveKey('robustness')).crypt,
    dataShards: 10,
    parityShards: 3,
    mtu: 1350,
    sndWnd: 1024,
    rcvWnd: 1024,
    nodelay: 1,
    interval: 20,
    resend: 2,
    nc: 1,
    ackNoDelay: false,
  };
}

/**
 * A client on 127.0.0.1 (any free port) dialling 127.0.0.1:remotePort with the test defaults: one
 * session, no expiry, no close wait, smux v2, this file's session options; `overrides` replace fields.
 */
export function loopbackClientOptions(
  remotePort: number,
  overrides: Partial<ClientOptions> = {},
): ClientOptions {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: remotePort, maxPort: remotePort },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: { ...defaultSmuxConfig(), version: 2 },
    session: { ...sessionOptions(), sockbuf: 4 << 20 },
    log: () => {},
    ...overrides,
  };
}

export interface PairOptions {
  targetPort: number;
  /** UDP port for the server (0: any); the client dials `remotePort` if given (a relay), else the server. */
  serverPort?: number;
  remotePort?: number;
  smux?: Partial<SmuxConfig>;
  conn?: number;
}

/** An in-process TunnelServer, its log lines, and the address it listens on. */
export async function startServer(
  o: PairOptions,
): Promise<{ server: TunnelServer; port: number; logs: string[] }> {
  const logs: string[] = [];
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: o.serverPort ?? 0, maxPort: o.serverPort ?? 0 },
    target: { host: '127.0.0.1', port: o.targetPort },
    closeWaitSeconds: 0,
    quiet: true,
    noComp: false,
    smux: { ...defaultSmuxConfig(), version: 2, ...o.smux },
    session: { ...sessionOptions(), sockbuf: 4 << 20, maxSessions: 1024, log: (m) => logs.push(m) },
    log: (m) => logs.push(m),
  });
  const [port] = await server.start();
  return { server, port, logs };
}

/** An in-process TunnelClient listening on 127.0.0.1; its log lines. */
export async function startClient(
  remotePort: number,
  o: Pick<PairOptions, 'smux' | 'conn'> = {},
): Promise<{ client: TunnelClient; port: number; logs: string[] }> {
  const logs: string[] = [];
  const client = new TunnelClient(
    loopbackClientOptions(remotePort, {
      conn: o.conn ?? 1,
      smux: { ...defaultSmuxConfig(), version: 2, ...o.smux },
      log: (m) => logs.push(m),
    }),
  );
  const addr = (await client.start()) as net.AddressInfo;
  return { client, port: addr.port, logs };
}
