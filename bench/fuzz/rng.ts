/**
 * A seeded pseudo-random generator (mulberry32) so that a fuzz run is reproducible from its --seed: the
 * same seed sends the same inputs in the same order (timing, and so what the server makes of them, varies).
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uint32. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 0x100000000) * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A value that is often at an edge: 0, 1, the maximum, a power of two and its neighbours, or random. */
  edgyU32(): number {
    switch (this.below(8)) {
      case 0:
        return 0;
      case 1:
        return 1;
      case 2:
        return 0xffffffff;
      case 3:
        return 0x7fffffff + this.below(3);
      case 4: {
        const p = 2 ** this.below(32);
        return (p + this.between(-1, 1)) >>> 0;
      }
      default:
        return this.u32();
    }
  }
}
