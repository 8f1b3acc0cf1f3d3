/**
 * One timer per keep-alive interval for every smux session of the thread, instead of a timer per session.
 * A server with 1000 idle sessions woke up about 100 times a second for their NOPs, each wake-up sending
 * one datagram, while its peer woke as often to take them (docs/bench-tunnel-sessions-2026-12-05-3.md);
 * on one clock their NOPs leave together, once per interval. A session that joins between two ticks sends
 * its first NOP at the next one, sooner than one interval after it opened, which the peer cannot tell from
 * a NOP sent early: it only checks that some frame arrived within its keep-alive timeout.
 */

/** The sessions' pings on one interval, and its timer while any session is on it. */
class Clock {
  readonly pings = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => {
      // A ping that closes its session (a failed write) leaves the set meanwhile, which iteration allows.
      for (const ping of this.pings) ping();
    }, intervalMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const clocks = new Map<number, Clock>();

/**
 * Call `ping` every `intervalMs` from now on, with every other session of this interval; returns the call
 * that stops it (the clock's timer goes when its last session leaves).
 */
export function joinKeepAlive(intervalMs: number, ping: () => void): () => void {
  let clock = clocks.get(intervalMs);
  if (clock === undefined) {
    clock = new Clock(intervalMs);
    clocks.set(intervalMs, clock);
  }
  const joined = clock;
  joined.pings.add(ping);
  return () => {
    if (!joined.pings.delete(ping) || joined.pings.size > 0) return;
    joined.stop();
    if (clocks.get(intervalMs) === joined) clocks.delete(intervalMs);
  };
}

/** Keep-alive intervals with a timer now (tests: one timer per interval, none once every session left). */
export function keepAliveTimers(): number {
  return clocks.size;
}
