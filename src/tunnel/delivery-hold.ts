/**
 * A TCP socket that the tunnel closes after its FIN may still hold the stream's tail in the kernel, unread
 * by a slow application: closed, it becomes an orphan, and the kernel resets an orphan (purging the tail)
 * when TCP memory runs short (docs/stream-truncation-2026-12-07-trunc37.md). pipeBoth's linger keeps a
 * socket whose peer is still open; a peer that half-closed first (`nc -N`, an HTTP/1.0 client) has sent its
 * FIN already, and Node closes such a socket itself as soon as its own FIN is queued (autoDestroy: both
 * directions ended). Here Node's close is put off and the socket kept, unreferenced, until the peer has
 * acknowledged our FIN (so everything before it), or a deadline; one shared timer checks the held sockets
 * (docs/stream-reset-2026-12-07-reset38.md). The socket stays Node's own: a second descriptor kept past
 * Node's close would outlive libuv's epoll registration of it.
 *
 * Needs koffi (getsockopt). Without it a socket is closed at once, as before: nothing in Node tells when
 * the kernel has delivered.
 */
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Libc, libc } from '../transport/libc.js';

const IPPROTO_TCP = 6;
const TCP_INFO = 11;
/** The bytes of struct tcp_info read: the first four, whose first is tcpi_state. */
const TCP_INFO_HEAD_BYTES = 4;
/** tcpi_state in the int read (little-endian, as on every platform this runs on: x86-64, ARM64). */
const TCP_STATE_MASK = 0xff;
/** Linux's TCP states (include/net/tcp_states.h) in which our FIN, and so all before it, was acknowledged. */
const TCP_FIN_WAIT2 = 5;
const TCP_TIME_WAIT = 6;
const TCP_CLOSE = 7;

/**
 * How often (ms) the held sockets are checked. A held socket outlives the delivery by at most this, and
 * each check is one getsockopt per held socket: 1000 held sockets cost about 1 ms per check.
 */
export const DELIVERY_POLL_MS = 100;

/**
 * How many sockets may be held at once; past it a socket is closed at once, as before. Each keeps the
 * descriptor and the socket object it had, for at most pipe.ts's LINGER_MS.
 */
export const MAX_HELD_SOCKETS = 4096;

/** Whether a socket in TCP state `state` has had its FIN acknowledged: nothing of ours left to deliver. */
export function finAcknowledged(state: number): boolean {
  return state === TCP_FIN_WAIT2 || state === TCP_TIME_WAIT || state === TCP_CLOSE;
}

/** What the holds need from the system: a held socket's TCP state (negative if none) and closing it. */
export interface HeldSockets<T> {
  tcpState(socket: T): number;
  close(socket: T): void;
}

/** The held sockets, each with its deadline (ms, on the clock `check` is given). */
export class DeliveryHolds<T> {
  private readonly held: T[] = [];
  private readonly deadlines: number[] = [];

  constructor(private readonly sockets: HeldSockets<T>) {}

  get size(): number {
    return this.held.length;
  }

  /** Whether there is room for one more. */
  get full(): boolean {
    return this.held.length >= MAX_HELD_SOCKETS;
  }

  /** Hold `socket` until its FIN is acknowledged or `deadline`; the caller checked `full`. */
  add(socket: T, deadline: number): void {
    this.held.push(socket);
    this.deadlines.push(deadline);
  }

  /** Close each held socket whose FIN was acknowledged, that is no TCP socket now, or whose deadline passed. */
  check(now: number): void {
    for (let i = this.held.length - 1; i >= 0; i--) {
      const state = this.sockets.tcpState(this.held[i]);
      if (state >= 0 && !finAcknowledged(state) && now < this.deadlines[i]) continue;
      this.sockets.close(this.held[i]);
      const last = this.held.length - 1;
      this.held[i] = this.held[last];
      this.deadlines[i] = this.deadlines[last];
      this.held.pop();
      this.deadlines.pop();
    }
  }
}

/** The socket's descriptor while Node holds one, else -1. */
function descriptorOf(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/** The socket's TCP state, or -1 when it has none (closed, a unix socket) or it cannot be read. */
function tcpState(sys: Libc, socket: net.Socket): number {
  const fd = descriptorOf(socket);
  if (fd < 0 || socket.destroyed) return -1;
  const head = [0];
  if (sys.getsockopt(fd, IPPROTO_TCP, TCP_INFO, head, [TCP_INFO_HEAD_BYTES]) !== 0) return -1;
  return head[0] & TCP_STATE_MASK;
}

/** The streams' own flag that has Node close a socket once both directions ended (Node's streams). */
interface AutoDestroyState {
  autoDestroy: boolean;
}

let holds: DeliveryHolds<net.Socket> | null = null;
let poller: NodeJS.Timeout | null = null;
/** The sockets held now, which only the hold closes. */
const heldSet = new WeakSet<net.Socket>();

function release(socket: net.Socket): void {
  heldSet.delete(socket);
  socket.destroy();
}

function poll(): void {
  if (holds === null) return;
  holds.check(performance.now());
  if (holds.size === 0 && poller !== null) {
    clearInterval(poller);
    poller = null;
  }
}

/**
 * Call when `socket`'s FIN is queued (in its 'finish' or 'end' listener, which run before Node's own
 * close, or before destroying it): if the peer has not acknowledged that FIN yet, Node's close is put off
 * and the socket is held, not keeping the process alive, until the peer has, or `ms` from now. Returns
 * whether it is held: then the hold destroys it, and no one else may (isHeld).
 */
export function holdUntilDelivered(socket: net.Socket, ms: number): boolean {
  const sys = libc();
  if (typeof sys === 'string' || socket.destroyed) return false;
  const state = tcpState(sys, socket);
  if (state < 0 || finAcknowledged(state)) return false;
  holds ??= new DeliveryHolds<net.Socket>({ tcpState: (s) => tcpState(sys, s), close: release });
  if (holds.full) return false;
  const streams = socket as unknown as { _readableState: AutoDestroyState; _writableState: AutoDestroyState };
  streams._readableState.autoDestroy = false;
  streams._writableState.autoDestroy = false;
  socket.unref();
  heldSet.add(socket);
  holds.add(socket, performance.now() + ms);
  if (poller === null) {
    poller = setInterval(poll, DELIVERY_POLL_MS);
    poller.unref();
  }
  return true;
}

/** Whether `socket` is held: its closing is the hold's. */
export function isHeld(socket: net.Socket): boolean {
  return heldSet.has(socket);
}

/** How many sockets are held now (tests). */
export function heldSockets(): number {
  return holds?.size ?? 0;
}
