/** A parsed `host:port` or `host:min-max` (multiport, latest kcptun); IPv6 literals in brackets. */
export interface HostPorts {
  host: string;
  minPort: number;
  maxPort: number;
}

const HOST_PORTS = /^(.*):([0-9]{1,5})(?:-([0-9]{1,5}))?$/;

/** Parse kcptun's address syntax; `what` names the flag in the error message. */
export function parseHostPorts(value: string, what: string): HostPorts {
  const m = HOST_PORTS.exec(value);
  if (m === null) throw new Error(`${what}: '${value}' is not host:port or host:minport-maxport`);
  let host = m[1];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const minPort = Number(m[2]);
  const maxPort = m[3] === undefined ? minPort : Number(m[3]);
  if (minPort < 1 || maxPort > 65535 || minPort > maxPort) {
    throw new Error(`${what}: invalid port range in '${value}' (ports 1-65535, min <= max)`);
  }
  return { host, minPort, maxPort };
}

/** kcptun treats a value that is not host:port as a unix socket path (target, and the latest client's -l). */
export function isUnixPath(value: string): boolean {
  return !/^.*:[0-9]{1,5}$/.test(value);
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
