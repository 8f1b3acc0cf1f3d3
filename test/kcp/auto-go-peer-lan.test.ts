/**
 * -mode auto sending to a Go kcptun client on a LAN or loopback, in simulated time: a kcp-go 2021 receiver
 * at kcptun's -mode fast (ACKs flushed every 30 ms) or normal (40 ms), with the client's default windows
 * (-sndwnd 128, -rcvwnd 512), over a lossless path of a ms round trip. Its ACK period is 30-40 round trips
 * (docs/link-auto-lan-2026-12-05.md):
 * - each ACK (one per flush, una covering the run) emptied a flight the in-flight cap held: the controller
 *   never measured the ACK cadence, its cap delivered a tenth of the estimate per period, and the estimate
 *   followed the cap down (20 MiB in 9.5 s at 30 ms, 39.9 s at 40 ms; through the tunnel 13-80 s). The
 *   bound is the receiver's window, 512 segments per ACK period.
 * - srtt reads a few ms while a segment sent just after a flush waits a whole period for the una that
 *   acknowledges it: with the RTO at the nodelay floor (30 ms) such segments timed out and went again for
 *   nothing, undetectably (2,616 of 20,521 transmissions at 40 ms, 138 of 18,043 at 30 ms). On a lossless
 *   path nothing should be sent twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KCP_OVERHEAD } from '../../src/kcp/index.js';
import { AUTO_PAIR, type PairOptions, type PairResult, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
const BYTES = 20 * MB;
/** 400 Mbit/s in bytes per ms: the receiver's window, not the link, bounds the rate; nothing is lost. */
const RATE = 50_000;
/** kcptun 20210922's client defaults. */
const GO_SND_WND = 128;
const GO_RCV_WND = 512;
/** kcptun's -mode fast and normal: the Go client's ACK flush interval, ms. */
const GO_INTERVALS = [30, 40];
/** Retransmissions allowed, as a share of transmissions, on a path that loses nothing. */
const RETRANSMIT_SHARE_MAX = 0.001;

/** One 20 MiB download per interval, shared by the tests below. */
const runs = new Map<number, PairResult>();
function downloadToGoClient(interval: number): PairResult {
  let run = runs.get(interval);
  if (run === undefined) {
    const options: PairOptions = {
      ...AUTO_PAIR,
      link: { loss: 0, dup: 0, delay: 0, jitter: 0, inOrder: true, rate: RATE, queueBytes: RATE * 50 },
      seed: 1,
      // the round trip the session's first request measures (here with the peer's ACK delay in it)
      primeBytes: 100,
      peerB: { mode: [0, interval, 2, 1], auto: false, sndWnd: GO_SND_WND, rcvWnd: GO_RCV_WND },
    };
    run = runPair(options, new Rng(interval).bytes(BYTES), Buffer.alloc(0));
    assert.equal(run.b.mismatch, -1, 'byte-exact');
    assert.equal(run.b.received, BYTES);
    runs.set(interval, run);
  }
  return run;
}

test('auto toward a Go kcptun client at -mode fast and normal over a 1 ms path: at least 0.7 of its window per ACK period', () => {
  for (const interval of GO_INTERVALS) {
    const { a, b, bulkFromMs } = downloadToGoClient(interval);
    const goodput = BYTES / (b.receiveDoneMs - bulkFromMs);
    const mss = AUTO_PAIR.mtu - AUTO_PAIR.reserved - KCP_OVERHEAD;
    const windowRate = (GO_RCV_WND * mss) / interval;
    assert.ok(
      goodput >= 0.7 * windowRate,
      `ACKs every ${interval} ms: ${((goodput * 8) / 1000).toFixed(1)} Mbit/s, ${(goodput / windowRate).toFixed(2)} of the window's rate (estimate ${((a.kcp.congestion!.bandwidth * 8) / 1e6).toFixed(1)} Mbit/s)`,
    );
  }
});

test('auto toward a Go kcptun client at -mode fast and normal over a lossless 1 ms path: no needless timeouts', () => {
  for (const interval of GO_INTERVALS) {
    const { a } = downloadToGoClient(interval);
    assert.equal(a.queueDrops, 0, 'the path lost nothing');
    const tx = a.kcp.transmissions;
    const retransmitted = a.kcp.retransmittedSegs;
    assert.ok(
      retransmitted <= RETRANSMIT_SHARE_MAX * tx,
      `ACKs every ${interval} ms: ${retransmitted} of ${tx} transmissions were retransmissions (RTO ${a.kcp.rto} ms, srtt ${a.kcp.srtt} ms, ACK cadence ${a.kcp.congestion!.ackCadence.toFixed(1)} ms)`,
    );
  }
});
