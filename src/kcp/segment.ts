/**
 * A queued KCP data segment (sent or received PUSH) and a process-wide pool of them, playing the role of
 * kcp-go's `xmitBuf` pool: steady-state traffic recycles segments instead of allocating per packet.
 */
import type { SendSnapshot } from './congestion/controller.js';
import { KCP_MTU_LIMIT } from './constants.js';

/** Payload capacity of a pooled segment: no segment of a kcp-go peer can be larger (mss < mtu ≤ 1500). */
export const SEGMENT_CAPACITY = KCP_MTU_LIMIT;

/** Pooled segments kept for reuse (about 12 MB); beyond this, freed segments are left to the GC. */
const POOL_MAX = 8192;

export class Segment implements SendSnapshot {
  sn = 0;
  /** Sender: timestamp of the last transmission. Receiver: unused. */
  ts = 0;
  rto = 0;
  xmit = 0;
  resendts = 0;
  fastack = 0;
  acked = false;
  // congestion controller snapshot of the last transmission (see SendSnapshot); unused with nc
  ccDelivered = 0;
  ccDeliveredTime = 0;
  ccFirstSendTime = 0;
  ccSentTime = 0;
  ccAppLimited = false;
  ccInFlight = false;
  /** Payload bytes in data[0, len). */
  len = 0;
  readonly data: Buffer;

  constructor(data: Buffer) {
    this.data = data;
  }
}

const pool: Segment[] = [];

/** A segment with all fields zeroed and at least `capacity` bytes of payload room. */
export function allocSegment(capacity: number): Segment {
  if (capacity > SEGMENT_CAPACITY) return new Segment(Buffer.allocUnsafe(capacity));
  const seg = pool.pop();
  if (seg === undefined) return new Segment(Buffer.allocUnsafe(SEGMENT_CAPACITY));
  seg.sn = 0;
  seg.ts = 0;
  seg.rto = 0;
  seg.xmit = 0;
  seg.resendts = 0;
  seg.fastack = 0;
  seg.acked = false;
  seg.ccInFlight = false;
  seg.ccAppLimited = false;
  seg.len = 0;
  return seg;
}

export function freeSegment(seg: Segment): void {
  if (seg.data.length === SEGMENT_CAPACITY && pool.length < POOL_MAX) pool.push(seg);
}
