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

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e−9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let q: number, r: number;
  if (p < pl) {
    q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) {
    q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  q = p - 0.5;
  r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Standard normal CDF (via erfc, Numerical Recipes' Chebyshev fit, |error| < 1.2e−7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

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
