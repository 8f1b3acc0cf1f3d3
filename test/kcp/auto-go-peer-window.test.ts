/**
 * -mode auto sending to a Go kcptun client at its defaults (-mode fast: ACKs flushed every 30 ms, a fixed
 * -rcvwnd 512) over the link benchmark's 100 ms, 5 % profile, in simulated time: the client's window, not
 * the path, holds the sender for the whole transfer, and each loss FEC does not repair holds the window's
 * left edge for a round trip more (docs/link-go-client-2026-12-06-goclient30.md). Parity is free there
 * (the path has room) and keeps those holes rare, so once the client has shown that its window does not
 * grow (Kcp.peerWindowFixed) every group goes with all of its parity while the window binds, whether the
 * pacer or Startup's ramp closed the flush first. Before, such flushes read as the path's rate or the ramp
 * and the count fell to 1-2 of 3: 31 holes per 16 MiB download, holding the client's una half of the time.
 * On 25 ms, 2 % (a one-BDP queue) Startup toward that window paced at its gain over the model's bandwidth,
 * not over its slow-start floor (the controller's peerWindowFixed): the floor had grown past the window, and
 * the window a hole's repair reopened went out at once and overflowed the queue
 * (docs/link-go-client-2026-12-07-goclient31.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profile, simulatedLink } from '../../bench/link/sim-link.js';
import { timeDiff } from '../../src/kcp/time-diff.js';
import { AUTO_PAIR, type Endpoint, mixSeed, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
const BYTES = 4 * MB;
const SEEDS = 4;
const PROFILE = profile('100ms-5');
const SHALLOW = profile('25ms-2');
/** The burst test's download: long enough for several holes' repairs (the first ~1 s has none). */
const BURST_BYTES = 12 * MB;
const BURST_SEEDS = 8;
/**
 * Queue drops over BURST_SEEDS downloads at most: none with the rule, 984 in 5 of the 8 before it (each a
 * whole window reopened by a hole's repair, paced at 2.885 × the floor per min RTT, ~640 Mbit/s).
 */
const BURST_DROPS_MAX = 100;
/** kcptun 20210922's client defaults (-mode fast, -sndwnd 128, -rcvwnd 512): a receiver outside auto. */
const GO_RCV_WND = 512;
const GO_CLIENT: PairOptions['peerB'] = { mode: [0, 30, 2, 1], sndWnd: 128, rcvWnd: GO_RCV_WND, auto: false };
/** kcptun's default -parityshard: the most parity a group carries. */
const PARITY_MAX = 3;
/**
 * Of the time the client's window held the sender (after its first window was acknowledged), at most this
 * share with less than full parity: 0.5 % with the rule (26 of 4,803 ms over these seeds), 93 % before
 * it (5,604 of 6,027 ms).
 */
const SHORT_PARITY_SHARE_MAX = 0.1;

/** Whether the peer's window holds `ep`'s sender: everything it advertised is in flight. */
function windowHeld(ep: Endpoint): boolean {
  const k = ep.kcp;
  return timeDiff(k.sndNxt, k.sndUna) >= Math.min(k.rmtWnd, k.sndWnd) && k.unsent > 0;
}

/** A download of `bytes` from auto to GO_CLIENT over `link`, checked byte-exact; the sender's end. */
function downloadToGoClient(
  link: ReturnType<typeof profile>,
  seed: number,
  bytes: number,
  observe?: PairOptions['observe'],
): Endpoint {
  const options: PairOptions = {
    ...AUTO_PAIR,
    link: simulatedLink(link, { fec: true, interleave: false, forwarder: true }),
    seed: mixSeed(seed),
    primeBytes: 100,
    peerB: GO_CLIENT,
    observe,
  };
  const { a, b } = runPair(options, new Rng(seed).bytes(bytes), Buffer.alloc(64));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.equal(b.received, bytes);
  return a;
}

test('auto toward a Go client at 100 ms/5 %: full parity while its fixed window holds the sender', () => {
  let held = 0;
  let short = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    let last = -1;
    const observe = (t: number, a: Endpoint) => {
      // from the first window's acknowledgement on: the client has shown its window does not grow
      if (last >= 0 && timeDiff(a.kcp.sndUna, GO_RCV_WND) >= 0 && windowHeld(a)) {
        held += t - last;
        if (a.parityCount < PARITY_MAX) short += t - last;
      }
      last = t;
    };
    downloadToGoClient(PROFILE, seed, BYTES, observe);
  }
  assert.ok(held > 0, 'the window held the sender');
  assert.ok(short <= SHORT_PARITY_SHARE_MAX * held, `${short} of ${held} ms window-held with less parity`);
});

test('auto toward a Go client at 25 ms/2 %: a window reopened by a repair does not overflow the one-BDP queue', () => {
  let drops = 0;
  for (let seed = 1; seed <= BURST_SEEDS; seed++) {
    drops += downloadToGoClient(SHALLOW, seed, BURST_BYTES).queueDrops;
  }
  assert.ok(drops <= BURST_DROPS_MAX, `${drops} queue drops over ${BURST_SEEDS} downloads`);
});
