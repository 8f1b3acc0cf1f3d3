/**
 * What a transfer leaves in the model for the next one on the same session (the link benchmark's warm
 * download, 12 s later through the same tunnel): the bandwidth estimate a restart from idle paces at.
 * Driven over a small model of a path (a rate-limited FIFO, a fixed delay, a peer that acknowledges every
 * 10 ms) in simulated ms; FEC parity, when sent, takes its share of the bottleneck as the session's does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';
import { snapshot } from './snapshot.js';

const SEG = 1000;
/** Bottleneck: 10 segments per ms (80 Mbit/s of 1000-byte segments), data and parity together. */
const RATE = 10 * SEG;
const ONE_WAY_MS = 50;
/** The peer flushes its ACKs this often (kcptun's fast3 interval). */
const ACK_EVERY_MS = 10;

/**
 * A sender with data while `busy(t)`, paced at the controller's rate and held to its cap, with `share(t)` of
 * its datagrams FEC parity (m / (n + m)); with nothing to send it reports app-limited, as KCP's flush does.
 */
class Path {
  readonly cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
  /** Sent segments not yet acknowledged, with when they reach the peer. */
  private readonly flight: { seg: SendSnapshot; arrives: number; sent: number }[] = [];
  /** ACK datagrams on their way: when they arrive, what they acknowledge, the newest send time echoed. */
  private readonly acks: { at: number; segs: SendSnapshot[]; echo: number }[] = [];
  private queueFreeAt = 0;
  private tokens = 0;

  drive(from: number, to: number, busy: (t: number) => boolean, share: (t: number) => number): void {
    const cc = this.cc;
    for (let t = from; t < to; t++) {
      while (this.acks.length > 0 && this.acks[0].at <= t) {
        const ack = this.acks.shift()!;
        cc.onRtt(t - ack.echo, t);
        for (const seg of ack.segs) cc.onDelivered(seg, SEG, t);
        cc.onAckEvent(t);
      }
      if (t % ACK_EVERY_MS === 0 && this.flight.length > 0 && this.flight[0].arrives <= t) {
        let n = 0;
        while (n < this.flight.length && this.flight[n].arrives <= t) n++;
        const arrived = this.flight.splice(0, n);
        const echo = arrived[arrived.length - 1].sent;
        this.acks.push({ at: t + ONE_WAY_MS, segs: arrived.map((e) => e.seg), echo });
      }
      cc.parityShare = share(t);
      const rate = cc.pacingPerMs();
      this.tokens = rate > 0 ? Math.min(this.tokens + rate, Math.max(2 * rate, 10 * SEG)) : 10 * SEG;
      if (!busy(t)) {
        if (cc.canSend(SEG)) cc.onAppLimited();
        continue;
      }
      while (this.tokens >= SEG && cc.canSend(SEG)) {
        const seg = snapshot();
        cc.onSend(seg, SEG, t);
        this.tokens -= SEG;
        // the parity sent with it crosses the bottleneck too
        this.queueFreeAt = Math.max(this.queueFreeAt, t) + SEG / (1 - cc.parityShare) / RATE;
        this.flight.push({ seg, arrives: Math.ceil(this.queueFreeAt) + ONE_WAY_MS, sent: t });
      }
    }
  }
}

describe('CongestionController: the model a restart from idle starts from', () => {
  test('parity sent only at the end of a transfer does not raise the path rate above the bottleneck', () => {
    // the tail of a download: ParityTuner raised the parity for the last groups (3 of 13 in link-sim's
    // traces). A rate sample whose newest segment went out with that share was scaled up by all of it,
    // though it spans a round trip of data sent without parity: 1.3x the bottleneck's rate, kept through
    // the idle time (rounds do not pass while idle), for the next transfer to pace at
    const path = new Path();
    const end = 3000;
    path.drive(
      0,
      end + 1000,
      (t) => t < end,
      (t) => (t >= end - 20 && t < end ? 3 / 13 : 0),
    );
    const bw = path.cc.bandwidth / 1000;
    assert.ok(bw <= 1.05 * RATE, `bandwidth ${(bw / RATE).toFixed(2)} of the bottleneck's rate`);
    assert.ok(bw >= 0.9 * RATE, `bandwidth ${(bw / RATE).toFixed(2)} of the bottleneck's rate`);
  });
});
