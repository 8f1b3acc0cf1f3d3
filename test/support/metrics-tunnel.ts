/**
 * Our two binaries as separate processes with -metrics on, a loopback target, and a way to read their
 * endpoints: what the -metrics tests and the status-page browser test share.
 */
import net from 'node:net';
import { freeTcpPort, freeUdpPort } from './ports.js';
import { TunnelProcess } from './procs.js';

/** A TCP target that counts what it reads and, when `sendRate` > 0, sends that many bytes/s back. */
export class CountingTarget {
  received = 0;
  private readonly server: net.Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(sendRate: number) {
    this.server = net.createServer((socket) => {
      socket.on('data', (d: Buffer) => {
        this.received += d.length;
      });
      socket.on('error', () => {});
      if (sendRate <= 0) return;
      const tickMs = 50;
      const chunk = Buffer.alloc(Math.ceil((sendRate * tickMs) / 1000), 0x5a);
      const timer = setInterval(() => {
        if (!socket.writableNeedDrain && !socket.destroyed) socket.write(chunk);
      }, tickMs);
      this.timers.add(timer);
      socket.on('close', () => {
        clearInterval(timer);
        this.timers.delete(timer);
      });
    });
  }

  static async start(sendRate = 0): Promise<CountingTarget> {
    const t = new CountingTarget(sendRate);
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    return t;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.server.close();
  }
}

export interface MetricsTunnel {
  server: TunnelProcess;
  client: TunnelProcess;
  udpPort: number;
  /** The client's TCP port. */
  clientPort: number;
  /** Base URLs, eg http://127.0.0.1:41234 */
  clientMetrics: string;
  serverMetrics: string;
  stop(): Promise<void>;
}

const SERVING = /metrics: serving http:\/\/([^/\s]+)\//;

async function metricsUrl(p: TunnelProcess): Promise<string> {
  await p.waitFor('metrics: serving', 30_000);
  const m = SERVING.exec(p.log);
  if (m === null) throw new Error(`${p.label}: no metrics address in its log:\n${p.log}`);
  return `http://${m[1]}`;
}

/** Start our server and client (no FEC unless asked, no compression: byte counts stay predictable). */
export async function startMetricsTunnel(targetPort: number, extra: string[] = []): Promise<MetricsTunnel> {
  const udpPort = await freeUdpPort();
  const clientPort = await freeTcpPort();
  const common = ['-key', 'metrics test', '-nocomp', '-mode', 'fast3', '-metrics', '127.0.0.1:0', ...extra];
  const server = TunnelProcess.start('ts', 'server', [
    '-l',
    `127.0.0.1:${udpPort}`,
    '-t',
    `127.0.0.1:${targetPort}`,
    ...common,
  ]);
  const client = TunnelProcess.start('ts', 'client', [
    '-l',
    `127.0.0.1:${clientPort}`,
    '-r',
    `127.0.0.1:${udpPort}`,
    ...common,
  ]);
  const stop = async (): Promise<void> => {
    await Promise.all([client.stop(), server.stop()]);
  };
  try {
    const [serverMetrics, clientMetrics] = await Promise.all([metricsUrl(server), metricsUrl(client)]);
    return { server, client, udpPort, clientPort, clientMetrics, serverMetrics, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** GET a URL; resolves with the status and the body text. */
export async function get(
  url: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(url, { method });
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') ?? '' };
}
