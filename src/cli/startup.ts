/**
 * From a parsed configuration to running tunnel options: what kcptun's main() does after flag parsing.
 * Features that are accepted by the parser but not served yet are refused here, by name.
 */
import { isIPv6 } from 'node:net';
import { deriveKey } from '../crypt/kdf.js';
import { QppPads } from '../crypt/qpp/index.js';
import { createPacketCrypt } from '../crypt/select.js';
import type { PacketCrypt } from '../crypt/types.js';
import { fecEnabled } from '../fec/index.js';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { type SmuxConfig, verifyConfig } from '../smux/index.js';
import type { AutoTuning } from '../transport/auto-kcp.js';
import { rawSocketUnavailable } from '../transport/raw-socket.js';
import { minimumMtu, type SessionOptions } from '../transport/session.js';
import { iptablesUnavailable } from '../transport/tcp-rule.js';
import { type DatagramIoPath, datagramIoPath } from '../transport/udp.js';
import { isUnixPath, type StreamEndpoint } from '../tunnel/address.js';
import type { UdpOptions } from '../tunnel/udp-flow.js';
import { parsePortRange } from './address.js';
import { CliError } from './errors.js';
import type { CommonConfig } from './options.js';

/** smux's KeepAliveTimeout: kcptun never sets it, so it stays at smux's default. */
const KEEPALIVE_TIMEOUT_MS = 30_000;

/**
 * Refuse, with one clear line each, what this build or this host cannot do; never ignore a setting
 * silently. -tcp needs Linux, koffi, a raw socket (root or CAP_NET_RAW) and iptables: without any of them
 * it is refused, never served over UDP instead. Ours carries -tcp over IPv4 only (docs/tcp-transport.md):
 * an IPv6 `address` (the client's -r, the server's -l) is refused too.
 */
export function refuseUnsupported(config: CommonConfig, address: string, flag: string): void {
  if (!config.tcp) return;
  const host = parsePortRange(address, flag).host.replace(/^\[(.*)\]$/, '$1');
  if (isIPv6(host)) {
    throw new CliError(
      `-tcp over IPv6 is not supported (${address}): use an IPv4 address or a name with an IPv4 address`,
    );
  }
  const missing = rawSocketUnavailable() ?? iptablesUnavailable();
  if (missing !== null) throw new CliError(missing);
}

export interface CryptChoice {
  crypt: PacketCrypt;
  /** The name actually used: kcptun turns unknown names into aes. */
  name: string;
  fellBack: boolean;
}

export function selectCrypt(config: CommonConfig): CryptChoice {
  const pass = deriveKey(config.key);
  const { crypt, fellBackToAes } = createPacketCrypt(config.crypt, pass);
  return { crypt, name: crypt.name, fellBack: fellBackToAes };
}

export function smuxConfigOf(config: CommonConfig): SmuxConfig {
  const smux: SmuxConfig = {
    version: config.smuxVer as 1 | 2,
    keepAliveInterval: config.keepAlive * 1000,
    keepAliveTimeout: KEEPALIVE_TIMEOUT_MS,
    maxFrameSize: config.frameSize,
    maxReceiveBuffer: config.smuxBuf,
    maxStreamBuffer: config.streamBuf,
  };
  try {
    verifyConfig(smux);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  return smux;
}

/**
 * The session options of a validated config with its cipher. The one config check that needs the cipher is
 * here: the smallest -mtu leaves KCP its minimum beside the cipher's and FEC's headers (minimumMtu).
 */
export function sessionOptionsOf(config: CommonConfig, crypt: PacketCrypt): SessionOptions {
  const minMtu = minimumMtu(crypt, config.dataShard, config.parityShard);
  if (config.mtu < minMtu) {
    const fec = fecEnabled(config.dataShard, config.parityShard)
      ? ' with FEC (-datashard, -parityshard)'
      : '';
    throw new CliError(
      `-mtu must be between ${minMtu} and ${KCP_MTU_LIMIT} for -crypt ${crypt.name}${fec}, got ${config.mtu}`,
    );
  }
  return {
    crypt,
    dataShards: config.dataShard,
    parityShards: config.parityShard,
    mtu: config.mtu, // validate.ts already clamped it to KCP_MTU_LIMIT, as the latest kcptun does
    sndWnd: config.sndWnd,
    rcvWnd: config.rcvWnd,
    nodelay: config.noDelay,
    interval: config.interval,
    resend: config.resend,
    nc: config.nc,
    ackNoDelay: config.ackNoDelay,
    rateLimit: Math.max(0, config.rateLimit),
    auto: config.auto,
  };
}

/** `host:port` / `host:min-max` with an IPv6 host unbracketed, as sockets want it. */
export function hostPortsOf(value: string, flag: string): { host: string; minPort: number; maxPort: number } {
  const r = parsePortRange(value, flag);
  return { host: unbracket(r.host), minPort: r.minPort, maxPort: r.maxPort };
}

/** A TCP endpoint `host:port`, or a unix socket path when the value is not host:port (kcptun's rule). */
export function endpointOf(value: string, flag: string): StreamEndpoint {
  if (isUnixPath(value)) return { path: value };
  const r = hostPortsOf(value, flag);
  if (r.minPort !== r.maxPort) throw new CliError(`-${flag}: a port range is not allowed here`);
  return { host: r.host, port: r.minPort };
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * What -mode auto runs and what explicit flags turned off, in one start-up line; `endParts` are the parts
 * only one end has (the client's sessions).
 */
function autoModeLine(auto: AutoTuning, endParts: readonly string[]): string {
  const part = (on: boolean, what: string, flags: string) => (on ? what : `${what} off (${flags} given)`);
  return `mode auto (the default; sender-side, any kcptun peer; -mode fast for kcptun's): ${[
    part(auto.congestion, 'congestion control with pacing, thin streams and tails sent twice', '-nc'),
    part(auto.windows, 'automatic windows', '-sndwnd/-rcvwnd'),
    part(auto.fec, 'adaptive parity count', '-datashard/-parityshard'),
    ...endParts,
  ].join(', ')}`;
}

/**
 * -mode auto's part on the client: its sessions and where new streams go. In auto -conn is 1 only when
 * given (the default is AUTO_CONN).
 */
export function autoSessionsPart(conn: number): string {
  return conn > 1 ? `new streams on the least loaded of ${conn} sessions` : 'one session (-conn 1 given)';
}

/**
 * Which datagram I/O this process uses and why: the batched path costs about half the CPU per datagram
 * (README), so a silent fallback to dgram would hide a 2x difference.
 */
export function datagramIoLine(path: DatagramIoPath = datagramIoPath()): string {
  if (!path.batched) {
    return `datagram I/O: dgram, one system call per datagram (batched I/O unavailable: ${path.reason})`;
  }
  const gso = path.gso;
  const segmentation =
    gso === null
      ? ''
      : `, UDP GSO ${gso.gso ? 'on' : 'off'}, GRO ${gso.gro ? 'on' : 'off'}${gso.reason && ` (${gso.reason})`}`;
  return `datagram I/O: sendmmsg/recvmmsg (batched, through koffi)${segmentation}`;
}

/** The start-up lines kcptun logs, shared by both ends; `autoEndParts` as in autoModeLine. */
export function commonStartupLines(
  config: CommonConfig,
  cryptName: string,
  autoEndParts: readonly string[] = [],
): string[] {
  return [
    `smux version: ${config.smuxVer}`,
    `encryption: ${cryptName}`,
    `nodelay parameters: ${config.noDelay} ${config.interval} ${config.resend} ${config.nc}`,
    ...(config.auto === null ? [] : [autoModeLine(config.auto, autoEndParts)]),
    config.auto?.windows ? 'sndwnd: auto rcvwnd: auto' : `sndwnd: ${config.sndWnd} rcvwnd: ${config.rcvWnd}`,
    `compression: ${!config.noComp}`,
    `mtu: ${config.mtu}`,
    config.auto?.fec
      ? `datashard: ${config.dataShard} parityshard: up to ${config.parityShard} (adaptive)`
      : `datashard: ${config.dataShard} parityshard: ${config.parityShard}`,
    `acknodelay: ${config.ackNoDelay}`,
    `dscp: ${config.dscp}`,
    `sockbuf: ${config.sockBuf}`,
    `smuxbuf: ${config.smuxBuf}`,
    `framesize: ${config.frameSize}`,
    `streambuf: ${config.streamBuf}`,
    `keepalive: ${config.keepAlive}`,
    `closewait: ${config.closeWait}`,
    `snmplog: ${config.snmpLog}`,
    `snmpperiod: ${config.snmpPeriod}`,
    `quiet: ${config.quiet}`,
    `tcp: ${config.tcp}`,
    `QPP: ${config.qpp}`,
    `QPPCount: ${config.qppCount}`,
    `udp: ${config.udp}`,
    `udptimeout: ${config.udpTimeout}`,
    datagramIoLine(),
  ];
}

/** -udp and -udptimeout as the tunnel takes them: absent when UDP is off. */
export function udpOf(config: CommonConfig): { udp: UdpOptions } | Record<string, never> {
  return config.udp ? { udp: { timeoutSeconds: config.udpTimeout } } : {};
}

/** -QPP: one pad set per process, seeded (like each stream's PRNG) from the raw -key string. */
export function qppOf(config: CommonConfig): { pads: QppPads; seed: Uint8Array } | undefined {
  if (!config.qpp) return undefined;
  const seed = Buffer.from(config.key, 'utf8');
  return { pads: new QppPads(seed, config.qppCount), seed };
}
