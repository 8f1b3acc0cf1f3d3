/**
 * Wrap-safe difference of two uint32 counters (millisecond clocks, sequence numbers), as ikcp's
 * `_itimediff`.
 *
 * Why: KCP clocks and sequence numbers are uint32 values that wrap around. Comparing them directly
 * breaks at the wrap; their difference read as a signed int32 stays right as long as the two values
 * are less than 2^31 apart, which every caller guarantees (timers are seconds apart, windows hold at
 * most a few thousand segments). `timeDiff(a, b) < 0` reads "a is before b".
 */
export function timeDiff(later: number, earlier: number): number {
  return (later - earlier) | 0;
}
