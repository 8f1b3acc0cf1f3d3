/**
 * The first flight (src/kcp/congestion/first-flight.ts): on a long path (LONG_FIRST_FLIGHT_FACTOR) twice the
 * paced initial window at twice its rate, and the verdict its ACKs give; on a short one the verdict of a
 * queue its ACKs show (FIRST_FLIGHT_QUEUE_SHARE). Driven over a small model of a
 * path (a rate-limited FIFO queue and a fixed delay, the peer acknowledging every segment at once) in
 * simulated ms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CongestionController, SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
/** The path's round trip, ms: two FIRST_FLIGHT_RTT_MS windows, where the larger first flight applies. */
const RTT = 200;

/**
 * A bulk sender paced at the controller's rate and held to its cap over a path whose bottleneck forwards
 * `rate` bytes per ms. Returns when Startup ended (-1: not within `rounds` round trips), the bandwidth
 * estimate then (bytes per ms), the deepest queue (ms) and the deepest that segments sent after the
 * flight's first ACK met.
 */
/** The ACKs due at `t` of segments sent one round trip `rtt` before: one ACK event each. */
function ackDue(
  cc: CongestionController,
  sent: { seg: SendSnapshot; at: number }[],
  rtt: number,
  t: number,
): void {
  while (sent.length > 0 && sent[0].at + rtt <= t) {
    const s = sent.shift()!;
    cc.onRtt(rtt, t);
    cc.onDelivered(s.seg, SEG, t);
    cc.onAckEvent(t);
  }
}

function run(
  rate: number,
  rounds: number,
  {
    slowAcks,
    peerWindow,
    rtt = RTT,
  }: { slowAcks?: { from: number; to: number; perMs: number }; peerWindow?: number; rtt?: number } = {},
): { endedAt: number; bw: number; queueMs: number; afterAckQueueMs: number } {
  const cc = afterFirstRoundTrip(rtt, SEG);
  const inPath: { seg: SendSnapshot; sent: number; arrives: number }[] = [];
  let queueFreeAt = 0;
  let queueMs = 0;
  let afterAckQueueMs = 0;
  let acked = false;
  let tokens = 0;
  for (let t = rtt; t < rounds * rtt; t++) {
    // a peer starved of CPU from `from` to `to` acknowledges only `perMs` segments a ms, then the rest
    const starved = slowAcks !== undefined && t >= slowAcks.from && t < slowAcks.to;
    let budget = starved ? slowAcks.perMs : Number.POSITIVE_INFINITY;
    while (inPath.length > 0 && inPath[0].arrives + rtt / 2 <= t && budget-- > 0) {
      const s = inPath.shift()!;
      cc.onRtt(t - s.sent, t);
      cc.onDelivered(s.seg, SEG, t);
      cc.onAckEvent(t);
      acked = true;
    }
    if (cc.state !== 'startup') return { endedAt: t, bw: cc.bandwidth / 1000, queueMs, afterAckQueueMs };
    const pace = cc.pacingPerMs();
    tokens = Math.min(tokens + pace, Math.max(2 * pace, 10 * SEG));
    while (tokens >= SEG && cc.canSend(SEG)) {
      // a peer's window that opens with the flight's first ACKs (our client's grows with what arrives)
      if (!acked && peerWindow !== undefined && cc.inflightBytes >= peerWindow * SEG) {
        cc.onAppLimited();
        break;
      }
      const seg = snapshot();
      cc.onSend(seg, SEG, t);
      tokens -= SEG;
      const reach = t + rtt / 2;
      queueFreeAt = Math.max(queueFreeAt, reach) + SEG / rate;
      queueMs = Math.max(queueMs, queueFreeAt - reach);
      if (acked) afterAckQueueMs = Math.max(afterAckQueueMs, queueFreeAt - reach);
      inPath.push({ seg, sent: t, arrives: Math.ceil(queueFreeAt) });
    }
  }
  return { endedAt: -1, bw: cc.bandwidth / 1000, queueMs, afterAckQueueMs };
}

describe('CongestionController: the first flight on a long path', () => {
  test('twice the paced initial window, at twice its rate', () => {
    const cc = afterFirstRoundTrip(RTT, SEG);
    assert.equal(cc.cwnd, 512 * SEG);
    const paced = (2.885 * 512 * SEG) / (RTT / 1000);
    assert.ok(Math.abs(cc.pacingRate - paced) < 1, `pacing ${cc.pacingRate} B/s, expected ${paced}`);
  });

  test('ACKs spaced by a slower bottleneck end Startup with its rate as the estimate', () => {
    // 4 segments per ms (32 Mbit/s of 1000-byte segments), about half the flight's 7.4: the flight's ACKs
    // come back at the bottleneck's rate, and Startup's doubling from there would only queue more
    const rate = 4 * SEG;
    const slow = run(rate, 10);
    // the flight leaves at 200 ms and its first ACK comes at 400: the verdict follows within its ACKs, once
    // three spans of them read slow (FIRST_FLIGHT_SPANS)
    assert.ok(slow.endedAt > 0 && slow.endedAt < 3 * RTT, `Startup ended at ${slow.endedAt} ms`);
    assert.ok(Math.abs(slow.bw - rate) < 0.2 * rate, `estimate ${slow.bw.toFixed(0)} B/ms against ${rate}`);
    assert.ok(slow.queueMs < RTT / 2, `queue ${slow.queueMs.toFixed(0)} ms`);
  });

  test("a flight the peer's window cut short: the rest of the initial window waits for the verdict", () => {
    // the peer's window lets 300 of the 512 segments out and opens with the flight's first ACKs; the
    // bottleneck forwards 2 segments a ms, a quarter of the flight's 7.4. Main: the 212 the window had held
    // left at once, at the flight's pace, into the queue the flight's ACKs were still draining (the
    // segments sent after the first ACK met 107 ms of it)
    const slow = run(2 * SEG, 10, { peerWindow: 300 });
    assert.ok(slow.endedAt > 0, 'Startup did not end');
    assert.ok(slow.afterAckQueueMs < 10, `queue ${slow.afterAckQueueMs.toFixed(0)} ms after the first ACK`);
  });

  test("an interactive sender's trickle is no flight: Startup keeps its window", () => {
    // one segment every 10 ms, each acknowledged a round trip later: 64 of them take 640 ms, which as a
    // rate is far under the flight's, but the sender spaced them, not a bottleneck
    const cc = afterFirstRoundTrip(RTT, SEG);
    const sent: { seg: SendSnapshot; at: number }[] = [];
    for (let t = RTT; t < 20 * RTT; t++) {
      ackDue(cc, sent, RTT, t);
      if (t % 10 === 0) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        cc.onAppLimited();
        sent.push({ seg, at: t });
      }
    }
    assert.equal(cc.state, 'startup');
    assert.equal(cc.cwnd, 512 * SEG);
  });

  test('on a bottleneck faster than the flight Startup goes on doubling', () => {
    // 25 segments per ms: the flight's ACKs come back at its own rate
    const fast = run(25 * SEG, 3);
    assert.equal(fast.endedAt, -1, `Startup ended at ${fast.endedAt} ms`);
  });

  test("a flight the peer's window cut short: once its ACKs show the path carried it, the cap holds half a round trip at their rate, the pace stays the ramp's", () => {
    // the peer's window lets 200 of the 512 segments out (our client's 512 cuts Rule C's 768 at 300 ms
    // so); they leave at the flight's pacing rate and come back at it over a fast path. The floor doubled
    // only what was sent, and counted none of it here: less than half the cap was in flight
    const cc = afterFirstRoundTrip(RTT, SEG);
    const pace = cc.pacingPerMs();
    const sent: { seg: SendSnapshot; at: number }[] = [];
    let credit = 0;
    for (let t = RTT; sent.length < 200; t++) {
      credit += pace;
      while (credit >= SEG && sent.length < 200) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        credit -= SEG;
        sent.push({ seg, at: t });
      }
      // held by the peer's window with data waiting, as Kcp reports it
      if (sent.length === 200) cc.onAppLimited();
    }
    for (const s of sent) {
      cc.onRtt(RTT, s.at + RTT);
      cc.onDelivered(s.seg, SEG, s.at + RTT);
      cc.onAckEvent(s.at + RTT);
    }
    assert.equal(cc.state, 'startup');
    // half a round trip at the flight's rate: 0.5 × 7.4 segments per ms × 200 ms (main: 512)
    const half = 0.5 * pace * RTT;
    assert.ok(cc.cwnd >= 0.99 * half, `cap ${(cc.cwnd / SEG).toFixed(0)} segments, expected ≥ ${half / SEG}`);
    // the raise widens the cap, not the pace: Startup's gain over the cap would send it in a third of the
    // round trip
    const capPace = (2.885 * cc.cwnd) / RTT;
    assert.ok(
      cc.pacingPerMs() < 0.8 * capPace,
      `pacing ${cc.pacingPerMs().toFixed(0)} B/ms against ${capPace.toFixed(0)} for the cap`,
    );
  });

  test('ACKs so slow that a span outlasts the round trip still end Startup with their rate as the estimate', () => {
    // a satellite hop: 600 ms, 1 Mbit/s of 1000-byte segments (0.125 a ms), the peer's window at our client's
    // 512: the span's 128 segments take ~1 s of ACKs, longer than the round trip. Main took each such span
    // for an interactive sender's trickle and started over: no verdict, and Startup kept the flight's queue
    const rtt = 600;
    const rate = 0.125 * SEG;
    const slow = run(rate, 10, { rtt, peerWindow: 512 });
    // the flight's first ACK comes at 2 round trips (a queued segment's ms later), the verdict a round trip on
    assert.ok(slow.endedAt > 0 && slow.endedAt < 3 * rtt + 50, `Startup ended at ${slow.endedAt} ms`);
    assert.ok(Math.abs(slow.bw - rate) < 0.2 * rate, `estimate ${slow.bw.toFixed(0)} B/ms against ${rate}`);
  });

  test('a span of ACKs a starved peer spread is no bottleneck: Startup goes on doubling', () => {
    // the flight's first ACK comes at 400 ms; for 60 ms the peer acknowledges 3 segments a ms of the
    // flight's 7.4 (its CPU's share), then catches up: the first span reads 0.4 of the flight's rate
    const starved = run(25 * SEG, 3, { slowAcks: { from: 400, to: 460, perMs: 3 } });
    assert.equal(starved.endedAt, -1, `Startup ended at ${starved.endedAt} ms`);
  });

  test("a span left open across the wait for the next round's ACKs is no bottleneck: Startup goes on", () => {
    // the peer's window lets 200 of the 512 segments out; for 60 ms from the flight's first ACK (400 ms) the
    // peer acknowledges 3 segments a ms, so the first span reads low, and the flight's other ~70 ACKs do
    // not fill a second: it stays open until Startup's next round, sent from 400 ms on, is acknowledged a
    // round trip later. Main read that span (~160 ms of ACKs for 128 segments) as a slower bottleneck and
    // ended Startup at ~0.8 segments a ms over a path that carries 25
    const starved = run(25 * SEG, 4, { slowAcks: { from: 400, to: 460, perMs: 3 }, peerWindow: 200 });
    assert.equal(
      starved.endedAt,
      -1,
      `Startup ended at ${starved.endedAt} ms, estimate ${starved.bw.toFixed(0)} B/ms`,
    );
  });
});

describe('CongestionController: the first flight on a short path', () => {
  /** 100 ms: one FIRST_FLIGHT_RTT_MS window, a flight of the paced initial window (128 segments). */
  const rtt = 100;

  test('ACKs slowed by a queue at a slower bottleneck end Startup with their rate as the estimate', () => {
    // 10 Mbit/s of 1000-byte segments, a deep queue (vps-50ms-1-10M): the flight's 128 segments leave at
    // ~4.7 a ms and queue ~100 ms. Main judged no flight under 150 ms, and Startup's own signals, whose
    // baseline held the flight's queue, ended it only at 478 ms
    const rate = 1.25 * SEG;
    const slow = run(rate, 10, { rtt });
    // the flight's first ACK comes at 2 round trips, the verdict once its ACKs outlast a min RTT
    assert.ok(slow.endedAt > 0 && slow.endedAt < 3.5 * rtt, `Startup ended at ${slow.endedAt} ms`);
    assert.ok(Math.abs(slow.bw - rate) < 0.2 * rate, `estimate ${slow.bw.toFixed(0)} B/ms against ${rate}`);
  });

  test('ACKs that outlast a min RTT with no queue rising are no bottleneck: Startup goes on', () => {
    // a writer that gives 100 segments (a bulk flight: over half the initial window), then the next 100 a
    // round trip later, over a fast path: the flight's ACKs outlast a min RTT short of a span, at under a
    // third of its rate, with the RTT flat. Without the queue they show, that read a slower bottleneck
    const cc = afterFirstRoundTrip(rtt, SEG);
    const pace = cc.pacingPerMs();
    const sent: { seg: SendSnapshot; at: number }[] = [];
    let credit = 0;
    let written = 0;
    for (let t = rtt; t < 6 * rtt; t++) {
      ackDue(cc, sent, rtt, t);
      if (t % rtt === 0) written += 100;
      credit = Math.min(credit + pace, 10 * SEG);
      while (credit >= SEG && written > 0 && cc.canSend(SEG)) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        credit -= SEG;
        written--;
        sent.push({ seg, at: t });
      }
      if (written === 0) cc.onAppLimited();
    }
    assert.equal(cc.state, 'startup');
  });
});
