/**
 * bench:link's request/response probe in the simulated pair (PairOptions.probe): endpoint b (the downloading
 * client) writes a request every `intervalMs` from the bulk's start while fewer than `inFlight` are
 * unanswered (bench/link/probe-schedule.ts), on the download's own KCP session as a kcptun client with
 * -conn 1 carries both connections. What it changes is the client's flushes: a kcp-go session flushes on
 * every write (sess.go WriteBuffers without write delay) and whenever an input moves its una (kcp.go Input,
 * `windowSlides`: our ACK of a request), besides its interval. Toward a Go client at -mode fast (interval
 * 30 ms) the link's server trace read an ACK cadence of 6-13 ms while the probe ran, the simulated one 30
 * (docs/link-go-client-2026-12-07-goclient31.md §5).
 *
 * The answers are not in endpoint a's stream (the bytes would mix with the download's): a request is
 * answered when b has in order the segment its answer would have gone out in, the sn after what a had
 * queued in KCP when it read the request (the session's backlog, as the server's smux writes the answer
 * behind it); with nothing queued or left to write, one link delay after a read it.
 */
import type { Endpoint } from './kcp-pair-sim.js';

export interface ProbeOptions {
  /** A request every this many ms (bench/link's probeIntervalMs of the link's rate). */
  intervalMs: number;
  /** At most this many unanswered (PROBE_IN_FLIGHT). */
  inFlight: number;
  /** Bytes per request (PROBE_REQUEST). */
  requestBytes: number;
}

/** One request's answer once a has read it: in b's stream before segment `sn`, or at sim ms `at`. */
interface Answer {
  sn: number;
  at: number;
}

export class PairProbe {
  /** Requests written, read by a, and answered (b has the answer). */
  sent = 0;
  private read = 0;
  answered = 0;
  private readonly answers: Answer[] = [];
  /** The next tick (sim ms); Infinity before the bulk starts and after the probe ended. */
  nextTickMs = Number.POSITIVE_INFINITY;
  private ended = false;

  /** `requestFrom`: b's stream offset where the requests start (its own bytes before them). */
  constructor(
    private readonly options: ProbeOptions,
    private readonly requestFrom: number,
    private readonly linkDelayMs: number,
  ) {}

  /** b's stream with room for every request a run of `maxSimMs` could write. */
  stream(own: Buffer, maxSimMs: number): Buffer {
    const room = Math.ceil(maxSimMs / this.options.intervalMs + 1) * this.options.requestBytes;
    return Buffer.concat([own, Buffer.alloc(room)]);
  }

  /** The bulk download started at sim ms `t`: the first tick. */
  start(t: number): void {
    if (!this.ended && !Number.isFinite(this.nextTickMs)) this.nextTickMs = t;
  }

  /**
   * One step at sim ms `t`, after the inputs and reads and before the writes: a's reads of requests, b's
   * answers, and a tick's request (b's writeLimit grows by one request).
   */
  step(t: number, a: Endpoint, b: Endpoint): void {
    const bytes = this.options.requestBytes;
    while (a.received >= this.requestFrom + (this.read + 1) * bytes) {
      this.read++;
      const idle = a.kcp.unsent === 0 && a.sendDoneToLimit;
      this.answers.push({
        sn: (a.kcp.sndNxt + a.kcp.unsent) >>> 0,
        at: idle ? t + this.linkDelayMs : Number.POSITIVE_INFINITY,
      });
    }
    for (let x = this.answers[0]; x !== undefined; x = this.answers[0]) {
      if (((b.kcp.rcvNxt - x.sn) | 0) <= 0 && t < x.at) break;
      this.answers.shift();
      this.answered++;
    }
    if (t < this.nextTickMs) return;
    while (this.nextTickMs <= t) this.nextTickMs += this.options.intervalMs;
    if (this.sent - this.answered >= this.options.inFlight) return;
    this.sent++;
    b.writeLimit += bytes;
  }

  /** The download is received: no more requests; b's stream ends after the last one (a expects that much). */
  end(a: Endpoint, b: Endpoint): void {
    if (this.ended) return;
    this.ended = true;
    this.nextTickMs = Number.POSITIVE_INFINITY;
    b.outgoingEnd = b.writeLimit;
    a.expectedEnd = b.writeLimit;
  }
}
