/**
 * A windowed maximum or minimum over a sliding window of time (or rounds), kept in three samples: Kathleen
 * Nichols' algorithm as Linux's lib/win_minmax.c implements it for BBR. The best sample of the window is
 * s[0]; s[1] and s[2] are the best of the second and third quarter-windows, ready to take over when s[0]
 * ages out, so the filter never needs the whole sample history.
 */
export class WindowedFilter {
  // s[0..2] as fields, not typed arrays: a session makes three filters, and each typed array costs its own
  // allocation at construction and a bounds-checked load on each ACK (docs/cpu-controller-2026-12-06-cpu26.md)
  private v0 = 0;
  private v1 = 0;
  private v2 = 0;
  private t0 = 0;
  private t1 = 0;
  private t2 = 0;
  private empty = true;

  /** `window` in the same unit as the `t` passed to update; `max` picks a running maximum, else minimum. */
  constructor(
    private readonly window: number,
    private readonly max: boolean,
  ) {}

  /** The best value in the window, or `fallback` before any sample. */
  best(fallback: number): number {
    return this.empty ? fallback : this.v0;
  }

  /** Add the sample `value` taken at `t` (non-decreasing across calls). */
  update(value: number, t: number): void {
    if (this.empty || this.atLeastAsGood(value, this.v0) || t - this.t2 > this.window) {
      this.v0 = this.v1 = this.v2 = value;
      this.t0 = this.t1 = this.t2 = t;
      this.empty = false;
      return;
    }
    if (this.atLeastAsGood(value, this.v1)) {
      this.v1 = this.v2 = value;
      this.t1 = this.t2 = t;
    } else if (this.atLeastAsGood(value, this.v2)) {
      this.v2 = value;
      this.t2 = t;
    }
    const dt = t - this.t0;
    const win = this.window;
    if (dt > win) {
      // the best aged out: promote the quarter-window bests, twice if the second one is stale too
      this.shift(value, t);
      if (t - this.t0 > win) this.shift(value, t);
    } else if (this.t1 === this.t0 && dt > win / 4) {
      this.v1 = this.v2 = value;
      this.t1 = this.t2 = t;
    } else if (this.t2 === this.t1 && dt > win / 2) {
      this.v2 = value;
      this.t2 = t;
    }
  }

  private shift(value: number, t: number): void {
    this.v0 = this.v1;
    this.t0 = this.t1;
    this.v1 = this.v2;
    this.t1 = this.t2;
    this.v2 = value;
    this.t2 = t;
  }

  private atLeastAsGood(a: number, b: number): boolean {
    return this.max ? a >= b : a <= b;
  }
}
