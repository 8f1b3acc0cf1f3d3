/**
 * A TCP socket that the tunnel closes after its FIN may still hold the stream's tail in the kernel, unread
 * by a slow application: closed, it becomes an orphan, and the kernel resets an orphan (purging the tail)
 * when TCP memory runs short (docs/stream-truncation-2026-12-07-trunc37.md). pipeBoth's linger keeps a
 * socket whose peer is still open; a peer that half-closed first (`nc -N`, an HTTP/1.0 client) has sent its
 * FIN already, and Node closes such a socket itself as soon as its own FIN is queued (autoDestroy: both
 * directions ended). Here its kernel end is kept by a duplicate descriptor after Node closes its own, until
 * the peer has acknowledged our FIN (so everything before it), or a deadline; one shared timer checks the
 * held sockets (docs/stream-reset-2026-12-07-reset38.md).
 *
 * Needs koffi (dup, getsockopt). Without it a socket is closed at once, as before: nothing in Node tells
 * when the kernel has delivered.
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
 * How often (ms) the held sockets are checked. A held descriptor outlives the delivery by at most this, and
 * each check is one getsockopt per held socket: 1000 held sockets cost about 1 ms per check.
 */
export const DELIVERY_POLL_MS = 100;

/**
 * How many sockets may be held at once; past it a socket is closed at once, as before. Each holds a
 * descriptor (the one Node closed, so no more than the connection had), for at most pipe.ts's LINGER_MS.
 */
export const MAX_HELD_SOCKETS = 4096;

/** Whether a socket in TCP state `state` has had its FIN acknowledged: nothing of ours left to deliver. */
export function finAcknowledged(state: number): boolean {
  return state === TCP_FIN_WAIT2 || state === TCP_TIME_WAIT || state === TCP_CLOSE;
}

/** What the holds need from the system: a descriptor's TCP state (negative if none) and closing it. */
export interface HeldSockets {
  tcpState(fd: number): number;
  close(fd: number): void;
}

/** The held descriptors, each with its deadline (ms, on the clock `check` is given). */
export class DeliveryHolds {
  private readonly fds: number[] = [];
  private readonly deadlines: number[] = [];

  constructor(private readonly sockets: HeldSockets) {}

  get size(): number {
    return this.fds.length;
  }

  /** Hold `fd` (a duplicate, now ours to close) until its FIN is acknowledged or `deadline`. */
  add(fd: number, deadline: number): void {
    if (this.fds.length >= MAX_HELD_SOCKETS) {
      this.sockets.close(fd);
      return;
    }
    this.fds.push(fd);
    this.deadlines.push(deadline);
  }

  /** Close each held descriptor whose FIN was acknowledged, that is no TCP socket now, or whose deadline passed. */
  check(now: number): void {
    for (let i = this.fds.length - 1; i >= 0; i--) {
      const state = this.sockets.tcpState(this.fds[i]);
      if (state >= 0 && !finAcknowledged(state) && now < this.deadlines[i]) continue;
      this.sockets.close(this.fds[i]);
      const last = this.fds.length - 1;
      this.fds[i] = this.fds[last];
      this.deadlines[i] = this.deadlines[last];
      this.fds.pop();
      this.deadlines.pop();
    }
  }
}

/** The socket's TCP state, or -1 when it has none (a unix socket) or it cannot be read. */
function tcpState(sys: Libc, fd: number): number {
  const head = [0];
  if (sys.getsockopt(fd, IPPROTO_TCP, TCP_INFO, head, [TCP_INFO_HEAD_BYTES]) !== 0) return -1;
  return head[0] & TCP_STATE_MASK;
}

let holds: DeliveryHolds | null = null;
let poller: NodeJS.Timeout | null = null;

function poll(): void {
  if (holds === null) return;
  holds.check(performance.now());
  if (holds.size === 0 && poller !== null) {
    clearInterval(poller);
    poller = null;
  }
}

/**
 * Call just before Node closes `socket`, whose FIN is queued: if the peer has not acknowledged it yet, the
 * socket's kernel end stays open (not an orphan) until it has, or `ms` from now. A unix socket's data is in
 * its peer's queue already: nothing to hold.
 */
export function holdUntilDelivered(socket: net.Socket, ms: number): void {
  const sys = libc();
  if (typeof sys === 'string') return;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return;
  const state = tcpState(sys, fd);
  if (state < 0 || finAcknowledged(state)) return;
  const held = sys.dup(fd);
  if (held < 0) return;
  holds ??= new DeliveryHolds({ tcpState: (f) => tcpState(sys, f), close: (f) => void sys.close(f) });
  holds.add(held, performance.now() + ms);
  if (poller === null) {
    poller = setInterval(poll, DELIVERY_POLL_MS);
    poller.unref();
  }
}

/** How many sockets are held now (tests). */
export function heldSockets(): number {
  return holds?.size ?? 0;
}
