import { randomBytes } from 'node:crypto';
import type { BatchSealer, PacketCrypt } from '../crypt/types.js';
import {
  CONFIRM_GROUPS,
  createFallbackFecDecoder,
  FEC_HEADER_SIZE_PLUS2,
  FEC_TYPE_DATA,
  FEC_TYPE_OOB,
  FecDecoder,
  FecEncoder,
  type FecShape,
  fecEnabled,
  fecType,
  isFecShard,
  MAX_TOTAL_SHARDS,
  ParityTuner,
  type PeerFecShape,
} from '../fec/index.js';
import {
  type ControllerEstimates,
  KCP_MTU_LIMIT,
  KCP_MTU_MIN,
  KCP_OVERHEAD,
  Kcp,
  type KcpInputOptions,
} from '../kcp/index.js';
import { timeDiff } from '../kcp/time-diff.js';
import { type SessionQueues, snmp } from '../metrics/snmp.js';
import { AmplificationBudget } from './amplification.js';
import { type AutoTuning, configureAutoKcp, senderLimit } from './auto-kcp.js';
import { CcTrace } from './cc-trace.js';
import type { ByteConnection, ByteSink } from './conn.js';
import { transportCounters } from './counters.js';
import type { TransportObserver } from './observer.js';
import { Pacer } from './pacer.js';
import { BacklogWindow, type BatchReceiver, deliverAtBatchEnd, receiveBatch } from './receive-backlog.js';
import {
  IDLE,
  isParked,
  scheduler as processScheduler,
  type Schedulable,
  type Scheduler,
} from './scheduler.js';
import { UNOPENED } from './udp-io.js';

/**
 * Segments that may wait in KCP for the window before write() asks the layer above to hold off. kcp-go
 * lets the whole window queue up here, where data waits in order behind everything written before it; a
 * short queue keeps the rest in smux, where streams take turns, so an interactive stream's frame is not
 * stuck behind a bulk stream's backlog. The window itself is unaffected: the queue refills in the same
 * event-loop turn that opens it (onDrain is synchronous), before the end-of-turn flush.
 */
const UNSENT_LIMIT = 32;
/**
 * New segments a session sends per event-loop turn (Scheduler.turn: from one end-of-turn flush to the
 * next): one sendmmsg batch. kcp-go flushes at once when an ACK slides the window, and so does Kcp.input;
 * on one thread that lets one recvmmsg batch of ACKs send a whole window (each segment copied, encrypted
 * and queued), and the other sockets (a request on another TCP connection) wait for all of it
 * (docs/bench-tunnel-latency-2026-12-02.md). Past the budget the data stays in snd_queue and smux, and the
 * end-of-turn flush sends the next batch after the poll phase has served the other sockets.
 */
const TURN_SEGMENTS = 64;
/**
 * Wire bytes per KCP byte of the datagrams KCP sends (FEC and crypt headers) are re-measured over about
 * this many bytes. KCP's bytes are its segments, as the controller counts its rate: the room KCP reserves
 * in each datagram for the headers is wire. Counted with that room, the ratio read 1 with kcptun's default
 * crypt (its header fills the room, adding nothing), and the pacer sent 1322 of every 1350 bytes the rate
 * allowed: on the 10 Mbit/s VPS links, whose estimate is the bottleneck's rate, ProbeBW's cruise fed the
 * bottleneck 2 % under it (link traces: 96-98.6 % of the pacing rate sent in the cruise; 8 MiB cold
 * downloads +0.12 and +0.09 Mbit/s once counted right, docs/link-vps-2026-12-05.md). Parity is not in it:
 * the pacer adds the share sent now (parityShare), which a ratio over the last MiB would follow late,
 * pacing past the rate when parity stops.
 */
const WIRE_RATIO_SPAN = 1 << 20;
/**
 * Bytes written below which a -mode auto client session carries only smux control frames (the 8-byte
 * NOP that primes its RTT and a keep-alive every 10 s: ~40 minutes of them; a stream's data is more): it
 * holds its parity while the server's FEC shape is not known, so that it can still take that shape
 * (followFecShape) when another session learns it. Otherwise an idle session sends its first parity after
 * ~10 datagrams (~50 s of keep-alives and ACKs), before the server's ~14 shards in a row (~70 s) show its
 * shape: toward a Go 5/2 server at 5 % loss from the start, idle first, 2 of 4 runs without this broke
 * (docs/interop-fec-shape-2026-12-07-shape34.md).
 */
const CONTROL_ONLY_BYTES = 2048;

/**
 * Whole FEC groups a session's shown shape fills (showShape): one more than the peer's decoder needs in
 * place (CONFIRM_GROUPS), so that a shard or two lost of them still leave it enough: the shows come
 * before any data, and a count short by one waited for the session's next datagrams (a keep-alive 10 s
 * on, or the download's own).
 */
const SHOWN_GROUPS = CONFIRM_GROUPS + 1;

/** KCP and FEC parameters of one session, as kcptun sets them. */
export interface SessionOptions {
  crypt: PacketCrypt;
  dataShards: number;
  parityShards: number;
  mtu: number;
  sndWnd: number;
  rcvWnd: number;
  nodelay: number;
  interval: number;
  resend: number;
  nc: number;
  ackNoDelay: boolean;
  /** -ratelimit: outgoing bytes per second for this session, 0 for none (latest kcptun). */
  rateLimit?: number;
  /**
   * Told what arrives that the peers' settings explain: FEC groups of another shape; through a listener or
   * dialer, also datagrams failing the checksum and socket errors (a closed server port: ECONNREFUSED).
   */
  observer?: TransportObserver;
  /** What drives the session and whose clock it reads; the process-wide scheduler by default. */
  scheduler?: Scheduler;
  /** -mode auto's self-tuning parts; absent: kcptun's fixed behaviour. */
  auto?: AutoTuning | null;
  /**
   * A client's memory of the FEC shape its server sends (fec/peer-shape.ts): with FEC on, the session
   * sends and decodes in the shape learned there, and tells it what its own decoder learns.
   */
  peerFecShape?: PeerFecShape;
  /**
   * A server session's ts offset (Kcp.setTsOffset): a random one by default, unknown to a forger. A test
   * fixes it to compare two runs byte for byte.
   */
  tsOffset?: number;
}

/** Where a session's datagrams go: its own connected socket (client) or the listener's socket (server). */
export interface DatagramLink {
  /** The peer's address, for logs. */
  readonly remote: string;
  /** A buffer of at least KCP_MTU_LIMIT bytes to build the next datagram in (sending it spares a copy). */
  claim(): Buffer;
  /**
   * Send bytes [0, len) of `buf`. A buffer from claim() belongs to the link again afterwards; any other must
   * not be changed later (dgram may still hold it queued).
   */
  send(buf: Buffer, len: number): void;
  /**
   * What the link's I/O seals send batches with (udp-io.ts UdpIo.sealer): datagrams then go to `send`
   * prepared, not sealed. Null where each datagram is sealed alone.
   */
  readonly sealer?: BatchSealer | null;
  /** The link's I/O finds its receive queue filling (udp-io.ts UdpIo.receiveFilling). */
  readonly receiveFilling?: boolean;
  /** Datagrams the link's socket dropped at its full receive buffer so far (udp-io.ts UdpIo.receiveDrops). */
  readonly receiveDrops?: number;
  /** The session is closed: release the socket or the listener's table entry. */
  release(session: KcpSession): void;
  /**
   * The session is closing because the layer above rejected what the peer sent (another protocol): a
   * listener then drops the peer's further datagrams of this conv instead of opening a new session for
   * each retransmission.
   */
  reject?(session: KcpSession): void;
}

/**
 * A session's state and counters at one moment, for the metrics endpoint: read now and then, never on the
 * packet path. Rates are left to the reader (differences of these counters over time).
 */
export interface SessionMetrics {
  readonly conv: number;
  readonly remote: string;
  /** When the session was created, on its scheduler's clock (nowMs() for the process scheduler). */
  readonly openedAt: number;
  /** Application bytes written to / delivered from this session. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Of bytesSent, those the peer has acknowledged. */
  readonly bytesAcked: number;
  /** Datagrams received for this session, and data packets FEC recovered among them. */
  readonly datagramsReceived: number;
  readonly fecRecovered: number;
  /** KCP segments sent for the first time, and retransmitted. */
  readonly segmentsSent: number;
  readonly segmentsRetransmitted: number;
  readonly srtt: number;
  readonly rttvar: number;
  readonly rto: number;
  /** Segments sent and not yet acknowledged cumulatively (snd_nxt − snd_una). */
  readonly inFlight: number;
  readonly sndWnd: number;
  readonly rcvWnd: number;
  /** The peer's last advertised free receive window. */
  readonly rmtWnd: number;
  /** When the last datagram arrived, on the same clock; openedAt if none yet. */
  readonly lastReceivedAt: number;
}

/**
 * The smallest mtu that leaves KCP its own minimum (kcp-go's 50 bytes) once the crypt header and trailer
 * (nonce and checksum, or the GCM nonce and tag) and the FEC header, when FEC is on, are taken from each
 * datagram. Below it KCP could not even carry an ACK beside those headers.
 */
export function minimumMtu(crypt: PacketCrypt, dataShards: number, parityShards: number): number {
  const fec = fecEnabled(dataShards, parityShards) ? FEC_HEADER_SIZE_PLUS2 : 0;
  return KCP_MTU_MIN + crypt.headerSize + crypt.trailerSize + fec;
}

/** One number for a (dataShards, parityShards) pair, to compare shapes without an object per packet. */
function fecShapeKey(dataShards: number, parityShards: number): number {
  return dataShards * 256 + parityShards;
}

/** Reject option values that kcp-go would refuse or misbehave on, naming the option. */
export function validateSessionOptions(o: SessionOptions): void {
  if (!Number.isInteger(o.dataShards) || o.dataShards < 0) {
    throw new RangeError(`dataShards ${o.dataShards} must be a non-negative integer`);
  }
  if (!Number.isInteger(o.parityShards) || o.parityShards < 0) {
    throw new RangeError(`parityShards ${o.parityShards} must be a non-negative integer`);
  }
  if (o.dataShards + o.parityShards > MAX_TOTAL_SHARDS) {
    throw new RangeError(
      `dataShards + parityShards = ${o.dataShards + o.parityShards}: at most ${MAX_TOTAL_SHARDS} shards per group`,
    );
  }
  const minMtu = minimumMtu(o.crypt, o.dataShards, o.parityShards);
  if (!Number.isInteger(o.mtu) || o.mtu < minMtu || o.mtu > KCP_MTU_LIMIT) {
    throw new RangeError(
      `mtu ${o.mtu} must be an integer between ${minMtu} and ${KCP_MTU_LIMIT} (the minimum leaves KCP ${KCP_MTU_MIN} bytes beside the crypt ${o.crypt.name} and FEC headers)`,
    );
  }
  if (!Number.isInteger(o.sndWnd) || o.sndWnd <= 0) throw new Error(`sndwnd ${o.sndWnd} must be positive`);
  if (!Number.isInteger(o.rcvWnd) || o.rcvWnd <= 0) throw new Error(`rcvwnd ${o.rcvWnd} must be positive`);
}

/**
 * One KCP conversation over UDP, seen from above as a ByteConnection: datagrams are decrypted,
 * FEC-decoded and fed to KCP; written bytes go through KCP, FEC and the cipher to the link.
 * Driven by a Scheduler (the process-wide one unless options name another); nothing here owns a timer
 * or a socket.
 */
export class KcpSession implements ByteConnection, Schedulable, SessionQueues, BatchReceiver {
  dueAt = -1;
  closed = false;
  readonly conv: number;
  private readonly kcp: Kcp;
  private readonly crypt: PacketCrypt;
  /** null without FEC, and under -mode auto once the peer has shown it sends without (dropFec). */
  private fecEncoder: FecEncoder | null;
  private fecDecoder: FecDecoder | null;
  /** Kcp.input options for received and for FEC-recovered payloads, built once. */
  private readonly regularInput: KcpInputOptions;
  private readonly recoveredInput: KcpInputOptions;
  private readonly ackClock: number;
  private sink: ByteSink | null = null;
  private paused = false;
  private writeBlocked = false;
  private flushRequested = false;
  /** Delivery waits for the end of the receive batch being delivered (receive-backlog.ts). */
  private deliveryDeferred = false;
  /** Some application data has reached the layer above: a real peer, not a stray or forged packet. */
  hasDelivered = false;
  /** -ratelimit's fixed rate, or the congestion controller's pacing rate capped by it. */
  private readonly pacer: Pacer | null;
  private readonly rateLimit: number;
  private readonly datagramBytes: number;
  /** -mode auto: parity per group follows the measured loss. */
  private parityTuner: ParityTuner | null;
  /** -mode auto's debug trace (KCPTUN_CC_TRACE), null when off. */
  private readonly ccTrace: CcTrace | null;
  /** `now` of the work in progress (input or flush), for the pacer's accounting of each datagram. */
  private now = 0;
  /** The last datagram KCP output, as a view of its buffer (outputView). */
  private kcpOutput: Buffer = Buffer.alloc(0);
  /** KCP bytes handed to FEC/crypt and the wire bytes they became, for pacing in wire bytes. */
  private kcpBytes = 0;
  private wireBytes = 0;
  /** Per-session counters for the metrics endpoint: one addition per write, read or datagram. */
  private readonly openedAt: number;
  private lastReceivedAt: number;
  private bytesSent = 0;
  private bytesReceived = 0;
  private readonly options: SessionOptions;
  /** The decoder's shape when created, and whether its adapting to another one was reported. */
  private fecCreatedShape = 0;
  private fecShapeReported = false;
  /** The shape this session's FEC groups have on the wire (its encoder's). */
  private fecShape: FecShape;
  /** Where the peer's shape is told, until this session's decoder has shown it (notePeerFecShape). */
  private peerFecShape: PeerFecShape | null;
  /**
   * showFecShape: not asked for, asked for and not sent yet, waiting for the anti-amplification budget (or
   * the proof) ahead of the data it holds back (showShapeIfFinal), sent.
   */
  private shapeShown: 'no' | 'due' | 'deferred' | 'done' = 'no';
  private datagramsReceived = 0;
  private fecRecovered = 0;
  private readonly scheduler: Scheduler;
  /** The scheduler's turn in which kcp.sendBudget was last refilled. */
  private budgetTurn = -1;
  /** New data waits for the end of the receive batch being delivered (holdSends); its budget meanwhile. */
  private sendsHeld = false;
  private heldBudget = 0;
  /** The session's first data was written while its sends were held (see queued); afterBatch sends it. */
  private writtenWhileHeld = false;
  /**
   * The advertised window's cap while datagrams wait in the socket (receive-backlog.ts); null with -mode
   * auto's controller, which keeps its own in-flight data near the path's BDP and whose peer (when it is
   * ours) paces: there a read of many datagrams at once is a burst the path bunched (jitter without
   * reordering, a GRO batch), not a receiver falling behind, and the cut held the jitter profile to
   * 25-35 Mbit/s against 48-53 without it (bench:link, 3 runs each, 2026-12-02).
   */
  private readonly backlog: BacklogWindow | null;
  /**
   * The scheduler may park this session while KCP has nothing to do (parkIfQuiet); not with -mode auto's
   * trace on, which samples every flush.
   */
  private readonly mayPark: boolean;
  /** When parked: the time its next interval flush was due, the start of the grid a wake-up keeps to. */
  private parkedDue = 0;
  /** The receive batch whose first datagram read the clock for this session, and what it read. */
  private clockBatch = -1;
  private batchNow = 0;
  /**
   * A server session's budget while its peer has not proven its address (amplification.ts); null for a
   * client session (it chose the address) and once proven.
   */
  private amplification: AmplificationBudget | null;
  /** The link's receiveDrops at the last flush: a change means our socket dropped since (Kcp.receiveDropAt). */
  private receiveDrops: number;

  constructor(
    conv: number,
    options: SessionOptions,
    private readonly link: DatagramLink,
    { active }: { active: boolean },
  ) {
    validateSessionOptions(options);
    this.options = options;
    this.scheduler = options.scheduler ?? processScheduler;
    this.openedAt = this.scheduler.now();
    this.receiveDrops = link.receiveDrops ?? 0;
    this.lastReceivedAt = this.openedAt;
    this.conv = conv;
    this.crypt = options.crypt;
    this.regularInput = Object.freeze({ ackNoDelay: options.ackNoDelay });
    this.recoveredInput = Object.freeze({ ackNoDelay: options.ackNoDelay, recovered: true });
    // An ACK is a bare segment header: an mtu's worth of them is what one datagram carries.
    this.ackClock = Math.floor(options.mtu / KCP_OVERHEAD);
    const fecOn = fecEnabled(options.dataShards, options.parityShards);
    const headerSize = this.crypt.headerSize + (fecOn ? FEC_HEADER_SIZE_PLUS2 : 0);
    // a client sends the shape its server was seen to send, if known (fec/peer-shape.ts); FEC off stays off
    this.peerFecShape = fecOn ? (options.peerFecShape ?? null) : null;
    const shape = this.peerFecShape?.forNewSession() ?? options;
    this.fecShape = { dataShards: shape.dataShards, parityShards: shape.parityShards };
    this.fecEncoder = fecOn
      ? new FecEncoder(shape.dataShards, shape.parityShards, this.crypt.headerSize, this.crypt.trailerSize)
      : null;
    this.fecDecoder = fecOn ? new FecDecoder(shape.dataShards, shape.parityShards) : null;
    if (fecOn) this.fecCreatedShape = fecShapeKey(shape.dataShards, shape.parityShards);
    this.kcp = new Kcp(conv, this.onKcpOutput);
    this.kcp.reserveBytes(headerSize);
    this.amplification = active ? null : new AmplificationBudget();
    if (!active) this.kcp.sendAllowance = 0; // until the first datagram's bytes arrive
    // what an ACK must echo to prove the address, unguessable from our clock (Kcp.setTsOffset)
    if (!active) this.kcp.setTsOffset(options.tsOffset ?? randomBytes(4).readUInt32LE(0));
    // An AEAD tag follows the payload: shrink KCP's budget so the whole datagram still fits the mtu.
    this.kcp.setMtu(options.mtu - this.crypt.trailerSize);
    this.kcp.outputSlack(this.crypt.trailerSize);
    this.kcp.setNoDelay(options.nodelay, options.interval, options.resend, options.nc);
    this.kcp.setWindowSize(options.sndWnd, options.rcvWnd);
    this.rateLimit = options.rateLimit !== undefined && options.rateLimit > 0 ? options.rateLimit : 0;
    this.datagramBytes = options.mtu;
    const auto = options.auto ?? null;
    this.backlog = auto?.congestion ? null : new BacklogWindow();
    if (auto !== null) configureAutoKcp(this.kcp, auto, conv);
    // kcptun's modes: a timeout waits for the RTO estimated now, which a tuned fast3 window's own queue
    // raises while its first flight waits in it (Kcp.enableCurrentRto)
    else this.kcp.enableCurrentRto();
    this.parityTuner = auto?.fec && this.fecEncoder !== null ? new ParityTuner(shape.parityShards) : null;
    if (this.parityTuner !== null) {
      this.fecEncoder!.parityCount = 0; // until the peer shows FEC (ParityTuner)
      this.fecEncoder!.descendingParity = true; // tells an auto peer that our decoder follows interleaving
    }
    this.now = this.scheduler.now();
    this.pacer =
      this.rateLimit > 0 || auto?.congestion ? new Pacer(this.rateLimit || Infinity, this.now) : null;
    if (this.pacer !== null) this.kcp.setPacingGate(this.pacer);
    // the conv beside the address: a client's -conn sessions share one address at the server
    this.ccTrace = auto?.congestion ? CcTrace.open(`${link.remote}#${conv}`, this.now) : null;
    this.mayPark = this.ccTrace === null;
    snmp.sessionOpened(active, this);
    this.scheduler.add(this);
  }

  /**
   * -mode auto's congestion controller estimates (bandwidth, min RTT, pacing rate, cwnd, ...), read-only;
   * null when the controller is off.
   */
  get congestion(): ControllerEstimates | null {
    return this.kcp.congestion;
  }

  /** The peer's FEC stream has shown its decoder has this end's shape (FecDecoder.peerShapeSame). */
  get peerFecShapeSame(): boolean {
    return this.fecDecoder?.peerShapeSame === true;
  }

  /** Parity datagrams sent per FEC group now (adaptive with -mode auto), 0 without FEC. */
  get parityCount(): number {
    return this.fecEncoder === null ? 0 : this.fecEncoder.parityCount;
  }

  /** FEC groups this session opened interleaved with another (FecEncoder.interleave), since the start. */
  get fecInterleavedGroups(): number {
    return this.fecEncoder === null ? 0 : this.fecEncoder.interleavedGroups;
  }

  /** Whether this session re-acknowledges: its peer showed it is ours (src/kcp/re-ack.ts). */
  get reAcknowledges(): boolean {
    return this.kcp.reAcks;
  }

  /** The peer's address, for logs. */
  get remoteLabel(): string {
    return this.link.remote;
  }

  get sndQueueLength(): number {
    return this.kcp.unsent;
  }
  get sndBufLength(): number {
    return this.kcp.waitSnd - this.kcp.unsent;
  }
  get rcvQueueLength(): number {
    return this.kcp.rcvQueueLength;
  }
  get fecQueuedGroups(): number {
    return this.fecDecoder === null ? 0 : this.fecDecoder.queuedGroups;
  }

  /** This session's state and counters now; see SessionMetrics. */
  metrics(): SessionMetrics {
    const kcp = this.kcp;
    return {
      conv: this.conv,
      remote: this.link.remote,
      openedAt: this.openedAt,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      bytesAcked: this.closed ? this.bytesSent : this.bytesSent - kcp.unackedBytes,
      datagramsReceived: this.datagramsReceived,
      fecRecovered: this.fecRecovered,
      segmentsSent: kcp.sndNxt,
      segmentsRetransmitted: kcp.retransmittedSegs,
      srtt: kcp.srtt,
      rttvar: kcp.rttvar,
      rto: kcp.rto,
      inFlight: (kcp.sndNxt - kcp.sndUna) >>> 0,
      sndWnd: kcp.sndWnd,
      rcvWnd: kcp.rcvWnd,
      rmtWnd: kcp.rmtWnd,
      lastReceivedAt: this.lastReceivedAt,
    };
  }

  attach(sink: ByteSink): void {
    this.sink = sink;
    this.deliver();
    // reading may have reopened a full receive window: the next interval flush tells the peer
    this.wake(this.scheduler.now());
  }

  write(data: Buffer): boolean {
    if (this.closed) return false;
    const idle = this.isIdle();
    this.kcp.send(data);
    return this.queued(data.length, idle);
  }

  writeParts(head: Buffer, body: Buffer): boolean {
    if (this.closed) return false;
    const idle = this.isIdle();
    this.kcp.send(head);
    this.kcp.send(body);
    return this.queued(head.length + body.length, idle);
  }

  /** Nothing queued or in flight: a write now starts a request (a keystroke, a probe) rather than a burst. */
  private isIdle(): boolean {
    return this.kcp.waitSnd === 0;
  }

  /**
   * `bytes` went to KCP's send queue: flush now or at the end of the turn; false when the queue is full.
   * The session's first data, written while the receive batch being delivered holds its sends (holdSends),
   * waits for afterBatch, which sends it in the batch's sendmmsg as a flush now would have, and with the
   * ACKs the batch owes: a flush now could only send those ACKs, in a datagram of their own. That is a
   * server session opening on a client's first datagram and writing the RTT-priming NOP (rtt-prime.ts):
   * one datagram instead of two per session.
   */
  private queued(bytes: number, idle: boolean): boolean {
    snmp.BytesSent += bytes;
    this.bytesSent += bytes;
    const first = idle && this.sendsHeld && this.kcp.sndNxt === 0;
    if (first) this.writtenWhileHeld = true;
    if (!(idle && (first || this.scheduler.flushNow(this))) && !this.flushRequested) {
      this.flushRequested = true;
      this.scheduler.requestFlush(this);
    }
    if (this.sendQueueFull()) {
      this.writeBlocked = true;
      return false;
    }
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.deliver();
    // Reading may have reopened our receive window; the flush carries the window update.
    this.requestFlushOnce();
  }

  /**
   * Close because the layer above found the peer speaks another protocol (a configuration mismatch), or
   * mark the session just closed for that reason: its retransmissions of this conv are then dropped by a
   * listener, not turned into new sessions.
   */
  reject(): void {
    // Also right after close: the layer above learns why only once the connection below it has closed.
    this.link.reject?.(this);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.remove(this);
    this.link.release(this);
    this.kcp.release();
    snmp.sessionClosed(this);
    const sink = this.sink;
    this.sink = null;
    sink?.onClose();
  }

  /**
   * A datagram from the peer: bytes [offset, offset + len) of `buf`, ours to decrypt in place but only for
   * this call; `opened`, `offset`: see UdpIo.onDatagram.
   */
  input(buf: Buffer, len: number, opened: number = UNOPENED, offset = 0): void {
    snmp.InPkts++;
    if (this.closed) return;
    if (len > KCP_MTU_LIMIT) {
      // kcp-go reads into KCP_MTU_LIMIT-byte buffers: a longer datagram is truncated and fails its checksum.
      snmp.InCsumErrors++;
      return;
    }
    const end = opened === UNOPENED ? this.crypt.open(buf, len) : opened;
    if (end < 0) {
      snmp.InCsumErrors++;
      return;
    }
    this.inputDecrypted(buf, offset + this.crypt.headerSize, offset + end);
  }

  /** A datagram already decrypted and verified (the listener does that to read the conv): payload at [offset, end). */
  inputDecrypted(buf: Buffer, offset: number, end: number): void {
    if (this.closed) return;
    const n = end - offset;
    if (n < KCP_OVERHEAD) {
      snmp.InErrs++;
      return;
    }
    snmp.InBytes += n;
    if (this.amplification !== null) this.receivedUnproven(n);
    const now = this.receivedAt();
    this.datagramsReceived++;
    this.lastReceivedAt = now;
    this.now = now;
    if (this.backlog !== null && receiveBatch.active) {
      const kcp = this.kcp;
      kcp.wndCap = this.backlog.onDatagram(
        receiveBatch.serial,
        receiveBatch.backlogged,
        kcp.rcvNxt,
        kcp.rcvWnd,
      );
    }
    // In a batched receive, what the batch's datagrams complete is handed up once, at its end (endOfBatch),
    // and new data their ACKs let out is sent after that (afterBatch).
    if (receiveBatch.active && !this.deliveryDeferred) {
      this.deliveryDeferred = true;
      this.holdSends();
      deliverAtBatchEnd(this);
    }
    const type = fecType(buf, offset);
    if (isFecShard(type)) {
      // A side with FEC off still understands the peer's FEC packets (kcp-go creates a (1,1) decoder lazily).
      if (this.fecDecoder === null) {
        this.fecDecoder = createFallbackFecDecoder();
        this.fecCreatedShape = fecShapeKey(this.fecDecoder.dataShards, this.fecDecoder.parityShards);
      }
      const decoder = this.fecDecoder;
      // the FEC header's seqid, in groups of the decoder's shape (the peer's, once its autotune locked)
      this.kcp.onPeerSeqid(buf.readUInt32LE(offset), now, decoder.dataShards, decoder.parityShards);
      const recovered = decoder.decode(buf, offset, end, now);
      // a peer of ours (it marks its parity) reads re-acknowledgements; a Go peer never gets them (re-ack.ts)
      if (decoder.peerMarksParity && !this.kcp.reAcks) this.kcp.enableReAcks();
      this.fecRecovered += recovered;
      const shape = fecShapeKey(decoder.dataShards, decoder.parityShards);
      if (shape !== this.fecCreatedShape && !this.fecShapeReported) this.reportFecShape(decoder);
      if (this.peerFecShape !== null) this.notePeerFecShape(decoder, shape);
      if (this.parityTuner !== null) {
        this.parityTuner.peerSendsFec();
        this.parityTuner.peerShape(decoder.peerShapeSame, this.kcp.transmissions);
      }
      if (type === FEC_TYPE_DATA)
        this.kcpInput(buf, offset + FEC_HEADER_SIZE_PLUS2, n - FEC_HEADER_SIZE_PLUS2, now, this.regularInput);
      for (let i = 0; i < recovered; i++) {
        const r = decoder.recovered[i];
        this.kcpInput(r, 0, r.length, now, this.recoveredInput);
      }
    } else if (type === FEC_TYPE_OOB) {
      snmp.OOBPackets++; // the latest kcp-go's out-of-band packets: kcptun never sends them
    } else if (this.kcpInput(buf, offset, n, now, this.regularInput) && this.parityTuner?.peerFec === false) {
      this.dropFec();
    }
    if (this.closed) return;
    this.wake(now);
    // proven by this datagram's ACK: what the budget held goes out now, not at the next interval flush
    if (this.amplification !== null && !this.unproven()) this.requestFlushOnce();
    // the flush an ACK that slid the window ran in Kcp.input held new data back too (the trace's time columns)
    if (this.ccTrace !== null) this.ccTrace.sample(now, this.kcp, this.parityCount, this.pacer);
    // ACK clocking (the latest kcp-go does it too): once a datagram's worth of ACKs is queued, send them at
    // the end of this event-loop turn instead of waiting for the interval, so the sender's window keeps
    // sliding and its RTO never fires for segments that did arrive.
    // The send budget ran out in an ACK-driven flush: the end-of-turn flush sends the next batch (a held
    // one ends at afterBatch, which sees to it).
    if (this.kcp.pendingAcks >= this.ackClock || (this.kcp.budgetSpent && !this.sendsHeld))
      this.requestFlushOnce();
    // an ACK-triggered flush ran out of pacing budget: come back when the bucket refills
    if (this.kcp.paced) this.scheduler.advance(this, (now + this.pacer!.delay()) >>> 0);
    if (!receiveBatch.active) this.deliver();
    this.checkDrain();
  }

  /**
   * Until afterBatch, the flush an ACK sets off in Kcp.input sends the ACKs and what is due again, but moves
   * no new segment into the window. A bulk session's ACKs let out up to TURN_SEGMENTS new datagrams, each
   * copied, FEC-encoded and sealed: 0.3 ms p50 (0.57 p90) of a recvmmsg batch under an unpaced download, and a
   * request that came in the same batch on another session (-mode auto's) or behind them on the same one
   * waited for all of it before it was handed up (docs/bench-tunnel-latency-2026-12-06.md). The datagrams
   * leave in the batch's sendmmsg either way (mmsg-io.ts flushes the outbox after the batch).
   */
  private holdSends(): void {
    this.sendsHeld = true;
    this.heldBudget = this.kcp.sendBudget;
    this.kcp.sendBudget = 0;
  }

  /**
   * The clock for a datagram just received. Without a congestion controller, once per receive batch: its
   * datagrams were read in one call, delivering them takes well under a millisecond (KCP's clock unit), and
   * a clock read per datagram (~80 ns) was 1.1-1.6 % of a warm bulk transfer's busy time
   * (docs/bench-tunnel-cpu-2026-12-05.md). -mode auto's controller times its rate samples from each ACK's
   * arrival (docs/link-rate-samples-2026-12-05.md): read per datagram there.
   */
  private receivedAt(): number {
    if (!receiveBatch.active || this.kcp.congestion !== null) return this.scheduler.now();
    if (this.clockBatch !== receiveBatch.serial) {
      this.clockBatch = receiveBatch.serial;
      this.batchNow = this.scheduler.now();
    }
    return this.batchNow;
  }

  /** The receive batch this session's datagrams came in has been delivered: hand up what they completed. */
  endOfBatch(): void {
    this.deliveryDeferred = false;
    this.deliver();
  }

  /** Every session of the batch has handed up its data: send what the batch's ACKs let out (holdSends). */
  afterBatch(): void {
    if (!this.sendsHeld) return;
    this.sendsHeld = false;
    this.kcp.sendBudget = this.heldBudget;
    const written = this.writtenWhileHeld;
    this.writtenWhileHeld = false;
    if (this.closed || !(this.kcp.budgetSpent || written)) return;
    const now = this.now;
    this.flushKcp(now);
    if (this.kcp.paced) this.scheduler.advance(this, (now + this.pacer!.delay()) >>> 0);
    this.continueNextTurn();
    this.checkDrain();
  }

  update(now: number): number {
    if (this.ccTrace !== null) this.ccTrace.wake(timeDiff(now, this.dueAt));
    const wait = this.flushKcp(now);
    this.continueNextTurn();
    this.checkDrain();
    return this.parkIfQuiet(now, wait);
  }

  flushPending(now: number): void {
    this.flushRequested = false;
    if (this.closed) return;
    const wait = this.flushKcp(now);
    // a parked session stays parked if the flush left nothing to do
    if (!this.quiet()) this.scheduler.advance(this, (now + Math.max(1, wait)) >>> 0);
    this.continueNextTurn();
    this.checkDrain();
  }

  /**
   * Just after a flush: nothing queued, in flight or to acknowledge, and the peer's window open (else KCP
   * probes it on a timer), so interval flushes would send nothing until a datagram or a write arrives.
   * Of the 1000-session server's 196 000-268 000 interval flushes over the echo, 89-91 % found their
   * session so (docs/bench-tunnel-sessions-2026-12-05-2.md); kcp-go flushes them all.
   */
  private quiet(): boolean {
    const kcp = this.kcp;
    if (!(this.mayPark && kcp.waitSnd === 0 && kcp.pendingAcks === 0 && kcp.rmtWnd !== 0)) return false;
    // -mode auto: a quiet session's interval flushes change nothing in the controller (it counts the time;
    // its estimates move with ACKs) nor in the pacer (one refill over the gap comes to what one per flush
    // does); the parity tuner's state and answer and the encoder's interleaving must not change with time
    // alone (ParityTuner.settled): an ACK-only flush (-acknodelay) of a parked session uses them.
    const tuner = this.parityTuner;
    return (
      tuner === null || (!this.fecEncoder!.interleave && tuner.settled(kcp.transmissions, this.now, kcp.srtt))
    );
  }

  /**
   * update's answer: IDLE when quiet (the scheduler parks the session until wake), else `wait`. A parked
   * session also lets go of the FEC groups its peer has closed (FecDecoder.dropClosedGroups): no later
   * datagram drives their expiry.
   */
  private parkIfQuiet(now: number, wait: number): number {
    if (this.closed || !this.quiet() || !this.scheduler.mayPark) return wait;
    this.parkedDue = (now + Math.max(1, wait)) >>> 0;
    this.fecDecoder?.dropClosedGroups();
    return IDLE;
  }

  /**
   * A datagram arrived: a parked session is driven again from its next interval flush on the grid it
   * left, so the ACKs it now owes leave when they would have without parking (a wake-up at once would
   * send one ACK datagram per turn, a full interval later would delay every ACK by the most).
   */
  private wake(now: number): void {
    if (!isParked(this)) return;
    const late = timeDiff(now, this.parkedDue);
    const interval = this.kcp.interval;
    // `| 0` rather than Math.ceil (see BacklogWindow.onDatagram): 0 < late < 2^31
    const due =
      late <= 0 ? this.parkedDue : this.parkedDue + (((late + interval - 1) / interval) | 0) * interval;
    this.scheduler.advance(this, due >>> 0);
  }

  /** The flush stopped at its send budget with data waiting: the next turn's end-of-turn flush goes on. */
  private continueNextTurn(): void {
    if (this.kcp.budgetSpent) this.requestFlushOnce();
  }

  /** One KCP flush with the pacer and the parity count brought up to date; returns ms until the next. */
  private flushKcp(now: number): number {
    this.now = now;
    const pacer = this.pacer;
    const cc = this.kcp.congestion;
    // before the parity count: whether the writer holds more tells the last flight (senderLimit)
    this.kcp.backlogged = this.writeBlocked;
    if (this.parityTuner !== null) {
      const encoder = this.fecEncoder!;
      const limit = senderLimit(this.kcp);
      // loss the link caused: a retransmission the peer's ACK showed needless (a stall past the RTO, which
      // a loaded machine or a peer's late ACK flush causes) is no reason for parity
      encoder.parityCount = this.parityTuner.update(
        this.kcp.transmissions,
        this.kcp.retransmittedSegs - this.kcp.spuriousRetransmits,
        now,
        this.kcp.srtt,
        limit,
        cc?.loadedRtt ?? 0,
      );
      if (this.mayFollowFecShape()) encoder.parityCount = 0;
      // interleaved groups only toward a decoder known to follow them, and while sending data: a stream of
      // ACKs keeps its datagrams in order for the peer's lost-ACK rule (PeerDatagramGaps); not in a first
      // flight still judged by its ACKs' rate (the controller's firstFlightPending): an interleaved group's
      // repairs come with its last parity, later, and spread the flight's ACKs like a slower bottleneck
      // (toward a peer whose marks were known before the download: link-sim, 100 ms/5 %/50 Mbit/s,
      // Startup ended at 23-30 Mbit/s in 9 of 32 seeds, 3 of 32 without; -0.46 Mbit/s, SE 0.21)
      encoder.interleave =
        limit !== 'out-of-data' &&
        this.fecDecoder?.peerMarksParity === true &&
        cc?.firstFlightPending !== true;
      encoder.descendingParity = this.marksParity(encoder);
    }
    const share = this.parityShare();
    this.kcp.setParityShare(share);
    if (pacer !== null && cc !== null) {
      // the controller's rate is in KCP bytes of data; the bucket counts what the wire carries for them,
      // their headers and the parity sent with them
      const rate = cc.pacingRate;
      const ratio = this.kcpBytes > 0 ? this.wireBytes / this.kcpBytes : 1;
      pacer.follow(
        rate > 0 ? (rate * ratio) / (1 - share) : Infinity,
        this.datagramBytes,
        this.rateLimit,
        now,
      );
    }
    const turn = this.scheduler.turn;
    if (turn !== this.budgetTurn) {
      this.budgetTurn = turn;
      if (this.sendsHeld) this.heldBudget = TURN_SEGMENTS;
      else this.kcp.sendBudget = TURN_SEGMENTS;
    }
    this.kcp.holdTimeouts = this.link.receiveFilling === true;
    const drops = this.link.receiveDrops ?? 0;
    if (drops !== this.receiveDrops) {
      this.receiveDrops = drops;
      this.kcp.receiveDropAt = now;
    }
    // Most interval flushes of a session waiting on its peer's ACKs find nothing owed, unsent or due (in a
    // 400-session echo at -mode auto, 89 % of them sent nothing: docs/bench-tunnel-sessions-2026-12-06-
    // sessions27.md); KCP's flush is left out of those, its wait is Kcp.idleWait's.
    // a show the budget deferred goes ahead of this flush's data, which waited for it (showShapeIfFinal)
    if (this.shapeShown === 'deferred' && this.showAffordable(this.fecEncoder!))
      this.showShape(this.fecEncoder!);
    const idle = this.kcp.idleWait(now);
    const wait = idle >= 0 ? idle : this.kcp.flush(false, now);
    // after KCP's datagrams: the shown groups would hold the RTT-priming NOP and the ACK of the peer's
    // behind them (~40 datagrams, ~14 ms at 2 Mbit/s each way), and the controller's first RTT sample is
    // the baseline its Startup judges the queue by
    if (this.shapeShown === 'due' && this.parityTuner !== null) this.showShapeIfFinal(this.fecEncoder!);
    if (this.parityTuner !== null && senderLimit(this.kcp) === 'out-of-data') this.drainParity();
    if (this.ccTrace !== null) this.ccTrace.sample(now, this.kcp, this.parityCount, this.pacer);
    return this.kcp.paced ? Math.min(wait, pacer!.delay()) : wait;
  }

  /**
   * -mode auto's sessions show their FEC shape as they start (see showShape): called by the tunnel's client
   * and server beside their RTT prime (src/tunnel/rtt-prime.ts). Nothing without adaptive FEC.
   */
  showFecShape(): void {
    if (this.parityTuner !== null && this.shapeShown === 'no') this.shapeShown = 'due';
  }

  /**
   * A shown shape is the one this session sends from then on: its groups' parity fixes it (followFecShape
   * takes no other after parity went out). So a client session that may still take the server's shape
   * (mayFollowFecShape: idle, the server's not known) shows nothing yet; the server's own shown groups let
   * its decoder learn that shape a round trip in (PeerFecShape.learn), and it shows the shape it then sends.
   * Toward a peer that shows nothing (Go's server) that comes late or not at all, as the shape does. Once
   * the peer's stream data arrives (a download's first flight is under way) the show would come too late
   * to help the peer's first flight and is dropped.
   */
  private showShapeIfFinal(encoder: FecEncoder): void {
    if (this.bytesReceived >= CONTROL_ONLY_BYTES) this.shapeShown = 'done';
    else if (this.parityTuner!.peerFec && !encoder.interleave && !this.mayFollowFecShape()) {
      if (this.showAffordable(encoder)) this.showShape(encoder);
      else this.deferShow();
    }
  }

  /**
   * A server session whose peer has not proven its address and whose budget cannot hold the whole show
   * (amplification.ts): the show waits, and new data waits behind it (Kcp.holdNewData), until the budget
   * holds it or the proof comes; it then goes ahead of that data, as the show goes ahead of a first
   * response where the budget holds it (and did before the budget). A kcp-go decoder of another shape (a
   * Go 5/2 client's) so meets our data only after the show has locked it onto our shape, as before the
   * budget; dropped at the proof, or sent after the held data, the show left it to meet our first groups
   * unlocked, where it rebuilds false shards from our unlike ones (docs/forged-address-2026-12-07-amp37.md).
   */
  private deferShow(): void {
    this.shapeShown = 'deferred';
    this.kcp.holdNewData = true;
  }

  /**
   * Whether the show may go now: always once the peer proved its address; before, if the budget holds all
   * its datagrams (showWireBytes) beside the resends KCP keeps room for (Kcp.resendReserve).
   */
  private showAffordable(encoder: FecEncoder): boolean {
    if (!this.unproven()) return true;
    return this.showWireBytes(encoder) <= this.amplification!.remaining - this.kcp.resendReserve;
  }

  /**
   * The wire bytes of the show (showShape): the WINS datagrams that fill SHOWN_GROUPS groups, and each
   * group's full parity, as long as the group's longest datagram (the open group's may be KCP's).
   */
  private showWireBytes(encoder: FecEncoder): number {
    const wins = this.kcp.reservedBytes + KCP_OVERHEAD;
    const trailer = this.crypt.trailerSize;
    const shards = SHOWN_GROUPS * encoder.dataShards - encoder.openDataShards;
    const firstParity = Math.max(encoder.openGroupLength, wins) + trailer;
    return (
      shards * (wins + trailer) + encoder.parityShards * (firstParity + (SHOWN_GROUPS - 1) * (wins + trailer))
    );
  }

  /**
   * The first flush after the peer's datagrams showed FEC headers (ParityTuner.peerFec: its decoder is one
   * configured for FEC) at which this session's shape is final (showShapeIfFinal): whole groups of this end's shape, with all their parity, until SHOWN_GROUPS of
   * them are complete, their data shards WINS segments (Kcp.writeWindowTell), all alike. The peer's decoder
   * then knows our shape (FecDecoder.peerShapeSame) before the first request, where the stream alone
   * showed it only from the download's ACKs on (two groups of them, ~300 ms into a download on a 2 Mbit/s
   * path), after a short path's blind first flight: toward a peer of unknown shape that flight carries
   * complete groups, 3 parity per 10, and one per group toward a peer known to share our shape
   * (ParityTuner's BLIND_FLIGHT_PARITY; docs/link-first-flight-2026-12-07-flight33.md). Safe toward any
   * decoder: every shard in its place, no seqid gap, and a kcp-go decoder of another shape, before its
   * autotune locks on (which these groups let it do before any data), can only rebuild a shard of a group
   * of like shards as that shard again (every parity row of a kcptun group sums to 1: docs/protocol.md
   * §3.4), a WINS any KCP takes as a window update. ~38 datagrams of ~50 bytes per session. Their parity
   * goes lowest seqid first: they show the shape, not that our decoder follows interleaving
   * (FecDecoder.peerMarksParity), which the stream shows as before; the peer's decoder counts neither
   * order in these groups (its WINDOW_TELL_SHARD). Highest first, a Go 5/2 decoder's second group (our
   * seqids 7-13) holds 5 shards (7, 8, 9, 12, 11) with its data position 3 (seqid 10) missing, and rebuilds
   * it from our first group's unlike shards (the flush's datagrams) before its autotune locks on; in
   * ascending order its positions 0-4 (7-11) are all there first and nothing is rebuilt (Go client's SNMP
   * on loopback: FECErrs 1 against 0, docs/link-first-flight-2026-12-07-flight36.md §4).
   */
  private showShape(encoder: FecEncoder): void {
    this.shapeShown = 'done';
    this.kcp.holdNewData = false;
    const count = encoder.parityCount;
    const descending = encoder.descendingParity;
    encoder.parityCount = encoder.parityShards;
    encoder.descendingParity = false; // the shape only, not the marks (see above)
    const shards = SHOWN_GROUPS * encoder.dataShards - encoder.openDataShards;
    for (let i = 0; i < shards; i++) {
      const pkt = this.link.claim();
      const end = this.kcp.writeWindowTell(pkt);
      const parity = encoder.encode(pkt, end);
      this.seal(pkt, end);
      if (parity > 0) this.sendParity(encoder, parity);
    }
    encoder.parityCount = count;
    encoder.descendingParity = descending;
  }

  /**
   * Whether our groups' parity goes highest seqid first, the mark that tells an auto peer our decoder follows
   * interleaving: not toward a peer that sends another shape and marks nothing (a kcp-go peer of another
   * shape: none of ours marks nothing, and we interleave only toward one that marks). Until its autotune locks
   * onto our shape a kcp-go decoder places our shards in groups of its own shape and rebuilds a data position
   * missing from one with enough shards, from our unlike shards; highest first, our parity fills a group of a
   * Go 5/2 decoder past its data position 3 (seqid 10) before that seqid arrives, and it rebuilds a false
   * shard in nearly every session (Go's SNMP FECErrs 1: its length check caught it where the group held
   * short datagrams; one that does not passes as a segment, docs/forged-address-2026-12-07-amp37.md). Lowest
   * first, in order, every data position is there before a group is whole: nothing is rebuilt without loss.
   */
  private marksParity(encoder: FecEncoder): boolean {
    const decoder = this.fecDecoder;
    if (decoder === null || decoder.peerMarksParity) return true;
    return decoder.dataShards === encoder.dataShards && decoder.parityShards === encoder.parityShards;
  }

  /** Nothing more to send for now: the parity interleaved groups still owe goes out (FecEncoder.drain). */
  private drainParity(): void {
    const encoder = this.fecEncoder!;
    const count = encoder.drain();
    if (count === 0) return;
    const wire = this.sendParity(encoder, count);
    this.pacer?.take(wire, this.now);
  }

  /** The share of the datagrams sent now that are parity (see CongestionController.parityShare). */
  private parityShare(): number {
    const encoder = this.fecEncoder;
    return encoder === null ? 0 : encoder.parityCount / (encoder.dataShards + encoder.parityCount);
  }

  private requestFlushOnce(): void {
    if (this.flushRequested) return;
    this.flushRequested = true;
    this.scheduler.requestFlush(this);
  }

  /** The decoder adopted the peer's group shape: the peers differ in dataShards/parityShards. */
  private reportFecShape(decoder: FecDecoder): void {
    this.fecShapeReported = true;
    this.options.observer?.fecShards?.(
      this.link.remote,
      { dataShards: decoder.dataShards, parityShards: decoder.parityShards },
      this.fecShape,
    );
  }

  /**
   * Tells the client's PeerFecShape the peer's shape once this session's decoder shows it: its autotune
   * locked onto another shape than it was created with, or the peer's stream confirmed that one.
   */
  private notePeerFecShape(decoder: FecDecoder, shape: number): void {
    if (shape === this.fecCreatedShape && !decoder.peerShapeSame) return;
    const memo = this.peerFecShape!;
    this.peerFecShape = null;
    memo.learn({ dataShards: decoder.dataShards, parityShards: decoder.parityShards });
  }

  /**
   * An idle client session, the server's shape not known yet: its groups go without parity, so that it
   * can still take that shape (CONTROL_ONLY_BYTES).
   */
  private mayFollowFecShape(): boolean {
    const memo = this.peerFecShape;
    return memo?.followsOpenSessions === true && memo.known === null && this.bytesSent < CONTROL_ONLY_BYTES;
  }

  /**
   * Send groups of `shape` from the next datagram on, if none of this session's parity has gone out yet
   * (then no decoder can have locked onto its old shape: kcp-go's autotune needs a run of parity shards).
   * The new groups start at the next seqid that is a multiple of the new group size, so every shard
   * after the change sits in its place for a decoder of that shape; the old part-filled group goes
   * without parity, as -mode auto's groups may. Returns whether the shape changed.
   */
  followFecShape(shape: FecShape): boolean {
    const old = this.fecEncoder;
    if (old === null || old.parityEmitted > 0 || this.closed) return false;
    if (shape.dataShards === old.dataShards && shape.parityShards === old.parityShards) return false;
    const encoder = new FecEncoder(
      shape.dataShards,
      shape.parityShards,
      this.crypt.headerSize,
      this.crypt.trailerSize,
    );
    encoder.startAfter(old.nextSeqid);
    this.fecDecoder?.follow(shape.dataShards, shape.parityShards);
    encoder.descendingParity = old.descendingParity;
    this.fecEncoder = encoder;
    this.fecShape = { dataShards: shape.dataShards, parityShards: shape.parityShards };
    if (this.parityTuner !== null) {
      const tuner = new ParityTuner(shape.parityShards);
      if (this.parityTuner.peerFec) tuner.peerSendsFec();
      encoder.parityCount = 0; // until the next flush asks the tuner
      this.parityTuner = tuner;
    }
    return true;
  }

  /** Feeds KCP one datagram's segments; false when KCP refused them (counted) or the session is closed. */
  private kcpInput(buf: Buffer, offset: number, len: number, now: number, options: KcpInputOptions): boolean {
    if (this.closed) return false;
    if (this.kcp.input(buf, offset, len, now, options) === 0) return true;
    snmp.KCPInErrors++;
    return false;
  }

  /**
   * -mode auto toward a peer whose datagrams carry no FEC header (its -datashard 0 -parityshard 0): send as
   * it does, without FEC, since the (1,1) decoder our FEC packets would make it create turns parity into
   * false data (ParityTuner). Nothing needs undoing: no parity went out before this (ParityTuner), and the
   * peer takes datagrams with and without an FEC header alike.
   */
  private dropFec(): void {
    this.fecEncoder = null;
    this.parityTuner = null;
    this.shapeShown = 'done'; // no shape to show
    this.kcp.reserveBytes(this.crypt.headerSize);
    this.options.observer?.peerWithoutFec?.(this.link.remote);
  }

  private deliver(): void {
    while (!this.paused && this.sink !== null) {
      const data = this.kcp.recv();
      if (data === null) return;
      snmp.BytesReceived += data.length;
      this.bytesReceived += data.length;
      this.hasDelivered = true;
      this.sink.onData(data);
    }
  }

  private sendQueueFull(): boolean {
    const kcp = this.kcp;
    return kcp.waitSnd >= Math.min(kcp.sndWnd, kcp.rmtWnd) || kcp.unsent >= UNSENT_LIMIT;
  }

  private checkDrain(): void {
    if (!this.writeBlocked || this.closed) return;
    if (this.sendQueueFull()) return;
    this.writeBlocked = false;
    this.sink?.onDrain();
  }

  /**
   * KCP produced a datagram in its reused buffer: copy it to a send slot, add FEC, seal and send, parity
   * after.
   */
  private readonly onKcpOutput = (buf: Buffer, len: number): void => {
    // past the budget before FEC takes it: a datagram dropped after its seqid would look lost to the peer's
    // decoder, which a kcp-go decoder of another shape may rebuild from unlike shards (sendParity)
    if (this.unproven() && len + this.crypt.trailerSize > this.amplification!.remaining) {
      transportCounters.amplificationDrops++;
      return;
    }
    const pkt = this.link.claim();
    pkt.set(this.outputView(buf, len), 0);
    const encoder = this.fecEncoder;
    const parity = encoder === null ? 0 : encoder.encode(pkt, len);
    const dataWire = this.seal(pkt, len);
    const wire = dataWire + (parity > 0 ? this.sendParity(encoder!, parity) : 0);
    // The pacer charges datagrams with data, their parity included, and holds only data back. ACK-only
    // datagrams follow the peer's sending: charged to -ratelimit (kcp-go limits every packet), not to the
    // controller's rate, or a receiver's ACKs would starve its own requests.
    if (this.pacer !== null && (this.rateLimit > 0 || this.kcp.outputCarriesData))
      this.pacer.take(wire, this.now);
    if (this.kcp.congestion !== null) {
      if (this.kcpBytes >= WIRE_RATIO_SPAN) {
        this.kcpBytes /= 2;
        this.wireBytes /= 2;
      }
      // KCP's bytes as the controller counts them (its segments): `len` holds the room reserved for the
      // FEC and crypt headers too, which the wire carries on top of them
      this.kcpBytes += len - this.kcp.reservedBytes;
      this.wireBytes += dataWire;
    }
  };

  /**
   * The `count` parity datagrams the encoder's last encode or drain gave, each built in the next send slot
   * (claimed once the datagram before it is queued); returns their wire bytes.
   */
  private sendParity(encoder: FecEncoder, count: number): number {
    let wire = 0;
    for (let i = 0; i < count; i++) {
      const slot = this.link.claim();
      const end = encoder.writeParity(i, slot);
      if (this.unproven() && !this.parityAffordable(end)) continue;
      wire += this.seal(slot, end);
    }
    return wire;
  }

  /**
   * Before the proof a group's parity goes as it would after it, within the budget and the resends KCP
   * keeps room for (Kcp.resendReserve): a kcp-go decoder of another shape (a Go 5/2 client's) takes the
   * seqids of unsent parity for lost shards, and where one fell on a data position of its own groups it
   * rebuilt it from our data shards of like length, a segment its KCP took (a near sn, garbage data: a Go
   * client's stream reset or ended short); with the parity it meets what it met before the budget
   * (docs/forged-address-2026-12-07-amp37.md). Past that: not sent, counted
   * (TransportCounters.amplificationDrops), the group's seqids kept.
   */
  private parityAffordable(end: number): boolean {
    const wire = end + this.crypt.trailerSize;
    if (wire <= this.amplification!.remaining - this.kcp.resendReserve) return true;
    transportCounters.amplificationDrops++;
    return false;
  }

  /**
   * KCP's datagram buf[0, len) as a view, kept while KCP's datagrams keep their length (the mtu, in bulk):
   * Buffer#copy of a part of a buffer makes a view of the part on every call.
   */
  private outputView(buf: Buffer, len: number): Buffer {
    const view = this.kcpOutput;
    if (view.length === len && view.buffer === buf.buffer && view.byteOffset === buf.byteOffset) return view;
    this.kcpOutput = buf.subarray(0, len);
    return this.kcpOutput;
  }

  /**
   * Encrypt and send one datagram, or only prepare it when the link's I/O seals its batches; returns its
   * size on the wire. Nothing reads the datagram after this (FEC copied it first).
   */
  private seal(pkt: Buffer, end: number): number {
    if (this.unproven() && !this.amplification!.take(end + this.crypt.trailerSize)) {
      transportCounters.amplificationDrops++;
      return 0;
    }
    const sealer = this.link.sealer;
    const n = sealer == null ? this.crypt.seal(pkt, end) : sealer.prepare(pkt, end);
    snmp.OutPkts++;
    snmp.OutBytes += n;
    this.link.send(pkt, n);
    if (this.amplification !== null) this.updateAllowance();
    return n;
  }

  /** A datagram with `n` bytes after its crypt header from a peer not proven yet: its bytes widen the budget. */
  private receivedUnproven(n: number): void {
    this.amplification!.receive(n + this.crypt.headerSize + this.crypt.trailerSize);
    this.updateAllowance();
  }

  /** KCP's share of the budget left: the KCP bytes one more datagram may carry (Kcp.sendAllowance). */
  private updateAllowance(): void {
    const trailer = this.crypt.trailerSize;
    let room = this.amplification!.remaining;
    const encoder = this.fecEncoder;
    const parity = encoder === null ? 0 : encoder.parityCount;
    // the datagram that completes a group is followed by the group's parity (sendParity), as long as the
    // longer of it and the group's longest: room for both, so that no group goes without it
    if (parity > 0 && encoder!.openDataShards === encoder!.dataShards - 1) {
      const longest = encoder!.openGroupLength + trailer;
      room = Math.min(room - parity * longest, Math.floor(room / (1 + parity)));
    }
    this.kcp.sendAllowance = room - this.kcp.reservedBytes - trailer;
  }

  /**
   * Whether the peer has yet to prove its address (a server session's, amplification.ts): once KCP saw it
   * echo a send (Kcp.peerEchoed) the budget ends for good.
   */
  private unproven(): boolean {
    if (this.amplification === null) return false;
    if (!this.kcp.peerEchoed) return true;
    this.amplification = null;
    this.kcp.sendAllowance = Number.POSITIVE_INFINITY;
    return false;
  }

  /** The peer has shown the address is its own (always for a client session); see unproven. */
  get addressProven(): boolean {
    return !this.unproven();
  }

  /**
   * Data was written toward a peer that has not proven its address: its ACK of that data is the proof
   * (a server that has written nothing cannot have it, and waits for nothing).
   */
  get awaitsAddressProof(): boolean {
    return this.bytesSent > 0 && this.unproven();
  }
}
