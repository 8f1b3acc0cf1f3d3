/**
 * The latest kcptun's multiport address syntax (docs/protocol.md §5.5): `host:port` or `host:min-max`, used by
 * the client's -remoteaddr and the server's -listen. Ports are 1..65535 and min <= max.
 */
import { CliError } from './errors.js';

export interface PortRange {
  /** Everything before the last ':' that precedes the port(s); IPv6 keeps its brackets. */
  readonly host: string;
  readonly minPort: number;
  readonly maxPort: number;
}

const MAX_PORT = 65535;
// Greedy host, like kcptun's regex, but anchored: kcptun's unanchored match silently ignores
// trailing garbage (`h:80x` dials h:80), which is better reported than guessed.
const PORT_RANGE_PATTERN = /^(.*):([0-9]{1,5})(?:-([0-9]{1,5}))?$/s;

/** Parses `host:port` / `host:min-max`; `flag` names the option in the error message. */
export function parsePortRange(address: string, flag: string): PortRange {
  const match = PORT_RANGE_PATTERN.exec(address);
  if (match === null)
    throw new CliError(
      `-${flag}: malformed address ${JSON.stringify(address)}, want host:port or host:minport-maxport`,
    );
  const minPort = Number(match[2]);
  const maxPort = match[3] === undefined ? minPort : Number(match[3]);
  if (minPort > maxPort || minPort === 0 || maxPort === 0 || minPort > MAX_PORT || maxPort > MAX_PORT) {
    throw new CliError(`-${flag}: invalid port range specified: minport:${minPort} -> maxport ${maxPort}`);
  }
  return { host: match[1], minPort, maxPort };
}

/** A listening address of one port: `host:port`, `[v6]:port` or `:port` (every interface). */
export interface ListenAddress {
  /** Without brackets; '' for every interface. */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

const LISTEN_ADDRESS_PATTERN = /^(.*):([0-9]{1,5})$/s;

/** Parses a one-port listening address; `flag` names the option in the error message. */
export function parseListenAddress(address: string, flag: string): ListenAddress {
  const match = LISTEN_ADDRESS_PATTERN.exec(address);
  const want = 'want host:port, eg: 127.0.0.1:9180 or [::1]:9180';
  if (match === null) throw new CliError(`-${flag}: malformed address ${JSON.stringify(address)}, ${want}`);
  const port = Number(match[2]);
  if (port > MAX_PORT) throw new CliError(`-${flag}: port ${port} out of range 0-${MAX_PORT}`);
  let host = match[1];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':'))
    throw new CliError(`-${flag}: an IPv6 address needs brackets, eg: [${host}]:${port}`);
  if (/[\s/[\]]/.test(host)) throw new CliError(`-${flag}: malformed host ${JSON.stringify(host)}, ${want}`);
  return { host, port };
}
