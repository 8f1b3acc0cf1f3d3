import type { BatchSealer, PacketCrypt } from './types.js';

/** Datagrams one receive call holds without GRO (mmsg-io's batch); more make the arrays grow. */
const INITIAL_CAPACITY = 64;

/**
 * The datagrams of one receive call, opened together before they are delivered one by one: datagram i is
 * bufs[i][offsets[i], offsets[i] + lengths[i]), and `ends[i]` gets what `PacketCrypt.open` would have
 * returned for it. One batch serves every receive call (the arrays are reused and only grow), so filling
 * it allocates nothing per datagram.
 */
export class DatagramBatch {
  count = 0;
  readonly bufs: Buffer[] = [];
  offsets: Int32Array = new Int32Array(INITIAL_CAPACITY);
  lengths: Int32Array = new Int32Array(INITIAL_CAPACITY);
  ends: Int32Array = new Int32Array(INITIAL_CAPACITY);

  constructor() {
    // Stored again, so V8 holds these fields mutable from the start: it takes a field as constant until its
    // first change, and that change (a batch's first growth, mmsg-io's receive batch past 64 datagrams of
    // coalesced receives) deoptimizes every function compiled against it, for every batch of this shape:
    // the crypt's seal and AES runs on the send batch (docs/bench-tunnel-cold-2026-12-04-2.md).
    this.offsets = new Int32Array(INITIAL_CAPACITY);
    this.lengths = new Int32Array(INITIAL_CAPACITY);
    this.ends = new Int32Array(INITIAL_CAPACITY);
  }

  clear(): void {
    this.count = 0;
  }

  add(buf: Buffer, offset: number, length: number): void {
    const i = this.count++;
    if (i === this.offsets.length) this.grow();
    this.bufs[i] = buf;
    this.offsets[i] = offset;
    this.lengths[i] = length;
  }

  private grow(): void {
    const size = this.offsets.length * 2;
    this.offsets = grown(this.offsets, size);
    this.lengths = grown(this.lengths, size);
    this.ends = new Int32Array(size);
  }
}

function grown(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** What `UdpIo` calls on a batch it received (a PacketCrypt that opens batches). */
export interface BatchOpener {
  openMany(batch: DatagramBatch): void;
}

/** `crypt` as a BatchOpener when it opens batches, else null. */
export function batchOpener(crypt: PacketCrypt): BatchOpener | null {
  return crypt.openMany === undefined ? null : (crypt as BatchOpener);
}

/** What an I/O that sends in batches seals them with for `crypt`, or null (each datagram sealed alone). */
export function batchSealer(crypt: PacketCrypt): BatchSealer | null {
  return crypt.batchSealer ?? null;
}
