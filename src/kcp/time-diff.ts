/**
 * Wrap-safe difference of two uint32 counters (sequence numbers or millisecond timestamps), as ikcp's
 * `_itimediff`: the int32 value of `later - earlier`, negative when `later` is before `earlier`. Valid while
 * the two are less than 2^31 apart, which the window and clock ranges guarantee.
 */
export function timeDiff(later: number, earlier: number): number {
  return (later - earlier) | 0;
}
