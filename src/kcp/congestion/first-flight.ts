/**
 * The congestion controller's first flight (controller.ts): the initial window, paced once a min RTT is
 * known and larger on a long path, and the judgement of the first flight by the rate its ACKs come back at
 * (on a short path also by the queue its RTT samples show), which either lets Startup's floor keep what a
 * long path has shown it carries or ends Startup at a slower bottleneck's rate. Units as in the
 * controller: bytes, ms, bytes per ms.
 */

/** In-flight allowed before the first RTT sample, in segments: it goes out unpaced (no rate known yet). */
export const INITIAL_WINDOW = 32;
/**
 * Once a min RTT is known the initial window is paced (Startup's gain over it per min RTT, a third of a
 * round trip), and is this many times INITIAL_WINDOW. Startup doubles per round from it, so on a long link
 * the ramp costs log2(BDP / initial window) round trips, most of a 16 MiB transfer at a 200-300 ms round
 * trip: 8-9 rounds from 32 segments at 150 ms/10 % (its trace, docs/link-benchmark.md). 128 segments
 * (~170 KB) is an eighth of what a Go kcptun server sends at once with its default -sndwnd 1024 (fast3,
 * nc=1, unpaced); on a 10 Mbit/s, 100 ms path (1.4 BDP) the queue it builds at Startup's pacing gain stays
 * below one BDP. Unpaced, before the first sample, it overflowed the unit tests' shallow queues.
 */
const PACED_INITIAL_WINDOW_FACTOR = 4;
/**
 * The paced initial window is one such window per this many ms of min RTT (rounded, at least one): a long
 * round trip gets the rate a 100 ms one has (1.28 segments per ms, 14 Mbit/s of full segments) instead of
 * 128 segments on every path. 256 segments at 200 ms and 384 at 300 ms are one and 1.6 Startup rounds fewer
 * than from 128 on a long fast path, where a 16 MiB transfer lasts only 12-16 round trips
 * (docs/link-benchmark.md). That rate is below a third of the slowest bottleneck the link benchmark has on
 * a long path (100 ms/5 %, 50 Mbit/s, a one-BDP queue): Startup's doubling must still meet its delay
 * signals before it overfills that queue, and with a first flight at 20 Mbit/s it met it in another phase
 * (kcp-pair-sim, that link with 3 parity per 10 data and the round trip measured first: queue drops in 6
 * of 8 seeds; none in 16 at this rate, goodput +3 %; 150 ms/10 % +5-7 %, no drops in 16). Whole windows:
 * a path under 150 ms keeps the 128 that its profiles and pair simulations were tuned with (at 103 ms, 3 %
 * more moved the steady state of a 10 Mbit/s deep-queue pair, test/kcp/auto-link). A slower long path sees
 * a first flight above its BDP, still a fraction of the window a Go kcptun server sends at once.
 */
const FIRST_FLIGHT_RTT_MS = 100;
/**
 * On a path of at least this many FIRST_FLIGHT_RTT_MS windows (150 ms and more) the first flight is this
 * many times the paced initial window, at Startup's gain over it as before: twice the data at twice the
 * rate (74 Mbit/s of datagrams at 202 ms), in the same third of a round trip. Startup's ramp is a round
 * shorter, and its rounds stay as short as before: twice as much at the old rate (a flight of 0.69 round
 * trips) made the round that crosses a bottleneck twice as long, and it queued twice as much before any
 * sample showed it (100 ms/5 %, 50 Mbit/s: queue drops in 2 of 48 simulated seeds, main none). A slower
 * bottleneck is found by the flight's ACKs (FIRST_FLIGHT_RATE_SHARE). link-sim, 16 seeds: 100 ms/5 % 57.2
 * → 62.8 Mbit/s, 150 ms/10 % 44.7 → 49.8, 100 ms/5 %/50 Mbit/s 36.7 → 39.7 with no queue drops
 * (docs/link-first-flight-2026-12-05-2.md).
 */
const LONG_FIRST_FLIGHT_WINDOWS = 2;
const LONG_FIRST_FLIGHT_FACTOR = 2;
/**
 * The long first flight's ACKs, from its first ACK until this many initial windows (INITIAL_WINDOW) more
 * were delivered, come back at its pacing rate where the path carries it (0.81-0.99 of it at 100 Mbit/s
 * with 5 and 10 % loss, simulated) and at a slower bottleneck's rate if not (0.50-0.52 at 50 Mbit/s): a
 * packet train's dispersion, as BBR's delivery rate reads it. Below this share that rate becomes the
 * estimate and Startup ends: its doubling from there would only queue more, and the flight already
 * filled the pipe. Over four initial windows (128 segments, ~40 ms of ACKs at 50 Mbit/s): over two, a
 * loaded sender's late ACK processing bunched them and read the flight's rate (48 loaded seeds at 50
 * Mbit/s: queue drops in 5, 691; over four in 1, 4; main 19 in 2). Measured over less than a min RTT of
 * ACKs (the flight lasts a third of one), so an interactive sender's trickle is not judged. App- and
 * sender-limited samples count: the bulk first flight's often are (the writer's 32-segment queue runs
 * dry at its rate), and leaving them out missed the verdict (16 loaded seeds at 50 Mbit/s: 992 queue
 * drops in one, none with them); judged against the send times instead of the pacing rate, a loaded
 * sender's bunched sends missed it too (290).
 */
const FIRST_FLIGHT_JUDGED_WINDOWS = 4;
const FIRST_FLIGHT_RATE_SHARE = 0.7;
/**
 * A slower bottleneck is the verdict only when FIRST_FLIGHT_SPANS consecutive spans of
 * FIRST_FLIGHT_JUDGED_WINDOWS (or fewer, covering FIRST_FLIGHT_LOW_MS of ACKs) all read below
 * FIRST_FLIGHT_RATE_SHARE; its rate is then theirs together; one span at the share or above and the path
 * carried the flight. Where the CPU is contended the peer's and the forwarder's late turns spread a span's
 * ACKs (30-80 ms of them) as a bottleneck would: with three busy loops beside the link benchmark one span
 * read 0.19-0.67 of the flight's rate on a 100 Mbit/s path, and most cold downloads on 150 ms/10 % ended
 * Startup after one round at 22-50 Mbit/s (those moved 20-35 Mbit/s, the others 39-47). A bottleneck
 * spaces every span. Together, not the fastest span: that reads ACKs a loaded sender bunched (68-69
 * Mbit/s at 50, link-sim --loaded). A span at 10 Mbit/s (150 ms VPS path) lasts FIRST_FLIGHT_LOW_MS on
 * its own: three such spans queued ~200 more datagrams per download (docs/link-auto-loaded-2026-12-05.md).
 */
const FIRST_FLIGHT_SPANS = 3;
const FIRST_FLIGHT_LOW_MS = 100;
/**
 * A long first flight's span is read from ACKs that keep coming: an ACK event more than this share of the
 * min RTT after the one before starts the span in progress over from it. A bottleneck spaces the flight's
 * ACKs evenly (one segment's time, ~1 ms at 10 Mbit/s, or the peer's ACK period); a gap that long is the
 * wait between the flight's last ACKs and those of Startup's next round, sent from the flight's first ACK
 * on, a round trip later. The flight is paced over a third of the round trip (STARTUP_GAIN over it), so
 * that wait is about two thirds of one. A span left open across it read it as a bottleneck's spacing: on
 * 150 ms/10 % with a loaded sender (link-sim --loaded --receiver-stalls) its late turns made the first
 * span read low, the flight's remaining ACKs (cut by our client's 512-segment window and the loss) did not
 * fill the next, and that span closed only with the next round's ACKs, 257-279 ms later: 'slower' at 12-18
 * Mbit/s of 100 in 4 of 100 seeds, which then moved 28-30 Mbit/s against a median of 49 (100 ms/5 %: 4 of
 * 48, 46-53 against 62; docs/link-startup-exit-2026-12-07-startup38.md).
 */
const FIRST_FLIGHT_GAP_SHARE = 1 / 3;
/**
 * A bulk long first flight (FIRST_FLIGHT_BULK_SHARE) whose ACKs outlast a min RTT and this many ms without
 * delivering a span (FIRST_FLIGHT_JUDGED_WINDOWS) came through a bottleneck slower than four initial windows
 * per that time: the verdict is 'slower', at the rate they came back at. Such a span used to start over as
 * an interactive sender's trickle, so on a 1 Mbit/s, 600 ms path (a span's 128 segments take ~1.8 s) the
 * verdict never came: Startup went on for ~11 s into a one-BDP queue (link-sim: 15,000 queue drops per
 * 1.5 MB download, 0.6 Mbit/s; the link 2,000-13,400 and 0.58-0.83); with this ~600 drops, the first
 * flight's own, and 0.81 on the link. Twice the longest ACK silence of a CPU-starved client (151 ms,
 * RECEIVER_ACK_STALLS in the pair simulator). Paths under 150 ms keep no such verdict (theirs needs a
 * queue, FIRST_FLIGHT_QUEUE_SHARE): there the rule ended a 2 Mbit/s, 120 ms path's Startup at 0.44 s
 * instead of 1.3 (link-sim) for no goodput or delay on the link, and with a starved client's ACK silences
 * inside its 300 ms read too low a rate and idled the bottleneck in Drain (2 of 8 simulated seeds 1.8 → 1.4
 * Mbit/s; docs/link-slow-2026-12-06-slowlink29.md).
 */
const FIRST_FLIGHT_SLOW_MS = 300;
/**
 * A first flight is a bulk one, which FIRST_FLIGHT_SLOW_MS may judge, when at least this share of the paced
 * initial window was in flight at its first ACK: an interactive sender's few segments are spaced by the
 * sender, not a bottleneck. Not the whole window: our client's receive window cuts a long path's flight
 * (~505 of 768-1,536 segments on a 600 ms path).
 */
const FIRST_FLIGHT_BULK_SHARE = 0.5;
/**
 * A path under two FIRST_FLIGHT_RTT_MS windows (under 150 ms) has a first flight too: the paced initial
 * window (128 segments), one span (FIRST_FLIGHT_JUDGED_WINDOWS) whose ACKs cannot deliver a whole span
 * before those of Startup's next segments come, a min RTT after its first ACK. So it is judged once its ACKs
 * outlast a min RTT and FIRST_FLIGHT_LOW_MS (a span that came within them was carried: a loopback's flight,
 * a fast path's): 'slower', at the rate they came back at, when the newest RTT sample rose over the
 * flight's first ACK's (or the min RTT, if higher) by at least this share of the queue that rate implies: a
 * bottleneck that forwards at r what came at the flight's pacing rate p holds (1 - r/p) of the ACK span by
 * then. Startup's own queue signals miss that queue: their baseline is a loaded round's mean, and the
 * flight's queue is in it. On the 10 Mbit/s, 100 ms deep-queue path (vps-50ms-1-10M) Startup ran ~750 ms
 * and a request met 200-250 ms of queue (link-sim; the link's probe p99 300 ms against TCP bbr's 154);
 * with the verdict at ~230 ms, 30-60 ms; on the 2 Mbit/s cellular path 600 → 210 ms, goodput level on
 * both (docs/link-first-flight-2026-12-06-flight30.md). ACKs that come slowly without a rising queue are no
 * bottleneck: a bursty link's lost ones, a fast short path's (0.32 of the flight's rate on every 100 Mbit/s
 * short profile: its last ACKs wait for Startup's next segments; the RTT flat), and jitter without
 * reordering, whose queue-like rise the first ACK's RTT, one draw of it, mostly takes out (measured from the
 * min RTT instead, 1 of 16 simulated jittery downloads read 'slower': 60 → 28 Mbit/s; from it none of 16,
 * nor of 8 on a loaded sender). A starved client's ACK silence can still read so (1 of 8 jittery downloads
 * with its stalls).
 */
const FIRST_FLIGHT_QUEUE_SHARE = 0.75;
/**
 * When the long first flight's ACKs show the path carried it (FIRST_FLIGHT_RATE_SHARE), Startup's floor is
 * at least this share of a min RTT at the rate they came back at (capped at the flight's pacing rate): a
 * window the path has shown it carries. Toward our own client the flight stops at its initial window
 * (kcptun-client's 512 segments, ~445 new ones after the request), under Rule C's 768, and the floor
 * doubled what was sent: 930 segments in the second round trip of 150 ms/10 %, which then idled the
 * bottleneck ~175 ms of it (link-sim 16 seeds; the link's traces 980-1050, cwnd-held ~200 ms). A raise
 * widens the cap only: Startup's pacing floor stays on the window the ramp earned, so the round goes out
 * at the rate it would have and fills more of the round trip. Half: the rate is that of ~70 ms of ACKs,
 * and each round after doubles from what this one delivers while Startup's queue signals still come a
 * round trip late: with the floor's target raised as well, 0.75 overflowed 100 ms/5 %'s one-BDP queue in
 * 4 of 16 simulated seeds, the whole rate (or the rate as the estimate) most seeds of both long paths,
 * and 0.5 two of 12 link downloads there (docs/link-long-path-2026-12-06-longpath25.md).
 */
const FIRST_FLIGHT_FLOOR_SHARE = 0.5;

/**
 * The first flight's verdict (see FirstFlight.judge): not judged yet; its ACKs came back at
 * FIRST_FLIGHT_RATE_SHARE of its pacing rate or more (the path carried it; on a short path also: no queue
 * showed, FIRST_FLIGHT_QUEUE_SHARE); or they read a slower bottleneck, whose rate is lowRate.
 */
export type FlightVerdict = 'pending' | 'carried' | 'slower';

export class FirstFlight {
  /** The first flight (on a long path LONG_FIRST_FLIGHT_FACTOR's), as judged so far. */
  verdict: FlightVerdict = 'pending';
  /** What the verdict added to Startup's floor (FIRST_FLIGHT_FLOOR_SHARE), bytes. */
  raise = 0;
  /** When the first RTT sample came (-1: not yet): the first flight is what was sent from then on. */
  private armedAt = -1;
  /** Its first ACK event's time (-1: none yet) and what had been delivered then. */
  private ackAt = -1;
  /** The latest ACK event's time (see FIRST_FLIGHT_GAP_SHARE). */
  private lastAckAt = -1;
  private ackDelivered = 0;
  /**
   * The room of Startup's floor the flight left unused when its ACKs began, bytes (what the peer's window
   * or the writer held back; 0: none, or not a flight its ACKs can judge, FIRST_FLIGHT_JUDGED_WINDOWS).
   */
  private unused = 0;
  /** The RTT sample of the flight's first ACK event: a short path's queue rises from it (FIRST_FLIGHT_QUEUE_SHARE). */
  private firstRtt = 0;
  /** Whether the flight was a bulk one at its first ACK (FIRST_FLIGHT_BULK_SHARE). */
  private bulk = false;
  /** The spans that read a slower bottleneck so far, and what their ACKs delivered over how many ms. */
  private lowSpans = 0;
  private lowDelivered = 0;
  private lowMs = 0;

  /** `initialCwnd`: the unpaced initial window in bytes (INITIAL_WINDOW segments unless configured). */
  constructor(private readonly initialCwnd: number) {}

  /** The first RTT sample came at `clock`: the flight is what is sent from then on. */
  arm(clock: number): void {
    if (this.armedAt < 0) this.armedAt = clock;
  }

  /**
   * The initial window in bytes: larger once pacing can spread it (see PACED_INITIAL_WINDOW_FACTOR), one
   * per FIRST_FLIGHT_RTT_MS of a longer round trip, and twice that on a long path until its first flight's
   * ACKs show a slower bottleneck (LONG_FIRST_FLIGHT_FACTOR).
   */
  initialWindow(minRtt: number): number {
    const paced = this.pacedInitialWindow(minRtt);
    const long = this.isLong(minRtt) && this.verdict !== 'slower';
    return long ? LONG_FIRST_FLIGHT_FACTOR * paced : paced;
  }

  /**
   * A path under 150 ms (one FIRST_FLIGHT_RTT_MS window) whose first flight has no verdict yet: the flight
   * is blind, and gets the least FEC parity (senderLimit's 'first-flight', ParityTuner's
   * BLIND_FLIGHT_PARITY). What the path carries is unknown until its ACKs come, and a short path's flight
   * (128 segments, in a third of a round trip) fills a slow bottleneck's queue before any ACK: on the
   * 2 Mbit/s cellular path (cell-60ms-2-2M) the 128 segments and their 3 parity per 10 (the full-parity
   * start on a fresh session, the loss count's otherwise) queued ~875 ms, what a request met at the
   * download's start (the link's p99 ~900 ms against TCP bbr's 0.4-0.6 s); with one per group ~727 (the
   * link ~760), on the 10 Mbit/s deep-queue VPS path 150 → 121 ms. Until the verdict, not the first ACK:
   * from the first ACK on, the 25 ms paths' Startup overfilled their one-BDP queue more often
   * (docs/link-first-flight-2026-12-07-cellular31.md). A long path keeps its flight's parity: without it
   * 150 ms/10 % lost 0.8 Mbit/s (13 of 16 simulated seeds) and 100 ms/5 %/50 Mbit/s 0.7, with ~230 queue
   * drops per download where it had none.
   */
  blind(minRtt: number): boolean {
    return this.verdict === 'pending' && this.windows(minRtt) === 1;
  }

  /** A min RTT is known and the first flight's ACKs have not been judged yet (on a long path or a short one). */
  awaitsVerdict(minRtt: number): boolean {
    return this.verdict === 'pending' && this.windows(minRtt) > 0;
  }

  /**
   * Startup's in-flight cap from the long first flight's first ACK until its verdict (Infinity: none), given
   * Startup's slow-start floor `floor`: the floor less the room of it the flight left unused (see unused).
   * The initial window is what may go out blind, before any ACK; once the flight's ACKs come, Startup grows
   * from what the flight put in flight, by what they deliver, and the rest of the blind allowance waits
   * for their verdict. Our client's 512-segment window cuts a 150 ms path's 768-segment first flight to
   * ~463, and once the client's window grew with the flight's arrival (to ~870) the cap's unused ~300
   * segments left at once, at Startup's pacing: on a 10 Mbit/s bottleneck with a one-BDP queue the flight
   * had filled, that second burst was ~130 of the link's ~455 queue drops per download and 194 of the pair
   * simulator's 491, while the verdict took 200 ms of ACKs (docs/link-first-round-2026-12-06.md §1; with
   * the hold 8 link pairs dropped 128 fewer, goodput level: docs/link-queue-drops-2026-12-06-drops27.md).
   * Where the path carried the flight the verdict comes within ~20 ms of ACKs, and the floor's growth
   * meanwhile is kept: frozen at the flight (each ACK
   * replacing only what it delivered) the cap cost a 50 Mbit/s bottleneck's Startup the samples that
   * found its rate (pair simulator, 100 ms/5 %/50 Mbit/s, 16 seeds: -0.54 Mbit/s).
   */
  heldCap(minRtt: number, floor: number): number {
    return this.unused > 0 && this.awaitsVerdict(minRtt) ? floor - this.unused : Number.POSITIVE_INFINITY;
  }

  /** Whether the path is long enough for the larger first flight (LONG_FIRST_FLIGHT_WINDOWS). */
  private isLong(minRtt: number): boolean {
    return this.windows(minRtt) >= LONG_FIRST_FLIGHT_WINDOWS;
  }

  /** FIRST_FLIGHT_RTT_MS windows in the min RTT (rounded, at least one; 0 before a sample). */
  private windows(minRtt: number): number {
    if (minRtt <= 0) return 0;
    return Math.max(1, Math.round(minRtt / FIRST_FLIGHT_RTT_MS));
  }

  /** The paced initial window without the long first flight's factor (see PACED_INITIAL_WINDOW_FACTOR). */
  private pacedInitialWindow(minRtt: number): number {
    const windows = this.windows(minRtt);
    return windows === 0 ? this.initialCwnd : windows * PACED_INITIAL_WINDOW_FACTOR * this.initialCwnd;
  }

  /** The slower bottleneck's rate the spans read together, bytes per ms (once the verdict is 'slower'). */
  get lowRate(): number {
    return this.lowDelivered / this.lowMs;
  }

  /**
   * Judges the first flight by the rate its ACKs come back at (see FIRST_FLIGHT_RATE_SHARE and
   * FIRST_FLIGHT_SLOW_MS; a short path's also by its queue, FIRST_FLIGHT_QUEUE_SHARE), at an ACK event at
   * `clock` whose rate sample's newest segment was sent at `sentAt`, `rtt` the newest RTT sample,
   * `delivered` bytes delivered in all, `flightPeak` bytes the most in flight this round or the
   * last (at the first ACK, the flight's: see heldCap); `pacedRate`: the flight's pacing rate, `floor`:
   * Startup's slow-start floor before any raise. Sets and returns the verdict; 'carried' also sets the
   * raise of the floor.
   */
  judge(
    sentAt: number,
    clock: number,
    rtt: number,
    delivered: number,
    flightPeak: number,
    minRtt: number,
    pacedRate: number,
    floor: number,
  ): FlightVerdict {
    if (this.armedAt < 0 || sentAt < this.armedAt) return this.verdict;
    const span = FIRST_FLIGHT_JUDGED_WINDOWS * this.initialCwnd;
    const gap = clock - this.lastAckAt;
    this.lastAckAt = clock;
    if (this.ackAt >= 0 && this.isLong(minRtt) && gap > FIRST_FLIGHT_GAP_SHARE * minRtt) {
      // no ACKs for a while: the flight's are over, these are the next round's (FIRST_FLIGHT_GAP_SHARE)
      this.ackAt = clock;
      this.ackDelivered = delivered;
      return this.verdict;
    }
    if (this.ackAt < 0) {
      this.ackAt = clock;
      this.ackDelivered = delivered;
      this.firstRtt = rtt;
      this.bulk = flightPeak >= FIRST_FLIGHT_BULK_SHARE * this.pacedInitialWindow(minRtt);
      if (flightPeak >= span && this.isLong(minRtt)) this.unused = Math.max(0, floor - flightPeak);
      return this.verdict;
    }
    const ackSpan = Math.max(1, clock - this.ackAt);
    const spanDelivered = delivered - this.ackDelivered;
    if (!this.isLong(minRtt)) return this.judgeShort(ackSpan, spanDelivered, span, minRtt, rtt, pacedRate);
    if (ackSpan > minRtt) {
      if (this.bulk && spanDelivered < span) {
        // a bottleneck spaces the bulk flight's ACKs (FIRST_FLIGHT_SLOW_MS)
        if (ackSpan <= FIRST_FLIGHT_SLOW_MS) return this.verdict;
        this.lowDelivered += spanDelivered;
        this.lowMs += ackSpan;
        this.verdict = 'slower';
        return this.verdict;
      }
      // an interactive sender's trickle, not a flight: measure again from this ACK
      this.ackAt = -1;
      this.unused = 0;
      this.lowSpans = 0;
      this.lowDelivered = 0;
      this.lowMs = 0;
      return this.verdict;
    }
    if (spanDelivered < span) return this.verdict;
    if (spanDelivered / ackSpan >= FIRST_FLIGHT_RATE_SHARE * pacedRate) {
      this.verdict = 'carried';
      const carried = FIRST_FLIGHT_FLOOR_SHARE * Math.min(spanDelivered / ackSpan, pacedRate) * minRtt;
      this.raise = Math.max(0, carried - floor);
      return this.verdict;
    }
    this.lowDelivered += spanDelivered;
    this.lowMs += ackSpan;
    if (++this.lowSpans < FIRST_FLIGHT_SPANS && this.lowMs < FIRST_FLIGHT_LOW_MS) {
      // the next span starts at this ACK
      this.ackAt = clock;
      this.ackDelivered = delivered;
      return this.verdict;
    }
    this.verdict = 'slower';
    return this.verdict;
  }

  /**
   * A short path's flight (see FIRST_FLIGHT_QUEUE_SHARE), judged once its ACKs outlast a min RTT and
   * FIRST_FLIGHT_LOW_MS: 'slower' when the newest RTT sample rose as a queue filled at the rate they came
   * back at would have raised it, else 'carried' (no raise of Startup's floor: that is a long path's, see
   * FIRST_FLIGHT_FLOOR_SHARE).
   */
  private judgeShort(
    ackSpan: number,
    spanDelivered: number,
    span: number,
    minRtt: number,
    rtt: number,
    pacedRate: number,
  ): FlightVerdict {
    if (spanDelivered >= span) {
      this.verdict = 'carried';
      return this.verdict;
    }
    if (ackSpan <= Math.max(minRtt, FIRST_FLIGHT_LOW_MS)) return this.verdict;
    if (!this.bulk) {
      // an interactive sender's trickle, not a flight: measure again from the next ACK
      this.ackAt = -1;
      return this.verdict;
    }
    const rate = spanDelivered / ackSpan;
    const rise = rtt - Math.max(minRtt, this.firstRtt);
    if (rise < FIRST_FLIGHT_QUEUE_SHARE * (1 - rate / pacedRate) * ackSpan) {
      this.verdict = 'carried';
      return this.verdict;
    }
    this.lowDelivered = spanDelivered;
    this.lowMs = ackSpan;
    this.verdict = 'slower';
    return this.verdict;
  }
}
