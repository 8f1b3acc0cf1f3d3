/**
 * ProbeBW over a small model of a path in simulated ms: a rate-limited one-BDP queue, delays that may be
 * jittered (never reordered: a slow packet holds the ones behind it, as the link benchmark's emulator
 * applies jitter), random loss, a peer that acknowledges every few ms, and a sender whose event loop may
 * stall for a few ms (ACKs then wait and arrive together).
 *
 * On a jittery path (50 ± 30 ms one way each direction, 1 % loss: the benchmark's jitter-50ms-1) the min
 * RTT is the luckiest sample, well below the round trip a rate sample spans, so a probe timed in min RTTs
 * is averaged away and the estimate climbs a few per cent per gain cycle (docs/link-jitter-2026-12-03.md).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';
import { Rng } from '../kcp-pair-sim.js';
import { snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 12.5 segments per ms (100 Mbit/s of 1000-byte segments). */
const RATE = 12.5 * SEG;

interface Path {
  oneWayMs: number;
  /** Each datagram's one-way delay varies by up to this much either way (never reordered). */
  jitterMs: number;
  loss: number;
  /** The peer flushes its ACKs this often. */
  ackEveryMs: number;
  /** Each ms the sender's event loop stalls with this probability, for up to stallMs (ACKs wait). */
  stallChance: number;
  stallMs: number;
}

/**
 * The benchmark's 25ms-0 with a peer that flushes ACKs every 5 ms, and a sender whose event loop stalls up
 * to 8 ms about every 100 ms (GC, a batch of sealing): ACKs then come together, and the max-filtered
 * estimate reads 1-3 % above the link rate.
 */
const CLEAN: Path = {
  oneWayMs: 25,
  jitterMs: 0,
  loss: 0,
  ackEveryMs: 5,
  stallChance: 0.01,
  stallMs: 8,
};

/**
 * CLEAN with a loaded sender: its event loop stalls up to 8 ms about every 20 ms, and ACK events handled
 * late shorten some samples' intervals, so the max-filtered estimate reads 3-6 % above the link rate (as
 * the link benchmark's does on a loaded machine, docs/link-cruise-queue-2026-12-06-queue26.md).
 */
const LOADED: Path = { ...CLEAN, stallChance: 0.05 };

/** The benchmark's jitter-50ms-1; the peer flushes ACKs on kcptun's fast3 interval. */
const JITTERY: Path = {
  oneWayMs: 50,
  jitterMs: 30,
  loss: 0.01,
  ackEveryMs: 10,
  stallChance: 0,
  stallMs: 0,
};

interface Segment {
  seg: SendSnapshot;
  sent: number;
  lost: boolean;
  /** When it reaches the peer. */
  arrives: number;
  acked: boolean;
}

interface Run {
  cc: CongestionController;
  /** ms at which the bandwidth estimate first reached 90 % of the link rate (-1: never). */
  reached90: number;
  /** Every stretch of ProbeBW paced at the 1.25 gain: [start, end) in ms. */
  probes: [number, number][];
  /** Mean RTT sample in ProbeBW, ms. */
  meanRtt: number;
  /** Mean bottleneck queue (ms of the link rate) from `measureFrom` on. */
  meanQueueMs: number;
  /** Queue drops from `measureFrom` on. */
  queueDrops: number;
  /** Bytes acknowledged from `measureFrom` on. */
  deliveredBytes: number;
}

/**
 * A sender with data all the time, paced at the controller's rate and held to its cap; until `cpuUntil`
 * it can send at most `cpuRate` bytes per ms (a loaded CPU, which ends Startup low without the sender
 * being app-limited, as on the benchmark's loaded runs). A loss is noticed once a later segment is ACKed.
 */
function run(
  seed: number,
  durationMs: number,
  cpuUntil: number,
  cpuRate: number,
  path = JITTERY,
  measureFrom = 0,
): Run {
  const rng = new Rng(seed);
  const jitter = () => (rng.next() * 2 - 1) * path.jitterMs;
  // a one-BDP tail-drop queue over the mean delay, as the benchmark sizes it
  const queueBytes = RATE * 2 * path.oneWayMs;
  const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
  const flight: Segment[] = [];
  const acks: { at: number; entries: Segment[]; echo: number }[] = [];
  let queueFreeAt = 0;
  let lastArrival = 0;
  let lastAckArrival = 0;
  let tokens = 0;
  let reached90 = -1;
  const probes: [number, number][] = [];
  let probeStart = -1;
  let rttSum = 0;
  let rttCount = 0;
  let queueSum = 0;
  let queueDrops = 0;
  let deliveredBytes = 0;
  let stalledUntil = 0;
  for (let t = 0; t < durationMs; t++) {
    if (path.stallChance > 0 && t >= stalledUntil && rng.next() < path.stallChance)
      stalledUntil = t + Math.ceil(rng.next() * path.stallMs);
    while (t >= stalledUntil && acks.length > 0 && acks[0].at <= t) {
      const ack = acks.shift()!;
      cc.onRtt(t - ack.echo, t);
      if (cc.state === 'probe-bw') {
        rttSum += t - ack.echo;
        rttCount++;
      }
      let newest = -1;
      for (const e of ack.entries) {
        cc.onDelivered(e.seg, SEG, t);
        if (t >= measureFrom) deliveredBytes += SEG;
        newest = Math.max(newest, e.sent);
        flight.splice(flight.indexOf(e), 1);
      }
      for (let i = flight.length - 1; i >= 0; i--) {
        if (flight[i].lost && flight[i].sent < newest) {
          cc.onLost(flight[i].seg, SEG);
          flight.splice(i, 1);
        }
      }
      cc.onAckEvent(t);
      if (reached90 < 0 && cc.bandwidth / 1000 >= 0.9 * RATE) reached90 = t;
      const probing = cc.state === 'probe-bw' && cc.pacingRate > 1.2 * cc.bandwidth;
      if (probing && probeStart < 0) probeStart = t;
      if (!probing && probeStart >= 0) {
        probes.push([probeStart, t]);
        probeStart = -1;
      }
    }
    if (t >= measureFrom) queueSum += Math.max(0, queueFreeAt - t);
    if (t % path.ackEveryMs === 0) {
      const ready = flight.filter((e) => !e.lost && !e.acked && e.arrives <= t);
      if (ready.length > 0) {
        for (const e of ready) e.acked = true;
        // ACKs cross the same jittered, never reordered path; an ACK datagram lost is covered by the next
        // one (una), so its segments are simply acknowledged later
        if (rng.next() >= path.loss) {
          lastAckArrival = Math.max(lastAckArrival, t + path.oneWayMs + jitter());
          const echo = Math.max(...ready.map((e) => e.sent));
          acks.push({ at: Math.ceil(lastAckArrival), entries: ready, echo });
        } else {
          for (const e of ready) e.acked = false;
        }
      }
    }
    const pace = cc.pacingPerMs();
    tokens = pace > 0 ? Math.min(tokens + pace, Math.max(2 * pace, 10 * SEG)) : 10 * SEG;
    let cpu = t < cpuUntil ? cpuRate : Number.POSITIVE_INFINITY;
    while (tokens > 0 && cpu >= SEG && cc.canSend(SEG)) {
      tokens -= SEG;
      cpu -= SEG;
      const e: Segment = { seg: snapshot(), sent: t, lost: false, arrives: 0, acked: false };
      cc.onSend(e.seg, SEG, t);
      flight.push(e);
      if (Math.max(0, queueFreeAt - t) * RATE + SEG > queueBytes) {
        e.lost = true;
        if (t >= measureFrom) queueDrops++;
        continue;
      }
      queueFreeAt = Math.max(queueFreeAt, t) + SEG / RATE;
      if (rng.next() < path.loss) {
        e.lost = true;
        continue;
      }
      lastArrival = Math.max(lastArrival, queueFreeAt + path.oneWayMs + jitter());
      e.arrives = lastArrival;
    }
  }
  const meanQueueMs = queueSum / (durationMs - measureFrom);
  return { cc, reached90, probes, meanRtt: rttSum / rttCount, meanQueueMs, queueDrops, deliveredBytes };
}

describe('CongestionController: ProbeBW on a jittery path', () => {
  const SEEDS = [7, 11, 13, 17, 19, 23, 29, 31];

  test('the 1.25 probe lasts a measured round trip, not a min RTT (~half of one here)', () => {
    for (const seed of SEEDS.slice(0, 3)) {
      const r = run(seed, 6000, 0, 0);
      const lengths = r.probes.map(([from, to]) => to - from).sort((a, b) => a - b);
      assert.ok(lengths.length >= 2, `seed ${seed}: ${lengths.length} probes`);
      const median = lengths[lengths.length >> 1];
      assert.ok(
        median >= 0.75 * r.meanRtt,
        `seed ${seed}: probes of ${lengths.join(', ')} ms, mean RTT ${r.meanRtt.toFixed(0)} ms, min RTT ${r.cc.minRtt} ms`,
      );
    }
  });

  test('after a Startup that ended at a third of the rate, ProbeBW probes again while it finds more', () => {
    // the CPU holds the sender to 35 % of the link for 1.5 s; then the probes have the rest to find. Timed
    // in min RTTs and once per 8-phase cycle they reached 90 % of the link rate within 3 s in none of
    // these runs (within 4.5 s in 3 of 8); one path model cannot say more than "most runs", hence the count
    const lift = 1500;
    const late: string[] = [];
    for (const seed of SEEDS) {
      const r = run(seed, lift + 3000, lift, 0.35 * RATE);
      if (r.reached90 < 0)
        late.push(`seed ${seed} (bandwidth ${(r.cc.bandwidth / 1000 / RATE).toFixed(2)} of the link rate)`);
    }
    assert.ok(
      late.length <= 2,
      `below 90 % of the link rate 3 s after the CPU limit lifted: ${late.join(', ')}`,
    );
  });

  // ProbeBW's steady state, past Startup and its drain (the queue Startup leaves is Startup's part)
  const STEADY_FROM = 3000;
  const STEADY_MS = 8000;

  test('on a clean 25 ms path the drain takes back the queue that stood before the probe', () => {
    // a drain of one round, as the probe lasted, kept the 20-30 ms queue Startup's end left through every
    // cruise, and probes on top of it overflowed the one-BDP queue (queue drops in 5 of 6 seeds, a mean
    // queue of 19 ms); drained to the path's pipe, 10 ms and none
    const seeds = [1, 2, 3, 4, 5, 6];
    const runs = seeds.map((seed) => run(seed, STEADY_MS, 0, 0, CLEAN, STEADY_FROM));
    const drops = runs.map((r) => r.queueDrops);
    assert.deepEqual(drops, [0, 0, 0, 0, 0, 0], `queue drops per seed: ${drops.join(', ')}`);
    const meanQueue = runs.reduce((sum, r) => sum + r.meanQueueMs, 0) / runs.length;
    assert.ok(meanQueue <= 12, `mean queue ${meanQueue.toFixed(1)} ms (min RTT ${runs[0].cc.minRtt} ms)`);
  });

  test('with a loaded sender, a cruise over a standing queue paces under what the path delivered', () => {
    // the estimate reads above the link and, for ProbeBW's first 9 rounds (before the long bound has its
    // rounds), the cruise paced at it: a mean queue of 10-12 ms per seed from Startup's end on; bounded
    // while a queue stands by what the rounds so far delivered, less 1 %, 5-8 ms, and as much delivered
    const seeds = [1, 2, 3, 4, 5, 6];
    const from = 600;
    const runs = seeds.map((seed) => run(seed, 3000, 0, 0, LOADED, from));
    const meanQueue = runs.reduce((sum, r) => sum + r.meanQueueMs, 0) / runs.length;
    const queues = runs.map((r) => r.meanQueueMs.toFixed(1)).join(', ');
    assert.ok(meanQueue <= 8, `mean queue ${meanQueue.toFixed(1)} ms (per seed ${queues})`);
    for (const [i, r] of runs.entries()) {
      const share = r.deliveredBytes / (RATE * (3000 - from));
      assert.ok(share >= 0.95, `seed ${seeds[i]}: delivered ${share.toFixed(3)} of the link rate`);
    }
  });

  test('on a jittery path the cruise paces no faster than the path has delivered', () => {
    // ACKs that a slow one held arrive in a burst, the max filter reads 1.11x the link rate, and a cruise
    // at that rate kept the one-BDP (100 ms) queue at 57 ms on average; bounded by the rate delivered
    // over 8 rounds, 29 ms
    const seeds = [7, 11, 13, 17, 19, 23];
    const runs = seeds.map((seed) => run(seed, STEADY_MS, 0, 0, JITTERY, STEADY_FROM));
    const meanQueue = runs.reduce((sum, r) => sum + r.meanQueueMs, 0) / runs.length;
    assert.ok(meanQueue <= 45, `mean queue ${meanQueue.toFixed(1)} ms`);
  });
});
