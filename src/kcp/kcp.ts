/**
 * The KCP ARQ state machine of kcp-go v5.6.1 (docs/protocol.md §4), stream mode only, as kcptun uses it.
 *
 * Pure: no sockets, no timers. Time is passed in as `now`, a uint32-wrapping millisecond clock (any
 * monotonic ms counter; the peer only echoes it). All sequence and time comparisons are wrap-safe int32
 * differences. The transport drives it: `input` for each received KCP payload, `send` + `flush` after
 * writes, and `flush` again after the delay that `flush` returns.
 */

import { snmp } from '../metrics/snmp.js';
import { AckBurstRate, SPAN_MIN_MS } from './ack-burst-rate.js';
import { ACK_LOSS_RUN_MIN, PeerDatagramGaps } from './ack-loss.js';
import { CongestionController, type ControllerEstimates } from './congestion/controller.js';
import { ReceiveWindowTuner } from './congestion/receive-window.js';
import {
  KCP_ASK_SEND,
  KCP_ASK_TELL,
  KCP_CMD_ACK,
  KCP_CMD_PUSH,
  KCP_CMD_WASK,
  KCP_CMD_WINS,
  KCP_INTERVAL,
  KCP_INTERVAL_MAX,
  KCP_INTERVAL_MIN,
  KCP_MTU_DEF,
  KCP_MTU_LIMIT,
  KCP_MTU_MIN,
  KCP_OVERHEAD,
  KCP_PROBE_INIT,
  KCP_PROBE_LIMIT,
  KCP_RTO_MAX,
  KCP_RTO_MIN,
  KCP_RTO_NDL,
  KCP_THRESH_INIT,
  KCP_THRESH_MIN,
  KCP_WND_RCV,
  KCP_WND_SND,
  SEG_OFF_CMD,
  SEG_OFF_FRG,
  SEG_OFF_LEN,
  SEG_OFF_SN,
  SEG_OFF_TS,
  SEG_OFF_UNA,
  SEG_OFF_WND,
} from './constants.js';
import { REACK_FRG, REACK_RUNS_MAX } from './re-ack.js';
import { RetiredSends } from './retired-sends.js';
import { RtoEstimator } from './rto-estimator.js';
import { allocSegment, freeSegment, type Segment } from './segment.js';
import { readU32LE, writeSegmentHeader } from './segment-header.js';
import { SegmentQueue } from './segment-queue.js';
import { timeDiff } from './time-diff.js';
import { datagramViews } from './view-cache.js';

/**
 * Receives each outgoing datagram: `buf[0, len)`, whose first `reserved` bytes (see `reserveBytes`) are
 * left for the FEC/crypt headers and whose bytes up to `len + slack` (see `outputSlack`) may be written.
 * `buf` is ONE internal buffer reused for every datagram: the callee may modify it in place (headers,
 * encryption) but must copy whatever it keeps before returning, and must not call back into this Kcp.
 */
export type KcpOutput = (buf: Buffer, len: number) => void;

/** Input results (docs/protocol.md §4.5). */
export const KCP_INPUT_OK = 0;
/** Wrong conv (the rest of the datagram is ignored), or a datagram shorter than one header (as G561). */
export const KCP_INPUT_CONV_MISMATCH = -1;
/** A segment's len runs past the end of the datagram. */
export const KCP_INPUT_SHORT = -2;
/** Unknown cmd. */
export const KCP_INPUT_BAD_CMD = -3;

/** How `Kcp.input` treats one payload; build it once per session, not per packet. */
/**
 * What held new segments back in a flush: nothing left to send ('data'), the sequence window (our snd_wnd
 * or the peer's advertised rcv_wnd), the congestion controller's in-flight cap, the pacing gate, or the
 * owner's send budget (see `sendBudget`).
 */
export type NewDataLimit = 'data' | 'snd-wnd' | 'rmt-wnd' | 'cwnd' | 'pacer' | 'budget' | 'allowance';

export interface KcpInputOptions {
  /** Rebuilt by FEC rather than received: its wnd and timestamps are not the peer's latest. */
  readonly recovered?: boolean;
  /** Flush the ACKs at once instead of on the next flush (kcptun's hidden -acknodelay). */
  readonly ackNoDelay?: boolean;
}

const REGULAR: KcpInputOptions = Object.freeze({});

/**
 * Paces a Kcp's data segments (see `setPacingGate`): `ready` false holds back every PUSH, new or
 * retransmitted, until a later flush. ACKs and window probes are never held.
 */
export interface KcpPacingGate {
  ready(now: number): boolean;
}

/**
 * Told of every data segment flush writes (Kcp.sendTrace): its sn, payload bytes, why it went (SEND_NEW
 * ... SEND_FLIGHT_COPY) and its timestamp. For the simulator's wire account (bench/link-wire.ts); null in a session.
 */
export interface KcpSendTrace {
  segment(sn: number, len: number, kind: number, now: number): void;
}

const INITIAL_ACK_CAPACITY = 64;
/**
 * While holdTimeouts, a segment times out no earlier than this many of its RTOs after its transmission:
 * one RTO more. With Go's client dialling 1000 sessions, each sending 64 KiB at once, our server's one
 * socket overflowed and a fifth to a third of its segments timed out for ACKs it had not yet read or had
 * dropped; the hold cut those timeouts to 0.65x (docs/bench-tunnel-sessions-2026-12-04-2.md).
 */
const HELD_TIMEOUT_RTOS = 2;
/** receiveDropAt before our socket was seen dropping anything (a KCP clock reading is a uint32). */
const NO_RECEIVE_DROP = -1;
/**
 * -mode auto, where the peer's ACK period dominates the round trip (the una wait at least UNA_WAIT_SRTTS
 * srtt): the RTO's margin over srtt is at least the una wait, how long the oldest segment that only the
 * peer's una acknowledged waited for it (sent once, not acknowledged by an ACK of its own), followed at
 * once upward and with UNA_WAIT_DECAY downward. A kcp-go peer flushes its ACKs once per interval (40 ms at
 * kcptun's -mode normal), one per in-order run with the newest segment's timestamp, its una covering the
 * rest: on a loopback srtt reads 1-5 ms while a segment sent just after a flush waits the whole period,
 * and with the nodelay floor of 30 ms such segments timed out and went again for nothing, undetectably
 * (no timestamp of theirs comes back): 37-43 % of the transmissions toward Go's client at -mode normal on
 * a loopback, 0.6-1.1 % with this. The controller's ACK cadence, a mean gap, read 13-15 ms there, a third
 * of the period. Applied on every path, the larger RTO delayed the repair of a transfer's last losses
 * (pair simulation, 100 ms / 5 %: the tail's median 166 -> 232 ms); docs/link-auto-lan-2026-12-05.md.
 */
const UNA_WAIT_DECAY = 1 / 8;
const UNA_WAIT_SRTTS = 2;
/**
 * Why flush (re)transmits a segment: not at all, first time, fast / early retransmit, timeout; or another
 * copy of a sent one (writeCopy): a thin stream's, window or tail copy (COPY_RTT_SHARE, enableWindowCopies),
 * or a last-flight copy (enableLastFlightCopies). KcpSendTrace is told which.
 */
const SEND_NONE = 0;
export const SEND_NEW = 1;
export const SEND_FAST = 2;
export const SEND_EARLY = 3;
export const SEND_TIMEOUT = 4;
export const SEND_COPY = 5;
export const SEND_FLIGHT_COPY = 6;
/** Fast-retransmit threshold meaning "disabled" (compared as uint32, as kcp-go does). */
const FASTACK_NEVER = 0xffffffff;
/**
 * Under the owner's allowance (sendAllowance: a server's peer that has not proven its address), new data
 * leaves room for this many more transmissions of the oldest segment in flight, the one whose ACK proves
 * the address: a peer whose data we acknowledged may send nothing more that would widen the allowance
 * (a Go client after its first request), and a lost ACK of it then waited for that peer's next keep-alive,
 * 10 s. Two: three exchanges in a row lost is 1 in 150 at 10 % loss each way, 1 in 16 000 at 2 %.
 */
const UNPROVEN_RESENDS = 2;

/**
 * A sender with at most this many segments unacknowledged is a thin stream (Linux's tcp_stream_is_thin
 * uses 4 packets out): too few segments follow a loss to trigger a fast retransmit, so a lost one waits
 * out its RTO. See enableThinStreamDuplicates.
 */
const THIN_STREAM_SEGMENTS = 4;

/**
 * A second copy (a thin stream's new segment, enableThinStreamDuplicates; a retransmission in a transfer's
 * tail, enableTailCopies) goes out this share of the smoothed RTT after the first (at least one flush
 * interval later), not in the next datagram: losses come in bursts (a fading radio, a full queue, the link
 * benchmark's Gilbert-Elliott loss), and two copies sent back to back fall in the same burst. On the 3 %
 * bursty link both copies of 20 of 476 requests and responses were lost so (44 downloads), each then waited
 * for its RTO and was its download's p99 (204-553 ms); spaced, 1 of 471 (docs/link-collapse-2026-12-04.md,
 * packet captures). The tail's copies went back to back until 2026-12-06; spaced, the bursty link's
 * simulated tail shortened and nothing else moved (docs/link-lossy-tail-2026-12-06.md). A quarter of the
 * RTT is past a burst of a few datagrams when the path carries other traffic, and far below the RTO (srtt
 * plus its margin); no ACK of the first copy can have come back by then, so the second is sent for nothing
 * only if the first arrived, as before, and not at all once an ACK of an earlier transmission shows the
 * retransmission needless.
 */
const COPY_RTT_SHARE = 0.25;

/**
 * A last-flight copy (enableLastFlightCopies) of a transfer that ends in Startup goes out only while its
 * segment is younger than this share of the smoothed RTT, not the whole of it: Startup paces at several
 * times its estimate, so a train of copies as long as the flight's last round trip entered the bottleneck
 * at several times its rate. On 25 ms/2 % a 1 MiB download's copies overflowed the one-BDP queue (pair
 * simulation, 16 seeds: 1,149 queue drops against none, wire/delivered 1.57 → 2.01, goodput the same);
 * half reaches the last quarter round trip, as all copies did before 2026-12-06.
 */
const STARTUP_FLIGHT_COPY_RTT_SHARE = 0.5;

/**
 * Last-flight copies go out only once the path has shown loss that FEC did not repair: retransmissions the
 * peer's ACKs did not show needless, at least this share of the transmissions. A copy saves a round trip
 * only when its segment is lost; on a clean path it would cost up to half a round trip of the path's rate
 * per transfer end for nothing, a large share of a short transfer's bytes.
 */
const LAST_FLIGHT_COPY_LOSS_MIN = 0.001;

/**
 * How long after our socket was last seen dropping datagrams at its full receive buffer (receiveDropAt)
 * a session sends no copies (receivePressure): the drops are seen only at the reads that find the socket
 * filling, and with Go's client dialling 1000 sessions a second after one covered 97 % of the copies (100 ms,
 * 75 %); with the socket filling, 99 % (docs/cpu-sessions-2026-12-07-sessions32.md).
 */
const RECEIVE_PRESSURE_MS = 1000;

/**
 * Window copies (enableWindowCopies) go out only once the peer's ACKs have shown the path carrying data at
 * least this many times the window's own rate (the window per min RTT; AckBurstRate's highest reading):
 * each new segment then goes twice, and once the copies have closed the holes the window turns at nearly
 * that rate, so the path must carry twice it, the copies' parity included as the reading includes the
 * data's. A reading spans at least SPAN_MIN_MS, in which ACKs as they come acknowledge at most a window, so
 * on a path whose min RTT is below twice that span none could reach it, and none is taken there (a batch
 * read after a stall could): toward Go's client at -rcvwnd 512 (~104 Mbit/s of window at 52 ms) no 25 ms
 * path copies. Pair simulation, Go's client with bench:link's probe: 150 ms/10 % and 100 ms/5 % (~18 and
 * ~27 Mbit/s of window on 100 Mbit/s) reach it in Startup, whose pace is 2.885 times the estimate there;
 * the bursty and jittery links (~54 and ~70 Mbit/s of window) and the 50 Mbit/s bottleneck at 100 ms never
 * do (docs/link-go-client-2026-12-07-goclient32.md).
 */
const WINDOW_COPY_ROOM = 2;

/**
 * Window copies go out only once the path has shown loss that FEC did not repair (retransmissions the
 * peer's ACKs did not show needless, this share of the transmissions): each such loss holds a fixed window
 * for a round trip; without any a copy saves nothing.
 */
const WINDOW_COPY_LOSS_MIN = 0.001;

/**
 * A window copy goes out this long (ms) after its segment (at least a flush interval, -mode auto's 10): past a
 * burst of loss (the bursty profile's ~3 datagrams, tens of datagrams at a window's pace), not a quarter
 * of the round trip as a thin stream's (COPY_RTT_SHARE), since a fixed window waits for the copy of a
 * segment whose first copy FEC did not rebuild: on 150 ms/10 % (pair simulation, 2 seeds of 16 MiB) the
 * holes holding the window took a median of 75 ms with copies a quarter RTT later (12.5-12.8 Mbit/s), and
 * with copies 10 ms later only 2-4 holes of 20 ms or more were left (13.3).
 */
const WINDOW_COPY_SPACING_MS = 10;

/**
 * Window copies also go out where the window's own rate does not fit twice but the rate the window has
 * delivered does (AckBurstRate.average, over a second and at least 8 min RTTs): its holes hold the window
 * so long that the flow is far below the window's rate, and the path carries twice the flow. The bursty
 * link (Gilbert-Elliott bursts of ~3 datagrams defeat 10/3 groups: holes held the client's una for 58-68 %
 * of a download, ~20 holes of ≥ 20 ms, median 140-220 ms) reads bursts at 73 Mbit/s against a window of 53
 * per min RTT, twice which does not fit, and a delivered 19-30. Copies start once the highest reading is
 * this many times the delivered rate (on the 50 Mbit/s bottleneck at 100 ms, 39 against 17: 2.3, where
 * copies cost; pair simulation, docs/link-go-client-2026-12-07-goclient33.md)...
 */
const WINDOW_COPY_RATE_ROOM = 2.5;
/**
 * ...and go on while it is at least this many times it: the copies' own holes fewer, the delivered rate
 * rises (bursty: 73 against ~31 simulated, 79-81 against 28-39 on the link's traces): closing at 2.0 the
 * gain was +4.9, with no hysteresis (and 500 ms spans) +2.7, at 1.8 +5.4 (16 seeds, the loss floor at 1 %),
 * at 1.5 +0.44 more than at 1.8 (3 of 16 seeds ahead; 1.2 the same). Twice the delivered rate is the data
 * the copies add; the bursts' reading is a lower bound of what the path carries (the pace they went out
 * at, Startup's 2.885 × the estimate), and the rule opens only at WINDOW_COPY_RATE_ROOM.
 */
const WINDOW_COPY_RATE_KEEP = 1.5;
/**
 * The delivered-rate rule starts only where loss FEC did not repair is at least this share of the
 * transmissions: the bursty link's 2-5 % (bursts beat 10/3 groups), not the 0.7 % of 5 % random loss on
 * the 50 Mbit/s bottleneck (1 %: copies there on 2 seeds of 16, −0.69 Mbit/s), nor the jittery link's
 * 0.02-0.2 % (its few holes are not what holds it: copies with no gate, −0.36, 11 of 16 behind). Once the
 * copies run, the share falls with the retransmissions they save (2 %: bursty's gain +4.3 against +5.1).
 */
const WINDOW_COPY_RATE_LOSS_MIN = 0.015;
/**
 * A gap in the peer's datagrams explains a run that reaches the fast-retransmit threshold within this
 * many flush intervals: the peer's next ACK datagram, one interval later, brings the votes.
 */
const ACK_LOSS_WINDOW_INTERVALS = 2;

/**
 * data[start, end) to copy from with `TypedArray#set`: `data` itself when that is all of it (a smux
 * frame's header, a short write), since a view costs 0.2-0.4 µs (see Segment.payload).
 */
function part(data: Uint8Array, start: number, end: number): Uint8Array {
  if (start === 0 && end === data.length) return data;
  return new Uint8Array(data.buffer, data.byteOffset + start, end - start); // no Buffer's prototype set-up
}

export class Kcp {
  readonly conv: number;
  private readonly output: KcpOutput;

  private mtu = KCP_MTU_DEF;
  private reserved = 0;
  private slack = 0;
  private _mss = KCP_MTU_DEF - KCP_OVERHEAD;
  /** Datagram under construction; see KcpOutput. */
  private buffer: Buffer;

  // ikcp's names throughout (snd_una, snd_nxt, rcv_nxt, snd_wnd, rcv_wnd, rmt_wnd, cwnd, nc), camelCased;
  // a field that backs a public getter of the same name carries a leading underscore.
  private _sndUna = 0;
  private _sndNxt = 0;
  private _rcvNxt = 0;

  private _sndWnd = KCP_WND_SND;
  private _rcvWnd = KCP_WND_RCV;
  private _rmtWnd = KCP_WND_RCV;
  /** The peer's first advertised window (0 before it), and whether a later advertisement was larger. */
  private rmtWndFirst = 0;
  private rmtWndGrown = false;
  private cwnd = 0;
  private ssthresh = KCP_THRESH_INIT;
  /** Congestion-avoidance byte counter (kcp-go's incr). */
  private incr = 0;
  private probe = 0;
  private tsProbe = 0;
  private probeWait = 0;

  private _interval = KCP_INTERVAL;
  private nodelay = 0;
  private minRto = KCP_RTO_MIN;
  private fastresend = 0;
  private nc = 0;
  private readonly rtt = new RtoEstimator();
  /** Retransmissions (fast, early and on RTO) over the life of this Kcp, for per-session metrics. */
  private retransmitted = 0;
  private spurious = 0;
  /** -mode auto: the model-based controller in place of nc's window rules, and the pacing gate. */
  private cc: CongestionController | null = null;
  /**
   * -mode auto: retransmitted segments' last send times after una passed them (see echoesEarlierSend),
   * made at the first such segment.
   */
  private retired: RetiredSends | null = null;
  private rcvTuner: ReceiveWindowTuner | null = null;
  /** See KcpSendTrace (null: none, as in every session). */
  sendTrace: KcpSendTrace | null = null;
  private pacing: KcpPacingGate | null = null;
  /** Bytes of segments moved into snd_buf but not yet sent (held by pacing): they count against cwnd. */
  private ccUnsentBytes = 0;
  /** Added to `now` in the ts of the data segments sent, taken from the ts the peer's ACKs echo (setTsOffset). */
  private tsOffset = 0;
  /** The ts (our clock) of this Kcp's first data transmission, and whether the peer has echoed one (peerEchoed). */
  private firstSendTs = 0;
  private _peerEchoed = false;
  /** The last flush stopped early because the pacing gate closed. */
  private _paced = false;
  private _newDataLimit: NewDataLimit = 'data';
  private bufferHasData = false;
  private _outputCarriesData = false;
  /**
   * What lets flush skip the sent part of snd_buf: the earliest resendts of a sent segment, whether any
   * sent segment has a fastack count, and whether the last scan stopped before it saw them all.
   */
  private resendDue = 0;
  private fastackPending = false;
  private scanAll = true;
  private _transmissions = 0;
  /**
   * sendSegments' results for the flush that called it: its retransmissions by kind (for the counters and
   * nc=0's loss reaction) and the ms until the next flush is due (it lowers what flush passes in).
   */
  private fastRetrans = 0;
  private earlyRetrans = 0;
  private lostSegs = 0;
  private flushWait = 0;
  private thinDuplicates = false;
  private tailCopies = false;
  private lastFlightCopies = false;
  /** enableWindowCopies: the peer's ACK bursts, and whether the last flush let new segments go twice. */
  private windowBursts: AckBurstRate | null = null;
  private windowCopyOpen = false;
  /** The delivered-rate rule (WINDOW_COPY_RATE_ROOM) holds: its copies go on at WINDOW_COPY_RATE_KEEP. */
  private rateCopyOpen = false;
  /** Copies written (thin stream, tail, last flight, window), for -mode auto's trace. */
  private copies = 0;
  /** Bytes (with their headers) the input being read acknowledged for the first time. */
  private inputAckedBytes = 0;
  /**
   * enableLastFlightCopies: the sn of the next segment to consider for a copy (counting down from the
   * newest each time new data goes out), while flightCopyOpen.
   */
  private flightCopySn = 0;
  private flightCopyOpen = false;
  /** -mode auto: the peer's lost datagrams, to hold back the runs a lost ACK datagram left (ack-loss.ts). */
  private peerGaps: PeerDatagramGaps | null = null;
  /** -mode auto: a segment's RTO is at least the latest RTT sample and the RTO's margin (enableLatestRttRto). */
  private rtoFromLatestRtt = false;
  /** kcptun's modes: a segment's RTO is at least the RTO estimated now (enableCurrentRto). */
  private rtoFromCurrent = false;
  /** The latest RTT sample (ms), 0 before the first. */
  private latestRtt = 0;
  /** -mode auto: the una wait (ms, see UNA_WAIT_DECAY), and the longest of the input being read (-1: none). */
  private unaWait = 0;
  private inputUnaWait = -1;
  /**
   * Set by the transport before a flush: the socket the peer's datagrams arrive on is filling, or a read
   * after a stall stopped with datagrams still queued (udp-io.ts's receiveFilling), so the ACKs of what we
   * sent may be queued behind the peer's data or dropped by our own kernel, not missing because our data
   * was lost. Timeouts then wait (deferTimeout), fast retransmit does not.
   */
  holdTimeouts = false;
  /**
   * Set by the transport: when (this Kcp's clock) the socket the peer's datagrams arrive on was last seen
   * dropping datagrams at its full receive buffer, or NO_RECEIVE_DROP. A segment sent before then may well
   * have arrived, its ACK dropped by our own kernel: then a flush sends one timed-out segment of those, not
   * all (deferTimeout), and the peer's ACK of it carries the una that covers the rest. kcp-go retransmits
   * every timed-out segment; with Go's client dialling 1000 sessions our server's socket dropped about two
   * of every three datagrams, the ACK datagram of a whole 64 KiB flight among them, and each such loss sent
   * that flight's ~49 segments again (docs/bench-tunnel-sessions-2026-12-06.md).
   */
  receiveDropAt = NO_RECEIVE_DROP;
  /** `now` of the latest input, for the receive-rate measurement of segments recv() moves in order. */
  private lastInputNow = 0;

  private readonly sndQueue = new SegmentQueue();
  private readonly sndBuf = new SegmentQueue();
  /** Out-of-order received segments, sorted by sn, all within [rcv_nxt, rcv_nxt + rcv_wnd). */
  private readonly rcvBuf = new SegmentQueue();
  private readonly rcvQueue = new SegmentQueue();
  private rcvQueueBytes = 0;

  /** Pending ACKs as parallel (sn, ts) arrays. */
  private ackSn = new Uint32Array(INITIAL_ACK_CAPACITY);
  private ackTs = new Uint32Array(INITIAL_ACK_CAPACITY);
  private ackCount = 0;
  /** enableReAcks: the sns the last flush acknowledged above rcv_nxt, which the next one says again. */
  private reAcking = false;
  private prevAckSn = new Uint32Array(INITIAL_ACK_CAPACITY);
  private prevAckCount = 0;
  private reAcked = 0;

  /** `output` is fixed for the life of the Kcp; see KcpOutput for the buffer contract. */
  constructor(conv: number, output: KcpOutput) {
    this.conv = conv >>> 0;
    this.output = output;
    this.buffer = this.allocBuffer();
  }

  get mss(): number {
    return this._mss;
  }
  get interval(): number {
    return this._interval;
  }
  get sndWnd(): number {
    return this._sndWnd;
  }
  get rcvWnd(): number {
    return this._rcvWnd;
  }
  /** The peer's last advertised free receive window, in segments. */
  get rmtWnd(): number {
    return this._rmtWnd;
  }
  /** ACKs queued for the next flush. */
  get pendingAcks(): number {
    return this.ackCount;
  }
  /** Segments of ours first acknowledged by a re-acknowledgement of the peer's (re-ack.ts). */
  get reAckedSegments(): number {
    return this.reAcked;
  }
  /** Whether this end re-acknowledges (enableReAcks). */
  get reAcks(): boolean {
    return this.reAcking;
  }
  /** Segments not yet acknowledged: snd_buf + snd_queue (kcp-go's WaitSnd). */
  get waitSnd(): number {
    return this.sndBuf.length + this.sndQueue.length;
  }
  /** Segments queued by send that the window has not let out yet. */
  get unsent(): number {
    return this.sndQueue.length;
  }
  /** The oldest sn not yet acknowledged cumulatively. */
  get sndUna(): number {
    return this._sndUna;
  }
  /** The sn the next segment entering the window gets. */
  get sndNxt(): number {
    return this._sndNxt;
  }
  /** The next in-order sn expected from the peer (advertised as una). */
  get rcvNxt(): number {
    return this._rcvNxt;
  }
  /** Current retransmission timeout in ms. */
  get rto(): number {
    return this.rtt.rto;
  }
  /** Smoothed round-trip time in ms (0 before the first sample). */
  get srtt(): number {
    return this.rtt.srtt;
  }
  /** Round-trip time variation in ms. */
  get rttvar(): number {
    return this.rtt.rttvar;
  }
  /** Segments retransmitted (fast, early and on RTO) since this Kcp was created. */
  get retransmittedSegs(): number {
    return this.retransmitted;
  }
  /**
   * Retransmissions found needless: the peer's ACK echoed the timestamp of an earlier transmission of the
   * segment (at most one per segment).
   */
  get spuriousRetransmits(): number {
    return this.spurious;
  }
  /** Whether segment `sn` of the peer's has been received (below rcv_nxt, or waiting in rcv_buf). */
  holdsReceived(sn: number): boolean {
    if (timeDiff(sn, this._rcvNxt) < 0) return true;
    const rcvBuf = this.rcvBuf;
    for (let i = rcvBuf.length - 1; i >= 0; i--) {
      const d = timeDiff(rcvBuf.get(i).sn, sn);
      if (d === 0) return true;
      if (d < 0) return false;
    }
    return false;
  }
  /** Segments received out of order, waiting in rcv_buf for a hole to fill. */
  get rcvBufLength(): number {
    return this.rcvBuf.length;
  }
  /** Segments received in order that recv has not returned yet. */
  get rcvQueueLength(): number {
    return this.rcvQueue.length;
  }
  /**
   * Bytes given to send that the peer has not acknowledged yet. It walks the send queue and buffer
   * (O(window)): for metrics read now and then, never for the packet path.
   */
  get unackedBytes(): number {
    let bytes = 0;
    for (let k = 0; k < this.sndQueue.length; k++) bytes += this.sndQueue.get(k).len;
    for (let k = 0; k < this.sndBuf.length; k++) {
      const seg = this.sndBuf.get(k);
      if (!seg.acked) bytes += seg.len;
    }
    return bytes;
  }
  /**
   * Bytes of new data KCP holds that have not gone out yet: what the pacer or the in-flight cap holds in
   * snd_buf, and snd_queue counted as full segments (an auto session keeps it short, a few dozen).
   */
  get unsentBytes(): number {
    return this.ccUnsentBytes + this.sndQueue.length * (this._mss + KCP_OVERHEAD);
  }
  /** The model-based controller's estimates with -mode auto, null otherwise. */
  get congestion(): ControllerEstimates | null {
    return this.cc;
  }
  /** -mode auto with FEC: the share of the wire's datagrams that carry parity for what is sent now. */
  setParityShare(share: number): void {
    if (this.cc !== null) this.cc.parityShare = share;
  }
  /**
   * Inside the output callback: the datagram carries data segments (PUSH), not only ACKs and window
   * probes. A pacer charges data: the ACKs a receiver owes are paced by the peer's sending, not ours.
   */
  get outputCarriesData(): boolean {
    return this._outputCarriesData;
  }
  /** The last flush left data segments for later because the pacing gate closed. */
  get paced(): boolean {
    return this._paced;
  }
  /** What ended the last flush's move of new segments into the window (for -mode auto's trace). */
  get newDataLimit(): NewDataLimit {
    return this._paced ? 'pacer' : this._newDataLimit;
  }
  /** The last flush's move of new segments stopped at a window (snd_wnd or the peer's), paced or not. */
  get windowFull(): boolean {
    return this._newDataLimit === 'rmt-wnd' || this._newDataLimit === 'snd-wnd';
  }
  /**
   * The peer has acknowledged a whole window of its first advertisement (sn counts from 0, so una has
   * reached that many segments) and never advertised more: a receive window that does not grow (a Go
   * kcptun client's -rcvwnd, ours outside -mode auto). Ours in -mode auto grows its window with the
   * arrival rate long before (ReceiveWindowTuner).
   */
  get peerWindowFixed(): boolean {
    return this.rmtWndFirst > 0 && !this.rmtWndGrown && timeDiff(this._sndUna, this.rmtWndFirst) >= 0;
  }

  /**
   * Keep `n` bytes at the start of every output datagram for the FEC/crypt headers. As in G561 they count
   * inside the mtu: mss = mtu − 24 − n.
   */
  reserveBytes(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n >= this.mtu - KCP_OVERHEAD) {
      throw new Error(`reserveBytes: n must be an integer in [0, mtu - 24) (got ${n}, mtu ${this.mtu})`);
    }
    this.reserved = n;
    this._mss = this.mtu - KCP_OVERHEAD - n;
    this.buffer = this.allocBuffer();
  }

  /**
   * Writes a WINS segment (this end's free receive window and una, ts and sn 0: every call in the same state
   * writes the same bytes) at buf[reservedBytes, +KCP_OVERHEAD); returns the datagram's end. Any KCP takes
   * it as a window update and nothing more (kcp-go's Input: "do nothing" beyond the header's wnd and una).
   */
  writeWindowTell(buf: Buffer): number {
    writeSegmentHeader(
      buf,
      this.reserved,
      this.conv,
      KCP_CMD_WINS,
      0,
      this.wndUnused(),
      0,
      0,
      this._rcvNxt,
      0,
    );
    return this.reserved + KCP_OVERHEAD;
  }

  /** The bytes `reserveBytes` keeps at the start of every output datagram. */
  get reservedBytes(): number {
    return this.reserved;
  }

  /** Datagram size limit, reserved header bytes included. Throws for mtu outside [50, 1500]. */
  setMtu(mtu: number): void {
    if (!Number.isInteger(mtu) || mtu < KCP_MTU_MIN || mtu > KCP_MTU_LIMIT) {
      throw new Error(`mtu must be an integer in [${KCP_MTU_MIN}, ${KCP_MTU_LIMIT}] (got ${mtu})`);
    }
    if (mtu - KCP_OVERHEAD - this.reserved < 1) {
      throw new Error(`mtu ${mtu} leaves no payload room after ${this.reserved} reserved bytes`);
    }
    this.mtu = mtu;
    this._mss = mtu - KCP_OVERHEAD - this.reserved;
  }

  /** Guarantee `n` writable bytes past the end of every output datagram (e.g. for an AEAD tag). Not sent. */
  outputSlack(n: number): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`outputSlack: n must be a non-negative integer (got ${n})`);
    }
    this.slack = n;
    this.buffer = this.allocBuffer();
  }

  /**
   * kcp-go's NoDelay; negative values leave a setting unchanged. nodelay≠0 lowers the minimum RTO to 30 ms
   * and halves the RTO backoff; interval is clamped to [10, 5000]; resend is the fast-retransmit threshold
   * (0 = off); nc≠0 disables congestion control.
   */
  setNoDelay(nodelay: number, interval: number, resend: number, nc: number): void {
    if (nodelay >= 0) {
      this.nodelay = nodelay;
      this.minRto = nodelay !== 0 ? KCP_RTO_NDL : KCP_RTO_MIN;
    }
    if (interval >= 0) {
      this._interval = Math.min(Math.max(interval, KCP_INTERVAL_MIN), KCP_INTERVAL_MAX);
    }
    if (resend >= 0) this.fastresend = resend;
    if (nc >= 0) this.nc = nc;
  }

  /**
   * -mode auto: the model-based congestion controller replaces nc's window rules: cwnd follows the
   * controller's in-flight cap, snd_wnd and rmt_wnd still bound it. `seed` randomizes its gain-cycle
   * phase. Call after setMtu/reserveBytes and before any traffic.
   */
  enableCongestionControl(seed: number): void {
    this.cc = new CongestionController({ segmentBytes: this._mss + KCP_OVERHEAD, seed });
  }

  /**
   * -mode auto: rcv_wnd grows with the measured receive rate × RTT, up to `cap` segments (the memory cap:
   * every segment of the window may sit in rcv_buf).
   */
  enableAutoReceiveWindow(cap: number): void {
    this.rcvTuner = new ReceiveWindowTuner(Math.min(cap, 0xffff));
  }

  /**
   * -mode auto: while the stream is thin (at most THIN_STREAM_SEGMENTS in snd_buf), each new data segment
   * goes out twice, the copy a quarter RTT later (COPY_RTT_SHARE) unless acknowledged, so a request, a keystroke or the tail of a transfer is lost only if
   * both copies are (p² instead of p) instead of waiting an RTO: with the requests of an interactive stream
   * on a session of their own, that RTO is what is left of their delay on a lossy link. This is redundancy
   * for thin streams in the spirit of TCP's RDB (Linux thin-stream work); it costs bytes only while the
   * stream moves a few segments per round trip. Any receiver acknowledges a duplicate and drops it
   * (docs/protocol.md §4: a PUSH below rcv_nxt is acked, not queued).
   */
  enableThinStreamDuplicates(): void {
    this.thinDuplicates = true;
  }

  /**
   * -mode auto: in a transfer's tail (every segment of snd_queue has been sent once and the owner has no
   * more: nothing new will follow), each retransmission goes out twice while the congestion controller's
   * in-flight cap has room, the copy COPY_RTT_SHARE of the smoothed RTT later (not in the burst that may
   * take the first), so it is lost again only if both copies are (p² instead of p). In the tail no
   * later data brings the ACKs that reveal a lost retransmission, and each loss in the chain costs a round
   * trip: on 150 ms/10 % the transfer's last ~2.5 round trips had the link idle while the last holes waited
   * (kcp-pair-sim, its trace). The copies cost bytes only in the tail, about the loss rate of its last flight.
   */
  enableTailCopies(): void {
    this.tailCopies = true;
  }

  /**
   * -mode auto: in a transfer's tail (see enableTailCopies) the link idles for a round trip while the last
   * flight's ACKs come back, and a loss in that flight that FEC did not repair is found only then, by the
   * ACKs of the segments after it: the last byte arrives a round trip and a one-way delay after the last
   * new segment (pair simulation at 150 ms/10 %: 15 of 16 transfers ended on such a repair, each resent
   * within 25 ms of the first ACK that showed it lost, so no earlier loss rule can help). In that idle
   * round trip, while pacing and the in-flight cap have room, the newest first transmissions are sent once
   * more, newest first (their repairs come last), each at least a flush interval after the first (not in
   * its burst of loss) and while younger than the smoothed RTT (in Startup, STARTUP_FLIGHT_COPY_RTT_SHARE
   * of it): a copy sent `age` ms after the segment arrives before the segment's repair would (resent once
   * the ACKs of later segments, a round trip after it went out, show it lost) while `age` is below the
   * round trip. Going back through the flight at about the rate it went out, the copies reach its last
   * half round trip. Half the smoothed RTT, the bound until 2026-12-06, reached a quarter, and the last
   * hole of every traced download on 150 ms/10 % lay just beyond it (first sent 70-146 ms before the last new segment against copies reaching 64-77 ms).
   * The longer train must not queue ahead of the tail's repairs, which the controller's pacing at the
   * path's rate less the parity sees to (CongestionController.pacingBw); together, pair simulation, 16
   * seeds: 50.8 → 51.6 Mbit/s, tail 404 → 314 ms, wire/delivered 1.468 → 1.513
   * (docs/link-tail-2026-12-06.md). A copy is not counted in flight, as the tail copies; any receiver
   * drops it (docs/protocol.md §4). A thin stream's segments are left to enableThinStreamDuplicates, which
   * already sends each twice.
   */
  enableLastFlightCopies(): void {
    this.lastFlightCopies = true;
  }

  /**
   * -mode auto: toward a peer whose receive window does not grow (peerWindowFixed: a Go kcptun client's
   * -rcvwnd), each loss FEC does not repair holds the window's left edge for a round trip, the flow with
   * it: on 150 ms/10 % toward Go's client at -rcvwnd 512, 35-50 holes of ~320 ms took 9-12 s of a 15 s
   * download, each repaired by one retransmission a round trip after the loss. Where the path has room for
   * twice the window's rate (WINDOW_COPY_ROOM, measured by the ACKs of the window's bursts: AckBurstRate)
   * and has shown such loss (WINDOW_COPY_LOSS_MIN), each new segment goes out twice, the copy
   * WINDOW_COPY_SPACING_MS later (a thin stream's mechanism): a segment is then lost only if both copies
   * are, each with its own FEC group. A copy is not counted in flight; any receiver drops it
   * (docs/protocol.md §4). docs/link-go-client-2026-12-07-goclient32.md.
   */
  enableWindowCopies(): void {
    this.windowBursts = new AckBurstRate();
  }

  /** Whether the last flush sent its new segments twice (enableWindowCopies). */
  get windowCopying(): boolean {
    return this.windowCopyOpen;
  }

  /**
   * enableWindowCopies' readings, bytes per ms (0: none): the highest rate the peer's ACKs acknowledged a
   * burst at, and the rate they acknowledged data at over the last span (AckBurstRate).
   */
  get ackBurstHighest(): number {
    return this.windowBursts?.highest ?? 0;
  }
  get ackDeliveredRate(): number {
    return this.windowBursts?.average ?? 0;
  }

  /** Copies of sent segments written since this Kcp was created (thin stream, tail, last flight, window). */
  get copiesSent(): number {
    return this.copies;
  }

  /**
   * -mode auto: a run of unacknowledged segments that a lost ACK datagram of the peer explains is not
   * fast (or early) retransmitted while a hole lies below it (see ack-loss.ts); the RTO still applies.
   */
  enableAckLossHold(): void {
    this.peerGaps = new PeerDatagramGaps();
  }

  /**
   * Each flush's ACKs begin with what the previous flush acknowledged above rcv_nxt, again (re-ack.ts). Only toward a peer known to be ours: a kcp-go sender would read them as plain ACKs.
   */
  enableReAcks(): void {
    this.reAcking = true;
  }

  /**
   * With enableAckLossHold: a datagram of the peer's, numbered `seqid` by its FEC header, arrived; the
   * peer's groups are `dataShards` data then `parityShards` parity seqids.
   */
  onPeerSeqid(seqid: number, now: number, dataShards: number, parityShards: number): void {
    this.peerGaps?.onSeqid(seqid, now >>> 0, dataShards, parityShards);
  }

  /**
   * kcptun's modes (a session outside -mode auto): a segment times out no earlier than its last transmission
   * plus the RTO estimated now, not only the RTO it was sent with (kcp-go's): a round trip that rose since
   * (a queue the sender built) delays its timeout as it delays its ACK. With a fixed window far above the
   * path's BDP (a tuned fast3's 8 BDPs) the first flight goes out with the idle round trip's RTO while its
   * own queue doubles the round trip, and kcp-go's rule sent the flight again on timeout: 5 400-16 500
   * needless datagrams per 16 MiB on 100 ms/5 % (docs/link-fast3-2026-12-08-fast39.md). A lower RTO
   * estimated since brings nothing forward. Not enableLatestRttRto's rule there: on a loaded loopback,
   * where the round trip jumps about while the RTO stays at its floor, it cost fast3 a seventh of its
   * throughput (same report).
   */
  enableCurrentRto(): void {
    this.rtoFromCurrent = true;
  }

  /**
   * -mode auto: a segment times out no earlier than the latest RTT sample plus the RTO's margin over srtt
   * after its transmission: the RTO follows the latest sample, not only the smoothed RTT. kcp-go's RTO
   * (srtt + margin) lags a queue the sender builds (srtt 100 → 280 ms in Startup on 50 ms, 1 %, a deep
   * 10 Mbit/s queue, pair simulation: 43 of 44 RTO retransmissions needless), and what sits behind the
   * segments whose ACKs show that RTT waits at least as long. Restarting the RTO with every ACK of new
   * data instead (TCP's timer, RFC 6298 5.3) also delayed the RTO of a lost repair by the round trip of
   * ACKs still draining (0.5-1 s more for the end of a transfer at 150 ms, 10 %).
   */
  enableLatestRttRto(): void {
    this.rtoFromLatestRtt = true;
  }

  /**
   * Set by the owner: the writer holds more data than snd_queue (a short queue in front of the window
   * keeps the backlog above, see the session's UNSENT_LIMIT), so an empty snd_queue after a flush does
   * not make the rate samples app-limited.
   */
  backlogged = false;

  /**
   * Set by the owner: the most free receive window to advertise, in segments, when the owner holds received
   * data KCP has not seen yet (datagrams waiting in the socket). Segments up to rcv_wnd are still accepted.
   * Unbounded by default (kcp-go's behaviour: rcv_wnd − rcv_queue).
   */
  wndCap = Number.POSITIVE_INFINITY;

  /**
   * Set by the owner: how many more new segments flush may move into the window before the owner sets it
   * again; each moved segment spends one. The rest stays in snd_queue (short, see the session's
   * UNSENT_LIMIT), so the owner can bound the work of one event-loop turn and let a later flush send it.
   * Retransmissions are not counted. Unbounded by default (kcp-go's behaviour).
   */
  sendBudget = Number.POSITIVE_INFINITY;

  /**
   * Set by the owner until the peer has echoed a send (peerEchoed): the KCP bytes the datagram under
   * construction may hold with data segments, lowered by the owner as each datagram goes out (its output
   * callback; src/transport/amplification.ts). A
   * segment, new or due again, that would pass it waits for a later flush, and no copy of one goes out.
   * ACKs and window probes are not held (the owner bounds their datagrams). Ignored once peerEchoed;
   * unbounded by default (kcp-go's behaviour).
   */
  sendAllowance = Number.POSITIVE_INFINITY;

  /**
   * Set by the owner: flush moves no new segment into the window, whatever the allowance, until the owner
   * clears it (a server's FEC shape show that its budget deferred goes out ahead of the data held with it,
   * at the owner's first flush after the peer echoed: KcpSession.showShapeIfFinal). Before the echo it
   * holds only while a segment is in flight: the peer could not prove its address without one.
   */
  holdNewData = false;

  /**
   * Under the owner's allowance: the wire bytes kept for UNPROVEN_RESENDS more transmissions of the oldest
   * segment in flight (allowanceRoom), which the owner's own datagrams (FEC parity, the shape show) leave
   * to it; 0 with nothing in flight.
   */
  get resendReserve(): number {
    if (this.sndBuf.length === 0) return 0;
    return UNPROVEN_RESENDS * (this.sndBuf.get(0).len + KCP_OVERHEAD + this.reserved + this.slack);
  }

  /**
   * The peer has acknowledged a data segment of ours with an ACK that echoes the ts of one of its
   * transmissions: it receives what we send to it, so its address is its own, not a forged one
   * (docs/forged-address-2026-12-07-amp36.md). A una or a re-acknowledgement proves nothing (a forger can
   * guess sns, which start at 0); a ts echo it can guess only as well as the ts offset (setTsOffset).
   */
  get peerEchoed(): boolean {
    return this._peerEchoed;
  }

  /**
   * Add `offset` to the ts of every data segment sent from now on (before any is sent) and take it from the
   * ts the peer's ACKs echo: the peer only echoes a segment's ts (kcp-go and ours alike), so nothing
   * changes for it, and a forger who cannot read what we send cannot guess the ts an ACK must echo to
   * prove an address (peerEchoed) from our clock. 0 by default (kcp-go's ts, the Go vectors' bytes).
   */
  setTsOffset(offset: number): void {
    this.tsOffset = offset >>> 0;
  }

  /** The last flush left new segments in snd_queue because `sendBudget` ran out. */
  get budgetSpent(): boolean {
    return this._newDataLimit === 'budget';
  }

  /** Data segments transmitted, first times and retransmissions (kcp-go's OutSegs, data only). */
  get transmissions(): number {
    return this._transmissions;
  }

  /** Hold data segments back while `gate.ready(now)` is false; null sends whatever the window allows. */
  setPacingGate(gate: KcpPacingGate | null): void {
    this.pacing = gate;
  }

  /** Window sizes in segments; values ≤ 0 leave the current one. */
  setWindowSize(snd: number, rcv: number): void {
    if (snd > 0) this._sndWnd = snd;
    if (rcv > 0) this._rcvWnd = rcv;
  }

  /**
   * Queue bytes for sending (copied). Stream mode: the last segment not yet handed to the window is first
   * topped up to mss, the rest is cut into mss-sized segments. Nothing is sent until `flush`.
   */
  send(data: Uint8Array): void {
    const n = data.length;
    const mss = this._mss;
    let off = 0;
    const last = this.sndQueue.last();
    if (last !== null && last.len < mss) {
      const extend = Math.min(mss - last.len, n);
      last.data.set(part(data, 0, extend), last.len);
      last.len += extend;
      off = extend;
    }
    while (off < n) {
      const size = Math.min(mss, n - off);
      const seg = allocSegment(size);
      seg.data.set(part(data, off, off + size), 0);
      seg.len = size;
      this.sndQueue.push(seg);
      off += size;
    }
  }

  /** Bytes the next `recv` would return (0 if none). */
  peekSize(): number {
    return this.rcvQueueBytes;
  }

  /**
   * All in-order bytes currently in the receive queue, as one Buffer the caller owns, or null if none.
   * Draining may let more buffered segments into the queue, so callers loop until null. When the queue
   * was full (≥ rcv_wnd) and no longer is, a WINS goes out on the next flush (docs/protocol.md §4.5, reading).
   */
  recv(): Buffer | null {
    const queue = this.rcvQueue;
    while (queue.length > 0) {
      const fastRecover = queue.length >= this._rcvWnd;
      const out = Buffer.allocUnsafe(this.rcvQueueBytes);
      let pos = 0;
      while (queue.length > 0) {
        const seg = queue.shift();
        out.set(seg.payload(), pos);
        pos += seg.len;
        freeSegment(seg);
      }
      this.rcvQueueBytes = 0;
      this.moveReceivedInOrder();
      if (fastRecover && queue.length < this._rcvWnd) this.probe |= KCP_ASK_TELL;
      // a peer may send empty PUSH segments; never hand out an empty buffer
      if (pos > 0) return out;
    }
    return null;
  }

  /**
   * Process one KCP payload, data[offset, offset+length): 1..n concatenated segments. Returns 0, or −1 conv
   * mismatch (also for fewer than 24 bytes, as G561), −2 a segment longer than the data, −3 unknown cmd;
   * on an error the segments before it stay applied and nothing else happens. A FEC-recovered payload
   * (`options.recovered`) never updates the peer's window or the RTT. Ends with G561's immediate flush:
   * a full one if una advanced, else an ACK-only one if `options.ackNoDelay` and ACKs are pending.
   * Never throws.
   */
  input(
    data: Buffer,
    offset: number,
    length: number,
    now: number,
    options: KcpInputOptions = REGULAR,
  ): number {
    const regular = options.recovered !== true;
    const ackNoDelay = options.ackNoDelay === true;
    now >>>= 0;
    this.lastInputNow = now;
    if (!(offset >= 0 && length >= 0 && offset + length <= data.length)) return KCP_INPUT_SHORT;
    if (length < KCP_OVERHEAD) return KCP_INPUT_CONV_MISMATCH;
    if (!regular) this.peerGaps?.onRebuilt(); // its gap was no lost ACK datagram after all
    const oldSndUna = this._sndUna;
    this.inputUnaWait = -1;
    this.inputAckedBytes = 0;
    const end = offset + length;
    let p = offset;
    let sawAck = false;
    let latestAckTs = 0;
    /**
     * The newest timestamp among the ACKs that answer their segment's last transmission (see
     * echoesEarlierSend): the one with the least ACK delay. Not the datagram's last such ACK: the peer
     * acknowledges a segment its FEC rebuilt when the rebuild completes, after the segments sent behind it,
     * and the bufferbloat filter (writeAcks) always keeps a flush's last ACK, so that rebuilt segment's
     * older timestamp often comes last and measures the round trip plus its group's wait.
     */
    let sawCurrentAck = false;
    let currentAckTs = 0;
    let inSegs = 0;
    let windowSlides = false;

    while (end - p >= KCP_OVERHEAD) {
      if (readU32LE(data, p) !== this.conv) return KCP_INPUT_CONV_MISMATCH;
      const cmd = data[p + SEG_OFF_CMD];
      const reAck = cmd === KCP_CMD_ACK && data[p + SEG_OFF_FRG] === REACK_FRG;
      const wnd = data[p + SEG_OFF_WND] | (data[p + SEG_OFF_WND + 1] << 8);
      const sn = readU32LE(data, p + SEG_OFF_SN);
      // an ACK echoes our ts (setTsOffset); a PUSH's is the peer's clock, a re-ACK's field holds an sn
      const ack = cmd === KCP_CMD_ACK && !reAck;
      const ts = ack
        ? (readU32LE(data, p + SEG_OFF_TS) - this.tsOffset) >>> 0
        : readU32LE(data, p + SEG_OFF_TS);
      const una = readU32LE(data, p + SEG_OFF_UNA);
      const len = readU32LE(data, p + SEG_OFF_LEN);
      p += KCP_OVERHEAD;
      if (end - p < len) return KCP_INPUT_SHORT;
      if (cmd < KCP_CMD_PUSH || cmd > KCP_CMD_WINS) return KCP_INPUT_BAD_CMD;

      if (regular) {
        this._rmtWnd = wnd;
        if (this.rmtWndFirst === 0) this.rmtWndFirst = wnd;
        else if (wnd > this.rmtWndFirst) this.rmtWndGrown = true;
      }
      if (ack) {
        if (!this._peerEchoed) this._peerEchoed = this.echoesSend(sn, ts);
        if (!this.echoesEarlierSend(sn, ts)) {
          if (!sawCurrentAck || timeDiff(ts, currentAckTs) > 0) currentAckTs = ts;
          sawCurrentAck = true;
        }
        this.checkSpurious(sn, ts);
      }
      if (this.parseUna(una, now) > 0) windowSlides = true;
      this.shrinkBuf();

      if (reAck) {
        this.parseReAck(sn, ts, now);
      } else if (cmd === KCP_CMD_ACK) {
        this.parseAck(sn, now);
        this.parseFastAck(sn, ts);
        sawAck = true;
        latestAckTs = ts;
      } else if (cmd === KCP_CMD_PUSH) {
        let repeat = true;
        if (timeDiff(sn, (this._rcvNxt + this._rcvWnd) >>> 0) < 0) {
          this.pushAck(sn, ts);
          if (timeDiff(sn, this._rcvNxt) >= 0) repeat = this.parseData(sn, data, p, len);
        }
        if (regular && repeat) snmp.RepeatSegs++;
      } else if (cmd === KCP_CMD_WASK) {
        this.probe |= KCP_ASK_TELL;
      }
      inSegs++;
      p += len;
    }
    snmp.InSegs += inSegs;

    if (regular && this.inputUnaWait >= 0) {
      const wait = this.inputUnaWait;
      this.unaWait = wait >= this.unaWait ? wait : this.unaWait + (wait - this.unaWait) * UNA_WAIT_DECAY;
    }
    if (sawAck && regular) {
      const rtt = timeDiff(now, latestAckTs);
      if (rtt >= 0) {
        const cc = this.cc;
        // With the controller, a queue it builds while probing or a stalled event loop must not look like
        // loss: the RTO is at least two srtt (kcp-go's srtt + 4·rttvar fires as soon as a stable RTT rises,
        // and retransmits the whole window for nothing). Fast retransmit still repairs real loss in a round.
        // Where the peer's ACK period dominates the round trip, the margin also covers the una wait
        // (UNA_WAIT_DECAY). That floor is judged with the srtt before this sample, so the RTO is built on
        // that srtt too where the sample lowered it: on the lower one, a srtt that fell across the una wait's
        // threshold (UNA_WAIT_SRTTS) left an RTO under the una wait (toward Go's client at a 40 ms ACK
        // period, srtt 21 → 18 ms: RTO 39 ms, and 51 segments timed out for nothing,
        // docs/link-cold-lossy-2026-12-05.md). So the RTO exceeds the una wait: srtt plus the una wait where
        // the threshold holds, at least two srtt (above the una wait) where it does not.
        if (cc === null) {
          this.rtt.update(rtt, this._interval, this.minRto);
        } else {
          const floor = this.controlledRtoFloor();
          const judged = this.rtt.srtt;
          this.rtt.sample(rtt);
          this.rtt.setRto(floor, this.minRto, Math.max(judged, this.rtt.srtt));
        }
        this.latestRtt = rtt;
      }
      // the controller's sample leaves out ACKs of an earlier transmission than the segment's last and
      // takes the newest timestamp; kcp-go's RTO estimator above takes the last ACK's, as kcp-go does
      const ccRtt = sawCurrentAck ? timeDiff(now, currentAckTs) : -1;
      if (ccRtt >= 0) this.cc?.onRtt(ccRtt, now);
    }
    if (sawCurrentAck && this.unaShownLost(currentAckTs, now)) windowSlides = true;
    const cc = this.cc;
    // no reading can reach WINDOW_COPY_ROOM on a path shorter than that many spans: none taken there
    if (regular && cc !== null && this.inputAckedBytes > 0 && cc.minRtt >= WINDOW_COPY_ROOM * SPAN_MIN_MS)
      this.windowBursts?.onAck(now, this.inputAckedBytes, cc.minRtt);
    if (cc !== null) {
      cc.peerWindowFixed = this.peerWindowFixed;
      cc.onAckEvent(now);
    } else if (this.nc === 0 && timeDiff(this._sndUna, oldSndUna) > 0) this.growCongestionWindow();

    if (windowSlides) this.flush(false, now);
    else if (ackNoDelay && this.ackCount > 0) this.flush(true, now);
    return KCP_INPUT_OK;
  }

  /**
   * When a flush now would send nothing and change nothing that a later flush would not change the same way,
   * the ms until one could (what flush would return); -1 when it may do something. Nothing is owed (no ACK,
   * no window probe or answer: the peer's window is open), nothing is waiting to go (snd_queue, a paced
   * tail, the last flush was not held by the pacer), no sent segment is due (resendDue, a fastack, a scan
   * left unfinished) and no last-flight copy can go. Only an input or a send changes any of that; the
   * controller's clock sums the time between its events whether or not a flush ticks it, and after an
   * unpaced flush its pacing allowance accrues nothing (SendInterval.onFlushEnd).
   */
  idleWait(now: number): number {
    if (this.ackCount > 0 || this.probe !== 0 || this._rmtWnd === 0 || this.probeWait !== 0 || this._paced)
      return -1;
    if (this.sndQueue.length > 0 || this.ccUnsentBytes > 0 || this.scanAll || this.fastackPending) return -1;
    const sndBuf = this.sndBuf;
    if (sndBuf.length > 0 && sndBuf.get(sndBuf.length - 1).xmit === 0) return -1;
    if (this.lastFlightCopies && this.flightCopyOpen && this.inTail() && this.flightCopiesShown(now))
      return -1;
    const due = timeDiff(this.resendDue, now >>> 0);
    if (due <= 0) return -1;
    return Math.min(due, this._interval);
  }

  /**
   * Write pending ACKs, window probes and due (re)transmissions as datagrams through `output`
   * (docs/protocol.md §4.6). An ACK-only flush stops after the ACKs. Returns the ms until the next flush is due:
   * min(interval, earliest pending resendts − now).
   *
   * Its loops are out of line (writeAcks, moveToWindow, sendSegments) and called only when they have work:
   * V8 optimizes each with the type feedback of its own runs, and a branch first taken later (a direction
   * switch, the window first full) deoptimizes and recompiles a small function instead of the whole flush
   * with the packet path inlined into it (docs/bench-tunnel-cold-2026-12-05-2.md).
   */
  flush(ackOnly: boolean, now: number): number {
    now >>>= 0;
    const buf = this.buffer;
    const conv = this.conv;
    const wnd = this.wndUnused();
    const una = this._rcvNxt;
    let ptr = this.reserved;

    // Probes reuse the sn/ts of the last ACK written (the last one always is), exactly like kcp-go's shared
    // scratch segment.
    const ackCount = this.ackCount;
    const lastSn = ackCount > 0 ? this.ackSn[ackCount - 1] : 0;
    const lastTs = ackCount > 0 ? this.ackTs[ackCount - 1] : 0;
    if (ackCount > 0) ptr = this.writeAcks(ptr, wnd, una);

    if (ackOnly) {
      this.flushBuffer(ptr);
      return this._interval;
    }

    this.updateProbe(now);
    if ((this.probe & KCP_ASK_SEND) !== 0) {
      ptr = this.makeSpace(ptr, KCP_OVERHEAD);
      writeSegmentHeader(buf, ptr, conv, KCP_CMD_WASK, 0, wnd, lastTs, lastSn, una, 0);
      ptr += KCP_OVERHEAD;
      snmp.OutSegs++;
    }
    if ((this.probe & KCP_ASK_TELL) !== 0) {
      ptr = this.makeSpace(ptr, KCP_OVERHEAD);
      writeSegmentHeader(buf, ptr, conv, KCP_CMD_WINS, 0, wnd, lastTs, lastSn, una, 0);
      ptr += KCP_OVERHEAD;
      snmp.OutSegs++;
    }
    this.probe = 0;

    // move new segments into the window
    let cwnd = Math.min(this._sndWnd, this._rmtWnd);
    const cc = this.cc;
    if (this.nc === 0 && cc === null) cwnd = Math.min(this.cwnd, cwnd);
    const limit = (this._sndUna + cwnd) >>> 0;
    let newSegs = 0;
    if (this.sndQueue.length > 0) newSegs = this.moveToWindow(limit, ptr);
    else this._newDataLimit = 'data';
    if (newSegs > 0) {
      this.flightCopySn = (this._sndNxt - 1) >>> 0;
      this.flightCopyOpen = true;
    }
    // Held by snd_wnd or the peer's rcv_wnd with data waiting: a window, not the path, limits the rate,
    // so the samples until this data is acked say nothing about the path (BBR treats them as app-limited)
    if (cc !== null && this.sndQueue.length > 0 && timeDiff(this._sndNxt, limit) >= 0) cc.onAppLimited();

    const resent = this.fastresend > 0 ? this.fastresend : FASTACK_NEVER;
    let minrto = this._interval;
    const sndBuf = this.sndBuf;
    this._paced = false;
    // Every sent segment is due no earlier than resendDue and none has a fastack: only the unsent tail
    // can need sending, so the scan starts there (the common case of a paced or interval flush).
    const full = this.scanAll || this.fastackPending || timeDiff(now, this.resendDue) >= 0;
    let start = 0;
    if (full) {
      this.resendDue = (now + KCP_RTO_MAX) >>> 0;
      this.fastackPending = false;
    } else {
      start = sndBuf.length;
      while (start > 0 && sndBuf.get(start - 1).xmit === 0) start--;
      const due = timeDiff(this.resendDue, now);
      if (due < minrto) minrto = due;
    }
    this.scanAll = false;
    const tailCc = this.inTail() ? cc : null;
    this.windowCopyOpen = this.windowCopiesFit();
    this.fastRetrans = 0;
    this.earlyRetrans = 0;
    this.lostSegs = 0;
    if (start < sndBuf.length) {
      this.flushWait = minrto;
      ptr = this.sendSegments(ptr, start, now, wnd, una, newSegs, resent, tailCc);
      minrto = this.flushWait;
    }
    if (tailCc !== null && this.lastFlightCopies && !this._paced && !this.allowanceHolds())
      ptr = this.writeFlightCopies(ptr, tailCc, wnd, now, una);
    this.flushBuffer(ptr);

    const fastRetrans = this.fastRetrans;
    const earlyRetrans = this.earlyRetrans;
    const lost = this.lostSegs;
    const change = fastRetrans + earlyRetrans;
    if (lost > 0) snmp.LostSegs += lost;
    if (fastRetrans > 0) snmp.FastRetransSegs += fastRetrans;
    if (earlyRetrans > 0) snmp.EarlyRetransSegs += earlyRetrans;
    if (change + lost > 0) {
      snmp.RetransSegs += change + lost;
      this.retransmitted += change + lost;
    }

    if (cc !== null) {
      cc.onFlushEnd(this._paced, now);
      // nothing left to send with room in the window: rate samples until this data is acked are app-limited
      const idle = this.sndQueue.length === 0 && this.ccUnsentBytes === 0 && !this.backlogged;
      if (idle && cc.canSend(this._mss + KCP_OVERHEAD)) {
        cc.onAppLimited();
      }
      // the delivered rate is the path's and the holes', not an idle session's: its span starts again once
      // all is acknowledged with nothing to send (not at each moment the writer's queue runs dry within a
      // transfer, as on the link's bursty downloads, whose spans then never ended and no copy went out)
      if (idle && this.sndBuf.length === 0) this.windowBursts?.restartAverage();
    } else if (this.nc === 0) {
      this.shrinkCongestionWindow(change, lost, cwnd, resent);
    }
    return minrto;
  }

  /**
   * flush's ACKs; older ones that una already covers are skipped except the last (bufferbloat filter). With
   * enableReAcks what the previous flush acknowledged above una comes first again (re-ack.ts), and this
   * flush's sns above una are kept for the next.
   */
  private writeAcks(ptr: number, wnd: number, una: number): number {
    const buf = this.buffer;
    const conv = this.conv;
    const ackCount = this.ackCount;
    if (this.reAcking && this.prevAckCount > 0) ptr = this.writeReAcks(ptr, wnd, una);
    for (let i = 0; i < ackCount; i++) {
      const sn = this.ackSn[i];
      if (timeDiff(sn, una) >= 0 || i === ackCount - 1) {
        ptr = this.makeSpace(ptr, KCP_OVERHEAD);
        writeSegmentHeader(buf, ptr, conv, KCP_CMD_ACK, 0, wnd, this.ackTs[i], sn, una, 0);
        ptr += KCP_OVERHEAD;
        snmp.OutSegs++;
      }
    }
    if (this.reAcking) this.keepAckedAbove(una);
    this.ackCount = 0;
    return ptr;
  }

  /** enableReAcks: this flush's acknowledged sns at or above `una`, for the next flush's re-ACKs. */
  private keepAckedAbove(una: number): void {
    const ackCount = this.ackCount;
    if (this.prevAckSn.length < ackCount) this.prevAckSn = new Uint32Array(this.ackSn.length);
    const prev = this.prevAckSn;
    let kept = 0;
    for (let i = 0; i < ackCount; i++) {
      const sn = this.ackSn[i];
      if (timeDiff(sn, una) >= 0) prev[kept++] = sn;
    }
    this.prevAckCount = kept;
  }

  /**
   * enableReAcks: the sns the previous flush acknowledged that rcv_nxt has not passed, again, as REACK_FRG
   * entries of consecutive sns, lowest first, at most REACK_RUNS_MAX (re-ack.ts). Sorted in place by
   * insertion: a flush's arrivals come nearly in order.
   */
  private writeReAcks(ptr: number, wnd: number, una: number): number {
    const buf = this.buffer;
    const conv = this.conv;
    const prev = this.prevAckSn;
    const prevCount = this.prevAckCount;
    let n = 0;
    for (let i = 0; i < prevCount; i++) {
      const sn = prev[i];
      if (timeDiff(sn, una) < 0) continue;
      let k = n++;
      while (k > 0 && timeDiff(prev[k - 1], sn) > 0) {
        prev[k] = prev[k - 1];
        k--;
      }
      prev[k] = sn;
    }
    let runs = 0;
    let i = 0;
    while (i < n && runs < REACK_RUNS_MAX) {
      const first = prev[i];
      let last = first;
      // the run goes on while the next sn is this one (acknowledged twice) or the one after it
      while (++i < n && (prev[i] - last) >>> 0 <= 1) last = prev[i];
      ptr = this.makeSpace(ptr, KCP_OVERHEAD);
      writeSegmentHeader(buf, ptr, conv, KCP_CMD_ACK, REACK_FRG, wnd, last, first, una, 0);
      ptr += KCP_OVERHEAD;
      snmp.OutSegs++;
      runs++;
    }
    return ptr;
  }

  /**
   * flush's move of new segments from snd_queue into snd_buf below `limit`, the datagram under construction
   * ending at `ptr`; returns how many moved. Under the owner's allowance (sendAllowance) only what it has
   * room for moves (allowanceRoom), the first segment cut to fit if need be: a peer can only prove its
   * address by acknowledging a segment, and a first response of whole segments larger than the allowance
   * would wait for nothing (stream mode: the cut bytes go on in the next segment).
   */
  private moveToWindow(limit: number, ptr: number): number {
    const cc = this.cc;
    let newSegs = 0;
    let newDataLimit: NewDataLimit = 'data';
    let room = this.allowanceHolds() ? this.allowanceRoom(ptr) : Number.POSITIVE_INFINITY;
    if (this.holdNewData && (this._peerEchoed || this.sndBuf.length > 0)) room = 0;
    while (this.sndQueue.length > 0) {
      if (timeDiff(this._sndNxt, limit) >= 0) {
        newDataLimit = this._rmtWnd < this._sndWnd ? 'rmt-wnd' : 'snd-wnd';
        break;
      }
      // the model's in-flight cap, in bytes, on top of the windows (segments)
      if (cc !== null && !cc.canSend(this.ccUnsentBytes + this.sndQueue.get(0).len + KCP_OVERHEAD)) {
        newDataLimit = 'cwnd';
        break;
      }
      if (this.sendBudget <= 0) {
        newDataLimit = 'budget';
        break;
      }
      if (room !== Number.POSITIVE_INFINITY) {
        const head = this.sndQueue.get(0);
        // nothing in flight: this one is the segment whose resends the room keeps (allowanceRoom), as many
        // of them as leave it a byte: without a segment in flight the peer has nothing to prove it with
        const datagram = this.reserved + this.slack; // a resend's datagram beyond its segment
        let resends = this.sndBuf.length === 0 ? UNPROVEN_RESENDS : 0;
        let fit = room;
        for (; resends >= 0; resends--) {
          fit = Math.floor((room - resends * datagram) / (1 + resends));
          if (fit > KCP_OVERHEAD) break;
        }
        if (head.len + KCP_OVERHEAD > fit) {
          if (fit <= KCP_OVERHEAD) {
            newDataLimit = 'allowance';
            break;
          }
          this.cutQueueHead(fit - KCP_OVERHEAD);
        }
        room -= head.len + KCP_OVERHEAD + Math.max(0, resends) * (head.len + KCP_OVERHEAD + datagram);
      }
      this.sendBudget--;
      const seg = this.sndQueue.shift();
      seg.sn = this._sndNxt;
      this.sndBuf.push(seg);
      this._sndNxt = (this._sndNxt + 1) >>> 0;
      if (cc !== null) this.ccUnsentBytes += seg.len + KCP_OVERHEAD;
      newSegs++;
    }
    this._newDataLimit = newDataLimit;
    return newSegs;
  }

  /**
   * flush's scan of snd_buf from `start`: (re)transmits what is due, counts the retransmissions (fastRetrans,
   * earlyRetrans, lostSegs) and lowers flushWait to the next segment's due time; returns the datagram's end.
   */
  private sendSegments(
    ptr: number,
    start: number,
    now: number,
    wnd: number,
    una: number,
    newSegs: number,
    resent: number,
    tailCc: CongestionController | null,
  ): number {
    const buf = this.buffer;
    const conv = this.conv;
    const cc = this.cc;
    const rxRto = this.rtt.rto;
    const sndBuf = this.sndBuf;
    const pacing = this.pacing;
    let minrto = this.flushWait;
    let lost = 0;
    let fastRetrans = 0;
    let earlyRetrans = 0;
    // the run of sent, unacknowledged segments the scan is in: [k, runEnd), and whether it is held; in a
    // transfer's last round trip nothing is, and without enableAckLossHold runs are not tracked at all
    // (runEnd stays past the buffer), see ack-loss.ts
    const holding = this.peerGaps !== null && (this.sndQueue.length > 0 || this.backlogged);
    let runEnd = holding ? start : sndBuf.length;
    let holeBelow = false;
    let held = false;
    const allowanceHolds = this.allowanceHolds();
    const copies = !allowanceHolds && !this.receivePressure(now);
    for (let k = start; k < sndBuf.length; k++) {
      const seg = sndBuf.get(k);
      if (seg.acked) continue;
      if (k >= runEnd && seg.xmit > 0) {
        runEnd = this.unackedRunEnd(k);
        held = holding && holeBelow && this.holdRun(k, runEnd, resent, now);
        holeBelow = true;
      }
      let reason = SEND_NONE;
      if (seg.xmit === 0) reason = SEND_NEW;
      else if (!held && seg.fastack >= resent) reason = SEND_FAST;
      else if (!held && seg.fastack > 0 && newSegs === 0) reason = SEND_EARLY;
      else if (timeDiff(now, seg.resendts) >= 0 && !this.deferTimeout(seg, now, rxRto, lost > 0))
        reason = SEND_TIMEOUT;
      if (reason !== SEND_NONE && pacing !== null && !pacing.ready(now)) {
        // out of pacing budget: what is due stays due for the next flush, which the gate's owner schedules
        this._paced = true;
        if (seg.xmit > 0) this.scanAll = true; // sent segments after this one were not looked at
        break;
      }
      if (reason !== SEND_NONE && allowanceHolds) {
        ptr = this.makeSpace(ptr, KCP_OVERHEAD + seg.len);
        if (ptr - this.reserved + KCP_OVERHEAD + seg.len > this.sendAllowance) {
          // the owner's allowance (an address not yet proven): due stays due, as for the pacer
          if (seg.xmit > 0) this.scanAll = true;
          break;
        }
      }
      if (reason === SEND_NEW) {
        seg.rto = rxRto;
        seg.resendts = (now + rxRto) >>> 0;
      } else if (reason === SEND_FAST) {
        seg.fastack = 0;
        seg.rto = rxRto;
        seg.resendts = (now + rxRto) >>> 0;
        fastRetrans++;
      } else if (reason === SEND_EARLY) {
        // early retransmit (kcp-go only): a later segment was acked and nothing new is going out
        seg.fastack = 0;
        seg.rto = rxRto;
        seg.resendts = (now + rxRto) >>> 0;
        earlyRetrans++;
      } else if (reason === SEND_TIMEOUT) {
        seg.rto = (seg.rto + (this.nodelay === 0 ? rxRto : rxRto >>> 1)) >>> 0;
        seg.fastack = 0;
        seg.resendts = (now + seg.rto) >>> 0;
        lost++;
      }

      if (reason !== SEND_NONE) {
        if (this._transmissions === 0) this.firstSendTs = now;
        seg.presumedAcked = false;
        if (cc !== null) {
          const bytes = seg.len + KCP_OVERHEAD;
          if (reason === SEND_NEW) this.ccUnsentBytes -= bytes;
          else cc.onLost(seg, bytes);
          cc.onSend(seg, bytes, now);
        }
        seg.xmit++;
        this._transmissions++;
        seg.ts = now;
        ptr = this.makeSpace(ptr, KCP_OVERHEAD + seg.len);
        writeSegmentHeader(
          buf,
          ptr,
          conv,
          KCP_CMD_PUSH,
          0,
          wnd,
          (now + this.tsOffset) >>> 0,
          seg.sn,
          una,
          seg.len,
        );
        this.bufferHasData = true;
        ptr += KCP_OVERHEAD;
        buf.set(seg.payload(), ptr);
        ptr += seg.len;
        snmp.OutSegs++;
        this.sendTrace?.segment(seg.sn, seg.len, reason, now);
        // a thin stream's new segment, or a retransmission in the tail, goes out again later
        // (COPY_RTT_SHARE); a window copy soon after (WINDOW_COPY_SPACING_MS)
        const thin = reason === SEND_NEW && this.thinDuplicates && sndBuf.length <= THIN_STREAM_SEGMENTS;
        const windowCopy = reason === SEND_NEW && !thin && this.windowCopyOpen;
        seg.copyPending =
          copies &&
          (thin || windowCopy || (reason !== SEND_NEW && tailCc?.canSend(seg.len + KCP_OVERHEAD) === true));
        if (seg.copyPending) {
          const spacing = windowCopy ? WINDOW_COPY_SPACING_MS : this.rtt.srtt * COPY_RTT_SHARE;
          seg.copyDue = (now + Math.max(this._interval, spacing)) >>> 0;
        }
      }

      if (reason === SEND_NONE && seg.copyPending && timeDiff(now, seg.copyDue) >= 0) {
        // the second copy (see COPY_RTT_SHARE), unless our socket came under pressure since the first
        seg.copyPending = false;
        if (copies) ptr = this.writeCopy(ptr, seg, wnd, now, una, SEND_COPY);
      }
      const due = timeDiff(seg.copyPending ? seg.copyDue : seg.resendts, now);
      if (due > 0 && due < minrto) minrto = due;
      if (seg.xmit > 0) {
        if (timeDiff(seg.resendts, this.resendDue) < 0) this.resendDue = seg.resendts;
        if (seg.copyPending && timeDiff(seg.copyDue, this.resendDue) < 0) this.resendDue = seg.copyDue;
        if (seg.fastack > 0) this.fastackPending = true;
      }
    }
    this.fastRetrans = fastRetrans;
    this.earlyRetrans = earlyRetrans;
    this.lostSegs = lost;
    this.flushWait = minrto;
    return ptr;
  }

  /** Return every queued segment to the pool. The Kcp must not be used afterwards. */
  release(): void {
    this.sndQueue.release();
    this.sndBuf.release();
    this.rcvBuf.release();
    this.rcvQueue.release();
    this.rcvQueueBytes = 0;
  }

  private allocBuffer(): Buffer {
    // Sized for the largest datagram possible even if mtu shrinks after segments were cut: a segment is
    // at most 1500 − 24 bytes, so reserved + 24 + segment ≤ reserved + 1500.
    return Buffer.alloc(KCP_MTU_LIMIT + this.reserved + this.slack);
  }

  /** Send the datagram under construction if `space` more bytes would overflow the mtu. */
  private makeSpace(ptr: number, space: number): number {
    if (ptr + space > this.mtu && ptr > this.reserved) {
      this.emit(ptr);
      return this.reserved;
    }
    return ptr;
  }

  /**
   * Under the owner's allowance: the KCP bytes new segments may take in the datagram under construction
   * (ending at `ptr`), keeping room for UNPROVEN_RESENDS more transmissions of the oldest segment in flight,
   * each a datagram of its own (moveToWindow keeps it for the first segment when none is in flight).
   */
  private allowanceRoom(ptr: number): number {
    return this.sendAllowance - (ptr - this.reserved) - this.resendReserve;
  }

  /** Stream mode: cut snd_queue's first segment after `size` bytes; the rest becomes the next segment. */
  private cutQueueHead(size: number): void {
    const head = this.sndQueue.get(0);
    const rest = allocSegment(head.len - size);
    rest.data.set(head.data.subarray(size, head.len), 0);
    rest.len = head.len - size;
    head.len = size;
    this.sndQueue.insert(1, rest);
  }

  /** The owner's sendAllowance applies: it is set and the peer has not proven its address (peerEchoed). */
  private allowanceHolds(): boolean {
    return this.sendAllowance !== Number.POSITIVE_INFINITY && !this._peerEchoed;
  }

  /** A transfer's tail as enableTailCopies defines it (with the controller, which counts what is unsent). */
  private inTail(): boolean {
    return (
      this.tailCopies &&
      this.cc !== null &&
      this.sndQueue.length === 0 &&
      this.ccUnsentBytes === 0 &&
      !this.backlogged
    );
  }

  /** enableLastFlightCopies: the copies this flush has room for; returns the datagram's new end. */
  private writeFlightCopies(
    ptr: number,
    cc: CongestionController,
    wnd: number,
    now: number,
    una: number,
  ): number {
    if (!this.flightCopiesShown(now)) return ptr;
    const sndBuf = this.sndBuf;
    const maxAge = cc.state === 'startup' ? this.rtt.srtt * STARTUP_FLIGHT_COPY_RTT_SHARE : this.rtt.srtt;
    const pacing = this.pacing;
    while (this.flightCopyOpen) {
      if (timeDiff(this.flightCopySn, this._sndUna) < 0) {
        this.flightCopyOpen = false;
        break;
      }
      const seg = sndBuf.get((this.flightCopySn - this._sndUna) >>> 0);
      if (seg.xmit === 1 && !seg.acked && !seg.presumedAcked) {
        const age = timeDiff(now, seg.ts);
        if (age >= maxAge) {
          this.flightCopyOpen = false; // older segments went out earlier still
          break;
        }
        if (age < this._interval || !cc.canSend(seg.len + KCP_OVERHEAD)) break;
        if (pacing !== null && !pacing.ready(now)) {
          this._paced = true;
          break;
        }
        ptr = this.writeCopy(ptr, seg, wnd, now, una, SEND_FLIGHT_COPY);
      }
      this.flightCopySn = (this.flightCopySn - 1) >>> 0;
    }
    return ptr;
  }

  /**
   * Whether enableLastFlightCopies' copies may go: the stream is not thin (a thin stream's new segments get
   * their own copy, see COPY_RTT_SHARE), our socket is not under pressure (receivePressure) and the path has
   * shown loss (LAST_FLIGHT_COPY_LOSS_MIN).
   */
  private flightCopiesShown(now: number): boolean {
    if (this.thinDuplicates && this.sndBuf.length <= THIN_STREAM_SEGMENTS) return false;
    if (this.receivePressure(now)) return false;
    const lost = this.retransmitted - this.spurious;
    return lost > 0 && lost >= LAST_FLIGHT_COPY_LOSS_MIN * this._transmissions;
  }

  /**
   * The socket the peer's datagrams arrive on is filling (holdTimeouts) or dropped datagrams at its full
   * receive buffer within the last RECEIVE_PRESSURE_MS (receiveDropAt): the process, not the path, is what
   * is short, and no copy (thin stream, tail, last flight, window) goes out. With Go's client dialling 1000
   * sessions 93 % of such copies arrived as duplicates, and without them the server sent 12.6 % fewer
   * datagrams (docs/cpu-sessions-2026-12-07-sessions32.md).
   */
  private receivePressure(now: number): boolean {
    if (this.holdTimeouts) return true;
    const at = this.receiveDropAt;
    if (at === NO_RECEIVE_DROP) return false;
    const since = timeDiff(now, at);
    return since >= 0 && since < RECEIVE_PRESSURE_MS;
  }

  /**
   * enableWindowCopies: toward a fixed window, with the room WINDOW_COPY_ROOM asks for shown by the peer's
   * ACK bursts and the loss WINDOW_COPY_LOSS_MIN asks for; or, in Startup, the room for twice the delivered
   * rate (WINDOW_COPY_RATE_ROOM, WINDOW_COPY_RATE_KEEP, WINDOW_COPY_RATE_LOSS_MIN). Only Startup's pace
   * (2.885 × the estimate) leaves the pacer room for the copies, and toward a fixed window on a long path
   * Startup seldom ends (the bursty link's downloads, simulated and traced, stayed in it). In ProbeBW the
   * pace is near the estimate and the copies take half of it: a 150 ms/10 % seed whose Startup had ended
   * copied by the delivered-rate rule and fell from 7.5 to 3.9 Mbit/s, held by the pacer, not the window,
   * and its slower flow kept the rule open (pair simulation, docs/link-go-client-2026-12-07-goclient33.md).
   */
  private windowCopiesFit(): boolean {
    const cc = this.cc;
    const bursts = this.windowBursts;
    if (bursts === null || cc === null || !this.peerWindowFixed || this._transmissions === 0) return false;
    const lost = this.retransmitted - this.spurious;
    if (lost < WINDOW_COPY_LOSS_MIN * this._transmissions) return false;
    const rtt = cc.minRtt;
    const windowRate = (this.rmtWndFirst * (this._mss + KCP_OVERHEAD)) / rtt;
    if (rtt > 0 && bursts.highest >= WINDOW_COPY_ROOM * windowRate) return true;
    const delivered = bursts.average;
    // the delivered-rate rule, in Startup only (see above)
    if (delivered <= 0 || cc.state !== 'startup') {
      this.rateCopyOpen = false;
      return false;
    }
    if (this.rateCopyOpen) this.rateCopyOpen = bursts.highest >= WINDOW_COPY_RATE_KEEP * delivered;
    else
      this.rateCopyOpen =
        lost >= WINDOW_COPY_RATE_LOSS_MIN * this._transmissions &&
        bursts.highest >= WINDOW_COPY_RATE_ROOM * delivered;
    return this.rateCopyOpen;
  }

  /** Another copy of the sent segment `seg` (its xmit, timestamps and controller snapshot unchanged). */
  private writeCopy(ptr: number, seg: Segment, wnd: number, now: number, una: number, kind: number): number {
    const buf = this.buffer;
    ptr = this.makeSpace(ptr, KCP_OVERHEAD + seg.len);
    const ts = (now + this.tsOffset) >>> 0;
    writeSegmentHeader(buf, ptr, this.conv, KCP_CMD_PUSH, 0, wnd, ts, seg.sn, una, seg.len);
    this.bufferHasData = true;
    ptr += KCP_OVERHEAD;
    buf.set(seg.payload(), ptr);
    snmp.OutSegs++;
    this.copies++;
    this.sendTrace?.segment(seg.sn, seg.len, kind, now);
    return ptr + seg.len;
  }

  private flushBuffer(ptr: number): void {
    if (ptr > this.reserved) this.emit(ptr);
  }

  private emit(ptr: number): void {
    this._outputCarriesData = this.bufferHasData;
    this.bufferHasData = false;
    this.output(this.buffer, ptr);
  }

  private wndUnused(): number {
    if (this.rcvQueue.length >= this._rcvWnd) return 0;
    return Math.min(this._rcvWnd - this.rcvQueue.length, this.wndCap) & 0xffff;
  }

  /** Zero-window probing: the timer starts when the peer's window is 0 and grows 1.5× per probe. */
  private updateProbe(now: number): void {
    if (this._rmtWnd !== 0) {
      this.tsProbe = 0;
      this.probeWait = 0;
      return;
    }
    if (this.probeWait === 0) {
      this.probeWait = KCP_PROBE_INIT;
      this.tsProbe = (now + this.probeWait) >>> 0;
    } else if (timeDiff(now, this.tsProbe) >= 0) {
      if (this.probeWait < KCP_PROBE_INIT) this.probeWait = KCP_PROBE_INIT;
      this.probeWait += Math.floor(this.probeWait / 2);
      if (this.probeWait > KCP_PROBE_LIMIT) this.probeWait = KCP_PROBE_LIMIT;
      this.tsProbe = (now + this.probeWait) >>> 0;
      this.probe |= KCP_ASK_SEND;
    }
  }

  private pushAck(sn: number, ts: number): void {
    if (this.ackCount === this.ackSn.length) {
      const sns = new Uint32Array(this.ackSn.length * 2);
      const tss = new Uint32Array(this.ackTs.length * 2);
      sns.set(this.ackSn);
      tss.set(this.ackTs);
      this.ackSn = sns;
      this.ackTs = tss;
    }
    this.ackSn[this.ackCount] = sn;
    this.ackTs[this.ackCount] = ts;
    this.ackCount++;
  }

  /**
   * -mode auto's RTO floor: at least one srtt (a queue the controller builds must not look like loss),
   * and where the peer's ACK period dominates the round trip, its una wait (UNA_WAIT_DECAY).
   */
  private controlledRtoFloor(): number {
    const srtt = this.rtt.srtt;
    const unaWait = this.unaWait >= UNA_WAIT_SRTTS * srtt ? this.unaWait : 0;
    return Math.max(this._interval, srtt, unaWait);
  }

  /**
   * A segment past its RTO: while holdTimeouts, not yet timed out until HELD_TIMEOUT_RTOS of its RTO have
   * passed since its transmission (looked at again an interval later, when the hold may have ended). Else,
   * when this flush already retransmitted one on timeout (`probeSent`) and our socket dropped datagrams
   * since this one was sent (receiveDropAt), it waits one more of its RTO, not backed off. Else, with
   * enableCurrentRto and `rto` (the RTO estimated now) not yet passed since its transmission, move its
   * resendts there and return true. Else, with enableLatestRttRto and the latest RTT sample and the RTO's
   * margin not yet passed since its transmission, move its resendts there and return true (not timed out).
   * At most one srtt is added to the RTO, so a stale spike cannot hold a segment of an idle session for long.
   */
  private deferTimeout(seg: Segment, now: number, rto: number, probeSent: boolean): boolean {
    if (this.holdTimeouts) {
      const limit = (seg.ts + HELD_TIMEOUT_RTOS * seg.rto) >>> 0;
      if (timeDiff(now, limit) < 0) {
        const next = (now + this._interval) >>> 0;
        seg.resendts = timeDiff(limit, next) < 0 ? limit : next;
        return true;
      }
    }
    if (probeSent && this.droppedSince(seg.ts, now)) {
      seg.resendts = (now + seg.rto) >>> 0;
      return true;
    }
    if (this.rtoFromCurrent) {
      const due = (seg.ts + rto) >>> 0;
      if (timeDiff(due, now) > 0) {
        seg.resendts = due;
        return true;
      }
    }
    const srtt = this.rtt.srtt;
    if (!this.rtoFromLatestRtt || this.latestRtt <= srtt) return false;
    const due = (seg.ts + rto + Math.min(this.latestRtt - srtt, srtt)) >>> 0;
    if (timeDiff(due, now) <= 0) return false;
    seg.resendts = due;
    return true;
  }

  /**
   * After drops at our socket, timed-out segments go one per RTO (deferTimeout): each may have arrived, its
   * ACK among the drops. The peer's ACK of a transmission we made after the first unacknowledged segment's
   * last one, with a una that stops at that segment, shows it never arrived: the later datagram did, and
   * the segment had its whole RTO to. Such a segment is due for fast retransmit at once (returns true; the
   * caller flushes), not one more RTO later. Only the una segment is shown lost: the peer's una says nothing
   * of the segments above it, whose ACKs may be among the drops. So a flight our socket's drops left
   * unacknowledged is resent one segment per round trip, each ACK's una showing the next, where it took one
   * RTO per segment: with Go's client dialling 1000 sessions, the 19 lost segments of one session's echo went
   * one per 540 ms until, 10 s after the start, our keep-alive NOP's ACK set off fast retransmit of the 10
   * still waiting, and most runs ended there (docs/bench-tunnel-sessions-2026-12-06-sessions25.md). Nothing
   * changes without drops at our socket or with fast resend off.
   */
  private unaShownLost(ackTs: number, now: number): boolean {
    const sndBuf = this.sndBuf;
    if (sndBuf.length === 0 || this.fastresend <= 0) return false;
    const seg = sndBuf.get(0);
    if (seg.xmit === 0 || seg.acked || seg.fastack >= this.fastresend) return false;
    if (timeDiff(ackTs, seg.ts) <= 0 || timeDiff(now, (seg.ts + seg.rto) >>> 0) < 0) return false;
    if (!this.droppedSince(seg.ts, now)) return false;
    seg.fastack = this.fastresend;
    this.fastackPending = true;
    if (this.cc !== null) this.cc.onShownLost(seg, seg.len + KCP_OVERHEAD);
    return true;
  }

  /**
   * Our socket was seen dropping after `ts` (receiveDropAt in (ts, now]: both bounds, so that a drop 24 days
   * old, which the wrapping clock would place after a recent `ts`, does not count).
   */
  private droppedSince(ts: number, now: number): boolean {
    const at = this.receiveDropAt;
    return at !== NO_RECEIVE_DROP && timeDiff(at, ts) > 0 && timeDiff(now, at) >= 0;
  }

  /** The index after the run of sent, unacknowledged segments of snd_buf that starts at `k`. */
  private unackedRunEnd(k: number): number {
    const sndBuf = this.sndBuf;
    let end = k + 1;
    while (end < sndBuf.length) {
      const seg = sndBuf.get(end);
      if (seg.acked || seg.xmit === 0) break;
      end++;
    }
    return end;
  }

  /** Whether flush's wait (resendDue) came from `seg`: its retransmission, or its thin-stream copy. */
  private setsResendDue(seg: Segment): boolean {
    return seg.resendts === this.resendDue || (seg.copyPending && seg.copyDue === this.resendDue);
  }

  /**
   * Drop every sent segment below `una`; returns how many. A una beyond snd_nxt acknowledges nothing: no
   * peer can have received a segment we never sent, and kcp-go's parse_una would take one from a forged or
   * stray datagram (0x7fffffff with our sns still near 0) as acknowledging everything in flight.
   */
  private parseUna(una: number, now: number): number {
    if (timeDiff(una, this._sndNxt) > 0) return 0;
    let count = 0;
    const sndBuf = this.sndBuf;
    while (sndBuf.length > 0 && timeDiff(una, sndBuf.get(0).sn) > 0) {
      const seg = sndBuf.shift();
      if (this.setsResendDue(seg)) this.scanAll = true; // flush's wait must not use a gone segment
      if (this.cc !== null && !seg.acked && !seg.presumedAcked) {
        this.delivered(seg, now);
        if (seg.xmit === 1) this.inputUnaWait = Math.max(this.inputUnaWait, timeDiff(now, seg.ts));
      }
      if (this.cc !== null && seg.xmit > 1) this.retire(seg);
      freeSegment(seg);
      count++;
    }
    return count;
  }

  /**
   * Whether an ACK of `sn` echoing `ts` (our clock) answers one of that segment's transmissions (see
   * peerEchoed): the segment is in flight and `ts` lies between this Kcp's first transmission and the
   * segment's last. Checked before una drops the segment.
   */
  private echoesSend(sn: number, ts: number): boolean {
    if (timeDiff(sn, this._sndUna) < 0 || timeDiff(sn, this._sndNxt) >= 0) return false;
    const seg = this.sndBuf.get((sn - this._sndUna) >>> 0);
    return seg.xmit > 0 && timeDiff(ts, seg.ts) <= 0 && timeDiff(ts, this.firstSendTs) >= 0;
  }

  /** -mode auto: keep a retransmitted segment's last send time as una passes it (see echoesEarlierSend). */
  private retire(seg: Segment): void {
    if (this.retired === null) this.retired = new RetiredSends();
    this.retired.record(seg.sn, seg.ts);
  }

  /**
   * -mode auto: whether an ACK of `sn` echoing `ts` comes after the segment was acknowledged and answers a
   * transmission older than its last (see retired-sends.ts): its RTT is not the path's. Checked before
   * una or this ACK moves the segment's state.
   */
  private echoesEarlierSend(sn: number, ts: number): boolean {
    if (this.cc === null || timeDiff(sn, this._sndNxt) >= 0) return false;
    if (timeDiff(sn, this._sndUna) < 0) return this.retired?.echoesEarlier(sn, ts) === true;
    const seg = this.sndBuf.get((sn - this._sndUna) >>> 0);
    return seg.acked && timeDiff(ts, seg.ts) < 0;
  }

  /**
   * An ACK of `sn` echoing `ts`: if `sn` was retransmitted after `ts`, the earlier transmission arrived and
   * the retransmission was needless (a stalled peer or process, not the link): counted, and the controller
   * takes back that loss. Checked before una drops the segment.
   */
  private checkSpurious(sn: number, ts: number): void {
    if (timeDiff(sn, this._sndUna) < 0 || timeDiff(sn, this._sndNxt) >= 0) return;
    const seg = this.sndBuf.get((sn - this._sndUna) >>> 0);
    if (!seg.acked && seg.xmit > 1 && timeDiff(ts, seg.ts) < 0) {
      this.spurious++;
      this.cc?.onSpuriousLoss();
    }
  }

  /**
   * Whether the run of sent, unacknowledged segments [k, end), with a hole below it, waits as the ACKs of
   * a lost datagram of the peer's (see ack-loss.ts). A run is taken for one when it first reaches the
   * fast-retransmit threshold within a gap's window, and is then presumed acknowledged until una passes
   * it or a segment of it is resent. The controller counts it delivered at once, when that datagram would
   * have come: counted when una passes it, its bytes landed in the rate sample of the hole's repair a
   * round trip later and inflated it (10.7 Mbit/s estimated on a 10 Mbit/s link in the pair simulation,
   * and the queue grew to a BDP).
   */
  private holdRun(k: number, end: number, resent: number, now: number): boolean {
    const sndBuf = this.sndBuf;
    const first = sndBuf.get(k);
    if (first.presumedAcked) return true;
    if (end - k < ACK_LOSS_RUN_MIN || first.fastack < resent) return false;
    if (this.peerGaps === null || !this.peerGaps.take(now, ACK_LOSS_WINDOW_INTERVALS * this._interval)) {
      return false;
    }
    for (let i = k; i < end; i++) {
      const seg = sndBuf.get(i);
      seg.presumedAcked = true;
      if (this.cc !== null) this.delivered(seg, now);
    }
    return true;
  }

  /** Tell the controller that a sent segment reached the peer (first ACK or una covering it). */
  private delivered(seg: Segment, now: number): void {
    const cc = this.cc!;
    if (seg.xmit === 0) {
      this.ccUnsentBytes -= seg.len + KCP_OVERHEAD; // una passed a segment pacing still held
      return;
    }
    cc.onDelivered(seg, seg.len + KCP_OVERHEAD, now);
    this.inputAckedBytes += seg.len + KCP_OVERHEAD;
  }

  private shrinkBuf(): void {
    this._sndUna = this.sndBuf.length > 0 ? this.sndBuf.get(0).sn : this._sndNxt;
  }

  /**
   * Mark the segment `sn` acked; it stays in snd_buf until una passes it. snd_buf holds consecutive sns
   * from snd_una (it only grows at the back and shrinks at the front), so `sn` is found by index.
   */
  private parseAck(sn: number, now: number): void {
    if (timeDiff(sn, this._sndUna) < 0 || timeDiff(sn, this._sndNxt) >= 0) return;
    const seg = this.sndBuf.get((sn - this._sndUna) >>> 0);
    if (!seg.acked) this.acknowledge(seg, now);
  }

  /**
   * A sent segment the peer holds, acknowledged before una passes it: the controller counts it once (not
   * again for a lost ACK datagram's run presumed acknowledged, ack-loss.ts).
   */
  private acknowledge(seg: Segment, now: number): void {
    if (this.cc !== null && !seg.presumedAcked) this.delivered(seg, now);
    if (this.setsResendDue(seg)) this.scanAll = true;
    seg.acked = true;
  }

  /**
   * A re-acknowledgement of the peer's (re-ack.ts): it holds [first, last]. Each segment of ours in it not
   * yet acknowledged is, as by its ACK, without an RTT sample or a fast-retransmit vote.
   */
  private parseReAck(first: number, last: number, now: number): void {
    const sndUna = this._sndUna;
    const sndBuf = this.sndBuf;
    if (timeDiff(last, first) < 0 || timeDiff(last, sndUna) < 0 || timeDiff(first, this._sndNxt) >= 0) return;
    const from = timeDiff(first, sndUna) > 0 ? (first - sndUna) >>> 0 : 0;
    const to = Math.min(((last - sndUna) >>> 0) + 1, sndBuf.length);
    for (let k = from; k < to; k++) {
      const seg = sndBuf.get(k);
      if (seg.acked || seg.xmit === 0) continue;
      this.acknowledge(seg, now);
      this.reAcked++;
    }
  }

  /** Count an ACK of `sn` (sent at `ts`) against every earlier segment sent no later than it. */
  private parseFastAck(sn: number, ts: number): void {
    if (timeDiff(sn, this._sndUna) < 0 || timeDiff(sn, this._sndNxt) >= 0) return;
    const sndBuf = this.sndBuf;
    const earlier = (sn - this._sndUna) >>> 0;
    for (let k = 0; k < earlier; k++) {
      const seg = sndBuf.get(k);
      if (timeDiff(seg.ts, ts) <= 0) {
        seg.fastack = (seg.fastack + 1) >>> 0;
        this.fastackPending = true;
        // as many later ACKs as fast retransmit waits for: the controller may count it lost now
        if (seg.fastack === this.fastresend && this.cc !== null && !seg.acked)
          this.cc.onShownLost(seg, seg.len + KCP_OVERHEAD);
      }
    }
  }

  /**
   * Store a PUSH within [rcv_nxt, rcv_nxt + rcv_wnd) into rcv_buf (sorted, deduplicated) and move what
   * became in-order to rcv_queue. Returns true for a duplicate.
   */
  private parseData(sn: number, src: Buffer, off: number, len: number): boolean {
    const rcvBuf = this.rcvBuf;
    let insertAt = 0;
    let repeat = false;
    for (let i = rcvBuf.length - 1; i >= 0; i--) {
      const sn2 = rcvBuf.get(i).sn;
      if (sn2 === sn) {
        repeat = true;
        break;
      }
      if (timeDiff(sn, sn2) > 0) {
        insertAt = i + 1;
        break;
      }
    }
    if (!repeat) {
      const seg = allocSegment(len);
      seg.sn = sn;
      seg.len = len;
      if (len > 0) seg.data.set(datagramViews.view(src, off, off + len), 0);
      rcvBuf.insert(insertAt, seg);
      if (this.rcvTuner !== null) this.tuneReceiveWindow(len);
    }
    this.moveReceivedInOrder();
    if (this.rcvTuner !== null && rcvBuf.length > 0) {
      // held behind a hole: the window grows with its occupancy too (see ReceiveWindowTuner)
      const span = ((rcvBuf.get(rcvBuf.length - 1).sn - this._rcvNxt) >>> 0) + 1;
      const want = this.rcvTuner.onHeld(span, this._rcvWnd);
      if (want > this._rcvWnd) this._rcvWnd = want;
    }
    return repeat;
  }

  /** Move the in-order head of rcv_buf to rcv_queue while the queue is below rcv_wnd. */
  private moveReceivedInOrder(): void {
    const rcvBuf = this.rcvBuf;
    const queue = this.rcvQueue;
    while (rcvBuf.length > 0 && rcvBuf.get(0).sn === this._rcvNxt && queue.length < this._rcvWnd) {
      const seg = rcvBuf.shift();
      queue.push(seg);
      this.rcvQueueBytes += seg.len;
      this._rcvNxt = (this._rcvNxt + 1) >>> 0;
    }
  }

  /** -mode auto: grow rcv_wnd to what the rate segments arrive at needs (never shrinks it). */
  private tuneReceiveWindow(bytes: number): void {
    const want = this.rcvTuner!.onReceived(bytes, this.lastInputNow, this.rtt.srtt, this._mss);
    if (want > this._rcvWnd) this._rcvWnd = want;
  }

  /** Reno-like growth when una advanced (nc=0 only), identical to C KCP. */
  private growCongestionWindow(): void {
    if (this.cwnd >= this._rmtWnd) return;
    const mss = this._mss;
    if (this.cwnd < this.ssthresh) {
      this.cwnd++;
      this.incr = (this.incr + mss) >>> 0;
    } else {
      if (this.incr < mss) this.incr = mss;
      this.incr = (this.incr + Math.floor((mss * mss) / this.incr) + Math.floor(mss / 16)) >>> 0;
      if ((this.cwnd + 1) * mss <= this.incr) {
        this.cwnd = Math.floor((this.incr + mss - 1) / mss);
      }
    }
    if (this.cwnd > this._rmtWnd) {
      this.cwnd = this._rmtWnd;
      this.incr = Math.imul(this._rmtWnd, mss) >>> 0;
    }
  }

  /** Loss reaction after a flush (nc=0 only): rate halving on fast/early retransmit, reset on RTO. */
  private shrinkCongestionWindow(change: number, lost: number, cwnd: number, resent: number): void {
    const mss = this._mss;
    if (change > 0) {
      const inflight = (this._sndNxt - this._sndUna) >>> 0;
      this.ssthresh = Math.max(inflight >>> 1, KCP_THRESH_MIN);
      // uint32 like kcp-go: with fast resend off (resent = 2^32 − 1) this wraps to ssthresh − 1
      this.cwnd = (this.ssthresh + resent) >>> 0;
      this.incr = Math.imul(this.cwnd, mss) >>> 0;
    }
    if (lost > 0) {
      this.ssthresh = Math.max(cwnd >>> 1, KCP_THRESH_MIN);
      this.cwnd = 1;
      this.incr = mss;
    }
    if (this.cwnd < 1) {
      this.cwnd = 1;
      this.incr = mss;
    }
  }
}
