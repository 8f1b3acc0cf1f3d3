import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DgramIo } from './dgram-io.js';
import { createMmsgIo } from './mmsg-io.js';
import type { UdpIo } from './udp-io.js';

/** host:port for logs and keys, IPv6 literals in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** An unbound UDP socket of the family that can reach `address`, with kcptun's -sockbuf applied on bind. */
export function createUdpSocket(address: string, sockbuf: number): dgram.Socket {
  const type = isIPv6(address) ? 'udp6' : 'udp4';
  return dgram.createSocket({
    type,
    recvBufferSize: sockbuf > 0 ? sockbuf : undefined,
    sendBufferSize: sockbuf > 0 ? sockbuf : undefined,
  });
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

/**
 * The datagram I/O of a bound (client: also connected) socket: batched sendmmsg/recvmmsg where the platform
 * and the optional koffi package allow it, otherwise dgram. The socket's 'error' events stay the caller's.
 */
export function createUdpIo(socket: dgram.Socket): UdpIo {
  if (!batchedIoDisabled) {
    const io = createMmsgIo(socket);
    if (typeof io !== 'string') return io;
  }
  return new DgramIo(socket);
}
