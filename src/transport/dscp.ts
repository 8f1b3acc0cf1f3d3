/**
 * kcptun's `-dscp`: mark outgoing datagrams with a DSCP code point (docs/protocol.md §8.4, pitfall 19). IPv4 takes it in
 * the TOS byte (dscp << 2, IP_TOS); IPv6 in the traffic class, unshifted (IPV6_TCLASS). Like kcp-go, an IPv6
 * socket gets both options, because a dual-stack socket sends to IPv4 peers with the IPv4 TOS.
 *
 * Node's dgram has no API for either option, so the value is set with setsockopt(2) through the optional
 * `koffi` FFI package (prebuilt binaries inside the npm package, no compiler needed) on the socket's file
 * descriptor. dgram does not publish the descriptor either: it is read from the socket's internal libuv
 * handle (`fd`, reached through dgram's internal state symbol rather than the deprecated `_handle`, which
 * prints a DEP0112 warning). Both are internals, so every step is checked: the value is read back with
 * getsockopt(2), and anything missing or unexpected yields `{ ok: false, reason }` for the caller to log;
 * nothing here throws for a platform limitation.
 */
import type dgram from 'node:dgram';
import { libc, socketFd } from './libc.js';

export type DscpResult = { ok: true } | { ok: false; reason: string };

export const MAX_DSCP = 63;
const DSCP_TO_TOS_SHIFT = 2;
const INT_BYTES = 4;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;

/** IP_TOS / IPV6_TCLASS option numbers per OS (from each system's <netinet/in.h>). */
const SOCKET_OPTIONS: Partial<Record<NodeJS.Platform, { ipTos: number; ipv6Tclass: number }>> = {
  linux: { ipTos: 1, ipv6Tclass: 67 },
  android: { ipTos: 1, ipv6Tclass: 67 },
  darwin: { ipTos: 3, ipv6Tclass: 36 },
  freebsd: { ipTos: 3, ipv6Tclass: 61 },
  openbsd: { ipTos: 3, ipv6Tclass: 61 },
};

/**
 * Set DSCP `dscp` (0..63) on a bound (or connected) UDP socket. `family` defaults to the socket's own
 * (an IPv6 socket is given both the traffic class and the IPv4 TOS).
 * @throws RangeError when dscp is not an integer in 0..63 (a configuration error).
 */
export function applyDscp(socket: dgram.Socket, dscp: number, family?: 4 | 6): DscpResult {
  if (!Number.isInteger(dscp) || dscp < 0 || dscp > MAX_DSCP) {
    throw new RangeError(`dscp must be an integer in 0..${MAX_DSCP}, got ${dscp}`);
  }
  const options = SOCKET_OPTIONS[process.platform];
  if (!options) return { ok: false, reason: `setting DSCP is not supported on ${process.platform}` };
  const fd = socketFd(socket);
  if (typeof fd === 'string') return { ok: false, reason: fd };
  const sys = libc();
  if (typeof sys === 'string') return { ok: false, reason: sys };

  const tos = dscp << DSCP_TO_TOS_SHIFT;
  const ipv4 = (family ?? (socket.address().family === 'IPv6' ? 6 : 4)) === 4;
  const attempts = ipv4
    ? [{ level: IPPROTO_IP, name: options.ipTos, value: tos, label: 'IP_TOS' }]
    : [
        { level: IPPROTO_IPV6, name: options.ipv6Tclass, value: dscp, label: 'IPV6_TCLASS' },
        { level: IPPROTO_IP, name: options.ipTos, value: tos, label: 'IP_TOS' },
      ];
  const failures: string[] = [];
  for (const { level, name, value, label } of attempts) {
    const readBack = [0];
    if (sys.setsockopt(fd, level, name, [value], INT_BYTES) !== 0) {
      failures.push(`setsockopt ${label}: errno ${sys.koffi.errno()}`);
    } else if (sys.getsockopt(fd, level, name, readBack, [INT_BYTES]) !== 0 || readBack[0] !== value) {
      failures.push(`${label} did not keep the value ${value}`);
    }
  }
  // As kcp-go: success when at least one of the options took.
  return failures.length < attempts.length ? { ok: true } : { ok: false, reason: failures.join('; ') };
}
