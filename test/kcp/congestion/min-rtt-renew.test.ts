/**
 * The min RTT's window (MIN_RTT_WINDOW_MS) and the samples that renew it: KCP's RTT samples are whole ms,
 * so a steady flow with no queue reads its path a ms above the lowest sample it ever saw about as often as
 * at it. Scripted: one segment per ms, each acknowledged alone one round trip later.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';
import { snapshot } from './snapshot.js';

const SEG = 1000;
const RTT = 100;
/** Longer than the min RTT's 10 s window. */
const RUN_MS = 14_000;

/** The controller's states over a steady flow whose RTT sample at ms t is `rtt(t)`. */
function steadyStates(rtt: (t: number) => number): Set<string> {
  const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
  const sent: SendSnapshot[] = [];
  const states = new Set<string>();
  for (let t = 0; t < RUN_MS; t++) {
    const seg = snapshot();
    cc.onSend(seg, SEG, t);
    sent.push(seg);
    if (t >= RTT) {
      cc.onRtt(rtt(t), t);
      cc.onDelivered(sent[t - RTT], SEG, t);
      cc.onAckEvent(t);
    }
    states.add(cc.state);
  }
  return states;
}

describe('CongestionController: the min RTT renewed', () => {
  test('samples a ms above the min RTT renew it: no ProbeRTT in a steady flow without a queue', () => {
    // the min comes from one lucky sample (as an idle restart's, 1 ms under the loaded ones on the 50 ms
    // VPS link); then 101 and 102 alternate. Renewed only by samples equal to it, the min expired after
    // 10 s and ProbeRTT held half a BDP for 200 ms and a round to measure the path a ms higher
    const states = steadyStates((t) => (t === RTT ? RTT : RTT + 1 + (t % 2)));
    assert.ok(!states.has('probe-rtt'), `states: ${[...states].join(', ')}`);
  });

  test('samples 2 ms above it do not: the path is probed again once the min is 10 s old', () => {
    const states = steadyStates((t) => (t === RTT ? RTT : RTT + 2));
    assert.ok(states.has('probe-rtt'), `states: ${[...states].join(', ')}`);
  });
});
