import type net from 'node:net';
import { defaultSmuxConfig, type SmuxConfig } from '../../src/smux/index.js';
import { TunnelClient } from '../../src/tunnel/client.js';
import { TunnelServer } from '../../src/tunnel/server.js';
import type { UdpOptions } from '../../src/tunnel/udp-flow.js';
import { UdpStats } from '../../src/tunnel/udp-stats.js';
import { loopbackClientOptions, sessionOptions } from '../robustness/tunnel-pair.js';

export interface UdpPairOptions {
  targetPort: number;
  /** undefined: the server has no -udp. */
  serverUdp?: Partial<UdpOptions>;
  clientUdp?: Partial<UdpOptions>;
  /** The client dials this port (a relay) instead of the server's. */
  remotePort?: (serverPort: number) => Promise<number>;
  smux?: Partial<SmuxConfig>;
  conn?: number;
}

/** An in-process client (-udp) and server pair on loopback with their own counters and logs. */
export async function startUdpPair(o: UdpPairOptions) {
  const serverLogs: string[] = [];
  const clientLogs: string[] = [];
  const serverStats = new UdpStats();
  const clientStats = new UdpStats();
  const smux = { ...defaultSmuxConfig(), version: 2 as const, ...o.smux };
  const server = new TunnelServer({
    listen: { host: '127.0.0.1', minPort: 0, maxPort: 0 },
    target: { host: '127.0.0.1', port: o.targetPort },
    closeWaitSeconds: 0,
    quiet: false,
    noComp: false,
    smux,
    session: { ...sessionOptions(), sockbuf: 4 << 20, maxSessions: 1024 },
    ...(o.serverUdp === undefined ? {} : { udp: { timeoutSeconds: 60, stats: serverStats, ...o.serverUdp } }),
    log: (m) => serverLogs.push(m),
  });
  const [serverPort] = await server.start();
  const remote = o.remotePort === undefined ? serverPort : await o.remotePort(serverPort);
  const client = new TunnelClient(
    loopbackClientOptions(remote, {
      conn: o.conn ?? 1,
      quiet: false,
      smux,
      udp: { timeoutSeconds: 60, stats: clientStats, ...o.clientUdp },
      log: (m) => clientLogs.push(m),
    }),
  );
  const addr = (await client.start()) as net.AddressInfo;
  return {
    server,
    client,
    port: addr.port,
    serverLogs,
    clientLogs,
    serverStats,
    clientStats,
    close(): void {
      client.close();
      server.close();
    },
  };
}
