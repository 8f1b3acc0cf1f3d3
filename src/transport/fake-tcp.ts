/**
 * kcptun's -tcp transport (xtaci/tcpraw), as a UdpIo so that sessions and the listener run over it
 * unchanged. The client makes a real TCP connection to the server's port; the kernel does the handshake
 * and both kernels keep that connection open, but the KCP datagrams travel as the payload of PSH|ACK
 * segments each end builds itself and sends on a raw socket, with tcpraw's seq/ack rules (tcp-segment.ts),
 * and arrive by reading the raw socket and matching the flow by address and port. The kernels' answers to
 * those segments are dropped by an iptables rule (tcp-rule.ts). Linux and IPv4 only; root or CAP_NET_RAW.
 * Layout and rules: docs/tcp-transport.md.
 */
import net from 'node:net';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { nowMs } from './clock.js';
import { transportCounters } from './counters.js';
import { LogLimiter } from './log-limiter.js';
import { RawTcpSocket, setTtl } from './raw-socket.js';
import { FLOW_SWEEP_MS, Flow, FlowPeer, FlowTable, flowKey, MAX_FLOWS } from './tcp-flows.js';
import { holdRule, removeStaleRules, ruleSpec } from './tcp-rule.js';
import {
  buildSegment,
  ipv4ToNumber,
  ParsedSegment,
  parseIpv4Segment,
  randomWindow,
  type SegmentFields,
  TCP_HEADER_SIZE,
  TCP_PSH,
} from './tcp-segment.js';
import { type UdpIo, type UdpPeer, UNOPENED } from './udp-io.js';

/** The TTL the real connection gets back before it is closed, so that its FIN leaves the host. */
const DEFAULT_TTL = 64;
/** The TTL of the real connection while it is open: what the iptables rule drops. */
const SILENCED_TTL = 1;

function socketFdOf(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** The real connection keeps quiet (TTL 1, dropped by the rule) and its incoming copy of our data is discarded. */
function silence(conn: net.Socket): void {
  setTtl(socketFdOf(conn), SILENCED_TTL);
  conn.on('error', () => {}); // the connection is a decoy: its errors end nothing
  conn.resume();
}

function closeConn(conn: net.Socket): void {
  setTtl(socketFdOf(conn), DEFAULT_TTL);
  conn.destroy();
}

function ipv4Of(address: string, what: string): number {
  const ip = ipv4ToNumber(address);
  if (Number.isNaN(ip)) throw new Error(`-tcp supports IPv4 only: ${what} ${address} is not an IPv4 address`);
  return ip;
}

/** What the client and the server share: the raw socket's packet path, the flows, the send buffer. */
abstract class FakeTcpIo implements UdpIo {
  onDatagram: (buf: Buffer, len: number, opened: number, offset: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  protected closed = false;
  private readonly parsed = new ParsedSegment();
  private current: Flow | null = null;
  /** The outgoing segment: the header at [0, 20), the datagram claimed at [20, ...). */
  private readonly tx = Buffer.allocUnsafe(TCP_HEADER_SIZE + KCP_MTU_LIMIT);
  private readonly txPayload = this.tx.subarray(TCP_HEADER_SIZE);
  private readonly fields: SegmentFields = { srcPort: 0, dstPort: 0, seq: 0, ack: 0, window: 0 };

  protected constructor(
    protected readonly localPort: number,
    private readonly releaseRule: () => void,
  ) {}

  senderKey(): number {
    return this.current!.key;
  }

  sender(): UdpPeer {
    return this.current!.peer;
  }

  claim(): Buffer {
    return this.txPayload;
  }

  send(buf: Buffer, len: number, to?: UdpPeer): void {
    const flow = this.flowFor(to);
    // Before the flow has heard from its peer, seq/ack are unknown: the datagram is lost (tcpraw's rule).
    if (this.closed || flow === null || !flow.heard) return;
    if (buf !== this.txPayload) buf.copy(this.txPayload, 0, 0, len);
    const f = this.fields;
    f.srcPort = this.localPort;
    f.dstPort = flow.remotePort;
    f.seq = flow.sequence.seq;
    f.ack = flow.sequence.ack;
    f.window = randomWindow();
    const n = buildSegment(this.tx, len, f, flow.localIp, flow.remoteIp);
    const failure = this.transmit(flow, this.tx, n);
    flow.sequence.onSend(len);
    // Lost like a datagram the kernel refused (buffer full, no route): KCP retransmits; the owner counts it.
    if (failure !== null)
      this.onError(new Error(`fake-TCP send to ${flow.peer.address}:${flow.remotePort}: ${failure}`));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeSockets();
    this.releaseRule();
  }

  protected abstract flowFor(to: UdpPeer | undefined): Flow | null;
  /** Send a segment; null, or why the kernel refused it. */
  protected abstract transmit(flow: Flow, buf: Buffer, len: number): string | null;
  /** Close the sockets and the flows' real connections. */
  protected abstract closeSockets(): void;
  /** The flow a packet from ip:port belongs to, or null when it is none of ours. */
  protected abstract flowOf(ip: number, port: number): Flow | null;

  /** A packet from the raw socket: track its flow's seq/ack, deliver its payload if the flow is a real one. */
  readonly packetInput = (buf: Buffer, len: number): void => {
    const s = this.parsed;
    if (!parseIpv4Segment(buf, len, s) || s.dstPort !== this.localPort) return;
    const flow = this.flowOf(s.srcIp, s.srcPort);
    if (flow === null) return;
    const payloadLen = s.payloadEnd - s.payloadStart;
    flow.sequence.onReceive(s.flags, s.seq, s.ack, payloadLen);
    flow.localIp = s.dstIp;
    flow.heard = true;
    flow.lastHeard = nowMs();
    // An orphan (no real connection, e.g. a stray after a restart) only has its seq/ack tracked, as in tcpraw.
    if (flow.conn === null || !(s.flags & TCP_PSH) || payloadLen === 0) return;
    buf.copyWithin(0, s.payloadStart, s.payloadEnd);
    this.current = flow;
    this.onDatagram(buf, payloadLen, UNOPENED, 0);
  };
}

/** The client's side: one real connection to the server, one flow, which lives as long as the session. */
class FakeTcpClientIo extends FakeTcpIo {
  constructor(
    private readonly raw: RawTcpSocket,
    private readonly flow: Flow,
    localPort: number,
    releaseRule: () => void,
  ) {
    super(localPort, releaseRule);
  }

  protected flowFor(): Flow | null {
    return this.flow;
  }

  protected flowOf(ip: number, port: number): Flow | null {
    return ip === this.flow.remoteIp && port === this.flow.remotePort ? this.flow : null;
  }

  protected transmit(_flow: Flow, buf: Buffer, len: number): string | null {
    return this.raw.send(buf, len);
  }

  protected closeSockets(): void {
    if (this.flow.conn) closeConn(this.flow.conn);
    this.raw.close();
  }
}

export interface FakeTcpOptions {
  /** -sockbuf for the raw socket; 0 leaves the kernel's default. */
  sockbuf: number;
  /** -dscp for the segments sent; 0 leaves the default. */
  dscp?: number;
  /** The server's log, for the flow table's full line (at most one a minute). */
  log?: (line: string) => void;
}

/**
 * The client's I/O to the server at address:port (IPv4): a raw socket first (so the SYN-ACK is kept for
 * it), then the real connection, silenced by TTL 1 and the iptables rule.
 */
export async function dialFakeTcp(address: string, port: number, options: FakeTcpOptions): Promise<UdpIo> {
  const remoteIp = ipv4Of(address, 'the server address');
  let io: FakeTcpClientIo | null = null;
  const raw = RawTcpSocket.open({ localIp: 0, remoteIp, ...options }, (buf, len) =>
    io?.packetInput(buf, len),
  );
  let conn: net.Socket;
  try {
    conn = await new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect({ host: address, port });
      c.once('connect', () => {
        c.removeListener('error', reject);
        resolve(c);
      });
      c.once('error', reject);
    });
  } catch (err) {
    raw.close();
    throw err;
  }
  silence(conn);
  let releaseRule: () => void;
  try {
    removeStaleRules();
    releaseRule = holdRule(ruleSpec({ dstIp: address, dstPort: port }, process.pid));
  } catch (err) {
    raw.close();
    conn.destroy();
    throw err;
  }
  const flow = new Flow(flowKey(remoteIp, port), remoteIp, port);
  flow.conn = conn;
  flow.localIp = ipv4ToNumber(conn.localAddress ?? '');
  io = new FakeTcpClientIo(raw, flow, conn.localPort ?? 0, releaseRule);
  raw.start();
  return io;
}

/** The server's side: the real listener, a raw socket, flows keyed by the peer's ip:port. */
class FakeTcpServerIo extends FakeTcpIo {
  /** Raw sockets to send from, one per local address replies leave from (the checksum names it). */
  private readonly senders = new Map<number, RawTcpSocket>();
  private readonly flows = new FlowTable((flow) => {
    if (flow.conn) closeConn(flow.conn);
  });
  private readonly sweepTimer = setInterval(() => this.flows.expire(nowMs()), FLOW_SWEEP_MS).unref();
  private readonly limiter: LogLimiter | null;

  constructor(
    private readonly server: net.Server,
    private readonly raw: RawTcpSocket,
    private readonly boundIp: number,
    private readonly options: FakeTcpOptions,
    localPort: number,
    releaseRule: () => void,
  ) {
    super(localPort, releaseRule);
    this.limiter = options.log ? new LogLimiter(options.log) : null;
    server.on('connection', (conn) => this.onConnection(conn));
    server.on('error', () => {}); // accept errors (EMFILE) end no session
    raw.start();
  }

  protected flowFor(to: UdpPeer | undefined): Flow | null {
    return to instanceof FlowPeer ? to.flow : null;
  }

  protected flowOf(ip: number, port: number): Flow | null {
    const flow = this.flows.forPacket(ip, port, nowMs());
    if (flow === null) this.tableFull();
    return flow;
  }

  protected transmit(flow: Flow, buf: Buffer, len: number): string | null {
    return this.senderFor(flow.localIp).send(buf, len, flow.sockaddr);
  }

  protected closeSockets(): void {
    clearInterval(this.sweepTimer);
    this.flows.clear();
    this.server.close();
    this.raw.close();
    for (const s of this.senders.values()) s.close();
    this.senders.clear();
  }

  /** A new peer's packet or connection found the table full: counted, and said once a minute at most. */
  private tableFull(): void {
    transportCounters.tcpFlowDrops++;
    this.limiter?.reportCount('tcp flow table full', this.localPort, this.fullLine);
  }

  /** Made once: a flood's drops run through tableFull per packet. */
  private readonly fullLine = (count: number): string =>
    `-tcp: the flow table of port ${this.localPort} is full (${MAX_FLOWS} flows): ${count} packets or connections of new peers dropped`;

  private onConnection(conn: net.Socket): void {
    if (this.closed) {
      conn.destroy();
      return;
    }
    const ip = ipv4ToNumber(conn.remoteAddress ?? '');
    if (Number.isNaN(ip)) {
      conn.destroy();
      return;
    }
    const flow = this.flows.forConnection(ip, conn.remotePort ?? 0, nowMs());
    if (flow === null) {
      this.tableFull();
      conn.destroy();
      return;
    }
    silence(conn);
    if (flow.conn !== null && flow.conn !== conn) closeConn(flow.conn);
    flow.conn = conn;
    conn.once('close', () => {
      if (flow.conn === conn) flow.conn = null;
    });
  }

  /**
   * The bound socket sends from its address; an unbound listener sends from a socket bound to the address
   * the peer wrote to, so that the source the kernel writes is the one in the checksum.
   */
  private senderFor(localIp: number): RawTcpSocket {
    if (this.boundIp !== 0 || localIp === 0) return this.raw;
    let s = this.senders.get(localIp);
    if (s === undefined) {
      // Never started: it only sends (the copies of packets it receives overflow its buffer and are dropped).
      s = RawTcpSocket.open({ localIp, remoteIp: 0, ...this.options }, () => {});
      this.senders.set(localIp, s);
    }
    return s;
  }
}

/** The server's I/O on host:port (host '' for every IPv4 address): the real listener, silenced replies. */
export async function listenFakeTcp(
  host: string,
  port: number,
  options: FakeTcpOptions,
): Promise<{ io: UdpIo; port: number }> {
  const boundIp = host === '' ? 0 : ipv4Of(host, 'the listen address');
  const server = net.createServer({ pauseOnConnect: false });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host === '' ? '0.0.0.0' : host, port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as net.AddressInfo).port;
  let raw: RawTcpSocket | null = null;
  let releaseRule: () => void;
  let io: FakeTcpServerIo | null = null;
  try {
    raw = RawTcpSocket.open({ localIp: boundIp, remoteIp: 0, ...options }, (buf, len) =>
      io?.packetInput(buf, len),
    );
    removeStaleRules();
    releaseRule = holdRule(ruleSpec({ srcPort: bound }, process.pid));
  } catch (err) {
    raw?.close();
    server.close();
    throw err;
  }
  io = new FakeTcpServerIo(server, raw, boundIp, options, bound, releaseRule);
  return { io, port: bound };
}
