import type net from 'node:net';

export { formatHostPort } from '../transport/udp.js';

/** A TCP host and port ('' host: every address) or a unix socket path: the server's -t, the client's -l. */
export type StreamEndpoint = { host: string; port: number } | { path: string };

/** Listen on `at` (the client's -l); rejects with the listener's error (address in use, no permission). */
export function listenOn(server: net.Server, at: StreamEndpoint): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in at) server.listen(at.path, done);
    else server.listen(at.port, at.host === '' ? undefined : at.host, done);
  });
}

/** A `host:port` or `host:min-max` (multiport, latest kcptun); an IPv6 host without brackets. */
export interface HostPorts {
  host: string;
  minPort: number;
  maxPort: number;
}

/** kcptun treats a value that is not host:port as a unix socket path (target, and the latest client's -l). */
export function isUnixPath(value: string): boolean {
  return !/^.*:[0-9]{1,5}$/.test(value);
}
