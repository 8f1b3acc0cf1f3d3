import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DgramIo } from './dgram-io.js';
import { type GsoSupport, gsoSupport } from './gso.js';
import { type Libc, libc } from './libc.js';
import { createMmsgIo, mmsgSupported } from './mmsg-io.js';
import type { UdpIo } from './udp-io.js';

/** An IPv4 address as a dual-stack socket reports it (`::ffff:1.2.3.4`): the IPv4 part is group 1. */
const V4_MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * host:port for logs and keys, as Go's net.JoinHostPort and UDPAddr.String write it: IPv6 literals in
 * brackets (`[::]:29900`), and an IPv4 peer of a dual-stack socket as the IPv4 address it is (`1.2.3.4:5`,
 * not `[::ffff:1.2.3.4]:5`).
 */
export function formatHostPort(host: string, port: number): string {
  const v4 = V4_MAPPED.exec(host);
  if (v4 !== null) return `${v4[1]}:${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An unbound UDP socket of the family that can reach `address`, with kcptun's -sockbuf applied on bind. */
export function createUdpSocket(address: string, sockbuf: number): dgram.Socket {
  const type = isIPv6(address) ? 'udp6' : 'udp4';
  return dgram.createSocket({
    type,
    // An IPv6 socket bound to `::` takes IPv4 peers too (as IPv4-mapped addresses), as Go's sockets do.
    ipv6Only: false,
    recvBufferSize: sockbuf > 0 ? sockbuf : undefined,
    sendBufferSize: sockbuf > 0 ? sockbuf : undefined,
  });
}

/** Errors of binding `::` on a host without IPv6 (the module absent, or no address of that family). */
const NO_IPV6_ERRORS = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EPROTONOSUPPORT']);

/**
 * A bound listening socket for `host` and `port`. An empty host means every address of both families, as
 * in Go (`-l :29900` listens on `[::]:29900`): an IPv6 socket on `::` that also takes IPv4 peers, or, where
 * the host has no IPv6, an IPv4 socket on 0.0.0.0.
 */
export async function bindListenSocket(
  host: string,
  port: number,
  sockbuf: number,
  bind: BindListen = bindNew,
): Promise<dgram.Socket> {
  if (host !== '') return bind(host, port, sockbuf);
  try {
    return await bind('::', port, sockbuf);
  } catch (err) {
    if (!NO_IPV6_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    return bind('0.0.0.0', port, sockbuf);
  }
}

/** Makes and binds one listening socket: dgram's own (below), or a SO_REUSEPORT group's (reuse-port.ts). */
export type BindListen = (host: string, port: number, sockbuf: number) => Promise<dgram.Socket>;

async function bindNew(address: string, port: number, sockbuf: number): Promise<dgram.Socket> {
  const socket = createUdpSocket(address, sockbuf);
  try {
    await bindSocket(socket, port, address);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

export function bindSocket(socket: dgram.Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.removeListener('error', onError);
      resolve();
    });
  });
}

export function connectSocket(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.connect(port, address, () => {
      socket.removeListener('error', onError);
      resolve();
    });
  });
}

/** Set KCPTUN_NO_MMSG=1 to keep to dgram where batched I/O is available (to compare, or to rule it out). */
const batchedIoDisabled = process.env.KCPTUN_NO_MMSG === '1';

/** Which datagram I/O the sockets of this process get, and why: what the start-up line reports. */
export interface DatagramIoPath {
  readonly batched: boolean;
  /** Why dgram is used (empty when batched). */
  readonly reason: string;
  /** Whether the batched path sends in GSO runs and receives coalesced (null: not batched). */
  readonly gso: GsoSupport | null;
}

export function datagramIoPath(): DatagramIoPath {
  if (batchedIoDisabled) return { batched: false, reason: 'KCPTUN_NO_MMSG=1 is set', gso: null };
  const supported = mmsgSupported();
  return supported === true
    ? { batched: true, reason: '', gso: gsoSupport(libc() as Libc) }
    : { batched: false, reason: supported, gso: null };
}

/**
 * The datagram I/O of a bound (client: also connected) socket: batched sendmmsg/recvmmsg where the platform
 * and the optional koffi package allow it (datagramIoPath says whether they do), otherwise dgram. Where
 * they do but this socket cannot have it, `onFallback` hears why. The I/O handles the socket's 'error'
 * events and reports them through its onError.
 */
export function createUdpIo(socket: dgram.Socket, onFallback?: (reason: string) => void): UdpIo {
  if (!batchedIoDisabled) {
    const io = createMmsgIo(socket);
    if (typeof io !== 'string') return io;
    if (mmsgSupported() === true) onFallback?.(io);
  }
  return new DgramIo(socket);
}
