/**
 * At most one log line per cause per peer per interval (a minute by default): a peer that keeps sending
 * bad datagrams, or keeps failing the same way, must not flood the log, yet the first occurrence is
 * always seen at once. Lines held back in between are counted and the count rides on the next line, so
 * an operator still learns how often it happened.
 *
 * The table of (cause, peer) keys is bounded: a flood from many addresses cannot grow it without limit;
 * when full, keys whose interval has passed are swept, and if none has, the oldest key is evicted (it
 * may then log again early, which is the lesser harm).
 */

/** kcptun users read logs by the minute; one line per cause per peer per minute is the house rule. */
export const LOG_INTERVAL_MS = 60_000;
/** Keys remembered at most; beyond it the oldest are forgotten. */
export const LOG_LIMITER_MAX_KEYS = 4096;

export interface LogLimiterOptions {
  /** Minimum time between two lines of one cause and peer. */
  readonly intervalMs?: number;
  /** Monotonic milliseconds; injected by tests. */
  readonly now?: () => number;
  readonly maxKeys?: number;
}

interface Entry {
  /** When the last line for this key was written. */
  lastLoggedAt: number;
  /** Occurrences held back since then. */
  suppressed: number;
}

export class LogLimiter {
  private readonly entries = new Map<string, Entry>();
  /**
   * The entry `holds` last found, with its cause and peer: a peer that keeps sending bad datagrams asks for
   * the same key each time, and its key string is then not built again. Forgotten whenever the table changes.
   */
  private lastCause = '';
  private lastPeer: string | number = '';
  private lastEntry: Entry | undefined;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(
    private readonly log: (line: string) => void,
    options: LogLimiterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? LOG_INTERVAL_MS;
    this.now = options.now ?? (() => performance.now());
    this.maxKeys = options.maxKeys ?? LOG_LIMITER_MAX_KEYS;
  }

  /**
   * Records one occurrence of `cause` for `peer` and writes `message()` if this key has not logged within
   * the interval. `message` is called only when a line is written, so a held-back occurrence costs no
   * string building. Returns whether a line was written.
   */
  report(cause: string, peer: string | number, message: () => string): boolean {
    return this.gate(cause, peer, (held) => {
      const line = message();
      return held > 0 ? `${line} (${held} more since the last such line)` : line;
    });
  }

  /**
   * Like report, for a cause whose line states the count itself ("N datagrams from ... in the last
   * minute"): `message` gets the occurrences since the last line, this one included, and the ms since
   * that line (-1 if there was none); nothing is appended.
   */
  reportCount(
    cause: string,
    peer: string | number,
    message: (count: number, sinceMs: number) => string,
  ): boolean {
    return this.gate(cause, peer, (held, sinceMs) => message(held + 1, sinceMs));
  }

  /**
   * True when a line for `cause` and `peer` was written within the interval: the occurrence is then counted
   * as held back, as report and reportCount would count it. A caller on the packet path asks this first and
   * builds its message (a closure) only when a line is due: a flood of bad datagrams from one peer then costs
   * no allocation per datagram (docs/sturdiness-garbage-flood-2026-12-06-garbage27.md).
   */
  holds(cause: string, peer: string | number): boolean {
    let entry = this.lastEntry;
    if (entry === undefined || cause !== this.lastCause || peer !== this.lastPeer) {
      entry = this.entries.get(`${cause}\u0000${peer}`);
      if (entry === undefined) return false;
      this.lastCause = cause;
      this.lastPeer = peer;
      this.lastEntry = entry;
    }
    if (this.now() - entry.lastLoggedAt >= this.intervalMs) return false;
    entry.suppressed++;
    return true;
  }

  private gate(
    cause: string,
    peer: string | number,
    line: (held: number, sinceMs: number) => string,
  ): boolean {
    const key = `${cause}\u0000${peer}`;
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry !== undefined && now - entry.lastLoggedAt < this.intervalMs) {
      entry.suppressed++;
      return false;
    }
    this.log(line(entry?.suppressed ?? 0, entry === undefined ? -1 : now - entry.lastLoggedAt));
    this.lastEntry = undefined;
    if (entry !== undefined) {
      // Re-insert so the map's order stays oldest-first for eviction.
      this.entries.delete(key);
    } else if (this.entries.size >= this.maxKeys) {
      this.makeRoom(now);
    }
    this.entries.set(key, { lastLoggedAt: now, suppressed: 0 });
    return true;
  }

  /** The minimum time between two lines of one cause and peer. */
  get interval(): number {
    return this.intervalMs;
  }

  /** Keys currently remembered (for tests and bounds checks). */
  get size(): number {
    return this.entries.size;
  }

  private makeRoom(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.lastLoggedAt >= this.intervalMs) this.entries.delete(key);
    }
    if (this.entries.size < this.maxKeys) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}
