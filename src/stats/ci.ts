/**
 * Point estimates with 95% (by default) confidence intervals for Monte Carlo outputs. Each function
 * states its estimator and interval; all take plain number arrays and are O(n) (or O(n log n) when
 * they sort).
 */
import { mean as ssMean, sampleVariance, quantileSorted } from 'simple-statistics';

/** A Monte Carlo estimate: value, interval, sample size and how the interval was built. */
export interface Estimate {
  estimate: number;
  lower: number;
  upper: number;
  /** Standard error of the estimate where one is defined (normal-approximation methods). */
  standardError: number | null;
  n: number;
  method: 'normal-mean' | 'wilson' | 'order-statistic' | 'es-asymptotic';
}

export const Z95 = 1.959963984540054;

export { normalCdf, normalQuantile } from '../math/normal.js';
import { normalQuantile } from '../math/normal.js';

function zFor(confidence: number): number {
  return confidence === 0.95 ? Z95 : normalQuantile(0.5 + confidence / 2);
}

function requireSample(xs: ArrayLike<number>, what: string): void {
  if (xs.length === 0) throw new RangeError(`${what} requires at least one observation`);
}

/**
 * Mean with a normal-approximation interval: x̄ ± z·s/√n (s the sample standard deviation).
 * With n = 1 the interval is [x̄, x̄] and the standard error is reported as null.
 * @example meanCi([1, 2, 3]).estimate === 2
 */
export function meanCi(xs: number[], confidence = 0.95): Estimate {
  requireSample(xs, 'meanCi');
  const n = xs.length;
  const m = ssMean(xs);
  if (n < 2) return { estimate: m, lower: m, upper: m, standardError: null, n, method: 'normal-mean' };
  const se = Math.sqrt(sampleVariance(xs) / n);
  const z = zFor(confidence);
  return { estimate: m, lower: m - z * se, upper: m + z * se, standardError: se, n, method: 'normal-mean' };
}

/**
 * Proportion k/n with the Wilson score interval (sound near 0 and 1, unlike the Wald interval):
 * centre (p̂ + z²/2n)/(1 + z²/n), half-width z·√(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n).
 * The standard error reported is √(p̂(1−p̂)/n).
 */
export function proportionCi(k: number, n: number, confidence = 0.95): Estimate {
  if (!(n > 0)) throw new RangeError('proportionCi requires n > 0');
  const p = k / n;
  const z = zFor(confidence);
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return {
    estimate: p,
    lower: k === 0 ? 0 : Math.max(0, centre - half),
    upper: k === n ? 1 : Math.min(1, centre + half),
    standardError: Math.sqrt((p * (1 - p)) / n),
    n,
    method: 'wilson',
  };
}

/**
 * The q-quantile (value-at-risk) of a sorted sample, x_(⌈nq⌉), with the distribution-free
 * order-statistic interval: ranks ⌊nq − z√(nq(1−q))⌋ and ⌈nq + z√(nq(1−q))⌉ + 1, clipped to [1, n].
 */
export function quantileCiSorted(sorted: number[], q: number, confidence = 0.95): Estimate {
  requireSample(sorted, 'quantileCiSorted');
  const n = sorted.length;
  const z = zFor(confidence);
  const rank = Math.min(n, Math.max(1, Math.ceil(n * q)));
  const spread = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.min(n, Math.max(1, Math.floor(n * q - spread)));
  const hi = Math.min(n, Math.max(1, Math.ceil(n * q + spread) + 1));
  return { estimate: sorted[rank - 1], lower: sorted[lo - 1], upper: sorted[hi - 1], standardError: null, n, method: 'order-statistic' };
}

/**
 * Expected shortfall at level q of a sorted sample: the mean of the k = n − ⌊nq⌋ largest values,
 * with the asymptotic interval ES ± z·√((Var_tail + q·(ES − VaR)²) / (n(1 − q))), where Var_tail is
 * the variance of those k values and VaR = x_(⌈nq⌉). The lower bound is clipped at the smallest
 * tail value, which the tail mean can never be below.
 */
export function expectedShortfallCiSorted(sorted: number[], q: number, confidence = 0.95): Estimate {
  requireSample(sorted, 'expectedShortfallCiSorted');
  const n = sorted.length;
  const k = Math.max(1, n - Math.floor(n * q));
  const tail = sorted.slice(n - k);
  const es = ssMean(tail);
  const varQ = sorted[Math.min(n, Math.max(1, Math.ceil(n * q))) - 1];
  const vTail = tail.length > 1 ? sampleVariance(tail) : 0;
  const se = Math.sqrt((vTail + q * (es - varQ) ** 2) / (n * (1 - q)));
  const z = zFor(confidence);
  return { estimate: es, lower: Math.max(tail[0], es - z * se), upper: es + z * se, standardError: se, n, method: 'es-asymptotic' };
}

/** Plain quantiles of a sorted sample (type-7 interpolation, simple-statistics). */
export function quantilesSorted(sorted: number[], qs: readonly number[]): Record<string, number> {
  requireSample(sorted, 'quantilesSorted');
  const out: Record<string, number> = {};
  for (const q of qs) out[`p${String(Math.round(q * 1000) / 10).replace('.', '_')}`] = quantileSorted(sorted, q);
  return out;
}
