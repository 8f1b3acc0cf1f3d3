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
import { constants as osConstants } from 'node:os';
import { KCP_MTU_LIMIT } from '../kcp/index.js';
import { transportCounters } from './counters.js';
import { type Libc, libc, type NativePointer, type PollHandle, socketFd, socketHandle } from './libc.js';
import { flushOutbox, queueFlush } from './outbox.js';
import { type UdpIo, UdpPeer } from './udp-io.js';

/** Datagrams per system call. */
const BATCH = 64;
/**
 * Bytes per datagram slot: more than KCP_MTU_LIMIT, so a longer datagram arrives truncated yet still longer
 * than KCP_MTU_LIMIT, and is refused like a long one from dgram.
 */
const SLOT_SIZE = 1536;

// struct mmsghdr and struct iovec on 64-bit Linux (x86_64 and aarch64 share the LP64 layout).
const MMSGHDR_SIZE = 64;
const MSG_NAME = 0;
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_LEN = 56;
const IOVEC_SIZE = 16;
const IOV_BASE = 0;
const IOV_LEN = 8;
/** Room for a struct sockaddr_in6 (28 bytes), rounded up. */
const SOCKADDR_SIZE = 32;
const AF_INET = 2;
const SOCKADDR_IN_SIZE = 16;
const SOCKADDR_IN6_SIZE = 28;
/** Where struct sockaddr_in6 holds the 16-byte address. */
const SIN6_ADDR = 8;

const MSG_DONTWAIT = 0x40;
const EINTR = 4;
const EAGAIN = 11;
const ENOBUFS = 105;

const TWO_32 = 2 ** 32;

/**
 * BATCH messages in native memory: the mmsghdr array, one iovec and one sockaddr per message, and the
 * datagram slots. Every pointer is written once here; a call only updates lengths.
 */
class MessageBlock {
  /** The mmsghdr array from message i on, as passed to the system call. */
  readonly from: Buffer[] = [];
  readonly slots: Buffer[] = [];
  readonly names: Buffer[] = [];
  /** The whole block as 32-bit words, for the length fields. */
  readonly words: Uint32Array;
  private readonly pointer: NativePointer;

  /** `withNames`: each message gets a sockaddr (an unconnected socket's peers); else none (connected). */
  constructor(
    private readonly sys: Libc,
    { withNames }: { withNames: boolean },
  ) {
    const iovecs = BATCH * MMSGHDR_SIZE;
    const names = iovecs + BATCH * IOVEC_SIZE;
    const data = names + BATCH * SOCKADDR_SIZE;
    const size = data + BATCH * SLOT_SIZE;
    this.pointer = sys.koffi.alloc('uint8', size);
    const memory = sys.koffi.view(this.pointer, size);
    const base = Number(sys.koffi.address(this.pointer));
    this.words = new Uint32Array(memory);
    const setPointer = (offset: number, address: number): void => {
      this.words[offset >> 2] = address % TWO_32;
      this.words[(offset >> 2) + 1] = Math.floor(address / TWO_32);
    };
    for (let i = 0; i < BATCH; i++) {
      const header = i * MMSGHDR_SIZE;
      const iovec = iovecs + i * IOVEC_SIZE;
      const name = names + i * SOCKADDR_SIZE;
      const slot = data + i * SLOT_SIZE;
      new Uint8Array(memory, header, MMSGHDR_SIZE).fill(0);
      setPointer(header + MSG_NAME, withNames ? base + name : 0);
      setPointer(header + MSG_IOV, base + iovec);
      setPointer(header + MSG_IOVLEN, 1);
      setPointer(iovec + IOV_BASE, base + slot);
      setPointer(iovec + IOV_LEN, SLOT_SIZE);
      this.from.push(Buffer.from(memory, header, iovecs - header));
      this.slots.push(Buffer.from(memory, slot, SLOT_SIZE));
      this.names.push(Buffer.from(memory, name, SOCKADDR_SIZE));
    }
  }

  /** Bytes of message i's datagram (its iovec's length). */
  length(i: number): number {
    return this.words[(BATCH * MMSGHDR_SIZE + i * IOVEC_SIZE + IOV_LEN) >> 2];
  }

  setLength(i: number, len: number): void {
    this.words[(BATCH * MMSGHDR_SIZE + i * IOVEC_SIZE + IOV_LEN) >> 2] = len;
  }

  setNameLength(i: number, len: number): void {
    this.words[(i * MMSGHDR_SIZE + MSG_NAMELEN) >> 2] = len;
  }

  /** Bytes the kernel moved for message i. */
  received(i: number): number {
    return this.words[(i * MMSGHDR_SIZE + MSG_LEN) >> 2];
  }

  free(): void {
    this.sys.koffi.free(this.pointer);
  }
}

/** Where recvmmsg writes: one block for the process, since one readiness callback runs at a time. */
let receiveBlock: MessageBlock | null = null;

class MmsgIo implements UdpIo {
  onDatagram: (buf: Buffer, len: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  private readonly tx: MessageBlock;
  private readonly rx: MessageBlock;
  /** Per queued datagram on an unconnected socket: its destination, should it have to go through dgram. */
  private readonly txPeers: (UdpPeer | undefined)[] = new Array(BATCH);
  private count = 0;
  private queued = false;
  /** Some datagrams went through dgram's queue: later ones follow until it has drained. */
  private dgramBacklog = false;
  /** The receive slot being delivered. */
  private current = 0;
  private closed = false;
  private readonly poll: PollHandle;

  constructor(
    private readonly sys: Libc,
    private readonly socket: dgram.Socket,
    private readonly fd: number,
    private readonly pollFd: number,
    private readonly connected: boolean,
  ) {
    this.tx = new MessageBlock(sys, { withNames: !connected });
    receiveBlock ??= new MessageBlock(sys, { withNames: true });
    this.rx = receiveBlock;
    this.poll = sys.koffi.node.poll(pollFd, { readable: true }, this.onReadable);
    // dgram still sends what the kernel refused for lack of buffer (viaDgram) and reports its failures.
    socket.on('error', (err) => this.reportError(err));
  }

  senderKey(): number | string {
    const name = this.rx.names[this.current];
    const port = (name[2] << 8) | name[3];
    if ((name[0] | (name[1] << 8)) === AF_INET) return name.readUInt32BE(4) * 0x10000 + port;
    // An IPv4 peer of a dual-stack socket: the same number key as on an IPv4 socket (one socket has one
    // family, so the two kinds never meet in one table).
    if (isV4Mapped(name)) return name.readUInt32BE(SIN6_ADDR + 12) * 0x10000 + port;
    // IPv6: address and scope id; the flow label (bytes 4-7) may change from one datagram to the next.
    return `${name.toString('latin1', SIN6_ADDR, SOCKADDR_IN6_SIZE)}|${port}`;
  }

  sender(): UdpPeer {
    const name = this.rx.names[this.current];
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
    return this.tx.slots[this.count];
  }

  send(buf: Buffer, len: number, to?: UdpPeer): void {
    if (this.closed) return;
    if (len > SLOT_SIZE || (!this.connected && to?.sockaddr == null)) {
      throw new RangeError(`mmsg: cannot send ${len} bytes to ${to?.address ?? 'the connected peer'}`);
    }
    if (this.count === BATCH) this.flushBatch();
    const i = this.count++;
    const slot = this.tx.slots[i];
    if (buf !== slot) buf.copy(slot, 0, 0, len);
    this.tx.setLength(i, len);
    if (!this.connected) {
      const sockaddr = to!.sockaddr!;
      this.tx.names[i].set(sockaddr);
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
    if (this.dgramBacklog) {
      if (this.socket.getSendQueueCount() > 0) {
        this.viaDgram(0, n);
        return;
      }
      this.dgramBacklog = false;
    }
    let off = 0;
    while (off < n) {
      const sent = this.sys.sendmmsg(this.fd, this.tx.from[off], n - off, 0);
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

  /** Hand datagrams [from, to) of the batch to dgram, copied, since dgram keeps them until sent. */
  private viaDgram(from: number, to: number): void {
    this.dgramBacklog = true;
    for (let i = from; i < to; i++) {
      const copy = Buffer.from(this.tx.slots[i].subarray(0, this.tx.length(i)));
      const peer = this.txPeers[i];
      if (this.connected || peer === undefined) this.socket.send(copy);
      else this.socket.send(copy, peer.port, peer.address);
      this.txPeers[i] = undefined;
    }
  }

  /**
   * One batch per readiness callback. The poll is level-triggered: while more is queued, libuv reports the
   * socket again on its next round, after the other ready sockets and the end-of-turn flush had their turn.
   * Reading several batches in one callback held a request that arrived on a TCP connection meanwhile, and
   * the ACKs of what was read, behind all of them (docs/bench-tunnel-latency-2026-12-02.md).
   */
  private readonly onReadable = (): void => {
    if (this.closed) return;
    const rx = this.rx;
    for (let i = 0; i < BATCH; i++) rx.setNameLength(i, SOCKADDR_SIZE);
    const got = this.sys.recvmmsg(this.pollFd, rx.from[0], BATCH, MSG_DONTWAIT, null);
    if (got < 0) {
      // Nothing queued (EAGAIN), an interrupted call (the poll reports the socket again), or an error the
      // call has now consumed (a late ICMP error).
      const errno = this.sys.koffi.errno();
      if (errno !== EAGAIN && errno !== EINTR) this.reportError(errnoError('recvmmsg', errno));
      return;
    }
    for (let i = 0; i < got && !this.closed; i++) {
      this.current = i;
      this.onDatagram(rx.slots[i], rx.received(i));
    }
    flushOutbox();
  };

  private reportError(err: Error): void {
    transportCounters.udpSocketErrors++;
    this.onError(err);
  }
}

/** An error like libuv's for a failed system call: `recvmmsg ECONNREFUSED`, with code and errno set. */
function errnoError(syscall: string, errno: number): Error {
  const numbers = osConstants.errno as Record<string, number>;
  const name = Object.keys(numbers).find((k) => numbers[k] === errno);
  const code = name ?? `errno ${errno}`;
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
  try {
    return new MmsgIo(sys, socket, fd, pollFd, connected);
  } catch (err) {
    handle.recvStart();
    sys.close(pollFd);
    return `batched I/O could not start: ${err instanceof Error ? err.message : String(err)}`;
  }
}
