/**
 * A growable ring buffer of segments: O(1) push at the back and shift at the front (the common case for
 * every KCP queue), plus insertion in the middle for the sorted out-of-order receive buffer.
 */
import { freeSegment, type Segment } from './segment.js';

const INITIAL_CAPACITY = 64;

export class SegmentQueue {
  private items: (Segment | null)[] = new Array(INITIAL_CAPACITY).fill(null);
  private mask = INITIAL_CAPACITY - 1;
  private head = 0;
  length = 0;

  /** The i-th segment from the front; 0 ≤ i < length. */
  get(i: number): Segment {
    return this.items[(this.head + i) & this.mask] as Segment;
  }

  last(): Segment | null {
    return this.length === 0 ? null : this.get(this.length - 1);
  }

  push(seg: Segment): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & this.mask] = seg;
    this.length++;
  }

  /** Remove and return the front segment; the queue must not be empty. */
  shift(): Segment {
    const seg = this.items[this.head] as Segment;
    this.items[this.head] = null;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return seg;
  }

  /** Insert so that `seg` becomes the i-th segment (0 ≤ i ≤ length), moving the later ones back. */
  insert(i: number, seg: Segment): void {
    if (this.length === this.items.length) this.grow();
    const items = this.items;
    const mask = this.mask;
    for (let k = this.length; k > i; k--) {
      items[(this.head + k) & mask] = items[(this.head + k - 1) & mask];
    }
    items[(this.head + i) & mask] = seg;
    this.length++;
  }

  /** Return every segment to the pool and empty the queue. */
  release(): void {
    while (this.length > 0) freeSegment(this.shift());
  }

  private grow(): void {
    const old = this.items;
    const next: (Segment | null)[] = new Array(old.length * 2).fill(null);
    for (let k = 0; k < this.length; k++) next[k] = old[(this.head + k) & this.mask];
    this.items = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
