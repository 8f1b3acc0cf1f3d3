import type { SendSnapshot } from '../../../src/kcp/index.js';

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
  };
}
