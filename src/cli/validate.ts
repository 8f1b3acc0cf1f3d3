/**
 * kcptun's parameter limits, checked once the command line, SIP003 options, JSON and -mode have
 * all been applied. Errors name the flag. Where kcptun only warns or silently adjusts, so does this
 * module: the adjustments are made in place and the warnings returned for the caller to log.
 */
import { validateQppParams } from '../crypt/qpp/index.js';
import { MAX_TOTAL_SHARDS } from '../fec/index.js';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { MAX_DSCP } from '../transport/dscp.js';
import { parsePortRange } from './address.js';
import { CliError } from './errors.js';
import {
  type ClientConfig,
  type CommonConfig,
  MANUAL_MODE,
  MODE_PRESETS,
  modePreset,
  type ServerConfig,
} from './options.js';

/** smux's KeepAliveTimeout, which kcptun never changes; the interval must not exceed it. */
export const SMUX_KEEPALIVE_TIMEOUT_SECONDS = 30;
export const MAX_SMUX_FRAME_SIZE = 65535;
export const MAX_SMUX_BUFFER = 2147483647;
/** A day: longer idle UDP flows would only hold sockets (setInterval also caps timers near 24.8 days). */
export const MAX_UDP_TIMEOUT_SECONDS = 86400;
/** -workers: threads beyond the cores only add memory; this bound keeps a typo from starting thousands. */
export const MAX_WORKERS = 64;
/** -conn is used as a uint16 by kcptun. */
export const MAX_UINT16 = 65535;

function fail(message: string): never {
  throw new CliError(message);
}

function requireRange(flag: string, value: number, min: number, max: number): void {
  if (value < min || value > max) fail(`-${flag} must be between ${min} and ${max}, got ${value}`);
}

function checkCommon(config: CommonConfig, warnings: string[]): void {
  // kcptun treats any -mode it does not know as manual; a typo (fast4, Fast3) would silently run the
  // slow manual defaults, so the same behaviour is kept and named.
  if (config.mode !== MANUAL_MODE && modePreset(config.mode) === undefined) {
    warnings.push(
      `mode ${config.mode} is not a profile (${Object.keys(MODE_PRESETS).join(', ')}): ` +
        'running as manual with -nodelay, -interval, -resend and -nc as given',
    );
  }
  if (config.rateLimit < 0) {
    warnings.push(`ratelimit ${config.rateLimit} is negative, falling back to 0`);
    config.rateLimit = 0;
  }
  // The latest kcp-go clamps larger values (Go's receive buffers are KCP_MTU_LIMIT bytes). The smallest
  // mtu depends on the cipher's overhead: startup.ts checks it once the cipher is chosen.
  if (config.mtu > KCP_MTU_LIMIT) {
    warnings.push(`mtu ${config.mtu} is larger than ${KCP_MTU_LIMIT}, clamped to ${KCP_MTU_LIMIT}`);
    config.mtu = KCP_MTU_LIMIT;
  }

  if (config.dataShard < 0) fail(`-datashard must not be negative, got ${config.dataShard}`);
  if (config.parityShard < 0) fail(`-parityshard must not be negative, got ${config.parityShard}`);
  if (config.dataShard + config.parityShard > MAX_TOTAL_SHARDS) {
    fail(
      `-datashard + -parityshard must be at most ${MAX_TOTAL_SHARDS}, got ${config.dataShard}+${config.parityShard}`,
    );
  }
  if (config.sndWnd <= 0) fail(`-sndwnd must be greater than 0, got ${config.sndWnd}`);
  if (config.rcvWnd <= 0) fail(`-rcvwnd must be greater than 0, got ${config.rcvWnd}`);
  requireRange('dscp', config.dscp, 0, MAX_DSCP);

  if (config.smuxVer !== 1 && config.smuxVer !== 2)
    fail(`-smuxver: unsupported smux version ${config.smuxVer}, available 1,2`);
  if (config.keepAlive < 1 || config.keepAlive > SMUX_KEEPALIVE_TIMEOUT_SECONDS) {
    fail(
      `-keepalive must be between 1 and ${SMUX_KEEPALIVE_TIMEOUT_SECONDS} seconds (smux's keep-alive timeout), got ${config.keepAlive}`,
    );
  }
  requireRange('framesize', config.frameSize, 1, MAX_SMUX_FRAME_SIZE);
  requireRange('smuxbuf', config.smuxBuf, 1, MAX_SMUX_BUFFER);
  requireRange('streambuf', config.streamBuf, 1, config.smuxBuf);
  if (config.snmpPeriod < 0) fail(`-snmpperiod must not be negative, got ${config.snmpPeriod}`);
  requireRange('udptimeout', config.udpTimeout, 1, MAX_UDP_TIMEOUT_SECONDS);

  if (config.qpp) {
    try {
      warnings.push(...validateQppParams(config.key, config.qppCount));
    } catch (err) {
      fail((err as Error).message);
    }
  }
}

/** Checks (and clamps, as kcptun does) a client config; returns kcptun's warnings. */
export function validateClientConfig(config: ClientConfig): string[] {
  const warnings: string[] = [];
  if (config.conn < 1) fail('-conn must be greater than 0');
  if (config.conn > MAX_UINT16) fail(`-conn must be at most ${MAX_UINT16}, got ${config.conn}`);
  checkCommon(config, warnings);
  parsePortRange(config.remoteAddr, 'remoteaddr');
  requireRange('workers', config.workers, 1, MAX_WORKERS);
  if (config.autoExpire !== 0 && config.scavengeTtl > config.autoExpire) {
    warnings.push(
      'WARNING: scavengettl is bigger than autoexpire, connections may race hard to use bandwidth. Try limiting scavengettl to a smaller value.',
    );
  }
  return warnings;
}

/** Checks (and clamps, as kcptun does) a server config; returns kcptun's warnings. */
export function validateServerConfig(config: ServerConfig): string[] {
  const warnings: string[] = [];
  checkCommon(config, warnings);
  parsePortRange(config.listen, 'listen');
  requireRange('workers', config.workers, 1, MAX_WORKERS);
  return warnings;
}
