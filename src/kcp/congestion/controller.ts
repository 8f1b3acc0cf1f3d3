/**
 * A model-based congestion controller for KCP (`-mode auto`), after BBR: it estimates the bottleneck
 * delivery rate and the round-trip propagation time and sends at that rate, instead of reading loss as
 * congestion. Pure: time (a uint32-wrapping ms clock) is passed in, nothing here owns a timer.
 *
 * Taken from BBR v1 (draft-cardwell-iccrg-bbr-congestion-control-00, Linux tcp_bbr.c):
 * - delivery-rate samples (draft-cheng-iccrg-delivery-rate-estimation): a snapshot of `delivered`,
 *   `deliveredTime`, `firstSendTime` and app-limited state per transmission; rate = Δdelivered /
 *   max(send interval, ACK interval); app-limited samples only ever raise the estimate, and so do
 *   sender-limited ones (a sender the CPU held below its pacing, see send-interval.ts);
 * - bandwidth = windowed max of the samples over 10 rounds; min RTT = the lowest sample, refreshed by
 *   ProbeRTT once it is 10 s old;
 * - Startup at gain 2/ln2 until the bandwidth grew less than 25 % in 3 rounds, Drain at its inverse until
 *   the in-flight data fits one BDP, then ProbeBW's gain cycle [1.25, 0.75, 1 × 6], a cruise phase per min
 *   RTT (the probe and its drain are timed as BBR v2/v3 time them, see probe-bw.ts);
 * - in-flight capped at cwndGain (2) × BDP (with the smoothed RTT, see CWND_RTT_MAX).
 * Taken from BBR v3 (draft-cardwell-ccwg-bbr): Startup's in-flight gain 2 instead of 2.885, and its
 * "cwnd + acked" growth below the target (startupCwnd), which also floors Startup's pacing rate; its
 * initial window is paced once a min RTT is known, as BBR paces it (and then 4× larger). That growth's
 * target is v1's 2.885 BDPs while the newest RTT sample shows no queue (STARTUP_FLOOR_GAIN), and it counts
 * what a sender using half its cap or more delivers as Linux's slow start does (WINDOW_USED_SHARE).
 * Taken from BBR v2 (draft-cardwell-iccrg-bbr-congestion-control-02): loss bounds the model only when it is
 * above a threshold (v2: 2 %, inflight_hi = max(in-flight, 0.7 × target), bw_lo = max(latest, 0.7 × bw_lo))
 * and ProbeRTT at half the BDP instead of 4 packets. Changed for KCP on lossy links:
 * - the loss threshold is relative to a measured baseline (an average of recent rounds' loss) instead of
 *   an absolute 2 %, must exceed binomial noise, and counts only with a standing queue (the epoch's lowest
 *   RTT above the min): at 5-10 % random loss every round is above 2 % and v2 ratchets down (BBRv2
 *   evaluations report exactly that collapse), while a queue overflowing at a bottleneck still shows;
 * - pacing pays for the baseline loss's retransmissions (bw / (1 − baseline), capped), and Startup also
 *   ends on queueing delay (HyStart-like, startup-signals.ts); before that, a smaller rise holds its
 *   in-flight cap (HyStart++'s Conservative Slow Start, RFC 9406);
 * - RTT samples include the peer's ACK delay (kcp-go 2021 flushes ACKs only every `interval`, 10-40 ms),
 *   so the controller measures the peer's ACK cadence and adds that much data to the in-flight cap: at the
 *   bottleneck rate, one ACK period's data is delivered but not yet acknowledged;
 * - FEC parity shares the bottleneck with the data but is never acknowledged (see parityShare): when the
 *   parity count drops, the data may take what the parity took, and the bandwidth is then the path's
 *   recent rate (data and parity) less the parity sent now, until samples without that parity replace it.
 *
 * The controller composes pieces that own their state and constants, each a field created once (no
 * allocation per packet): send-interval.ts (what each transmission's snapshot, send-snapshot.ts, records of
 * its send interval), path-rate.ts (the path's rate with the FEC parity), first-flight.ts (the initial
 * window and the first flight's verdict), startup-signals.ts (Startup's plateau, delay and queue exits
 * and its hold), loss-epoch.ts (loss epochs and the baseline), ack-cadence.ts (the peer's ACK period),
 * probe-bw.ts (ProbeBW's gain cycle and the cruise's bound), min-rtt.ts (the min RTT, its window and
 * ProbeRTT's entry) and windowed-filter.ts. The model (bandwidth, rounds, the in-flight cap) and the states
 * are here.
 *
 * Units: bytes (of KCP segments, header included) and milliseconds; rates in bytes per ms.
 */
import { timeDiff } from '../time-diff.js';
import { AckCadence } from './ack-cadence.js';
import { FirstFlight, INITIAL_WINDOW } from './first-flight.js';
import { LOSS_COMPENSATION_MAX, LOSS_QUIET_ROUNDS, LossEpoch } from './loss-epoch.js';
import { MinRtt, QUEUE_RTT_MIN_MS } from './min-rtt.js';
import { PathRate } from './path-rate.js';
import { PROBE_CRUISE, PROBE_DOWN, PROBE_UP, ProbeBw } from './probe-bw.js';
import { SendInterval } from './send-interval.js';
import type { SendSnapshot } from './send-snapshot.js';
import { type StartupQueueExit, StartupSignals } from './startup-signals.js';
import { WindowedFilter } from './windowed-filter.js';

/** The controller's state, as BBR names its phases. */
export type ControllerState = 'startup' | 'drain' | 'probe-bw' | 'probe-rtt';

/**
 * The rule that ended Startup, for traces (KCPTUN_CC_TRACE, link-sim): 'none' while it lasts; 'flight', the
 * first flight's verdict of a slower bottleneck (FirstFlight.judge); 'delay' and 'round-min', its queue
 * signals (StartupSignals.queueFull); 'plateau', the bandwidth's (StartupSignals.plateaued).
 */
export type StartupExit = 'none' | 'flight' | StartupQueueExit | 'plateau';

/** BBR's Startup gain 2/ln 2: the smallest that doubles the delivery rate each round. */
const STARTUP_GAIN = 2.885;
/**
 * In-flight cap in BDPs in Startup: BBRv3's 2 (draft-cardwell-ccwg-bbr), not v1's 2/ln2, so Startup's
 * overshoot holds at most one BDP in the bottleneck queue while its exit signal comes.
 */
const STARTUP_CWND_GAIN = 2;
/** In-flight cap in BDPs outside Startup (BBR's cwnd_gain). */
const CWND_GAIN = 2;
/** Rounds the max-bandwidth filter spans. */
const BW_WINDOW_ROUNDS = 10;
/**
 * ProbeBW's cruise pays for the baseline loss only from this much on (see paysForLoss): below it the cruise
 * leaves at most that share of the bottleneck idle, and at a shallow queue the compensation's drops cost
 * more (1 % loss, a queue of a fifth of the BDP: 1,692 → 1,850 queue drops in 30 s, test/kcp/congestion.test.ts).
 */
const CRUISE_COMPENSATION_MIN = 0.02;
/** v2's Beta: after congestion loss the bounds keep this share of what they were. */
const LOSS_BETA = 0.7;
/** Probe again past an inflight_hi set by loss only every this many gain cycles. */
const CYCLES_PER_BOUND_PROBE = 4;
/**
 * The in-flight cap's BDP uses the smoothed RTT (its samples, with this EWMA weight) where that is above
 * the min RTT, up to this many min RTTs. On a jittery path the min RTT is the luckiest sample (40 ms at
 * 50 ± 30 ms one-way, where the mean is 100): 2 × bw × min RTT then holds less than the data the mean
 * round trip needs in flight, and Startup cannot double per round (docs/link-benchmark.md). Pacing stays
 * at the bandwidth, so it, not the cap, bounds a queue (BBR's extra_acked answers the same shortfall).
 */
const RTT_AVG_GAIN = 1 / 8;
const CWND_RTT_MAX = 2;
/**
 * In ProbeBW the cap's spread (the smoothed RTT over the last round's lowest sample, see capRtt) is at
 * most this many times the least spread of recent rounds (roundSpread): the jitter every round shows, where
 * a queue that builds within a round shows in that round only. On the jittery link (50 ± 30 ms one way)
 * the spread reads 1-4 times the least one, and the bound cut 3 % of its caps by ~5 ms in link-sim;
 * after a 10× rate drop on a clean path (least spread 0) it keeps the cap at BBR's 2 BDPs
 * (docs/link-jitter-2026-12-06-jitter30.md).
 */
const CAP_SPREAD_ROUNDS = 4;
/**
 * A round's spread counts toward roundSpread only with more RTT samples than this: the mean of one or two
 * samples is their lowest, so a round of Startup's first flights (one ACK datagram) read a spread of 0,
 * which the window kept for 10 rounds, into ProbeBW on the jittery link.
 */
const ROUND_SPREAD_SAMPLES = 3;
/**
 * Startup's slow-start floor grows by what app-limited segments deliver too when at least this share of
 * the in-flight cap was in flight as they were sent, or at any time in this round or the last one (the
 * flight they belong to, see flightPeak): the sender used its window, and only its short send queue ran
 * dry for a moment. Linux counts a slow-start flow as cwnd-limited the same way (tcp_is_cwnd_limited:
 * cwnd < 2 × max_packets_out, the most in flight over the last window, checked when the ACK comes).
 * Without it, one empty queue at the first RTT sample (the writer refills the 32-segment queue a moment
 * later) marked that round's whole flight app-limited, and the floor stayed at the initial window for two
 * round trips (150 ms/10 %, its trace); an interactive session (a few segments in flight) still banks
 * nothing. Judged only as each segment was sent, the first half of every flight (sent while less than half
 * the cap was out) banked nothing: a long path's first flight of 768 segments, app-limited since it leaves
 * an idle sender, grew the floor by 390 segments instead of ~700 (150 ms/10 %, link-sim's trace), and
 * Startup grew 1.5× in its first round instead of ~1.9× (docs/link-cold-lossy-2026-12-05.md).
 */
const WINDOW_USED_SHARE = 0.5;
/**
 * Startup's floor grows by what is delivered up to this many BDPs of the model while the newest RTT sample
 * shows no queue (BBR v1's cwnd gain 2/ln 2), and up to STARTUP_CWND_GAIN BDPs once one does. The model's
 * bandwidth lags the flights Startup sends: a flight paced out after the ACKs that released it has samples
 * over more than a round trip, 0.75-0.85 of the flight per RTT (100 ms/5 % and 150 ms/10 %, their traces),
 * so a floor held to 2 × that grew 1.6-1.7× per round instead of 2×. Where no queue shows, the path has
 * room for the doubling; at a bottleneck the newest samples show its queue within the round that
 * overfills it, and the cap falls back to 2 BDPs (one BDP in a one-BDP queue).
 */
const STARTUP_FLOOR_GAIN = STARTUP_GAIN;
/** Round-trip assumed before the first sample (kcp-go's initial RTO). */
const INITIAL_RTT_MS = 200;

export interface ControllerOptions {
  /** Bytes of one full segment (mss + header): the unit of the minimum and initial windows. */
  segmentBytes: number;
  /** In-flight allowed before the first RTT sample, in segments (unpaced; 4× once paced). */
  initialWindow?: number;
  /** Seed of the random start phase of the gain cycle (BBR randomizes it to desynchronize flows). */
  seed?: number;
}

/** Read-only view of the estimates, for metrics and logs. */
export interface ControllerEstimates {
  readonly state: ControllerState;
  /** Bottleneck bandwidth estimate, bytes per second (0 before a sample). */
  readonly bandwidth: number;
  /** Min RTT estimate in ms (0 before a sample). */
  readonly minRtt: number;
  /** Pacing rate, bytes per second (0: not pacing yet). */
  readonly pacingRate: number;
  /** In-flight cap in bytes. */
  readonly cwnd: number;
  /** Measured gap between the peer's ACKs while data is in flight, ms. */
  readonly ackCadence: number;
  /** Baseline loss rate (0..1) that is not taken as congestion. */
  readonly lossBaseline: number;
  /** Bytes in flight as the controller counts them. */
  readonly inflightBytes: number;
  /** The highest rate sample of the last full round, bytes per second. */
  readonly lastRoundRate: number;
  /** The smoothed RTT that Startup's delay signals read, ms (0 before a sample). */
  readonly smoothedRtt: number;
  /** A short path's first flight has no verdict yet: its data gets the least parity (FirstFlight.blind). */
  readonly firstFlightBlind: boolean;
  /**
   * Startup's first flight (on any path) has no verdict yet: its ACKs are being judged (FirstFlight.judge),
   * and FEC groups interleaved in it would spread them (the session's FecEncoder.interleave waits).
   */
  readonly firstFlightPending: boolean;
  /**
   * The round trip of the loaded path without a queue, ACK delay included, ms (0 before a sample): the min
   * RTT, or on a path whose delay varies per packet Startup's baseline mean (StartupSignals.loadedRtt), at
   * most CWND_RTT_MAX min RTTs.
   */
  readonly loadedRtt: number;
  /** The rule that ended Startup ('none': not yet), and the bandwidth estimate then, bytes per second. */
  readonly startupExit: StartupExit;
  readonly startupExitBandwidth: number;
}

export class CongestionController implements ControllerEstimates {
  private readonly segmentBytes: number;
  private readonly minCwnd: number;
  private readonly initialCwnd: number;
  /**
   * What was delivered (not app-limited) since Startup began, while below the model's target: with the
   * initial window it is Startup's slow-start floor of the in-flight cap and the pacing rate (startupCwnd),
   * so Startup doubles per round (BBR's "cwnd + acked" while below its target) even while the bandwidth
   * filter still holds the tiny samples of an idle or interactive start, which would otherwise set a cap
   * of a few segments.
   */
  private startupDelivered = 0;
  /** The initial window and the first flight's verdict (first-flight.ts). */
  private readonly firstFlight: FirstFlight;
  /** Startup's exit and hold signals (startup-signals.ts). */
  private readonly startup = new StartupSignals();
  /** What the current ACK event delivered toward the floor (see growStartupFloor). */
  private floorAcked = 0;
  /**
   * What the first flight's ACKs delivered toward the floor while its target turned them away, bytes: its
   * rate samples read a few Mbit/s as its ACKs begin, so the target is below the flight (main, link-sim:
   * 40 of 125 segments on the bursty link, up to 118 on the jittery one). Counted at the flight's
   * 'carried' verdict where the samples showed jitter (JitterSign), else dropped: on the
   * steady links counting them moved goodput by -0.1 to -0.6 Mbit/s (docs/link-startup-2026-12-07-startup34.md).
   */
  private flightHeld = 0;
  /** When a segment was last sent from idle (see onSend), until its first ACK (JitterSign.onIdleSample). */
  private idleSentAt = Number.NEGATIVE_INFINITY;

  /** Monotonic controller clock (ms since the first event), fed from the wrapping `now`. */
  private clock = 0;
  private lastNow = 0;
  private started = false;

  // delivery-rate estimation (draft-cheng "C.*" connection state)
  private delivered = 0;
  /** Nonzero while app-limited: the `delivered` value at which the app-limited bubble has been ACKed. */
  private appLimitedUntil = 0;
  private inflight = 0;
  /** Where the current send interval began, and what was sent over it (send-interval.ts). */
  private readonly sendInterval = new SendInterval();
  // the sample being built from this ACK event's newest delivered segment (rs.*)
  private sampleValid = false;
  private samplePriorDelivered = 0;
  private samplePriorTime = 0;
  private sampleSendElapsed = 0;
  /** The send time of the newest segment whose ACK carries the current rate sample. */
  private sampleSentAt = 0;
  private sampleAppLimited = false;
  private sampleSenderLimited = false;
  private sampleParityShare = 0;
  /** The highest rate sample of the current round and of the last full round, bytes per ms. */
  private roundMaxRate = 0;
  private lastRoundMaxRate = 0;
  /** The lowest RTT sample of the current round (Infinity: none yet). */
  private roundMinRtt = Number.POSITIVE_INFINITY;
  private roundRttSamples = 0;
  private roundRttSum = 0;
  /**
   * The lowest spread of a round's mean RTT over its lowest sample in the last BW_WINDOW_ROUNDS rounds: the
   * jitter and ACK delay every round has, queue or not (a queue that grows or drains within a round adds
   * to it; a cruise round's does not), ms. See pipeBytes.
   */
  private readonly roundSpread = new WindowedFilter(BW_WINDOW_ROUNDS, false);
  /** The lowest RTT sample of the last round that had one. */
  private lastRoundMinRtt = Number.POSITIVE_INFINITY;

  // model
  private readonly maxBw = new WindowedFilter(BW_WINDOW_ROUNDS, true);
  /** The path's rate, parity included (see parityShare; path-rate.ts). */
  private readonly pathRate = new PathRate();
  /** The min RTT, its window and ProbeRTT's entry (min-rtt.ts). */
  private readonly minRttFilter = new MinRtt();
  /** The bandwidth filter's estimate as ProbeRTT began (see advanceState). */
  private probeRttBw = 0;
  /** EWMA of the RTT samples, for the in-flight cap (see CWND_RTT_MAX). */
  private rttAvg = 0;
  /** The newest RTT sample (0: none yet). */
  private lastRtt = 0;
  /**
   * The sender restarted from idle (sent with nothing in flight while app-limited) and no ACK event has
   * delivered data since: the RTT samples now carry no queue of this sender's (see onRtt).
   */
  private idleRestart = false;
  private rounds = 0;
  private nextRoundDelivered = 0;
  private roundStart = false;
  /** The most bytes in flight in this round and in the last one (see WINDOW_USED_SHARE). */
  private flightPeak = 0;
  private lastFlightPeak = 0;
  /** Startup has ended once: after ProbeRTT the controller goes back to ProbeBW, not Startup. */
  private filledPipe = false;
  /** The round ProbeBW was entered from Drain. */
  private probeBwSince = 0;
  private _state: ControllerState = 'startup';
  private _startupExit: StartupExit = 'none';
  private _startupExitBandwidth = 0;
  /** ProbeBW's gain cycle and the cruise's bound (probe-bw.ts). */
  private readonly probeBw = new ProbeBw();
  private rng: number;

  /** The loss epoch and its baseline (loss-epoch.ts). */
  private readonly loss = new LossEpoch();
  private inflightHi = Number.POSITIVE_INFINITY;
  private bwLo = Number.POSITIVE_INFINITY;

  /** The peer's ACK cadence (ack-cadence.ts). */
  private readonly acks = new AckCadence();

  /**
   * The share of the wire's datagrams that are FEC parity for what is sent now (m / (n + m) for m parity
   * shards per n data shards; 0 without FEC), set by the session before each flush. Parity goes through
   * the bottleneck beside the data but is never acknowledged, so data alone fills less of a full pipe:
   * with -mode auto's 3 of 13 during Startup, Startup's delivery samples at a 50 Mbit/s bottleneck read
   * 77 % of the rate, and when parity stopped after Startup the model kept that, drained the pipe to 0.77
   * BDP and cruised below the rate until its probes found the rest (100 ms/5 %, 50 Mbit/s: ~33 Mbit/s
   * at Startup's exit, 39 after it, 45 only after ~0.5 s of ProbeBW, its trace). So the model also keeps
   * the path's rate, each sample scaled up by the parity share of its send interval (SendInterval), over a
   * few rounds (PathRate).
   */
  get parityShare(): number {
    return this._parityShare;
  }
  set parityShare(share: number) {
    if (share === this._parityShare) return;
    this._parityShare = share;
    this.cwndCache = -1;
  }
  private _parityShare = 0;
  /**
   * The peer's receive window has not grown past its first advertisement, a whole window of which it has
   * acknowledged (Kcp.peerWindowFixed, set by the Kcp before each ACK event: a Go kcptun client's -rcvwnd).
   * Startup then paces at its gain over the model's bandwidth, not over its slow-start floor: that window,
   * not the floor, bounds the flight, and Startup does not end toward it on the long paths (its samples are
   * window-limited, so app-limited). The floor grew past the window regardless (1,107 segments against 512
   * at 25 ms/2 %) and paced each window the client's una reopened at 2.885 × that per min RTT, ~640 Mbit/s:
   * a whole window after a hole's repair (512 segments and their parity, ~900 KB) went out at once, and
   * the one-BDP queue (625 KB) dropped its end, FEC groups and all, making the next hole
   * (docs/link-go-client-2026-12-07-goclient31.md).
   */
  peerWindowFixed = false;
  /**
   * The in-flight cap as the model gives it now (cwnd), or -1: computed again when next asked. The model
   * changes only with an RTT sample, an ACK event and the parity share, and the cap is read for every
   * segment sent (canSend, onSend) and every segment delivered in Startup: 2-3 times per segment, each a
   * walk through the model (docs/cpu-controller-2026-12-06-cpu26.md).
   */
  private cwndCache = -1;

  constructor(options: ControllerOptions) {
    this.segmentBytes = options.segmentBytes;
    this.minCwnd = 4 * options.segmentBytes;
    this.initialCwnd = (options.initialWindow ?? INITIAL_WINDOW) * options.segmentBytes;
    this.firstFlight = new FirstFlight(this.initialCwnd);
    this.rng = (options.seed ?? 0x9e3779b9) >>> 0 || 1;
  }

  get state(): ControllerState {
    return this._state;
  }
  /**
   * Bottleneck bandwidth in bytes per ms of KCP segments as the model uses it (bounded by loss): the
   * delivery rate, or past Startup what the path carried of late less the parity sent now, if that is
   * more. Startup grows on its deliveries alone: the parity count falls during Startup's ramp as the
   * loss is measured (3 → 1 of 10 on 50 ms ± 30, 1 %), and taking the parity's share for data there
   * raised the in-flight cap by as much with no new sample, past what a one-BDP queue holds.
   */
  private get bw(): number {
    const path = this._state === 'startup' ? 0 : this.pathRate.forData(this.parityShare);
    return Math.min(Math.max(this.maxBw.best(0), path), this.bwLo);
  }

  /**
   * The bandwidth the data is paced at: `bw`, but past Startup no more than the path's rate less the parity
   * sent now, so data and parity together leave at the path's rate (times the gain). `bw` keeps the
   * delivery rate's max over its window, so when the parity count rises, data paced at it with the parity
   * on top put 1/(1 − parityShare) of the path on the wire: a transfer's last flight gets the loss's full
   * parity after a path-rate phase that sent none (ParityTuner), 1.3x the path with 3 of 13, and built a
   * queue of up to 50-80 ms at the bottleneck that the flight's repairs and the tail's copies then waited
   * behind (pair simulation, 150 ms/10 % and 100 ms/5 %, docs/link-tail-2026-12-06.md).
   */
  private get pacingBw(): number {
    const bw = this.bw;
    if (this._state === 'startup' || this.parityShare === 0) return bw;
    const path = this.pathRate.forData(this.parityShare);
    return path > 0 ? Math.min(bw, path) : bw;
  }

  get bandwidth(): number {
    return this.bw * 1000;
  }
  get minRtt(): number {
    return this.minRttFilter.value;
  }
  get ackCadence(): number {
    return this.acks.cadence;
  }
  get lossBaseline(): number {
    return Math.max(0, this.loss.baseline);
  }
  /** Bytes currently in flight as the controller counts them. */
  get inflightBytes(): number {
    return this.inflight;
  }
  get pacingRate(): number {
    return this.pacingPerMs() * 1000;
  }
  get lastRoundRate(): number {
    return this.lastRoundMaxRate * 1000;
  }
  get smoothedRtt(): number {
    return this.rttAvg;
  }
  get firstFlightBlind(): boolean {
    return this._state === 'startup' && this.firstFlight.blind(this.minRttFilter.value);
  }
  get firstFlightPending(): boolean {
    return this._state === 'startup' && this.firstFlight.verdict === 'pending';
  }
  get startupExit(): StartupExit {
    return this._startupExit;
  }
  get startupExitBandwidth(): number {
    return this._startupExitBandwidth;
  }
  get loadedRtt(): number {
    const rtt = this.minRttFilter.value;
    return rtt > 0 ? Math.min(this.startup.loadedRtt(rtt), CWND_RTT_MAX * rtt) : 0;
  }

  /** Pacing rate in bytes per ms; 0 before the first bandwidth sample (the window alone limits then). */
  pacingPerMs(): number {
    const bw = this.pacingBw;
    if (bw <= 0) {
      const rtt = this.minRttFilter.value;
      return rtt > 0 ? this.initialPacing() : 0;
    }
    const gain = this.gain();
    const rate = this.paysForLoss(gain)
      ? (gain * bw) / (1 - Math.min(this.lossBaseline, LOSS_COMPENSATION_MAX))
      : gain * bw;
    if (this._state === 'probe-bw' && gain === 1) return Math.min(rate, this.cruiseRateBound());
    if (this._state !== 'startup' || this.peerWindowFixed) return rate;
    // Startup's floor: its gain over a window of startupCwnd per round trip (BBR's initial pacing), less
    // the first flight's raise (FirstFlight.raise), which widens the cap, not the pace
    const earned = this.startupCwnd() - this.firstFlight.raise;
    return Math.max(rate, (STARTUP_GAIN * earned) / (this.minRttFilter.value || INITIAL_RTT_MS));
  }

  /**
   * Whether the pacing rate pays for the baseline loss's retransmissions (see LOSS_COMPENSATION_MAX): a
   * probe always; ProbeBW's cruise too while the baseline is at least CRUISE_COMPENSATION_MIN and the last
   * round's lowest RTT is within QUEUE_RTT_MIN_MS of the min RTT (no queue). The bandwidth is the delivery
   * rate, which at a bottleneck is its rate when random loss strikes before it (and its rate less the loss
   * when after it), so a cruise at gain 1 feeds the bottleneck its rate less the loss: at 100 ms/5 %,
   * 50 Mbit/s it sat 5 % idle (its trace: pacing at the bandwidth, every round's lowest RTT at the min).
   * Only while no queue shows, so a queue's own drops cannot feed it (a spiral), and a baseline that reads
   * high (ACK loss) builds a queue of a few ms at most before the cruise stops paying.
   */
  private paysForLoss(gain: number): boolean {
    if (gain > 1) return true;
    return (
      this._state === 'probe-bw' &&
      gain === 1 &&
      this.lossBaseline >= CRUISE_COMPENSATION_MIN &&
      !this.roundShowsQueue()
    );
  }

  /** The last round's lowest RTT is more than QUEUE_RTT_MIN_MS above the min RTT: a queue stood all round. */
  private roundShowsQueue(): boolean {
    return this.lastRoundMinRtt - this.minRttFilter.value > QUEUE_RTT_MIN_MS;
  }

  /** In-flight cap in bytes (kept between the model's changes, see cwndCache). */
  get cwnd(): number {
    if (this.cwndCache < 0) this.cwndCache = this.inflightCap();
    return this.cwndCache;
  }

  /** The in-flight cap computed from the model, for use while an ACK event changes it. */
  private inflightCap(): number {
    return this._state === 'startup' ? this.startupCap() : this.modelCwnd();
  }

  /**
   * Startup's in-flight cap: the model's, or the slow-start floor if more, while not held (the delay
   * signal's hold, or the long first flight's until its verdict: FirstFlight.heldCap).
   */
  private startupCap(): number {
    const floor = this.startupCwnd();
    const cap = Math.min(
      Math.max(this.modelCwnd(), floor),
      this.startup.holdCap,
      this.firstFlight.heldCap(this.minRttFilter.value, floor),
    );
    return Math.max(this.minCwnd, cap);
  }

  /** The initial window in bytes (see FirstFlight.initialWindow). */
  private initialWindow(): number {
    return this.firstFlight.initialWindow(this.minRttFilter.value);
  }

  /** The initial window's pacing rate once a min RTT is known: Startup's gain over it per min RTT. */
  private initialPacing(): number {
    return (STARTUP_GAIN * this.initialWindow()) / this.minRttFilter.value;
  }

  /**
   * Judges the first flight by the rate its ACKs come back at (see FirstFlight.judge): a long path that
   * carried it raises Startup's floor; a slower bottleneck becomes the estimate, and Startup ends.
   */
  private judgeFirstFlight(): void {
    const flight = this.firstFlight;
    const floor = this.startupCwnd();
    const verdict = flight.judge(
      this.sampleSentAt,
      this.clock,
      this.lastRtt,
      this.delivered,
      Math.max(this.flightPeak, this.lastFlightPeak),
      this.minRttFilter.value,
      this.initialPacing(),
      floor,
    );
    if (verdict === 'carried') {
      this.startupDelivered += flight.raise + (this.startup.jitter.seen ? this.flightHeld : 0);
      this.flightHeld = 0;
    } else if (verdict === 'slower') {
      const rate = flight.lowRate;
      this.maxBw.update(rate, this.rounds);
      this.pathRate.update(rate / (1 - this.parityShare), this.rounds);
      this.leaveStartup('flight');
    }
  }

  /** The flight of this round or the last one held WINDOW_USED_SHARE of the in-flight cap. */
  private windowUsed(): boolean {
    return Math.max(this.flightPeak, this.lastFlightPeak) >= WINDOW_USED_SHARE * this.cwnd;
  }

  /** Startup's slow-start floor in bytes (see startupDelivered). */
  private startupCwnd(): number {
    return this.initialWindow() + this.startupDelivered;
  }

  /** Where Startup's floor stops growing (see STARTUP_FLOOR_GAIN). */
  private startupFloorTarget(): number {
    return this.modelCwnd(this.queueInNewestRtt() ? STARTUP_CWND_GAIN : STARTUP_FLOOR_GAIN);
  }

  /** The in-flight cap the model gives, without Startup's slow-start floor (`startupGain` in Startup). */
  private modelCwnd(startupGain = STARTUP_CWND_GAIN): number {
    const bw = this.bw;
    const rtt = this.minRttFilter.value;
    if (bw <= 0 || rtt <= 0) return this.initialWindow();
    const bdp = bw * rtt;
    if (this._state === 'probe-rtt') return Math.max(this.minCwnd, bdp / 2);
    const gain = this._state === 'startup' ? startupGain : CWND_GAIN;
    // one ACK period of data is delivered but not yet acknowledged; a few segments cover ACK batching
    let cap = gain * bw * this.capRtt(rtt) + bw * this.acks.cadence + 3 * this.segmentBytes;
    if (cap > this.inflightHi) cap = this.inflightHi;
    return Math.max(this.minCwnd, cap);
  }

  /** The round trip the in-flight cap's BDP is built on, `rtt` the min RTT (known). */
  private capRtt(rtt: number): number {
    // the RTT spread above a round's lowest sample is jitter and ACK delay; a standing queue raises the
    // lowest sample too and is left out, so the cap does not grow with the queue it allows
    let spread = Math.max(0, this.rttAvg - this.lastRoundMinRtt);
    // but the smoothed RTT rises within the round a queue builds (the link's rate fell, a probe overfills
    // it) while the last round's lowest sample is still the old one: read as jitter, that doubled the cap
    // in the round the queue formed, and the probe then overfilled it by as much again
    // (docs/link-rate-drop-2026-12-06-ratedrop29.md §6); jitter shows in every round's spread, so ProbeBW
    // bounds it by the least of recent rounds' (CAP_SPREAD_ROUNDS)
    if (this._state === 'probe-bw')
      spread = Math.min(spread, CAP_SPREAD_ROUNDS * this.roundSpread.best(spread));
    let capRtt = Math.min(rtt + spread, CWND_RTT_MAX * rtt);
    // in Startup the spread also grows with the queue Startup itself builds (its pacing gain outruns the
    // bottleneck, and the last round's lowest sample lags it): the mean RTT of Startup's least loaded
    // round (or rounds) bounds it there, which holds the jitter and leaves the queue out
    if (this._state === 'startup' && capRtt > this.startup.baseRtt)
      capRtt = Math.max(rtt, this.startup.baseRtt);
    // and it is at least one ACK period: a peer whose ACK period is far longer than the path's round trip
    // (a Go kcptun client at -mode fast on a LAN or loopback: 30 ms against well under 1) acknowledges a
    // period's data at once, so that is the round trip the cap's data makes. Capped at 2 min RTTs (2 ms
    // there) the cap let a period deliver a tenth of the estimate, and the estimate followed it down to 4
    // segments per period, 1.3-2.7 Mbit/s (docs/link-auto-lan-2026-12-05.md); with it, that peer's window
    // bounds the rate. Where the round trip is longer than the period (every link profile) it changes nothing
    if (capRtt < this.acks.cadence) capRtt = this.acks.cadence;
    return capRtt;
  }

  /**
   * What the path holds in flight without a queue at the estimated rate, as an ACK event leaves it (what
   * the peer holds for its next ACK flush has just been acknowledged): the min RTT and the least spread of
   * recent rounds (roundSpread). Not the smoothed RTT's spread over the last round's lowest sample, as the
   * in-flight cap has it: the smoothed RTT lags the queue a probe built, and the drain then ended with
   * 12-22 ms of it (a path model of 25 ms, 0 %); nor one ACK period more, which on a path whose peer
   * flushes ACKs every 20 ms ended the drain at once and kept Startup's 16-20 ms queue (congestion.test.ts).
   */
  private pipeBytes(): number {
    const rtt = this.minRttFilter.value;
    return this.bw * Math.min(rtt + this.roundSpread.best(0), CWND_RTT_MAX * rtt);
  }

  /** The cruise's pacing bound (see ProbeBw.cruiseBound), with the queue it reads from the last round. */
  private cruiseRateBound(): number {
    const queue =
      this.roundShowsQueue() && this.startup.steady(this.minRttFilter.value) ? 'standing' : 'none';
    const loss = Math.min(this.lossBaseline, LOSS_COMPENSATION_MAX);
    return this.probeBw.cruiseBound(this.clock, this.delivered, loss, queue);
  }

  /**
   * At a round's start: record it for the cruise's bound, or start over when app-limited or outside ProbeBW.
   * A round whose closing sample was sender-limited is left out: its time and deliveries do not count.
   */
  private recordRound(): void {
    const kind =
      this._state !== 'probe-bw' || this.sampleAppLimited
        ? 'restart'
        : this.sampleSenderLimited
          ? 'sender-limited'
          : 'counted';
    this.probeBw.recordRound(this.clock, this.delivered, kind);
  }

  /** Whether `bytes` more may enter the network now. */
  canSend(bytes: number): boolean {
    return this.inflight + bytes <= this.cwnd;
  }

  /**
   * A segment of `bytes` is (re)transmitted now. Call before sending it; `seg` keeps the snapshot.
   */
  onSend(seg: SendSnapshot, bytes: number, now: number): void {
    this.tick(now);
    if (this.inflight === 0) {
      this.sendInterval.restart(this.clock);
      if (this.appLimitedUntil !== 0) {
        this.idleSentAt = this.clock;
        this.idleRestart = true;
        // the idle time is not the path's: the cruise's bound starts over, and the min RTT's age leaves it out
        this.probeBw.forgetRounds();
        this.minRttFilter.restartFromIdle(this.clock);
      }
    }
    this.sendInterval.onSend(seg, bytes, this.clock, this.delivered, this.parityShare);
    seg.ccAppLimited = this.appLimitedUntil !== 0;
    seg.ccWindowUsed = this.inflight + (seg.ccInFlight ? 0 : bytes) >= WINDOW_USED_SHARE * this.cwnd;
    if (!seg.ccInFlight) {
      seg.ccInFlight = true;
      this.inflight += bytes;
      if (this.inflight > this.flightPeak) this.flightPeak = this.inflight;
    }
    this.loss.onSent();
  }

  /**
   * The end of a flush: `paced` says the pacer held data back (KCP's newDataLimit 'pacer'). Until the next
   * flush the pacing rate accrues allowance (see SendInterval.onFlushEnd).
   */
  onFlushEnd(paced: boolean, now: number): void {
    this.tick(now);
    this.sendInterval.onFlushEnd(this.clock, paced ? this.pacingPerMs() : 0);
  }

  /** The sender ran out of data with room left in the window: samples until now are app-limited. */
  onAppLimited(): void {
    this.appLimitedUntil = Math.max(this.delivered + this.inflight, 1);
  }

  /** A segment sent earlier is declared lost (RTO or fast retransmit): it leaves the in-flight count. */
  onLost(seg: SendSnapshot, bytes: number): void {
    if (seg.ccInFlight) {
      seg.ccInFlight = false;
      this.inflight -= bytes;
      if (this.inflight === 0) this.minRttFilter.markEmpty(this.clock);
    }
    this.loss.onLost(seg.ccSentTime);
  }

  /**
   * The peer's later ACKs have passed a sent segment as often as KCP's fast retransmit waits for (it is
   * lost, and will be resent): in Drain it leaves the in-flight count now rather than at its retransmission.
   * Drain lasts until what is in flight fits the path (advanceState), and a lost segment is in no queue:
   * after a first flight that overflowed the bottleneck's queue (150 ms, 10 Mbit/s, one BDP: ~230 of the
   * client's 512 segments), the lost ones held Drain a round trip past the queue's end while their repairs
   * went at Drain's pace, and the bottleneck idled ~100-200 ms per download (pair simulation,
   * docs/link-first-round-2026-12-06.md). BBR's inflight leaves out packets marked lost the same way. Only in
   * Drain, and only after the first flight's ACKs showed a slower bottleneck (FirstFlight's verdict): that
   * flight went out at several times the bottleneck's rate, so its lost segments are the queue's overflow.
   * In every Drain, the jittery link's pair test (auto-jitter.test.ts) saw queue drops in 3 of its 16 seeds
   * where it allows 2 (cause not traced); elsewhere the count is the
   * in-flight cap's, and taking lost segments out of it sooner let Startup and ProbeBW send more into a
   * lossy path's queue (the jittery link's drops 0 → 159 in 16 simulated seeds).
   */
  onShownLost(seg: SendSnapshot, bytes: number): void {
    if (this._state !== 'drain' || this.firstFlight.verdict !== 'slower' || !seg.ccInFlight) return;
    seg.ccInFlight = false;
    this.inflight -= bytes;
    if (this.inflight === 0) this.minRttFilter.markEmpty(this.clock);
  }

  /**
   * A retransmission turned out needless: the peer acknowledged an earlier transmission of the segment
   * (KCP's ACK echoes the timestamp of the transmission it answers). That loss was not one.
   */
  onSpuriousLoss(): void {
    this.loss.onSpuriousLoss();
  }

  /** A segment was acknowledged (selectively or by una) for the first time. */
  onDelivered(seg: SendSnapshot, bytes: number, now: number): void {
    this.tick(now);
    if (seg.ccInFlight) {
      seg.ccInFlight = false;
      this.inflight -= bytes;
      if (this.inflight === 0) this.minRttFilter.markEmpty(this.clock);
    }
    this.delivered += bytes;
    this.sendInterval.onDelivered(this.clock);
    if (this._state === 'startup' && (!seg.ccAppLimited || seg.ccWindowUsed || this.windowUsed())) {
      this.floorAcked += bytes;
    }
    // Acknowledged sooner than the path's min RTT after its last transmission: the ACK answers an earlier
    // transmission (KCP's una covers a segment whose own ACK was lost, after a retransmission), so the
    // snapshot is not this ACK's. Taken as the sample it would end a round within a fraction of an RTT: at
    // 10 % ACK loss rounds ticked several times per RTT and Startup ended at a sixth of the link rate
    // (150 ms/10 %, docs/link-benchmark.md).
    if (this.minRttFilter.value > 0 && this.clock - seg.ccSentTime + 1 < this.minRttFilter.value) return;
    // the newest transmission acknowledged in this event carries the sample
    if (!this.sampleValid || seg.ccDelivered > this.samplePriorDelivered) {
      this.sampleValid = true;
      this.samplePriorDelivered = seg.ccDelivered;
      this.samplePriorTime = seg.ccDeliveredTime;
      this.sampleSendElapsed = seg.ccSentTime - seg.ccFirstSendTime;
      this.sampleSentAt = seg.ccSentTime;
      this.sampleAppLimited = seg.ccAppLimited;
      this.sampleSenderLimited = seg.ccSenderLimited;
      this.sampleParityShare = seg.ccParityShare;
      this.sendInterval.startAt(seg);
    }
  }

  /**
   * An RTT sample: `rtt` ms from the newest timestamp the peer echoed in one datagram (the one with the
   * least ACK delay in its batch; not the datagram's last ACK, which for a segment the peer's FEC rebuilt
   * carries an older one, Kcp.input), leaving out ACKs of a transmission older than the segment's last once
   * it was acknowledged (src/kcp/retired-sends.ts): a late copy's ACK measures its delay, not the path's.
   */
  onRtt(rtt: number, now: number): void {
    this.tick(now);
    if (rtt < 0) return;
    this.cwndCache = -1;
    const sample = Math.max(rtt, 1);
    const context = this._state === 'probe-rtt' ? 'probe-rtt' : this.idleRestart ? 'idle-restart' : 'loaded';
    if (this.minRttFilter.onSample(sample, this.clock, context)) this.firstFlight.arm(this.clock);
    this.lastRtt = sample;
    // the first ACK of what was sent from idle (the burst sent in the same ms queues behind it, later ACKs
    // of that ms carry its queue)
    if (this.clock - sample === this.idleSentAt) {
      this.idleSentAt = Number.NEGATIVE_INFINITY;
      if (this._state === 'startup')
        this.startup.jitter.onIdleSample(sample, this.minRttFilter.value, this.acks.cadence);
    }
    this.rttAvg = this.rttAvg === 0 ? sample : this.rttAvg + (sample - this.rttAvg) * RTT_AVG_GAIN;
    if (sample < this.roundMinRtt) this.roundMinRtt = sample;
    this.roundRttSamples++;
    this.roundRttSum += sample;
    if (this.inflight >= this.initialCwnd) this.startup.addLoadedRtt(sample);
    this.loss.onRtt(sample);
  }

  /** End of one received datagram's ACKs: turn what was delivered into a rate sample and update the model. */
  onAckEvent(now: number): void {
    this.ackEvent(now);
    this.cwndCache = -1;
  }

  /** onAckEvent's update of the model; what reads the in-flight cap here takes inflightCap, not cwnd. */
  private ackEvent(now: number): void {
    this.tick(now);
    if (!this.sampleValid) {
      this.growStartupFloor();
      return;
    }
    this.sampleValid = false;
    // the restart is over once data sent after it is acknowledged (Linux tcp_bbr.c clears idle_restart on
    // the first ACK that delivers)
    this.idleRestart = false;
    this.measureAckCadence();
    if (this.appLimitedUntil !== 0 && this.delivered > this.appLimitedUntil) this.appLimitedUntil = 0;
    this.probeBw.onSample(this.samplePriorDelivered);

    // rounds: one per window of data sent after the round began
    this.roundStart = false;
    if (this.samplePriorDelivered >= this.nextRoundDelivered) {
      this.nextRoundDelivered = this.delivered;
      this.rounds++;
      this.roundStart = true;
      this.lastFlightPeak = this.flightPeak;
      this.flightPeak = this.inflight;
      this.lastRoundMaxRate = this.roundMaxRate;
      this.roundMaxRate = 0;
      this.pathRate.endRound(this.clock, this.delivered);
      this.recordRound();
    }

    const ackElapsed = this.clock - this.samplePriorTime;
    const interval = Math.max(this.sampleSendElapsed, ackElapsed, 1);
    const minRtt = this.minRttFilter.value;
    // a sample over less than a round trip measures ACK compression, not the path
    if (minRtt === 0 || interval >= minRtt) {
      const rate = (this.delivered - this.samplePriorDelivered) / interval;
      if (rate > this.roundMaxRate) this.roundMaxRate = rate;
      // an app- or sender-limited sample may raise the estimate, never lower it
      const limited = this.sampleAppLimited || this.sampleSenderLimited;
      if (!limited || rate >= this.maxBw.best(0)) this.maxBw.update(rate, this.rounds);
      // what the path carried: the data delivered and the parity sent with it
      const pathRate = rate / (1 - this.sampleParityShare);
      if (!limited || pathRate >= this.pathRate.best()) this.takePathRate(pathRate, rate);
    }

    if (this._state === 'startup' && this.firstFlight.awaitsVerdict(this.minRttFilter.value))
      this.judgeFirstFlight();
    this.growStartupFloor();
    if (this._state === 'startup') {
      const queueExit = this.startupQueueFull();
      if (queueExit !== null) this.leaveStartup(queueExit);
    }
    if (this.roundStart) this.endOfRound();
    this.advanceState();
  }

  /**
   * A path-rate sample (data and the parity sent with it, see parityShare); `rate`: its data alone. While
   * the parity now is below what a Startup or Drain sample was sent with, the scaling is bounded (see
   * PathRate.takeCarried).
   */
  private takePathRate(pathRate: number, rate: number): void {
    const early = this._state === 'startup' || this._state === 'drain';
    if (early && this.parityShare < this.sampleParityShare)
      this.pathRate.takeCarried(pathRate, rate, this.sampleParityShare, this.rounds);
    else this.pathRate.update(pathRate, this.rounds);
  }

  private tick(now: number): void {
    now >>>= 0;
    if (!this.started) {
      this.started = true;
      this.lastNow = now;
      return;
    }
    const dt = timeDiff(now, this.lastNow);
    if (dt > 0) {
      this.clock += dt;
      this.lastNow = now;
    }
  }

  /**
   * The gap since the last ACK event goes into the cadence unless this ACK emptied the flight of an
   * app-limited sender (out of data, or held by a window): request and response empty it with every ACK,
   * and the gaps then hold the time between requests. An ACK that empties the flight of a sender the
   * in-flight cap held counts: a kcp-go peer acknowledges an in-order run with one ACK per flush (una
   * covers it), so toward such a peer on a sub-ms path every ACK emptied the cap's flight, and the cadence
   * read 0 while the peer acknowledged every 30 ms (a Go kcptun client at -mode fast on loopback,
   * docs/link-auto-lan-2026-12-05.md).
   */
  private measureAckCadence(): void {
    if (this.inflight === 0 && this.appLimitedUntil !== 0) this.acks.skip(this.clock);
    else this.acks.measure(this.clock);
  }

  private gain(): number {
    switch (this._state) {
      case 'startup':
        return STARTUP_GAIN;
      case 'drain':
        return 1 / STARTUP_GAIN;
      case 'probe-rtt':
        return 1;
      default:
        // a restart from idle paces at the bandwidth until its first ACK (Linux tcp_bbr.c
        // bbr_cwnd_event): the phase advances only on ACKs, so a restart in the drain phase paced at
        // 0.75 for its whole first round trip, with no queue to drain (a warm 100ms-5-50M download's trace)
        return this.idleRestart ? 1 : this.probeBw.gain;
    }
  }

  /** Once per round: Startup's full-pipe check and the loss verdict. */
  private endOfRound(): void {
    const roundMinRtt = this.roundMinRtt;
    if (roundMinRtt < Number.POSITIVE_INFINITY) this.lastRoundMinRtt = roundMinRtt;
    this.roundMinRtt = Number.POSITIVE_INFINITY;
    if (this._state === 'startup')
      this.startup.endStartupRound(this.rttAvg, this.minRttFilter.value, this.acks.cadence);
    else this.startup.clearPool();
    if (this.roundRttSamples > ROUND_SPREAD_SAMPLES)
      this.roundSpread.update(this.roundRttSum / this.roundRttSamples - roundMinRtt, this.rounds);
    // the round trip over which the model's cap (without the loss bound) keeps the estimate in flight: its
    // own, not 2 min RTTs, which a jittery path's warm restart (50 ± 30 ms one way, its queue of ~100 ms)
    // passed for three rounds, and the early ProbeRTT cost 10 Mbit/s of 80 in 3 of 8 simulated warm downloads
    if (this._state === 'probe-bw' && roundMinRtt < Number.POSITIVE_INFINITY && this.minRttFilter.value > 0)
      this.minRttFilter.onRoundLowest(
        roundMinRtt,
        CWND_GAIN * this.capRtt(this.minRttFilter.value) + this.acks.cadence,
      );
    this.roundRttSamples = 0;
    this.roundRttSum = 0;
    // an app-limited round says nothing about the pipe
    if (this._state === 'startup' && !this.sampleAppLimited && this.startup.plateaued(this.maxBw.best(0)))
      this.leaveStartup('plateau');
    if (this._state !== 'probe-bw' || this.rounds - this.probeBwSince < LOSS_QUIET_ROUNDS) {
      // only ProbeBW judges loss: Startup's overshoot and what it provokes later are not the path's
      this.loss.restart();
      return;
    }
    const loss = this.loss;
    if (!loss.complete) return;
    const standing = this.minRttFilter.queueStanding(loss.minRtt);
    const congested = loss.congested(standing);
    if (congested) this.onCongestionLoss();
    // after congestion ProbeBW's probe waits for cruise epochs without it (ProbeBw.onLossVerdict)
    this.probeBw.onLossVerdict(congested ? 'congested' : loss.probed ? 'inconclusive' : 'clear');
    loss.close(standing);
    loss.probed = this._state !== 'probe-bw' || this.probeBw.probing;
  }

  /**
   * What this ACK event delivered raises Startup's floor, after the event's rate sample updated the model:
   * the floor stops at a target of the model (BBR grows cwnd by acked only below its target, checked after
   * the bandwidth update), so it doubles per round until the bandwidth estimate catches up, and never
   * beyond what the model allows.
   */
  private growStartupFloor(): void {
    let acked = this.floorAcked;
    this.floorAcked = 0;
    if (this._state !== 'startup') return;
    const startup = this.startup;
    if (!startup.delayRising(this.rttAvg, this.minRttFilter.value, this.acks.cadence)) {
      startup.releaseHold();
    } else {
      acked = startup.heldGrowth(acked);
      if (!startup.holding) startup.beginHold(this.startupCap());
    }
    // most of an interactive session's events deliver nothing toward the floor (app-limited): no target then;
    // on a jittery path within its jitter none either (StartupSignals.withinJitter)
    if (acked <= 0) return;
    const rtt = this.minRttFilter.value;
    if (startup.withinJitter(this.rttAvg, rtt) || this.startupCwnd() < this.startupFloorTarget())
      this.startupDelivered += acked;
    else if (this.firstFlight.verdict === 'pending') this.flightHeld += acked;
  }

  /** Whether the newest RTT sample, less one peer ACK period, shows a queue (as MinRtt.queueStanding measures one). */
  private queueInNewestRtt(): boolean {
    if (this.lastRtt === 0) return true;
    // before a baseline on a path whose samples showed jitter, each of them reads as a queue over the min
    // RTT (the luckiest sample), and the floor took 2 BDPs of a lagging estimate: ~1.3× per round for the
    // link's first three rounds (docs/link-startup-2026-12-07-startup34.md); Startup's first flight verdict
    // and its later queue signals still stand
    if (this.startup.baseRtt === Number.POSITIVE_INFINITY && this.startup.jitter.seen) return false;
    return this.minRttFilter.queueStanding(this.lastRtt - this.acks.cadence);
  }

  /** Startup's queue signals (see StartupSignals.queueFull). */
  private startupQueueFull(): StartupQueueExit | null {
    const rtt = this.rttAvg;
    return this.startup.queueFull(
      rtt,
      this.minRttFilter.value,
      this.acks.cadence,
      this.rounds,
      this.roundRttSamples,
      this.roundMinRtt,
    );
  }

  private leaveStartup(exit: StartupExit): void {
    this._startupExit = exit;
    this._startupExitBandwidth = this.bandwidth;
    this._state = 'drain';
    this.startup.releaseHold();
    this.filledPipe = true;
  }

  /** Loss above the baseline: the queue at a bottleneck overflowed. Bound in-flight and rate (BBR v2). */
  private onCongestionLoss(): void {
    const bdp = this.bw * this.minRttFilter.value;
    this.inflightHi = Math.max(this.inflight, LOSS_BETA * Math.min(this.inflightHi, this.inflightCap()), bdp);
    this.bwLo = Math.max(this.lastRoundMaxRate, LOSS_BETA * Math.min(this.bwLo, this.bw));
    if (this._state === 'probe-bw' && this.probeBw.phase === PROBE_UP) this.enterPhase(PROBE_DOWN);
  }

  private advanceState(): void {
    const now = this.clock;
    const minRtt = this.minRttFilter.value || INITIAL_RTT_MS;
    const bdp = this.bw * minRtt;
    if (this._state === 'drain' && this.inflight <= bdp) {
      this._state = 'probe-bw';
      this.probeBwSince = this.rounds;
      this.loss.countFrom = this.clock;
      this.enterProbeBw(this.probeBw.randomPhase(this.random()));
    } else if (this._state === 'probe-bw') {
      const pipe = this.probeBw.phase === PROBE_DOWN ? this.pipeBytes() : 0;
      const next = this.probeBw.nextPhase(now, this.inflight, bdp, minRtt, this.bw, pipe);
      if (next >= 0) this.enterPhase(next);
    }

    // ProbeRTT: the min RTT went 10 s without a new low; drop to half a BDP for 200 ms and a round
    if (this.minRttFilter.probeRttDue) {
      this.minRttFilter.beginProbeRtt();
      this.probeRttBw = this.maxBw.best(0);
      this._state = 'probe-rtt';
      this.loss.probed = true;
      this.startup.releaseHold();
    }
    if (this._state === 'probe-rtt') {
      const filter = this.minRttFilter;
      if (!filter.probeRttTimed) {
        // timed from when the in-flight data fits its cap, and a round from there
        if (this.inflight <= this.inflightCap()) {
          filter.timeProbeRtt(now);
          this.nextRoundDelivered = this.delivered;
        }
      } else {
        if (this.roundStart) filter.probeRttRoundEnded();
        if (filter.probeRttOver(now)) {
          // the path's delay rose (min-rtt.ts onRoundLowest): the samples since were held by a cap built on
          // the old min RTT (a fraction of the new BDP), not by the path, so the estimate goes back to what
          // it was as ProbeRTT began, and the loss bounds go (their rounds read the new delay as a standing
          // queue, and the in-flight bound is in the old BDPs); had the rate fallen too, the max filter's
          // rounds age it out and the bounds come back with the queue's losses
          if (filter.endProbeRtt(now)) {
            this.maxBw.update(this.probeRttBw, this.rounds);
            this.inflightHi = Number.POSITIVE_INFINITY;
            this.bwLo = Number.POSITIVE_INFINITY;
            this.probeBw.onBoundsCleared();
          }
          this._state = this.filledPipe ? 'probe-bw' : 'startup';
          if (this.filledPipe) this.enterProbeBw(PROBE_CRUISE);
        }
      }
    }
  }

  /**
   * ProbeBW from Drain or ProbeRTT, at `phase` (see ProbeBw.beginCycle).
   */
  private enterProbeBw(phase: number): void {
    this.probeBw.beginCycle(this.delivered, this.bw);
    this.enterPhase(phase);
  }

  private enterPhase(phase: number): void {
    this.probeBw.enter(phase, this.clock, this.delivered);
    if (phase < PROBE_CRUISE) this.loss.probed = true;
    if (phase === PROBE_UP) {
      // v2 lets the rate bound go at each probe; the in-flight bound only every few cycles, so a shallow
      // bottleneck queue is overfilled rarely
      this.bwLo = Number.POSITIVE_INFINITY;
      if (this.probeBw.cycles % CYCLES_PER_BOUND_PROBE === 0) this.inflightHi = Number.POSITIVE_INFINITY;
      this.probeBw.markCycleStart(this.bw);
    }
  }

  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}
