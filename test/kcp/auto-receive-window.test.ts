/**
 * -mode auto's receive window (ReceiveWindowTuner) at the start of a long lossy path, in a simulated pair:
 * the downloading client starts at kcptun-client's default -rcvwnd, 512 segments, and the sender's Startup
 * must not wait at that window once the first flight's ACKs are back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundTripMs } from '../../bench/link/profiles.js';
import { profile, simulatedLink } from '../../bench/link/sim-link.js';
import { CLIENT_OPTIONS, defaultConfig } from '../../src/cli/options.js';
import { AUTO_PAIR, mixSeed, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** The link benchmark's 150ms-10 as link-sim runs it (150 ms one way, 10 % loss each way, 100 Mbit/s, a one-BDP queue, FEC 10/3). */
const PROFILE = profile('150ms-10');
const RTT = roundTripMs(PROFILE);
const LINK = simulatedLink(PROFILE);
/** kcptun-client's default -rcvwnd, which -mode auto grows from. */
const CLIENT_RCV_WND = defaultConfig(CLIENT_OPTIONS, {}).rcvWnd;
const SEEDS = 8;
/**
 * After the first round trip, Startup's sender waits at the client's window for at most this many ms: the
 * window grows as the first flight (512 segments in ~70 ms) arrives. It grew only once a segment arrived
 * after the tuner's 100 ms rate period, which the sender sent after the flight's ACKs: 259 and 268 ms in 2
 * of these 8 seeds (8-35 ms in the others), 7-21 ms with the window judged as segments arrive.
 */
const HELD_MS = RTT / 3;

test("auto at 150 ms/10 % toward a client at the default window: Startup does not wait at the client's window", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const data = new Rng(seed).bytes(2 * MB);
    let from = -1;
    let lastT = 0;
    let held = false;
    let heldMs = 0;
    const { b } = runPair(
      {
        ...AUTO_PAIR,
        link: LINK,
        seed: mixSeed(seed),
        primeBytes: 100,
        peerB: { rcvWnd: CLIENT_RCV_WND },
        observe: (t, a) => {
          if (from < 0) {
            if (a.writeLimit <= 100) return;
            from = t;
          }
          if (held) heldMs += t - lastT;
          lastT = t;
          held = t - from >= RTT && a.kcp.congestion?.state === 'startup' && a.kcp.newDataLimit === 'rmt-wnd';
        },
      },
      data,
      Buffer.alloc(0),
    );
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.ok(heldMs <= HELD_MS, `seed ${seed}: held at the client's window ${heldMs} ms in Startup`);
  }
});
