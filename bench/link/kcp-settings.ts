/**
 * The kcptun flags of the benchmark: fast3 with the window tuned per link, shared by Go kcptun and ours,
 * and ours with `-mode auto`, which is given no window or FEC flags at all.
 */
import { bdpBytes, type LinkProfile } from './profiles.js';

export interface KcpSettings {
  mode: string;
  /** -sndwnd and -rcvwnd on both ends, in packets; absent: the mode chooses. */
  window?: number;
  /** -datashard / -parityshard; absent: the mode chooses. */
  fec?: { dataShard: number; parityShard: number };
  noComp: boolean;
  /** Absent: each end's default (ours talks to ours). */
  smuxVer?: number;
  /** -ratelimit on both ends, bytes per second; absent: none. */
  rateLimit?: number;
}

/** kcptun's default -mtu: a window of W packets keeps W x this many bytes in flight at most. */
const KCPTUN_MTU = 1350;
const KEY = 'kcptun-ts link benchmark';

export function windowForBdp(p: LinkProfile, factor: number): number {
  return Math.ceil((bdpBytes(p) * factor) / KCPTUN_MTU);
}

/**
 * What a kcptun user who tuned for the link runs: -mode fast3, FEC 10/3 (kcptun's default), no
 * compression (the payload is incompressible), smux v1 (Go 20210922's default), and both windows set
 * to the profile's best window from the Go sweep, or `windowBdp` BDPs when a sweep asks for another.
 */
export function fast3Settings(p: LinkProfile, windowBdp = p.fast3WindowBdp): KcpSettings {
  return {
    mode: 'fast3',
    window: windowForBdp(p, windowBdp),
    fec: { dataShard: 10, parityShard: 3 },
    noComp: true,
    smuxVer: 1,
  };
}

/** `-mode auto`: windows, FEC and pacing are the sender's own business. */
export function autoSettings(): KcpSettings {
  return { mode: 'auto', noComp: true };
}

/** kcptun 20210922's client default -smuxver: a server must speak the same version. */
export const GO_CLIENT_SMUX_VERSION = 1;

/**
 * What a kcptun user who gives no tuning flags runs, Go's client or ours: -mode fast (kcptun 20210922:
 * nodelay 0, interval 30, resend 2, nc 1, so ACKs are flushed every 30 ms), each end's default windows
 * (client -sndwnd 128 -rcvwnd 512, server 1024 / 1024) and FEC 10/3; only the link benchmark's crypt,
 * key and -nocomp are given.
 */
export function fastDefaults(): KcpSettings {
  return { mode: 'fast', noComp: true };
}

export function kcptunArgs(s: KcpSettings): string[] {
  const args = ['-mode', s.mode];
  if (s.window !== undefined) args.push('-sndwnd', String(s.window), '-rcvwnd', String(s.window));
  if (s.fec !== undefined)
    args.push('-datashard', String(s.fec.dataShard), '-parityshard', String(s.fec.parityShard));
  if (s.smuxVer !== undefined) args.push('-smuxver', String(s.smuxVer));
  args.push('-crypt', 'aes', '-key', KEY, '-quiet');
  if (s.noComp) args.push('-nocomp');
  if (s.rateLimit !== undefined) args.push('-ratelimit', String(s.rateLimit));
  return args;
}

export function describeSettings(s: KcpSettings): string {
  const parts = [s.mode];
  if (s.window !== undefined) parts.push(`wnd ${s.window}`);
  if (s.fec !== undefined) parts.push(`FEC ${s.fec.dataShard}/${s.fec.parityShard}`);
  if (s.noComp) parts.push('nocomp');
  if (s.smuxVer !== undefined) parts.push(`smux v${s.smuxVer}`);
  if (s.rateLimit !== undefined) parts.push(`ratelimit ${s.rateLimit}`);
  return parts.join(', ');
}
