/**
 * ProbeBW's gain cycle for the congestion controller (controller.ts): the phase and its timing (a probe
 * and its drain, then cruise phases), and the cruise's pacing bound from what the path delivered over
 * recent rounds. The controller applies what entering a phase changes in its model (the loss bounds).
 * Rates in bytes per ms, times in ms of the controller's clock.
 */

/**
 * ProbeBW pacing gains, one per phase: the probe (UP) and its drain (DOWN) last a measured round trip
 * each (see phaseRoundDone), the six cruise phases one min RTT each.
 */
const PROBE_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1];
export const PROBE_UP = 0;
export const PROBE_DOWN = 1;
export const PROBE_CRUISE = 2;
/**
 * A probe whose samples raised the bandwidth estimate by this much found room: the next probe follows as
 * soon as they are in, instead of after the cruise (BBR v3 likewise keeps probing while the bandwidth
 * grows: its ProbeBW_UP lasts until the estimate stops growing, draft-cardwell-ccwg-bbr). It replaces the
 * return to Startup after a cycle that grew 1.15×, which on a jittery path never fired (every loaded round
 * read as a standing queue) and, with the probes back to back, fired more often elsewhere at 2.885× a rate
 * already near the link's (186, 660 and 1,527 queue drops in 3 of 6 downloads on the 3 % bursty link, 0
 * in 8 without it, docs/link-probe-bw-2026-12-03.md). On a jittery path (50 ± 30 ms one way) that had
 * ended Startup at a third of the link rate, a cycle of 8 phases grew the estimate 2-12 % per ~1 s
 * (docs/link-jitter-2026-12-03.md). Above the noise of a max filter that already holds 10 rounds.
 */
const PROBE_AGAIN_GROWTH = 1.1;
/**
 * The probe's drain lasts until the in-flight data fits the path without a queue (the controller's
 * pipeBytes), or, once its round is done, this many min RTTs. Ended after its round alone, as the probe
 * lasted one, it left any queue that stood before the probe (the drain's 0.75 only takes back what the 1.25
 * added): in a path model of 25 ms, 0 % (test/kcp/congestion/probe-bw.test.ts) 20-30 ms stood through
 * every cruise from Startup's end on, and probes on top of it overflowed the one-BDP queue; at this limit
 * that model still drains to its pipe (the pipe test ends it first there). On a jittery path (50 ± 30 ms one
 * way, never reordered) a packet behind a slow one waits for it, so the loaded round trip stands above the
 * min RTT with no queue and the in-flight data at 0.75 may never fit pipeBytes: the limit ends the drain,
 * and at 4 min RTTs it paced at 0.75 for ~2 min RTTs more than its round. At 2, cold jitter-50ms-1 on the
 * link +1.8 Mbit/s (SE 0.7, 35 alternating pairs, ahead in 25), bursty-50ms-3 level; level in link-sim,
 * where 26 of 31 drains of 16 downloads meet pipeBytes first (docs/link-jitter-2026-12-07-jitter32.md).
 */
const DRAIN_MAX_RTTS = 2;
/**
 * The cruise paces at most this much above what the path delivered over the last LONG_RATE_ROUNDS rounds
 * (see cruiseBound); the probes pace at the max-filtered estimate as before, which is how a cruise below
 * the path's rate finds more.
 */
const CRUISE_LONG_RATE_MARGIN = 0.02;
/** Rounds the delivery rate that bounds the cruise spans (see cruiseBound). */
const LONG_RATE_ROUNDS = 8;
/**
 * While the last round's lowest RTT shows a queue (more than QUEUE_RTT_MIN_MS above the min RTT, the
 * controller's roundShowsQueue) on a path whose delay is steady (StartupSignals.steady), the cruise's bound
 * is what the path delivered over the rounds recorded so far, from this many on, and this share under it
 * instead of CRUISE_LONG_RATE_MARGIN above: the bottleneck was busy through the last round, so what it
 * delivered is the bottleneck's rate, and a cruise paced just under it drains the queue (~3 ms over a
 * cruise of six 52 ms rounds) where one paced at the estimate built it. On a loaded sender (late ACK events
 * shorten a sample's interval) the estimate reads 2-7 % above the link, and for ProbeBW's first 9 rounds,
 * before LONG_RATE_ROUNDS are recorded, the cruise paced at it: the 25 ms links' standing queue of 8-24 ms
 * (link-sim --loaded, 16 seeds, queue delay median over a download 16.8 → 13.9 ms on 25 ms/0 %, queue drops
 * 74 → 6 per download). Without a queue the delivered rate says only what the sender sent: a bound from the
 * first rounds on every cruise held a 50 Mbit/s bottleneck's cruise at 80 % of it (100 ms/5 %, 50 Mbit/s:
 * 38.9 → 38.2 Mbit/s); on a jittery path the round's lowest RTT stands above the min RTT with no queue, and
 * the rule cost goodput there (57.9 → 57.0 loaded; docs/link-cruise-queue-2026-12-06-queue26.md).
 */
const CRUISE_QUEUE_ROUNDS = 2;
const CRUISE_QUEUE_MARGIN = -0.01;

/**
 * A loss epoch's verdict as ProbeBW reads it: 'congested' (it set the loss bounds), 'clear' (a cruise epoch
 * without congestion), 'inconclusive' (a probe or ProbeRTT met the epoch: it judged their sending, not the
 * cruise's). See onLossVerdict.
 */
export type LossVerdict = 'congested' | 'clear' | 'inconclusive';
/**
 * Clear verdicts in a row that end ProbeBW's wait after congestion (see onLossVerdict): a loss shows about
 * a round trip after its send, so the first clear epoch after a congested one may hold drops that are still
 * to show (loss-epoch.ts's baseline waits for a second cruise epoch for the same reason).
 */
const CLEAR_VERDICTS = 2;

/** Whether the last round's lowest RTT showed a queue on a path of steady delay (see CRUISE_QUEUE_ROUNDS). */
export type CruiseQueue = 'standing' | 'none';
/**
 * How a round that just ended counts toward the cruise's bound: 'restart' outside ProbeBW or app-limited
 * (the bound starts over), 'sender-limited' when its closing sample was (its time and deliveries are left
 * out), 'counted' otherwise.
 */
export type RoundKind = 'restart' | 'sender-limited' | 'counted';

export class ProbeBw {
  /** The current phase: PROBE_UP, PROBE_DOWN, or a cruise phase from PROBE_CRUISE on. */
  phase = 0;
  /** Gain cycles begun (each at a probe). */
  cycles = 0;
  private phaseStart = 0;
  /** `delivered` when the current phase's round began: a sample sent after it ends the round. */
  private phaseDelivered = 0;
  /**
   * A segment sent after the current ProbeBW phase began has been acknowledged: the phase has lasted a
   * round trip as it is measured now (jitter and queue included), not a min RTT, the luckiest sample.
   * BBR v2/v3 start a round with ProbeBW_UP and DOWN (bbr2_start_round) for the same reason: a rate sample
   * spans about one round trip, so a probe of one min RTT (~0.6 of a round on a 50 ± 30 ms path) is
   * averaged away in the samples, and once DOWN's round is done the probe's own samples are all in.
   */
  private phaseRoundDone = false;
  /** The bandwidth estimate when the current gain cycle's probe began (see PROBE_AGAIN_GROWTH). */
  private cycleStartBw = 0;
  /** A loss verdict found congestion and CLEAR_VERDICTS clear ones have not come since: the probe waits. */
  private awaitingVerdict = false;
  /** Clear verdicts in a row (see onLossVerdict). */
  private clearVerdicts = 0;
  /**
   * `clock` and `delivered` at the ends of the last LONG_RATE_ROUNDS + 1 rounds of ProbeBW without an
   * app-limited sample (a ring; longRateCount of them valid, the newest at longRateHead).
   */
  private readonly longRateTime = new Float64Array(LONG_RATE_ROUNDS + 1);
  private readonly longRateDelivered = new Float64Array(LONG_RATE_ROUNDS + 1);
  private longRateHead = 0;
  private longRateCount = 0;
  /** Time and delivered bytes of the rounds the cruise bound counts (not sender-limited ones). */
  private longTime = 0;
  private longDelivered = 0;
  /** `clock` and `delivered` at the last round's start. */
  private roundClock = 0;
  private roundDelivered = 0;

  /** The current phase's pacing gain. */
  get gain(): number {
    return PROBE_GAINS[this.phase];
  }

  /** Whether the phase is the probe or its drain (not a cruise). */
  get probing(): boolean {
    return this.phase < PROBE_CRUISE;
  }

  /** A rate sample of data sent when `priorDelivered` had been delivered (see phaseRoundDone). */
  onSample(priorDelivered: number): void {
    if (priorDelivered >= this.phaseDelivered) this.phaseRoundDone = true;
  }

  /**
   * ProbeBW begins (from Drain or ProbeRTT) with `bw` the estimate: a cruise phase waits for a round and for
   * growth past it before it probes early (see PROBE_AGAIN_GROWTH), as after a probe. Enter a phase next.
   */
  beginCycle(delivered: number, bw: number): void {
    this.phaseDelivered = delivered;
    this.phaseRoundDone = false;
    this.cycleStartBw = bw;
  }

  /**
   * A loss epoch's verdict at a round's end (the controller's endOfRound). After a 'congested' one the cruise
   * goes on and the probe waits for CLEAR_VERDICTS 'clear' ones in a row: a probe lets the rate bound go (the
   * controller's enterPhase, BBR v2's rule) and paces at 1.25 × the max-filtered estimate. A verdict comes
   * once per round, and a round lasts as long as the queue makes it: when the path's rate fell 10× under a
   * full one-BDP queue, rounds lasted ~10 min RTTs while the cycle's phases, timed in min RTTs, probed every
   * ~2 rounds, so each probe undid the bound a verdict had just set, at 1.25 × the old rate the 10-round max
   * filter still held, and the queue stayed full until the filter let that rate go (25 ms, 1 %, 100 → 10
   * Mbit/s: ~5 s, docs/link-dynamics-2026-12-06-dynamics28.md §6). With one clear verdict, a cruise that
   * refilled the queue after ProbeRTT read clear before its drops showed, and the probe that followed
   * dropped ~300 packets (docs/link-rate-drop-2026-12-06-ratedrop29.md). BBR v2 and v3 keep their lower
   * bounds through the cruise until the next probe, 2-3 s of wall clock later
   * (draft-cardwell-iccrg-bbr-congestion-control-02, BBRCheckTimeToProbeBW and BBRStartProbeBW_REFILL); two
   * rounds of the path's own verdicts are shorter where the bounds drained the queue, and no probe comes
   * while the queue still overflows at the bounded rate: there is no more to find then.
   */
  onLossVerdict(verdict: LossVerdict): void {
    if (verdict === 'clear') {
      this.clearVerdicts++;
      if (this.clearVerdicts >= CLEAR_VERDICTS) this.awaitingVerdict = false;
      return;
    }
    this.clearVerdicts = 0;
    if (verdict === 'congested') this.awaitingVerdict = true;
  }

  /** The loss bounds were let go outside a probe (an early ProbeRTT found the path's delay risen). */
  onBoundsCleared(): void {
    this.awaitingVerdict = false;
  }

  /** BBR starts the cycle at a random phase other than the draining one. */
  randomPhase(random: number): number {
    const phase = random % PROBE_GAINS.length;
    return phase === PROBE_DOWN ? PROBE_CRUISE : phase;
  }

  /** Enters `phase` at `clock`; a probe begins a new cycle (then see markCycleStart). */
  enter(phase: number, clock: number, delivered: number): void {
    // the cruise keeps DOWN's round: the probe's samples are in once it is done
    if (phase === PROBE_UP || phase === PROBE_DOWN) {
      this.phaseDelivered = delivered;
      this.phaseRoundDone = false;
    }
    this.phase = phase;
    this.phaseStart = clock;
    if (phase === PROBE_UP) this.cycles++;
  }

  /** The estimate `bw` as the probe that begins this cycle starts (see PROBE_AGAIN_GROWTH). */
  markCycleStart(bw: number): void {
    this.cycleStartBw = bw;
  }

  /**
   * The phase to enter now, or -1 to stay: `bdp` and `minRtt` as the model gives them (`minRtt` never 0),
   * `bw` the estimate, `pipe` what the path holds without a queue (read in the drain only).
   */
  nextPhase(clock: number, inflight: number, bdp: number, minRtt: number, bw: number, pipe: number): number {
    const elapsed = clock - this.phaseStart;
    const phase = this.phase;
    if (phase === PROBE_UP) {
      // a round, and until the in-flight data holds the probe's gain (or the cap held it back)
      const full = inflight >= PROBE_GAINS[PROBE_UP] * bdp || elapsed > 2 * minRtt;
      return this.phaseRoundDone && full ? PROBE_DOWN : -1;
    }
    if (phase === PROBE_DOWN) {
      // until the queue is gone, or for a round and DRAIN_MAX_RTTS: the probe lasted a round
      const drained = inflight <= pipe;
      return drained || (this.phaseRoundDone && elapsed > DRAIN_MAX_RTTS * minRtt) ? PROBE_CRUISE : -1;
    }
    if (this.awaitingVerdict) {
      // the cruise's last phase lasts until clear verdicts let the probe come (see onLossVerdict)
      const last = PROBE_GAINS.length - 1;
      return phase < last && elapsed > minRtt ? phase + 1 : -1;
    }
    if (this.phaseRoundDone && bw >= PROBE_AGAIN_GROWTH * this.cycleStartBw) return PROBE_UP;
    if (elapsed > minRtt) return (phase + 1) % PROBE_GAINS.length;
    return -1;
  }

  /**
   * The cruise's pacing bound: what the path delivered over the last LONG_RATE_ROUNDS rounds, paying for
   * `loss` (the baseline loss's retransmissions), and CRUISE_LONG_RATE_MARGIN more; Infinity while fewer
   * rounds are recorded. While a queue stands, from CRUISE_QUEUE_ROUNDS recorded rounds on and
   * CRUISE_QUEUE_MARGIN under it (see there). A rate over many round trips holds no ACK compression: the
   * max filter of samples over one round trip each does, and a cruise paced at it refreshed it. On 50 ± 30
   * ms one way, never reordered, ACKs that a slow one held arrive in a burst, a sample over such a short ACK
   * interval is bounded by its send interval alone, and the estimate read 104-110 Mbit/s of a 100 Mbit/s
   * link (docs/link-probe-bw-2026-12-03.md; in probe-bw.test.ts's path model 1.11× the link rate, with a
   * standing queue of 64 ms). At the link rate the bound is the link's, less the probe's drain.
   */
  cruiseBound(clock: number, delivered: number, loss: number, queue: CruiseQueue): number {
    const queued = queue === 'standing';
    const n = this.longRateCount;
    if (n <= (queued ? CRUISE_QUEUE_ROUNDS : LONG_RATE_ROUNDS)) return Number.POSITIVE_INFINITY;
    const size = LONG_RATE_ROUNDS + 1;
    const oldest = (this.longRateHead - (n - 1) + size) % size;
    const elapsed = this.longTime + (clock - this.roundClock) - this.longRateTime[oldest];
    if (elapsed <= 0) return Number.POSITIVE_INFINITY;
    const total = this.longDelivered + (delivered - this.roundDelivered);
    const rate = (total - this.longRateDelivered[oldest]) / elapsed;
    const margin = queued ? CRUISE_QUEUE_MARGIN : CRUISE_LONG_RATE_MARGIN;
    return ((1 + margin) * rate) / (1 - loss);
  }

  /** At a round's start (`clock`, `delivered`): record it for cruiseBound as `kind` says. */
  recordRound(clock: number, delivered: number, kind: RoundKind): void {
    const elapsed = clock - this.roundClock;
    const bytes = delivered - this.roundDelivered;
    this.roundClock = clock;
    this.roundDelivered = delivered;
    if (kind === 'restart') {
      this.longRateCount = 0;
      return;
    }
    if (this.longRateCount > 0) {
      if (kind === 'sender-limited') return;
      this.longTime += elapsed;
      this.longDelivered += bytes;
    }
    const size = LONG_RATE_ROUNDS + 1;
    this.longRateHead = (this.longRateHead + 1) % size;
    this.longRateTime[this.longRateHead] = this.longTime;
    this.longRateDelivered[this.longRateHead] = this.longDelivered;
    if (this.longRateCount < size) this.longRateCount++;
  }

  /** A restart from idle: the idle time is not the path's, and the cruise's bound starts over. */
  forgetRounds(): void {
    this.longRateCount = 0;
  }
}
