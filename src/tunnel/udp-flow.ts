import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { type UdpStats, udpStats } from './udp-stats.js';

/** -udp, as the library takes it: present means on. */
export interface UdpOptions {
  /** -udptimeout: a flow with no datagram either way for this many seconds is closed at both ends. */
  timeoutSeconds: number;
  /** Flows open at once: per client, and per session on the server. Beyond it new flows are refused. */
  maxFlows?: number;
  /** Where the counters go; the process-wide `udpStats` by default. */
  stats?: UdpStats;
}

/** -udptimeout's default: what common NAT tables keep an idle UDP mapping for. */
export const DEFAULT_UDP_TIMEOUT_SECONDS = 60;
/**
 * Each server-side flow holds a socket (a file descriptor) until it times out; 2048 stays within a
 * 4096-descriptor limit with room for the TCP streams, and a flood of source ports stops here.
 */
export const DEFAULT_MAX_UDP_FLOWS = 2048;

/** The options with their defaults filled in. */
export interface UdpSettings {
  readonly timeoutMs: number;
  readonly maxFlows: number;
  readonly stats: UdpStats;
}

export function udpSettingsOf(options: UdpOptions): UdpSettings {
  return {
    timeoutMs: options.timeoutSeconds * 1000,
    maxFlows: options.maxFlows ?? DEFAULT_MAX_UDP_FLOWS,
    stats: options.stats ?? udpStats,
  };
}

/** How often idle flows are looked for: a quarter of the timeout, within 50 ms .. 1 s. */
export function sweepPeriodMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(50, timeoutMs / 4));
}

/** One flow's traffic, for the line logged when it closes. */
export class FlowCounts {
  datagramsIn = 0;
  bytesIn = 0;
  datagramsOut = 0;
  bytesOut = 0;
  dropped = 0;

  toString(): string {
    return (
      `in ${this.datagramsIn} datagrams ${this.bytesIn} bytes, out ${this.datagramsOut} datagrams ` +
      `${this.bytesOut} bytes, dropped ${this.dropped}`
    );
  }
}

/**
 * A UDP socket of the address family of `host` ('' means every address: IPv6 with IPv4 mapped), with
 * -sockbuf as its buffer sizes: the client's one socket takes every application's bursts.
 */
export function udpSocketFor(host: string, sockbuf: number): dgram.Socket {
  return dgram.createSocket({
    type: host === '' || isIPv6(host) ? 'udp6' : 'udp4',
    recvBufferSize: sockbuf > 0 ? sockbuf : undefined,
    sendBufferSize: sockbuf > 0 ? sockbuf : undefined,
  });
}
