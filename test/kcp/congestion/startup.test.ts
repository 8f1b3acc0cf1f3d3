/**
 * Startup of the model-based congestion controller from scripted ACK sequences: its slow-start floor
 * (BBR's "cwnd + acked") grows only with what a sender that uses its cap delivers, doubles per round while
 * the RTT shows no queue, and stops at 2 BDPs once it does; and its delay exits tell a queue from jitter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
const RTT = 100;

describe('CongestionController: Startup floor', () => {
  test('an interactive session (app-limited, one segment in flight) does not bank a larger floor', () => {
    const cc = afterFirstRoundTrip(RTT, SEG);
    for (let i = 1; i <= 300; i++) {
      const t = i * RTT;
      const seg = snapshot();
      cc.onAppLimited();
      cc.onSend(seg, SEG, t);
      cc.onRtt(RTT, t + RTT / 2);
      cc.onDelivered(seg, SEG, t + RTT / 2);
      cc.onAckEvent(t + RTT / 2);
    }
    assert.equal(cc.state, 'startup');
    assert.equal(cc.cwnd, 128 * SEG);
  });

  /**
   * A sender that fills its cap at the controller's pacing rate (bursts of at most 10 segments) over a path
   * of `rttAt(send time)` ms with room for everything it sends, each segment acknowledged in an ACK event
   * of its own; `dry(t)`: the writer's queue runs dry at t (the session then reports app-limited). Returns
   * the in-flight cap in segments at each round trip (`period` ms: the path's mean), while Startup lasts.
   * `idleStart`: the writer had nothing to send before the first flight (a request's answer after the
   * session's prime), so the flight leaves an idle, app-limited sender.
   */
  function ramp(
    roundTrips: number,
    rttAt: (t: number) => number,
    dry: (t: number) => boolean,
    period = RTT,
    idleStart = false,
  ): number[] {
    const cc = afterFirstRoundTrip(RTT, SEG);
    if (idleStart) cc.onAppLimited();
    const due: { seg: SendSnapshot; at: number; rtt: number }[] = [];
    const caps: number[] = [];
    let tokens = 0;
    for (let t = 2 * RTT; t < 2 * RTT + roundTrips * period && cc.state === 'startup'; t++) {
      while (due.length > 0 && due[0].at <= t) {
        const ack = due.shift()!;
        cc.onRtt(ack.rtt, t);
        cc.onDelivered(ack.seg, SEG, t);
        cc.onAckEvent(t);
      }
      const rate = cc.pacingPerMs();
      tokens = Math.min(tokens + rate, Math.max(2 * rate, 10 * SEG));
      while (tokens >= SEG && cc.canSend(SEG)) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        const rtt = rttAt(t);
        due.push({ seg, at: t + rtt, rtt });
        tokens -= SEG;
      }
      due.sort((a, b) => a.at - b.at);
      if (dry(t)) cc.onAppLimited();
      // between the round trip's burst of ACKs and the next one
      if (t % period === (3 * period) / 4) caps.push(cc.cwnd / SEG);
    }
    return caps;
  }

  test('a send queue that runs dry now and then, with the window in use, does not hold the floor back', () => {
    // the writer refills KCP's short send queue a moment late twice per round trip: each time, the
    // segments sent until then are app-limited, but half the cap or more is in flight
    const caps = ramp(
      4,
      () => RTT,
      (t) => t % (RTT / 2) === 0,
    );
    assert.equal(caps.length, 4);
    // from the second round on (the first flights began from the initial window, see ramp)
    for (let i = 2; i < caps.length; i++)
      assert.ok(caps[i] >= 1.95 * caps[i - 1], `${caps.map((c) => c.toFixed(0)).join(', ')} segments`);
  });

  test('the first flight from idle banks what it delivers once it fills half the cap, its first half too', () => {
    // every flush reports app-limited (the writer's queue empty at each) and the first flight leaves an
    // idle sender, yet it fills the cap: judged only as each segment was sent, the part sent before half
    // the cap was out banked nothing, and the floor grew 1.52× in the first round (128 → 194 segments,
    // 208 with the flight's peak; link-sim's 150 ms/10 % first flight: 781 → 1,168, 1,253 with it)
    const caps = ramp(
      4,
      () => RTT,
      () => true,
    );
    assert.equal(caps.length, 4);
    const shown = `${caps.map((c) => c.toFixed(0)).join(', ')} segments`;
    assert.ok(caps[1] >= 1.6 * caps[0], shown);
    for (let i = 2; i < caps.length; i++) assert.ok(caps[i] >= 1.95 * caps[i - 1], shown);
  });

  test('while the RTT shows no queue the floor doubles per round', () => {
    // the bandwidth samples lag the flights (a flight paced out after the ACKs that released it), so a floor
    // held to 2 × the model's BDP grew 1.85× in the second round
    const caps = ramp(
      5,
      () => RTT,
      () => false,
    );
    assert.equal(caps.length, 5);
    for (let i = 2; i < caps.length; i++)
      assert.ok(caps[i] >= 1.95 * caps[i - 1], `${caps.map((c) => c.toFixed(0)).join(', ')} segments`);
  });

  /**
   * RTT samples of a path whose delay varies per packet without reordering (the min RTT, 100 ms, is the
   * luckiest sample): 125-195 ms while the load is light, then, from `from` on, as Startup's load makes
   * packets wait for slow ones ahead of them, `loaded` ms ± 10. A deterministic spread over the range.
   */
  function jittery(from: number, loaded: number): (t: number) => number {
    let i = 0;
    return (t) => {
      const u = ((i++ * 37) % 71) / 70;
      return t < from ? 125 + 70 * u : loaded - 10 + 20 * u;
    };
  }

  test('on a jittery path a rise of the RTT within the jitter does not end Startup, a larger one does', () => {
    // from 500 ms on the samples are up by 30 ms over the baseline's mean (160 → 190 ms), their lowest 180:
    // a rise of over a quarter of the min RTT and a lowest sample half of it above the min, but a rise
    // within 2 standard deviations of the baseline's samples (2 × ~20 ms) and a lowest sample near its mean
    const jitter = ramp(8, jittery(5 * RTT, 190), () => false);
    assert.equal(jitter.length, 8, `Startup ended after ${jitter.length} of 8 round trips`);
    // a queue of 65 ms on top of the same baseline is beyond the jitter
    const queue = ramp(8, jittery(5 * RTT, 225), () => false);
    assert.ok(queue.length < 8, 'Startup went on through a 65 ms queue');
  });

  test('on a jittery path without a queue the floor doubles per round once the samples show jitter', () => {
    // every sample 125-195 ms against a min RTT of 100 (the prime's, the luckiest sample), a round trip of
    // 160 on average: each reads as a queue, so the floor's target was the model's 2 BDPs of a bandwidth a
    // round behind the floor (main: 128, 187, 343, 619, 1,126, 2,035 segments, 1.8× per round; link-sim's
    // jittery link 1.3-1.6×). The flight's first segment, sent from idle, is acknowledged 60 ms above the
    // min RTT: no queue of this sender's was ahead of it (JitterSign)
    const jitter = jittery(Number.POSITIVE_INFINITY, 0);
    // what is sent with the flight's first segment (its ms) queues behind it
    const rttAt = (t: number) => {
      const rtt = jitter(t);
      return t === 2 * RTT ? 160 : rtt;
    };
    const caps = ramp(6, rttAt, () => false, 160, true);
    assert.equal(caps.length, 6, `Startup ended after ${caps.length} of 6 round trips`);
    const shown = `${caps.map((c) => c.toFixed(0)).join(', ')} segments`;
    // from the first flight's round (its ACKs come 125-195 ms after it, mostly after the second sample)
    for (let i = 2; i < caps.length; i++) assert.ok(caps[i] >= 1.9 * caps[i - 1], shown);
  });

  test('once the RTT shows a queue the floor stops growing past 2 BDPs of the model', () => {
    // from 300 ms on a queue of half an RTT shows in every sample (a bottleneck): the cap stays near
    // 2 × bandwidth × RTT (BBR v3's Startup cwnd gain), not BBR v1's 2.885, until the delay exit
    const caps = ramp(
      8,
      (t) => (t >= 4 * RTT ? 1.5 * RTT : RTT),
      () => false,
    );
    const atQueue = caps[2];
    for (const cap of caps.slice(3))
      assert.ok(cap <= 2.2 * atQueue, `${caps.map((c) => c.toFixed(0)).join(', ')} segments`);
  });
});
