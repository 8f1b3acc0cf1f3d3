import type dgram from 'node:dgram';
import { batchOpener, batchSealer } from '../crypt/batch.js';
import type { BatchSealer } from '../crypt/types.js';
import {
  FEC_HEADER_SIZE_PLUS2,
  FEC_TYPE_DATA,
  fecType,
  isFecShard,
  type PeerFecShapes,
} from '../fec/index.js';
import { KCP_MTU_LIMIT, KCP_OVERHEAD, SEG_OFF_SN } from '../kcp/index.js';
import { timeDiff } from '../kcp/time-diff.js';
import { snmp } from '../metrics/snmp.js';
import { nowMs } from './clock.js';
import { transportCounters } from './counters.js';
import { listenFakeTcp } from './fake-tcp.js';
import { bindReusePortSocket, discardQueued } from './reuse-port.js';
import { type DatagramLink, KcpSession, type SessionOptions } from './session.js';
import { bindListenSocket, createUdpIo, formatHostPort } from './udp.js';
import { type UdpIo, type UdpPeer, UNOPENED } from './udp-io.js';

/** Sessions one listener holds at once by default (ListenOptions.maxSessions; kcptun-server's fixed value). */
export const DEFAULT_MAX_SESSIONS = 4096;
/**
 * A session that delivered no data from a proven address (see `proven`) this long after it was opened is
 * closed (ListenOptions.firstDataTimeoutMs).
 */
export const DEFAULT_FIRST_DATA_TIMEOUT_MS = 30_000;
/** The sweep for such sessions runs this many times per timeout, within these bounds. */
const SWEEPS_PER_TIMEOUT = 4;
const MIN_SWEEP_MS = 50;
const MAX_SWEEP_MS = 5_000;
/** At most one "session table full" log line per this period. */
const FULL_LOG_PERIOD_MS = 60_000;

export interface ListenOptions extends SessionOptions {
  sockbuf: number;
  /**
   * Sessions held at once. When the table is full, a datagram that would open another evicts the oldest
   * session that has delivered no data yet; if every session has, the datagram is dropped (InErrs).
   */
  maxSessions: number;
  /**
   * A session that has delivered no data to the layer above within this many ms of being opened is closed
   * (default 30000). KCP has no handshake, so any datagram with a checksum that verifies opens a session:
   * a stray packet after a restart, a replay, a flood from many addresses, a forged source address (whose
   * session counts as delivering only once the peer proved the address: `proven`). A real client delivers its first
   * smux frame within a round trip, and a NOP every -keepalive seconds after that.
   */
  firstDataTimeoutMs?: number;
  /** Where to say that the session table (or -tcp's flow table) is full (at most one line a minute). */
  log?: (message: string) => void;
  /** -tcp: kcptun's fake-TCP transport (fake-tcp.ts) instead of UDP; IPv4, Linux, root. */
  tcp?: boolean;
  /** -dscp of the fake-TCP segments (a UDP listener's socket gets it from its owner, TunnelServer). */
  tcpDscp?: number;
  /**
   * Join the port's SO_REUSEPORT group (reuse-port.ts), for a server with -workers: each worker's listener
   * binds the same port and the kernel spreads peers over them. Linux with koffi only (reusePortSupport).
   * Such a listener drops every datagram until admit() says the group is complete.
   */
  reusePort?: boolean;
  /**
   * A server's memory of the FEC shape each client host sends (fec/peer-shape.ts): a session opened for a
   * host sends and decodes in the shape the host's earlier sessions showed.
   */
  peerFecShapes?: PeerFecShapes;
}

/** A server session's route back: the listener's socket, to the address the session came from. */
class ListenerLink implements DatagramLink {
  readonly remote: string;

  constructor(
    private readonly listener: KcpListener,
    readonly key: number | string,
    private readonly peer: UdpPeer,
  ) {
    this.remote = formatHostPort(peer.address, peer.port);
  }

  claim(): Buffer {
    return this.listener.io.claim();
  }

  send(buf: Buffer, len: number): void {
    this.listener.io.send(buf, len, this.peer);
  }

  get sealer(): BatchSealer | null {
    return this.listener.io.sealer ?? null;
  }

  get receiveFilling(): boolean {
    return this.listener.io.receiveFilling === true;
  }

  get receiveDrops(): number {
    return this.listener.io.receiveDrops ?? 0;
  }

  release(): void {
    this.listener.forget(this);
  }

  reject(session: KcpSession): void {
    this.listener.reject(this.key, session.conv);
  }
}

/** A conversation the layer above rejected: its peer's later datagrams of it are dropped. */
interface Rejected {
  readonly conv: number;
  /** nowMs() of the last datagram of it, for the sweep. */
  lastSeen: number;
}

/**
 * A session that has delivered data, and whose peer has proven its address if data was written to it
 * (KcpSession.awaitsAddressProof; the tunnel's server writes a NOP as each session opens): a datagram with
 * a forged source address also delivers the smux frames it carries, and before the proof such sessions
 * held their slots until smux's keep-alive timeout (60 s) and could not be evicted.
 */
function proven(session: KcpSession): boolean {
  return session.hasDelivered && !session.awaitsAddressProof;
}

/** A table entry: the session, when it was opened, and whether it has delivered data yet. */
class Entry {
  delivered = false;

  constructor(
    readonly session: KcpSession,
    readonly link: ListenerLink,
    readonly openedAt: number,
  ) {}
}

function validateListenOptions(o: ListenOptions): void {
  if (!Number.isInteger(o.maxSessions) || o.maxSessions <= 0) {
    throw new Error(`maxSessions ${o.maxSessions} must be a positive integer`);
  }
  const t = o.firstDataTimeoutMs;
  if (t !== undefined && (!Number.isInteger(t) || t <= 0 || t > 0x7fffffff)) {
    throw new Error(`firstDataTimeoutMs ${t} must be a positive integer number of milliseconds`);
  }
}

/**
 * The server side of kcp-go: one UDP socket, sessions keyed by the peer's ip:port. Any datagram that
 * decrypts and carries a conv from a new address opens a session (KCP has no handshake); a new conv with
 * sn 0 from a known address replaces the old session (the client reconnected from the same port).
 *
 * Bounds against sessions that never become real: the table holds at most maxSessions; a session that
 * has not delivered data within firstDataTimeoutMs is closed by a periodic sweep; a full table makes room
 * by evicting the oldest such session. Whether a session has delivered data it reports itself (hasDelivered),
 * and whether its peer proved its address (addressProven): see `proven`.
 */
export class KcpListener {
  /** Sessions by the sender key of their peer (UdpIo.senderKey). */
  private readonly table = new Map<number | string, Entry>();
  /** Sessions that have not delivered data yet, oldest first (Set keeps insertion order). */
  private readonly undelivered = new Set<Entry>();
  private count = 0;
  private readonly firstDataTimeoutMs: number;
  private readonly sweepTimer: NodeJS.Timeout;
  private closed = false;
  private reclaimed = 0;
  private evicted = 0;
  private refused = 0;
  private rejectedCount = 0;
  /** A SO_REUSEPORT member before its group is complete (admit): no datagram opens or feeds a session. */
  private held: boolean;
  private heldDrops = 0;
  /** Evictions and refusals since the last "table full" line; that line's time (-1 before the first). */
  private fullSinceLog = 0;
  private fullLoggedAt = -1;
  /** Rejected conversations by sender key, oldest first; at most maxSessions of them. */
  private readonly rejected = new Map<number | string, Rejected>();
  /** The sender of the datagram being handled, for the observer (valid during packetInput only). */
  private readonly currentSender = () => this.io.sender();

  private constructor(
    readonly io: UdpIo,
    /** The port listened on. */
    readonly port: number,
    /** The bound address as Go prints a listener's LocalAddr: `[::]:29900`, `127.0.0.1:29900`. */
    readonly localLabel: string,
    /** The UDP socket, or null over -tcp. */
    readonly socket: dgram.Socket | null,
    private readonly options: ListenOptions,
    private readonly onSession: (session: KcpSession) => void,
  ) {
    this.firstDataTimeoutMs = options.firstDataTimeoutMs ?? DEFAULT_FIRST_DATA_TIMEOUT_MS;
    this.held = options.reusePort === true && socket !== null;
    const sweepMs = Math.min(
      MAX_SWEEP_MS,
      Math.max(MIN_SWEEP_MS, Math.floor(this.firstDataTimeoutMs / SWEEPS_PER_TIMEOUT)),
    );
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs).unref();
    this.io.onDatagram = (buf, len, opened, offset) => this.packetInput(buf, len, opened, offset);
    this.io.opener = batchOpener(options.crypt);
    if (this.io.sealer !== undefined) this.io.sealer = batchSealer(options.crypt);
    // Send errors to vanished peers must not take the listener down: they are counted and reported.
    this.io.onError = (err) => {
      if (!this.closed) options.observer?.socketError?.(err, this.localLabel);
    };
  }

  static async listen(
    host: string,
    port: number,
    options: ListenOptions,
    onSession: (session: KcpSession) => void,
  ): Promise<KcpListener> {
    validateListenOptions(options);
    if (options.tcp) {
      const tcp = await listenFakeTcp(host, port, {
        sockbuf: options.sockbuf,
        dscp: options.tcpDscp,
        log: options.log,
      });
      const label = formatHostPort(host === '' ? '0.0.0.0' : host, tcp.port);
      return new KcpListener(tcp.io, tcp.port, label, null, options, onSession);
    }
    const socket = await bindListenSocket(
      host,
      port,
      options.sockbuf,
      options.reusePort ? bindReusePortSocket : undefined,
    );
    const io = createUdpIo(socket, (reason) => options.observer?.ioFallback?.(reason));
    const a = socket.address();
    return new KcpListener(io, a.port, formatHostPort(a.address, a.port), socket, options, onSession);
  }

  /** Datagrams dropped because their conversation was rejected (see KcpSession.reject). */
  get rejectedDatagrams(): number {
    return this.rejectedCount;
  }

  get sessionCount(): number {
    return this.count;
  }

  /** Sessions closed by the sweep because they delivered no data within firstDataTimeoutMs. */
  get reclaimedSessions(): number {
    return this.reclaimed;
  }

  /** Sessions closed to make room in a full table (they had delivered no data yet). */
  get evictedSessions(): number {
    return this.evicted;
  }

  /** Datagrams that would have opened a session while the table was full of sessions that delivered data. */
  get refusedDatagrams(): number {
    return this.refused;
  }

  /**
   * Every member of this listener's SO_REUSEPORT group is bound: open sessions from now on. The kernel's
   * choice of member depends on how many there are, so a peer heard while the group was still growing may
   * now reach another member: a session opened here for it would never hear from it again (and a stream
   * in it would stall) while the other member opened a second one from its later datagrams. So what
   * arrived before, read or still queued, is dropped; KCP's retransmission sends it again to the member
   * that keeps the peer (docs/protocol.md §5.6). Returns how many datagrams were dropped.
   */
  admit(): number {
    if (!this.held || this.socket === null) return 0;
    this.held = false;
    return this.heldDrops + discardQueued(this.socket);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    for (const entry of [...this.table.values()]) entry.session.close();
    this.io.close();
  }

  /** The session behind `link` closed: drop its entry. */
  forget(link: ListenerLink): void {
    const entry = this.table.get(link.key);
    if (entry === undefined || entry.link !== link) return;
    this.table.delete(link.key);
    this.undelivered.delete(entry);
    this.count--;
  }

  /**
   * The layer above rejected the session of `conv` from `key`: drop that peer's further datagrams of it
   * (a retransmission would open the same failing session again, and log again). A new conv from the
   * peer (the client redialled) starts afresh.
   */
  reject(key: number | string, conv: number): void {
    if (this.closed) return;
    this.rejected.delete(key);
    if (this.rejected.size >= this.options.maxSessions) {
      const oldest = this.rejected.keys().next();
      if (!oldest.done) this.rejected.delete(oldest.value);
    }
    this.rejected.set(key, { conv, lastSeen: nowMs() });
  }

  /**
   * A datagram: bytes [offset, offset + len) of `buf`, lent for this call by the I/O, whose sender is
   * io.sender(); `opened`, `offset`: see UdpIo.onDatagram.
   */
  private packetInput(buf: Buffer, len: number, opened: number, offset: number): void {
    if (this.closed) return;
    if (this.held) {
      this.heldDrops++;
      return;
    }
    const crypt = this.options.crypt;
    if (len > KCP_MTU_LIMIT) {
      snmp.InPkts++;
      snmp.InCsumErrors++;
      return;
    }
    const opens = opened === UNOPENED ? crypt.open(buf, len) : opened;
    if (opens < 0) {
      snmp.InPkts++;
      snmp.InCsumErrors++;
      const observer = this.options.observer;
      if (observer !== undefined) {
        const key = this.io.senderKey();
        if (this.table.has(key)) observer.damaged?.(key, this.currentSender);
        else observer.undecryptable?.(key, this.currentSender);
      }
      return;
    }
    const off = offset + crypt.headerSize;
    const end = offset + opens;
    if (end - off < KCP_OVERHEAD) {
      snmp.InPkts++;
      snmp.InErrs++;
      return;
    }

    let conv = 0;
    let sn = 0;
    let convKnown = false;
    const type = fecType(buf, off);
    if (isFecShard(type)) {
      if (type === FEC_TYPE_DATA && end - off >= FEC_HEADER_SIZE_PLUS2 + KCP_OVERHEAD) {
        conv = buf.readUInt32LE(off + FEC_HEADER_SIZE_PLUS2);
        sn = buf.readUInt32LE(off + FEC_HEADER_SIZE_PLUS2 + SEG_OFF_SN);
        convKnown = true;
      }
    } else {
      conv = buf.readUInt32LE(off);
      sn = buf.readUInt32LE(off + SEG_OFF_SN);
      convKnown = true;
    }

    const key = this.io.senderKey();
    const entry = this.table.get(key);
    if (entry !== undefined) {
      const session = entry.session;
      if (!convKnown || conv === session.conv) {
        snmp.InPkts++;
        this.feed(entry, buf, off, end);
        return;
      }
      if (sn !== 0) {
        snmp.InPkts++;
        snmp.KCPInErrors++;
        return;
      }
      session.close();
    }
    snmp.InPkts++;
    if (this.rejected.size > 0 && this.dropRejected(key, conv, convKnown)) return;
    if (!convKnown) return;
    if (this.count >= this.options.maxSessions && !this.makeRoom()) return;
    this.open(conv, key, buf, off, end);
  }

  /** A datagram from a peer whose conversation was rejected: true if it belongs to that conversation (dropped). */
  private dropRejected(key: number | string, conv: number, convKnown: boolean): boolean {
    const r = this.rejected.get(key);
    if (r === undefined) return false;
    if (convKnown && conv !== r.conv) {
      this.rejected.delete(key);
      return false;
    }
    r.lastSeen = nowMs();
    this.rejectedCount++;
    transportCounters.rejectedDatagrams++;
    return true;
  }

  /** Give a datagram to a session, noting the first time the session delivers data. */
  private feed(entry: Entry, buf: Buffer, off: number, end: number): void {
    if (entry.delivered) {
      entry.session.inputDecrypted(buf, off, end);
      return;
    }
    entry.session.inputDecrypted(buf, off, end);
    if (proven(entry.session)) this.markDelivered(entry);
  }

  private open(conv: number, key: number | string, buf: Buffer, off: number, end: number): void {
    const peer = this.io.sender();
    const link = new ListenerLink(this, key, peer);
    const shapes = this.options.peerFecShapes;
    const options =
      shapes === undefined ? this.options : { ...this.options, peerFecShape: shapes.forHost(peer.address) };
    const session = new KcpSession(conv, options, link, { active: false });
    const entry = new Entry(session, link, nowMs());
    this.table.set(key, entry);
    this.count++;
    this.undelivered.add(entry);
    // The layer above attaches in onSession, and that is when the first datagram's data is delivered.
    session.inputDecrypted(buf, off, end);
    if (!session.closed) this.onSession(session);
    if (proven(session)) this.markDelivered(entry);
  }

  private markDelivered(entry: Entry): void {
    entry.delivered = true;
    this.undelivered.delete(entry);
  }

  /** The table is full: evict the oldest session that delivered nothing yet; false if there is none. */
  private makeRoom(): boolean {
    let victim: Entry | undefined;
    for (const entry of this.undelivered) {
      victim = entry;
      break;
    }
    if (victim === undefined) this.refused++;
    else this.evicted++;
    this.reportFull();
    if (victim === undefined) {
      snmp.InErrs++;
      return false;
    }
    victim.session.close();
    return true;
  }

  private reportFull(): void {
    this.fullSinceLog++;
    const log = this.options.log;
    const now = nowMs();
    if (
      log === undefined ||
      (this.fullLoggedAt !== -1 && timeDiff(now, this.fullLoggedAt) < FULL_LOG_PERIOD_MS)
    ) {
      return;
    }
    const first = this.fullLoggedAt === -1;
    this.fullLoggedAt = now;
    const port = this.closed ? '' : ` on port ${this.port}`;
    const since = first ? '' : ` (${this.fullSinceLog} times in the last ${FULL_LOG_PERIOD_MS / 1000} s)`;
    log(
      `session table full${port}: ${this.options.maxSessions} sessions (maxSessions)${since}; ` +
        'new sessions evict those that have delivered no data yet, or are dropped; ' +
        `idle new sessions are closed after ${this.firstDataTimeoutMs} ms`,
    );
    this.fullSinceLog = 0;
  }

  /** Close sessions that have delivered nothing within firstDataTimeoutMs of opening (oldest first). */
  private sweep(): void {
    if (this.closed) return;
    const now = nowMs();
    // A rejected peer that has stopped retransmitting is forgotten after the same delay.
    for (const [key, r] of this.rejected) {
      if (((now - r.lastSeen) | 0) >= this.firstDataTimeoutMs) this.rejected.delete(key);
    }
    if (this.undelivered.size === 0) return;
    const expired: Entry[] = [];
    for (const entry of this.undelivered) {
      if (timeDiff(now, entry.openedAt) < this.firstDataTimeoutMs) break;
      expired.push(entry);
    }
    for (const entry of expired) {
      this.reclaimed++;
      entry.session.close();
    }
  }
}
