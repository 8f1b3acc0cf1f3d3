/**
 * A server session's anti-amplification budget (RFC 9000 §8.1's rule for QUIC servers). KCP has no
 * handshake: a datagram with a forged source address opens a session whose replies go to that address.
 * Until the peer proves the address is its own (Kcp.peerEchoed: an ACK echoing the ts of a data segment
 * sent to it), the session sends at most AMPLIFICATION_FACTOR times the bytes it received from it, FEC
 * parity and the shape show included (a Go decoder takes skipped parity for lost shards and rebuilds false
 * data: docs/forged-address-2026-12-07-amp37.md), and no segment copies. One forged datagram of 78 bytes drew
 * ~400 datagrams (~33 KB) from a -mode auto server over the minute the session lived, 125 (~11 KB) from Go
 * kcptun's (docs/forged-address-2026-12-07-amp36.md). Pure: the session counts, KCP holds its data segments
 * to the allowance (Kcp.sendAllowance), and the session drops any other datagram past it.
 */

/**
 * Bytes sent per byte received before the address is proven: QUIC's 3 (RFC 9000 §8.1), which lets a
 * server answer a client's first flight with an ACK and a small first response, and lets a reply larger
 * than that wait one round trip, for the client's first ACK.
 */
export const AMPLIFICATION_FACTOR = 3;

/** Wire bytes received from and sent to an address not yet proven. */
export class AmplificationBudget {
  private received = 0;
  private sent = 0;

  /** A datagram of `bytes` arrived from the peer (authenticated by the crypt, not yet parsed). */
  receive(bytes: number): void {
    this.received += bytes;
  }

  /** Wire bytes that may still be sent (negative never: take refuses what would pass it). */
  get remaining(): number {
    return AMPLIFICATION_FACTOR * this.received - this.sent;
  }

  /** Count a datagram of `bytes` as sent if the budget has room for it; false: it must not be sent. */
  take(bytes: number): boolean {
    if (this.sent + bytes > AMPLIFICATION_FACTOR * this.received) return false;
    this.sent += bytes;
    return true;
  }
}
