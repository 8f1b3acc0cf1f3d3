/**
 * The ways the same download crosses the link: plain TCP with two congestion controls, Go kcptun fast3
 * with the window tuned for the link, ours with the same flags, ours with -mode fast and no tuning flags,
 * ours with `-mode auto` and no tuning, and our `-mode auto` server sending to a Go kcptun client with its
 * defaults (a user's mixed pair).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  autoSettings,
  describeSettings,
  fast3Settings,
  fastDefaults,
  GO_CLIENT_SMUX_VERSION,
  type KcpSettings,
  kcptunArgs,
} from './kcp-settings.js';
import { ADDRESS_A, ADDRESS_B, NAMESPACE_A, NAMESPACE_B, setRouteCongestion } from './netns.js';
import type { ProcessSet } from './processes.js';
import type { LinkProfile } from './profiles.js';

export const ENDPOINT_PORT = 5201;
const KCP_PORT = 29900;
const CLIENT_PORT = 12948;
const READY_TIMEOUT_MS = 10_000;
const DIST_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUR_CLIENT = path.join(DIST_ROOT, 'src', 'cli', 'client-main.js');
const OUR_SERVER = path.join(DIST_ROOT, 'src', 'cli', 'server-main.js');

export type TransportId =
  | 'tcp-cubic'
  | 'tcp-bbr'
  | 'go-kcptun'
  | 'ts-kcptun'
  | 'ts-fast'
  | 'ts-auto'
  | 'ts-auto-go';
type Impl = 'go' | 'ts';

export interface StartedTransport {
  /** Where the fetcher in namespace A connects. */
  host: string;
  port: number;
  /** What the run used, for the report: a congestion control or kcptun flags. */
  settings: string;
}

export interface Transport {
  id: TransportId;
  label: string;
  /** Run only when named in --transports (not in "all"). */
  onlyWhenNamed?: boolean;
  start(profile: LinkProfile, procs: ProcessSet): Promise<StartedTransport>;
}

/**
 * Both ends' connections across the link get this congestion control from the route (see
 * setRouteCongestion); the run reads it back from the server's live socket with `ss` to prove it.
 */
function tcpTransport(id: TransportId, congestion: string): Transport {
  return {
    id,
    label: `TCP ${congestion}`,
    async start() {
      setRouteCongestion(NAMESPACE_A, ADDRESS_B, congestion);
      setRouteCongestion(NAMESPACE_B, ADDRESS_A, congestion);
      return { host: ADDRESS_B, port: ENDPOINT_PORT, settings: congestion };
    },
  };
}

/** The kcptun server (the download's sender) and client (its receiver) of a KCP transport. */
interface KcpEnds {
  server: Impl;
  client: Impl;
  serverSettings: (p: LinkProfile) => KcpSettings;
  /** Absent: the server's. */
  clientSettings?: (p: LinkProfile) => KcpSettings;
}

function startKcptun(
  procs: ProcessSet,
  id: TransportId,
  end: 'server' | 'client',
  impl: Impl,
  args: string[],
) {
  const namespace = end === 'server' ? NAMESPACE_B : NAMESPACE_A;
  if (impl === 'go') return procs.start(namespace, `${id} ${end}`, `kcptun-${end}`, args);
  return procs.start(namespace, `${id} ${end}`, process.execPath, [
    end === 'server' ? OUR_SERVER : OUR_CLIENT,
    ...args,
  ]);
}

function kcptunTransport(id: TransportId, label: string, ends: KcpEnds): Transport {
  return {
    id,
    label,
    async start(profile, procs) {
      const serverSettings = ends.serverSettings(profile);
      const clientSettings = (ends.clientSettings ?? ends.serverSettings)(profile);
      const serverArgs = [
        '-l',
        `:${KCP_PORT}`,
        '-t',
        `127.0.0.1:${ENDPOINT_PORT}`,
        ...kcptunArgs(serverSettings),
      ];
      const clientArgs = [
        '-l',
        `127.0.0.1:${CLIENT_PORT}`,
        '-r',
        `${ADDRESS_B}:${KCP_PORT}`,
        ...kcptunArgs(clientSettings),
      ];
      const server = startKcptun(procs, id, 'server', ends.server, serverArgs);
      const client = startKcptun(procs, id, 'client', ends.client, clientArgs);
      await server.waitFor('listening on', READY_TIMEOUT_MS);
      await client.waitFor('listening on', READY_TIMEOUT_MS);
      const settings =
        ends.clientSettings === undefined
          ? describeSettings(serverSettings)
          : `server ${describeSettings(serverSettings)}; client ${describeSettings(clientSettings)}`;
      return { host: '127.0.0.1', port: CLIENT_PORT, settings };
    },
  };
}

export interface TransportOptions {
  /** Overrides every profile's fast3 window (in BDPs): how the Go window sweep is run. */
  fast3WindowBdp?: number;
  /** -ratelimit (bytes per second) on both ends of every kcptun row. */
  rateLimit?: number;
}

export function transportsFor(options: TransportOptions = {}): Transport[] {
  const limited = (s: KcpSettings): KcpSettings =>
    options.rateLimit === undefined ? s : { ...s, rateLimit: options.rateLimit };
  const fast3 = (p: LinkProfile) => limited(fast3Settings(p, options.fast3WindowBdp ?? p.fast3WindowBdp));
  const auto = () => limited(autoSettings());
  return [
    tcpTransport('tcp-cubic', 'cubic'),
    tcpTransport('tcp-bbr', 'bbr'),
    kcptunTransport('go-kcptun', 'Go kcptun fast3, tuned', {
      server: 'go',
      client: 'go',
      serverSettings: fast3,
    }),
    kcptunTransport('ts-kcptun', 'ours fast3, same flags', {
      server: 'ts',
      client: 'ts',
      serverSettings: fast3,
    }),
    // what kcptun's users get with no tuning: -mode fast, each end's default windows and FEC 10/3; for
    // the question of auto as the default mode (docs/link-auto-default-2026-12-05-2.md)
    {
      ...kcptunTransport('ts-fast', 'ours -mode fast, defaults', {
        server: 'ts',
        client: 'ts',
        serverSettings: () => limited(fastDefaults()),
      }),
      onlyWhenNamed: true,
    },
    kcptunTransport('ts-auto', 'ours -mode auto', {
      server: 'ts',
      client: 'ts',
      serverSettings: auto,
    }),
    // the Go client's ACKs come in batches, one flush per its -interval (30 ms in -mode fast)
    kcptunTransport('ts-auto-go', 'ours -mode auto to a Go client', {
      server: 'ts',
      client: 'go',
      serverSettings: () => ({ ...auto(), smuxVer: GO_CLIENT_SMUX_VERSION }),
      clientSettings: () => limited(fastDefaults()),
    }),
  ];
}

/** Every transport with the profiles' own windows. */
export const TRANSPORTS: readonly Transport[] = transportsFor();
