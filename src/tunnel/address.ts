export { formatHostPort } from '../transport/udp.js';

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
