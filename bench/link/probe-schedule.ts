/**
 * The request/response probe's requests on its one connection (bench/link/endpoint.ts), pure: the caller
 * passes the time. A tick of the schedule (every probeIntervalMs) sends a request unless `inFlight` are
 * unanswered (why both: endpoint-protocol.ts PROBE_IN_FLIGHT); each request is numbered, its answer
 * carries the number, and one connection answers in order, so the oldest unanswered request is the one
 * answered. A request's round trip runs from its write to its answer's last byte.
 */
export class ProbeSchedule {
  /** Write times of the unanswered requests, oldest first. */
  private readonly sentAt: number[] = [];
  private sentCount = 0;

  constructor(private readonly inFlight: number) {}

  /** Requests sent so far; the last one's sequence number. */
  get sent(): number {
    return this.sentCount;
  }

  get outstanding(): number {
    return this.sentAt.length;
  }

  /** A tick at `now`: the sequence number (from 1) of the request to write now, or 0 when `inFlight` wait. */
  next(now: number): number {
    if (this.sentAt.length >= this.inFlight) return 0;
    this.sentAt.push(now);
    return ++this.sentCount;
  }

  /** The answer to request `seq` arrived at `now`: its round trip. Throws on an answer out of order. */
  answered(seq: number, now: number): number {
    const oldest = this.sentCount - this.sentAt.length + 1;
    const sentAt = this.sentAt.shift();
    if (sentAt === undefined || seq !== oldest) {
      throw new Error(`probe answer ${seq}, expected ${sentAt === undefined ? 'none' : oldest}`);
    }
    return now - sentAt;
  }

  /** How long the oldest unanswered request has waited at `now`, or null when none waits. */
  oldestWait(now: number): number | null {
    return this.sentAt.length === 0 ? null : now - this.sentAt[0];
  }
}
