import type net from 'node:net';

export { formatHostPort } from '../transport/udp.js';

/** A TCP host and port ('' host: every address) or a unix socket path: the server's -t, the client's -l. */
export type StreamEndpoint = { host: string; port: number } | { path: string };

/**
 * The accept queue asked of listen(2), which the kernel caps at net.core.somaxconn: Go's net.Listen asks for
 * somaxconn itself (capped at 65535), node for 511. A burst of connections larger than the queue while the
 * process is busy (1000 at once into a client that keeps 1000 sessions) overflows it, and the kernel resets
 * connections it had already completed (the sessions benchmark's "closed after 0 of 65536 echoed bytes":
 * resets from the client's port, docs/test-flakes-2026-12-06.md).
 */
export const LISTEN_BACKLOG = 65535;

/** Listen on `at` (the client's -l); rejects with the listener's error (address in use, no permission). */
export function listenOn(server: net.Server, at: StreamEndpoint): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in at) server.listen(at.path, LISTEN_BACKLOG, done);
    else server.listen(at.port, at.host === '' ? undefined : at.host, LISTEN_BACKLOG, done);
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
