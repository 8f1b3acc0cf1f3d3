/**
 * Startup's exit and hold signals for the congestion controller (controller.ts): the bandwidth plateau
 * (BBR's full pipe), the delay exit on the smoothed RTT's rise over a baseline mean RTT of Startup's least
 * loaded round (HyStart-like), the exit on a round's lowest RTT, and HyStart++'s Conservative Slow Start
 * hold of the in-flight cap (RFC 9406). Pure: the controller passes the RTT estimates in (ms) and acts on
 * the verdicts.
 */
import { JitterSign } from './jitter-sign.js';

/**
 * Startup also ends when a round's lowest RTT is this much above the min RTT (plus one peer ACK period):
 * the queue already holds half a BDP. Bandwidth growth alone notices a queue only after it overflowed
 * for three rounds, at Startup's gain a BDP of drops per round (KCP's ACKs are lost too, so loss is no
 * signal Startup can read); and a deep queue (a cheap VPS path) fills for three rounds while KCP's RTO,
 * tight around a stable RTT, fires spuriously (HyStart's delay-increase exit, RFC 9406, for the same
 * reason). A one-BDP queue (most profiles of the link benchmark) never delays by more than one min RTT.
 */
const STARTUP_QUEUE_RTT = 0.5;
/**
 * RTT samples a round needs before its lowest one says anything about a queue: with a few samples (an
 * idle link, the first rounds), the lowest is a typical one, and on a jittery path (±30 ms each way)
 * that is well above the min RTT (the luckiest sample ever) with no queue at all. The signal is checked
 * on every ACK once the round has that many, not at the round's end: at Startup's gain a round of
 * waiting overflows a one-BDP queue by another BDP, and the lowest sample can only go down as the round
 * goes on, so an early verdict is the one the round's end would give. A slow moment (GC, a loaded CPU)
 * raises some samples, not the lowest of 16. A peer that gives fewer per round needs fewer (see
 * signalSamples).
 */
const STARTUP_QUEUE_SAMPLES = 16;
/**
 * Startup's delay exit: the smoothed RTT rose this many min RTTs (plus one peer ACK period) above the
 * lowest mean RTT of a round (or a few, see STARTUP_BASE_SAMPLES) of this Startup. The lowest sample of
 * a round (STARTUP_QUEUE_RTT) lags a queue that Startup's 2.885 pacing gain builds by a whole round, and
 * by then the in-flight data overflows a one-BDP queue. A mean against a mean leaves jitter out (it raises
 * both), which a mean against the min RTT (the luckiest sample) does not; HyStart++ (RFC 9406) exits on
 * the same kind of rise.
 */
const STARTUP_DELAY_RISE = 0.25;
/**
 * Startup's delay exit also waits for a rise of this many standard deviations of the samples that made its
 * baseline mean, and its round-minimum exit (STARTUP_QUEUE_RTT) measures from that mean instead of the min
 * RTT where the mean is higher. On a path whose delay varies per packet without reordering (50 ± 30 ms one
 * way, the link benchmark's jittery link), a packet close behind a slow one waits for it: as Startup's
 * load grows, the mean RTT rises by up to the jitter's spread and even a round's lowest sample climbs from
 * the min RTT (the luckiest sample, 56-91 ms there) toward that mean, with no queue at all. Against the min
 * RTT both signals ended Startup with an estimate of 23-64 Mbit/s of a 100 Mbit/s link (a simulated pair,
 * bench/link-sim, 8 seeds: a rise of 19-24 ms over a baseline whose samples spread by 10-29 ms, or a
 * round's lowest sample half a min RTT up); with this at 57-94 Mbit/s, and over 32 seeds goodput 51.3 →
 * 57.1 Mbit/s (mean; the worst 28.4 → 42.5), queue drops in one seed (717), the other profiles' goodput
 * and drops unchanged. On the link Startup's exit estimate rose too (52 → 69 Mbit/s, medians of 5 traced
 * downloads), its goodput did not separate (docs/link-startup-jitter-2026-12-04.md). Where the delay is
 * steady the baseline's spread is a few ms and its mean the min RTT plus the ACK delay: the min RTT's
 * quarter still decides.
 */
const STARTUP_RISE_SDS = 2;
/**
 * Startup's in-flight cap stops doubling while the smoothed RTT is up by clamp(min RTT / 8, 4, 16) ms (plus
 * one peer ACK period) over Startup's baseline mean (STARTUP_DELAY_RISE's): it then grows by a quarter of
 * what is delivered, and doubles again once the rise falls below half that (the queue was noise).
 * HyStart++'s Conservative Slow Start (RFC 9406: MIN_RTT_DIVISOR 8, MIN_RTT_THRESH 4 ms, MAX_RTT_THRESH
 * 16 ms, CSS_GROWTH_DIVISOR 4), on the mean RTT for the reason STARTUP_DELAY_RISE gives. The delay exit
 * (a quarter min RTT) lags a queue by about a round, and in that round the cap rose from the round that
 * landed just above the BDP to 2 BDPs with its allowances, FEC parity on top, past a one-BDP queue
 * (100 ms/5 %, 50 Mbit/s with the round trip measured before the request: 95-169 queue drops in 3 of 3
 * runs; a simulated pair, kcp-pair-sim: 201 drops in 4 of 16 seeds, none with the hold). A hold, unlike
 * an exit, costs little when the rise is a loaded CPU's (this machine: 16 ms as an exit ended Startup at
 * a fifth of the rate on 100 ms/5 %, one traced run at load 10).
 */
const CSS_RTT_DIVISOR = 8;
const CSS_RTT_THRESH_MIN_MS = 4;
const CSS_RTT_THRESH_MAX_MS = 16;
const CSS_GROWTH_DIVISOR = 4;
/** The hold ends once the rise is below this share of the threshold that began it. */
const CSS_RELEASE_SHARE = 0.5;
/**
 * RTT samples a mean needs before it may become Startup's baseline. A round with fewer (a short round
 * trip: ~9 ACK datagrams per 52 ms round at 25 ms, 0 %) pools its samples with the next rounds' until
 * they are this many; with a per-round count, such a path never had a baseline, so neither the delay exit
 * nor the cap's bound on the RTT spread worked, and Startup's own queue raised its cap to 2 × 2 BDP: 400-800
 * queue drops at its end on 25 ms, 0 % (its trace). A peer that gives fewer per round needs fewer (see
 * signalSamples).
 */
const STARTUP_BASE_SAMPLES = 16;
/**
 * The fewest RTT samples per round Startup's queue signals ever wait for (see signalSamples): the lowest
 * of two already leaves out one slow moment.
 */
const MIN_SIGNAL_SAMPLES = 2;
/**
 * Startup's queue signals wait for fewer samples than they want only while the smoothed RTT is at most
 * this share of the min RTT above it (STARTUP_QUEUE_RTT): on a jittery path (50 ± 30 ms one-way: mean
 * RTT ~100 ms, min ~40) the lowest of two samples stands well above the min RTT with no queue; without
 * this a Go kcptun client's two samples per round ended Startup at a third of the link rate (19.8
 * against 54-57 Mbit/s, one run).
 */
const STEADY_RTT_SPREAD = STARTUP_QUEUE_RTT;
/** Startup ends after this many rounds without FULL_BW_GROWTH. */
const FULL_BW_ROUNDS = 3;
const FULL_BW_GROWTH = 1.25;

/** Startup's queue signal that ended it: the delay exit (STARTUP_DELAY_RISE) or a round's lowest RTT (STARTUP_QUEUE_RTT). */
export type StartupQueueExit = 'delay' | 'round-min';

/** HyStart++'s RTT threshold for a min RTT (see CSS_RTT_DIVISOR), ms. */
function hystartThreshold(minRtt: number): number {
  return Math.min(Math.max(minRtt / CSS_RTT_DIVISOR, CSS_RTT_THRESH_MIN_MS), CSS_RTT_THRESH_MAX_MS);
}

export class StartupSignals {
  /** Startup's in-flight cap while it holds (see CSS_RTT_DIVISOR); Infinity: not holding. */
  holdCap = Number.POSITIVE_INFINITY;
  /** The lowest baseline mean RTT of the current Startup (see STARTUP_DELAY_RISE); Infinity: none yet. */
  baseRtt = Number.POSITIVE_INFINITY;
  /** The standard deviation of the samples that made baseRtt (jitter, see delayRising). */
  private baseSd = 0;
  /** RTT samples pooled for the next baseline mean: one or more rounds (see STARTUP_BASE_SAMPLES). */
  private poolSamples = 0;
  private poolSum = 0;
  private poolSumSquares = 0;
  /** Startup's sign that the path's delay varies per packet (jitter-sign.ts). */
  readonly jitter = new JitterSign();
  /** The bandwidth estimate that last grew FULL_BW_GROWTH, and the rounds since. */
  private fullBw = 0;
  private fullBwRounds = 0;

  /**
   * An RTT sample taken with at least the initial window in flight: only a loaded path makes the baseline.
   * On a path whose delay varies per packet without reordering (50 ± 30 ms), a packet close behind another
   * waits for it, so the mean RTT under load is well above the idle one with no queue at all, and an idle
   * baseline ended Startup at a fifth of the rate (its trace). Not the app-limited state: a sender whose
   * CPU cannot feed Startup is app-limited with a full window in flight, and went without a baseline
   * (25 ms, 0 %).
   */
  addLoadedRtt(sample: number): void {
    this.poolSamples++;
    this.poolSum += sample;
    this.poolSumSquares += sample * sample;
  }

  /**
   * At the end of a round in Startup: the pooled samples, once there are enough of them, give a mean that
   * becomes the baseline if it is the lowest yet, and the pool starts over.
   */
  endStartupRound(rttAvg: number, minRtt: number, cadence: number): void {
    if (this.poolSamples < this.signalSamples(STARTUP_BASE_SAMPLES, rttAvg, minRtt, cadence)) return;
    const mean = this.poolSum / this.poolSamples;
    if (mean < this.baseRtt) {
      this.baseRtt = mean;
      const variance = this.poolSumSquares / this.poolSamples - mean * mean;
      this.baseSd = Math.sqrt(Math.max(0, variance));
    }
    this.clearPool();
  }

  /** At the end of a round outside Startup: the pool starts over. */
  clearPool(): void {
    this.poolSamples = 0;
    this.poolSum = 0;
    this.poolSumSquares = 0;
  }

  /**
   * At the end of a round in Startup that was not app-limited, with the bandwidth estimate `bw`: whether
   * the estimate has grown less than FULL_BW_GROWTH in FULL_BW_ROUNDS rounds (the pipe is full).
   */
  plateaued(bw: number): boolean {
    if (bw >= this.fullBw * FULL_BW_GROWTH) {
      this.fullBw = bw;
      this.fullBwRounds = 0;
      return false;
    }
    return ++this.fullBwRounds >= FULL_BW_ROUNDS;
  }

  /** The smoothed RTT less one peer ACK period, above Startup's baseline mean (-Infinity: none yet). */
  private rise(rttAvg: number, cadence: number): number {
    return rttAvg - this.baseRtt - cadence;
  }

  /**
   * Whether Startup holds its cap (see CSS_RTT_DIVISOR). The threshold is at least the spread of the
   * samples that made the baseline: on a jittery path (50 ± 30 ms one-way, their standard deviation
   * ~21 ms) the smoothed RTT wanders by about the min RTT's eighth (8-12 ms there) with no queue, and held
   * the cap from half the ramp's end on (its trace).
   *
   * Where that spread is below HyStart's threshold (a steady path) the rise is the smoothed RTT over the
   * baseline mean as it is, without rise's allowance of one peer ACK period: the baseline's
   * samples already carry the peer's ACK delay, and the ACK period shrinks as the flights grow (10-11 ms
   * in Startup's first rounds, 5-6 ms at its end on 25 ms, 0 % in link-sim), so the allowance only made the
   * hold late. There (100 Mbit/s, a one-BDP queue) it was 6-9 ms against a threshold of 6.5, and the hold
   * came a round after the bandwidth estimate's jump at a round's start had raised the cap to 2 BDPs and
   * its allowances, FEC parity on top, which is all that queue holds: 80 queue drops in every seed of
   * link-sim, none with this; on the link drops in 21 → 14 of 44 cold downloads there, and 18 → 19 of 44
   * on 25 ms, 2 %, where the doubling round that fills the queue is mostly over before any smoothed rise
   * (docs/link-startup-drops-2026-12-05.md). A jittery path's spread (~21 ms) keeps the allowance.
   */
  delayRising(rttAvg: number, minRtt: number, cadence: number): boolean {
    const hystart = hystartThreshold(minRtt);
    const rise = this.steady(minRtt) ? rttAvg - this.baseRtt : this.rise(rttAvg, cadence);
    const threshold = Math.max(hystart, this.baseSd);
    return rise > (this.holding ? CSS_RELEASE_SHARE * threshold : threshold);
  }

  /**
   * The path's delay is steady: Startup took a baseline, and the RTT samples that made it spread by less
   * than HyStart++'s threshold (see delayRising). On a path whose delay varies per packet (50 ± 30 ms one
   * way) they spread by 9-29 ms, on the 25 ms links 1-5 (link-sim, loaded or not); ProbeBW's cruise reads a
   * queue from the round's lowest RTT only on a steady path (probe-bw.ts, CRUISE_QUEUE_ROUNDS). A Startup
   * that ended with no baseline (the long first flight's verdict ends it at ~330 ms on 100 ms/5 %, 50 Mbit/s
   * and on the 150 ms VPS path, before a pool of loaded samples filled) has no evidence of a steady delay,
   * and its spread of 0 read as one (docs/link-controller-2026-12-06-steady28.md).
   */
  steady(minRtt: number): boolean {
    return this.baseRtt < Number.POSITIVE_INFINITY && this.baseSd < hystartThreshold(minRtt);
  }

  /**
   * Startup's floor grows by all it delivers, without the model's target (the controller's
   * startupFloorTarget), on a path whose samples showed jitter (JitterSign) and whose baseline is not
   * steady, while the cap is not held and the smoothed RTT is above the baseline mean by no more than the
   * hold's threshold (see delayRising), with no allowance for the peer's ACK period: the baseline's
   * samples carry that delay already, as on a steady path. There every RTT sample reads as a queue over the
   * min RTT (the luckiest one), so the target is 2 BDPs of a bandwidth a round behind the floor (its
   * samples span a loaded round trip of 120-150 ms against a min of 60-100 on 50 ± 30 ms one way), and the
   * floor grew 1.3-1.6× per round instead of 2× (docs/link-startup-2026-12-07-startup34.md). A steady path
   * keeps its target.
   */
  withinJitter(rttAvg: number, minRtt: number): boolean {
    if (!this.jitter.seen || this.baseRtt === Number.POSITIVE_INFINITY || this.steady(minRtt) || this.holding)
      return false;
    return rttAvg - this.baseRtt <= Math.max(hystartThreshold(minRtt), this.baseSd);
  }

  /**
   * The round trip of the loaded path without a queue as its RTT samples read it, ACK delay included (ms;
   * the controller bounds it by the cap's 2 min RTTs): the min RTT where the delay is steady; on a path
   * whose delay varies per packet (the baseline not steady) the baseline mean, the round trip of Startup's
   * least loaded round, which bounds the cap's RTT in Startup too. There the min RTT is the luckiest sample
   * (65-96 ms on 50 ± 30 ms one way, where a loaded round's mean is 116-135 without a queue: a packet close
   * behind a slow one waits for it). A Startup that ended with no baseline has the min RTT. The parity
   * tuner's window rule measures its queue against it (ControllerEstimates.loadedRtt, WINDOW_QUEUE_RISE).
   */
  loadedRtt(minRtt: number): number {
    if (this.baseRtt === Number.POSITIVE_INFINITY || this.steady(minRtt)) return minRtt;
    return Math.max(minRtt, this.baseRtt);
  }

  /** Whether Startup holds its in-flight cap (see CSS_RTT_DIVISOR). */
  get holding(): boolean {
    return this.holdCap !== Number.POSITIVE_INFINITY;
  }

  /** The hold begins at Startup's in-flight cap `cap`, bytes. */
  beginHold(cap: number): void {
    this.holdCap = cap;
  }

  /** What `acked` delivered bytes grow Startup's floor by while the RTT is up; the hold widens as much. */
  heldGrowth(acked: number): number {
    const growth = acked / CSS_GROWTH_DIVISOR;
    if (this.holding) this.holdCap += growth;
    return growth;
  }

  /** The rise is gone, or Startup is over: the cap no longer holds. */
  releaseHold(): void {
    this.holdCap = Number.POSITIVE_INFINITY;
  }

  /**
   * Startup's queue signals (see STARTUP_DELAY_RISE, STARTUP_QUEUE_RTT and STARTUP_QUEUE_SAMPLES), after
   * `rounds` rounds, with `roundSamples` RTT samples in the current round, the lowest `roundMinRtt`: the
   * one that says the queue is full ('delay' or 'round-min'), or null.
   */
  queueFull(
    rttAvg: number,
    minRtt: number,
    cadence: number,
    rounds: number,
    roundSamples: number,
    roundMinRtt: number,
  ): StartupQueueExit | null {
    const rise = Math.max(STARTUP_DELAY_RISE * minRtt, STARTUP_RISE_SDS * this.baseSd);
    if (this.rise(rttAvg, cadence) > rise) return 'delay';
    if (
      rounds <= FULL_BW_ROUNDS ||
      roundSamples < this.signalSamples(STARTUP_QUEUE_SAMPLES, rttAvg, minRtt, cadence)
    )
      return null;
    // above Startup's baseline mean once there is one (see STARTUP_RISE_SDS): under load on a jittery path
    // even a round's lowest sample sits near that mean, with no queue
    let unloaded = minRtt + cadence;
    if (this.baseRtt < Number.POSITIVE_INFINITY && this.baseRtt > unloaded) unloaded = this.baseRtt;
    return roundMinRtt - unloaded > STARTUP_QUEUE_RTT * minRtt ? 'round-min' : null;
  }

  /**
   * The RTT samples Startup's queue signals wait for in a round (or pooled, for the baseline): `wanted`, or
   * as many as the peer's ACK cadence gives per min RTT if fewer. A peer that flushes ACKs every 30 ms
   * (kcptun's -mode fast) gives one sample per flush, under two per round on a 50 ms path: 16 took 8 rounds
   * to gather, and only the bandwidth plateau ended Startup, two BDPs of queue later (a simulated 50 Mbit/s,
   * 100 ms path with a one-BDP queue: 909 queue drops, 407 with this; 100 Mbit/s, 50 ms: 2,023, 876).
   */
  private signalSamples(wanted: number, rttAvg: number, minRtt: number, cadence: number): number {
    if (rttAvg - minRtt > STEADY_RTT_SPREAD * minRtt) return wanted;
    const perRound = Math.round(minRtt / Math.max(cadence, 1));
    return Math.min(wanted, Math.max(MIN_SIGNAL_SAMPLES, perRound));
  }
}
