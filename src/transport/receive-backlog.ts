/**
 * A receiver that cannot keep up holds the sender's whole window in its socket: on loopback, with windows
 * of 1024, 115-435 datagrams queued ahead of a 64-byte request, 5-10 ms of waiting
 * (docs/bench-tunnel-latency-2026-12-02.md), while with windows of 64 the same transfer ran at a similar
 * rate and the request waited no longer than idle (docs/bench-tunnel-latency-2026-12-02-2.md). KCP's
 * advertised window counts only what waits in rcv_queue; datagrams waiting in our socket are received but
 * not consumed as well. So while the batched receive finds a queue standing in the socket (more than it reads
 * in one go, for longer than STANDING_MS), the window a session advertises shrinks, and grows back while the
 * socket drains: flow control on a local signal, which a path's delay or loss never triggers (no congestion
 * control is added to nc=1).
 */

/** The batched receive's view of the readiness callback being delivered (one at a time per process). */
interface ReceiveBatch {
  /** Counts readiness callbacks; a session acts once per callback. */
  serial: number;
  /** A callback of the batched receive is delivering; false elsewhere (dgram's datagrams carry no signal). */
  active: boolean;
  /** That callback read at least BACKLOG_DATAGRAMS from a queue standing for STANDING_MS or longer. */
  backlogged: boolean;
}

export const receiveBatch: ReceiveBatch = { serial: 0, active: false, backlogged: false };

/**
 * Datagrams read in one readiness callback that may mean a backlog: half a receive batch (64). A sender's
 * burst read at once stays below it at rates the receiver keeps up with.
 */
export const BACKLOG_DATAGRAMS = 32;

/**
 * How long the socket must have held a full receive batch at every read before a callback counts as
 * backlogged, in ms. A count alone is a queue of 0.4 ms at fast3-raw's 100+ MiB/s (75k datagrams/s): one
 * sender's turn (a sendmmsg batch of up to 64) arriving at once looked like a backlog, and the cuts it
 * caused held fast3-raw to 63-93 MiB/s against 104-154 without them
 * (docs/bench-tunnel-latency-2026-12-02-2.md). A queue that stands for 1 ms is one the receiver does not
 * drain between two reads; 1 ms is also issue 16's bound on a request's wait. Measured against the count
 * alone in docs/bench-tunnel-latency-2026-12-02-3.md.
 */
export const STANDING_MS = 1;

/**
 * Per socket: how long the batched receive has found a full batch waiting at each of its reads. Pure: the
 * caller passes in the time.
 */
export class StandingQueue {
  /** When the present run of full reads began, or -1 after a read that drained the socket. */
  private fullSince = -1;

  /**
   * A read at `now` (ms) that filled the batch it asked for (`full`: more may be queued) or drained the
   * socket. Returns how long the queue has stood: from the first of the run of full reads that this read
   * continues or ends, to now; 0 when the previous read drained the socket too.
   */
  onRead(full: boolean, now: number): number {
    const since = this.fullSince;
    this.fullSince = !full ? -1 : since < 0 ? now : since;
    return since < 0 ? 0 : now - since;
  }
}

/**
 * Called by the batched receive before it delivers a callback's `datagrams`; `standingMs` is what its
 * socket's StandingQueue returned for the read.
 */
export function beginReceiveBatch(datagrams: number, standingMs: number): void {
  receiveBatch.serial++;
  receiveBatch.active = true;
  receiveBatch.backlogged = datagrams >= BACKLOG_DATAGRAMS && standingMs >= STANDING_MS;
}

/** A session holding data received in the batch being delivered, to hand up once the batch is in. */
export interface BatchReceiver {
  /** Hand up what the batch's datagrams made ready. */
  endOfBatch(): void;
  /** Once every receiver of the batch has handed up its data: send what the batch's ACKs let out. */
  afterBatch(): void;
}

let waiting: BatchReceiver[] = [];
let spare: BatchReceiver[] = [];

/**
 * Ask for `r.endOfBatch()` once the batch being delivered is in, and `r.afterBatch()` once every receiver's
 * endOfBatch has run; only while `receiveBatch.active`, once per batch. A session then reads KCP's receive
 * queue once per batch rather than once per datagram, so what it hands up (smux frames, then the TCP
 * writes they feed) comes in batch-sized pieces: the server of an upload made about 5 TCP writes per
 * recvmmsg call. The sends an ACK lets out come after every delivery (KcpSession.holdSends): a request
 * that arrives in the same batch as a bulk session's ACKs is handed up before that session builds its next
 * 64 datagrams, which all leave in the batch's one sendmmsg anyway.
 */
export function deliverAtBatchEnd(r: BatchReceiver): void {
  waiting.push(r);
}

/** Called by the batched receive once the callback's datagrams are delivered: hands up what they made ready. */
export function endReceiveBatch(): void {
  receiveBatch.active = false;
  const batch = waiting;
  waiting = spare;
  spare = batch;
  try {
    for (let i = 0; i < batch.length; i++) batch[i].endOfBatch();
  } finally {
    // a receiver holds its sends until afterBatch: it runs even if a delivery threw
    try {
      for (let i = 0; i < batch.length; i++) batch[i].afterBatch();
    } finally {
      batch.length = 0;
    }
  }
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
      // `| 0`, not Math.floor: V8 compiles a division whose results were whole so far as an exact one and
      // deoptimizes at the first fraction (docs/bench-tunnel-cold-2026-12-05-2.md); `cap` <= rcv_wnd < 2^16
      this.cap = Math.max(FLOOR, ((cap * DECREASE_NUM) / DECREASE_DEN) | 0);
      this.holdUntil = (rcvNxt + cap) >>> 0;
      this.holding = true;
    } else if (!backlogged) {
      const grown = cap + GROWTH;
      this.cap = grown >= rcvWnd ? Number.POSITIVE_INFINITY : grown;
    }
    return this.cap;
  }
}
