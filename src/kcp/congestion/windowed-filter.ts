/**
 * A windowed maximum or minimum over a sliding window of time (or rounds), kept in three samples: Kathleen
 * Nichols' algorithm as Linux's lib/win_minmax.c implements it for BBR. The best sample of the window is
 * s[0]; s[1] and s[2] are the best of the second and third quarter-windows, ready to take over when s[0]
 * ages out, so the filter never needs the whole sample history.
 */
export class WindowedFilter {
  private readonly v = new Float64Array(3);
  private readonly t = new Float64Array(3);
  private empty = true;

  /** `window` in the same unit as the `t` passed to update; `max` picks a running maximum, else minimum. */
  constructor(
    private readonly window: number,
    private readonly max: boolean,
  ) {}

  /** The best value in the window, or `fallback` before any sample. */
  best(fallback: number): number {
    return this.empty ? fallback : this.v[0];
  }

  /** Add the sample `value` taken at `t` (non-decreasing across calls). */
  update(value: number, t: number): void {
    const v = this.v;
    const ts = this.t;
    if (this.empty || this.atLeastAsGood(value, v[0]) || t - ts[2] > this.window) {
      v[0] = v[1] = v[2] = value;
      ts[0] = ts[1] = ts[2] = t;
      this.empty = false;
      return;
    }
    if (this.atLeastAsGood(value, v[1])) {
      v[1] = v[2] = value;
      ts[1] = ts[2] = t;
    } else if (this.atLeastAsGood(value, v[2])) {
      v[2] = value;
      ts[2] = t;
    }
    const dt = t - ts[0];
    const win = this.window;
    if (dt > win) {
      // the best aged out: promote the quarter-window bests, twice if the second one is stale too
      this.shift(value, t);
      if (t - ts[0] > win) this.shift(value, t);
    } else if (ts[1] === ts[0] && dt > win / 4) {
      v[1] = v[2] = value;
      ts[1] = ts[2] = t;
    } else if (ts[2] === ts[1] && dt > win / 2) {
      v[2] = value;
      ts[2] = t;
    }
  }

  private shift(value: number, t: number): void {
    const v = this.v;
    const ts = this.t;
    v[0] = v[1];
    ts[0] = ts[1];
    v[1] = v[2];
    ts[1] = ts[2];
    v[2] = value;
    ts[2] = t;
  }

  private atLeastAsGood(a: number, b: number): boolean {
    return this.max ? a >= b : a <= b;
  }
}
