import { releaseSegmentPool, SEGMENT_POOL_TRIM_MS, trimSegmentPool } from '../kcp/segment.js';
import { timeDiff } from '../kcp/time-diff.js';
import { nowMs } from './clock.js';
import { flushOutbox } from './outbox.js';
import { receiveBatch } from './receive-backlog.js';

/**
 * `update`'s answer when it has nothing to do until something happens to it (a datagram, a write): the
 * scheduler then parks it, off the heap, until `advance` brings it back.
 */
export const IDLE = -1;
/** `dueAt` of a session that is not driven (never added, or removed). */
const NOT_SCHEDULED = -1;
/** `dueAt` of a parked session (`update` returned IDLE): due times are uint32, so this is none of them. */
const PARKED = -2;

/**
 * How long (ms) the scheduler may have gone without running before it reads the sockets first. A gap this
 * long means the process did not run (a stop, a stall of the machine): the peer's ACKs of the flight may
 * already wait in our socket, but after it libuv runs timers before the poll phase, and the poll phase may
 * serve a TCP connection (a write, a flush) before the UDP socket, so a flush would time the whole flight out
 * before they are read (docs/bench-tunnel-auto-retransmits-2026-12-05.md: 64-3,937 RTO retransmissions per
 * direction under 60 ms stops). Below KCP's 30 ms RTO floor, since a gap understates the stall by up to one
 * update interval; the read it costs is one non-blocking call per socket.
 */
export const LATE_TICK_READ_MS = 10;

/** `s` is parked: its update returned IDLE and nothing has brought it back since. */
export function isParked(s: Schedulable): boolean {
  return s.dueAt === PARKED;
}

/** Something the scheduler drives: a KCP session. */
export interface Schedulable {
  /**
   * Run the periodic work (KCP flush) and return the milliseconds until it is due again, or IDLE: nothing
   * to do until the owner calls `advance`.
   */
  update(now: number): number;
  /** Flush what writes and reads queued during this event-loop turn. */
  flushPending(now: number): void;
  /** The time `update` is due next; owned by the scheduler. -1 when not scheduled, -2 when parked. */
  dueAt: number;
}

/** How a scheduler is driven. */
export interface SchedulerOptions {
  /** The KCP clock: milliseconds as a wrapping uint32. Defaults to the process clock (kcp-go's currentMs). */
  now?: () => number;
  /**
   * 'timers' (the default): one setTimeout for the earliest update and one setImmediate for the end-of-turn
   * flushes. 'manual': nothing runs until the owner calls run(), so a test or an embedder with its own loop
   * decides when time passes (pair it with a `now` it controls).
   */
  drive?: 'timers' | 'manual';
}

/**
 * The one timer of the process: every KCP session's periodic flush is a heap entry here, and one
 * setTimeout is armed for the earliest. Writes and reads within one event-loop turn are coalesced into
 * a single flush per session at the end of the turn (setImmediate), so a burst of small writes leaves
 * as full segments instead of one datagram per write.
 */
export class Scheduler {
  private heap: Schedulable[] = [];
  private heapDue: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private pending: Schedulable[] = [];
  private pendingArmed = false;
  /** Sessions whose update returned IDLE and that nothing has brought back since. */
  private parkedCount = 0;
  /** Sessions added and not removed, parked ones included. */
  private drivenCount = 0;
  private readonly runDue = (): void => this.onTimer();
  private readonly runPending = (): void => this.onImmediate(true);
  private readonly manual: boolean;
  /** Synchronous, non-blocking reads of the sockets (mmsg-io), run first after a stall (readIfStalled). */
  private readonly lateReaders: (() => void)[] = [];
  /** The late reader running now, -1 outside the loop: a reader removed before it moves it back (removeLateReader). */
  private lateReading = -1;
  /** When the scheduler last ran (a tick or an end-of-turn flush), on its clock. */
  private lastRun = 0;
  private _turn = 0;
  /** The clock every session driven here reads. */
  readonly now: () => number;

  constructor(options: SchedulerOptions = {}) {
    const drive = options.drive ?? 'timers';
    if (drive !== 'timers' && drive !== 'manual') {
      throw new RangeError(`drive must be 'timers' or 'manual', got ${String(drive)}`);
    }
    if (options.now !== undefined && typeof options.now !== 'function') {
      throw new TypeError('now must be a function returning milliseconds');
    }
    this.manual = drive === 'manual';
    this.now = options.now ?? nowMs;
    this.lastRun = this.now();
  }

  /**
   * Counts end-of-turn flushes (in 'manual' drive, runs): what happens between two of them (timers, then
   * the datagrams and connections the poll phase serves) is one turn, over which a session budgets its sends.
   */
  get turn(): number {
    return this._turn;
  }

  /** Start driving `s`; its first update runs at once (kcp-go runs the first update right after creation). */
  add(s: Schedulable): void {
    if (s.dueAt === NOT_SCHEDULED) this.drivenCount++;
    this.schedule(s, this.now());
  }

  /** Stop driving `s`. Stale heap entries are skipped when they surface. */
  remove(s: Schedulable): void {
    if (s.dueAt === NOT_SCHEDULED) return;
    const parked = s.dueAt === PARKED;
    s.dueAt = NOT_SCHEDULED;
    this.drivenCount--;
    if (!parked) return;
    this.parkedCount--;
    if (this.heap.length === 0) this.arm(); // perhaps the last session: its pooled segments go
  }

  /**
   * Bring the next update of `s` forward to `due` if that is earlier than what is scheduled; a parked `s`
   * is scheduled at `due`.
   */
  advance(s: Schedulable, due: number): void {
    if (s.dueAt === NOT_SCHEDULED) return;
    if (s.dueAt === PARKED) this.parkedCount--;
    else if (timeDiff(due, s.dueAt) >= 0) return;
    this.schedule(s, due);
  }

  /**
   * Run `read` (a non-blocking read of a socket and the delivery of what it held) before a tick's updates or
   * an end-of-turn flush when the scheduler has not run for LATE_TICK_READ_MS or more (readIfStalled).
   */
  addLateReader(read: () => void): void {
    this.lateReaders.push(read);
  }

  /** Stop running `read` after stalls. */
  removeLateReader(read: () => void): void {
    const i = this.lateReaders.indexOf(read);
    if (i < 0) return;
    this.lateReaders.splice(i, 1);
    // a read that closes its own socket or another's (a delivery can) must not make the loop skip the next
    if (i <= this.lateReading) this.lateReading--;
  }

  /** Sessions parked now (their update returned IDLE), for tests and metrics. */
  get parked(): number {
    return this.parkedCount;
  }

  /**
   * Whether a session's update may answer IDLE now: not if it is the last one driven. A process whose timer
   * stops sleeps until the network wakes it, and its idle round trip through the tunnel was 0.15-0.4 ms
   * longer on the 2-core VM (the fastest tenth +190 us, 6 of 6 alternating pairs,
   * docs/bench-tunnel-sessions-2026-12-05-2.md); with one session still on its interval the process wakes
   * as it did, and a server's thousand idle sessions still cost one.
   */
  get mayPark(): boolean {
    return this.drivenCount - this.parkedCount > 1;
  }

  /** Ask for `s.flushPending` at the end of this event-loop turn. Call at most once per turn per session. */
  requestFlush(s: Schedulable): void {
    this.pending.push(s);
    if (!this.pendingArmed && !this.manual) {
      this.pendingArmed = true;
      setImmediate(this.runPending);
    }
  }

  /**
   * Flush `s` now (its update, then the datagrams it queued) instead of at the end of the turn, and return
   * true; false, doing nothing, for a 'manual' scheduler, which only moves in run(). For a write to an
   * idle session: it has nothing yet to coalesce with, and the rest of the turn would only delay it
   * (kcp-go flushes on every write).
   *
   * It never reads the sockets first, stall or not (readIfStalled), and does not count as the scheduler
   * running: a write can come from inside a delivery (smux's window update for the bytes a stream just
   * consumed), and a read there delivered the next datagrams into a session still handing up the last ones,
   * whose snappy reader then took the stream's next piece before the end of the one it was in
   * (docs/bench-tunnel-stall-2026-12-05-2.md). Nor does it need to: an idle session has nothing in flight
   * to time out.
   *
   * Inside a batched receive's delivery the datagrams wait for the batch's own flushOutbox, which follows
   * it: the sessions one batch opens at a server each send -mode auto's RTT-priming NOP (rtt-prime.ts),
   * and they then share a sendmmsg instead of one system call each.
   */
  flushNow(s: Schedulable): boolean {
    if (this.manual) return false;
    const now = this.now();
    const wait = s.update(now);
    if (wait === IDLE) this.park(s);
    else this.advance(s, (now + Math.max(1, wait)) >>> 0);
    if (!receiveBatch.active) flushOutbox();
    return true;
  }

  /**
   * Run what is due now: the flushes requested since the last run, then every update whose time has come.
   * Returns the milliseconds until the next update is due, or -1 when nothing is scheduled (no session, or
   * every one parked until a datagram or a write comes). This is how a 'manual' scheduler moves; a
   * 'timers' one runs the same steps from its own callbacks.
   */
  run(): number {
    this.onImmediate(true);
    this.runDueUpdates(this.now());
    flushOutbox();
    // Entries of removed or rescheduled sessions are skipped when they surface: drop them from the top.
    while (this.heap.length > 0 && this.heap[0].dueAt !== this.heapDue[0]) this.pop();
    if (this.heap.length === 0) return -1;
    return Math.max(0, timeDiff(this.heapDue[0], this.now()));
  }

  /**
   * End the turn now: run the flushes requested so far (the ACKs a receive batch queued) as the end-of-turn
   * flush would. For a readiness callback that reads on past one batch (mmsg-io.ts), so never a read after a
   * stall first: that callback reads the next batch itself, and each batch's ACKs are to leave before it
   * (test/transport/udp-io's reading-on case failed on a loaded machine when a stall read came first).
   */
  endTurn(): void {
    this.onImmediate(false);
  }

  /**
   * Read the sockets (the late readers) first if the scheduler has not run for LATE_TICK_READ_MS or more, so
   * that the ACKs that waited out a stall are taken before a flush can time their segments out; returns now.
   * Only from the timer's callback and the end-of-turn flush (setImmediate; run() when driven by hand):
   * entered from the event loop, outside every delivery (see flushNow and endTurn).
   */
  private readIfStalled(): number {
    let now = this.now();
    const stalled = timeDiff(now, this.lastRun) >= LATE_TICK_READ_MS;
    this.lastRun = now;
    if (stalled && this.lateReaders.length > 0) {
      for (this.lateReading = 0; this.lateReading < this.lateReaders.length; this.lateReading++)
        this.lateReaders[this.lateReading]();
      this.lateReading = -1;
      now = this.now();
      this.lastRun = now;
    }
    return now;
  }

  private schedule(s: Schedulable, due: number): void {
    s.dueAt = due;
    this.push(s, due);
    this.arm();
  }

  /** The end-of-turn flushes; `afterStall`: read the sockets first after a stall (readIfStalled). */
  private onImmediate(afterStall: boolean): void {
    this._turn++;
    this.pendingArmed = false;
    const now = afterStall ? this.readIfStalled() : this.now();
    const batch = this.pending;
    this.pending = [];
    for (let i = 0; i < batch.length; i++) batch[i].flushPending(now);
    flushOutbox();
  }

  private onTimer(): void {
    this.timer = null;
    this.runDueUpdates(this.readIfStalled());
    flushOutbox();
    // On the process clock whatever this scheduler's own: the pool and its trim period are process-wide.
    trimSegmentPool(nowMs());
    this.arm();
  }

  private runDueUpdates(now: number): void {
    while (this.heap.length > 0) {
      const due = this.heapDue[0];
      if (timeDiff(due, now) > 0) break;
      const s = this.pop();
      if (s.dueAt !== due) continue; // removed or rescheduled
      const wait = s.update(now);
      if (s.dueAt !== due) continue; // removed or rescheduled by its own update
      if (wait === IDLE) {
        this.park(s);
        continue;
      }
      s.dueAt = (now + Math.max(1, wait)) >>> 0;
      this.push(s, s.dueAt);
    }
  }

  /** Take `s` off the heap (an entry left there is stale and skipped) until advance() brings it back. */
  private park(s: Schedulable): void {
    if (s.dueAt === NOT_SCHEDULED || s.dueAt === PARKED) return;
    s.dueAt = PARKED;
    this.parkedCount++;
  }

  private arm(): void {
    if (this.manual) return;
    let due: number;
    if (this.heap.length > 0) due = this.heapDue[0];
    else if (this.parkedCount > 0) {
      // Every session left is parked (the last driven one closed): the timer only trims the segment pool,
      // which they may yet need.
      due = (this.now() + SEGMENT_POOL_TRIM_MS) >>> 0;
    } else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      // No session left to reuse pooled segments (a burst can leave 12 MB of them).
      releaseSegmentPool();
      return;
    }
    if (this.timer && this.timerDue === due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    const delay = Math.max(0, timeDiff(due, this.now()));
    this.timer = setTimeout(this.runDue, delay);
  }

  private push(s: Schedulable, due: number): void {
    const heap = this.heap;
    const keys = this.heapDue;
    let i = heap.length;
    heap.push(s);
    keys.push(due);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (timeDiff(keys[parent], due) <= 0) break;
      heap[i] = heap[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    heap[i] = s;
    keys[i] = due;
  }

  private pop(): Schedulable {
    const heap = this.heap;
    const keys = this.heapDue;
    const top = heap[0];
    const lastS = heap.pop()!;
    const lastK = keys.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && timeDiff(keys[r], keys[l]) < 0 ? r : l;
        if (timeDiff(keys[c], lastK) >= 0) break;
        heap[i] = heap[c];
        keys[i] = keys[c];
        i = c;
      }
      heap[i] = lastS;
      keys[i] = lastK;
    }
    return top;
  }
}

/** The process-wide scheduler: every session uses it unless its options name another. */
export const scheduler = new Scheduler();
