/**
 * An in-process tunnel (client, server, target) whose link a UDP relay can cut, and a connection's reading
 * end that records how it ended: what test/tunnel/stream-reset, half-close-reset and client-close share.
 */
import { once } from 'node:events';
import net from 'node:net';
import { defaultSmuxConfig } from '../../src/smux/index.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import { sessionOptions } from '../robustness/tunnel-pair.js';
import { UdpRelay } from '../support/udp-relay.js';

/**
 * Short keep-alives for the tunnels whose link is cut: a session whose link went silent is closed within 2 to
 * 4 s. Not shorter: a process stalled longer than the timeout (load 15 on this 2-core machine) runs the
 * keep-alive check before it reads the datagrams that came meanwhile, and a live session died so (a complete
 * download reset, once in 20 runs, with 600 ms). The graceful tunnels keep smux's defaults (30 s).
 */
export const CUT_SMUX = {
  ...defaultSmuxConfig(),
  version: 2 as const,
  keepAliveInterval: 500,
  keepAliveTimeout: 2000,
};
export const GRACEFUL_SMUX = { ...defaultSmuxConfig(), version: 2 as const };
/** What each side sends before the link is cut: the stream is mid-transfer, never ended. */
export const FIRST_BYTES = 64 * 1024;
export const DOWNLOAD_BYTES = 1 << 20;

/** A connection's reading end: every byte, and how it ended: 'end', or the error's code. */
export interface Reading {
  bytes(): number;
  data(): Buffer;
  /** Resolves once `n` bytes in all were read. */
  untilBytes(n: number): Promise<void>;
  outcome: Promise<string>;
}

export function reading(socket: net.Socket): Reading {
  const chunks: Buffer[] = [];
  let total = 0;
  let waiter: { n: number; resolve: () => void } | null = null;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    total += chunk.length;
    if (waiter !== null && total >= waiter.n) {
      waiter.resolve();
      waiter = null;
    }
  });
  const outcome = new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  return {
    bytes: () => total,
    data: () => Buffer.concat(chunks),
    untilBytes: (n) =>
      total >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiter = { n, resolve };
          }),
    outcome,
  };
}

export interface Tunnel {
  relay: UdpRelay;
  /** The client's listening port: where the application connects. */
  port: number;
  /** The target's side of the next connection the server dials. */
  nextTarget(): Promise<net.Socket>;
  close(): void;
}

export async function tunnel(
  closeWait: { client: number; server: number },
  smux: typeof CUT_SMUX = CUT_SMUX,
): Promise<Tunnel> {
  const targets: net.Socket[] = [];
  let taken = 0;
  const target = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => {}); // each test reads the outcome it expects
    targets.push(socket);
  });
  const nextTarget = async (): Promise<net.Socket> => {
    while (targets.length <= taken) await once(target, 'connection');
    return targets[taken++];
  };
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: (target.address() as net.AddressInfo).port },
    closeWaitSeconds: closeWait.server,
    quiet: true,
    noComp: false,
    smux,
    session: { ...sessionOptions(), sockbuf: 1 << 20, maxSessions: 16 },
    log: () => {},
  });
  const [udpPort] = await server.start();
  const relay = await UdpRelay.start(udpPort, { dropUp: 0, dropDown: 0 });
  const client = new TunnelClient({
    listen: { host: '127.0.0.1', port: 0 },
    remote: { host: '127.0.0.1', minPort: relay.port, maxPort: relay.port },
    conn: 1,
    autoExpireSeconds: 0,
    scavengeTtlSeconds: 600,
    closeWaitSeconds: closeWait.client,
    quiet: true,
    noComp: false,
    smux,
    session: { ...sessionOptions(), sockbuf: 1 << 20 },
    log: () => {},
  });
  const addr = (await client.start()) as net.AddressInfo;
  return {
    relay,
    port: addr.port,
    nextTarget,
    close: () => {
      client.close();
      server.close();
      relay.close();
      target.close();
      for (const t of targets) t.destroy();
    },
  };
}

/** An application's connection through the client. */
export async function connect(port: number): Promise<net.Socket> {
  const app = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  app.on('error', () => {}); // each test reads the outcome it expects
  await once(app, 'connect');
  return app;
}

/** Stop the link both ways: both sessions die by their keep-alive timeout. */
export function cutLink(relay: UdpRelay): void {
  relay.setLoss(1, 1);
}
