/**
 * Batched datagram I/O on Linux: sendmmsg(2) and recvmmsg(2) through koffi, many datagrams per system call
 * and no JavaScript object per datagram. On the 2-core VM, with 1400-byte datagrams on loopback, dgram
 * costs about 2.7 µs of CPU per datagram sent and 3.5 µs per datagram received; batches of 64 cost about
 * 1.2 and 1.4 µs, most of it the kernel's own work.
 *
 * The socket stays a dgram socket: Node binds, connects and closes it, and libuv's reading is stopped
 * (recvStop) so that datagrams come to us instead. Readiness comes from a libuv poll handle (koffi) on a
 * duplicate of the descriptor: libuv keys its watchers by descriptor number, and the UDP handle keeps the
 * original for the sends it may still queue.
 *
 * Sends gather in a per-socket batch that leaves in one sendmmsg at the end of the callback that produced
 * it (outbox.ts), or at once when the batch is full. When the kernel refuses for lack of buffer (EAGAIN,
 * ENOBUFS), the rest goes through dgram, which queues and waits for the socket to become writable, and
 * later batches follow the same way until that queue has drained, so datagrams keep their order.
 */
import type dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { type BatchOpener, DatagramBatch } from '../crypt/batch.js';
import type { BatchSealer } from '../crypt/types.js';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { transportCounters } from './counters.js';
import {
  CMSG_DATA,
  CMSG_LEN,
  CMSG_LEVEL,
  CMSG_TYPE,
  CONTROL_SIZE,
  enableGro,
  GRO_SLOT_SIZE,
  GSO_CMSG_LEN,
  GSO_REFUSALS,
  gsoRunEnd,
  gsoSupport,
  type RunSource,
  SOL_UDP,
  UDP_GRO,
  UDP_SEGMENT,
} from './gso.js';
import {
  AF_INET,
  errnoName,
  type Libc,
  libc,
  MMSGHDR_SIZE,
  MSG_DONTWAIT,
  type NativePointer,
  type PollHandle,
  pollReadable,
  SIN6_ADDR,
  SOCKADDR_IN_SIZE,
  SOCKADDR_IN6_SIZE,
  SOL_SOCKET,
  socketFd,
  socketHandle,
} from './libc.js';
import { flushOutbox, queueFlush } from './outbox.js';
import { beginReceiveBatch, endReceiveBatch, StandingQueue } from './receive-backlog.js';
import { LATE_TICK_READ_MS, scheduler } from './scheduler.js';
import { type UdpIo, UdpPeer, UNOPENED } from './udp-io.js';

/** Datagrams per system call. */
const BATCH = 64;
/**
 * Batches one readiness callback reads at most while its socket is filling (filling()): 1024 datagrams, so a
 * callback that drains still ends within a few milliseconds and the ACKs of what it read then leave. 64
 * batches from a quarter of the buffer on did not separate from this in the 1000-session echo
 * (docs/bench-tunnel-sessions-2026-12-04.md).
 */
const DRAIN_BATCHES = 16;
/**
 * How long (ms) a late read (readLate) reads on before it lets the flushes run: a read that long is itself a
 * stall to the peer (the gap the scheduler counts as one). A downloading client on a loaded machine needed
 * 7-10 ms per batch, and one late read of DRAIN_BATCHES held 874 ACKs ~110 ms: its sender sat at its
 * in-flight cap with the bottleneck empty, the held ACKs' RTT samples ended Startup early, and each burst
 * of them freed a window at Startup's pacing (docs/link-startup-stalls-2026-12-06-startup25.md). Bounded,
 * the loaded 25 ms downloads' queue drops and probe p99 fell (docs/link-late-read-2026-12-06-lateread26.md).
 */
const LATE_READ_MS = LATE_TICK_READ_MS;
/** A callback reads on while the socket's queue holds at least this share of its receive buffer: half. */
const DRAIN_SHARE_NUM = 1;
const DRAIN_SHARE_DEN = 2;
/** getsockopt(SO_MEMINFO): u32[SK_MEMINFO_VARS], of which the receive queue's memory, the buffer size and the drops. */
const SO_MEMINFO = 55;
const SK_MEMINFO_VARS = 9;
const MEMINFO_RMEM_ALLOC = 0;
const MEMINFO_RCVBUF = 1;
const MEMINFO_DROPS = 8;
/**
 * Bytes per datagram slot: more than KCP_MTU_LIMIT, so a longer datagram arrives truncated yet still longer
 * than KCP_MTU_LIMIT, and is refused like a long one from dgram.
 */
const SLOT_SIZE = 1536;

// struct mmsghdr (MMSGHDR_SIZE), struct msghdr and struct iovec on 64-bit Linux.
const MSG_NAME = 0;
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_CONTROL = 32;
const MSG_CONTROLLEN = 40;
const MSG_LEN = 56;
const IOVEC_SIZE = 16;
const IOV_BASE = 0;
const IOV_LEN = 8;
/** Room for a struct sockaddr_in6 (28 bytes), rounded up. */
const SOCKADDR_SIZE = 32;

const EINTR = 4;
const EAGAIN = 11;
const ENOBUFS = 105;

const TWO_32 = 2 ** 32;

interface BlockShape {
  /** Each message gets a sockaddr (an unconnected socket's peers); else none (connected). */
  withNames: boolean;
  slotSize: number;
  /**
   * Each message gets a control buffer: on receive for GRO's segment size; on send for the GSO runs, which
   * get their own mmsghdr array besides (a run's header points at its first datagram's iovec and name).
   */
  control: 'none' | 'gro' | 'gso';
}

/**
 * BATCH messages in native memory: the mmsghdr array, one iovec, sockaddr and control buffer per message,
 * the datagram slots, and for GSO a second mmsghdr array for runs. Every pointer of the first array is
 * written once here; a call only updates lengths. The Buffer views onto the block (a slot, a name, the
 * headers from message i on) are made on first use and kept: a client has a block per session, and making
 * all 256 of a GSO block's views up front took 138 of the 351 profile samples of dialing a session
 * (docs/bench-tunnel-sessions-2026-12-03.md), while a session that echoes 64 KiB touches a few of them.
 */
class MessageBlock implements RunSource {
  /** The whole block as 32-bit words, for the length fields. */
  readonly words: Uint32Array;
  private readonly memory: ArrayBuffer;
  private readonly fromViews: (Buffer | undefined)[] = new Array(BATCH);
  private readonly runViews: (Buffer | undefined)[] = new Array(BATCH);
  private readonly slotViews: (Buffer | undefined)[] = new Array(BATCH);
  private readonly nameViews: (Buffer | undefined)[] = new Array(BATCH);
  private readonly pointer: NativePointer;
  private readonly base: number;
  private readonly iovecsAt: number;
  private readonly namesAt: number;
  private readonly controlsAt: number;
  private readonly runsAt: number;
  private readonly slotsAt: number;

  constructor(
    private readonly sys: Libc,
    readonly shape: BlockShape,
  ) {
    const { withNames, slotSize, control } = shape;
    this.iovecsAt = BATCH * MMSGHDR_SIZE;
    this.namesAt = this.iovecsAt + BATCH * IOVEC_SIZE;
    this.controlsAt = this.namesAt + BATCH * SOCKADDR_SIZE;
    this.runsAt = this.controlsAt + (control === 'none' ? 0 : BATCH * CONTROL_SIZE);
    this.slotsAt = this.runsAt + (control === 'gso' ? BATCH * MMSGHDR_SIZE : 0);
    const size = this.slotsAt + BATCH * slotSize;
    const pointer = sys.malloc(size);
    if (pointer === null) throw new Error(`mmsg: cannot allocate ${size} bytes for a batch block`);
    this.pointer = pointer;
    this.memory = sys.koffi.view(pointer, size);
    this.base = Number(sys.koffi.address(pointer));
    this.words = new Uint32Array(this.memory);
    // Only the headers are written here: the slots' pages stay untouched (and out of RSS) until used.
    new Uint8Array(this.memory, 0, this.slotsAt).fill(0);
    for (let i = 0; i < BATCH; i++) {
      const header = i * MMSGHDR_SIZE;
      const iovec = this.iovecsAt + i * IOVEC_SIZE;
      this.setPointer(header + MSG_NAME, withNames ? this.namesAt + i * SOCKADDR_SIZE : -1);
      this.setPointer(header + MSG_IOV, iovec);
      this.words[(header + MSG_IOVLEN) >> 2] = 1;
      this.setPointer(iovec + IOV_BASE, this.slotsAt + i * slotSize);
      this.words[(iovec + IOV_LEN) >> 2] = slotSize;
      if (control === 'none') continue;
      const cmsg = this.controlsAt + i * CONTROL_SIZE;
      if (control === 'gro') {
        this.setPointer(header + MSG_CONTROL, cmsg);
        continue;
      }
      this.words[(cmsg + CMSG_LEN) >> 2] = GSO_CMSG_LEN;
      this.words[(cmsg + CMSG_LEVEL) >> 2] = SOL_UDP;
      this.words[(cmsg + CMSG_TYPE) >> 2] = UDP_SEGMENT;
    }
  }

  /** The mmsghdr array from message i on, as passed to the system call. */
  from(i: number): Buffer {
    return this.view(this.fromViews, i, i * MMSGHDR_SIZE, (BATCH - i) * MMSGHDR_SIZE);
  }

  /** The run mmsghdr array from run r on (GSO only). */
  runFrom(r: number): Buffer {
    return this.view(this.runViews, r, this.runsAt + r * MMSGHDR_SIZE, (BATCH - r) * MMSGHDR_SIZE);
  }

  /** Message i's datagram slot. */
  slot(i: number): Buffer {
    const size = this.shape.slotSize;
    return this.view(this.slotViews, i, this.slotsAt + i * size, size);
  }

  /** Message i's sockaddr. */
  name(i: number): Buffer {
    return this.view(this.nameViews, i, this.namesAt + i * SOCKADDR_SIZE, SOCKADDR_SIZE);
  }

  /** views[i], made over [offset, offset + length) of the block the first time it is asked for. */
  private view(views: (Buffer | undefined)[], i: number, offset: number, length: number): Buffer {
    let view = views[i];
    if (view === undefined) {
      view = Buffer.from(this.memory, offset, length);
      views[i] = view;
    }
    return view;
  }

  /** Write the address of block offset `offset` (-1: NULL) at block offset `at`. */
  private setPointer(at: number, offset: number): void {
    const address = offset < 0 ? 0 : this.base + offset;
    this.words[at >> 2] = address % TWO_32;
    this.words[(at >> 2) + 1] = Math.floor(address / TWO_32);
  }

  /** Bytes of message i's datagram (its iovec's length). */
  length(i: number): number {
    return this.words[(this.iovecsAt + i * IOVEC_SIZE + IOV_LEN) >> 2];
  }

  setLength(i: number, len: number): void {
    this.words[(this.iovecsAt + i * IOVEC_SIZE + IOV_LEN) >> 2] = len;
  }

  setNameLength(i: number, len: number): void {
    this.words[(i * MMSGHDR_SIZE + MSG_NAMELEN) >> 2] = len;
  }

  /** Bytes the kernel moved for message i. */
  received(i: number): number {
    return this.words[(i * MMSGHDR_SIZE + MSG_LEN) >> 2];
  }

  samePeer(a: number, b: number): boolean {
    if (!this.shape.withNames) return true;
    const w = this.words;
    const lengthA = w[(a * MMSGHDR_SIZE + MSG_NAMELEN) >> 2];
    if (lengthA !== w[(b * MMSGHDR_SIZE + MSG_NAMELEN) >> 2]) return false;
    const nameA = (this.namesAt + a * SOCKADDR_SIZE) >> 2;
    const nameB = (this.namesAt + b * SOCKADDR_SIZE) >> 2;
    for (let k = 0; k < SOCKADDR_SIZE >> 2; k++) if (w[nameA + k] !== w[nameB + k]) return false;
    return true;
  }

  /** Before a receive: room for message i's control message. */
  resetControl(i: number): void {
    this.words[(i * MMSGHDR_SIZE + MSG_CONTROLLEN) >> 2] = CONTROL_SIZE;
  }

  /** The segment size of received message i if the kernel coalesced it (a UDP_GRO control message), else 0. */
  segmentSize(i: number): number {
    const w = this.words;
    if (w[(i * MMSGHDR_SIZE + MSG_CONTROLLEN) >> 2] < CMSG_DATA + 4) return 0;
    const cmsg = (this.controlsAt + i * CONTROL_SIZE) >> 2;
    const isGro = w[cmsg + (CMSG_LEVEL >> 2)] === SOL_UDP && w[cmsg + (CMSG_TYPE >> 2)] === UDP_GRO;
    return isGro ? w[cmsg + (CMSG_DATA >> 2)] : 0;
  }

  /**
   * Make run r the datagrams [start, start + count), all `count` in one message whose iovecs the kernel
   * joins; with more than one, a UDP_SEGMENT control message tells it where to cut.
   */
  setRun(r: number, start: number, count: number): void {
    const header = this.runsAt + r * MMSGHDR_SIZE;
    const w = this.words;
    if (this.shape.withNames) {
      this.setPointer(header + MSG_NAME, this.namesAt + start * SOCKADDR_SIZE);
      w[(header + MSG_NAMELEN) >> 2] = w[(start * MMSGHDR_SIZE + MSG_NAMELEN) >> 2];
    }
    this.setPointer(header + MSG_IOV, this.iovecsAt + start * IOVEC_SIZE);
    w[(header + MSG_IOVLEN) >> 2] = count;
    const cmsg = this.controlsAt + r * CONTROL_SIZE;
    this.setPointer(header + MSG_CONTROL, count > 1 ? cmsg : -1);
    w[(header + MSG_CONTROLLEN) >> 2] = count > 1 ? CONTROL_SIZE : 0;
    // The segment size is a u16 at CMSG_DATA; the word's upper half is padding (little-endian hosts).
    w[(cmsg + CMSG_DATA) >> 2] = this.length(start);
  }

  free(): void {
    this.sys.free(this.pointer);
  }
}

/** Where recvmmsg writes: one block for the process, since one readiness callback runs at a time. */
let receiveBlock: MessageBlock | null = null;
/**
 * A receive call is being delivered: its datagrams from receiveBlock, then what they completed, handed up by
 * the sessions they reached (endReceiveBatch: KCP's receive queue through snappy and smux, whose readers are
 * then in the middle of the stream). A late read (scheduler.ts's readIfStalled) that anything in there set
 * off would overwrite receiveBlock and feed those readers the stream's next piece before they finish the
 * one they are in (docs/bench-tunnel-stall-2026-12-05-2.md): it is skipped.
 */
let delivering = false;
/** Where the second and later datagrams of a coalesced receive are delivered from, one at a time. */
let segmentBuffer: Buffer | null = null;
/** The datagrams of the receive call being delivered, opened together; one for the process, as receiveBlock. */
const received = new DatagramBatch();
/** The datagrams of the send batch being sealed; one for the process, as `received`. */
const sealing = new DatagramBatch();

class MmsgIo implements UdpIo {
  onDatagram: (buf: Buffer, len: number, opened: number, offset: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  opener: BatchOpener | null = null;
  sealer: BatchSealer | null = null;
  /**
   * Set by each read: a full batch, and the queue still at least half the buffer (filling()); or a late read
   * that stopped at LATE_READ_MS after a full batch (readLate).
   */
  receiveFilling = false;
  /** SO_MEMINFO's drop count at the last filling() (UdpIo.receiveDrops). */
  receiveDrops = 0;
  private readonly tx: MessageBlock;
  private readonly rx: MessageBlock;
  /** Per queued datagram on an unconnected socket: its destination, should it have to go through dgram. */
  private readonly txPeers: (UdpPeer | undefined)[] = new Array(BATCH);
  /** Per GSO run of the batch being sent: its first datagram. */
  private readonly runStarts = new Int32Array(BATCH + 1);
  private count = 0;
  private queued = false;
  /** Some datagrams went through dgram's queue: later ones follow until it has drained. */
  private dgramBacklog = false;
  /** The receive slot being delivered. */
  private current = 0;
  /** The datagrams of this receive call were opened (`received`), by the opener of the time. */
  private opened = false;
  /** GRO: the most datagrams one message held in the last receive call. */
  private perMessage = 1;
  /** How long this socket's queue has stood, for the receive-backlog window. */
  private readonly standing = new StandingQueue();
  /** SO_MEMINFO's answer, reused (koffi copies the values back into the array). */
  private readonly memInfo: number[] = new Array(SK_MEMINFO_VARS).fill(0);
  /** SO_MEMINFO's length argument (in and out: the kernel writes back what it filled). */
  private readonly memInfoLength = [SK_MEMINFO_VARS * 4];
  private closed = false;
  private readonly poll: PollHandle;

  constructor(
    private readonly sys: Libc,
    private readonly socket: dgram.Socket,
    private readonly fd: number,
    private readonly pollFd: number,
    private readonly connected: boolean,
    /** Sends go out in GSO runs; off for good once the kernel refuses one. */
    private gso: boolean,
    gro: boolean,
  ) {
    this.tx = new MessageBlock(sys, {
      withNames: !connected,
      slotSize: SLOT_SIZE,
      control: gso ? 'gso' : 'none',
    });
    receiveBlock ??= gro
      ? new MessageBlock(sys, { withNames: true, slotSize: GRO_SLOT_SIZE, control: 'gro' })
      : new MessageBlock(sys, { withNames: true, slotSize: SLOT_SIZE, control: 'none' });
    this.rx = receiveBlock;
    this.poll = pollReadable(sys.koffi, pollFd, this.onReadable);
    scheduler.addLateReader(this.readLate);
    // dgram still sends what the kernel refused for lack of buffer (viaDgram) and reports its failures.
    socket.on('error', (err) => this.reportError(err));
    // Last, once nothing can fail and leave the socket to dgram, which could not split coalesced datagrams;
    // only where the receive block can tell segments apart. Should the kernel refuse it for this socket
    // after the probe allowed it, datagrams simply come one by one.
    if (this.rx.shape.control === 'gro') enableGro(sys, fd);
  }

  senderKey(): number | string {
    const name = this.rx.name(this.current);
    const port = (name[2] << 8) | name[3];
    if ((name[0] | (name[1] << 8)) === AF_INET) return name.readUInt32BE(4) * 0x10000 + port;
    // An IPv4 peer of a dual-stack socket: the same number key as on an IPv4 socket (one socket has one
    // family, so the two kinds never meet in one table).
    if (isV4Mapped(name)) return name.readUInt32BE(SIN6_ADDR + 12) * 0x10000 + port;
    // IPv6: address and scope id; the flow label (bytes 4-7) may change from one datagram to the next.
    return `${name.toString('latin1', SIN6_ADDR, SOCKADDR_IN6_SIZE)}|${port}`;
  }

  sender(): UdpPeer {
    const name = this.rx.name(this.current);
    const port = (name[2] << 8) | name[3];
    const v4 = (name[0] | (name[1] << 8)) === AF_INET;
    const address = v4
      ? `${name[4]}.${name[5]}.${name[6]}.${name[7]}`
      : formatIpv6(name.subarray(SIN6_ADDR, 24));
    const sockaddr = Uint8Array.prototype.slice.call(name, 0, v4 ? SOCKADDR_IN_SIZE : SOCKADDR_IN6_SIZE);
    // The flow label belongs to the datagram received, not to the replies.
    if (!v4) sockaddr.fill(0, 4, 8);
    return new UdpPeer(address, port, sockaddr);
  }

  claim(): Buffer {
    if (this.closed) return Buffer.allocUnsafe(KCP_MTU_LIMIT);
    if (this.count === BATCH) this.flushBatch();
    return this.tx.slot(this.count);
  }

  send(buf: Buffer, len: number, to?: UdpPeer): void {
    if (this.closed) return;
    if (len > SLOT_SIZE || (!this.connected && to?.sockaddr == null)) {
      throw new RangeError(`mmsg: cannot send ${len} bytes to ${to?.address ?? 'the connected peer'}`);
    }
    if (this.count === BATCH) this.flushBatch();
    const i = this.count++;
    const slot = this.tx.slot(i);
    if (buf !== slot) buf.copy(slot, 0, 0, len);
    this.tx.setLength(i, len);
    if (!this.connected) {
      const sockaddr = to!.sockaddr!;
      this.tx.name(i).set(sockaddr);
      this.tx.setNameLength(i, sockaddr.length);
      this.txPeers[i] = to;
    }
    if (!this.queued) {
      this.queued = true;
      queueFlush(this);
    }
  }

  /** The outbox's call at the end of the callback. */
  flush(): void {
    this.queued = false;
    this.flushBatch();
  }

  close(): void {
    if (this.closed) return;
    this.flushBatch();
    this.closed = true;
    scheduler.removeLateReader(this.readLate);
    this.poll.stop();
    this.poll.close();
    this.sys.close(this.pollFd);
    this.tx.free();
    this.socket.close();
  }

  private flushBatch(): void {
    const n = this.count;
    if (n === 0 || this.closed) return;
    this.count = 0;
    this.seal(n);
    if (this.dgramBacklog) {
      if (this.socket.getSendQueueCount() > 0) {
        this.viaDgram(0, n);
        return;
      }
      this.dgramBacklog = false;
    }
    let off = this.gso ? this.sendRuns(n) : 0;
    while (off < n) {
      const sent = this.sys.sendmmsg(this.fd, this.tx.from(off), n - off, 0);
      if (sent > 0) {
        off += sent;
        continue;
      }
      const errno = this.sys.koffi.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN || errno === ENOBUFS) {
        this.viaDgram(off, n);
        return;
      }
      // An error that concerns the first datagram (an ICMP error reported late, a route that vanished): it
      // is lost, as it could have been on the wire, and KCP sends it again.
      off++;
      transportCounters.udpSendDrops++;
      this.reportError(errnoError('sendmmsg', errno));
    }
  }

  /**
   * Seal the batch's n datagrams, which their senders only prepared, when a sealer was given: all at once,
   * which for AES pipelines the datagrams' serial CFB chains (crypt/aes-multi-buffer.ts).
   */
  private seal(n: number): void {
    const sealer = this.sealer;
    if (sealer === null) return;
    sealing.clear();
    for (let i = 0; i < n; i++) sealing.add(this.tx.slot(i), 0, this.tx.length(i));
    sealer.sealMany(sealing);
  }

  /**
   * Send the batch's n datagrams as GSO runs, one message each. Returns where datagram-by-datagram sending
   * takes over: n when all went (or went to dgram), else the first datagram of the run that failed, so that
   * an error is handled per datagram as without GSO, or, when the kernel refused GSO, GSO is off from then on.
   */
  private sendRuns(n: number): number {
    const tx = this.tx;
    const starts = this.runStarts;
    let runs = 0;
    for (let i = 0; i < n; runs++) {
      const end = gsoRunEnd(tx, i, n);
      tx.setRun(runs, i, end - i);
      starts[runs] = i;
      i = end;
    }
    starts[runs] = n;
    let r = 0;
    while (r < runs) {
      const sent = this.sys.sendmmsg(this.fd, tx.runFrom(r), runs - r, 0);
      if (sent > 0) {
        for (const end = r + sent; r < end; r++)
          if (starts[r + 1] - starts[r] > 1) transportCounters.gsoRuns++;
        continue;
      }
      const errno = this.sys.koffi.errno();
      if (errno === EINTR) continue;
      if (errno === EAGAIN || errno === ENOBUFS) {
        this.viaDgram(starts[r], n);
        return n;
      }
      if (GSO_REFUSALS.has(errno) && starts[r + 1] - starts[r] > 1) {
        this.gso = false;
        const err = errnoError('sendmmsg', errno);
        err.message += ': the kernel refused UDP GSO on this socket, which now sends datagram by datagram';
        this.reportError(err);
      } else {
        // Any other error (a late ICMP error such as ECONNREFUSED) was consumed by this call: report it
        // here, or the datagram-by-datagram sends below succeed and nobody hears of it.
        this.reportError(errnoError('sendmmsg', errno));
      }
      return starts[r];
    }
    return n;
  }

  /** Hand datagrams [from, to) of the batch to dgram, copied, since dgram keeps them until sent. */
  private viaDgram(from: number, to: number): void {
    this.dgramBacklog = true;
    for (let i = from; i < to; i++) {
      const copy = Buffer.from(this.tx.slot(i).subarray(0, this.tx.length(i)));
      const peer = this.txPeers[i];
      if (this.connected || peer === undefined) this.socket.send(copy);
      else this.socket.send(copy, peer.port, peer.address);
      this.txPeers[i] = undefined;
    }
  }

  /**
   * One batch per readiness callback, unless the socket is filling (below). The poll is level-triggered:
   * while more is queued, libuv reports the socket again on its next round, after the other ready sockets
   * and the end-of-turn flush had their turn. Reading several batches in one callback held a request that
   * arrived on a TCP connection meanwhile, and the ACKs of what was read, behind all of them
   * (docs/bench-tunnel-latency-2026-12-02.md); a datagram the kernel drops waits a retransmission instead.
   * Between the batches of a callback that reads on, the turn ends (the end-of-turn flushes run), so the ACKs
   * of each batch leave with it as they would after a callback of its own. Whether the last read left the
   * queue filling stays in receiveFilling, for the sessions' timeouts until the next read.
   */
  private readonly onReadable = (): void => {
    for (let b = 1; ; b++) {
      this.receiveFilling = this.readBatch() && this.filling();
      if (!this.receiveFilling || b >= DRAIN_BATCHES) return;
      scheduler.endTurn();
    }
  };

  /**
   * The scheduler's read after a stall (LATE_TICK_READ_MS): everything queued, up to DRAIN_BATCHES batches,
   * filling or not, and without ending the turn between batches. After a stall the peer's ACKs of the whole
   * flight may fill more than one batch, and a flush before the last of them would time out what they ack.
   * But the ACKs this side owes wait for that flush: once the read has taken LATE_READ_MS, it stops after
   * the batch under way, and the flushes run (the readiness callback reads the rest, ending the turn after
   * each batch). What is still queued may hold the peer's ACKs, so the socket counts as filling until the
   * next read: those flushes hold their timeouts (Kcp.holdTimeouts) rather than time out what they ack.
   * Not while the socket is filling (past half its buffer): the kernel is about to drop what arrives. The
   * server of 1000 sessions, whose one socket overflows through the echo, leaned to more drops and more CPU
   * when its late reads stopped there too (6 pairs: +0.41 CPU-s, SE 0.24; level without;
   * docs/link-late-read-2026-12-06-lateread26.md).
   */
  private readonly readLate = (): void => {
    if (delivering) return;
    const started = performance.now();
    for (let b = 1; ; b++) {
      const full = this.readBatch();
      this.receiveFilling = full && this.filling();
      if (!full || b >= DRAIN_BATCHES) return;
      if (!this.receiveFilling && performance.now() - started >= LATE_READ_MS) {
        this.receiveFilling = true;
        return;
      }
    }
  };

  /**
   * The socket's queue holds at least DRAIN_SHARE_NUM / DRAIN_SHARE_DEN of its receive buffer (SO_MEMINFO's
   * receive memory against the buffer's size), so the kernel will soon drop what arrives. The server of 1000
   * sessions that Go's client dialled at once, each sending 64 KiB at once, read one batch per callback, found
   * its one socket full through the whole echo and lost 130 000-230 000 datagrams, retransmitted by the client;
   * reading on cut its CPU by about a tenth, its drops less clearly (docs/bench-tunnel-sessions-2026-12-04.md).
   * False when the kernel does not answer. Keeps the socket's drop count (receiveDrops) from the same answer.
   */
  private filling(): boolean {
    const info = this.memInfo;
    if (this.sys.getsockopt(this.pollFd, SOL_SOCKET, SO_MEMINFO, info, this.memInfoLength) !== 0)
      return false;
    this.receiveDrops = info[MEMINFO_DROPS];
    return info[MEMINFO_RMEM_ALLOC] * DRAIN_SHARE_DEN >= info[MEMINFO_RCVBUF] * DRAIN_SHARE_NUM;
  }

  /** One recvmmsg and its delivery; true when it filled the batch (more may be queued). */
  private readBatch(): boolean {
    if (this.closed) return false;
    const rx = this.rx;
    const gro = rx.shape.control === 'gro';
    // With GRO one message may hold dozens of datagrams: ask for as many messages as keep this callback
    // near one batch of datagrams, judged by the fullest message of the last call.
    // (integer divisions as `| 0`, here and for perMessage below: see BacklogWindow.onDatagram)
    const want = gro ? Math.max(1, (BATCH / this.perMessage) | 0) : BATCH;
    for (let i = 0; i < want; i++) rx.setNameLength(i, SOCKADDR_SIZE);
    if (gro) for (let i = 0; i < want; i++) rx.resetControl(i);
    const got = this.sys.recvmmsg(this.pollFd, rx.from(0), want, MSG_DONTWAIT, null);
    if (got < 0) {
      // Nothing queued (EAGAIN), an interrupted call (the poll reports the socket again), or an error the
      // call has now consumed (a late ICMP error).
      const errno = this.sys.koffi.errno();
      if (errno !== EAGAIN && errno !== EINTR) this.reportError(errnoError('recvmmsg', errno));
      return false;
    }
    let perMessage = 1;
    beginReceiveBatch(
      gro ? this.countDatagrams(got) : got,
      this.standing.onRead(got === want, performance.now()),
    );
    delivering = true;
    try {
      this.openAll(got, gro);
      let k = 0;
      for (let i = 0; i < got && !this.closed; i++) {
        this.current = i;
        const len = rx.received(i);
        const segment = gro ? rx.segmentSize(i) : 0;
        if (segment === 0 || segment >= len) {
          this.onDatagram(rx.slot(i), len, this.openedEnd(k++), 0);
          continue;
        }
        perMessage = Math.max(perMessage, ((len + segment - 1) / segment) | 0);
        k = this.deliverSegments(rx.slot(i), len, segment, k);
      }
    } finally {
      endReceiveBatch();
      delivering = false;
    }
    this.perMessage = perMessage;
    flushOutbox();
    return got === want;
  }

  /**
   * Open (decrypt and check) every datagram of the `got` messages just received at once, in the order
   * they are delivered, when the receiver gave an opener: OpenSSL's fixed cost per call, larger than the
   * AES work on a whole datagram, is then paid once per batch instead of once per datagram.
   */
  private openAll(got: number, gro: boolean): void {
    const opener = this.opener;
    this.opened = opener !== null;
    if (opener === null) return;
    const rx = this.rx;
    received.clear();
    for (let i = 0; i < got; i++) {
      const len = rx.received(i);
      const segment = gro ? rx.segmentSize(i) : 0;
      if (segment === 0 || segment >= len) {
        received.add(rx.slot(i), 0, openable(len));
        continue;
      }
      received.add(rx.slot(i), 0, openable(segment));
      for (let at = segment; at < len; at += segment)
        received.add(rx.slot(i), at, openable(segmentLength(segment, len, at)));
    }
    opener.openMany(received);
  }

  /** `onDatagram`'s `opened` for the k-th datagram of this receive call. */
  private openedEnd(k: number): number {
    return this.opened ? received.ends[k] : UNOPENED;
  }

  /** The datagrams in the `got` messages just received, coalesced ones counted one by one. */
  private countDatagrams(got: number): number {
    const rx = this.rx;
    let n = 0;
    for (let i = 0; i < got; i++) {
      const segment = rx.segmentSize(i);
      n += segment === 0 ? 1 : Math.ceil(rx.received(i) / segment);
    }
    return n;
  }

  /**
   * A coalesced receive: datagrams of `segment` bytes (the last may be shorter) in buf[0, len). When this
   * receive call's datagrams were opened, each is delivered in place. Else the first is lent in place and
   * the others are copied one at a time to the start of a buffer of their own, since the receiver
   * decrypts a datagram in place at offset 0. `k` is the first one's place in this receive call; returns
   * the place after the last.
   */
  private deliverSegments(buf: Buffer, len: number, segment: number, k: number): number {
    transportCounters.groBuffers++;
    this.onDatagram(buf, segment, this.openedEnd(k++), 0);
    for (let at = segment; at < len && !this.closed; at += segment) {
      const n = segmentLength(segment, len, at);
      if (this.opened) {
        this.onDatagram(buf, n, received.ends[k++], at);
        continue;
      }
      segmentBuffer ??= Buffer.allocUnsafeSlow(SLOT_SIZE);
      buf.copy(segmentBuffer, 0, at, at + n);
      this.onDatagram(segmentBuffer, n, UNOPENED, 0);
      k++;
    }
    return k;
  }

  private reportError(err: Error): void {
    transportCounters.udpSocketErrors++;
    this.onError(err);
  }
}

/**
 * The length to open a received datagram of `len` bytes at: 0 (not opened, as a datagram too short to hold
 * the crypt's header) when it is longer than KCP_MTU_LIMIT, which every receiver refuses before it looks at
 * what opening gave (KcpListener.packetInput, KcpSession.input). Decrypting and checksumming it would be the
 * most expensive work a batch does for a datagram that cannot be ours: a flood of long or fragmented junk
 * (docs/sturdiness-garbage-flood-2026-12-06-garbage27.md).
 */
function openable(len: number): number {
  return len > KCP_MTU_LIMIT ? 0 : len;
}

/**
 * Bytes of the coalesced datagram at `at` (> 0) of a receive of `len` bytes cut every `segment` bytes. A
 * segment longer than a slot is cut as a long datagram is on receive: still too long to be taken.
 */
function segmentLength(segment: number, len: number, at: number): number {
  return Math.min(segment, len - at, SLOT_SIZE);
}

/** An error like libuv's for a failed system call: `recvmmsg ECONNREFUSED`, with code and errno set. */
function errnoError(syscall: string, errno: number): Error {
  const code = errnoName(errno);
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno, syscall });
}

/** A struct sockaddr_in6 holding an IPv4-mapped address (::ffff:a.b.c.d), as a dual-stack socket reports IPv4 peers. */
function isV4Mapped(name: Buffer): boolean {
  for (let i = SIN6_ADDR; i < SIN6_ADDR + 10; i++) if (name[i] !== 0) return false;
  return name[SIN6_ADDR + 10] === 0xff && name[SIN6_ADDR + 11] === 0xff;
}

/** An IPv6 address as inet_ntop(3) writes it: the longest run of two or more zero groups as "::". */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** True where batched I/O can work, else the reason it cannot. */
export function mmsgSupported(): true | string {
  if (process.platform !== 'linux')
    return `batched datagram I/O is implemented for Linux, not ${process.platform}`;
  if (process.arch !== 'x64' && process.arch !== 'arm64') {
    return `batched datagram I/O is implemented for 64-bit x86 and ARM, not ${process.arch}`;
  }
  const sys = libc();
  return typeof sys === 'string' ? sys : true;
}

/** Batched I/O for a bound socket (connected or not), or the reason it cannot be had. */
export function createMmsgIo(socket: dgram.Socket): UdpIo | string {
  const supported = mmsgSupported();
  if (supported !== true) return supported;
  const sys = libc() as Libc;
  const fd = socketFd(socket);
  if (typeof fd === 'string') return fd;
  const handle = socketHandle(socket) as { recvStop?: () => number; recvStart?: () => number };
  if (typeof handle.recvStop !== 'function' || typeof handle.recvStart !== 'function') {
    return 'this Node.js version does not let libuv reading be stopped';
  }
  let connected = true;
  try {
    socket.remoteAddress();
  } catch {
    connected = false;
  }
  const pollFd = sys.dup(fd);
  if (pollFd < 0) return `dup: errno ${sys.koffi.errno()}`;
  if (handle.recvStop() !== 0) {
    sys.close(pollFd);
    return 'libuv reading could not be stopped';
  }
  const { gso, gro } = gsoSupport(sys);
  try {
    return new MmsgIo(sys, socket, fd, pollFd, connected, gso, gro);
  } catch (err) {
    handle.recvStart();
    sys.close(pollFd);
    return `batched I/O could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
