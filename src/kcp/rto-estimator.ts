/**
 * kcp-go's RTT/RTO estimator (docs/protocol.md §4.7), which differs from C KCP: RFC 6298-style shifts on int32, and a
 * sample below srtt − rttvar moves rttvar with 8× less weight. kcp-go takes one sample per input datagram.
 */
import { KCP_RTO_DEF, KCP_RTO_MAX } from './constants.js';

export class RtoEstimator {
  /** Smoothed RTT (int32); 0 means "no sample yet", as in kcp-go (a later 0 srtt re-seeds it). */
  srtt = 0;
  rttvar = 0;
  /** Current retransmission timeout (kcp-go's rx_rto). */
  rto = KCP_RTO_DEF;

  /** Feed one RTT sample (0 ≤ rtt < 2^31 ms); the result is clamped to [minRto, 60000]. */
  update(rtt: number, interval: number, minRto: number): void {
    this.sample(rtt);
    this.setRto(interval, minRto);
  }

  /** Move srtt and rttvar by one RTT sample (0 ≤ rtt < 2^31 ms), leaving the RTO as it was. */
  sample(rtt: number): void {
    if (this.srtt === 0) {
      this.srtt = rtt | 0;
      this.rttvar = rtt >> 1;
    } else {
      let delta = (rtt - this.srtt) | 0;
      this.srtt = (this.srtt + (delta >> 3)) | 0;
      if (delta < 0) delta = -delta | 0;
      // compared with the srtt just updated, as kcp-go does
      if (rtt < this.srtt - this.rttvar) {
        this.rttvar = (this.rttvar + ((delta - this.rttvar) >> 5)) | 0;
      } else {
        this.rttvar = (this.rttvar + ((delta - this.rttvar) >> 2)) | 0;
      }
    }
  }

  /**
   * The RTO from `srtt` (the smoothed RTT by default) and rttvar: srtt plus the larger of 4·rttvar and
   * `interval` (the margin's floor), clamped to [minRto, 60000].
   */
  setRto(interval: number, minRto: number, srtt = this.srtt): void {
    // uint32 arithmetic like kcp-go (the shift and the sum wrap for absurd samples)
    const variance = (this.rttvar << 2) >>> 0;
    const rto = ((srtt >>> 0) + Math.max(interval, variance)) >>> 0;
    this.rto = Math.min(Math.max(minRto, rto), KCP_RTO_MAX);
  }
}
