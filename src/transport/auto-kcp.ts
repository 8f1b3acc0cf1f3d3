/**
 * How `-mode auto` configures a session's KCP: the one home of that set-up, shared by the session and the
 * simulated KCP pair (test/kcp/kcp-pair-sim.ts), so what the simulator measures is what the tunnel runs.
 */
import type { SenderLimit } from '../fec/index.js';
import type { Kcp } from '../kcp/index.js';

/** What `-mode auto` tunes; each part is off when the user set its flags. */
export interface AutoTuning {
  /** Model-based congestion control and pacing (off with -nc). */
  readonly congestion: boolean;
  /** Send window follows the controller, receive window the measured rate (off with -sndwnd/-rcvwnd). */
  readonly windows: boolean;
  /** Parity count follows the measured loss (off with -datashard/-parityshard). */
  readonly fec: boolean;
}

/**
 * -mode auto's windows, in segments: the send window is only a memory bound (the controller's in-flight
 * cap is the real limit) and the receive window may grow this far with the measured rate and with what
 * loss holds in rcv_buf. 16384 segments of ~1.3 KB are ~22 MB per session at most, held only while holes
 * are open: a lossy long link needs several BDPs of sequence window (150 ms/10 % at 100 Mbit/s: the best
 * fast3 window was 8 BDP = 22223 segments, docs/link-benchmark.md), and Go kcptun users set such windows.
 */
export const AUTO_WND_CAP = 16384;

/**
 * Turns on the KCP parts of `auto` (the controller and its sender-side companions, the automatic windows);
 * `seed` seeds the controller's gain-cycle phase (the session passes its conv). Pacing and FEC are the
 * owner's: it follows `kcp.congestion.pacingRate` with its pacer (setPacingGate) before each flush.
 */
export function configureAutoKcp(
  kcp: Kcp,
  auto: Pick<AutoTuning, 'congestion' | 'windows'>,
  seed: number,
): void {
  if (auto.congestion) {
    kcp.enableCongestionControl(seed);
    kcp.enableThinStreamDuplicates();
    kcp.enableTailCopies();
    kcp.enableLastFlightCopies();
    kcp.enableAckLossHold();
    kcp.enableLatestRttRto();
    kcp.enableWindowCopies();
    if (auto.windows) kcp.setWindowSize(AUTO_WND_CAP, 0);
  }
  if (auto.windows) kcp.enableAutoReceiveWindow(AUTO_WND_CAP);
}

/**
 * What held `kcp`'s last flush back, for the adaptive FEC (ParityTuner): the path's rate when data waited
 * for the pacer or the controller's in-flight cap past Startup, where parity would displace data, unless
 * the owner has nothing more than what KCP holds (`backlogged` false: the last flight, whose parity the
 * tuner sends at once; a writer's momentary gap mid-transfer costs parity only for the flushes it lasts,
 * as the next refill is the path's rate again) and KCP holds no more than a round trip of new data at the
 * pacing rate; Startup's ramp for any flush in Startup with data
 * waiting (the tuner tells from the round trip whether the ramp has reached the path's rate); a window
 * (the peer's or ours) with data waiting; or nothing left to send.
 *
 * Startup's ramp whatever ended the flush: the pacer, the in-flight cap, the owner's send budget per turn
 * (the session's TURN_SEGMENTS; the rest goes in the next turn's flush) or the session's short queue that
 * the writer refills at once. The ramp's flight is what reaches the bottleneck either way; classed `other`,
 * those flushes (on the 25 ms, 2 % link a third of Startup's time between flushes, mostly the refill's,
 * and a third of its segments in the pair simulation) escaped the rule that stops Startup's parity once
 * its queue shows (docs/link-startup-parity-2026-12-05.md). A window too: a long path's first flight
 * stops at the client's initial window (kcptun-client's 512 segments), and classed `window` it kept full
 * parity for WINDOW_HOLD_RTTS round trips, past Startup's exit into the cruise at a 50 Mbit/s bottleneck,
 * where parity displaces data (100 ms/5 %, 50 Mbit/s: 3 parity per 10 until ~0.7 s into the download, the
 * estimate at Startup's exit 37 Mbit/s against 45; pair simulation, docs/link-first-round-2026-12-06.md).
 * A window that holds a sender past Startup (a Go client's) is still a window.
 *
 * A peer's window that never grows (Kcp.peerWindowFixed: a Go kcptun client's -rcvwnd, 512 segments at its
 * defaults) holds the sender for the whole transfer, in Startup too, and a flush the pacer closed with that
 * window full is held by it as much: the controller's rate there is what the window let through. Both are
 * `window`, so the tuner's window rule (full parity while the link shows loss and no queue) covers the
 * transfer. Classed as the ramp or the path's rate they left the count at 0-2 of 3: toward Go's client on
 * 100 ms/5 % 31 losses per 16 MiB download went unrepaired by FEC, each holding the client's window for a
 * round trip more, half of the download's time (docs/link-go-client-2026-12-06-goclient30.md).
 *
 * The last flight is at most a round trip of new data at the pacing rate: the in-flight cap lets more into
 * snd_buf than goes out in a round trip (the model's window counts the smoothed RTT's spread and the ACK
 * period), so when the writer runs dry KCP may still hold two or three round trips of data for the
 * pacer, and all of it went out with the loss's parity (a quarter of the bottleneck at 150 ms/10 %,
 * after a larger Startup), where only the last round trip's losses have no later data to reveal them
 * (docs/link-long-path-2026-12-06-longpath25.md).
 *
 * A short path's first flight, before its verdict (the controller's firstFlightBlind), is the
 * `first-flight`: blind, it gets the least parity toward a peer known to share our FEC shape
 * (FirstFlight.blind, ParityTuner's BLIND_FLIGHT_PARITY; docs/link-first-flight-2026-12-07-cellular31.md).
 */
export function senderLimit(kcp: Kcp): SenderLimit {
  const limit = kcp.newDataLimit;
  if (limit === 'data' && !kcp.backlogged) return 'out-of-data';
  if (kcp.windowFull && kcp.peerWindowFixed) return 'window'; // see above: Startup's too, paced or not
  const cc = kcp.congestion;
  if (cc !== null && cc.state === 'startup') return cc.firstFlightBlind ? 'first-flight' : 'startup-ramp';
  if (limit === 'rmt-wnd' || limit === 'snd-wnd') return 'window';
  if (cc === null) return 'other';
  if (!(limit === 'pacer' || limit === 'cwnd')) return 'other';
  if (kcp.backlogged) return 'path-rate';
  // the last flight is the last round trip's data: what KCP still holds beyond it goes at the path's rate
  return kcp.unsentBytes * 1000 > cc.pacingRate * kcp.srtt ? 'path-rate' : 'last-flight';
}
