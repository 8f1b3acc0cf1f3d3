/**
 * The -metrics HTTP endpoint: GET /metrics (Prometheus), /status (JSON), /healthz and / (the live status
 * page). Anything else is 404, any method but GET is 405, and a handler that fails answers 500: a request
 * never takes the process down. The page and /status show peers' addresses: bind it to loopback or
 * firewall it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_PAGE_HTML } from './page.js';
import { PrometheusExporter } from './prometheus.js';
import { StatusModel, type StatusModelOptions } from './status.js';

export interface MetricsServerOptions extends StatusModelOptions {
  /** Address to bind; '' for every interface. */
  host: string;
  port: number;
}

export class MetricsServer {
  private readonly model: StatusModel;
  private readonly exporter = new PrometheusExporter();
  private readonly server: http.Server;

  private constructor(options: MetricsServerOptions) {
    this.model = new StatusModel(options);
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Bind and serve; rejects (and releases everything) when the address cannot be bound. */
  static async listen(options: MetricsServerOptions): Promise<MetricsServer> {
    const metrics = new MetricsServer(options);
    const server = metrics.server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host === '' ? undefined : options.host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
    } catch (err) {
      metrics.close();
      throw err;
    }
    server.on('error', () => {}); // after the bind, errors belong to single connections
    return metrics;
  }

  get address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  close(): void {
    this.model.close();
    this.server.close();
    this.server.closeAllConnections();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://metrics').pathname;
    } catch {
      reply(res, 400, 'text/plain; charset=utf-8', 'bad request\n');
      return;
    }
    const route = this.routeFor(path);
    if (route === undefined) {
      reply(res, 404, 'text/plain; charset=utf-8', 'not found: try /, /metrics, /status or /healthz\n');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      reply(res, 405, 'text/plain; charset=utf-8', 'method not allowed: GET only\n');
      return;
    }
    route(res).catch((err: unknown) => {
      if (res.headersSent) res.destroy();
      else reply(res, 500, 'text/plain; charset=utf-8', `internal error: ${(err as Error).message}\n`);
    });
  }

  private routeFor(path: string): ((res: http.ServerResponse) => Promise<void>) | undefined {
    switch (path) {
      case '/':
        return (res) => this.page(res);
      case '/metrics':
        return (res) => this.metrics(res);
      case '/status':
        return (res) => this.status(res);
      case '/healthz':
        return (res) => this.healthz(res);
      default:
        return undefined;
    }
  }

  private async metrics(res: http.ServerResponse): Promise<void> {
    const text = await this.exporter.render(this.model.snapshot());
    reply(res, 200, this.exporter.contentType, text);
  }

  private async status(res: http.ServerResponse): Promise<void> {
    reply(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(this.model.snapshot())}\n`);
  }

  private async healthz(res: http.ServerResponse): Promise<void> {
    const health = this.model.snapshot().health;
    if (health.ok) reply(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    else reply(res, 503, 'text/plain; charset=utf-8', `${health.reason}\n`);
  }

  private async page(res: http.ServerResponse): Promise<void> {
    reply(res, 200, 'text/html; charset=utf-8', STATUS_PAGE_HTML);
  }
}

function reply(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
