/**
 * The library's options: kcptun's settings under the names of its configuration fields (`sndWnd`,
 * `dataShard`, `noComp`: the camelCase of the flag), with kcptun's defaults taken from the flag tables.
 * Misuse throws at once and names the option: a TypeError for an unknown option or a value of the wrong
 * type (JavaScript callers), a RangeError for a value outside kcptun's limits. The CLI checks the same
 * limits in flag terms (src/cli/validate.ts, whose constants these are).
 */
import {
  AUTO_MODE,
  AUTO_SMUX_BUF,
  autoTuningOf,
  CLIENT_OPTIONS,
  type ClientConfig,
  MANUAL_MODE,
  MODE_PRESETS,
  modePreset,
  SERVER_OPTIONS,
} from '../cli/options.js';
import { MAX_SMUX_BUFFER, MAX_SMUX_FRAME_SIZE, SMUX_KEEPALIVE_TIMEOUT_SECONDS } from '../cli/validate.js';
import { deriveKey } from '../crypt/kdf.js';
import { CRYPT_METHODS, createPacketCrypt } from '../crypt/select.js';
import type { PacketCrypt } from '../crypt/types.js';
import { MAX_TOTAL_SHARDS } from '../fec/index.js';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { MAX_DSCP } from '../transport/dscp.js';
import { Scheduler } from '../transport/scheduler.js';
import { minimumMtu, type SessionOptions } from '../transport/session.js';

/** Where the library's log lines go (sessions refused, streams opened...); nothing is printed without it. */
export type Logger = (message: string) => void;

/** Which end a session or tunnel is: kcptun's defaults differ (windows, closeWait). */
export type Role = 'client' | 'server';

/** The KCP, FEC and encryption settings of a session, as kcptun's flags of the same names. */
export interface KcpOptions {
  /** Pre-shared secret (-key). Required unless crypt is 'none' or 'null'. */
  key?: string;
  /** Packet cipher (-crypt), default 'aes'; one of CRYPT_METHODS. */
  crypt?: string;
  /**
   * KCP profile (-mode), default 'auto' (kcptun's is 'fast'); 'manual' takes noDelay, interval, resend and
   * nc. 'auto' (ours) runs fast3's timers with congestion control and pacing, automatic windows unless sndWnd or rcvWnd is
   * given, and adaptive parity unless dataShard or parityShard is given; a tunnel client also gets two
   * sessions unless conn is given, each new stream on the least loaded, and with automatic windows a tunnel's
   * smuxBuf and streamBuf are 16 MiB unless either is given.
   */
  mode?: 'auto' | 'normal' | 'fast' | 'fast2' | 'fast3' | 'manual';
  noDelay?: number;
  interval?: number;
  resend?: number;
  nc?: number;
  /** Largest datagram in bytes (-mtu), default 1350. */
  mtu?: number;
  /**
   * Windows in packets (-sndwnd/-rcvwnd): in mode 'auto' automatic unless either is given; in the other
   * modes client 128/512, server 1024/1024 by default.
   */
  sndWnd?: number;
  rcvWnd?: number;
  /**
   * Reed-Solomon FEC (-datashard/-parityshard), default 10 and 3 (in mode 'auto' the parity count adapts,
   * up to 3, unless either is given); 0 and 0 turn FEC off.
   */
  dataShard?: number;
  parityShard?: number;
  /** Flush ACKs as soon as a packet arrives (-acknodelay). */
  ackNoDelay?: boolean;
  /** Outgoing bytes per second per session (-ratelimit), 0 for none. */
  rateLimit?: number;
  /** What drives the sessions and whose clock they read; the process-wide scheduler by default. */
  scheduler?: Scheduler;
}

/** KcpOptions plus the UDP socket's settings: what dial() and listen() take. */
export interface UdpOptions extends KcpOptions {
  /** Socket send and receive buffer in bytes (-sockbuf), default 4 MiB. */
  sockBuf?: number;
  /** DSCP of outgoing datagrams (-dscp), 0..63; needs the optional koffi package (else logged once). */
  dscp?: number;
  logger?: Logger;
}

/** A listener's extra limits (the CLI's fixed values are the defaults). */
export interface ListenOptions extends UdpOptions {
  /** Sessions held at once, default 4096; a full table evicts the oldest session that delivered nothing. */
  maxSessions?: number;
  /** A session that delivers no data within this many ms of opening is closed, default 30000. */
  firstDataTimeoutMs?: number;
}

/** The layers above KCP that both tunnel ends stack: snappy, smux and QPP (flags of the same names). */
export interface TunnelCommonOptions extends UdpOptions {
  noComp?: boolean;
  smuxVer?: 1 | 2;
  smuxBuf?: number;
  frameSize?: number;
  streamBuf?: number;
  /** Seconds between smux keepalives, 1..30. */
  keepAlive?: number;
  /** Seconds a half-closed connection waits before it is torn down (client 0, server 30 by default). */
  closeWait?: number;
  /** No 'stream opened/closed' log lines. */
  quiet?: boolean;
  qpp?: boolean;
  qppCount?: number;
}

/** createTunnelClient's options: accept TCP on localAddr, carry it to the server at remoteAddr. */
export interface TunnelClientOptions extends TunnelCommonOptions {
  /** TCP host:port to accept connections on (or a unix socket path). */
  localAddr: string;
  /** The server: host:port, or host:minport-maxport to pick a random port per session. */
  remoteAddr: string;
  /** KCP sessions: with mode 'auto' (the default) 2, each new stream on the least loaded; else 1, round robin. */
  conn?: number;
  /** Seconds after which a session is replaced (0: never). */
  autoExpire?: number;
  /** Seconds an expired session keeps serving its streams. */
  scavengeTtl?: number;
}

/** createTunnelServer's options: accept KCP on listen, connect each stream to target. */
export interface TunnelServerOptions extends TunnelCommonOptions {
  /** UDP host:port (':port' for every address), or host:minport-maxport. */
  listen: string;
  /** TCP host:port, or a unix socket path, that every stream is connected to. */
  target: string;
}

type Kind = 'int' | 'bool' | 'string' | 'function' | 'scheduler';

/** Every option name and the type of its value. */
const KINDS: Readonly<Record<string, Kind>> = {
  key: 'string',
  crypt: 'string',
  mode: 'string',
  noDelay: 'int',
  interval: 'int',
  resend: 'int',
  nc: 'int',
  mtu: 'int',
  sndWnd: 'int',
  rcvWnd: 'int',
  dataShard: 'int',
  parityShard: 'int',
  ackNoDelay: 'bool',
  rateLimit: 'int',
  scheduler: 'scheduler',
  sockBuf: 'int',
  dscp: 'int',
  logger: 'function',
  maxSessions: 'int',
  firstDataTimeoutMs: 'int',
  noComp: 'bool',
  smuxVer: 'int',
  smuxBuf: 'int',
  frameSize: 'int',
  streamBuf: 'int',
  keepAlive: 'int',
  closeWait: 'int',
  quiet: 'bool',
  qpp: 'bool',
  qppCount: 'int',
  localAddr: 'string',
  remoteAddr: 'string',
  conn: 'int',
  autoExpire: 'int',
  scavengeTtl: 'int',
  listen: 'string',
  target: 'string',
  conv: 'int',
  role: 'string',
};

const KCP_NAMES = [
  'key',
  'crypt',
  'mode',
  'noDelay',
  'interval',
  'resend',
  'nc',
  'mtu',
  'sndWnd',
  'rcvWnd',
  'dataShard',
  'parityShard',
  'ackNoDelay',
  'rateLimit',
  'scheduler',
];
const UDP_NAMES = [...KCP_NAMES, 'sockBuf', 'dscp', 'logger'];
const TUNNEL_NAMES = [
  ...UDP_NAMES,
  'noComp',
  'smuxVer',
  'smuxBuf',
  'frameSize',
  'streamBuf',
  'keepAlive',
  'closeWait',
  'quiet',
  'qpp',
  'qppCount',
];

/** The option names each entry point accepts. */
export const OPTION_NAMES = {
  session: [...KCP_NAMES, 'conv', 'role'],
  dial: UDP_NAMES,
  listen: [...UDP_NAMES, 'maxSessions', 'firstDataTimeoutMs'],
  tunnelClient: [...TUNNEL_NAMES, 'localAddr', 'remoteAddr', 'conn', 'autoExpire', 'scavengeTtl'],
  tunnelServer: [...TUNNEL_NAMES, 'listen', 'target'],
} as const;

/** Options whose value -mode sets unless it is 'manual'. */
const MODE_FIELDS = ['noDelay', 'interval', 'resend', 'nc'] as const;

/** Crypt methods that use no key. */
const KEYLESS_CRYPT = new Set(['none', 'null']);

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/**
 * Check that `options` is an object holding only `allowed` names, each of the right type; returns a
 * copy without the keys whose value is undefined.
 */
export function checkOptions(
  options: unknown,
  allowed: readonly string[],
  what: string,
): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (!allowed.includes(name)) {
      throw new TypeError(`${what}: unknown option '${name}' (known: ${allowed.join(', ')})`);
    }
    if (value === undefined) continue;
    const kind = KINDS[name];
    const ok =
      kind === 'int'
        ? typeof value === 'number' && Number.isInteger(value)
        : kind === 'bool'
          ? typeof value === 'boolean'
          : kind === 'string'
            ? typeof value === 'string'
            : kind === 'function'
              ? typeof value === 'function'
              : value instanceof Scheduler;
    if (!ok) {
      const want =
        kind === 'int'
          ? 'an integer'
          : kind === 'bool'
            ? 'a boolean'
            : kind === 'scheduler'
              ? 'a Scheduler'
              : `a ${kind}`;
      throw new TypeError(`${what}: option '${name}' must be ${want}, got ${describe(value)}`);
    }
    out[name] = value;
  }
  return out;
}

/** kcptun's default for `name` at this end (from the CLI's flag tables, the one home of defaults). */
function defaultOf(name: string, role: Role): unknown {
  const table = role === 'client' ? CLIENT_OPTIONS : SERVER_OPTIONS;
  const row = (table as readonly { field: string; defaultValue: unknown }[]).find((r) => r.field === name);
  if (row === undefined) throw new Error(`no default for option '${name}'`);
  return row.defaultValue;
}

/** Reads checked options, filling kcptun's defaults for this end. */
export class OptionReader {
  constructor(
    private readonly values: Record<string, unknown>,
    readonly role: Role,
    /** The entry point, named in every error. */
    readonly what: string,
  ) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  int(name: string, min: number, max: number, fallback?: number): number {
    const v = (this.values[name] ?? fallback ?? defaultOf(name, this.role)) as number;
    if (v < min || v > max)
      throw new RangeError(`${this.what}: option '${name}' must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  bool(name: string): boolean {
    return (this.values[name] ?? defaultOf(name, this.role)) as boolean;
  }

  string(name: string): string {
    return (this.values[name] ?? defaultOf(name, this.role)) as string;
  }

  /** A required string option. */
  required(name: string): string {
    const v = this.values[name];
    if (v === undefined) throw new TypeError(`${this.what}: option '${name}' is required`);
    return v as string;
  }

  fail(name: string, message: string): never {
    throw new RangeError(`${this.what}: option '${name}' ${message}`);
  }
}

/** The crypt, from `crypt` and `key`; unknown methods are refused (the CLI falls back to aes, as kcptun). */
function cryptOf(r: OptionReader): PacketCrypt {
  const method = r.string('crypt');
  if (!CRYPT_METHODS.includes(method))
    r.fail('crypt', `must be one of ${CRYPT_METHODS.join(', ')}, got ${JSON.stringify(method)}`);
  let key = r.raw('key') as string | undefined;
  if (key === undefined) {
    if (!KEYLESS_CRYPT.has(method)) {
      throw new TypeError(`${r.what}: option 'key' is required with crypt '${method}'`);
    }
    key = '';
  }
  return createPacketCrypt(method, deriveKey(key)).crypt;
}

/** KCP parameters after -mode: a preset sets them, 'manual' takes the four options (kcptun's defaults). */
function modeParameters(r: OptionReader): Pick<SessionOptions, 'nodelay' | 'interval' | 'resend' | 'nc'> {
  const mode = r.string('mode');
  if (mode === MANUAL_MODE) {
    return {
      nodelay: r.int('noDelay', 0, 1),
      interval: r.int('interval', 1, 0x7fffffff),
      resend: r.int('resend', 0, 0x7fffffff),
      nc: r.int('nc', 0, 1),
    };
  }
  const preset = modePreset(mode);
  if (preset === undefined)
    r.fail(
      'mode',
      `must be one of ${[...Object.keys(MODE_PRESETS), MANUAL_MODE].join(', ')}, got ${JSON.stringify(mode)}`,
    );
  for (const name of MODE_FIELDS) {
    if (r.has(name)) {
      throw new TypeError(
        `${r.what}: option '${name}' is set by mode '${mode}': give mode 'manual' to set it yourself`,
      );
    }
  }
  return {
    nodelay: preset.noDelay,
    interval: preset.interval,
    resend: preset.resend,
    nc: preset.nc,
  };
}

/** Mode 'auto''s self-tuning parts as the CLI's -mode auto tunes them (autoTuningOf); undefined in kcptun's modes. */
function autoTuningOfOptions(r: OptionReader): ReturnType<typeof autoTuningOf> | undefined {
  return r.string('mode') === AUTO_MODE ? autoTuningOf((name) => r.has(name)) : undefined;
}

/** The session options the transport layer takes, checked against kcptun's limits. */
export function sessionOptionsOf(r: OptionReader): SessionOptions {
  const dataShards = r.int('dataShard', 0, MAX_TOTAL_SHARDS);
  const parityShards = r.int('parityShard', 0, MAX_TOTAL_SHARDS);
  if (dataShards + parityShards > MAX_TOTAL_SHARDS) {
    r.fail(
      'dataShard',
      `+ parityShard must be at most ${MAX_TOTAL_SHARDS}, got ${dataShards}+${parityShards}`,
    );
  }
  const crypt = cryptOf(r);
  const options: SessionOptions = {
    crypt,
    dataShards,
    parityShards,
    // The smallest mtu leaves KCP its minimum beside this cipher's and FEC's headers.
    mtu: r.int('mtu', minimumMtu(crypt, dataShards, parityShards), KCP_MTU_LIMIT),
    sndWnd: r.int('sndWnd', 1, 0x7fffffff),
    rcvWnd: r.int('rcvWnd', 1, 0x7fffffff),
    ...modeParameters(r),
    ackNoDelay: r.bool('ackNoDelay'),
    rateLimit: r.int('rateLimit', 0, Number.MAX_SAFE_INTEGER),
  };
  const auto = autoTuningOfOptions(r);
  if (auto !== undefined) options.auto = auto.tuning;
  const scheduler = r.raw('scheduler') as Scheduler | undefined;
  if (scheduler !== undefined) options.scheduler = scheduler;
  return options;
}

/** The UDP socket settings. */
export function socketOptionsOf(r: OptionReader): { sockbuf: number; dscp: number } {
  return { sockbuf: r.int('sockBuf', 0, 0x7fffffff), dscp: r.int('dscp', 0, MAX_DSCP) };
}

/** The logger, or one that drops everything. */
export function loggerOf(r: OptionReader): Logger {
  return (r.raw('logger') as Logger | undefined) ?? (() => {});
}

/** The smux settings as the CLI takes them (seconds for keepAlive), checked against smux's limits. */
export function smuxFieldsOf(
  r: OptionReader,
): Pick<ClientConfig, 'smuxVer' | 'smuxBuf' | 'frameSize' | 'streamBuf' | 'keepAlive'> {
  const smuxVer = r.int('smuxVer', 1, 2);
  const smuxBuf = r.int('smuxBuf', 1, MAX_SMUX_BUFFER);
  const fields = {
    smuxVer,
    smuxBuf,
    frameSize: r.int('frameSize', 1, MAX_SMUX_FRAME_SIZE),
    streamBuf: r.int('streamBuf', 1, smuxBuf),
    keepAlive: r.int('keepAlive', 1, SMUX_KEEPALIVE_TIMEOUT_SECONDS),
  };
  if (autoTuningOfOptions(r)?.smuxBuffers) {
    fields.smuxBuf = Math.max(fields.smuxBuf, AUTO_SMUX_BUF);
    fields.streamBuf = Math.max(fields.streamBuf, AUTO_SMUX_BUF);
  }
  return fields;
}
