/**
 * The last transmission time of retransmitted segments that una has passed (-mode auto's sender), so a
 * late ACK of an earlier transmission is known as one after the segment left snd_buf.
 *
 * KCP's ACK echoes the timestamp of the transmission it answers, and the sender's RTT sample is
 * now − that timestamp. A segment's earlier transmission can reach the peer long after a retransmission
 * did (the peer's FEC decoder rebuilds it when its group fills, up to a round trip later), and the peer
 * acknowledges it again: a sample of the whole wait, not the path (a 681 ms sample on a 210 ms path,
 * docs/link-startup-baseline-2026-12-05.md). An ACK that echoes a timestamp older than the segment's last
 * transmission, once the segment is acknowledged, is such an ACK; an ACK of the last transmission (a
 * spurious retransmission's duplicate arriving after the original) still measures the path.
 *
 * Segments sent once need no entry (any ACK of theirs echoes their only timestamp): only retransmitted
 * ones are recorded, in a ring indexed by sn. One overwritten by a later sn, or never recorded, is
 * unknown, and its ACK is taken as the path's, as before.
 */
import { timeDiff } from './time-diff.js';

/**
 * Entries, a power of two (36 KiB in all at this size): a late ACK comes within about a round trip of the
 * retransmission's, and una moves by at most the in-flight data meanwhile; in the simulated link benchmark
 * (16 seeds per profile) una had moved up to 1,999 segments past such an ACK's segment, on 150 ms/10 %
 * (docs/link-startup-baseline-2026-12-05.md).
 */
export const RETIRED_SENDS = 4096;
/**
 * Entries the ring starts with at a session's first retransmitted segment that una passes; it doubles (up
 * to RETIRED_SENDS) when a record would overwrite an entry that a ring of RETIRED_SENDS keeps apart, so it
 * holds what that ring holds. Made at full size, the ring cost 8-31 µs per session (36 KiB zeroed, and the
 * collector's share; 0.2-2.5 µs at 16 entries, load ~3, docs/cpu-controller-2026-12-06-cpu26.md), where a
 * short session retires a few segments (1.4 per 64 KiB session at 1 % loss).
 */
const INITIAL_SLOTS = 16;

export class RetiredSends {
  private sns = new Uint32Array(INITIAL_SLOTS);
  private tss = new Uint32Array(INITIAL_SLOTS);
  /** 1 where an entry was recorded (any uint32 is a valid sn). */
  private used = new Uint8Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;

  /** A segment una passed: `ts` was its last transmission's timestamp. */
  record(sn: number, ts: number): void {
    let i = sn & this.mask;
    // another sn in this slot, kept apart by RETIRED_SENDS's ring: grow until they part
    while (this.used[i] === 1 && ((this.sns[i] ^ sn) & (RETIRED_SENDS - 1)) !== 0) {
      this.grow();
      i = sn & this.mask;
    }
    this.sns[i] = sn;
    this.tss[i] = ts;
    this.used[i] = 1;
  }

  /** Whether an ACK of `sn` echoing `ts` answers a transmission older than the segment's last. */
  echoesEarlier(sn: number, ts: number): boolean {
    const i = sn & this.mask;
    return this.used[i] === 1 && this.sns[i] === sn >>> 0 && timeDiff(ts, this.tss[i]) < 0;
  }

  /** Twice the slots; each entry keeps a slot of its own, as its sn's low bits differ from the others'. */
  private grow(): void {
    const size = 2 * (this.mask + 1);
    const mask = size - 1;
    const sns = new Uint32Array(size);
    const tss = new Uint32Array(size);
    const used = new Uint8Array(size);
    for (let j = 0; j <= this.mask; j++) {
      if (this.used[j] === 0) continue;
      const k = this.sns[j] & mask;
      sns[k] = this.sns[j];
      tss[k] = this.tss[j];
      used[k] = 1;
    }
    this.sns = sns;
    this.tss = tss;
    this.used = used;
    this.mask = mask;
  }
}
