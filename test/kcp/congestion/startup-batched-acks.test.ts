/**
 * Startup's queue exits with a peer that batches its ACKs: kcp-go flushes ACKs once per `interval` (kcptun
 * 20210922's -mode fast: 30 ms) and, for an in-order run, sends only the newest segment's ACK with una
 * (its "filter jitters caused by bufferbloat"), so one RTT sample comes per flush, with little ACK delay
 * in it. Driven over a small model of a path (a rate-limited FIFO queue and a fixed delay) in simulated ms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 5 segments per ms (40 Mbit/s of 1000-byte segments). */
const RATE = 5 * SEG;
/** The path's one-way delay unless one is given, ms. */
const ONE_WAY_MS = 25;

interface Path {
  /** Bytes per ms the bottleneck forwards. */
  rate: number;
  /** The peer flushes its ACKs every this many ms (1: every segment's own ACK at once). */
  ackInterval: number;
  /**
   * Extra delay in [0, jitter) ms on each segment's way, in order (a segment never overtakes the one before,
   * as the link benchmark's emulator holds them); 0: none.
   */
  jitter: number;
  /** Absent: ONE_WAY_MS. */
  oneWay?: number;
  /**
   * FEC parity's share of the sender's datagrams (m / (n + m)): each segment takes 1 / (1 − share) of its
   * size at the bottleneck, as its parity does, and the controller is told the share. Absent: 0.
   */
  parity?: number;
}

interface Sent {
  seg: SendSnapshot;
  sent: number;
  /** When it leaves the bottleneck queue and reaches the peer. */
  arrives: number;
}

/**
 * A bulk sender paced at the controller's rate and held to its cap, over the path. Returns the deepest
 * queue (ms of waiting at the bottleneck) of the segments sent while Startup lasted, when Startup ended
 * (-1: not in 40 round trips), and the bandwidth estimate then, bytes per ms.
 */
function startup(path: Path): { queueMs: number; endedAt: number; bw: number } {
  const oneWay = path.oneWay ?? ONE_WAY_MS;
  const rtt = 2 * oneWay;
  // the session's first request: one idle round trip gives the min RTT
  const cc = afterFirstRoundTrip(rtt, SEG);
  const parity = path.parity ?? 0;
  cc.parityShare = parity;

  const inPath: Sent[] = [];
  /** Arrived at the peer, awaiting its next ACK flush. */
  const held: Sent[] = [];
  /** ACK events on their way back: when they reach the sender, what they acknowledge. */
  const acks: { at: number; segs: Sent[]; rtt: number }[] = [];
  let queueFreeAt = 0;
  let lastArrival = 0;
  let tokens = 0;
  let queueMs = 0;
  let rng = 0x2545f491;
  const random = () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 0x100000000;
  };
  for (let t = 2 * rtt; t < 40 * rtt; t++) {
    while (acks.length > 0 && acks[0].at <= t) {
      const ack = acks.shift()!;
      cc.onRtt(ack.rtt, t);
      for (const s of ack.segs) cc.onDelivered(s.seg, SEG, t);
      cc.onAckEvent(t);
    }
    if (cc.state !== 'startup') return { queueMs, endedAt: t, bw: cc.bandwidth / 1000 };
    while (inPath.length > 0 && inPath[0].arrives <= t) held.push(inPath.shift()!);
    if (held.length > 0 && t % path.ackInterval === 0) {
      // one flush: una covers the run, the newest segment's ACK carries the timestamp
      const newest = held[held.length - 1];
      acks.push({ at: t + oneWay, segs: held.splice(0), rtt: t + oneWay - newest.sent });
    }
    const rate = cc.pacingPerMs();
    tokens = Math.min(tokens + rate, Math.max(2 * rate, 10 * SEG));
    while (tokens >= SEG && cc.canSend(SEG)) {
      const seg = snapshot();
      cc.onSend(seg, SEG, t);
      tokens -= SEG;
      const reach = t + oneWay;
      queueFreeAt = Math.max(queueFreeAt, reach) + SEG / (1 - parity) / path.rate;
      queueMs = Math.max(queueMs, queueFreeAt - reach);
      lastArrival = Math.max(lastArrival, Math.ceil(queueFreeAt + random() * path.jitter));
      inPath.push({ seg, sent: t, arrives: lastArrival });
    }
  }
  return { queueMs, endedAt: -1, bw: cc.bandwidth / 1000 };
}

describe('CongestionController: Startup with batched ACKs', () => {
  test('a kcp-go peer that flushes ACKs every 30 or 40 ms: Startup ends before its queue holds two BDPs', () => {
    // kcptun's -mode fast and normal on a 100 ms path: about 3 RTT samples per round trip, one per flush.
    // Startup's queue signals waited for 16 samples in a round (or 16 pooled for the baseline): only the
    // bandwidth plateau (3 rounds) ended Startup, with 2.1-2.7 BDPs queued. What remains is a round of
    // Startup's pacing (2.885 × its window per min RTT) before a sample can show it
    for (const ackInterval of [30, 40]) {
      const go = startup({ rate: RATE, ackInterval, jitter: 0, oneWay: 50 });
      assert.ok(go.endedAt > 0, `Startup ended (ACKs every ${ackInterval} ms)`);
      assert.ok(
        go.queueMs <= 200,
        `queue ${go.queueMs.toFixed(0)} ms at a 100 ms min RTT, ACKs every ${ackInterval} ms`,
      );
    }
  });

  test('a peer that acknowledges every segment at once: Startup ends before its queue holds a BDP', () => {
    const each = startup({ rate: RATE, ackInterval: 1, jitter: 0 });
    assert.ok(each.endedAt > 0, 'Startup ended');
    assert.ok(
      each.queueMs <= 2 * ONE_WAY_MS,
      `queue ${each.queueMs.toFixed(0)} ms at a ${2 * ONE_WAY_MS} ms min RTT`,
    );
  });

  test('a 200 ms round trip, ACKs every 10 ms: Startup holds its cap once the RTT rises, the queue stays below a BDP', () => {
    // our own peer flushes ACKs every 10 ms. The delay exit (a quarter min RTT above the baseline) comes
    // about a round after the queue starts, and in that round the cap rose to 2 BDPs and its allowances:
    // 165 ms of queue without parity, 183 ms at 50 Mbit/s with 3 parity per 10 data (a one-BDP queue
    // holds 200 ms); HyStart++'s hold at a 16 ms rise keeps both near 110 ms
    for (const [rate, parity] of [
      [RATE, 0],
      [6250, 3 / 13],
    ]) {
      const held = startup({ rate, ackInterval: 10, jitter: 0, oneWay: 100, parity });
      assert.ok(held.endedAt > 0, 'Startup ended');
      assert.ok(
        held.queueMs <= 140,
        `queue ${held.queueMs.toFixed(0)} ms at a 200 ms min RTT, parity ${parity}`,
      );
    }
  });

  test('a jittery path (+0-60 ms each way) with a 30 ms ACK period: Startup runs until the pipe is full', () => {
    // with fewer samples per round, the lowest of them stands well above the min RTT (the luckiest sample)
    // with no queue at all: Startup must not read that as one (without the spread check it ended at a
    // quarter of the link rate)
    const rate = 4 * RATE;
    const jittery = startup({ rate, ackInterval: 30, jitter: 60 });
    assert.ok(
      jittery.bw >= 0.5 * rate,
      `bandwidth ${jittery.bw.toFixed(0)} B/ms at the end of Startup, link ${rate}`,
    );
  });
});
