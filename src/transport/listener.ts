import type dgram from 'node:dgram';
import { FEC_HEADER_SIZE_PLUS2, FEC_TYPE_DATA, FEC_TYPE_PARITY } from '../fec/index.js';
import { snmp } from '../metrics/snmp.js';
import { type DatagramLink, KcpSession, MTU_LIMIT, type SessionOptions } from './session.js';
import { bindSocket, createUdpSocket } from './udp.js';

const KCP_HEADER = 24;
const KCP_SN_OFFSET = 12;

export interface ListenOptions extends SessionOptions {
  sockbuf: number;
  /** Sessions held at once; datagrams that would open more are dropped (counted in InErrs). */
  maxSessions: number;
}

/** A server session's route back: the listener's socket, to the address the session came from. */
class ListenerLink implements DatagramLink {
  constructor(
    private readonly listener: KcpListener,
    readonly remote: string,
    private readonly address: string,
    private readonly port: number,
  ) {}

  send(buf: Buffer, len: number): void {
    this.listener.socket.send(buf, 0, len, this.port, this.address);
  }

  release(session: KcpSession): void {
    this.listener.forget(this.remote, session);
  }
}

/**
 * The server side of kcp-go: one UDP socket, sessions keyed by the peer's ip:port. Any datagram that
 * decrypts and carries a conv from a new address opens a session (KCP has no handshake); a new conv with
 * sn 0 from a known address replaces the old session (the client reconnected from the same port).
 */
export class KcpListener {
  private readonly sessions = new Map<string, KcpSession>();
  private closed = false;

  private constructor(
    readonly socket: dgram.Socket,
    private readonly options: ListenOptions,
    private readonly onSession: (session: KcpSession) => void,
  ) {
    socket.on('message', (msg, rinfo) => this.packetInput(msg, rinfo.address, rinfo.port));
    socket.on('error', () => {}); // send errors to vanished peers must not take the listener down
  }

  static async listen(
    host: string,
    port: number,
    options: ListenOptions,
    onSession: (session: KcpSession) => void,
  ): Promise<KcpListener> {
    const bindAddress = host === '' ? '0.0.0.0' : host;
    const socket = createUdpSocket(bindAddress, options.sockbuf);
    try {
      await bindSocket(socket, port, host === '' ? undefined : host);
    } catch (err) {
      socket.close();
      throw err;
    }
    return new KcpListener(socket, options, onSession);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessions.values()]) s.close();
    this.socket.close();
  }

  forget(key: string, session: KcpSession): void {
    if (this.sessions.get(key) === session) this.sessions.delete(key);
  }

  private packetInput(buf: Buffer, address: string, port: number): void {
    if (this.closed) return;
    const crypt = this.options.crypt;
    const len = buf.length;
    if (len > MTU_LIMIT) {
      snmp.InPkts++;
      snmp.InCsumErrors++;
      return;
    }
    const end = crypt.open(buf, len);
    if (end < 0) {
      snmp.InPkts++;
      snmp.InCsumErrors++;
      return;
    }
    const off = crypt.headerSize;
    if (end - off < KCP_HEADER) {
      snmp.InPkts++;
      snmp.InErrs++;
      return;
    }
    const key = `${address}:${port}`;
    let session = this.sessions.get(key);

    let conv = 0;
    let sn = 0;
    let convKnown = false;
    const type = buf[off + 4] | (buf[off + 5] << 8);
    if (type === FEC_TYPE_DATA || type === FEC_TYPE_PARITY) {
      if (type === FEC_TYPE_DATA && end - off >= FEC_HEADER_SIZE_PLUS2 + KCP_HEADER) {
        conv = buf.readUInt32LE(off + FEC_HEADER_SIZE_PLUS2);
        sn = buf.readUInt32LE(off + FEC_HEADER_SIZE_PLUS2 + KCP_SN_OFFSET);
        convKnown = true;
      }
    } else {
      conv = buf.readUInt32LE(off);
      sn = buf.readUInt32LE(off + KCP_SN_OFFSET);
      convKnown = true;
    }

    if (session !== undefined) {
      if (!convKnown || conv === session.conv) {
        snmp.InPkts++;
        session.inputDecrypted(buf, off, end);
        return;
      }
      if (sn !== 0) {
        snmp.InPkts++;
        snmp.KCPInErrors++;
        return;
      }
      session.close();
      session = undefined;
    }
    snmp.InPkts++;
    if (!convKnown) return;
    if (this.sessions.size >= this.options.maxSessions) {
      snmp.InErrs++;
      return;
    }
    session = new KcpSession(conv, this.options, new ListenerLink(this, key, address, port), false);
    this.sessions.set(key, session);
    session.inputDecrypted(buf, off, end);
    if (!session.closed) this.onSession(session);
  }
}
