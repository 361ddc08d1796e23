/**
 * Histograms computed in Node, so a page carries bin counts instead of every path's value.
 * `niceStep` picks a bin width of 1, 2, 2.5 or 5 × 10^k; `histogram` bins linearly on nice edges;
 * `logHistogram` bins positive values on quarter-decade edges (10^(k/4)). O(n) after the min/max scan.
 */

export interface Bin {
  /** Inclusive lower edge. */
  x0: number;
  /** Exclusive upper edge (inclusive for the last bin). */
  x1: number;
  count: number;
}

/** The smallest of 1, 2, 2.5, 5 × 10^k that is ≥ `raw` (raw > 0). @example niceStep(0.3) === 0.5 */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) throw new RangeError(`niceStep requires a positive finite width, got ${raw}`);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw * (1 - 1e-12)) return m * p;
  return 10 * p;
}

function minMax(xs: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/**
 * Linear histogram with nice edges and about `maxBins` bins (never more). Non-finite values are
 * skipped. Empty input gives no bins; a constant sample gives one bin around the value.
 * @example histogram([0, 1, 2, 3], 2) → [{x0:0,x1:2,count:2},{x0:2,x1:4,count:2}]
 */
export function histogram(values: ArrayLike<number>, maxBins = 30): Bin[] {
  const xs = Array.from(values).filter(Number.isFinite);
  if (xs.length === 0) return [];
  const [lo, hi] = minMax(xs);
  if (lo === hi) {
    const w = lo === 0 ? 1 : niceStep(Math.abs(lo) / 10);
    return [{ x0: lo - w / 2, x1: lo + w / 2, count: xs.length }];
  }
  let step = niceStep((hi - lo) / maxBins);
  let start = Math.floor(lo / step) * step;
  let n = Math.max(1, Math.ceil((hi - start) / step - 1e-9));
  if (start + n * step <= hi) n++;
  while (n > maxBins) {
    step = niceStep(step * 1.0001);
    start = Math.floor(lo / step) * step;
    n = Math.max(1, Math.ceil((hi - start) / step - 1e-9));
    if (start + n * step <= hi) n++;
  }
  const counts = new Array<number>(n).fill(0);
  for (const x of xs) counts[Math.min(n - 1, Math.floor((x - start) / step + 1e-9))]++;
  return counts.map((count, k) => ({ x0: clean(start + k * step), x1: clean(start + (k + 1) * step), count }));
}

/**
 * Histogram of the positive values on quarter-decade edges 10^(k/4); zeros and negatives are
 * skipped (count them separately). Bins between the first and last non-empty bin are all kept.
 */
export function logHistogram(values: ArrayLike<number>): Bin[] {
  const counts = new Map<number, number>();
  let kLo = Infinity;
  let kHi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (!(x > 0) || !Number.isFinite(x)) continue;
    let k = Math.floor(4 * Math.log10(x) + 1e-9);
    if (10 ** (k / 4) > x) k--;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (k < kLo) kLo = k;
    if (k > kHi) kHi = k;
  }
  const out: Bin[] = [];
  for (let k = kLo; k <= kHi; k++) out.push({ x0: clean(10 ** (k / 4)), x1: clean(10 ** ((k + 1) / 4)), count: counts.get(k) ?? 0 });
  return out;
}

/** Removes float noise from bin edges (0.30000000000000004 → 0.3). */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}
