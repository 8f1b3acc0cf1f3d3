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

/**
 * Where a transport's ends meet: the download's own (MAIN_PLACE), or a competing flow's beside it on the
 * same link (bench/link/competitor.ts), each with its own ports and addresses.
 */
export interface TransportPlace {
  /** The kcptun server's UDP port in B. */
  kcpPort: number;
  /** The kcptun client's TCP port in A (on loopback), where the fetcher connects. */
  clientPort: number;
  /** Namespace A's and B's addresses the flow's packets carry (TCP's congestion control is per route). */
  addressA: string;
  addressB: string;
  /** The start of its processes' labels. */
  label: string;
}

export const MAIN_PLACE: TransportPlace = {
  kcpPort: 29900,
  clientPort: 12948,
  addressA: ADDRESS_A,
  addressB: ADDRESS_B,
  label: '',
};

export interface StartedTransport {
  /** Where the fetcher in namespace A connects, and from which address (absent: the kernel's choice). */
  host: string;
  port: number;
  localAddress?: string;
  /** What the run used, for the report: a congestion control or kcptun flags. */
  settings: string;
}

export interface Transport {
  id: TransportId;
  label: string;
  /** Run only when named in --transports (not in "all"). */
  onlyWhenNamed?: boolean;
  start(profile: LinkProfile, procs: ProcessSet, place?: TransportPlace): Promise<StartedTransport>;
}

/**
 * Both ends' connections across the link get this congestion control from the route (see
 * setRouteCongestion); the run reads it back from the server's live socket with `ss` to prove it.
 */
function tcpTransport(id: TransportId, congestion: string): Transport {
  return {
    id,
    label: `TCP ${congestion}`,
    async start(_profile, _procs, place = MAIN_PLACE) {
      setRouteCongestion(NAMESPACE_A, place.addressB, congestion);
      setRouteCongestion(NAMESPACE_B, place.addressA, congestion);
      return {
        host: place.addressB,
        port: ENDPOINT_PORT,
        localAddress: place.addressA,
        settings: congestion,
      };
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

function startKcptun(procs: ProcessSet, label: string, end: 'server' | 'client', impl: Impl, args: string[]) {
  const namespace = end === 'server' ? NAMESPACE_B : NAMESPACE_A;
  if (impl === 'go') return procs.start(namespace, `${label} ${end}`, `kcptun-${end}`, args);
  return procs.start(namespace, `${label} ${end}`, process.execPath, [
    end === 'server' ? OUR_SERVER : OUR_CLIENT,
    ...args,
  ]);
}

function kcptunTransport(id: TransportId, label: string, ends: KcpEnds): Transport {
  return {
    id,
    label,
    async start(profile, procs, place = MAIN_PLACE) {
      const serverSettings = ends.serverSettings(profile);
      const clientSettings = (ends.clientSettings ?? ends.serverSettings)(profile);
      const serverArgs = [
        '-l',
        // on the place's address, not all: a UDP socket bound to all answers from the address its route
        // picks (B's first), which a client that dialled a competitor's address of B would not take
        `${place.addressB}:${place.kcpPort}`,
        '-t',
        `127.0.0.1:${ENDPOINT_PORT}`,
        ...kcptunArgs(serverSettings),
      ];
      const clientArgs = [
        '-l',
        `127.0.0.1:${place.clientPort}`,
        '-r',
        `${place.addressB}:${place.kcpPort}`,
        ...kcptunArgs(clientSettings),
      ];
      const label = `${place.label}${id}`;
      const server = startKcptun(procs, label, 'server', ends.server, serverArgs);
      const client = startKcptun(procs, label, 'client', ends.client, clientArgs);
      await server.waitFor('listening on', READY_TIMEOUT_MS);
      await client.waitFor('listening on', READY_TIMEOUT_MS);
      const settings =
        ends.clientSettings === undefined
          ? describeSettings(serverSettings)
          : `server ${describeSettings(serverSettings)}; client ${describeSettings(clientSettings)}`;
      return { host: '127.0.0.1', port: place.clientPort, settings };
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
