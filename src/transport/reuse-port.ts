/**
 * Listening UDP sockets in a SO_REUSEPORT group, one per worker thread of kcptun-server -workers
 * (src/cli/server-workers.ts): several sockets bound to one address and port. Linux hands each datagram
 * to one socket of the group by a hash of its source and destination addresses and ports, so every
 * datagram of a client's session reaches the same socket, hence the same worker, for the session's life
 * (docs/protocol.md §5.6).
 *
 * Node.js 20 cannot set the option (dgram's `reusePort` came with 22.12), so the socket is made and bound
 * here through koffi, then handed to dgram (`bind({ fd })`), which owns it from then on like any other:
 * the batched I/O (mmsg-io.ts), -sockbuf, -dscp and closing work unchanged.
 */
import type dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  AF_INET,
  AF_INET6,
  errnoName,
  type Libc,
  libc,
  MMSGHDR_SIZE,
  MSG_DONTWAIT,
  SIN6_ADDR,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCKADDR_IN_SIZE,
  SOCKADDR_IN6_SIZE,
  SOL_SOCKET,
  socketFd,
} from './libc.js';
import { lookupHost } from './resolve.js';
import { createUdpSocket } from './udp.js';

// Linux's values (x86-64 and ARM64 alike); the group is Linux's feature, so no other platform gets here.
const SO_REUSEPORT = 15;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;
/** Offset of the address in sockaddr_in (after family and port). */
const SIN_ADDR = 4;

/** True where a listener can join a SO_REUSEPORT group, else why not (in words for a flag's error). */
export function reusePortSupport(): true | string {
  if (process.platform !== 'linux') return `SO_REUSEPORT groups are Linux's, not ${process.platform}'s`;
  const sys = libc();
  return typeof sys === 'string' ? sys : true;
}

/**
 * A dgram socket bound to `host` (a name or an address) and `port` as one member of the port's
 * SO_REUSEPORT group; -sockbuf applies as in createUdpSocket. Errors carry the errno's name as `code`
 * (EADDRINUSE, EADDRNOTAVAIL, EAFNOSUPPORT), as dgram's do.
 */
export async function bindReusePortSocket(
  host: string,
  port: number,
  sockbuf: number,
): Promise<dgram.Socket> {
  const sys = libc();
  if (typeof sys === 'string') throw new Error(sys);
  const address = (await lookupHost(host)).address;
  const fd = openBound(sys, address, port);
  const socket = createUdpSocket(address, sockbuf);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ fd }, () => {
      socket.removeListener('error', reject);
      resolve();
    });
  });
  return socket;
}

/** Datagrams discardQueued dequeues per system call. */
const DISCARD_BATCH = 64;

/**
 * Dequeue and drop every datagram queued on `socket` now; returns how many. For a member of a SO_REUSEPORT
 * group that is complete: what reached it before the last member was bound may belong to a peer the kernel
 * now hands to another member (KcpListener.admit).
 */
export function discardQueued(socket: dgram.Socket): number {
  const sys = libc();
  if (typeof sys === 'string') throw new Error(sys);
  const fd = socketFd(socket);
  if (typeof fd === 'string') throw new Error(fd);
  // Headers with no address and no buffers: the kernel dequeues each datagram and copies none of it.
  const headers = Buffer.alloc(DISCARD_BATCH * MMSGHDR_SIZE);
  let discarded = 0;
  for (;;) {
    const got = sys.recvmmsg(fd, headers, DISCARD_BATCH, MSG_DONTWAIT, null);
    if (got <= 0) return discarded;
    discarded += got;
    if (got < DISCARD_BATCH) return discarded;
  }
}

/** A non-blocking socket with SO_REUSEPORT, bound; IPv6 takes IPv4 peers too, as createUdpSocket's. */
function openBound(sys: Libc, address: string, port: number): number {
  const v6 = isIPv6(address);
  const family = v6 ? AF_INET6 : AF_INET;
  const fd = sys.socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError(sys, `socket(${v6 ? 'AF_INET6' : 'AF_INET'})`);
  const sockaddr = Buffer.alloc(v6 ? SOCKADDR_IN6_SIZE : SOCKADDR_IN_SIZE);
  sockaddr.writeUInt16LE(family, 0); // sa_family is host order (little-endian on Linux's targets here)
  sockaddr.writeUInt16BE(port, 2);
  const ok =
    sys.inet_pton(family, address, sockaddr.subarray(v6 ? SIN6_ADDR : SIN_ADDR)) === 1 &&
    sys.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, [1], 4) === 0 &&
    (!v6 || sys.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, [0], 4) === 0) &&
    sys.bind(fd, sockaddr, sockaddr.length) === 0;
  if (ok) return fd;
  const err = errnoError(sys, `bind ${v6 ? `[${address}]` : address}:${port}`);
  sys.close(fd);
  throw err;
}

function errnoError(sys: Libc, what: string): NodeJS.ErrnoException {
  const code = errnoName(sys.koffi.errno());
  return Object.assign(new Error(`${what}: ${code}`), { code });
}
