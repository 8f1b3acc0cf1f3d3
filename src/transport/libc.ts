/**
 * The few libc calls Node's dgram does not offer (setsockopt for DSCP and UDP GSO/GRO, sendmmsg/recvmmsg
 * for batched datagram I/O), bound once through the optional `koffi` FFI package (prebuilt binaries inside
 * the npm package, no compiler needed), plus the socket descriptor dgram keeps to itself.
 *
 * Everything here is optional: when koffi is missing or a step fails, callers get a reason string and
 * keep to dgram. Nothing here throws for a platform limitation.
 */
import type dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';

/**
 * Linux's socket constants and struct sizes, the same on x86-64 and ARM64 (every caller of these is
 * Linux-only): one home for the modules that call socket(2), bind(2) or read a struct sockaddr.
 */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SOCKADDR_IN_SIZE = 16;
export const SOCKADDR_IN6_SIZE = 28;
/** Where struct sockaddr_in6 holds the 16-byte address (after family, port and flowinfo). */
export const SIN6_ADDR = 8;
/** struct mmsghdr on 64-bit Linux (x86_64 and aarch64 share the LP64 layout). */
export const MMSGHDR_SIZE = 64;
export const MSG_DONTWAIT = 0x40;

/** The libuv handle reports a negative fd until the socket is bound. */
const NO_FD = -1;

/** A native pointer as koffi passes it (koffi's own opaque value). */
export type NativePointer = unknown;

/** The events a koffi poll handle reports. */
export interface PollEvents {
  readable: boolean;
  writable: boolean;
}

/**
 * What koffi calls a poll handle with: libuv's status (negative once libuv stopped the handle, see
 * pollReadable) and the events (koffi's own typings leave the status out; its uv.cc passes both).
 */
type PollCallback = (status: number, events: PollEvents) => void;

/** A libuv poll handle on a descriptor, from koffi. */
export interface PollHandle {
  start(options: { readable?: boolean }, callback: PollCallback): void;
  stop(): void;
  close(): void;
}

/** The subset of koffi's API used here; the package is optional, so it is typed locally. */
export interface Koffi {
  load(path: string | null): { func(prototype: string): (...args: unknown[]) => number };
  errno(): number;
  view(pointer: NativePointer, length: number): ArrayBuffer;
  address(pointer: NativePointer): bigint;
  node: {
    poll(fd: number, options: { readable?: boolean }, callback: PollCallback): PollHandle;
  };
}

const READABLE = { readable: true };

/**
 * A libuv poll handle that calls `onReadable` each time `fd` is readable, for as long as it is open. A
 * socket error (an ICMP port unreachable on a connected socket: a client that dialled before its server
 * listened) makes libuv stop the handle and report UV_EBADF (uv__poll_io on POLLERR); the read that
 * follows consumes the error. The handle is restarted then, or the socket never delivered again and its
 * session waited out smux's keep-alive timeout (30 s) before a redial.
 */
export function pollReadable(koffi: Koffi, fd: number, onReadable: () => void): PollHandle {
  const callback: PollCallback = (status) => {
    if (status < 0) handle.start(READABLE, callback);
    onReadable();
  };
  const handle = koffi.node.poll(fd, READABLE, callback);
  return handle;
}

/** The bound libc functions. Buffers are passed by address, without a copy. */
export interface Libc {
  koffi: Koffi;
  setsockopt(fd: number, level: number, name: number, value: number[], length: number): number;
  getsockopt(fd: number, level: number, name: number, value: number[], length: number[]): number;
  sendmmsg(fd: number, messages: Buffer, count: number, flags: number): number;
  recvmmsg(fd: number, messages: Buffer, count: number, flags: number, timeout: null): number;
  dup(fd: number): number;
  close(fd: number): number;
  /**
   * Memory for the batch I/O blocks (mmsg-io.ts). Not koffi.alloc, which callocs: below glibc's mmap
   * threshold that clears the whole block (its datagram slots too) and took 40 us per 115 KB block against
   * 5-13 us for malloc, and a client has a block per session.
   */
  malloc(size: number): NativePointer;
  free(pointer: NativePointer): void;
  /**
   * For probing what the kernel supports (gso.ts), and for the listening sockets of a SO_REUSEPORT group
   * (reuse-port.ts), which dgram then adopts: every socket that carries traffic is dgram's.
   */
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, address: Buffer, length: number): number;
  inet_pton(family: number, text: string, address: Buffer): number;
}

let loaded: Libc | string | undefined;

/** Bind libc once; a string is the reason it is unavailable. */
export function libc(): Libc | string {
  if (loaded !== undefined) return loaded;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    // dlopen(NULL): the process's own symbols, which include libc whatever its file name (glibc, musl, BSD).
    const lib = koffi.load(null);
    const bind = <F>(prototype: string): F => lib.func(prototype) as F;
    loaded = {
      koffi,
      setsockopt: bind('int setsockopt(int fd, int level, int name, const int *value, uint32_t len)'),
      getsockopt: bind(
        'int getsockopt(int fd, int level, int name, _Out_ int *value, _Inout_ uint32_t *len)',
      ),
      sendmmsg: bind('int sendmmsg(int fd, void *msgvec, unsigned int vlen, int flags)'),
      recvmmsg: bind('int recvmmsg(int fd, void *msgvec, unsigned int vlen, int flags, void *timeout)'),
      dup: bind('int dup(int fd)'),
      close: bind('int close(int fd)'),
      malloc: bind('void *malloc(size_t size)'),
      free: bind('void free(void *pointer)'),
      socket: bind('int socket(int domain, int type, int protocol)'),
      bind: bind('int bind(int fd, const uint8_t *address, uint32_t length)'),
      inet_pton: bind('int inet_pton(int family, const char *text, _Out_ uint8_t *address)'),
    };
  } catch (err) {
    // The first line only: a failed require adds "Require stack:" and a line per module to the message,
    // and this reason goes into one-line logs (the start-up's datagram I/O line, SetDSCP).
    const reason = (err instanceof Error ? err.message : String(err)).split('\n', 1)[0];
    loaded = `the optional package koffi (FFI) is not available: ${reason}`;
  }
  return loaded;
}

/**
 * The socket's file descriptor, read from dgram's internal libuv handle (reached through dgram's internal
 * state symbol rather than the deprecated `_handle`, which prints a DEP0112 warning), or a reason it
 * cannot be had.
 */
export function socketFd(socket: dgram.Socket): number | string {
  const handle = socketHandle(socket);
  const fd = handle?.fd;
  if (typeof fd !== 'number') return 'this Node.js version does not expose the UDP socket descriptor';
  if (fd <= NO_FD) return 'the UDP socket is not bound yet';
  return fd;
}

/** dgram's internal UDP handle: its descriptor, and recvStop to stop libuv reading the socket. */
export function socketHandle(socket: dgram.Socket): { fd?: unknown; recvStop?: unknown } | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((sym) => sym.description === 'state symbol');
  return state && (socket as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[state]?.handle;
}

/** An errno as its name where Node knows it (`ENOPROTOOPT`), else `errno <n>`. */
export function errnoName(errno: number): string {
  const numbers = osConstants.errno as Record<string, number>;
  return Object.keys(numbers).find((k) => numbers[k] === errno) ?? `errno ${errno}`;
}
