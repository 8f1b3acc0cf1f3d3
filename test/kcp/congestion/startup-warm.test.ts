/**
 * A warm session: a transfer that starts after an idle period on a session whose controller already has a
 * bandwidth and min-RTT model (a kcptun client keeps its sessions for hours). Driven over a small model of
 * a path (a rate-limited queue and a fixed delay, every segment acknowledged at once) in simulated ms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';
import { snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 10 segments per ms (80 Mbit/s of 1000-byte segments). */
const RATE = 10 * SEG;
const ONE_WAY_MS = 50;
const RTT = 2 * ONE_WAY_MS;
const BDP = RATE * RTT;

/** The path and the sender between drives. */
interface Sim {
  due: { seg: SendSnapshot; at: number; sent: number }[];
  queueFreeAt: number;
  tokens: number;
  /** Extra one-way delay at t (a route change), ms. */
  extraDelay: (t: number) => number;
  /** The bottleneck's rate at t, bytes per ms (RATE unless given). */
  rateAt?: (t: number) => number;
}

interface Trace {
  /** The controller's state at each ms. */
  states: string[];
  /** The in-flight cap at each ms, bytes. */
  cwnds: number[];
  /** Bytes delivered by each ms. */
  delivered: number[];
  /** The pacing rate over the bandwidth estimate at each ms (0 before an estimate). */
  gains: number[];
}

/**
 * A sender with data while `busy(t)`, paced at the controller's rate and held to its cap, over a path with a
 * one-BDP queue; with nothing to send it reports app-limited on every ms, as KCP's flush does.
 */
function drive(
  cc: CongestionController,
  sim: Sim,
  from: number,
  to: number,
  busy: (t: number) => boolean,
  trace: Trace,
): void {
  const due = sim.due;
  let delivered = trace.delivered.length === 0 ? 0 : trace.delivered[trace.delivered.length - 1];
  for (let t = from; t < to; t++) {
    while (due.length > 0 && due[0].at <= t) {
      const ack = due.shift()!;
      cc.onRtt(t - ack.sent, t);
      cc.onDelivered(ack.seg, SEG, t);
      cc.onAckEvent(t);
      delivered += SEG;
    }
    const rate = cc.pacingPerMs();
    sim.tokens = rate > 0 ? Math.min(sim.tokens + rate, Math.max(2 * rate, 10 * SEG)) : 10 * SEG;
    if (busy(t)) {
      while (sim.tokens >= SEG && cc.canSend(SEG)) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        sim.tokens -= SEG;
        sim.queueFreeAt = Math.max(sim.queueFreeAt, t) + SEG / (sim.rateAt?.(t) ?? RATE);
        due.push({ seg, at: Math.ceil(sim.queueFreeAt) + RTT + 2 * sim.extraDelay(t), sent: t });
      }
    } else if (cc.canSend(SEG)) {
      cc.onAppLimited();
    }
    trace.states.push(cc.state);
    trace.cwnds.push(cc.cwnd);
    trace.delivered.push(delivered);
    trace.gains.push(cc.bandwidth > 0 ? cc.pacingRate / cc.bandwidth : 0);
  }
}

describe('CongestionController: a transfer after idle time on a warm session', () => {
  const BULK_MS = 3000;
  const IDLE_MS = 12_000;
  const RESTART = BULK_MS + IDLE_MS;

  /** The path's delay after the idle time: a ms above the old min (real samples vary by a few ms). */
  const slightlyLater = (t: number) => (t >= RESTART ? 1 : 0);

  function warmRestart(extraDelay: (t: number) => number = slightlyLater): {
    cc: CongestionController;
    sim: Sim;
    trace: Trace;
  } {
    const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
    const sim: Sim = { due: [], queueFreeAt: 0, tokens: 0, extraDelay };
    const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
    // a bulk transfer that fills the pipe, then the session rests past the min RTT's 10 s window, then
    // the next transfer
    drive(cc, sim, 0, BULK_MS, (t) => t < BULK_MS - 4 * RTT, trace);
    assert.equal(cc.state, 'probe-bw');
    assert.equal(sim.due.length, 0, 'all acknowledged before the idle time');
    drive(cc, sim, BULK_MS, RESTART, () => false, trace);
    drive(cc, sim, RESTART, RESTART + 20 * RTT, () => true, trace);
    return { cc, sim, trace };
  }

  test('keeps its model: no ProbeRTT, and the in-flight cap of the rate it knows from the first flight', () => {
    const { trace } = warmRestart();
    const restart = trace.states.slice(RESTART);
    assert.ok(
      !restart.includes('probe-rtt'),
      `states after the restart: ${[...new Set(restart)].join(', ')}`,
    );
    assert.ok(trace.cwnds[RESTART] >= 1.9 * BDP, `cap at the restart ${trace.cwnds[RESTART] / SEG} segments`);
    // the first round trip after the restart delivers a BDP or more (the path's rate), not half of one
    const firstRounds = trace.delivered[RESTART + 3 * RTT] - trace.delivered[RESTART + RTT];
    assert.ok(firstRounds >= 1.8 * BDP, `${firstRounds / SEG} segments in the 2nd and 3rd round trips`);
  });

  test('keep-alives in the idle time do not put it back into Startup, which would pace the next transfer at 2.885x the rate', () => {
    const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
    // the path's rate grows by half late in the transfer: the gain cycle running then sees the bandwidth
    // grow (which once sent it back to Startup, and now brings the next probe at once), and the transfer
    // ends before that probe, which comes in the idle time
    const sim: Sim = {
      due: [],
      queueFreeAt: 0,
      tokens: 0,
      extraDelay: slightlyLater,
      rateAt: (t) => (t >= BULK_MS - 12 * RTT ? 1.5 * RATE : RATE),
    };
    const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
    drive(cc, sim, 0, BULK_MS, (t) => t < BULK_MS - 4 * RTT, trace);
    // a keep-alive every second (smux's are 10 s apart; more of them give the cycle more ACK events)
    drive(cc, sim, BULK_MS, RESTART, (t) => t % 1000 === 0, trace);
    const idle = trace.states.slice(BULK_MS);
    assert.ok(!idle.includes('startup'), `states in the idle time: ${[...new Set(idle)].join(', ')}`);
    assert.ok(cc.pacingRate <= 1.25 * cc.bandwidth, `pacing ${cc.pacingRate} at bandwidth ${cc.bandwidth}`);
  });

  test('a restart before the min RTT expires renews it: no ProbeRTT in the transfer it starts', () => {
    // the session rests 7 s, so its min RTT (last renewed late in the first transfer) expires a few
    // hundred ms into the next one, whose samples are a ms above it (no new low)
    const restart = BULK_MS + 7000;
    const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
    const sim: Sim = { due: [], queueFreeAt: 0, tokens: 0, extraDelay: (t) => (t >= restart ? 1 : 0) };
    const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
    drive(cc, sim, 0, BULK_MS, (t) => t < BULK_MS - 4 * RTT, trace);
    drive(cc, sim, BULK_MS, restart, () => false, trace);
    drive(cc, sim, restart, restart + 4000, (t) => t >= restart, trace);
    const states = trace.states.slice(restart);
    assert.ok(!states.includes('probe-rtt'), `states after the restart: ${[...new Set(states)].join(', ')}`);
  });

  test('a restart from idle paces at the bandwidth until its first ACK, whatever phase of the gain cycle it meets', () => {
    // transfers of different lengths leave the gain cycle in different phases for the idle time (the
    // phase advances only on ACKs); 2000 and 2700 ms leave it in the 1.25 probe
    for (const bulkMs of [2000, 2500, 2700]) {
      const restart = bulkMs + 12_000;
      const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
      const sim: Sim = { due: [], queueFreeAt: 0, tokens: 0, extraDelay: () => 0 };
      const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
      drive(cc, sim, 0, restart, (t) => t < bulkMs - 4 * RTT, trace);
      drive(cc, sim, restart, restart + RTT, () => true, trace);
      const gains = new Set(trace.gains.slice(restart, restart + RTT).map((g) => g.toFixed(2)));
      assert.deepEqual(
        [...gains],
        ['1.00'],
        `transfer of ${bulkMs} ms: pacing gains ${[...gains].join(', ')}`,
      );
    }
  });

  test('the idle time does not age the min RTT: a restart on a jittery path keeps the lowest sample', () => {
    // on a path whose delay varies per packet (50 ± 30 ms one way) one sample is a typical one, well above
    // the lowest ever seen: the restart's first round trip reads 15 ms more each way, its later ones 5 ms
    // more (no sample is a new low). A rest of 12 s outlasted the 10 s window, the restart's first sample
    // became the min RTT (1.3x), and the in-flight cap grew with it
    const { cc, trace } = warmRestart((t) => (t < RESTART ? 0 : t < RESTART + 2 * RTT ? 15 : 5));
    assert.ok(cc.minRtt <= RTT + 1, `min RTT ${cc.minRtt} ms after the restart, ${RTT} before`);
    const cap = Math.max(...trace.cwnds.slice(RESTART + 2 * RTT));
    const before = Math.max(...trace.cwnds.slice(BULK_MS - 10 * RTT, BULK_MS - 4 * RTT));
    assert.ok(cap <= 1.15 * before, `cap ${cap / SEG} segments after the restart, ${before / SEG} before`);
  });

  test('keep-alives in the idle time do not age the min RTT either: none replaces it with its one sample', () => {
    // smux sends a keep-alive every 10 s; on the link benchmark's jittery path the one 7 s into the rest
    // found the min RTT expired and replaced it with its own sample (104 → 76 ms, 93 → 87 in its traces);
    // here each keep-alive reads 15 ms more each way than the lowest sample of the transfer
    const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
    const sim: Sim = { due: [], queueFreeAt: 0, tokens: 0, extraDelay: (t) => (t < BULK_MS ? 0 : 15) };
    const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
    drive(cc, sim, 0, BULK_MS, (t) => t < BULK_MS - 4 * RTT, trace);
    drive(cc, sim, BULK_MS, RESTART, (t) => t % 1000 === 0, trace);
    assert.ok(cc.minRtt <= RTT + 1, `min RTT ${cc.minRtt} ms after the rest, ${RTT} before`);
    assert.ok(!trace.states.slice(BULK_MS).includes('probe-rtt'), 'no ProbeRTT in the rest');
  });

  test('only the restart refreshes the min RTT: a sender busy since probes it again a window later', () => {
    // 2 s after the restart the path's delay grows by 5 ms more each way: no later sample is a new low
    const { cc, sim } = warmRestart((t) => slightlyLater(t) + (t >= RESTART + 2000 ? 5 : 0));
    const trace: Trace = { states: [], cwnds: [], delivered: [], gains: [] };
    drive(cc, sim, RESTART + 20 * RTT, RESTART + 9500, () => true, trace);
    assert.ok(!trace.states.includes('probe-rtt'), 'the restart refreshed the min RTT');
    // samples as low as the refreshed min RTT may come until the delay grows (a drained queue), and each
    // renews it: 10 s after the last of them at the latest, ProbeRTT
    drive(cc, sim, RESTART + 9500, RESTART + 12_500, () => true, trace);
    assert.ok(trace.states.includes('probe-rtt'), 'ProbeRTT once the refreshed min RTT is 10 s old');
  });
});
