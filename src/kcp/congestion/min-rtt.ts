/**
 * The min RTT for the congestion controller (controller.ts), as BBR keeps it: one value and when it was
 * measured. A sample replaces it when lower, or when the value is older than MIN_RTT_WINDOW_MS; that age
 * also makes ProbeRTT due, which drains the queue so the replacing samples are the path's, not a standing
 * queue's (a windowed-min filter would slide onto queue-inflated samples instead). ProbeRTT's lowest sample
 * becomes the min when it ends (after PROBE_RTT_MS and a round). ProbeRTT also comes early when the path's
 * delay seems to have risen past what the in-flight cap covers (onRoundLowest). Also whether an RTT shows a
 * standing queue above the min (queueStanding).
 */

/**
 * How long a min-RTT sample stays valid before ProbeRTT refreshes it, counted in time with data in flight:
 * an idle session learns nothing about the path (see restartFromIdle).
 */
const MIN_RTT_WINDOW_MS = 10_000;
/**
 * A sample at most this far above the min RTT renews it (its time, not its value): KCP's samples are whole
 * ms, so one a ms above the min shows no queue that ProbeRTT could drain, only the clock's step or the
 * peer's ACK delay. Renewed only by samples equal to it, a min RTT that one lucky sample set (an idle
 * restart's, 1 ms under the loaded samples) expired 9.3 s into both traced warm 16 MiB downloads on the
 * 50 ms, 10 Mbit/s VPS link, and ProbeRTT held half a BDP for ~400 ms (~1 % of the download) to measure
 * the same path a ms higher (link-sim: 150 ms, 10 Mbit/s +0.11 / +0.16 Mbit/s cold / warm, 16 seeds,
 * docs/link-vps-2026-12-05.md). A path whose delay grew by more still gets its new min when the old one
 * expires.
 */
const MIN_RTT_RENEW_MS = 1;
/** ProbeRTT lasts this long at half the BDP (v2), and at least one round. */
const PROBE_RTT_MS = 200;
/**
 * Rounds in a row whose lowest RTT stands above what the in-flight cap covers (see onRoundLowest) before
 * ProbeRTT comes early to measure the path's delay again.
 */
const DELAY_RISE_ROUNDS = 3;
/**
 * An early ProbeRTT's lowest sample becomes the min RTT only if it is at least this share of the lowest RTT
 * of the rounds that called it: halving the in-flight data left the round trip where it was, so no queue
 * of this sender's was in it, and the path's delay rose (see endProbeRtt).
 */
const DELAY_RISE_KEPT_SHARE = 0.9;
/** A queue is standing when the epoch's lowest RTT exceeds the min RTT by this share, and these ms. */
const QUEUE_RTT_SHARE = 0.1;
export const QUEUE_RTT_MIN_MS = 3;

/**
 * What the sender was doing as an RTT sample came: in ProbeRTT (the sample only competes for ProbeRTT's
 * lowest), restarting from idle (no ACK event has delivered data sent after the restart: the sample holds
 * no queue of this sender's), or neither.
 */
export type RttContext = 'probe-rtt' | 'idle-restart' | 'loaded';

export class MinRtt {
  /** The min RTT in ms (0 before a sample). */
  value = 0;
  /** When `value` was measured or last renewed (controller clock, ms). */
  private stamp = 0;
  /** When the in-flight data last fell to nothing (the idle time a restart leaves out of the age). */
  private emptySince = 0;
  /** The min RTT expired: ProbeRTT is due at the next ACK event. */
  probeRttDue = false;
  /** The lowest RTT sample during ProbeRTT. */
  private probeRttLowest = Number.POSITIVE_INFINITY;
  /** When ProbeRTT may end (-1: not timed yet, see timeProbeRtt), and whether a round has ended since. */
  private probeRttDone = -1;
  private probeRttRoundDone = false;
  /** ProbeBW rounds in a row whose lowest RTT stood above what the cap covers, and their lowest RTT. */
  private riseRounds = 0;
  private riseLowest = Number.POSITIVE_INFINITY;
  /** The lowest RTT of the rounds that made this ProbeRTT due early (Infinity: not an early one). */
  private probeRttCalledAt = Number.POSITIVE_INFINITY;

  /** An RTT sample (ms, at least 1); true when it became the min RTT. */
  onSample(sample: number, clock: number, context: RttContext): boolean {
    if (context === 'probe-rtt') {
      // the queue drains meanwhile: the lowest sample of ProbeRTT becomes the min RTT when it ends
      if (sample < this.probeRttLowest) this.probeRttLowest = sample;
      return false;
    }
    const idle = context === 'idle-restart';
    // An expired min RTT (aged only with data in flight, see restartFromIdle) takes the sample of a restart
    // from idle as it is, instead of ProbeRTT: the sender had nothing in flight, so the sample holds no
    // queue of its own, which is what ProbeRTT would drain for (BBR v1 and v3 alike: an expired min RTT takes
    // the next sample, and an idle restart skips ProbeRTT, Linux tcp_bbr.c bbr_update_min_rtt,
    // draft-cardwell-ccwg-bbr BBRUpdateMinRTT). Without it a min RTT that expired just before the rest met
    // the next transfer with ProbeRTT: half a BDP in flight for its first 200 ms and a round (150 ms/10 %,
    // the link benchmark's warm download, its trace, when the rest itself aged the min RTT).
    if (this.value === 0 || sample <= this.value || (idle && this.expired(clock))) {
      this.value = sample;
      this.stamp = clock;
      return true;
    }
    // A restart from idle whose sample shows no queue renews the min RTT that has not expired yet: the
    // sample is what ProbeRTT would measure, and the min stays the path's. Without it a min RTT that
    // expired in the first round trips of the next transfer (its stamp from the last transfer or a
    // keep-alive, up to 10 s before) sent that transfer into ProbeRTT: half a BDP for 200 ms and a round
    // (100 ms/5 %, 50 Mbit/s, a warm download's trace: ~0.4 s at half the rate). A higher sample renews
    // nothing, so a path whose delay grew still gets its new min once the old expires.
    if (sample <= this.value + MIN_RTT_RENEW_MS || (idle && !this.queueStanding(sample))) {
      this.stamp = clock;
    } else if (this.expired(clock)) {
      this.probeRttDue = true;
    }
    return false;
  }

  /**
   * Whether the lowest RTT of a round or an epoch shows a standing queue. The lowest sample is one whose
   * ACK waited least (the newest timestamp of a batch), so the ACK delay is not in it.
   */
  queueStanding(lowestRtt: number): boolean {
    const queued = lowestRtt - this.value;
    return (
      lowestRtt < Number.POSITIVE_INFINITY &&
      queued > Math.max(QUEUE_RTT_MIN_MS, QUEUE_RTT_SHARE * this.value)
    );
  }

  /**
   * The lowest RTT of a ProbeBW round that just ended, and `coveredRtt`, the round trip the in-flight cap
   * covers at the bandwidth estimate (ms). A route change that raised the path's delay above it leaves the
   * cap short of the new BDP: every sample is cap-limited, the bandwidth estimate falls with them, the cap
   * with it, and nothing renews the min RTT until it expires (25 ms one way rising to 100 at 100 Mbit/s: the
   * estimate 96 → 10 Mbit/s over the 10 s, then ~5 s to climb back, link-sim --changes, bench:link --changes,
   * docs/link-dynamics-2026-12-06-dynamics28.md). After DELAY_RISE_ROUNDS such rounds ProbeRTT comes early
   * and tells the path's delay from a queue (see endProbeRtt).
   */
  onRoundLowest(lowest: number, coveredRtt: number): void {
    if (this.value === 0 || this.probeRttDue || lowest <= coveredRtt) {
      this.riseRounds = 0;
      this.riseLowest = Number.POSITIVE_INFINITY;
      return;
    }
    this.riseRounds++;
    if (lowest < this.riseLowest) this.riseLowest = lowest;
    if (this.riseRounds < DELAY_RISE_ROUNDS) return;
    this.probeRttDue = true;
    this.probeRttCalledAt = this.riseLowest;
    this.riseRounds = 0;
    this.riseLowest = Number.POSITIVE_INFINITY;
  }

  /** The in-flight data fell to nothing at `clock`. */
  markEmpty(clock: number): void {
    this.emptySince = clock;
  }

  /**
   * The sender restarts from idle at `clock`: the idle time is not the path's, and the age leaves it out.
   * Aged by the idle time, a 12 s rest expired the 10 s window and the restart's first sample became the
   * min RTT: one sample of a jittery path (50 ± 30 ms one way) is a typical one, not the lowest (link-sim's
   * warm download: 91 → 128-132 ms, the cap 1.5x with it).
   */
  restartFromIdle(clock: number): void {
    this.stamp += clock - this.emptySince;
  }

  /** ProbeRTT begins: its samples compete for its lowest (see onSample's 'probe-rtt'). */
  beginProbeRtt(): void {
    this.probeRttDue = false;
    this.probeRttLowest = Number.POSITIVE_INFINITY;
    this.probeRttDone = -1;
    this.probeRttRoundDone = false;
  }

  /** Whether ProbeRTT's time runs (see timeProbeRtt). */
  get probeRttTimed(): boolean {
    return this.probeRttDone >= 0;
  }

  /** The in-flight data fits ProbeRTT's cap at `clock`: it lasts PROBE_RTT_MS from now, and a round. */
  timeProbeRtt(clock: number): void {
    this.probeRttDone = clock + PROBE_RTT_MS;
  }

  /** A round ended while ProbeRTT's time runs. */
  probeRttRoundEnded(): void {
    this.probeRttRoundDone = true;
  }

  /** Whether ProbeRTT has lasted its time and a round at `clock`. */
  probeRttOver(clock: number): boolean {
    return this.probeRttRoundDone && clock >= this.probeRttDone;
  }

  /**
   * ProbeRTT ends at `clock`: the path's RTT, measured with the queue drained, is the min for the next
   * window. After an early ProbeRTT (onRoundLowest) only if the RTT stayed where the rounds that called it
   * had it (DELAY_RISE_KEPT_SHARE), or fell below the min: a queue of this sender's shrinks as its in-flight
   * data halves (the bottleneck's rate fell instead, and the queue still held), and ProbeRTT's lowest sample
   * then holds what is left of it. True when an early ProbeRTT found the path's delay risen.
   */
  endProbeRtt(clock: number): boolean {
    const lowest = this.probeRttLowest;
    const called = this.probeRttCalledAt;
    this.probeRttCalledAt = Number.POSITIVE_INFINITY;
    const kept =
      called === Number.POSITIVE_INFINITY || lowest <= this.value || lowest >= DELAY_RISE_KEPT_SHARE * called;
    const rose =
      called < Number.POSITIVE_INFINITY && lowest < Number.POSITIVE_INFINITY && lowest > this.value && kept;
    if (lowest < Number.POSITIVE_INFINITY && kept) this.value = lowest;
    this.stamp = clock;
    return rose;
  }

  private expired(clock: number): boolean {
    return clock - this.stamp > MIN_RTT_WINDOW_MS;
  }
}
