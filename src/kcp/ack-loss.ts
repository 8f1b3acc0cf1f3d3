/**
 * Lost ACK datagrams, told apart from lost data (-mode auto's sender, docs/protocol.md §4.6).
 *
 * A KCP receiver acknowledges each segment once, and its una stops at the lowest hole. When one of its
 * datagrams of ACKs is lost while a hole lies below, the segments that datagram acknowledged stay
 * unacknowledged at the sender, and the later ACKs count fast-retransmit votes against them: the whole
 * run is resent although the peer holds it (70 of 177 retransmissions at 50 ms/1 % loss, 838 of 2,299 at
 * 150 ms/10 %, in steps of about the ACKs of one datagram; docs/link-benchmark.md).
 *
 * The peer's FEC header numbers its datagrams (seqid, docs/protocol.md §3), so a lost one shows as a gap
 * (unless FEC rebuilds it, and then its ACKs arrive). Only a group's data positions count: parity carries
 * no ACKs, and a -mode auto peer sends fewer parity shards than the group's shape numbers (none on a
 * clean link: 3 unused seqids per 13 at 10/3), so counted as lost datagrams their seqids gave credits for
 * ACK datagrams never sent, and held real losses' fast retransmits. A run of at least ACK_LOSS_RUN_MIN
 * unacknowledged segments that reaches the fast-retransmit threshold right after such a gap, with an unacknowledged
 * segment below it (what keeps the peer's una from covering it), is taken for that datagram's ACKs: it
 * waits, and once the hole below is repaired the peer's una passes it if the peer had it, or stops at its
 * start if it did not, and then it is resent at once; its RTO still applies. Real loss above a hole that
 * coincides with a lost ACK datagram costs about one more round trip. Without FEC headers from the peer
 * nothing is held, and nothing once the sender has no new data left: at a transfer's end the resent runs
 * are what brings the ACKs that vote for a hole whose repair was lost too (held there, 150 ms/10 % took
 * 0.5-1 s longer for its last segments, each hole waiting out its RTO).
 */

/**
 * The shortest run taken for a lost ACK datagram: a run of 3 consecutive data datagrams lost at random is
 * 1 in 1,000 losses at 10 % loss, so real losses are almost never held.
 */
export const ACK_LOSS_RUN_MIN = 3;

/** Seqid jumps larger than this are a restart or a wrap of the peer's numbering, not lost datagrams. */
const SEQID_GAP_MAX = 1 << 16;

/** Data positions in seqids [0, x) of groups of `dataShards` data then `parityShards` parity seqids. */
function dataPositionsBelow(x: number, dataShards: number, parityShards: number): number {
  const period = dataShards + parityShards;
  return Math.floor(x / period) * dataShards + Math.min(x % period, dataShards);
}

/**
 * Gaps in the peer's numbering of its data datagrams: each lost one is a credit to hold one run, spent
 * within `window` ms of the gap (the ACKs right after it are what give the run its fast-retransmit votes).
 */
export class PeerDatagramGaps {
  /** The newest data seqid seen (-1: none yet). */
  private last = -1;
  private credits = 0;
  private seenAt = 0;

  /**
   * A datagram of the peer's numbered `seqid` (FEC header) arrived at `now`; the peer's groups are
   * `dataShards` data then `parityShards` parity seqids (its FEC decoder's shape here).
   */
  onSeqid(seqid: number, now: number, dataShards: number, parityShards: number): void {
    if (seqid % (dataShards + parityShards) >= dataShards) return; // parity: neither ACKs nor their gaps
    const gap = seqid - this.last - 1;
    if (this.last >= 0 && gap > 0 && gap < SEQID_GAP_MAX) {
      const lost =
        dataPositionsBelow(seqid, dataShards, parityShards) -
        dataPositionsBelow(this.last + 1, dataShards, parityShards);
      if (lost > 0) {
        this.credits += lost;
        this.seenAt = now;
      }
    } else if (this.last >= 0 && gap < -1 && -gap <= SEQID_GAP_MAX && this.credits > 0) {
      // an older data seqid arrived late (reordered on the path), so one datagram of the gaps was not lost
      this.credits--;
    }
    // an older seqid is late (reordered) unless the numbering restarted
    if (seqid > this.last || this.last - seqid >= SEQID_GAP_MAX) this.last = seqid;
  }

  /**
   * The peer's FEC decoder rebuilt one of its lost data datagrams: its ACKs arrive after all, so one gap's
   * credit goes, as for a late seqid (the session has no seqid for a rebuilt datagram). Left standing, a
   * credit per rebuilt ACK datagram could hold a real loss's run within its window
   * (docs/link-slow-long-path-2026-12-05.md).
   */
  onRebuilt(): void {
    if (this.credits > 0) this.credits--;
  }

  /** Spend one credit if a gap was seen less than `window` ms ago; older credits lapse. */
  take(now: number, window: number): boolean {
    if (this.credits === 0) return false;
    if (((now - this.seenAt) | 0) >= window) {
      this.credits = 0;
      return false;
    }
    this.credits--;
    return true;
  }
}
