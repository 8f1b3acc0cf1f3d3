/**
 * KCP sessions for programs: dial() and listen() over UDP with every kcptun setting, and createSession()
 * over a datagram transport the caller brings. A session is a ByteConnection: an ordered byte stream whose
 * write() returns false when the send queue is full and whose sink hears onDrain when it empties again.
 */
import { randomBytes } from 'node:crypto';
import { dialSession } from '../transport/dial.js';
import { applyDscp } from '../transport/dscp.js';
import { DEFAULT_FIRST_DATA_TIMEOUT_MS, DEFAULT_MAX_SESSIONS, KcpListener } from '../transport/listener.js';
import { type DatagramLink, KcpSession } from '../transport/session.js';
import { hostPortsOf } from './address.js';
import {
  checkOptions,
  type KcpOptions,
  type ListenOptions,
  loggerOf,
  OPTION_NAMES,
  OptionReader,
  type Role,
  sessionOptionsOf,
  socketOptionsOf,
  type UdpOptions,
} from './options.js';

/** createSession's options: the KCP settings, the conversation id, and which end this is. */
export interface SessionOverLinkOptions extends KcpOptions {
  /** The conversation id both ends share; a random one by default (a client picks it). */
  conv?: number;
  /** 'client' (default) or 'server': kcptun's defaults for that end, and the SNMP open counters. */
  role?: Role;
}

/**
 * Open a client session to `address` (host:port) over its own UDP socket. There is no handshake: the
 * session is usable at once, and a server that is not there shows only as data that is never acknowledged.
 */
export async function dial(address: string, options: UdpOptions): Promise<KcpSession> {
  const what = 'dial';
  if (typeof address !== 'string') throw new TypeError(`${what}: address must be a string host:port`);
  const r = new OptionReader(checkOptions(options, OPTION_NAMES.dial, what), 'client', what);
  const { host, minPort } = hostPortsOf(address, 'address', what, { range: false, anyPort: false });
  const log = loggerOf(r);
  return dialSession(host, minPort, { ...sessionOptionsOf(r), ...socketOptionsOf(r), warn: log });
}

/**
 * Accept sessions on UDP `address` (host:port, ':port' for every address, port 0 for any free port);
 * `onSession` gets each new session. The listener's `port` is the bound port; close() closes it and its
 * sessions.
 */
export async function listen(
  address: string,
  options: ListenOptions,
  onSession: (session: KcpSession) => void,
): Promise<KcpListener> {
  const what = 'listen';
  if (typeof address !== 'string') throw new TypeError(`${what}: address must be a string host:port`);
  if (typeof onSession !== 'function') throw new TypeError(`${what}: onSession must be a function`);
  const r = new OptionReader(checkOptions(options, OPTION_NAMES.listen, what), 'server', what);
  const { host, minPort } = hostPortsOf(address, 'address', what, { range: false, anyPort: true });
  const { sockbuf, dscp } = socketOptionsOf(r);
  const listener = await KcpListener.listen(
    host,
    minPort,
    {
      ...sessionOptionsOf(r),
      sockbuf,
      maxSessions: r.int('maxSessions', 1, 0x7fffffff, DEFAULT_MAX_SESSIONS),
      firstDataTimeoutMs: r.int('firstDataTimeoutMs', 1, 0x7fffffff, DEFAULT_FIRST_DATA_TIMEOUT_MS),
      log: loggerOf(r),
    },
    onSession,
  );
  // The library listens on UDP only (no -tcp here), so the listener has its socket.
  if (dscp !== 0 && listener.socket !== null) {
    const applied = applyDscp(listener.socket, dscp);
    if (!applied.ok) loggerOf(r)(`SetDSCP: ${applied.reason}`);
  }
  return listener;
}

/**
 * A session over the caller's own datagram transport: `link` sends what the session produces, and every
 * datagram from the peer goes to `session.input(buffer, length)`. Nothing here opens a socket.
 */
export function createSession(link: DatagramLink, options: SessionOverLinkOptions): KcpSession {
  const what = 'createSession';
  if (link === null || typeof link !== 'object' || typeof link.send !== 'function') {
    throw new TypeError(`${what}: link must be a DatagramLink (claim, send, release, remote)`);
  }
  const checked = checkOptions(options, OPTION_NAMES.session, what);
  const role = (checked.role ?? 'client') as string;
  if (role !== 'client' && role !== 'server') {
    throw new RangeError(`${what}: option 'role' must be 'client' or 'server', got ${JSON.stringify(role)}`);
  }
  const r = new OptionReader(checked, role, what);
  const conv = r.has('conv') ? r.int('conv', 0, 0xffffffff) : randomBytes(4).readUInt32LE(0);
  return new KcpSession(conv, sessionOptionsOf(r), link, { active: role === 'client' });
}
