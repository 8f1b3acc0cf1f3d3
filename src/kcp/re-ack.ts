/**
 * Re-acknowledgements: a receiver says again what it holds above a hole, so that one lost datagram of its
 * ACKs costs no retransmission (docs/protocol.md §4.6, docs/link-ack-loss-2026-12-07-reack35.md).
 *
 * A KCP receiver acknowledges each segment once, and its una stops at the lowest hole. When one of its ACK
 * datagrams is lost while a hole lies below, the sender never learns that those segments arrived until una
 * passes them, and the later ACKs vote them into fast retransmission: on the simulated 150 ms/10 % link 545
 * needless fast retransmissions per 16 MiB download after the writer's hand-over, where the sender's guess
 * (ack-loss.ts) holds nothing (docs/link-wire-2026-12-07-wire34.md).
 *
 * With re-acknowledgements on, each flush's ACKs begin with the previous flush's again: the sns it
 * acknowledged that rcv_nxt has not passed since (the rest una covers), as entries of consecutive sns
 * [first, last], each an ACK segment whose frg byte is REACK_FRG, sn = first, ts = last (len 0, wnd and
 * una as every segment), at most REACK_RUNS_MAX. A datagram's loss is then covered by the next, at one
 * 24-byte entry per range (the fresh ACKs are one per segment; a flush's arrivals are mostly consecutive).
 * Only what was said before is said again, never this flush's own arrivals: ranges that also held those
 * (the runs of rcv_buf, tried first) acknowledged them ahead of their own ACKs, whose spurious-retransmission
 * and RTT-echo checks then saw a segment already acknowledged, and in the simulated pair a 25 ms/2 %
 * Startup overflowed the queue (74 drops in a seed that had none). First in the flush, so that the sender
 * has them before the fresh ACKs' fast-retransmit votes, and before a flush that una moving in one of the
 * flush's datagrams sets off.
 *
 * Only toward a peer known to be ours (the session: its FEC decoder saw the peer's parity highest seqid
 * first, FecDecoder.peerMarksParity, which only a -mode auto peer of ours sends). A kcp-go sender reads
 * every ACK entry alike (kcp.go Input: parse_ack, parse_fastack(sn, ts), and the datagram's RTT sample from
 * its last entry's ts): a range's `ts` would be read as a send time, voting for segments and sampling a
 * false RTT. Toward any other peer nothing changes on the wire. Our sender takes a REACK_FRG entry as
 * "these are held": it marks them acknowledged (the controller counts each once, a run already presumed
 * acknowledged by ack-loss.ts not again), and takes no RTT sample, no fast-retransmit vote and no spurious
 * retransmission from it (its ts is no send time).
 */

/**
 * The frg byte of a re-acknowledgement entry. An ACK's frg is 0 from kcp-go and from our plain ACKs (frg
 * numbers a message's fragments in PUSH segments only), so a nonzero one is never an ordinary ACK.
 */
export const REACK_FRG = 0x52;

/**
 * The most ranges one flush says again (24 bytes each). A flush's arrivals make one or two (the newest
 * segments in order, a repair below them); more are a flush of scattered repairs, whose lowest ones una
 * soon passes anyway.
 */
export const REACK_RUNS_MAX = 8;
