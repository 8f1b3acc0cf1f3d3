/** Deterministic pseudo-random numbers for the FEC tests (xorshift32), so failures reproduce. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return this.u32() % n;
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  fill(buf: Uint8Array, start = 0, end = buf.length): void {
    for (let i = start; i < end; i++) buf[i] = this.u32() & 0xff;
  }
}
