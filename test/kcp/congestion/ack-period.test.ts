/**
 * The in-flight cap toward a peer whose ACK period is far longer than the path's round trip: kcp-go
 * 2021 (a Go kcptun client at its -mode fast) flushes ACKs every `interval` (30 ms) and, for an in-order
 * run, sends one ACK whose una covers everything that arrived. On a LAN or loopback (a round trip under a
 * ms) each such ACK empties a flight the cap holds, so the cadence was never measured (its gap was left
 * out whenever the flight was empty after the ACK), and the cap (2 × bw × 2 ms at most, CWND_RTT_MAX)
 * delivered a tenth of the estimate per ACK period: the estimate followed the cap down to 4 segments per
 * period (1.3-2.7 Mbit/s; a 20 MB download through the tunnel 13-80 s, docs/link-auto-lan-2026-12-05.md).
 * Driven over a small model of such a path in simulated ms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 50 segments per ms (400 Mbit/s of 1000-byte segments). */
const RATE = 50 * SEG;
/** Simulated time, ms: the last second is measured. */
const RUN_MS = 4000;
const MEASURE_FROM_MS = 3000;

interface Sent {
  seg: SendSnapshot;
  /** When it leaves the bottleneck and reaches the peer. */
  arrives: number;
}

/**
 * A bulk sender paced at the controller's rate and held to its cap, toward a peer that flushes one ACK
 * every `ackInterval` ms covering all that arrived; segments reach the peer as the bottleneck forwards
 * them, ACKs come back 1 ms after the flush. Returns the delivery rate over the last second (bytes per
 * ms), and the controller's ACK cadence and in-flight cap at the end.
 */
function run(ackInterval: number): { rate: number; cadence: number; cwnd: number } {
  const cc = afterFirstRoundTrip(1, SEG);
  const inPath: Sent[] = [];
  const held: Sent[] = [];
  const acks: { at: number; segs: Sent[]; newestSent: number }[] = [];
  const sentAt = new Map<SendSnapshot, number>();
  let queueFreeAt = 0;
  let tokens = 0;
  let measured = 0;
  for (let t = 2; t < RUN_MS; t++) {
    while (acks.length > 0 && acks[0].at <= t) {
      const ack = acks.shift()!;
      cc.onRtt(t - ack.newestSent, t);
      for (const s of ack.segs) cc.onDelivered(s.seg, SEG, t);
      cc.onAckEvent(t);
      if (t >= MEASURE_FROM_MS) measured += ack.segs.length * SEG;
    }
    while (inPath.length > 0 && inPath[0].arrives <= t) held.push(inPath.shift()!);
    if (held.length > 0 && t % ackInterval === 0) {
      const newest = held[held.length - 1];
      acks.push({ at: t + 1, segs: held.splice(0), newestSent: sentAt.get(newest.seg)! });
    }
    const rate = cc.pacingPerMs();
    tokens = Math.min(tokens + rate, Math.max(2 * rate, 10 * SEG));
    while (tokens >= SEG && cc.canSend(SEG)) {
      const seg = snapshot();
      cc.onSend(seg, SEG, t);
      sentAt.set(seg, t);
      tokens -= SEG;
      queueFreeAt = Math.max(queueFreeAt, t) + SEG / RATE;
      inPath.push({ seg, arrives: Math.ceil(queueFreeAt) });
    }
  }
  return { rate: measured / (RUN_MS - MEASURE_FROM_MS), cadence: cc.ackCadence, cwnd: cc.cwnd };
}

describe('CongestionController: a peer whose ACK period is far longer than the round trip', () => {
  test('ACKs every 10-40 ms over a 1 ms round trip: the cadence is the ACK period, the rate the path rate', () => {
    // kcptun's -mode fast3, fast2, fast and normal
    for (const ackInterval of [10, 20, 30, 40]) {
      const { rate, cadence, cwnd } = run(ackInterval);
      assert.ok(
        cadence >= 0.8 * ackInterval && cadence <= 1.1 * ackInterval,
        `ACKs every ${ackInterval} ms: cadence ${cadence.toFixed(1)} ms`,
      );
      // one ACK period of the rate is in flight before each ACK
      assert.ok(
        cwnd >= rate * ackInterval,
        `ACKs every ${ackInterval} ms: cap ${(cwnd / SEG).toFixed(0)} segments`,
      );
      assert.ok(
        rate >= 0.8 * RATE,
        `ACKs every ${ackInterval} ms: ${(rate / RATE).toFixed(2)} of the path rate over the last second`,
      );
    }
  });
});
