/**
 * -mode auto's adaptive FEC: how many of a group's parity shards to send (FecEncoder.parityCount). Pure:
 * fed the sender's cumulative transmission and retransmission counts, the time, the round trip and
 * whether the path's rate held the sender back.
 *
 * Parity is spent only where it is free. A sender held back by the path's rate (its pacer or in-flight
 * cap, with data waiting, past Startup) fills the bottleneck: each parity shard there displaces a data
 * shard, while a retransmission costs only the segment lost. A group's m parity shards repair none of
 * its losses when more than m of its shards are lost and at most m otherwise, so on average fewer than m
 * segments: with one shard per k data shards and independent losses at rate p, p·(1−p)^k per data shard,
 * at most 1/(e·(k+1)) at any p, against its cost of 1/k. At the path's rate no parity count is cheaper in
 * wire bytes than retransmitting (at 50 ms, 1 %, 10 Mbit/s, full parity carried a third of the
 * bottleneck, docs/link-benchmark.md). So the count sent is 0 while the sender is at the path's rate
 * (and for PATH_RATE_HOLD_RTTS round trips after; not in the full-parity start), and what the residual loss
 * calls for otherwise: an interactive or app-limited sender, Startup's ramp while the path has room, or a
 * transfer's last flight (the pacer still holds it, but the writer has nothing behind it), where parity
 * saves the round trip of head-of-line delay a retransmission costs. A sender a window holds
 * (a Go client's 512 segments) without a queue is not at the path's rate, and gets full parity while
 * the link shows loss (WINDOW_HOLD_RTTS). Startup's ramp reaches the path's rate before the controller
 * can tell (its exit waits for rounds of evidence): once the round trip has risen STARTUP_QUEUE_RISE
 * above the one the ramp began with, its own data stands in a queue and the ramp counts as at the path's
 * rate.
 *
 * None before the peer's own datagrams have shown FEC headers (peerSendsFec). A kcptun peer with FEC
 * off (-datashard 0 -parityshard 0) creates kcp-go's (1,1) decoder on our first FEC packet; that decoder
 * pairs seqids 2k and 2k+1, frees a pair as soon as its data shard is in, and takes a parity shard that
 * arrives at 2k+1 after that as a pair whose data is missing: it "recovers" the parity bytes as a packet.
 * Every parity row of a kcptun group sums to 1 in GF(2^8), so the parity of full-size data packets is a
 * well-formed KCP segment of our conv with a made-up sn and payload, which that peer's KCP takes into the
 * stream (docs/protocol.md §3.4). Data shards alone never start a recovery.
 *
 * The count the loss calls for: full parity first, for the first START_SEGMENTS segments, so a peer
 * whose decoder was configured with another (ds, ps) sees complete parity runs and its autotune locks onto
 * ours; not when the peer's own FEC stream has shown its decoder has our shape (peerShapeSame, the usual
 * case: kcptun's default 10/3 at both ends), whose autotune has nothing to lock onto. Toward such a peer a
 * short path's blind first flight has BLIND_FLIGHT_PARITY (FirstFlight.blind): the flight's full parity
 * was ~38 of the ~166 datagrams that queue ~0.9 s on a 2 Mbit/s path (docs/link-first-flight-2026-12-07-
 * cellular31.md). Not toward a peer whose shape is not known yet (a fresh session's: two groups of its
 * ACK stream take ~200 ms there): a group short of parity leaves seqid gaps, and a decoder of another
 * shape that places shards by seqid before its autotune locks on "recovers" a shard of such a block from
 * ours, false data that broke the stream (test/interop/auto-mode: Go's 5/2 client, 2-4 runs of 30 under
 * load; docs/protocol.md §3.4). Fewer parity shards
 * keep the group's shape (the encoder still advances seqid by ps, docs/protocol.md §3), which both Go
 * decoders place by seqid and decode as soon as ds shards of a group are in
 * (test/interop/auto-mode). Then one more when the residual loss stays above RAISE_LOSS for RAISE_PERIODS
 * periods, one fewer after QUIET_PERIODS periods in a row below LOWER_LOSS: none on a clean link, all of
 * them on a lossy one. Periods at the path's rate, sent without parity, measure the link's own loss, so
 * the count is ready when the sender leaves the path's rate.
 */
import { timeDiff } from '../kcp/time-diff.js';

/**
 * Segments sent with full parity before the count adapts, toward a peer whose decoder may have another
 * shape. kcp-go v5.6.1's autotune (ring indexed by seqid mod 258, first edge in slot order) gets about one
 * chance per 258 seqids and misses it when a shard of that run is lost. A Monte Carlo of both Go
 * autotunes (10/3 groups, then none; peers at (1,1), (5,2), (10,4), (20,10); 4000 runs each) left v5.6.1
 * unlocked after 1024 segments in 0 % of runs at 1 % loss and 0.6 % at 5 %, after 520 in 0.1 % and 10 %,
 * after 240 in 1.7 % and 24 %; the latest kcp-go (arrival ring, sorted) locked within 160 at 5 %.
 */
const START_SEGMENTS = 1024;
/**
 * Parity shards per group in a short path's blind first flight (FirstFlight.blind): one, the least that
 * repairs a group's single loss. None made the 2 Mbit/s cellular path's first-flight queue 875 → 651 ms
 * (link-sim, 16 seeds; the link's p99 ~910 → ~695 ms), one 727; but with none the jittery path's
 * unrepaired flight losses cost its Startup (50 ± 30 ms, 1 %: -3.0 Mbit/s over seeds 1-32, SE 0.85; one:
 * -1.1, SE 0.86) (docs/link-first-flight-2026-12-07-cellular31.md).
 */
const BLIND_FLIGHT_PARITY = 1;
/** Segments per evaluation period. */
const PERIOD_SEGMENTS = 1024;
/**
 * A period also spans at least this many round trips: a loss is retransmitted a round trip or more after
 * the transmission it repairs (fast retransmit needs later ACKs, a timeout more), so over a shorter period
 * the retransmissions answer an earlier, smaller flight. In Startup, which doubles the flight each round,
 * 1024 segments took less than one round trip and the ratio read a half of the loss or less: at
 * 100 ms/5 % parity fell from 3 to 0 during Startup and the retransmissions tripled (its trace).
 */
const PERIOD_RTTS = 2;
/**
 * Residual loss (retransmitted / transmitted) above which parity goes up, in RAISE_PERIODS periods in a
 * row. Low, because while the path has room every loss FEC does not repair costs a round trip of
 * head-of-line delay for all streams behind it and a retransmission, and parity costs nothing the path
 * would have carried: at 100 ms/5 %, parity 1 left 3 % to retransmit and the transfer's tail waited on
 * timeouts (docs/link-benchmark.md).
 */
const RAISE_LOSS = 0.003;
/** A burst of timeouts (a stalled event loop, a queue overflowing once) is not a lossy link. */
const RAISE_PERIODS = 2;
/** Residual loss below which a period counts as quiet. */
const LOWER_LOSS = 0.002;
/** Quiet periods (in a row) before parity goes down by one. */
const QUIET_PERIODS = 1;
/**
 * Round trips the sender counts as at the path's rate after its last flush the path held back: a bulk
 * sender is held on nearly every flush, and an ACK clock that bunches (the peer's 10-50 ms ACK flushes)
 * leaves gaps of a fraction of a round trip in which it is not; two round trips after the bulk data ends,
 * what is left (the requests of an interactive stream) has its parity back.
 */
const PATH_RATE_HOLD_RTTS = 2;
/**
 * Rise of the smoothed round trip above the one Startup's ramp began with that shows a queue the ramp
 * built, so that parity there displaces data. At 50 ms/1 %, 10 Mbit/s with a deep queue Startup's first
 * flight (128 segments) already exceeds the BDP (93): the smoothed RTT rose from 102 to 144 ms 300 ms into
 * the ramp, and the controller left Startup 300 ms later, after ~600 segments sent with 3 parity per 10
 * (~1.2 % of a 16 MiB transfer's bottleneck time, and a deeper queue for every stream behind it). The
 * ramp's first round trip, not the min RTT, is the reference: on 50 ± 30 ms the min RTT is the luckiest
 * sample and a smoothed RTT 1.5× above it shows no queue (docs/link-benchmark.md).
 */
const STARTUP_QUEUE_RISE = 0.25;

/**
 * Rise of the smoothed round trip above the path's round trip without a queue that shows a queue at the
 * path's bottleneck, for a sender its window holds (WINDOW_HOLD_RTTS): there the window binds because the
 * queue has grown to fill it, and parity would displace data like any sender at the path's rate. The same
 * quarter as STARTUP_QUEUE_RISE: a round trip that swings with jitter stays below it, a standing queue does
 * not. The round trip without a queue is the lowest smoothed one seen, or the congestion controller's loaded
 * one (update's `loadedRtt`) if higher: on a path whose delay varies per packet without reordering (50 ± 30
 * ms one way) a packet close behind a slow one waits for it, so a loaded path's smoothed round trip is
 * 1.3-1.5x that of the first idle samples with no queue at all (140-159 ms against a lowest of 107), and
 * toward a Go client's fixed window the count went to 0 from ~1.2 s of a 6.5 s download on. The
 * controller's is Startup's baseline mean there (116-135 ms), and on a steady path its min RTT, below the
 * lowest smoothed one: toward Go's client on that link 22.4 -> 27.2 Mbit/s simulated, 20.4 -> 29.0 on the
 * link (docs/link-jitter-2026-12-07-jitter31.md).
 */
const WINDOW_QUEUE_RISE = 0.25;

/**
 * Round trips after a flush a window held back (the peer's receive window or our send window, with data
 * waiting) in which the pacer or the in-flight cap holding the sender is not the path's rate. Such a
 * sender moves a window per round trip plus the round trips each hole at the window's start costs (its
 * fast retransmit needs the ACKs of the segments after it, a round trip, and its repair another), and the
 * controller's rate is what the window let through, not what the path carries: pacing at it binds between
 * the window's binds. With a Go client at its defaults (-rcvwnd 512) on 100 ms, 5 % the pacer bound a
 * flush every few hundred ms, parity fell to 0-2, and every window waited on a hole: 11-17.5 Mbit/s
 * (docs/link-benchmark.md and the A side of this change's A/B runs) where 512 segments per round trip
 * are 27. Parity repairs a hole as the group
 * completes, without the two round trips, on a path with room for it: all of it once the link shows loss
 * (the loss's count is above 0), as a residual hole in any of the window's groups stalls the window.
 * Toward a peer whose window never grows the caller reads every flush that ends with that window full as
 * `window`, in Startup and paced ones too (senderLimit): with only the flushes the window closed first,
 * the pacer held the rest, and each time the hold lapsed the count in force went out (0-2).
 */
const WINDOW_HOLD_RTTS = 2;

/**
 * Periods in a row without a single retransmission that lower the loss's count by one while a window holds
 * a sender on a link that has shown loss. Full parity leaves little to retransmit (3 parity per 10 at 5 %
 * loss: 0.3-0.7 % of the segments), so the usual quiet rule (LOWER_LOSS, QUIET_PERIODS) took the count to
 * 0 within a few periods: 1.6-2 s of a 7 s transfer at 100 ms/5 % then went without parity and with 150
 * of the 512 segments in flight, until two lossy periods raised it again (traces). A link that turns clean
 * still loses its parity, one step per this many periods; one that never needed a retransmission keeps
 * the usual rule.
 */
const WINDOW_QUIET_PERIODS = 4;

/**
 * What held the sender's last flush back: the path's rate (see above), a short path's first flight
 * (Startup before its verdict, FirstFlight.blind: BLIND_FLIGHT_PARITY, it is blind), Startup's ramp (any
 * other flush in Startup with data waiting, senderLimit: at the path's rate once a queue shows,
 * STARTUP_QUEUE_RISE), a
 * window (the peer's receive window or our send window, see WINDOW_HOLD_RTTS), nothing left to send (the
 * bulk data ended), the last flight (the pacer or the in-flight cap past Startup, with nothing queued
 * behind what KCP holds), or anything else. Nothing left and the last flight get the loss's parity at once
 * instead of after the hold: their losses no later data would reveal for a fast retransmit, so each costs
 * the transfer a round trip of repairs, while the parity displaces only the last flight's own data (on
 * 150 ms/10 % it sent the last new segment later by about the parity's share of the flight, a wash there;
 * 100 ms/5 %: 54.1 → 57.0 Mbit/s, docs/link-last-flight-2026-12-04.md).
 */
export type SenderLimit =
  | 'path-rate'
  | 'first-flight'
  | 'startup-ramp'
  | 'window'
  | 'out-of-data'
  | 'last-flight'
  | 'other';

export class ParityTuner {
  private count: number;
  private periodStartSent = 0;
  private periodStartLost = 0;
  private periodStart = 0;
  private started = false;
  private quiet = 0;
  private lossy = 0;
  private pathRateSeen = false;
  private pathRateAt = 0;
  /** The smoothed round trip (ms) when Startup's ramp was first held back; 0 until then. */
  private rampRtt = 0;
  /** The lowest smoothed round trip (ms) seen, 0 before the first; and when a window last held a flush. */
  private lowestRtt = 0;
  private windowSeen = false;
  /** The congestion controller's loaded round trip without a queue (ms, 0: none; see WINDOW_QUEUE_RISE). */
  private loadedRtt = 0;
  private windowAt = 0;
  /** The link has shown loss: a raise, or a retransmission while a window held (WINDOW_QUIET_PERIODS). */
  private linkLossy = false;
  private peerSame = false;
  /** The peer's datagrams carry FEC headers: its decoder was set up for FEC (see above). */
  private _peerFec = false;
  /** Transmissions after which the full-parity start is over. */
  private startEnd = START_SEGMENTS;

  /** `max`: the group's parityShards, which stays the wire shape. */
  constructor(readonly max: number) {
    this.count = max;
  }

  /** The peer's datagrams carry FEC headers, so its decoder is one kcptun configured for FEC. */
  peerSendsFec(): void {
    this._peerFec = true;
  }

  /** Whether the peer's datagrams have shown FEC headers (peerSendsFec). */
  get peerFec(): boolean {
    return this._peerFec;
  }

  /**
   * Whether the peer's FEC stream shows its decoder has our shape (FecDecoder.peerShapeSame), which ends
   * the full-parity start; should that turn out wrong, the peer gets its START_SEGMENTS of full parity from
   * `transmissions` on.
   */
  peerShape(same: boolean, transmissions: number): void {
    if (same === this.peerSame) return;
    this.peerSame = same;
    if (!same) this.startEnd = transmissions + START_SEGMENTS;
  }

  /**
   * The parity count to send now, given the cumulative segment counts, the time (ms, uint32-wrapping),
   * the smoothed round trip (ms), what held the last flush back and the congestion controller's loaded
   * round trip without a queue (ms, 0: none; ControllerEstimates.loadedRtt, see WINDOW_QUEUE_RISE).
   */
  update(
    transmissions: number,
    retransmissions: number,
    now: number,
    rtt: number,
    limit: SenderLimit,
    loadedRtt = 0,
  ): number {
    this.loadedRtt = loadedRtt;
    if (!this.started) {
      this.started = true;
      this.periodStart = now;
    }
    if (rtt > 0 && (this.lowestRtt === 0 || rtt < this.lowestRtt)) this.lowestRtt = rtt;
    if (limit === 'window') {
      this.windowSeen = true;
      this.windowAt = now;
    }
    // held by a window, or by the pacer or the cap at the window's rate: the path's only with a queue
    const pathRate =
      limit === 'path-rate' || limit === 'window'
        ? !this.windowHolds(now, rtt)
        : (limit === 'startup-ramp' || limit === 'first-flight') && this.rampQueued(rtt);
    if (pathRate) {
      this.pathRateSeen = true;
      this.pathRateAt = now;
    } else if (limit === 'out-of-data' || limit === 'last-flight') {
      this.pathRateSeen = false;
    }
    this.evaluate(transmissions, retransmissions, now, rtt);
    if (!this._peerFec) return 0;
    // a short path's blind first flight (FirstFlight.blind) toward a peer of our shape: the least parity
    if (limit === 'first-flight' && this.peerSame) return Math.min(BLIND_FLIGHT_PARITY, this.max);
    if (this.starting(transmissions)) return this.max;
    if (this.count > 0 && this.windowHolds(now, rtt)) return this.max;
    const held = this.pathRateSeen && timeDiff(now, this.pathRateAt) < PATH_RATE_HOLD_RTTS * rtt;
    return held ? 0 : this.count;
  }

  /**
   * Whether update() with these counts and round trip and the sender out of data would change nothing
   * and answer the same at any later time: no period can end before more segments go out, and no hold
   * (PATH_RATE_HOLD_RTTS, WINDOW_HOLD_RTTS) is left to expire. A quiet session may then skip its interval
   * flushes (KcpSession's parking) without its parity ever differing.
   */
  settled(transmissions: number, now: number, rtt: number): boolean {
    if (this.pathRateSeen || (this.count > 0 && this.windowHolds(now, rtt))) return false;
    return this.starting(transmissions) || transmissions - this.periodStartSent < PERIOD_SEGMENTS;
  }

  /** Whether a window held a flush in the last WINDOW_HOLD_RTTS round trips without a queue showing. */
  private windowHolds(now: number, rtt: number): boolean {
    if (!this.windowSeen || timeDiff(now, this.windowAt) >= WINDOW_HOLD_RTTS * rtt) return false;
    return rtt <= Math.max(this.lowestRtt, this.loadedRtt) * (1 + WINDOW_QUEUE_RISE);
  }

  /** Whether Startup's ramp has built a queue: the round trip rose STARTUP_QUEUE_RISE above its first. */
  private rampQueued(rtt: number): boolean {
    if (rtt <= 0) return false;
    if (this.rampRtt === 0) this.rampRtt = rtt;
    return rtt > this.rampRtt * (1 + STARTUP_QUEUE_RISE);
  }

  /** In the full-parity start, for a peer whose decoder's autotune may still have to lock onto us. */
  private starting(transmissions: number): boolean {
    return !this.peerSame && transmissions < this.startEnd;
  }

  /** At the end of a period: the count the residual loss calls for. */
  private evaluate(transmissions: number, retransmissions: number, now: number, rtt: number): void {
    const sent = transmissions - this.periodStartSent;
    if (this.starting(transmissions) || sent < PERIOD_SEGMENTS) return;
    if (timeDiff(now, this.periodStart) < PERIOD_RTTS * rtt) return;
    const loss = (retransmissions - this.periodStartLost) / sent;
    this.periodStartSent = transmissions;
    this.periodStartLost = retransmissions;
    this.periodStart = now;
    if (loss > RAISE_LOSS) {
      if (++this.lossy >= RAISE_PERIODS) this.count = Math.min(this.max, this.count + 1);
      this.linkLossy = true;
      this.quiet = 0;
      return;
    }
    this.lossy = 0;
    const windowHolds = this.windowHolds(now, rtt);
    if (windowHolds && loss > 0) this.linkLossy = true;
    if (this.linkLossy && windowHolds) {
      // full parity hides the link's loss: only a run of periods without a retransmission lowers the count
      if (loss > 0) this.quiet = 0;
      else if (++this.quiet >= WINDOW_QUIET_PERIODS) {
        this.count = Math.max(0, this.count - 1);
        this.quiet = 0;
      }
      return;
    }
    if (loss < LOWER_LOSS) {
      if (++this.quiet >= QUIET_PERIODS) {
        this.count = Math.max(0, this.count - 1);
        this.quiet = 0;
      }
    } else {
      this.quiet = 0;
    }
  }
}
