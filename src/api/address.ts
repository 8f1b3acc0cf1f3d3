/** Addresses as the library takes them: kcptun's `host:port` / `host:minport-maxport` strings. */
import type { HostPorts } from '../tunnel/address.js';

const MAX_PORT = 65535;
const HOST_PORTS_PATTERN = /^(.*):([0-9]{1,5})(?:-([0-9]{1,5}))?$/s;

export interface HostPortsRules {
  /** Allow host:minport-maxport (a server's listen, a client's remote). */
  range: boolean;
  /** Allow port 0: the system picks a free port (only where something is bound). */
  anyPort: boolean;
}

/**
 * Parse `host:port` (IPv6 in brackets, an empty host for every address) or, where `rules.range` allows it,
 * `host:minport-maxport`; a RangeError names the option.
 */
export function hostPortsOf(value: string, option: string, what: string, rules: HostPortsRules): HostPorts {
  const match = HOST_PORTS_PATTERN.exec(value);
  const want = rules.range ? 'host:port or host:minport-maxport' : 'host:port';
  if (match === null || (match[3] !== undefined && !rules.range)) {
    throw new RangeError(`${what}: option '${option}' must be ${want}, got ${JSON.stringify(value)}`);
  }
  const minPort = Number(match[2]);
  const maxPort = match[3] === undefined ? minPort : Number(match[3]);
  const lowest = rules.anyPort && match[3] === undefined ? 0 : 1;
  if (minPort < lowest || maxPort > MAX_PORT || minPort > maxPort) {
    throw new RangeError(
      `${what}: option '${option}' has port ${match[2]}${match[3] === undefined ? '' : `-${match[3]}`}: ports are ${lowest}..${MAX_PORT}, lowest first`,
    );
  }
  let host = match[1];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, minPort, maxPort };
}
