/**
 * Where a simulated cold download's bottleneck time goes, per phase of the sender's controller (link-sim's
 * phases line): Startup with its Drain (from the request until ProbeBW begins), ProbeBW (until the last new
 * segment goes out) and the tail (from there to the last byte). Per phase: how long it lasted, how long the
 * bottleneck idled, and what the sender put on the wire in shares of the bottleneck's capacity over the
 * phase (KCP datagrams, and FEC parity), with the retransmitted share of its KCP transmissions. A phase
 * may put more than 100 % on the wire: the rest waits in the bottleneck's queue.
 *
 * It answers where the link rate goes in a cold download (docs/link-probe-bw-loss-2026-12-05.md): on the
 * long lossy links ProbeBW keeps the bottleneck busy (idle under 2 % of its time); what it does not carry
 * as new data is the loss's retransmissions and the last flight's parity, and the idle time is Startup's
 * ramp and the tail's wait for repairs.
 */
import type { Endpoint } from '../test/kcp/kcp-pair-sim.js';

const PHASES = ['Startup+Drain', 'ProbeBW', 'tail'] as const;
const STARTUP = 0;
const PROBE_BW = 1;
const TAIL = 2;

/** Sums of one phase (ms and bytes), over one or more downloads. */
class Sums {
  ms = 0;
  idleMs = 0;
  kcpBytes = 0;
  parityBytes = 0;
  transmissions = 0;
  retransmissions = 0;

  add(o: Sums): void {
    this.ms += o.ms;
    this.idleMs += o.idleMs;
    this.kcpBytes += o.kcpBytes;
    this.parityBytes += o.parityBytes;
    this.transmissions += o.transmissions;
    this.retransmissions += o.retransmissions;
  }

  clear(): void {
    this.ms = 0;
    this.idleMs = 0;
    this.kcpBytes = 0;
    this.parityBytes = 0;
    this.transmissions = 0;
    this.retransmissions = 0;
  }
}

/** One download's phases, fed by PairOptions.observe (a sends, b receives). */
export class PhaseAccount {
  readonly phases = PHASES.map(() => new Sums());
  /** What went by since the last new segment: ProbeBW's if another follows, else the tail. */
  private readonly sinceNew = new Sums();
  private started = false;
  private done = false;
  private inProbeBw = false;
  private lastT = 0;
  /** When the bottleneck is done with what was queued at the last step (sim ms). */
  private busyUntil = 0;
  private bytesOut = 0;
  private parityOut = 0;
  private transmissions = 0;
  private retransmissions = 0;

  /**
   * `from`: the download begins once the sender may write more than this (link-sim's RTT prime);
   * `coldEnd`: the bytes of the download (a warm one after it is not counted).
   */
  constructor(
    private readonly from: number,
    private readonly coldEnd: number,
  ) {}

  observe(t: number, a: Endpoint, b: Endpoint): void {
    const cc = a.kcp.congestion;
    // the step that delivered the download's last byte is its last
    if (cc === null || this.done) return;
    this.done = b.received >= this.coldEnd;
    if (!this.started) {
      if (a.writeLimit <= this.from) return;
      this.started = true;
      this.mark(t, a);
      return;
    }
    const firstSends = a.kcp.transmissions - a.kcp.retransmittedSegs;
    const newSent = firstSends !== this.transmissions - this.retransmissions;
    const step = this.sinceNew;
    step.ms += t - this.lastT;
    step.idleMs += Math.max(0, t - Math.max(this.lastT, this.busyUntil));
    step.kcpBytes += a.bytesOut - a.parityBytesOut - (this.bytesOut - this.parityOut);
    step.parityBytes += a.parityBytesOut - this.parityOut;
    step.transmissions += a.kcp.transmissions - this.transmissions;
    step.retransmissions += a.kcp.retransmittedSegs - this.retransmissions;
    if (!this.inProbeBw) {
      this.phases[STARTUP].add(step);
      step.clear();
      this.inProbeBw = cc.state === 'probe-bw';
    } else if (newSent) {
      this.phases[PROBE_BW].add(step);
      step.clear();
    }
    this.mark(t, a);
  }

  /** At the download's last byte: what followed the last new segment is the tail. */
  finish(): void {
    this.phases[TAIL].add(this.sinceNew);
    this.sinceNew.clear();
  }

  private mark(t: number, a: Endpoint): void {
    this.lastT = t;
    this.busyUntil = t + a.queueMs(t);
    this.bytesOut = a.bytesOut;
    this.parityOut = a.parityBytesOut;
    this.transmissions = a.kcp.transmissions;
    this.retransmissions = a.kcp.retransmittedSegs;
  }
}

/** The phases line: means per download of `accounts`, at the bottleneck's `rate` (bytes per ms). */
export function phasesLine(accounts: readonly PhaseAccount[], rate: number): string {
  const n = accounts.length;
  const cells = PHASES.map((name, i) => {
    const s = new Sums();
    for (const acc of accounts) s.add(acc.phases[i]);
    const capacity = s.ms * rate;
    const pct = (x: number) => (capacity > 0 ? ((100 * x) / capacity).toFixed(1) : '-');
    const retrans = s.transmissions > 0 ? ((100 * s.retransmissions) / s.transmissions).toFixed(1) : '-';
    return (
      `${name} ${(s.ms / n).toFixed(0)} (idle ${(s.idleMs / n).toFixed(0)}; ` +
      `${pct(s.kcpBytes)} + ${pct(s.parityBytes)} %; ${retrans} %)`
    );
  });
  return (
    `  phases, ms per download (bottleneck idle ms; KCP datagrams + FEC parity sent, % of the bottleneck's ` +
    `capacity; retransmitted % of KCP transmissions): ${cells.join(', ')}`
  );
}
