/**
 * The link benchmark's profiles in the simulated KCP pair (test/kcp/kcp-pair-sim.ts): -mode auto as a
 * session runs it (configureAutoKcp, its pacer, FEC 10/3 with ParityTuner's parity unless --no-fec, its
 * groups interleaved while sending as between two of ours unless --no-interleave),
 * in simulated time, without sockets or the benchmark lock. Each seed downloads `--bytes` after the
 * round trip was measured (a tunnel session's RTT prime); goodput is timed as bench:link times it, from
 * the request (one one-way delay before the data) to the last byte. A second line per profile says, per
 * seed, when Startup ended, at what estimate and by which rule (ControllerEstimates.startupExit), how long ProbeBW took from there to 0.8 of the link
 * (CLIMB_SHARE), ProbeBW's mean pacing / estimate and bottleneck queue, and the controller's min RTT at
 * the end (ControllerTrace): on the jittery profile Startup's first rounds set it, 55-96 ms over 40 seeds
 * where the link gave 74-110 (docs/link-sim-jitter-2026-12-04.md), and the in-flight cap follows it. A
 * third line gives each seed's tail, from the last new segment to the last byte. A fourth gives, per phase
 * (Startup and Drain, ProbeBW, the tail), its mean length, how long the bottleneck idled and what the
 * sender put on the wire (PhaseAccount, bench/link-phases.ts). A fifth gives the bottleneck's queue where
 * bench:link's request/response probe would meet it (ProbeQueue: its highest per seed, and the first four
 * samples): the probe's p99 on the slow links is a first flight's queue. With `--warm-idle-s N`
 * each seed downloads `--mib` again N s after the first download was acknowledged (bench:link's warm
 * download, its --warm-idle-s): a sixth line gives the warm goodput and queue drops, and the estimate at
 * the restart and its highest in the warm download, and the min RTT at its end (WarmTrace); the other
 * lines are the first download's.
 *
 *   node dist/bench/link-sim.js --profiles 150ms-10,25ms-2 --seeds 6 --mib 16
 *   node dist/bench/link-sim.js --profiles jitter-50ms-1 --seeds 8 --warm-idle-s 12
 *
 * Seed n runs the link with mixSeed(n) (kcp-pair-sim.ts: small seeds lose every lossy link's first
 * datagrams); `--small-seeds` runs seed n as n, as this simulator did before 2026-12-05's session 21, whose
 * figures the earlier docs quote.
 *
 * --loaded: the sender's event loop is busy as often and as long as the session's paced wake-ups were
 * late on the loaded benchmark machine (LOADED_TIMER_LATENESS).
 *
 * --receiver-stalls: the downloading client stops flushing its ACKs now and then while it still takes its
 * input, as a cold client did on the loaded benchmark machine (RECEIVER_ACK_STALLS,
 * docs/link-startup-stalls-2026-12-06-startup25.md).
 *
 * A fresh session's FEC start (the default): each end learns its peer's FEC shape and that it marks its
 * parity from the peer's stream (LinkOptions.fec.shapeLearned), as the link benchmark's download does in
 * its own fresh KCP session: until then the sender's ParityTuner is in its full-parity start and its groups
 * are not interleaved. A further line per profile says when the sender learned each (ms from the download's
 * start) and splits the queue drops at the flight's first ACK and Startup's end (FlightDrops).
 * `--known-shape`: both known from the start, the model before 2026-12-07 (session 32), whose figures the
 * earlier docs quote. With --go-client the shape is known from the start (the simulated Go client's
 * datagrams carry no FEC). `--client-shows-shape` and `--server-shows-shape`: that end shows its shape as
 * its session starts (KcpSession.showFecShape, as -mode auto's client and server both do since
 * 2026-12-07), so its peer knows the shape from the start and learns the marks from the stream that
 * follows (the shown groups' parity order does not count: FecDecoder's WINDOW_TELL_SHARD).
 *
 * --wire: two more lines per profile (and two for the warm download) account for the wire bytes of each
 * direction by kind, in units of the delivered bytes: headers, first copies, parity, resends needed and
 * needless by why they went, ACKs (WireAccount, bench/link-wire.ts).
 *
 * --client-rcvwnd N: the downloading client's initial receive window (default: kcptun-client's -rcvwnd,
 * CLIENT_RCV_WND).
 *
 * --go-client: the downloading client is a Go kcptun client at its defaults, as bench:link's ts-auto-go
 * row runs it (GO_CLIENT: -mode fast, ACKs flushed every 30 ms, a fixed receive window of --client-rcvwnd,
 * kcp-go's ACK filter, FEC groups not interleaved), not one of ours in -mode auto. With it the client
 * runs bench:link's request/response probe on the download's session (--probe, on by default with
 * --go-client; --no-probe leaves it out, the model before 2026-12-07's session 32): a kcp-go session
 * flushes on each of the probe's writes and when our ACK of one moves its una, so on the link its ACKs
 * come every 6-13 ms, not every 30 (test/kcp/pair-probe.ts, docs/link-go-client-2026-12-07-goclient32.md).
 *
 * --changes LIST: the link changes during each download as bench:link's --changes makes it change
 * (bench/link/schedule.ts), timed from the sim's start plus the profile's round trip (the prime's, before
 * the download: each change's time from the download's start is printed); a further line per profile gives,
 * per seed, the goodput before the first change, what the download settled at, how long it took to come to
 * 90 % of that after the last change, and the queue drops from the first change on (ChangeTrace). Use a
 * --mib that outlasts the schedule.
 *
 * Not modelled: the CPU (but see --loaded and --receiver-stalls), the session's per-turn send budget and
 * smux. Jitter is the emulator's uniform ± jitter, in order; Gilbert-Elliott loss is the forwarder's chain
 * per direction (LinkOptions.gilbertElliott). As the forwarder, the link draws the loss before the bottleneck
 * and rates and queues whole IP packets (LinkOptions.lossBeforeQueue, headerBytes): a lost datagram takes
 * none of the bottleneck's time, so a sender paced at the delivery rate leaves the loss's share of it idle
 * (docs/link-lossy-ceiling-2026-12-05.md). FEC parity meets the queue datagram by datagram (LinkOptions.fec),
 * and its drops count in the queue drops as the forwarder's do: before 2026-12-06 the queue dropped data only
 * (VPS150's first flight: 220 drops per download where the link counts ~450; 295 with parity counted,
 * docs/link-first-round-2026-12-06.md). `--loss-after-queue`: the model before that report (the loss drawn
 * after the queue, UDP payloads rated), whose figures the earlier docs quote.
 */
import { parseArgs } from 'node:util';
import { CLIENT_OPTIONS, defaultConfig } from '../src/cli/options.js';
import {
  AUTO_PAIR,
  type Endpoint,
  type LinkChangeAt,
  LOADED_TIMER_LATENESS,
  mixSeed,
  RECEIVER_ACK_STALLS,
  Rng,
  runPair,
} from '../test/kcp/kcp-pair-sim.js';
import { runBenchMain, UsageError } from './cli-usage.js';
import {
  PROBE_IN_FLIGHT,
  PROBE_REQUEST,
  PROGRESS_EVERY_MS,
  probeIntervalMs,
} from './link/endpoint-protocol.js';
import { downloadBytes, type LinkProfile, meanLoss, PROFILES } from './link/profiles.js';
import {
  type AppliedChange,
  type ChangeResponse,
  changeResponse,
  type LinkChange,
  parseChanges,
} from './link/schedule.js';
import { simulatedLink } from './link/sim-link.js';
import { PhaseAccount, phasesLine } from './link-phases.js';
import { WireAccount, type WireSums, wireLines } from './link-wire.js';

/**
 * The receive window the downloading client starts with: kcptun-client's default -rcvwnd, which -mode auto
 * grows from (ReceiveWindowTuner). The link benchmark's client runs with it: its first flight on a long
 * path is held to it (docs/link-cold-lossy-2026-12-05.md §5's trace), where the simulated pair's 1024
 * (AUTO_PAIR, the server's default) let it through. Before 2026-12-06 this simulator ran with 1024 and read
 * 150 ms/10 % at 51.6 Mbit/s (16 seeds) where the link gave 46.5 and 512 gives 46.8; 100 ms/5 % 63.8
 * against 60.7 (docs/link-cold-2026-12-06.md). `--client-rcvwnd 1024` reproduces the earlier figures.
 */
const CLIENT_RCV_WND = defaultConfig(CLIENT_OPTIONS, {}).rcvWnd;
/**
 * kcptun 20210922's client at its defaults (--go-client): -mode fast (nodelay 0, interval 30, resend 2,
 * nc 1) and -sndwnd 128, its receive window fixed (kcptun's -rcvwnd, no tuner). The simulated peer is our
 * Kcp outside -mode auto, which keeps kcp-go's receiver rules (its ACK filter, window and una).
 */
const GO_CLIENT = { mode: [0, 30, 2, 1] as [number, number, number, number], sndWnd: 128, auto: false };
/** Bytes the sender writes and has acknowledged before the download: the round trip it measures. */
const PRIME_BYTES = 100;
/**
 * Bytes the client writes as the download begins (its request), so that it too has measured the round trip,
 * as the link benchmark's client has from its request and idle probes (bench/link/endpoint.ts). The
 * client's receive window grows to WINDOW_RTTS of the arrival rate times its round trip (ReceiveWindowTuner),
 * which without a sample is 200 ms: on the 150 ms VPS path the simulated client offered 556 segments after
 * the first flight where the link's offered 870, and the sender's second burst into the still full queue
 * (~190 of the link's ~450 queue drops per download, its capture) never happened
 * (docs/link-first-round-2026-12-06.md).
 */
const CLIENT_REQUEST_BYTES = 100;

/**
 * The ACK cadence figure starts this long into the download, as goclient30's and goclient31's reading of the
 * link's server traces did ("after the first second": the first flight's ACKs come in one burst).
 */
const CADENCE_FROM_MS = 1000;

/** A climb ends when the bandwidth estimate reaches this share of the link's rate less its loss. */
const CLIMB_SHARE = 0.8;

/**
 * What the sender's controller did in one download, from the request (the end of the prime) on: when
 * Startup ended (ms) and its estimate then (Mbit/s of KCP segments), how long ProbeBW then took to reach
 * CLIMB_SHARE of the link (0: Startup's estimate was there already; NaN: not within the download), and
 * over ProbeBW until the last byte the time-weighted mean of pacing / estimate (the gain cycle, the
 * cruise bound and the loss compensation together) and of the bottleneck queue's delay (ms).
 */
class ControllerTrace {
  exitMs = Number.NaN;
  exitMbit = Number.NaN;
  /** The rule that ended Startup (ControllerEstimates.startupExit; '-': it did not end). */
  exitRule = '-';
  climbMs = Number.NaN;
  /** The controller's min RTT at the end of the download (ms): the RTT its in-flight cap is built on. */
  minRttMs = Number.NaN;
  /** The peer's ACK cadence as the controller reads it (ms), time-weighted from CADENCE_FROM_MS on. */
  private cadenceSum = 0;
  private cadenceTime = 0;
  private cadenceT = -1;
  /**
   * When the sender's last new segment went out (sim ms; moved into the window earlier, pacing may hold
   * it): the tail runs from there to the last byte (docs/link-tail-2026-12-04.md).
   */
  lastNewMs = Number.NaN;
  private firstSends = -1;
  private from = -1;
  private probeFrom = -1;
  private lastT = -1;
  private time = 0;
  private gain = 0;
  private queue = 0;
  /** `coldEnd`: the bytes of the first download (the traced one). */
  constructor(
    private readonly targetMbit: number,
    private readonly coldEnd: number,
  ) {}

  /** PairOptions.observe: a sends, b receives (ProbeBW's averages stop at the first download's last byte). */
  observe(t: number, a: Endpoint, b: Endpoint): void {
    const cc = a.kcp.congestion;
    if (cc === null || b.received >= this.coldEnd) return;
    const firstSends = a.kcp.transmissions - a.kcp.retransmittedSegs;
    if (firstSends !== this.firstSends) {
      this.firstSends = firstSends;
      this.lastNewMs = t;
    }
    if (this.from < 0) {
      if (a.writeLimit <= PRIME_BYTES) return;
      this.from = t;
    }
    const mbit = (cc.bandwidth * 8) / 1e6;
    if (Number.isNaN(this.exitMs) && cc.state !== 'startup') {
      this.exitMs = t - this.from;
      this.exitMbit = mbit;
      this.exitRule = cc.startupExit;
    }
    this.minRttMs = cc.minRtt;
    if (t - this.from >= CADENCE_FROM_MS) {
      if (this.cadenceT >= 0) {
        this.cadenceSum += (t - this.cadenceT) * cc.ackCadence;
        this.cadenceTime += t - this.cadenceT;
      }
      this.cadenceT = t;
    }
    if (this.probeFrom < 0 && cc.state === 'probe-bw') this.probeFrom = t;
    if (this.probeFrom < 0) return;
    if (Number.isNaN(this.climbMs) && mbit >= this.targetMbit) this.climbMs = t - this.probeFrom;
    if (this.lastT >= 0 && cc.bandwidth > 0) {
      const dt = t - this.lastT;
      this.time += dt;
      this.gain += (dt * cc.pacingRate) / cc.bandwidth;
      this.queue += dt * a.queueMs(t);
    }
    this.lastT = t;
  }
  /** The mean ACK cadence (ms) from CADENCE_FROM_MS of the download on (NaN: shorter). */
  get ackCadenceMs(): number {
    return this.cadenceSum / this.cadenceTime;
  }
  get pacingShare(): number {
    return this.gain / this.time;
  }
  get queueMs(): number {
    return this.queue / this.time;
  }
}

/**
 * The warm download (--warm-idle-s): the bandwidth estimate when the sender restarts from idle and the
 * highest it reads until the last byte (Mbit/s of KCP segments, as ControllerTrace's), the queue drops
 * from the restart on, and the min RTT at the end.
 */
class WarmTrace {
  restartMbit = Number.NaN;
  maxMbit = Number.NaN;
  /** The controller's min RTT at the end of the warm download (ms): its in-flight cap follows it. */
  minRttMs = Number.NaN;
  drops = 0;
  private dropsBefore = -1;

  observe(a: Endpoint, b: Endpoint): void {
    const cc = a.kcp.congestion;
    if (cc === null || a.writeLimit < a.outgoing.length || b.receiveDone) return;
    const mbit = (cc.bandwidth * 8) / 1e6;
    if (this.dropsBefore < 0) {
      this.dropsBefore = a.queueDrops;
      this.restartMbit = mbit;
      this.maxMbit = mbit;
    }
    if (mbit > this.maxMbit) this.maxMbit = mbit;
    this.minRttMs = cc.minRtt;
    this.drops = a.queueDrops - this.dropsBefore;
  }
}

/** bench:link's change in the simulated link's units, from sim ms `fromMs` (see simulatedLink). */
function simulatedChange(p: LinkProfile, c: LinkChange, fromMs: number): LinkChangeAt {
  return {
    fromMs,
    ...(c.rateMbit === undefined ? {} : { rate: (c.rateMbit * 1e6) / 8 / 1000 }),
    ...(c.delayMs === undefined ? {} : { delay: c.delayMs - (p.jitterMs ?? 0) }),
    ...(c.loss === undefined ? {} : { loss: c.loss }),
  };
}

/**
 * A download on a changing link (--changes): the received bytes every PROGRESS_EVERY_MS from the download's
 * start, as bench:link's fetcher samples them, and the queue drops as each change came.
 */
class ChangeTrace {
  readonly progress: Array<[number, number]> = [];
  readonly applied: AppliedChange[] = [];
  private from = -1;
  constructor(
    private readonly changes: readonly LinkChangeAt[],
    private readonly labels: readonly string[],
    private readonly coldEnd: number,
  ) {}

  observe(t: number, a: Endpoint, b: Endpoint): void {
    if (this.from < 0) {
      if (a.writeLimit <= PRIME_BYTES) return;
      this.from = t;
    }
    const next = this.changes[this.applied.length];
    if (next !== undefined && t >= next.fromMs)
      this.applied.push({
        atMs: next.fromMs - this.from,
        label: this.labels[this.applied.length],
        queueDropsBefore: a.queueDrops,
      });
    const received = Math.min(b.received, this.coldEnd);
    const last = this.progress[this.progress.length - 1];
    if (t - this.from >= (last?.[0] ?? 0) + PROGRESS_EVERY_MS && (last?.[1] ?? 0) < this.coldEnd)
      this.progress.push([t - this.from, received]);
  }

  response(queueDrops: number): ChangeResponse {
    return changeResponse({
      progress: this.progress,
      applied: this.applied,
      probeRttMs: [],
      probeSentMs: [],
      queueDrops,
    });
  }
}

/**
 * The bottleneck's queue as bench:link's request/response probe meets it: the queue wait of a datagram
 * sent at the download's start and every probeIntervalMs after, until the first download's last byte (an
 * answer waits that long behind the bulk data at the bottleneck, besides the round trip).
 */
class ProbeQueue {
  readonly samples: number[] = [];
  /**
   * The highest queue wait within the first probe interval: the first request's answer, written as the
   * download begins, leaves behind the first flight (the link's first sample, ~0.9 s on cellular).
   */
  firstPeak = 0;
  private from = -1;
  constructor(
    private readonly intervalMs: number,
    private readonly coldEnd: number,
  ) {}

  observe(t: number, a: Endpoint, b: Endpoint): void {
    if (b.received >= this.coldEnd) return;
    if (this.from < 0) {
      if (a.writeLimit <= PRIME_BYTES) return;
      this.from = t;
    }
    const queue = a.queueMs(t);
    if (t - this.from < this.intervalMs && queue > this.firstPeak) this.firstPeak = queue;
    if (t - this.from >= this.samples.length * this.intervalMs) this.samples.push(queue);
  }
}

/**
 * A fresh session's start (LinkOptions.fec.shapeLearned): when the sender learned its peer's FEC shape and
 * that it marks its parity (ms from the download's start; NaN: never, or known before it), and the queue
 * drops of the first download before the first flight's first ACK (a segment of the download
 * acknowledged), from then until Startup ended, and after.
 */
class FlightDrops {
  shapeMs = Number.NaN;
  marksMs = Number.NaN;
  beforeAck = 0;
  inStartup = 0;
  after = 0;
  private from = -1;
  private una = 0;
  private acked = false;
  private startupOver = false;
  private dropsAtAck = 0;
  private dropsAtExit = 0;
  constructor(private readonly coldEnd: number) {}

  observe(t: number, a: Endpoint, b: Endpoint): void {
    if (this.from < 0) {
      if (a.writeLimit <= PRIME_BYTES) return;
      this.from = t;
      this.una = a.kcp.sndUna;
    }
    if (b.received >= this.coldEnd) return;
    if (Number.isNaN(this.shapeMs) && a.peerShapeAt >= this.from) this.shapeMs = a.peerShapeAt - this.from;
    if (Number.isNaN(this.marksMs) && a.peerMarksAt >= this.from) this.marksMs = a.peerMarksAt - this.from;
    const drops = a.queueDrops;
    if (!this.acked && a.kcp.sndUna !== this.una) {
      this.acked = true;
      this.dropsAtAck = drops;
    }
    const cc = a.kcp.congestion;
    if (!this.startupOver && cc !== null && cc.state !== 'startup') {
      this.startupOver = true;
      this.dropsAtExit = drops;
    }
    const atAck = this.acked ? this.dropsAtAck : drops;
    const atExit = this.startupOver ? this.dropsAtExit : drops;
    this.beforeAck = atAck;
    this.inStartup = atExit - atAck;
    this.after = drops - atExit;
  }
}

/** FlightDrops' line for a profile's seeds. */
function flightDropsLine(xs: readonly FlightDrops[], f: (v: number[], d?: number) => string): string {
  return (
    `  fresh session: peer's FEC shape learned at ms ${f(xs.map((x) => x.shapeMs))}, parity marks at ms ` +
    `${f(xs.map((x) => x.marksMs))}; queue drops before the flight's first ACK / until Startup's end / after: ` +
    xs.map((x) => `${x.beforeAck}/${x.inStartup}/${x.after}`).join(' ')
  );
}

function median(xs: number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s[s.length >> 1];
}

const USAGE = `usage: node dist/bench/link-sim.js [options]   (the file's header says what each line means)
  --profiles ID,...    links to simulate (default: all but the named-only ones): ${PROFILES.map((p) => p.id).join(', ')}
  --seeds N            downloads per profile, seeds 1..N (default 6)
  --first-seed N       start at seed N instead (seeds N..N+seeds-1: one long run split in two)
  --mib N              MiB per download (default 16; a slow profile moves at most its own, as in bench:link)
  --ratelimit N        -ratelimit N (bytes per second of link) at both ends (default 0: none)
  --warm-idle-s N      a second download N s after the first (default 0: none)
  --loaded             the sender's event loop busy as on the loaded benchmark machine
  --receiver-stalls    the client's ACK flushes stalled as on the loaded benchmark machine
  --client-rcvwnd N    the client's initial receive window (default: kcptun-client's -rcvwnd)
  --go-client          the client is Go kcptun's at its defaults (-mode fast, a fixed window)
  --known-shape        both ends know the peer's FEC shape from the start (the model before session 32)
  --client-shows-shape the client shows its FEC shape as its session starts (KcpSession.showFecShape)
  --server-shows-shape the server does too (src/tunnel/server.ts): the client knows its shape from the start
  --probe, --no-probe  the client runs bench:link's probe on the session (default: with --go-client)
  --changes LIST       the link changes during each download, as bench:link's --changes (see the header)
  --wire               where each download's wire bytes go, by kind (bench/link-wire.ts)
  --small-seeds, --loss-after-queue, --no-fec, --no-interleave: the older models (see the header)`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profiles: {
        type: 'string',
        default: PROFILES.filter((p) => !p.onlyWhenNamed)
          .map((p) => p.id)
          .join(','),
      },
      seeds: { type: 'string', default: '6' },
      'first-seed': { type: 'string', default: '1' },
      mib: { type: 'string', default: '16' },
      'no-fec': { type: 'boolean', default: false },
      'no-interleave': { type: 'boolean', default: false },
      'loss-after-queue': { type: 'boolean', default: false },
      loaded: { type: 'boolean', default: false },
      'receiver-stalls': { type: 'boolean', default: false },
      'small-seeds': { type: 'boolean', default: false },
      ratelimit: { type: 'string', default: '0' },
      'warm-idle-s': { type: 'string', default: '0' },
      'client-rcvwnd': { type: 'string', default: String(CLIENT_RCV_WND) },
      'go-client': { type: 'boolean', default: false },
      'known-shape': { type: 'boolean', default: false },
      'client-shows-shape': { type: 'boolean', default: false },
      'server-shows-shape': { type: 'boolean', default: false },
      probe: { type: 'boolean' },
      'no-probe': { type: 'boolean', default: false },
      changes: { type: 'string' },
      wire: { type: 'boolean', default: false },
    },
  });
  let changes: LinkChange[] = [];
  try {
    if (values.changes !== undefined) changes = parseChanges(values.changes);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const warmIdleMs = Number(values['warm-idle-s']) * 1000;
  const mibBytes = Number(values.mib) * 1024 * 1024;
  const seeds = Number(values.seeds);
  const firstSeed = Number(values['first-seed']);
  /** -ratelimit at both ends, bytes per second of link (0: none). */
  const rateLimit = Number(values.ratelimit);
  const withProbe = !values['no-probe'] && (values.probe ?? values['go-client']);
  for (const id of values.profiles.split(',')) {
    const p = PROFILES.find((q) => q.id === id);
    if (p === undefined) throw new UsageError(`unknown profile ${id}`);
    const bytes = downloadBytes(p, mibBytes);
    // the changes at 0 s from the start, the others after the prime's round trip as well
    const timed = changes.filter((c) => c.atMs > 0);
    const linkChanges = changes.map((c) =>
      simulatedChange(p, c, c.atMs === 0 ? 0 : c.atMs + 2 * p.oneWayDelayMs),
    );
    const link = {
      ...simulatedLink(p, {
        fec: !values['no-fec'],
        // a session interleaves its groups only toward a decoder that shows it follows them: ours
        interleave: !values['no-interleave'] && !values['go-client'],
        forwarder: !values['loss-after-queue'],
        shapeLearned: !values['known-shape'] && !values['go-client'],
      }),
      ...(changes.length === 0 ? {} : { changes: linkChanges }),
    };
    const responses: ChangeResponse[] = [];
    const made: string[] = [];
    const rates: number[] = [];
    const traces: ControllerTrace[] = [];
    const probeQueues: ProbeQueue[] = [];
    const flightDrops: FlightDrops[] = [];
    const phases: PhaseAccount[] = [];
    const warmRates: number[] = [];
    const warmTraces: WarmTrace[] = [];
    const wireCold: WireSums[] = [];
    const wireWarm: WireSums[] = [];
    const lastArrivals: string[] = [];
    let drops = 0;
    /** `seed:drops` of each seed whose first download dropped at the queue. */
    const dropping: string[] = [];
    let wire = 0;
    const tails: number[] = [];
    let retrans = 0;
    const ends: string[] = [];
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const data = new Rng(seed).bytes(warmIdleMs > 0 ? 2 * bytes : bytes);
      const trace = new ControllerTrace(CLIMB_SHARE * p.rateMbit * (1 - meanLoss(p)), bytes);
      const warmTrace = new WarmTrace();
      const phase = new PhaseAccount(PRIME_BYTES, bytes);
      const changeTrace = new ChangeTrace(
        linkChanges.filter((_, i) => changes[i].atMs > 0),
        timed.map((c) => c.label),
        bytes,
      );
      const wireAccount = new WireAccount(
        PRIME_BYTES,
        bytes,
        warmIdleMs > 0,
        link.headerBytes ?? 0,
        AUTO_PAIR.reserved,
      );
      const probeQueue = new ProbeQueue(probeIntervalMs(p.rateMbit), bytes);
      probeQueues.push(probeQueue);
      const flightDrop = new FlightDrops(bytes);
      flightDrops.push(flightDrop);
      traces.push(trace);
      warmTraces.push(warmTrace);
      phases.push(phase);
      const observe = (t: number, a: Endpoint, b: Endpoint) => {
        trace.observe(t, a, b);
        phase.observe(t, a, b);
        probeQueue.observe(t, a, b);
        flightDrop.observe(t, a, b);
        if (values.wire) wireAccount.observe(a, b);
        if (timed.length > 0) changeTrace.observe(t, a, b);
        if (warmIdleMs > 0) warmTrace.observe(a, b);
      };
      const warm = warmIdleMs > 0 ? { bytes, idleMs: warmIdleMs } : undefined;
      const options = {
        ...AUTO_PAIR,
        link,
        seed: values['small-seeds'] ? seed : mixSeed(seed),
        primeBytes: PRIME_BYTES,
        observe,
        rateLimit,
        warm,
        peerShowsShape: values['client-shows-shape'],
        peerB: {
          peerShowsShape: values['server-shows-shape'],
          rcvWnd: Number(values['client-rcvwnd']),
          ...(values['go-client'] ? GO_CLIENT : {}),
        },
        ...(values.loaded ? { timerLateness: LOADED_TIMER_LATENESS } : {}),
        ...(values['receiver-stalls'] ? { receiverStalls: RECEIVER_ACK_STALLS } : {}),
        ...(withProbe
          ? {
              probe: {
                intervalMs: probeIntervalMs(p.rateMbit),
                inFlight: PROBE_IN_FLIGHT,
                requestBytes: PROBE_REQUEST,
              },
            }
          : {}),
      };
      const { bulkFromMs, coldDoneMs, warmFromMs, a, b } = runPair(
        options,
        data,
        Buffer.alloc(CLIENT_REQUEST_BYTES),
      );
      if (b.mismatch !== -1 || b.receiveDoneMs < 0)
        throw new Error(`${id} seed ${seed}: incomplete or corrupt`);
      phase.finish();
      wireAccount.finish();
      wireCold.push(wireAccount.cold);
      if (values.wire) lastArrivals.push(wireAccount.lastArrival);
      wireWarm.push(wireAccount.warm);
      rates.push((bytes * 8) / (coldDoneMs - bulkFromMs + p.oneWayDelayMs) / 1000);
      if (warm !== undefined)
        warmRates.push((bytes * 8) / (b.receiveDoneMs - warmFromMs + p.oneWayDelayMs) / 1000);
      tails.push(coldDoneMs - trace.lastNewMs);
      const coldDrops = a.queueDrops - warmTrace.drops;
      drops += coldDrops;
      if (coldDrops > 0) dropping.push(`${seed}:${coldDrops}`);
      if (timed.length > 0) {
        responses.push(changeTrace.response(coldDrops));
        made.push(changeTrace.applied.map((c) => c.atMs).join('/'));
      }
      wire += a.bytesOut / data.length;
      retrans += a.kcp.retransmittedSegs / a.kcp.transmissions;
      const cc = a.kcp.congestion;
      if (cc !== null) ends.push(`${cc.state}@${((cc.bandwidth * 8) / 1e6).toFixed(1)}`);
    }
    const sorted = [...rates].sort((x, y) => x - y);
    const mean = rates.reduce((s, x) => s + x, 0) / seeds;
    console.log(
      `${id}: Mbit/s median ${sorted[seeds >> 1].toFixed(1)} mean ${mean.toFixed(1)} ` +
        `(${rates.map((r) => r.toFixed(p.rateMbit <= 10 ? 2 : 1)).join(' ')}), queue drops ${drops} in ${seeds} runs ` +
        `(seed:drops ${dropping.join(' ') || '-'}), ` +
        `wire/delivered ${(wire / seeds).toFixed(3)}, retransmitted ${((100 * retrans) / seeds).toFixed(1)} %, ` +
        `end state@Mbit/s ${ends.join(' ')}`,
    );
    const tailMean = tails.reduce((s, x) => s + x, 0) / seeds;
    console.log(
      `  tail (last new segment to last byte) ms median ${median(tails)} mean ${tailMean.toFixed(0)} ` +
        `(${tails.join(' ')})`,
    );
    const f = (xs: number[], d = 0) => xs.map((x) => (Number.isNaN(x) ? '-' : x.toFixed(d))).join(' ');
    const climbs = traces.map((x) => x.climbMs);
    const never = climbs.filter((x) => Number.isNaN(x)).length;
    const gains = f(
      traces.map((x) => x.pacingShare),
      2,
    );
    const queues = f(
      traces.map((x) => x.queueMs),
      1,
    );
    console.log(
      `  Startup exit ms ${f(traces.map((x) => x.exitMs))} at Mbit/s ${f(traces.map((x) => x.exitMbit))} ` +
        `by ${traces.map((x) => x.exitRule).join(' ')}; ` +
        `climb to ${CLIMB_SHARE} of the link ms ${f(climbs)} (median ${f([median(climbs)])}, ${never} never); ` +
        `ProbeBW pacing/estimate ${gains}; queue ms ${queues}; min RTT ms ${f(traces.map((x) => x.minRttMs))}; ` +
        `ACK cadence ms ${f(
          traces.map((x) => x.ackCadenceMs),
          1,
        )}`,
    );
    console.log(phasesLine(phases, link.rate ?? Number.POSITIVE_INFINITY));
    const firsts = probeQueues.map((q) =>
      q.samples
        .slice(0, 4)
        .map((x) => x.toFixed(0))
        .join('/'),
    );
    const highest = probeQueues.map((q) => Math.max(0, ...q.samples));
    console.log(
      `  bottleneck queue ms at the probe's times (every ${probeIntervalMs(p.rateMbit).toFixed(0)} ms): ` +
        `highest ${f(highest)} (median ${f([median(highest)])}, mean ${f([highest.reduce((s, x) => s + x, 0) / seeds])}); ` +
        `first four ${firsts.join(' ')}`,
    );
    const peaks = probeQueues.map((q) => q.firstPeak);
    console.log(
      `  the first interval's highest queue ms ${f(peaks)} (median ${f([median(peaks)])}, ` +
        `mean ${f([peaks.reduce((s, x) => s + x, 0) / seeds])})`,
    );
    console.log(flightDropsLine(flightDrops, f));
    if (values.wire) {
      for (const line of wireLines('cold', wireCold)) console.log(line);
      console.log(
        `  cold: the last segment to arrive, its sends (ms from the last new segment): ${lastArrivals.join('; ')}`,
      );
      if (warmIdleMs > 0) for (const line of wireLines('warm', wireWarm)) console.log(line);
    }
    if (responses.length > 0) {
      const of = (pick: (r: ChangeResponse) => number | null, d = 1) => {
        const xs = responses.map((r) => pick(r) ?? Number.NaN);
        return `${f(xs, d)} (median ${f([median(xs)], d)})`;
      };
      console.log(
        `  changes made at ms ${made.join(' ')}: Mbit/s before ${of((r) => r.beforeMbit)}; settled ` +
          `${of((r) => r.settledMbit)}; ms to 90 % of it ${of((r) => r.reachMs, 0)}; queue drops after ` +
          `${of((r) => r.queueDropsAfter, 0)}`,
      );
    }
    if (warmRates.length === 0) continue;
    const warmMean = warmRates.reduce((s, x) => s + x, 0) / seeds;
    console.log(
      `  warm after ${warmIdleMs / 1000} s: Mbit/s median ${f([median(warmRates)], 1)} mean ${warmMean.toFixed(1)} ` +
        `(${f(warmRates, 1)}), queue drops ${f(warmTraces.map((x) => x.drops))}; ` +
        `estimate Mbit/s at the restart ${f(warmTraces.map((x) => x.restartMbit))}, ` +
        `highest ${f(warmTraces.map((x) => x.maxMbit))}; min RTT ms ${f(warmTraces.map((x) => x.minRttMs))}`,
    );
  }
}

runBenchMain(USAGE, main);
