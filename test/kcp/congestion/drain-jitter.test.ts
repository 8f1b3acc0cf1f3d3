/**
 * Where Drain ends on a path whose delay varies per packet without reordering (link-sim's jitter-50ms-1:
 * 50 ± 30 ms one way): the min RTT there is the luckiest sample, so in-flight data at its BDP is well below
 * what the path holds without a queue, and a Drain that goes on to it idles the bottleneck. Driven over a small model of such a path (a rate-limited FIFO, a delay that varies per
 * packet in order, a peer that acknowledges every 10 ms) in simulated ms, and over the same model without
 * the jitter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 10 segments per ms (80 Mbit/s of 1000-byte datagrams). */
const RATE = 10 * SEG;
/** One-way delay: this plus [0, jitter) ms per segment, never overtaking the one before. */
const ONE_WAY_MS = 20;
/** The peer flushes its ACKs this often (our own peer's interval). */
const ACK_EVERY_MS = 10;
const PATHS = 12;

interface DrainAccount {
  /** ms in Drain, and of them with the bottleneck idle (its queue empty). */
  drainMs: number;
  idleMs: number;
  /** The bottleneck's queue (ms) as Drain ended. */
  queueAtEndMs: number;
}

/** A bulk sender paced at the controller's rate and held to its cap, from the first request to ProbeBW. */
function drain(seed: number, jitterMs: number): DrainAccount {
  const rtt = 2 * ONE_WAY_MS + jitterMs;
  const cc = afterFirstRoundTrip(rtt, SEG);
  const flight: { seg: SendSnapshot; arrives: number; sent: number }[] = [];
  const acks: { at: number; segs: SendSnapshot[]; echo: number }[] = [];
  const account: DrainAccount = { drainMs: 0, idleMs: 0, queueAtEndMs: Number.NaN };
  let queueFreeAt = 0;
  let lastArrival = 0;
  let tokens = 0;
  let rng = seed;
  const random = () => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 0x100000000;
  };
  for (let t = 2 * rtt; t < 60 * rtt; t++) {
    while (acks.length > 0 && acks[0].at <= t) {
      const ack = acks.shift()!;
      cc.onRtt(t - ack.echo, t);
      for (const seg of ack.segs) cc.onDelivered(seg, SEG, t);
      cc.onAckEvent(t);
    }
    if (cc.state === 'drain') {
      account.drainMs++;
      if (queueFreeAt < t) account.idleMs++;
    } else if (cc.state === 'probe-bw') {
      account.queueAtEndMs = Math.max(0, queueFreeAt - t);
      return account;
    }
    if (t % ACK_EVERY_MS === 0 && flight.length > 0 && flight[0].arrives <= t) {
      let n = 0;
      while (n < flight.length && flight[n].arrives <= t) n++;
      const arrived = flight.splice(0, n);
      acks.push({ at: t + ONE_WAY_MS, segs: arrived.map((e) => e.seg), echo: arrived[n - 1].sent });
    }
    const rate = cc.pacingPerMs();
    tokens = Math.min(tokens + rate, Math.max(2 * rate, 10 * SEG));
    while (tokens >= SEG && cc.canSend(SEG)) {
      const seg = snapshot();
      cc.onSend(seg, SEG, t);
      tokens -= SEG;
      queueFreeAt = Math.max(queueFreeAt, t) + SEG / RATE;
      lastArrival = Math.max(lastArrival, Math.ceil(queueFreeAt + ONE_WAY_MS + random() * jitterMs));
      flight.push({ seg, arrives: lastArrival, sent: t });
    }
  }
  assert.fail(`ProbeBW not reached in 60 round trips (path ${seed})`);
}

function pathSeed(i: number): number {
  return (0x2545f491 + i * 0x9e3779b9) >>> 0;
}

describe('CongestionController: where Drain ends', () => {
  test('a path whose delay varies per packet (50 ± 30 ms one way): Drain ends near its queue, not at the min RTT BDP', () => {
    // drained to the min RTT's BDP, the bottleneck idled 55 ms of Drain's 151 (means over these 12 paths,
    // 33-81 ms per path); to pipeRtt's, 32 of 128
    let drainMs = 0;
    let idleMs = 0;
    for (let i = 1; i <= PATHS; i++) {
      const d = drain(pathSeed(i), 60);
      drainMs += d.drainMs;
      idleMs += d.idleMs;
    }
    const idle = idleMs / PATHS;
    assert.ok(
      idle <= 43,
      `bottleneck idle in Drain ${idle.toFixed(1)} ms of ${(drainMs / PATHS).toFixed(0)}`,
    );
  });

  test('a steady path (20 ms one way): Drain still drains the queue Startup built', () => {
    for (let i = 1; i <= 4; i++) {
      const d = drain(pathSeed(i), 0);
      assert.ok(d.queueAtEndMs <= 2, `queue ${d.queueAtEndMs} ms as Drain ended (path ${i})`);
    }
  });
});
