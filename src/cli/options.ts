/**
 * The flag tables of kcptun-client and kcptun-server as in the latest kcptun (commit d16d1dd, with
 * urfave/cli v1), and the typed configurations they fill. Every K21 (v20210922) flag is in them;
 * the latest release only added flags and changed the smuxver default from 1 to 2.
 *
 * Naming: config fields are camelCase (`sndWnd`, `qppCount`); each table row maps a field to its
 * kcptun flag name (`sndwnd`, `QPPCount`) and JSON key (`sndwnd`, `qpp-count`).
 */

import type { AutoTuning } from '../transport/auto-kcp.js';
import { DEFAULT_UDP_TIMEOUT_SECONDS } from '../tunnel/udp-flow.js';
import type { FlagSpec, FlagType, FlagValue } from './flags.js';

/** Settings both binaries share. */
export interface CommonConfig {
  key: string;
  crypt: string;
  mode: string;
  qpp: boolean;
  qppCount: number;
  mtu: number;
  rateLimit: number;
  sndWnd: number;
  rcvWnd: number;
  dataShard: number;
  parityShard: number;
  dscp: number;
  noComp: boolean;
  ackNoDelay: boolean;
  noDelay: number;
  interval: number;
  resend: number;
  nc: number;
  sockBuf: number;
  smuxVer: number;
  smuxBuf: number;
  frameSize: number;
  streamBuf: number;
  keepAlive: number;
  closeWait: number;
  snmpLog: string;
  snmpPeriod: number;
  log: string;
  quiet: boolean;
  tcp: boolean;
  pprof: boolean;
  /** `-metrics`: host:port of the metrics and status endpoint, '' for off (ours, not kcptun's). */
  metrics: string;
  /** -udp: also forward UDP (both ends must be kcptun-ts with -udp). */
  udp: boolean;
  /** -udptimeout: seconds a UDP flow may stay idle. */
  udpTimeout: number;
  /** `-c`: path of the JSON config file, '' for none. */
  configFile: string;
  /** Not a flag: the self-tuning parts `-mode auto` runs (see applyModePreset), null in other modes. */
  auto: AutoTuning | null;
}

export interface ClientConfig extends CommonConfig {
  localAddr: string;
  remoteAddr: string;
  conn: number;
  autoExpire: number;
  scavengeTtl: number;
  /** -workers: threads carrying the connections, each with its share of the -conn sessions (ours, not kcptun's). */
  workers: number;
}

export interface ServerConfig extends CommonConfig {
  listen: string;
  target: string;
  /** -workers: threads serving sessions, each with its own socket per port (ours, not kcptun's). */
  workers: number;
}

/** One row of a flag table. */
export interface OptionSpec<C> extends FlagSpec {
  readonly field: keyof C & string;
  readonly usage: string;
  readonly hidden: boolean;
  /** encoding/json key in the config file; null for `-c`, which is not in the JSON struct. */
  readonly jsonKey: string | null;
  readonly defaultValue: FlagValue;
  /** Environment variable that replaces the default when set (even to ''), as urfave/cli does. */
  readonly envVar?: string;
}

export const DEFAULT_KEY = "it's a secrect";
export const KEY_ENV_VAR = 'KCPTUN_KEY';

/** KCP parameters each -mode sets (docs/protocol.md §4.3). */
export interface ModePreset {
  readonly noDelay: number;
  readonly interval: number;
  readonly resend: number;
  readonly nc: number;
}

/** Our self-tuning mode (not in kcptun): fast3's timers plus the parts AutoParts lists. */
export const AUTO_MODE = 'auto';

/**
 * -mode auto's smux buffers (-smuxbuf and -streambuf), unless the user set either: smux v2's stream window
 * is its receiver's -streambuf, and kcptun's 2 MiB default, returned in half-window updates only as data
 * leaves in order, held a 100 ms/5 % link to ~1.5 MiB in flight (docs/link-benchmark.md), whatever the
 * KCP windows allow. One stream may use the whole session buffer, as with smux v1; the memory is used only
 * while the local reader is slower than the link.
 */
export const AUTO_SMUX_BUF = 16 * 1024 * 1024;

/**
 * -mode auto's self-tuning parts, given which settings the user set (`given`, by configuration field name,
 * which the library's options share): the controller unless nc, automatic windows unless sndWnd or rcvWnd,
 * adaptive parity unless dataShard or parityShard; with automatic windows also the larger smux buffers
 * (AUTO_SMUX_BUF) unless smuxBuf or streamBuf. The CLI and the library both read it.
 */
export function autoTuningOf(given: (field: string) => boolean): {
  tuning: AutoTuning;
  smuxBuffers: boolean;
} {
  const tuning = {
    congestion: !given('nc'),
    windows: !given('sndWnd') && !given('rcvWnd'),
    fec: !given('dataShard') && !given('parityShard'),
  };
  return { tuning, smuxBuffers: tuning.windows && !given('smuxBuf') && !given('streamBuf') };
}

/** kcptun's -mode that keeps -nodelay/-interval/-resend/-nc as given. */
export const MANUAL_MODE = 'manual';

/** -mode profiles. `manual`, and any name not listed, keep -nodelay/-interval/-resend/-nc. */
export const MODE_PRESETS: Readonly<Record<string, ModePreset>> = Object.freeze({
  // nc=1: KCP's own Reno-like window stays off; the model-based controller replaces it
  auto: { noDelay: 1, interval: 10, resend: 2, nc: 1 },
  normal: { noDelay: 0, interval: 40, resend: 2, nc: 1 },
  fast: { noDelay: 0, interval: 30, resend: 2, nc: 1 },
  fast2: { noDelay: 1, interval: 20, resend: 2, nc: 1 },
  fast3: { noDelay: 1, interval: 10, resend: 2, nc: 1 },
});

/** The preset for a mode name, or undefined for manual and unknown names. */
export function modePreset(mode: string): ModePreset | undefined {
  return Object.hasOwn(MODE_PRESETS, mode) ? MODE_PRESETS[mode] : undefined;
}

function row<C>(
  field: keyof C & string,
  name: string,
  type: FlagType,
  defaultValue: FlagValue,
  usage: string,
  extra: { aliases?: string[]; hidden?: boolean; jsonKey?: string | null; envVar?: string } = {},
): OptionSpec<C> {
  const jsonKey = extra.jsonKey === undefined ? name : extra.jsonKey;
  return {
    field,
    name,
    aliases: extra.aliases ?? [],
    type,
    defaultValue,
    usage,
    hidden: extra.hidden ?? false,
    jsonKey,
    ...(extra.envVar === undefined ? {} : { envVar: extra.envVar }),
  };
}

const USAGE = {
  key: 'pre-shared secret between client and server',
  crypt:
    'aes, aes-128, aes-128-gcm, aes-192, salsa20, blowfish, twofish, cast5, 3des, tea, xtea, xor, sm4, none, null',
  mode: "profiles: auto (ours: congestion control with pacing, automatic windows, adaptive FEC; sender-side, works with any kcptun peer), fast3, fast2, fast (kcptun's default), normal, manual",
  qpp: 'enable Quantum Permutation Pads(QPP)',
  qppCount:
    'the prime number of pads to use for QPP: The more pads you use, the more secure the encryption. Each pad requires 256 bytes.',
  mtu: 'set maximum transmission unit for UDP packets',
  rateLimit:
    'set maximum outgoing speed (in bytes per second) for a single KCP connection, 0 to disable. Also known as packet pacing',
  sndWnd: 'set send window size(num of packets); -mode auto sizes both windows itself unless one is given',
  rcvWnd: 'set receive window size(num of packets); -mode auto sizes both windows itself unless one is given',
  dataShard: 'set reed-solomon erasure coding - datashard',
  parityShard:
    'set reed-solomon erasure coding - parityshard; -mode auto adapts the count, up to this, unless a shard count is given',
  dscp: 'set DSCP(6bit)',
  noComp: 'disable compression',
  ackNoDelay: 'flush ack immediately when a packet is received',
  sockBuf: 'per-socket buffer in bytes',
  smuxVer: 'specify smux version, available 1,2',
  smuxBuf: 'the overall de-mux buffer in bytes',
  frameSize: 'smux max frame size',
  streamBuf: 'per stream receive buffer in bytes, smux v2+',
  keepAlive: 'seconds between heartbeats',
  closeWait: 'the seconds to wait before tearing down a connection',
  snmpLog: 'collect snmp to file, aware of timeformat in golang, like: ./snmp-20060102.log',
  snmpPeriod: 'snmp collect period, in seconds',
  log: 'specify a log file to output, default goes to stderr',
  quiet: "to suppress the 'stream open/close' messages",
  tcp: 'to emulate a TCP connection(linux)',
  configFile: 'config from json file, which will override the command from shell',
  pprof:
    'start profiling: opens the Node.js inspector on 127.0.0.1:6060, which lets anyone who can connect to that address run any code in this process',
  metrics:
    "serve Prometheus /metrics, JSON /status, /healthz and a live status page on this address, eg: 127.0.0.1:9180; they show peers' addresses: bind to loopback or firewall the port",
  udpClient:
    'also forward UDP from the local listen address and port (the server must be kcptun-ts with -udp)',
  udpServer: "also relay UDP to the target's port (for kcptun-ts clients with -udp)",
  udpTimeout: 'close a UDP flow after this many seconds without a datagram',
} as const;

/** Rows shared by both tables, by field; each table lists them in kcptun's own order. */
function commonRows<C extends CommonConfig>() {
  return {
    key: row<C>('key', 'key', 'string', DEFAULT_KEY, USAGE.key, { envVar: KEY_ENV_VAR }),
    crypt: row<C>('crypt', 'crypt', 'string', 'aes', USAGE.crypt),
    // auto, not kcptun's fast: its cold median led tuned fast3 on every link profile and fast with no
    // flags, and loopback was level (docs/link-auto-default-2026-12-05-3.md); sender-side, any peer works
    mode: row<C>('mode', 'mode', 'string', AUTO_MODE, USAGE.mode),
    qpp: row<C>('qpp', 'QPP', 'bool', false, USAGE.qpp, { jsonKey: 'qpp' }),
    qppCount: row<C>('qppCount', 'QPPCount', 'int', 61, USAGE.qppCount, { jsonKey: 'qpp-count' }),
    mtu: row<C>('mtu', 'mtu', 'int', 1350, USAGE.mtu),
    sndWnd: (d: number) => row<C>('sndWnd', 'sndwnd', 'int', d, USAGE.sndWnd),
    rcvWnd: (d: number) => row<C>('rcvWnd', 'rcvwnd', 'int', d, USAGE.rcvWnd),
    dataShard: row<C>('dataShard', 'datashard', 'int', 10, USAGE.dataShard, { aliases: ['ds'] }),
    parityShard: row<C>('parityShard', 'parityshard', 'int', 3, USAGE.parityShard, { aliases: ['ps'] }),
    dscp: row<C>('dscp', 'dscp', 'int', 0, USAGE.dscp),
    noComp: row<C>('noComp', 'nocomp', 'bool', false, USAGE.noComp),
    ackNoDelay: row<C>('ackNoDelay', 'acknodelay', 'bool', false, USAGE.ackNoDelay, { hidden: true }),
    noDelay: row<C>('noDelay', 'nodelay', 'int', 0, '', { hidden: true }),
    interval: row<C>('interval', 'interval', 'int', 50, '', { hidden: true }),
    resend: row<C>('resend', 'resend', 'int', 0, '', { hidden: true }),
    nc: row<C>('nc', 'nc', 'int', 0, '', { hidden: true }),
    sockBuf: row<C>('sockBuf', 'sockbuf', 'int', 4194304, USAGE.sockBuf),
    smuxVer: row<C>('smuxVer', 'smuxver', 'int', 2, USAGE.smuxVer),
    smuxBuf: row<C>('smuxBuf', 'smuxbuf', 'int', 4194304, USAGE.smuxBuf),
    frameSize: row<C>('frameSize', 'framesize', 'int', 8192, USAGE.frameSize),
    streamBuf: row<C>('streamBuf', 'streambuf', 'int', 2097152, USAGE.streamBuf),
    keepAlive: row<C>('keepAlive', 'keepalive', 'int', 10, USAGE.keepAlive),
    closeWait: (d: number) => row<C>('closeWait', 'closewait', 'int', d, USAGE.closeWait),
    snmpLog: row<C>('snmpLog', 'snmplog', 'string', '', USAGE.snmpLog),
    snmpPeriod: row<C>('snmpPeriod', 'snmpperiod', 'int', 60, USAGE.snmpPeriod),
    log: row<C>('log', 'log', 'string', '', USAGE.log),
    quiet: row<C>('quiet', 'quiet', 'bool', false, USAGE.quiet),
    tcp: row<C>('tcp', 'tcp', 'bool', false, USAGE.tcp),
    configFile: row<C>('configFile', 'c', 'string', '', USAGE.configFile, { jsonKey: null }),
    pprof: row<C>('pprof', 'pprof', 'bool', false, USAGE.pprof),
    metrics: row<C>('metrics', 'metrics', 'string', '', USAGE.metrics),
    udp: (usage: string) => row<C>('udp', 'udp', 'bool', false, usage),
    udpTimeout: row<C>('udpTimeout', 'udptimeout', 'int', DEFAULT_UDP_TIMEOUT_SECONDS, USAGE.udpTimeout),
  };
}

const c = commonRows<ClientConfig>();

/** kcptun-client flags, in the latest kcptun's order (which is the -h order). */
export const CLIENT_OPTIONS: readonly OptionSpec<ClientConfig>[] = Object.freeze([
  row<ClientConfig>('localAddr', 'localaddr', 'string', ':12948', 'local listen address', { aliases: ['l'] }),
  row<ClientConfig>(
    'remoteAddr',
    'remoteaddr',
    'string',
    'vps:29900',
    'kcp server address, eg: "IP:29900" a for single port, "IP:minport-maxport" for port range',
    { aliases: ['r'] },
  ),
  c.key,
  c.crypt,
  c.mode,
  c.qpp,
  c.qppCount,
  row<ClientConfig>(
    'conn',
    'conn',
    'int',
    1,
    // the (default: 1) -h appends is kcptun's modes'; auto's is AUTO_CONN (src/cli/config.ts)
    'set num of UDP connections to server: in -mode auto 2 unless given, each new stream on the least loaded; in the other modes',
  ),
  row<ClientConfig>(
    'autoExpire',
    'autoexpire',
    'int',
    0,
    'set auto expiration time(in seconds) for a single UDP connection, 0 to disable',
  ),
  row<ClientConfig>(
    'scavengeTtl',
    'scavengettl',
    'int',
    600,
    'set how long an expired connection can live (in seconds)',
  ),
  c.mtu,
  row<ClientConfig>('rateLimit', 'ratelimit', 'int', 0, USAGE.rateLimit),
  c.sndWnd(128),
  c.rcvWnd(512),
  c.dataShard,
  c.parityShard,
  c.dscp,
  c.noComp,
  c.ackNoDelay,
  c.noDelay,
  c.interval,
  c.resend,
  c.nc,
  c.sockBuf,
  c.smuxVer,
  c.smuxBuf,
  c.frameSize,
  c.streamBuf,
  c.keepAlive,
  c.closeWait(0),
  c.snmpLog,
  c.snmpPeriod,
  c.log,
  c.quiet,
  c.tcp,
  c.configFile,
  c.pprof,
  c.metrics,
  c.udp(USAGE.udpClient),
  c.udpTimeout,
  row<ClientConfig>(
    'workers',
    'workers',
    'int',
    1,
    'carry connections in this many threads to use more cores, each with its share of the -conn sessions (at least one), new connections handed to them in turn (Linux, not with -tcp, -udp or -pprof); memory grows about 16 MB per thread',
  ),
]);

const s = commonRows<ServerConfig>();

/** kcptun-server flags, in the latest kcptun's order (which is the -h order). */
export const SERVER_OPTIONS: readonly OptionSpec<ServerConfig>[] = Object.freeze([
  row<ServerConfig>(
    'listen',
    'listen',
    'string',
    ':29900',
    'kcp server listen address, eg: "IP:29900" for a single port, "IP:minport-maxport" for port range',
    { aliases: ['l'] },
  ),
  row<ServerConfig>(
    'target',
    'target',
    'string',
    '127.0.0.1:12948',
    'target server address, or path/to/unix_socket',
    {
      aliases: ['t'],
    },
  ),
  s.key,
  s.crypt,
  s.qpp,
  s.qppCount,
  s.mode,
  s.mtu,
  // The server's usage text ends with a period, the client's does not.
  row<ServerConfig>('rateLimit', 'ratelimit', 'int', 0, `${USAGE.rateLimit}.`),
  s.sndWnd(1024),
  s.rcvWnd(1024),
  s.dataShard,
  s.parityShard,
  s.dscp,
  s.noComp,
  s.ackNoDelay,
  s.noDelay,
  s.interval,
  s.resend,
  s.nc,
  s.sockBuf,
  s.smuxVer,
  s.smuxBuf,
  s.frameSize,
  s.streamBuf,
  s.keepAlive,
  s.closeWait(30),
  s.snmpLog,
  s.snmpPeriod,
  s.pprof,
  s.log,
  s.quiet,
  s.tcp,
  s.configFile,
  s.metrics,
  s.udp(USAGE.udpServer),
  s.udpTimeout,
  row<ServerConfig>(
    'workers',
    'workers',
    'int',
    1,
    'serve sessions in this many threads to use more cores, each with its own socket on the listen ports, the kernel spreading clients over them (SO_REUSEPORT; Linux, not with -tcp or -pprof); memory grows about 16 MB per thread',
  ),
]);

/**
 * A configuration holding every default, with `envVar` defaults taken from `env` when the variable
 * is set (urfave/cli takes a set-but-empty variable too).
 */
export function defaultConfig<C>(options: readonly OptionSpec<C>[], env: NodeJS.ProcessEnv): C {
  const config: Record<string, FlagValue> = {};
  for (const option of options) {
    const fromEnv = option.envVar === undefined ? undefined : env[option.envVar];
    config[option.field] = fromEnv ?? option.defaultValue;
  }
  return config as C;
}

/** Stores a value, already converted to the option's type, into a config. */
export function setOption<C>(config: C, option: OptionSpec<C>, value: FlagValue): void {
  (config as Record<string, FlagValue>)[option.field] = value;
}
