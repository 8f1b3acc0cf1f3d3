/**
 * -mode auto's RTO toward a Go kcptun client on a LAN or loopback, in simulated time: a kcp-go 2021 receiver
 * flushes its ACKs once per interval (40 ms at kcptun's -mode normal), one per in-order run with the newest
 * segment's timestamp, so srtt reads a few ms on a 1 ms path while a segment sent just after a flush waits
 * a whole period for the una that acknowledges it. With the RTO at the nodelay floor (30 ms) such segments
 * timed out and went again for nothing, undetectably (main: 2,616 of 20,521 transmissions at 40 ms, 138 of
 * 18,043 at 30 ms; docs/link-auto-lan-2026-12-05.md). On a lossless path nothing should be sent twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUTO_PAIR, type PairOptions, Rng, runPair } from './kcp-pair-sim.js';

const MB = 1024 * 1024;
/** 400 Mbit/s in bytes per ms: no queue forms, nothing is lost. */
const RATE = 50_000;
/** kcptun 20210922's client defaults. */
const GO_SND_WND = 128;
const GO_RCV_WND = 512;
/** Retransmissions allowed, as a share of transmissions, on a path that loses nothing. */
const RETRANSMIT_SHARE_MAX = 0.001;

test('auto toward a Go kcptun client at -mode fast and normal over a lossless 1 ms path: no needless timeouts', () => {
  for (const interval of [30, 40]) {
    const options: PairOptions = {
      ...AUTO_PAIR,
      link: { loss: 0, dup: 0, delay: 0, jitter: 0, inOrder: true, rate: RATE, queueBytes: RATE * 50 },
      seed: 1,
      primeBytes: 100,
      peerB: { mode: [0, interval, 2, 1], auto: false, sndWnd: GO_SND_WND, rcvWnd: GO_RCV_WND },
    };
    const bytes = 20 * MB;
    const { a, b } = runPair(options, new Rng(interval).bytes(bytes), Buffer.alloc(0));
    assert.equal(b.mismatch, -1, 'byte-exact');
    assert.equal(b.received, bytes);
    assert.equal(a.queueDrops, 0, 'the path lost nothing');
    const tx = a.kcp.transmissions;
    const retransmitted = a.kcp.retransmittedSegs;
    assert.ok(
      retransmitted <= RETRANSMIT_SHARE_MAX * tx,
      `ACKs every ${interval} ms: ${retransmitted} of ${tx} transmissions were retransmissions (RTO ${a.kcp.rto} ms, srtt ${a.kcp.srtt} ms, ACK cadence ${a.kcp.congestion!.ackCadence.toFixed(1)} ms)`,
    );
  }
});
