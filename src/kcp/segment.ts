/**
 * A queued KCP data segment (sent or received PUSH) and a process-wide pool of them, playing the role of
 * kcp-go's `xmitBuf` pool: steady-state traffic recycles segments instead of allocating per packet.
 */
import type { SendSnapshot } from './congestion/send-snapshot.js';
import { KCP_MTU_LIMIT } from './constants.js';
import { timeDiff } from './time-diff.js';
import { datagramViews } from './view-cache.js';

/** Payload capacity of a pooled segment: no segment of a kcp-go peer can be larger (mss < mtu ≤ 1500). */
export const SEGMENT_CAPACITY = KCP_MTU_LIMIT;

/** Pooled segments kept for reuse (about 12 MB); beyond this, freed segments are left to the GC. */
const POOL_MAX = 8192;

/**
 * How often the scheduler trims the pool (trimSegmentPool). A burst (a bulk transfer, a thousand sessions
 * echoing at once) fills the pool to POOL_MAX; without trimming, those 12 MB stayed resident for the life
 * of the process (docs/bench-tunnel-memory-2026-12-02.md).
 */
export const SEGMENT_POOL_TRIM_MS = 10_000;

export class Segment implements SendSnapshot {
  sn = 0;
  /** Sender: timestamp of the last transmission. Receiver: unused. */
  ts = 0;
  rto = 0;
  xmit = 0;
  resendts = 0;
  fastack = 0;
  acked = false;
  /**
   * -mode auto's sender: taken as acknowledged by a lost ACK datagram of the peer (ack-loss.ts), held
   * back from fast retransmit and counted delivered to the controller then; its ACK (or una) later counts
   * nothing more. Cleared when it is resent.
   */
  presumedAcked = false;
  /** Sender, -mode auto: a second copy (a thin stream's, a tail's retransmission) is due at copyDue (see Kcp's COPY_RTT_SHARE). */
  copyPending = false;
  copyDue = 0;
  // congestion controller snapshot of the last transmission (see SendSnapshot); unused with nc
  ccDelivered = 0;
  ccDeliveredTime = 0;
  ccFirstSendTime = 0;
  ccSentTime = 0;
  ccAppLimited = false;
  ccWindowUsed = false;
  ccInFlight = false;
  ccParityShare = 0;
  ccParitySent = 0;
  ccSentBytes = 0;
  ccAllowance = 0;
  ccSenderLimited = false;
  /** Payload bytes in data[0, len). */
  len = 0;
  readonly data: Buffer;
  /** data[0, view.length): payload()'s view, kept while len stays the same. */
  private view: Buffer;

  constructor(data: Buffer) {
    this.data = data;
    this.view = data.subarray(0, 0);
  }

  /**
   * The payload data[0, len) as a view, to copy from with `TypedArray#set`. Buffer#copy of a part of a
   * buffer makes a view of that part on every call (Node 20's _copyActual; 0.2-0.4 µs each, measured with
   * 1326-byte copies), so flush and recv would make one per segment; this view is made again only when
   * len changed, and a pooled segment keeps it across reuse (a bulk transfer's segments are all mss long).
   */
  payload(): Buffer {
    if (this.view.length !== this.len) this.view = this.data.subarray(0, this.len);
    return this.view;
  }
}

const pool: Segment[] = [];
/** The fewest segments the pool held since the last trim: that many were not needed all period. */
let unusedSinceTrim = 0;
let nextTrimAt = -1;

/** A segment with all fields zeroed and at least `capacity` bytes of payload room. */
export function allocSegment(capacity: number): Segment {
  if (capacity > SEGMENT_CAPACITY) return new Segment(Buffer.allocUnsafe(capacity));
  const seg = pool.pop();
  if (seg === undefined) return new Segment(Buffer.allocUnsafe(SEGMENT_CAPACITY));
  if (pool.length < unusedSinceTrim) unusedSinceTrim = pool.length;
  seg.sn = 0;
  seg.ts = 0;
  seg.rto = 0;
  seg.xmit = 0;
  seg.resendts = 0;
  seg.fastack = 0;
  seg.acked = false;
  seg.presumedAcked = false;
  seg.copyPending = false;
  seg.ccInFlight = false;
  seg.ccAppLimited = false;
  seg.ccWindowUsed = false;
  seg.len = 0;
  return seg;
}

export function freeSegment(seg: Segment): void {
  if (seg.data.length === SEGMENT_CAPACITY && pool.length < POOL_MAX) pool.push(seg);
}

/**
 * Every SEGMENT_POOL_TRIM_MS of `now` (the KCP clock), drop the pooled segments that sat unused since
 * the previous trim (the pool's low-water mark), leaving what steady traffic cycles through. The first
 * call only starts the period. Returns how many segments were dropped.
 */
export function trimSegmentPool(now: number): number {
  if (nextTrimAt !== -1 && timeDiff(now, nextTrimAt) < 0) return 0;
  const first = nextTrimAt === -1;
  nextTrimAt = (now + SEGMENT_POOL_TRIM_MS) >>> 0;
  if (first) return 0;
  const dropped = unusedSinceTrim;
  pool.length -= dropped;
  unusedSinceTrim = pool.length;
  return dropped;
}

/** Empty the pool, and the cache of received datagrams' views: the last session is gone. */
export function releaseSegmentPool(): void {
  datagramViews.clear();
  pool.length = 0;
  unusedSinceTrim = 0;
  nextTrimAt = -1;
}

/** Segments in the pool now. */
export function pooledSegments(): number {
  return pool.length;
}
