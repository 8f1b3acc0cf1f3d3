/**
 * The simulated KCP pair (kcp-pair-sim.ts) runs -mode auto as a session does: KCP configured by the
 * session's own configureAutoKcp, and FEC that rebuilds lost datagrams with the parity ParityTuner picks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type GilbertElliott, gilbertElliottMeanLoss } from '../../bench/link/link-settings.js';
import { PROFILES } from '../../bench/link/profiles.js';
import { profile, simulatedLink } from '../../bench/link/sim-link.js';
import { KCP_OVERHEAD } from '../../src/kcp/index.js';
import { AUTO_WND_CAP } from '../../src/transport/auto-kcp.js';
import {
  AUTO_PAIR,
  type Endpoint,
  GilbertElliottChain,
  mixSeed,
  type PairOptions,
  Rng,
  runPair,
} from './kcp-pair-sim.js';

/** 150 ms one way, 10 % loss each way, 100 Mbit/s with a one-BDP queue: the link benchmark's 150ms-10. */
const LONG_LOSSY: PairOptions['link'] = {
  loss: 0.1,
  dup: 0,
  delay: 150,
  jitter: 0,
  inOrder: true,
  rate: 12_500,
  queueBytes: 12_500 * 300,
};

test('the auto pair has the send window a session in -mode auto has', () => {
  const link = { ...LONG_LOSSY, loss: 0 };
  const { a, b } = runPair({ ...AUTO_PAIR, link, seed: 1 }, Buffer.from('request'), Buffer.alloc(0));
  assert.equal(b.received, 7);
  assert.equal(a.kcp.sndWnd, AUTO_WND_CAP);
});

test('with FEC the pair rebuilds most random losses: about a quarter of the repairs at 10 % loss', () => {
  const bytes = 1 << 20;
  // the repairs the loss called for: retransmissions less those the peer's ACKs showed needless, as the
  // session's ParityTuner counts the link's loss. With FEC about half the retransmissions of these short
  // transfers are needless (a lost ACK datagram, a vote that comes before the ACK of a rebuilt segment),
  // and their count swings with the seeds: all retransmissions read 0.26 of those without FEC on seeds 1-4,
  // 0.47 on 1-8 and 0.37 on 1-16 (2026-12-06)
  const repaired = (fec: PairOptions['link']['fec']) => {
    let sum = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const data = new Rng(seed).bytes(bytes);
      const options = { ...AUTO_PAIR, link: { ...LONG_LOSSY, fec }, seed, primeBytes: 100 };
      const { b, a } = runPair(options, data, Buffer.alloc(0));
      assert.equal(b.mismatch, -1, 'byte-exact');
      assert.equal(b.received, bytes);
      sum += a.kcp.retransmittedSegs - a.kcp.spuriousRetransmits;
    }
    return sum;
  };
  const without = repaired(undefined);
  const withFec = repaired({ dataShards: 10, parityShards: 3 });
  // 60 of 472 (0.13) at 86d471b; 97 of 500 (0.19) with the tail's copies spaced (COPY_RTT_SHARE)
  assert.ok(withFec < 0.3 * without, `${withFec} repairs with FEC, ${without} without`);
});

/** The link benchmark's bursty profile (bench/link/profiles.ts): bursts of ~3 datagrams, 3 % on average. */
const BURSTY = PROFILES.find((p) => p.id === 'bursty-50ms-3')?.gilbertElliott as GilbertElliott;

test("mixSeed: small seeds' first draws spread over [0, 1) instead of all starting near 0", () => {
  const firstDraws = (seedOf: (n: number) => number) =>
    Array.from({ length: 64 }, (_, i) => new Rng(seedOf(i + 1)).next());
  const under = (draws: number[], p: number) => draws.filter((x) => x < p).length;
  // as the simulator ran before: every one of the 64 seeds' first draw is under 0.05, a loss at 5 %
  const small = firstDraws((n) => n);
  assert.equal(under(small, 0.05), 64);
  const mixed = firstDraws(mixSeed);
  assert.ok(under(mixed, 0.05) <= 10, `${under(mixed, 0.05)} of 64 first draws under 0.05`);
  assert.ok(under(mixed, 0.5) >= 20 && under(mixed, 0.5) <= 44, `${under(mixed, 0.5)} of 64 under 0.5`);
});

test('Gilbert-Elliott loss: the mean loss of the chain, in bursts', () => {
  const chain = new GilbertElliottChain(BURSTY);
  const rng = new Rng(7);
  const draws = 400_000;
  let lost = 0;
  let afterLoss = 0;
  let lostAfterLoss = 0;
  let previous = false;
  for (let i = 0; i < draws; i++) {
    const now = chain.lose(rng);
    if (now) lost++;
    if (previous) {
      afterLoss++;
      if (now) lostAfterLoss++;
    }
    previous = now;
  }
  const mean = gilbertElliottMeanLoss(BURSTY);
  assert.ok(Math.abs(lost / draws - mean) < 0.1 * mean, `loss ${lost / draws} against ${mean}`);
  // in the bad state the next datagram is lost with (1 − r) × lossBad = 0.63, not the mean's 0.03
  const burst = lostAfterLoss / afterLoss;
  assert.ok(burst > 0.55 && burst < 0.7, `a loss follows a loss ${burst}`);
});

test('bursty loss defeats more FEC groups than independent loss of the same mean', () => {
  const bytes = 1 << 20;
  const link = {
    ...LONG_LOSSY,
    delay: 50,
    queueBytes: 12_500 * 100,
    fec: { dataShards: 10, parityShards: 3 },
  };
  const retransmitted = (loss: Partial<PairOptions['link']>) => {
    let sum = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const data = new Rng(seed).bytes(bytes);
      const options = { ...AUTO_PAIR, link: { ...link, ...loss }, seed, primeBytes: 100 };
      const { b, a } = runPair(options, data, Buffer.alloc(0));
      assert.equal(b.mismatch, -1, 'byte-exact');
      assert.equal(b.received, bytes);
      sum += a.kcp.retransmittedSegs;
    }
    return sum;
  };
  const independent = retransmitted({ loss: gilbertElliottMeanLoss(BURSTY) });
  const bursty = retransmitted({ loss: 0, gilbertElliott: BURSTY });
  assert.ok(bursty > 2 * independent, `${bursty} retransmissions with bursts, ${independent} without`);
});

test("interleaved FEC groups (both ends ours) rebuild more of a bursty link's losses", () => {
  const bytes = 2 << 20;
  const rebuilt = (interleave: boolean) => {
    let sum = 0;
    for (let seed = 1; seed <= 4; seed++) {
      const link = {
        ...LONG_LOSSY,
        loss: 0,
        gilbertElliott: BURSTY,
        delay: 50,
        queueBytes: 12_500 * 100,
        fec: { dataShards: 10, parityShards: 3, interleave },
      };
      const data = new Rng(seed).bytes(bytes);
      const { b, a } = runPair({ ...AUTO_PAIR, link, seed, primeBytes: 100 }, data, Buffer.alloc(0));
      assert.equal(b.mismatch, -1, 'byte-exact');
      assert.equal(b.received, bytes);
      sum += a.fecRebuilt;
    }
    return sum;
  };
  const inRow = rebuilt(false);
  const interleaved = rebuilt(true);
  assert.ok(interleaved > 1.5 * inRow, `${interleaved} datagrams rebuilt interleaved, ${inRow} in a row`);
});

test("observe sees every step of the clock, and the sender's queue delay stays within the queue's bytes", () => {
  // a 10 Mbit/s bottleneck (1,250 bytes per ms) with a 50 KB queue: at most 40 ms of it
  const link = { ...LONG_LOSSY, loss: 0, delay: 20, rate: 1_250, queueBytes: 50_000 };
  const steps: number[] = [];
  let deepest = 0;
  const observe: PairOptions['observe'] = (t, a) => {
    steps.push(t);
    deepest = Math.max(deepest, a.queueMs(t));
  };
  const data = new Rng(3).bytes(256 * 1024);
  const { simMs, b } = runPair({ ...AUTO_PAIR, link, seed: 3, observe }, data, Buffer.alloc(0));
  assert.equal(b.received, data.length);
  assert.ok(steps.length > 100, `${steps.length} steps`);
  assert.ok(
    steps.every((t, i) => i === 0 || t > steps[i - 1]),
    'in order',
  );
  assert.equal(steps.at(-1), simMs);
  assert.ok(deepest > 0 && deepest <= 40, `deepest queue ${deepest} ms`);
});

test("the pair schedules its flushes as the session does: after a flush the pacer held, and the receiver's ACK clock", () => {
  // the jittery 100 Mbit/s link of auto-jitter: Startup's writes outrun the pacer
  const link = {
    loss: 0.01,
    dup: 0,
    delay: 20,
    jitter: 60,
    inOrder: true,
    rate: 12_500,
    queueBytes: 1_250_000,
  };
  const ackClock = Math.floor(AUTO_PAIR.mtu / KCP_OVERHEAD);
  let pacedSteps = 0;
  let lateSteps = 0;
  let mostAcks = 0;
  const observe: PairOptions['observe'] = (t, a, b) => {
    if (a.kcp.paced && a.pacer !== null) {
      // the session's flushPending and input bring its timer forward to the pacer's delay
      // (Scheduler.advance): a write-driven flush the pacer held must too
      pacedSteps++;
      if (a.nextFlush > t + a.pacer.delay()) lateSteps++;
    }
    mostAcks = Math.max(mostAcks, b.kcp.pendingAcks);
  };
  const data = new Rng(31).bytes(8 * 1024 * 1024);
  const { b } = runPair({ ...AUTO_PAIR, link, seed: 31, observe }, data, Buffer.alloc(0));
  assert.equal(b.received, data.length);
  assert.ok(pacedSteps > 100, `${pacedSteps} paced steps`);
  assert.equal(lateSteps, 0, `steps whose next flush came after the pacer's delay (of ${pacedSteps})`);
  // an MTU's worth of queued ACKs is flushed at the end of the step, not on the interval
  assert.ok(mostAcks < ackClock, `${mostAcks} ACKs left queued at the end of a step (clock ${ackClock})`);
});

test('a datagram the FEC decoder rebuilt reaches Kcp.input as recovered, as the session hands it over', () => {
  // the session passes a rebuilt payload with `recovered` (no RTT sample, no window from it, as kcp-go's
  // regular = false); fed as a regular one, a rebuilt ACK datagram, a group's fill late, gave the
  // controller an RTT sample of 1.5 min RTTs (docs/link-first-flight-2026-12-05-2.md)
  const recoveredAt = new Map<Endpoint, number>();
  let wrapped = false;
  const observe = (_t: number, a: Endpoint, b: Endpoint) => {
    if (wrapped) return;
    wrapped = true;
    for (const ep of [a, b]) {
      recoveredAt.set(ep, 0);
      const input = ep.kcp.input.bind(ep.kcp);
      ep.kcp.input = (data, offset, length, now, options) => {
        if (options?.recovered === true) recoveredAt.set(ep, (recoveredAt.get(ep) ?? 0) + 1);
        return input(data, offset, length, now, options);
      };
    }
  };
  const link = { ...LONG_LOSSY, fec: { dataShards: 10, parityShards: 3 } };
  const data = new Rng(3).bytes(1 << 20);
  const { a, b } = runPair({ ...AUTO_PAIR, link, seed: 3, primeBytes: 100, observe }, data, Buffer.alloc(0));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.ok(
    a.fecRebuilt > 0 && b.fecRebuilt > 0,
    `rebuilt ${a.fecRebuilt} data, ${b.fecRebuilt} ACK datagrams`,
  );
  // a rebuild due after the transfer ended (its group's parity queued behind the flight) is never read
  const unread = (ep: Endpoint) => {
    let n = 0;
    while (ep.inbox.size > 0) if (ep.inbox.pop().recovered === true) n++;
    return n;
  };
  assert.equal((recoveredAt.get(b) ?? 0) + unread(b), a.fecRebuilt, "the receiver's recovered inputs");
  assert.equal((recoveredAt.get(a) ?? 0) + unread(a), b.fecRebuilt, "the sender's recovered inputs");
});

test('the FEC seqids a session reads are numbered as FecEncoder numbers them, parity included', () => {
  // the lost-ACK rule counts gaps in the data positions of the peer's groups (src/kcp/ack-loss.ts): every
  // regular datagram arrives at a data position, parity at the others (a plain count put data at both)
  const ds = 10;
  const ps = 3;
  const positions = new Map<string, { data: number; parity: number; regular: number }>();
  let wrapped = false;
  const observe = (_t: number, a: Endpoint, b: Endpoint) => {
    if (wrapped) return;
    wrapped = true;
    for (const [name, ep] of [
      ['a', a],
      ['b', b],
    ] as const) {
      const seen = { data: 0, parity: 0, regular: 0 };
      positions.set(name, seen);
      const onPeerSeqid = ep.kcp.onPeerSeqid.bind(ep.kcp);
      ep.kcp.onPeerSeqid = (seqid, now, dataShards, parityShards) => {
        if (seqid % (ds + ps) < ds) seen.data++;
        else seen.parity++;
        onPeerSeqid(seqid, now, dataShards, parityShards);
      };
      const input = ep.kcp.input.bind(ep.kcp);
      ep.kcp.input = (data, offset, length, now, options) => {
        if (options?.recovered !== true) seen.regular++;
        return input(data, offset, length, now, options);
      };
    }
  };
  const link = { ...LONG_LOSSY, fec: { dataShards: ds, parityShards: ps } };
  const data = new Rng(3).bytes(1 << 20);
  runPair({ ...AUTO_PAIR, link, seed: 3, primeBytes: 100, observe }, data, Buffer.alloc(0));
  for (const [name, seen] of positions) {
    assert.equal(seen.data, seen.regular, `${name}: regular datagrams at data positions`);
    assert.ok(seen.parity > 0, `${name}: parity arrives`);
  }
});

test("lossBeforeQueue: a datagram the link loses takes none of the bottleneck's queue, as at the benchmark's forwarder", () => {
  // fast3 without congestion control puts its whole window on the link at once: 512 datagrams into a
  // 10 Mbit/s bottleneck whose queue holds them all; at 50 % loss drawn before it half of them queue (and
  // fewer retransmissions of them: those lost take no place either)
  const link = { ...LONG_LOSSY, loss: 0.5, delay: 20, rate: 1_250, queueBytes: 4_000_000 };
  const options = { ...AUTO_PAIR, auto: false, mode: [1, 10, 2, 1] as [number, number, number, number] };
  const data = new Rng(5).bytes(512 * 1200);
  const deepest = (l: PairOptions['link']) => {
    const { a, b } = runPair({ ...options, sndWnd: 512, link: l, seed: 5 }, data, Buffer.alloc(0));
    assert.equal(b.received, data.length);
    return a.maxQueueBytes;
  };
  const after = deepest(link);
  const before = deepest({ ...link, lossBeforeQueue: true });
  assert.ok(before < 0.6 * after, `deepest queue ${before} against ${after} bytes`);
  // and it queues whole IP packets when told their header's bytes
  const withHeaders = deepest({ ...link, lossBeforeQueue: true, headerBytes: 28 });
  assert.ok(withHeaders > before, `${withHeaders} against ${before} bytes`);
});

test("FEC parity meets the bottleneck's queue datagram by datagram, as at the benchmark's forwarder", () => {
  // the 150 ms, 10 Mbit/s VPS path without its loss: one BDP of queue (375,000 bytes, 272 datagrams of
  // 1,378 bytes), and a first flight of the client's 512 segments with Startup's 3 parity per 10 (~666
  // datagrams in ~80 ms) before any ACK can come back: the forwarder queues and drops each datagram,
  // parity too, so the flight loses what neither the queue nor the link's rate meanwhile took
  const rate = 1_250;
  const queueBytes = 375_000;
  const wire = 1_350 + 28;
  const link: PairOptions['link'] = {
    ...LONG_LOSSY,
    loss: 0,
    rate,
    queueBytes,
    lossBeforeQueue: true,
    headerBytes: 28,
    fec: { dataShards: 10, parityShards: 3, interleave: true },
  };
  let from = -1;
  let first = { datagrams: 0, parity: 0 };
  let flight = { data: 0, parity: 0, drops: 0, parityDrops: 0, lastSendMs: 0 };
  const observe: PairOptions['observe'] = (t, a) => {
    if (from < 0) {
      if (a.writeLimit <= 100) return;
      from = t;
      first = { datagrams: a.datagrams, parity: a.parityDatagrams };
    }
    // the flight's first ACK comes back a round trip (300 ms) after it began
    if (t - from >= 250) return;
    const data = a.datagrams - first.datagrams;
    const parity = a.parityDatagrams - first.parity;
    if (data + parity > flight.data + flight.parity) flight.lastSendMs = t - from;
    flight = { ...flight, data, parity, drops: a.queueDrops, parityDrops: a.parityQueueDrops };
  };
  const data = new Rng(1).bytes(1 << 20);
  const options = { ...AUTO_PAIR, link, seed: 1, primeBytes: 100, observe, peerB: { rcvWnd: 512 } };
  const { b } = runPair(options, data, Buffer.alloc(0));
  assert.equal(b.received, data.length);
  const sent = flight.data + flight.parity;
  assert.ok(
    flight.data >= 450 && flight.parity > 100,
    `a first flight of ${flight.data} + ${flight.parity} parity`,
  );
  // what the queue and the link took while the flight went out, to within 3 % (the clock's whole ms);
  // parity that skipped the queue left ~75 more of the flight's datagrams through it
  const taken = (queueBytes + rate * (flight.lastSendMs + 1)) / wire;
  assert.ok(
    Math.abs(sent - flight.drops - taken) <= 0.03 * taken,
    `${sent} sent, ${flight.drops} dropped: ${sent - flight.drops} taken where the queue and the rate take ${taken.toFixed(0)}`,
  );
  // and the full queue drops parity as often as data
  const parityShare = flight.parity / sent;
  const dropShare = flight.parityDrops / flight.drops;
  assert.ok(
    Math.abs(dropShare - parityShare) < 0.08,
    `parity ${parityShare} of the flight, ${dropShare} of its drops`,
  );
});

test("a fresh session's ends learn each other's FEC shape from two groups of the peer's stream (shapeLearned)", () => {
  // link-sim's default: as the link benchmark's download, in a fresh KCP session, whose sender is in its
  // full-parity start until the client's ACK stream has shown two groups, and interleaves only once that
  // stream shows its parity marked
  const bytes = 400 * 1024;
  const run = (shapeLearned: boolean) => {
    const options: PairOptions = {
      ...AUTO_PAIR,
      link: simulatedLink(profile('cell-60ms-2-2M'), { shapeLearned }),
      seed: mixSeed(1),
      primeBytes: 100,
    };
    const result = runPair(options, new Rng(1).bytes(bytes), Buffer.alloc(100));
    assert.equal(result.b.mismatch, -1, 'byte-exact');
    assert.equal(result.b.received, bytes);
    return result;
  };
  const known = run(false);
  assert.equal(known.a.peerShapeAt, -1, 'known from the start: nothing to learn');
  const fresh = run(true);
  const { a, bulkFromMs } = fresh;
  assert.ok(
    a.peerShapeAt > bulkFromMs,
    `shape learned at ${a.peerShapeAt} ms, the download began at ${bulkFromMs}`,
  );
  assert.ok(a.peerMarksAt >= bulkFromMs, `parity marks seen at ${a.peerMarksAt} ms`);
  // two groups of the client's ACK stream (~100 datagrams a second): ~290 ms of the download here
  assert.ok(
    a.peerShapeAt - bulkFromMs < 500,
    `shape learned ${a.peerShapeAt - bulkFromMs} ms into the download`,
  );
});
