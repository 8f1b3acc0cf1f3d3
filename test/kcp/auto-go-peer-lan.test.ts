/**
 * -mode auto sending to a Go kcptun client on a LAN or loopback, in simulated time: a kcp-go 2021 receiver
 * at kcptun's -mode fast (ACKs flushed every 30 ms) or normal (40 ms), with the client's default windows
 * (-sndwnd 128, -rcvwnd 512), over a path of a ms round trip. Its ACK period is 30-40 round trips, and
 * each ACK (one per flush, una covering the run) emptied a flight the in-flight cap held: the controller
 * never measured the ACK cadence, its cap delivered a tenth of the estimate per period, and the estimate
 * followed the cap down (main: 20 MiB in 9.5 s at 30 ms, 39.9 s at 40 ms; through the tunnel 13-80 s,
 * docs/link-auto-lan-2026-12-05.md). The bound is the receiver's window, 512 segments per ACK period.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_OVERHEAD } from '../../src/kcp/index.js';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 400 Mbit/s in bytes per ms: the receiver's window, not the link, bounds the rate. */
const RATE = 50_000;
/** kcptun 20210922's client defaults. */
const GO_SND_WND = 128;
const GO_RCV_WND = 512;

test('auto toward a Go kcptun client at -mode fast and normal over a 1 ms path: at least 0.7 of its window per ACK period', () => {
  for (const interval of [30, 40]) {
    const options: PairOptions = {
      ...AUTO_PAIR,
      link: { loss: 0, dup: 0, delay: 0, jitter: 0, inOrder: true, rate: RATE, queueBytes: RATE * 50 },
      seed: 1,
      // the round trip the session's first request measures (here with the peer's ACK delay in it)
      primeBytes: 100,
      peerB: { mode: [0, interval, 2, 1], auto: false, sndWnd: GO_SND_WND, rcvWnd: GO_RCV_WND },
    };
    const bytes = 20 * MB;
    const data = new Rng(interval).bytes(bytes);
    const { a, b, bulkFromMs } = runPair(options, data, Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, bytes);
    const goodput = bytes / (b.receiveDoneMs - bulkFromMs);
    const mss = AUTO_PAIR.mtu - AUTO_PAIR.reserved - KCP_OVERHEAD;
    const windowRate = (GO_RCV_WND * mss) / interval;
    assert.ok(
      goodput >= 0.7 * windowRate,
      `ACKs every ${interval} ms: ${((goodput * 8) / 1000).toFixed(1)} Mbit/s, ${(goodput / windowRate).toFixed(2)} of the window's rate (estimate ${((a.kcp.congestion!.bandwidth * 8) / 1e6).toFixed(1)} Mbit/s)`,
    );
  }
});
