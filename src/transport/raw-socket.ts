/**
 * A raw IPv4 socket for TCP (socket(AF_INET, SOCK_RAW, IPPROTO_TCP)) through the optional koffi package:
 * what xtaci/tcpraw's net.ListenIP("ip:tcp") / net.DialIP gives Go. It receives a copy of every TCP packet
 * the host receives (IPv4 header included) and sends segments whose IPv4 header the kernel writes. Needs
 * root or CAP_NET_RAW. Readiness comes from a libuv poll handle on the descriptor, as in mmsg-io.ts.
 */
import {
  AF_INET,
  type Koffi,
  libc,
  type PollHandle,
  pollReadable,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCKADDR_IN_SIZE,
  SOL_SOCKET,
} from './libc.js';

const IPPROTO_TCP = 6;
const IPPROTO_IP = 0;
const IP_TOS = 1;
const IP_TTL = 2;
/** SO_SNDBUFFORCE / SO_RCVBUFFORCE: as root, -sockbuf beyond net.core.[rw]mem_max, as Go's SetReadBuffer cannot. */
const SO_SNDBUFFORCE = 32;
const SO_RCVBUFFORCE = 33;
const MSG_DONTWAIT = 0x40;
const EINTR = 4;
const EAGAIN = 11;
const EPERM = 1;
const EACCES = 13;
/** Packets read per readiness callback at most, so that timers and other sockets get their turn. */
const MAX_READS = 256;
/** The largest packet read: more than any MTU a KCP datagram travels in. */
const RECEIVE_SIZE = 65536;

interface RawCalls {
  koffi: Koffi;
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  connect(fd: number, addr: Buffer, len: number): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  setsockopt(fd: number, level: number, name: number, value: number[], length: number): number;
  close(fd: number): number;
  strerror(errno: number): string;
}

let bound: RawCalls | string | undefined;

/** Bind the calls once; a string is the reason they are unavailable (koffi missing). */
function rawCalls(): RawCalls | string {
  if (bound !== undefined) return bound;
  const sys = libc();
  if (typeof sys === 'string') {
    bound = sys;
    return bound;
  }
  const lib = sys.koffi.load(null) as unknown as { func(p: string): (...a: unknown[]) => unknown };
  const f = <F>(p: string): F => lib.func(p) as F;
  bound = {
    koffi: sys.koffi,
    socket: f('int socket(int domain, int type, int protocol)'),
    bind: f('int bind(int fd, const uint8_t *addr, uint32_t len)'),
    connect: f('int connect(int fd, const uint8_t *addr, uint32_t len)'),
    send: f('int send(int fd, const uint8_t *buf, size_t len, int flags)'),
    sendto: f(
      'int sendto(int fd, const uint8_t *buf, size_t len, int flags, const uint8_t *addr, uint32_t alen)',
    ),
    recv: f('int recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)'),
    setsockopt: sys.setsockopt,
    close: sys.close,
    strerror: f('const char *strerror(int errnum)'),
  };
  return bound;
}

/** struct sockaddr_in for an IPv4 address (a 32-bit number), port 0: raw sockets have no ports. */
export function sockaddrIn(ip: number): Buffer {
  const sa = Buffer.alloc(SOCKADDR_IN_SIZE);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt32BE(ip >>> 0, 4);
  return sa;
}

/**
 * Why a raw TCP socket cannot be had here, in one line naming the fix, or null when it can (the check
 * opens one and closes it again).
 */
export function rawSocketUnavailable(): string | null {
  if (process.platform !== 'linux') {
    return `-tcp needs Linux (raw IP sockets and iptables); this is ${process.platform}: use UDP, or run the tunnel on Linux`;
  }
  const sys = rawCalls();
  if (typeof sys === 'string') {
    return `-tcp needs the koffi package for raw sockets (${sys}); install it with: npm install koffi`;
  }
  const fd = sys.socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
  if (fd < 0) {
    const errno = sys.koffi.errno();
    if (errno === EPERM || errno === EACCES) {
      return '-tcp needs a raw socket: run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin+ep on the node binary)';
    }
    return `-tcp: socket(AF_INET, SOCK_RAW, IPPROTO_TCP): ${sys.strerror(errno)}`;
  }
  sys.close(fd);
  return null;
}

/** Set IP_TTL on another socket's descriptor (a flow's real TCP connection); false if that failed. */
export function setTtl(fd: number, ttl: number): boolean {
  const sys = rawCalls();
  return typeof sys !== 'string' && sys.setsockopt(fd, IPPROTO_IP, IP_TTL, [ttl], 4) === 0;
}

/**
 * A raw TCP socket: non-blocking, with received packets handed to `onPacket` (buffer lent for the call)
 * once started.
 */
export class RawTcpSocket {
  private poll: PollHandle | null = null;
  private readonly rx = Buffer.allocUnsafe(RECEIVE_SIZE);
  private closed = false;

  private constructor(
    private readonly sys: RawCalls,
    private readonly fd: number,
    private readonly onPacket: (buf: Buffer, len: number) => void,
  ) {}

  /**
   * Start delivering packets. Until then they wait in the kernel's buffer: a client opens the socket before
   * its TCP handshake, so that the SYN-ACK is there to read once it knows its own port.
   */
  start(): void {
    if (this.closed || this.poll !== null) return;
    this.poll = pollReadable(this.sys.koffi, this.fd, () => this.onReadable());
  }

  /**
   * Open one, bound to `localIp` (0: any) and connected to `remoteIp` (0: none; a connected raw socket
   * receives only that host's packets), with -sockbuf and -dscp applied.
   */
  static open(
    options: { localIp: number; remoteIp: number; sockbuf: number; dscp?: number },
    onPacket: (buf: Buffer, len: number) => void,
  ): RawTcpSocket {
    const sys = rawCalls();
    if (typeof sys === 'string') throw new Error(sys);
    const fd = sys.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) throw new Error(`raw socket: ${sys.strerror(sys.koffi.errno())}`);
    const fail = (what: string): never => {
      const reason = sys.strerror(sys.koffi.errno());
      sys.close(fd);
      throw new Error(`raw socket ${what}: ${reason}`);
    };
    if (options.sockbuf > 0) {
      sys.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, [options.sockbuf], 4);
      sys.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, [options.sockbuf], 4);
    }
    // -dscp: the top six bits of the TOS byte, as tcpraw's SetDSCP writes them.
    if (options.dscp) sys.setsockopt(fd, IPPROTO_IP, IP_TOS, [options.dscp << 2], 4);
    if (options.localIp !== 0 && sys.bind(fd, sockaddrIn(options.localIp), SOCKADDR_IN_SIZE) < 0)
      fail('bind');
    if (options.remoteIp !== 0 && sys.connect(fd, sockaddrIn(options.remoteIp), SOCKADDR_IN_SIZE) < 0) {
      fail('connect');
    }
    return new RawTcpSocket(sys, fd, onPacket);
  }

  /**
   * Send bytes [0, len) of `buf` to the connected host, or to `to` (a sockaddrIn). Returns null, or the
   * reason the kernel refused (its buffer full, no route): the segment is then lost, as a datagram would be.
   */
  send(buf: Buffer, len: number, to?: Buffer): string | null {
    if (this.closed) return null;
    for (;;) {
      const n =
        to === undefined
          ? this.sys.send(this.fd, buf, len, MSG_DONTWAIT)
          : this.sys.sendto(this.fd, buf, len, MSG_DONTWAIT, to, SOCKADDR_IN_SIZE);
      if (n >= 0) return null;
      const errno = this.sys.koffi.errno();
      if (errno !== EINTR) return this.sys.strerror(errno);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poll?.stop();
    this.poll?.close();
    this.sys.close(this.fd);
  }

  private onReadable(): void {
    for (let i = 0; i < MAX_READS && !this.closed; i++) {
      const n = this.sys.recv(this.fd, this.rx, RECEIVE_SIZE, MSG_DONTWAIT);
      if (n < 0) {
        const errno = this.sys.koffi.errno();
        if (errno === EINTR) continue;
        if (errno === EAGAIN) return;
        return; // any other error: wait for the next readiness
      }
      this.onPacket(this.rx, n);
    }
  }
}
