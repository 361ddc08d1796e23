/**
 * The k-th smallest value of an array, in place, through simple-statistics' `quickselect` (Floyd–Rivest):
 * afterwards x[k] holds it, every value before index k is ≤ it and every value after is ≥ it. O(n)
 * expected. A foundation module (no engine imports), so every layer may use it.
 */
import { quickselect } from 'simple-statistics';

/** Puts the k-th smallest value of `x` (0-based) at index k, smaller before, larger after, and returns it. */
export function kthSmallest(x: Float64Array, k: number): number {
  // (simple-statistics types its argument as number[]; it only indexes and swaps, which a Float64Array does alike)
  quickselect(x as unknown as number[], k);
  return x[k];
}
