/**
 * -mode auto sending to a Go kcptun client at its defaults (-mode fast, a fixed -rcvwnd 512) with bench:link's
 * probe on the session (its ACKs every ~10-25 ms, test/kcp/pair-probe.ts), in simulated time: each loss FEC
 * does not repair holds the client's una, and the window with it, for a round trip (on 150 ms/10 % ~320
 * ms, the hole's repair a round trip after the loss). Where the ACKs of the window's bursts show the path
 * carrying more than twice the window's rate (Kcp.enableWindowCopies), each new segment goes twice, and
 * fewer holes hold the window; where they do not (25 ms/2 %: the window's rate is most of the link's),
 * nothing is copied (docs/link-go-client-2026-12-07-goclient32.md). On the bursty link twice the window's
 * rate does not fit, but twice what the holes let it deliver does, and copies go out in Startup
 * (docs/link-go-client-2026-12-07-goclient33.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROBE_IN_FLIGHT, PROBE_REQUEST, probeIntervalMs } from '../../bench/link/endpoint-protocol.js';
import { profile, simulatedLink } from '../../bench/link/sim-link.js';
import { AUTO_PAIR, type Endpoint, mixSeed, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
const BYTES = 4 * MB;
const SEEDS = 4;
/** kcptun 20210922's client defaults (-mode fast, -sndwnd 128, -rcvwnd 512): a receiver outside auto. */
const GO_CLIENT: PairOptions['peerB'] = { mode: [0, 30, 2, 1], sndWnd: 128, rcvWnd: 512, auto: false };
/**
 * Of the download's time, at most this share with the client's una held by a hole (data above it
 * received): 34 % with the copies (4,418 of 13,023 ms over these seeds), 76 % without (11,169 of 14,658
 * ms; main, whose pair has no probe, 75 %).
 */
const HELD_SHARE_MAX = 0.5;
/**
 * On the bursty link (50 ms, Gilbert-Elliott bursts of ~3 datagrams at 3 %), 8 MiB per seed: at most this
 * share of the download with the client's una held by a hole: 45 % with copies by the delivered-rate rule
 * (4,496 of 9,910 ms over these seeds), 64 % without (7,570 of 11,921; main). A download moves 8 MiB, not
 * 4: the delivered rate takes a second to read (AckBurstRate.average).
 */
const BURSTY_HELD_SHARE_MAX = 0.55;
const BURSTY_BYTES = 8 * MB;

/** A download of `bytes` from auto to GO_CLIENT over profile `id` with the probe, checked byte-exact. */
function downloadToGoClient(id: string, seed: number, bytes: number, observe: PairOptions['observe']): void {
  const p = profile(id);
  const options: PairOptions = {
    ...AUTO_PAIR,
    link: simulatedLink(p, { fec: true, interleave: false, forwarder: true }),
    seed: mixSeed(seed),
    primeBytes: 100,
    peerB: GO_CLIENT,
    probe: {
      intervalMs: probeIntervalMs(p.rateMbit),
      inFlight: PROBE_IN_FLIGHT,
      requestBytes: PROBE_REQUEST,
    },
    observe,
  };
  const { b } = runPair(options, new Rng(seed).bytes(bytes), Buffer.alloc(64));
  assert.equal(b.mismatch, -1, 'byte-exact');
  assert.equal(b.received, bytes);
}

/** The ms of SEEDS downloads of `bytes` over profile `id`, and of them the ms the client's una was held by a hole. */
function heldByHoles(id: string, bytes: number): { held: number; total: number } {
  let held = 0;
  let total = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    let last = -1;
    const observe = (t: number, a: Endpoint, b: Endpoint) => {
      if (last >= 0 && a.writeLimit > 100 && b.received < bytes) {
        total += t - last;
        if (b.kcp.rcvBufLength > 0) held += t - last;
      }
      last = t;
    };
    downloadToGoClient(id, seed, bytes, observe);
  }
  return { held, total };
}

test('auto toward a Go client at 150 ms/10 %: copies while the path has room, fewer holes hold the window', () => {
  const { held, total } = heldByHoles('150ms-10', BYTES);
  assert.ok(held <= HELD_SHARE_MAX * total, `${held.toFixed(0)} of ${total.toFixed(0)} ms held by a hole`);
});

test('auto toward a Go client on the bursty link: copies where the path carries twice the delivered rate', () => {
  // the window's own rate (53 Mbit/s) does not fit twice on the 100 Mbit/s link; the delivered ~25 does
  const { held, total } = heldByHoles('bursty-50ms-3', BURSTY_BYTES);
  assert.ok(
    held <= BURSTY_HELD_SHARE_MAX * total,
    `${held.toFixed(0)} of ${total.toFixed(0)} ms held by a hole`,
  );
});

test('auto toward a Go client at 25 ms/2 %: no copies where the window takes most of the link', () => {
  let copying = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    downloadToGoClient('25ms-2', seed, BYTES, (_t, a) => {
      if (a.kcp.windowCopying) copying++;
    });
  }
  assert.equal(copying, 0, `${copying} steps with window copies`);
});
