/**
 * A receiver that cannot keep up holds the sender's whole window in its socket: on loopback, with windows
 * of 1024, 115-435 datagrams queued ahead of a 64-byte request, 5-10 ms of waiting
 * (docs/bench-tunnel-latency-2026-12-02.md), while with windows of 64 the same transfer ran at a similar
 * rate and the request waited no longer than idle (docs/bench-tunnel-latency-2026-12-02-2.md). KCP's
 * advertised window counts only what waits in rcv_queue; datagrams waiting in our socket are received but
 * not consumed as well. So while the batched receive finds more queued than it reads in one go, the window
 * a session advertises shrinks, and grows back while the socket drains: flow control on a local signal,
 * which a path's delay or loss never triggers (no congestion control is added to nc=1).
 */

/** The batched receive's view of the readiness callback being delivered (one at a time per process). */
interface ReceiveBatch {
  /** Counts readiness callbacks; a session acts once per callback. */
  serial: number;
  /** A callback of the batched receive is delivering; false elsewhere (dgram's datagrams carry no signal). */
  active: boolean;
  /** That callback read at least BACKLOG_DATAGRAMS: the socket holds more than the receiver reads at once. */
  backlogged: boolean;
}

export const receiveBatch: ReceiveBatch = { serial: 0, active: false, backlogged: false };

/**
 * Datagrams read in one readiness callback that mean a backlog: half a receive batch (64). A sender's
 * burst read at once stays below it at rates the receiver keeps up with; a queue this long is about
 * 0.5 ms of the receiver's work at 60k datagrams/s.
 */
export const BACKLOG_DATAGRAMS = 32;

/** Called by the batched receive before it delivers a callback's `datagrams`. */
export function beginReceiveBatch(datagrams: number): void {
  receiveBatch.serial++;
  receiveBatch.active = true;
  receiveBatch.backlogged = datagrams >= BACKLOG_DATAGRAMS;
}

/** Called by the batched receive once the callback's datagrams are delivered. */
export function endReceiveBatch(): void {
  receiveBatch.active = false;
}

/**
 * The least window a backlog leaves: one receive batch, and more than the ACK clock (a datagram's worth of
 * ACKs, at most 1500 / 24 = 62, is what makes the receiver send them before its interval; session.ts): with
 * a cap of 32, ACKs waited for the interval and loopback transfers fell to 2-5 MiB/s
 * (docs/bench-tunnel-latency-2026-12-02-2.md).
 */
const FLOOR = 64;
/** A backlogged callback cuts the window by a quarter, at most once per window of data received. */
const DECREASE_NUM = 3;
const DECREASE_DEN = 4;
/** Segments the window grows per callback that found the socket drained. */
const GROWTH = 4;

/**
 * The cap on one session's advertised window, adjusted once per readiness callback that delivered to it.
 * Pure: the session passes in KCP's rcv_nxt and rcv_wnd.
 */
export class BacklogWindow {
  /** The window to advertise at most, in segments. */
  cap = Number.POSITIVE_INFINITY;
  private serial = -1;
  /** No further cut until rcv_nxt reaches this: what the peer sent before it saw the last cut. */
  private holdUntil = 0;
  private holding = false;

  /** A datagram of readiness callback `serial` arrives; returns the cap to advertise from now on. */
  onDatagram(serial: number, backlogged: boolean, rcvNxt: number, rcvWnd: number): number {
    if (serial === this.serial) return this.cap;
    this.serial = serial;
    const cap = Math.min(this.cap, rcvWnd);
    if (this.holding && ((rcvNxt - this.holdUntil) | 0) >= 0) this.holding = false;
    if (backlogged && !this.holding) {
      this.cap = Math.max(FLOOR, Math.floor((cap * DECREASE_NUM) / DECREASE_DEN));
      this.holdUntil = (rcvNxt + cap) >>> 0;
      this.holding = true;
    } else if (!backlogged) {
      const grown = cap + GROWTH;
      this.cap = grown >= rcvWnd ? Number.POSITIVE_INFINITY : grown;
    }
    return this.cap;
  }
}
