import { freeTcpPort, freeUdpPort } from '../../test/support/ports.js';
import { TunnelProcess } from '../../test/support/procs.js';
import { NetnsPlacement } from './netns-placement.js';
import { argsFor, type Pair, type Setting } from './settings.js';

const READY_LOG = 'listening on';
const METRICS_READY_LOG = 'metrics: serving';
const METRICS_URL = /metrics: serving (http:\/\/[^/\s]+\/)/;
/** How often a -metrics pair's endpoints are scraped, as a Prometheus server would (but faster). */
const SCRAPE_PERIOD_MS = 1000;
const START_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 20;

function pidOf(p: TunnelProcess): number {
  if (p.child.pid === undefined) throw new Error(`${p.label} did not start`);
  return p.child.pid;
}

/**
 * A kcptun client and server on 127.0.0.1, the server forwarding to `targetPort`; a -tcp pair runs in
 * network namespaces instead (netns-placement.ts).
 */
export class TunnelPair {
  private constructor(
    public client: TunnelProcess,
    readonly server: TunnelProcess,
    /** Where the client listens: connect here to open a stream through the tunnel. */
    readonly localPort: number,
    private readonly placement: NetnsPlacement | null = null,
    /** Starts the client again with the same flags (restartClient); null for a -tcp pair. */
    private readonly startClient: (() => TunnelProcess) | null = null,
  ) {}

  private scraper: NodeJS.Timeout | null = null;

  /** Scrape both ends' /metrics every second until stop(), reading every body to the end. */
  private async startScraping(): Promise<void> {
    const urls: string[] = [];
    for (const p of [this.server, this.client]) {
      await p.waitFor(METRICS_READY_LOG, START_TIMEOUT_MS);
      const m = METRICS_URL.exec(p.log);
      if (m === null) throw new Error(`${p.label}: no metrics address in its log`);
      urls.push(`${m[1]}metrics`);
    }
    const scrape = (): void => {
      for (const url of urls) {
        fetch(url)
          .then((r) => r.text())
          .catch(() => {}); // a process that is stopping: the transfer's own checks report failures
      }
    };
    scrape();
    this.scraper = setInterval(scrape, SCRAPE_PERIOD_MS);
  }

  /**
   * `clientArgs` go to the client only (a server refuses client flags such as -conn); `env` is added to
   * both processes' environment.
   */
  static async start(
    pair: Pair,
    setting: Pick<Setting, 'args' | 'oursArgs'>,
    targetPort: number,
    clientArgs: readonly string[] = [],
    env: NodeJS.ProcessEnv = {},
  ): Promise<TunnelPair> {
    const extra = pair.metrics ? ['-metrics', '127.0.0.1:0'] : [];
    if (pair.tcp) extra.push('-tcp');
    const serverSetting = [...argsFor(setting, pair.server), ...extra];
    const clientSetting = [...argsFor(setting, pair.client), ...extra, ...clientOnlyArgs(pair)];
    let tunnel: TunnelPair;
    if (pair.tcp) {
      const placement = await NetnsPlacement.open(targetPort);
      const { ns } = placement;
      const server = TunnelProcess.start(
        pair.server,
        'server',
        [...placement.serverArgs(), ...serverSetting, ...serverOnlyArgs(pair)],
        env,
        { netns: ns.b },
      );
      const client = TunnelProcess.start(
        pair.client,
        'client',
        [...placement.clientArgs(), ...clientSetting, ...clientArgs],
        env,
        { netns: ns.a },
      );
      tunnel = new TunnelPair(client, server, placement.localPort, placement);
    } else {
      const serverPort = await freeUdpPort();
      const localPort = await freeTcpPort();
      const server = TunnelProcess.start(
        pair.server,
        'server',
        [
          '-l',
          `127.0.0.1:${serverPort}`,
          '-t',
          `127.0.0.1:${targetPort}`,
          ...serverSetting,
          ...serverOnlyArgs(pair),
        ],
        env,
      );
      const startClient = (): TunnelProcess =>
        TunnelProcess.start(
          pair.client,
          'client',
          ['-l', `127.0.0.1:${localPort}`, '-r', `127.0.0.1:${serverPort}`, ...clientSetting, ...clientArgs],
          env,
        );
      tunnel = new TunnelPair(startClient(), server, localPort, null, startClient);
    }
    try {
      await tunnel.server.waitFor(READY_LOG, START_TIMEOUT_MS);
      await tunnel.client.waitFor(READY_LOG, START_TIMEOUT_MS);
      if (pair.metrics) await tunnel.startScraping();
    } catch (err) {
      await tunnel.stop();
      throw err;
    }
    return tunnel;
  }

  /**
   * Stop the client and start another with the same flags (UDP pairs only): its sessions are new to the
   * server, which keeps the old ones until their keep-alive timeout.
   */
  async restartClient(): Promise<void> {
    if (this.startClient === null) throw new Error('a -tcp pair cannot restart its client');
    await this.client.stop();
    this.client = this.startClient();
    await this.client.waitFor(READY_LOG, START_TIMEOUT_MS);
  }

  get clientPid(): number {
    return pidOf(this.client);
  }

  get serverPid(): number {
    return pidOf(this.server);
  }

  /** The last lines each process logged, to explain a failure. */
  logTail(): string {
    const tail = (p: TunnelProcess): string =>
      `--- ${p.label} ---\n${p.log.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n')}`;
    return `${tail(this.server)}\n${tail(this.client)}`;
  }

  async stop(): Promise<void> {
    if (this.scraper !== null) clearInterval(this.scraper);
    await Promise.all([this.client.stop(), this.server.stop()]);
    this.placement?.close();
  }
}

/** Flags for the server alone: -workers of the -w2 pairs. */
function serverOnlyArgs(pair: Pair): string[] {
  return pair.serverWorkers === undefined ? [] : ['-workers', String(pair.serverWorkers)];
}

/** Flags for the client alone: -workers of the -cw2 pairs. */
function clientOnlyArgs(pair: Pair): string[] {
  return pair.clientWorkers === undefined ? [] : ['-workers', String(pair.clientWorkers)];
}
