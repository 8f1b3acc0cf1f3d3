/**
 * Startup's sign that the path's delay varies per packet (jitter) before its baseline exists, from an RTT
 * sample a queue of this sender's cannot give: the first ACK of what was sent from idle (nothing of this
 * sender's in flight, the sender app-limited: a request's answer after the session's prime) far above the
 * min RTT. Nothing of this sender's was queued ahead of that segment, so its RTT is the path's delay and the
 * peer's ACK delay; the min RTT is another such sample or lower. On the link's jittery profile (50 ± 30 ms
 * one way) the two differ by up to 120 ms; on a steady path by the ACK delay. Pure: the controller passes
 * the sample, the min RTT and the ACK cadence in (ms).
 *
 * Not a sign: a fall of the RTT between samples. Without reordering (the link's emulator) neither a queue nor
 * jitter gives a fall larger than the send gap between the two samples' segments (the fall is the send gap
 * less the ACK gap); and a sign from a fall whose bytes after it came faster than the bottleneck's before
 * it, which a queue cannot give, also came from a receiver's stalled ACK flushes on steady paths (link-sim
 * --loaded --receiver-stalls: bursty-50ms-3 -0.55 Mbit/s, 2 of 12 seeds down, queue drops 1,559 → 2,189),
 * and with it on the jittery link the queue drops rose 420 → 994 in 48 seeds for +0.2 Mbit/s
 * (docs/link-startup-jitter-2026-12-07-jitter35.md).
 */

/**
 * The sample must be above the min RTT by this many HyStart++ thresholds (clamp(min RTT / 8, 4, 16) ms: 12.5 ms
 * at a 100 ms min RTT: a late timer, the ms clock's steps), plus the peer's ACK delay (IDLE_ACK_DELAY_MS).
 * On link-sim's jittery link (48 seeds) 2 thresholds changed 10 seeds (+1.51 Mbit/s), 1 changed 15
 * (+2.09), 0 (the ACK delay alone) 22 (+2.41, queue drops 420 → 698); on the steady profiles, loaded and
 * with the receiver's stalled ACK flushes, none changed a byte
 * (docs/link-startup-jitter-2026-12-07-jitter35.md).
 */
const IDLE_RISE_THRESHOLDS = 1;
/**
 * The peer's ACK delay allowed for: an idle segment waits for the peer's next flush, up to its interval
 * (`-mode auto`: 10 ms), or up to IDLE_ACK_PERIODS of the measured ACK cadence if more (a Go kcptun client
 * at -mode fast flushes every 30 ms).
 */
const IDLE_ACK_DELAY_MS = 10;
const IDLE_ACK_PERIODS = 3;

/** HyStart++'s RTT threshold (RFC 9406) for a min RTT, ms (as startup-signals.ts). */
function hystartThreshold(minRtt: number): number {
  return Math.min(Math.max(minRtt / 8, 4), 16);
}

export class JitterSign {
  /** The sign was seen. */
  seen = false;

  /**
   * The first RTT sample `rtt` of a segment sent from idle, with the min RTT `minRtt` and the peer's ACK
   * cadence `cadence` (0: not measured yet).
   */
  onIdleSample(rtt: number, minRtt: number, cadence: number): void {
    const allowance =
      IDLE_RISE_THRESHOLDS * hystartThreshold(minRtt) +
      Math.max(IDLE_ACK_PERIODS * cadence, IDLE_ACK_DELAY_MS);
    if (rtt - minRtt > allowance) this.seen = true;
  }
}
