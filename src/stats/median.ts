/**
 * The median of a sample: the middle value of the sorted sample, or the mean of the two middle values,
 * ½(a + b), when the count is even. O(n log n) (a sorted copy). Null for an empty sample.
 *
 * Not simple-statistics' `median`: it interpolates the two middle values as a + ½(b − a) (its type-7
 * `quantileSorted` at p = ½), which differs from ½(a + b) in the last bit for about one pair of random
 * doubles in eleven — and the medians taken here are saved (a sweep's `crnPrecisionGain`), so results
 * would change in value.
 *
 * @example
 * median([3, 1, 2]) // 2
 * median([4, 1, 3, 2]) // 2.5
 */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}
