/**
 * Whether ProbeBW's cruise reads a round's lowest RTT above the min RTT as a standing queue
 * (probe-bw.ts, CRUISE_QUEUE_ROUNDS): only on a path whose delay Startup found steady, from a baseline of
 * its loaded RTT samples (startup-signals.ts, StartupSignals.steady). Scripted ACK sequences in simulated ms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SendSnapshot } from '../../../src/kcp/index.js';
import { afterFirstRoundTrip, snapshot } from './snapshot.js';

const SEG = 1000;
const RTT = 100;

/**
 * A sender whose CPU lets out at most one segment every `everyMs` ms (never app-limited: it has data),
 * paced and held to the cap, over a path of `rttAt(in ProbeBW)` ms with room for everything; each segment is
 * acknowledged in an ACK event of its own. Returns ProbeBW's pacing rate over its estimate at every ACK
 * event of its first `rounds` round trips.
 */
function cruise(everyMs: number, rttAt: (probeBw: boolean) => number, rounds: number): number[] {
  const cc = afterFirstRoundTrip(RTT, SEG);
  const due: { seg: SendSnapshot; at: number; rtt: number }[] = [];
  const gains: number[] = [];
  let tokens = 0;
  let probeBwFrom = -1;
  for (let t = 2 * RTT; probeBwFrom < 0 || t < probeBwFrom + rounds * RTT; t++) {
    assert.ok(t < 100 * RTT, `still in ${cc.state} after 100 round trips`);
    while (due.length > 0 && due[0].at <= t) {
      const ack = due.shift()!;
      cc.onRtt(ack.rtt, t);
      cc.onDelivered(ack.seg, SEG, t);
      cc.onAckEvent(t);
      if (cc.state !== 'probe-bw') continue;
      if (probeBwFrom < 0) probeBwFrom = t;
      gains.push(Math.round((cc.pacingRate / cc.bandwidth) * 1000) / 1000);
    }
    const rate = cc.pacingPerMs();
    tokens = Math.min(tokens + rate, Math.max(2 * rate, 10 * SEG));
    if (t % everyMs === 0 && tokens >= SEG && cc.canSend(SEG)) {
      const seg = snapshot();
      cc.onSend(seg, SEG, t);
      const rtt = rttAt(cc.state === 'probe-bw');
      due.push({ seg, at: t + rtt, rtt });
      tokens -= SEG;
    }
    due.sort((a, b) => a.at - b.at);
  }
  return gains;
}

describe('CongestionController: the cruise reads a queue only on a path Startup found steady', () => {
  test('after a Startup with no baseline, a rise of the RTT in ProbeBW does not hold the cruise under the estimate', () => {
    // a CPU-held sender keeps 10 segments in flight, under the initial window: none of Startup's RTT
    // samples is a loaded one, so it ends (at its bandwidth plateau) with no baseline of the path's
    // delay. In ProbeBW every sample reads 8 ms over the min RTT (a slower route, jitter: no queue this
    // sender could drain). Read as a standing queue, the cruise paced at 0.99 of what the rounds delivered
    const gains = cruise(10, (probeBw) => (probeBw ? RTT + 8 : RTT), 8);
    const cruiseGains = gains.filter((g) => g > 0.8 && g < 1.2);
    assert.ok(cruiseGains.length > 0, `no cruise in ProbeBW's first rounds: gains ${[...new Set(gains)]}`);
    assert.ok(
      cruiseGains.every((g) => g === 1),
      `cruise gains ${[...new Set(cruiseGains)].join(', ')}`,
    );
  });
});
