/**
 * Startup of the model-based congestion controller from scripted ACK sequences: its slow-start floor
 * (BBR's "cwnd + acked") grows only with what a sender that uses its cap delivers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';

const SEG = 1000;
const RTT = 100;

function snapshot(): SendSnapshot {
  return {
    ccDelivered: 0,
    ccDeliveredTime: 0,
    ccFirstSendTime: 0,
    ccSentTime: 0,
    ccAppLimited: false,
    ccInFlight: false,
    ccParityShare: 0,
  };
}

/** A controller that knows the min RTT from one idle, app-limited round trip (as a session's first request). */
function afterFirstRoundTrip(): CongestionController {
  const cc = new CongestionController({ segmentBytes: SEG, seed: 1 });
  const first = snapshot();
  cc.onAppLimited();
  cc.onSend(first, SEG, 0);
  cc.onRtt(RTT, RTT);
  cc.onDelivered(first, SEG, RTT);
  cc.onAckEvent(RTT);
  return cc;
}

describe('CongestionController: Startup floor', () => {
  test('an interactive session (app-limited, one segment in flight) does not bank a larger floor', () => {
    const cc = afterFirstRoundTrip();
    for (let i = 1; i <= 300; i++) {
      const t = i * RTT;
      const seg = snapshot();
      cc.onAppLimited();
      cc.onSend(seg, SEG, t);
      cc.onRtt(RTT, t + RTT / 2);
      cc.onDelivered(seg, SEG, t + RTT / 2);
      cc.onAckEvent(t + RTT / 2);
    }
    assert.equal(cc.state, 'startup');
    assert.equal(cc.cwnd, 128 * SEG);
  });
});
