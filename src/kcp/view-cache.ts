/**
 * Views of the parts of datagrams that are copied out of the I/O's slots, kept for reuse.
 *
 * JavaScript copies between two buffers only from a whole typed array (`TypedArray#set`); Buffer#copy of
 * a part makes a view of the part on every call (Node 20's _copyActual), 0.2-0.4 µs each (1326-byte
 * copies, measured). Per datagram, a receiving session copies out KCP's segment payload and, with FEC,
 * the shard the decoder queues; a sending one with FEC the shard the encoder stashes and the parity from
 * the codec's rows. The parts recur: the batched I/O sends and receives in the same slots of one native
 * block call after call (mmsg-io.ts), so a datagram of the same size lies at the same address. A cached
 * view is handed out only for exactly the same ArrayBuffer, offset and length, so it covers the bytes
 * asked for; a miss costs a hash and a compare on top of the view it makes.
 */

/**
 * Slots of the hash table, a power of two. Half of it may fill (open addressing with linear probing stays
 * short at that load); the views that recur are those of a socket's send and receive slots: about 200
 * (64 receive slots with a KCP segment and an FEC shard each, 64 send slots with an FEC shard, a few
 * parity rows), more with several sockets or GRO.
 */
const TABLE_SIZE = 2048;
const TABLE_MASK = TABLE_SIZE - 1;
/**
 * Views held at most; a miss with the table this full empties it first, so buffers that never recur (a
 * fallback I/O's fresh datagrams) cost one rebuild per this many datagrams and are not held longer.
 */
const MAX_VIEWS = TABLE_SIZE / 2;

/** Where the view of `length` bytes at byte address `at` of its ArrayBuffer is looked for first. */
function slotOf(at: number, length: number): number {
  // murmur3's finalizer: the slots' addresses form regular strides, which a plain multiply maps onto few
  let h = at ^ Math.imul(length, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & TABLE_MASK;
}

export class ViewCache {
  private readonly views: (Uint8Array | null)[] = new Array(TABLE_SIZE).fill(null);
  private count = 0;

  /** buf[start, end) as a Uint8Array (a view; the bytes are not copied). */
  view(buf: Uint8Array, start: number, end: number): Uint8Array {
    const at = buf.byteOffset + start;
    const length = end - start;
    const views = this.views;
    let slot = slotOf(at, length);
    for (let cached = views[slot]; cached !== null; cached = views[slot]) {
      if (cached.byteOffset === at && cached.length === length && cached.buffer === buf.buffer) return cached;
      slot = (slot + 1) & TABLE_MASK;
    }
    if (this.count === MAX_VIEWS) {
      this.clear();
      slot = slotOf(at, length);
    }
    const view = new Uint8Array(buf.buffer, at, length);
    views[slot] = view;
    this.count++;
    return view;
  }

  /** Forget every view (they hold their buffers). */
  clear(): void {
    this.views.fill(null);
    this.count = 0;
  }
}

/**
 * The thread's cache: a server's sessions all send and receive through one socket's slots. Emptied with
 * the segment pool when the last session is gone (releaseSegmentPool).
 */
export const datagramViews = new ViewCache();
