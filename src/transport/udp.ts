import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';

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
