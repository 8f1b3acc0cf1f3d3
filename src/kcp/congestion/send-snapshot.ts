/**
 * The congestion controller's state on each sent segment (controller.ts): KCP's segments carry it
 * (segment.ts), so a rate sample needs no lookup and no allocation per packet.
 */
/** Per-transmission state the controller keeps on each sent segment (draft-cheng "P.*" fields). */
export interface SendSnapshot {
  /** `delivered` when the segment was last sent. */
  ccDelivered: number;
  /** `deliveredTime` when the segment was last sent (controller clock). */
  ccDeliveredTime: number;
  /** `firstSendTime` when the segment was last sent (controller clock). */
  ccFirstSendTime: number;
  /** When the segment was last sent (controller clock). */
  ccSentTime: number;
  /** The sender was application-limited when the segment was last sent. */
  ccAppLimited: boolean;
  /** At least half the in-flight cap was in flight when the segment was last sent (see WINDOW_USED_SHARE). */
  ccWindowUsed: boolean;
  /** Counted in the in-flight bytes: sent, and neither delivered nor declared lost since. */
  ccInFlight: boolean;
  /**
   * The share of FEC parity in what was sent from `ccFirstSendTime` until this transmission, itself
   * included: over the send interval of the rate sample it carries (see paritySent).
   */
  ccParityShare: number;
  /** Parity bytes the controller had counted sent (see paritySent), this segment's included. */
  ccParitySent: number;
  /** Bytes the controller had counted sent, this segment's included, when it was last sent. */
  ccSentBytes: number;
  /** The pacing allowance (see SENDER_LIMITED_SHARE) when the segment was last sent. */
  ccAllowance: number;
  /** The sender fell short of its pacing over the send interval that ended with this transmission. */
  ccSenderLimited: boolean;
}
