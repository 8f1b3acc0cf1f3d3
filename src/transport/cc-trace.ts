/**
 * -mode auto's debug trace: with KCPTUN_CC_TRACE=<file> every auto session appends one line every ~100 ms
 * (TRACE_PERIOD_MS) to `<file>.<pid>`: the controller's state and estimates, the windows, and what held
 * the last flush's new data back, and for how long each kind of limit has held it since the session began.
 * What bounds the rate on a link is read from it (docs/link-benchmark.md): round_max_Mbit, the last round's
 * highest rate sample, shows what a probe round delivered against its pacing, and rtt_avg the smoothed RTT
 * that Startup's delay exit and hold compare with their baseline (docs/link-collapse-2026-12-04.md: on the
 * jittery link it rises with the rate). The remote column is the peer's address and the session's conv
 * (`address#conv`). Off by default; when off the session holds null and pays one comparison per flush.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { KCP_OVERHEAD, type Kcp } from '../kcp/index.js';
import { timeDiff } from '../kcp/time-diff.js';
import { snmp } from '../metrics/snmp.js';
import type { Pacer } from './pacer.js';

const TRACE_PERIOD_MS = 100;

/**
 * The time columns (ms_<key>, cumulative): the time from each flush to the next is charged to what held
 * that flush's new data back. KCP's `data` (snd_queue emptied) is split by whether the writer above still
 * held data (Kcp.backlogged): `refill` when it did (the session's short queue, UNSENT_LIMIT, ran dry within
 * the flush and is refilled from smux at once: not a sender out of data), `data` when the tunnel gave KCP
 * nothing more (no request yet, between transfers, a transfer's tail, a source or a smux stream window that
 * holds). One `limit` per ~100 ms says what one flush saw: on 100 ms/5 % 30-55 % of the rows said `data`,
 * read as a sender starved of data, and were the idle second before the download and the tail; during
 * the transfer `data` held for 3-132 ms of 2.2-3.3 s, all of it in Startup (docs/link-supply-2026-12-04.md).
 */
const TIME_KEYS = ['data', 'refill', 'pacer', 'cwnd', 'wnd', 'budget'] as const;
const DATA = 0;
const REFILL = 1;
const PACER = 2;
const CWND = 3;
const WND = 4;
const BUDGET = 5;

/** The time column a flush's limit is charged to. */
function timeKey(kcp: Kcp): number {
  switch (kcp.newDataLimit) {
    case 'data':
      return kcp.backlogged ? REFILL : DATA;
    case 'pacer':
      return PACER;
    case 'cwnd':
      return CWND;
    case 'budget':
    case 'allowance': // a server's first flight to an address not yet proven (Kcp.sendAllowance)
      return BUDGET;
    default:
      return WND;
  }
}

/**
 * Upper ends (ms, inclusive) of the lateness buckets of the timer wake-ups that followed a paced flush
 * (late_<n>: how late the scheduler ran the session past the due time it asked for; the last bucket
 * is open). What the pacer's bucket cannot make up for is in the pacer_* columns: credit_kB, the bytes
 * the pacing rate allowed while the pacer held data, and lost_kB, the part the bucket's burst cut off
 * because the sender woke too late to send them and its catch-up did not repay (Pacer.clipped); probe_*
 * the same during a ProbeBW probe (pacing above
 * PROBE_PACING_SHARE × the estimate).
 *
 * Which rule retransmitted, and whether this end stalled (docs/bench-tunnel-auto-retransmits-2026-12-05.md):
 * gap_max, the longest time between two flushes of the session since the last line (a stalled event loop,
 * or this session's long wait), and fast_rt / early_rt / rto_rt, the process's SNMP FastRetransSegs,
 * EarlyRetransSegs and LostSegs (all of its sessions: per session only in a process of one).
 *
 * When copies go out (docs/link-go-client-2026-12-07-goclient33.md): win_copy, 1 when the last flush sent
 * its new segments twice toward a fixed peer window (Kcp.windowCopying), and copies, the session's copies of
 * sent segments so far (Kcp.copiesSent: window copies, and a thin stream's, a tail's and a last flight's);
 * burst_Mbit and delivered_Mbit, the readings the copies' rules compare (AckBurstRate's highest and average:
 * the peer's ACKs of a burst, and of the data over the last second or more).
 * Without them the link could not tell whether a build's window copies went out on a path
 * (docs/link-go-client-2026-12-07-goclient32.md §5).
 *
 * When the peer was seen to mark its parity (docs/link-first-flight-2026-12-07-flight36.md): re_acks, 1 once
 * the session re-acknowledges toward it (Kcp.reAcks, set when FecDecoder.peerMarksParity first holds); the
 * gate behind which FEC interleaving and the decoder's closed-span rule also wait.
 *
 * Which rule ended Startup (docs/link-startup-exit-2026-12-07-startup38.md): startup_exit, `none` until it
 * ended, then the rule (ControllerEstimates.startupExit: flight, delay, round-min, plateau) and the
 * bandwidth estimate as it ended, `flight@19.70` (Mbit/s): a 100 ms line may come well after the exit.
 */
const LATE_BUCKETS = [1, 4, 8, 16, Number.POSITIVE_INFINITY];
const PROBE_PACING_SHARE = 1.15;

const HEADER =
  't_ms\tremote\tstate\tbw_Mbit\tmin_rtt\tsrtt\tcwnd_seg\tinflight_seg\tpacing_Mbit\tloss_base\tack_cadence' +
  '\tsnd_wnd\trmt_wnd\tin_window\tunsent\tlimit\tparity\txmit\tretrans\trcv_wnd\trcv_buf\tspurious' +
  '\tround_max_Mbit\trtt_avg' +
  `${TIME_KEYS.map((k) => `\tms_${k}`).join('')}` +
  '\tpacer_credit_kB\tpacer_lost_kB\tprobe_credit_kB\tprobe_lost_kB' +
  `${LATE_BUCKETS.map((b) => `\tlate_${b === Number.POSITIVE_INFINITY ? 'more' : b}`).join('')}` +
  '\tgap_max\tfast_rt\tearly_rt\trto_rt\twin_copy\tcopies\tburst_Mbit\tdelivered_Mbit\tre_acks\tstartup_exit\n';

let fd = -1;
/** The file could not be opened: said once on stderr, and no session traces (a debug aid must not stop a tunnel). */
let unavailable = false;

/**
 * KCPTUN_CC_TRACE as read when the first session asked (undefined before): the environment is read once, not
 * per session. `process.env` is a native lookup each time; in a 1000-session server at -mode auto the read in
 * every session's opening was ~3 % of its KcpSession construction (docs/cpu-sessions-2026-12-07-cpu31.md).
 */
let traceFile: string | undefined;

/** The trace's file for this process, opened on first use; null when KCPTUN_CC_TRACE is unset or unusable. */
function traceFd(): number | null {
  traceFile ??= process.env.KCPTUN_CC_TRACE ?? '';
  const file = traceFile;
  if (file === '' || unavailable) return null;
  if (fd < 0) {
    const path = `${file}.${process.pid}`;
    try {
      fd = openSync(path, 'a');
      writeSync(fd, HEADER);
    } catch (err) {
      unavailable = true;
      process.stderr.write(`KCPTUN_CC_TRACE: cannot write ${path} (${(err as Error).message}); no trace\n`);
      return null;
    }
    process.once('exit', () => closeSync(fd));
  }
  return fd;
}

export class CcTrace {
  private last = -TRACE_PERIOD_MS;
  private readonly started: number;
  /** ms charged to each of TIME_KEYS, the last flush's time and the key it is charged to until the next. */
  private readonly limitMs = new Float64Array(TIME_KEYS.length);
  private lastFlush: number;
  private lastKey = DATA;
  /** Pacer credit and clipped bytes (see LATE_BUCKETS): paced, of which in a probe; the pacer's at the last flush. */
  private readonly pacerKB = new Float64Array(4);
  private lastCredited = 0;
  private lastClipped = 0;
  private lastProbe = false;
  private readonly late = new Float64Array(LATE_BUCKETS.length);
  private gapMax = 0;

  private constructor(
    private readonly fd: number,
    private readonly remote: string,
    now: number,
  ) {
    this.started = now;
    this.lastFlush = now;
  }

  /** A trace for one session when KCPTUN_CC_TRACE is set, else null. */
  static open(remote: string, now: number): CcTrace | null {
    const fd = traceFd();
    return fd === null ? null : new CcTrace(fd, remote, now);
  }

  /** A timer wake-up `lateMs` past its due time, counted when the last flush was held by the pacer. */
  wake(lateMs: number): void {
    if (this.lastKey !== PACER) return;
    let i = 0;
    while (lateMs > LATE_BUCKETS[i]) i++;
    this.late[i]++;
  }

  /** After every flush: its limit's time is counted, and one line written when the period has passed. */
  sample(now: number, kcp: Kcp, parity: number, pacer: Pacer | null = null): void {
    const elapsed = timeDiff(now, this.lastFlush);
    if (elapsed > 0) this.limitMs[this.lastKey] += elapsed;
    if (elapsed > this.gapMax) this.gapMax = elapsed;
    if (pacer !== null) {
      if (this.lastKey === PACER) {
        const credit = (pacer.credited - this.lastCredited) / 1000;
        const lost = (pacer.clipped - this.lastClipped) / 1000;
        this.pacerKB[0] += credit;
        this.pacerKB[1] += lost;
        if (this.lastProbe) {
          this.pacerKB[2] += credit;
          this.pacerKB[3] += lost;
        }
      }
      this.lastCredited = pacer.credited;
      this.lastClipped = pacer.clipped;
    }
    this.lastFlush = now;
    this.lastKey = timeKey(kcp);
    const cc = kcp.congestion;
    this.lastProbe = cc !== null && cc.pacingRate > PROBE_PACING_SHARE * cc.bandwidth;
    const t = (now - this.started) | 0;
    if (t - this.last < TRACE_PERIOD_MS) return;
    this.last = t;
    if (cc === null) return;
    const seg = kcp.mss + KCP_OVERHEAD;
    const mbit = (bytesPerSecond: number) => ((bytesPerSecond * 8) / 1e6).toFixed(2);
    const inWindow = (kcp.sndNxt - kcp.sndUna) >>> 0;
    writeSync(
      this.fd,
      `${t}\t${this.remote}\t${cc.state}\t${mbit(cc.bandwidth)}\t${cc.minRtt}\t${kcp.srtt}\t${(cc.cwnd / seg).toFixed(0)}` +
        `\t${(cc.inflightBytes / seg).toFixed(0)}\t${mbit(cc.pacingRate)}\t${cc.lossBaseline.toFixed(3)}` +
        `\t${cc.ackCadence.toFixed(1)}\t${kcp.sndWnd}\t${kcp.rmtWnd}\t${inWindow}\t${kcp.unsent}` +
        `\t${kcp.newDataLimit}\t${parity}\t${kcp.transmissions}\t${kcp.retransmittedSegs}\t${kcp.rcvWnd}` +
        `\t${kcp.rcvBufLength}\t${kcp.spuriousRetransmits}\t${mbit(cc.lastRoundRate)}\t${cc.smoothedRtt.toFixed(0)}` +
        `\t${this.limitMs.join('\t')}\t${Array.from(this.pacerKB, (kB) => kB.toFixed(0)).join('\t')}` +
        `\t${this.late.join('\t')}\t${this.gapMax}\t${snmp.FastRetransSegs}\t${snmp.EarlyRetransSegs}` +
        `\t${snmp.LostSegs}\t${kcp.windowCopying ? 1 : 0}\t${kcp.copiesSent}` +
        `\t${mbit(kcp.ackBurstHighest * 1000)}\t${mbit(kcp.ackDeliveredRate * 1000)}\t${kcp.reAcks ? 1 : 0}` +
        `\t${cc.startupExit === 'none' ? 'none' : `${cc.startupExit}@${mbit(cc.startupExitBandwidth)}`}\n`,
    );
    this.gapMax = 0;
  }
}
