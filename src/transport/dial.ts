import { randomBytes } from 'node:crypto';
import { batchOpener, batchSealer } from '../crypt/batch.js';
import type { BatchSealer } from '../crypt/types.js';
import { applyDscp } from './dscp.js';
import { dialFakeTcp } from './fake-tcp.js';
import { lookupHost } from './resolve.js';
import { type DatagramLink, KcpSession, type SessionOptions } from './session.js';
import { bindSocket, connectSocket, createUdpIo, createUdpSocket, formatHostPort } from './udp.js';
import type { UdpIo } from './udp-io.js';

/** A client session's own socket: connected to the server, so the kernel drops datagrams from anyone else. */
class ConnectedLink implements DatagramLink {
  constructor(
    private readonly io: UdpIo,
    readonly remote: string,
  ) {}

  claim(): Buffer {
    return this.io.claim();
  }

  send(buf: Buffer, len: number): void {
    this.io.send(buf, len);
  }

  get sealer(): BatchSealer | null {
    return this.io.sealer ?? null;
  }

  get receiveFilling(): boolean {
    return this.io.receiveFilling === true;
  }

  get receiveDrops(): number {
    return this.io.receiveDrops ?? 0;
  }

  release(): void {
    this.io.close();
  }
}

export interface DialOptions extends SessionOptions {
  sockbuf: number;
  /** -dscp: 0 leaves the socket alone. */
  dscp?: number;
  /** Where a DSCP that cannot be applied is reported (once per process). */
  warn?: (message: string) => void;
  /** -tcp: kcptun's fake-TCP transport (fake-tcp.ts) instead of UDP; IPv4, Linux, root. */
  tcp?: boolean;
}

let dscpWarned = false;

/**
 * Open a client session to host:port: resolve the name now (every dial resolves again), a fresh UDP socket
 * on an ephemeral port, a random conv. There is no handshake: the session is usable at once.
 */
export async function dialSession(host: string, port: number, options: DialOptions): Promise<KcpSession> {
  if (options.tcp) {
    const { address } = await lookupHost(host, { family: 4 });
    const io = await dialFakeTcp(address, port, { sockbuf: options.sockbuf, dscp: options.dscp });
    return sessionOver(io, formatHostPort(address, port), options);
  }
  const { address } = await lookupHost(host);
  const socket = createUdpSocket(address, options.sockbuf);
  try {
    await bindSocket(socket, 0);
    await connectSocket(socket, port, address);
  } catch (err) {
    socket.close();
    throw err;
  }
  if (options.dscp) {
    const r = applyDscp(socket, options.dscp);
    if (!r.ok && !dscpWarned) {
      dscpWarned = true;
      options.warn?.(`SetDSCP: ${r.reason}`);
    }
  }
  const observer = options.observer;
  const io = createUdpIo(socket, (reason) => observer?.ioFallback?.(reason));
  const remote = formatHostPort(address, port);
  const session = sessionOver(io, remote, options);
  // A connected UDP socket reports ICMP errors (server not listening yet) as socket errors: KCP's
  // retransmission and smux's keepalive decide the session's fate, not one lost datagram. They are
  // counted and told to the observer.
  io.onError = (err) => observer?.socketError?.(err, remote);
  return session;
}

/** A client session with a random conv over `io`, connected to `remote`. */
function sessionOver(io: UdpIo, remote: string, options: DialOptions): KcpSession {
  const conv = randomBytes(4).readUInt32LE(0);
  const session = new KcpSession(conv, options, new ConnectedLink(io, remote), { active: true });
  io.onDatagram = (buf, len, opened, offset) => session.input(buf, len, opened, offset);
  io.opener = batchOpener(options.crypt);
  if (io.sealer !== undefined) io.sealer = batchSealer(options.crypt);
  return session;
}
