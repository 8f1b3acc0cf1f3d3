import { CongestionController, type SendSnapshot } from '../../../src/kcp/index.js';

/** A segment's controller state before its first transmission, as a fresh KCP segment holds it. */
export function snapshot(): SendSnapshot {
  return {
    ccDelivered: 0,
    ccDeliveredTime: 0,
    ccFirstSendTime: 0,
    ccSentTime: 0,
    ccAppLimited: false,
    ccWindowUsed: false,
    ccInFlight: false,
    ccParityShare: 0,
    ccParitySent: 0,
    ccSentBytes: 0,
    ccAllowance: 0,
    ccSenderLimited: false,
  };
}

/**
 * A controller that knows the min RTT from one idle, app-limited round trip of one segment, as after a
 * session's first request (or the RTT-priming NOP).
 */
export function afterFirstRoundTrip(rttMs: number, segmentBytes: number): CongestionController {
  const cc = new CongestionController({ segmentBytes, seed: 1 });
  const first = snapshot();
  cc.onAppLimited();
  cc.onSend(first, segmentBytes, 0);
  cc.onRtt(rttMs, rttMs);
  cc.onDelivered(first, segmentBytes, rttMs);
  cc.onAckEvent(rttMs);
  return cc;
}
