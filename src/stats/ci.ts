/**
 * Point estimates with confidence intervals for Monte Carlo outputs of independent, equally weighted
 * paths (src/stats/design.ts adapts them to importance weights and to books redrawn per block).
 * Each function states its estimator, its interval and the coverage it was validated for
 * (test/stats/coverage.test.ts, scripts/validate-coverage.mjs); docs/results.md gives the references.
 *
 *   proportionCi      Clopper–Pearson (exact): coverage ≥ the level for every p and n
 *   quantileCiSorted  exact binomial order-statistic ranks: coverage ≥ the level; an upper bound only
 *                     when the sample can give one (n ≥ ln(α/2)/ln q), else `upper: null`
 *   twoPartMeanCi     mean of a non-negative, zero-inflated quantity (bad debt): frequency × size,
 *                     Clopper–Pearson for the frequency and Student-t on the log scale for the size,
 *                     combined in quadrature; open above with fewer than 5 non-zero paths
 *   expectedShortfallCiSorted  ES as VaR + E[(X − VaR)⁺]/(1 − q) (Rockafellar–Uryasev), the mean part
 *                     by the two-part interval; open above with fewer than 5 paths beyond VaR
 *   meanCi            normal x̄ ± z·s/√n, for quantities that are not zero-inflated
 *
 * A figure resting on few paths carries its count (`tail`) and, when a bound cannot be given,
 * `upper: null` (or `lower: null`) and a note saying how many paths would give one.
 */
import { mean as ssMean, sampleVariance, quantileSorted } from 'simple-statistics';
import { binomialCdf, inverseRegularizedBeta, studentTQuantile } from '../math/special.js';

export type EstimateMethod =
  | 'normal-mean'
  | 'two-part'
  | 'clopper-pearson'
  | 'wilson'
  | 'order-statistic'
  | 'es-two-part'
  | 'weighted-normal-mean'
  | 'weighted-two-part'
  | 'weighted-clopper-pearson'
  | 'weighted-order-statistic'
  | 'weighted-es-two-part';

/** How many paths a figure rests on (results.json: every tail figure carries one). */
export interface TailCount {
  /**
   * The paths the figure rests on: for VaR and ES at level q the n − ⌊nq⌋ paths of the tail; for a
   * probability or a mean, all n paths.
   */
  paths: number;
  /** How many of those paths have a non-zero value (the event, for a probability). */
  nonZero: number;
  /** The documented minimum of the count that matters (MIN_TAIL_PATHS) below which the figure is marked thin. */
  minimum: number;
  /** True when that count is below the minimum, or a bound is open. */
  thin: boolean;
  /**
   * Paths a run would need (at the rate observed) for the count to reach the minimum and every bound
   * to close; null when already met. With no non-zero path at all it is a lower bound (from the
   * Clopper–Pearson upper limit of the rate).
   */
  pathsNeeded: number | null;
}

/** A Monte Carlo estimate: value, interval, sample size, level and how the interval was built. */
export interface Estimate {
  estimate: number;
  /** Lower confidence limit; null when the sample cannot bound the figure from below. */
  lower: number | null;
  /** Upper confidence limit; null (an open bound) when the sample cannot bound it from above — see `note`. */
  upper: number | null;
  /** Standard error of the estimate where one is defined; null otherwise. */
  standardError: number | null;
  /** Paths the estimate was computed from. */
  n: number;
  /** Two-sided confidence level of [lower, upper] (0.95 unless stated). */
  level: number;
  method: EstimateMethod;
  /** The paths the figure rests on (tail figures: VaR, ES, probabilities, zero-inflated means). */
  tail?: TailCount;
  /** Effective sample size when paths are weighted (importance sampling) or clustered by book. */
  effectivePaths?: number;
  /** Why a bound is open or the figure is thin, e.g. "needs ≥ 367 paths for an upper bound". */
  note?: string;
}

export const Z95 = 1.959963984540054;

/**
 * The documented minimum: a tail figure resting on fewer than this many tail paths (VaR, ES) or
 * non-zero paths (a zero-inflated mean) is marked thin in results.json and the report.
 */
export const MIN_TAIL_PATHS = 10;

/**
 * Non-zero paths the two-part interval needs for a closed upper bound (its coverage is validated
 * from 5 on: test/stats/coverage.test.ts); fewer leave the mean, or ES, open above.
 */
export const MIN_NONZERO_FOR_BOUND = 5;

export { normalCdf, normalQuantile } from '../math/normal.js';
import { normalQuantile } from '../math/normal.js';

export function zFor(confidence: number): number {
  return confidence === 0.95 ? Z95 : normalQuantile(0.5 + confidence / 2);
}

function requireSample(xs: ArrayLike<number>, what: string): void {
  if (xs.length === 0) throw new RangeError(`${what} requires at least one observation`);
}

function checkLevel(confidence: number, what: string): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`${what}: confidence must be in (0, 1), got ${confidence}`);
}

/** A percentage for notes: 0.95 → "95%", 0.999 → "99.9%". */
export function pctLabel(x: number): string {
  return `${Number((100 * x).toPrecision(6))}%`;
}

/**
 * Mean with a normal-approximation interval: x̄ ± z·s/√n (s the sample standard deviation). For
 * quantities that are not zero-inflated (use `twoPartMeanCi` for those). With n = 1 the interval is
 * [x̄, x̄] and the standard error is null. O(n).
 * @example meanCi([1, 2, 3]).estimate === 2
 */
export function meanCi(xs: ArrayLike<number>, confidence = 0.95): Estimate {
  requireSample(xs, 'meanCi');
  checkLevel(confidence, 'meanCi');
  const arr = Array.from(xs);
  const n = arr.length;
  const m = ssMean(arr);
  if (n < 2) return { estimate: m, lower: m, upper: m, standardError: null, n, level: confidence, method: 'normal-mean' };
  const se = Math.sqrt(sampleVariance(arr) / n);
  const z = zFor(confidence);
  return { estimate: m, lower: m - z * se, upper: m + z * se, standardError: se, n, level: confidence, method: 'normal-mean' };
}

/**
 * Clopper–Pearson ("exact") limits for a binomial proportion with k events in n trials:
 * lower = Beta⁻¹(α/2; k, n − k + 1) (0 when k = 0), upper = Beta⁻¹(1 − α/2; k + 1, n − k) (1 when
 * k = n). k and n may be non-integer (an effective count, Korn & Graubard 1998). O(1) beta inversions.
 */
export function clopperPearson(k: number, n: number, confidence = 0.95): [number, number] {
  const a = 1 - confidence;
  const lower = k <= 0 ? 0 : inverseRegularizedBeta(a / 2, k, n - k + 1);
  const upper = k >= n ? 1 : inverseRegularizedBeta(1 - a / 2, k + 1, n - k);
  return [lower, upper];
}

/**
 * Proportion k/n with the Clopper–Pearson interval (Clopper & Pearson 1934): its coverage is at least
 * the level for every p and n, also for rare events (p ≈ 5% at 30 paths), where the Wilson and
 * normal intervals dip below it. `standardError` = √(p̂(1 − p̂)/n). O(1).
 * @example proportionCi(0, 100).upper ≈ 0.0362 (the "rule of three" region)
 */
export function proportionCi(k: number, n: number, confidence = 0.95): Estimate {
  if (!(n > 0)) throw new RangeError('proportionCi requires n > 0');
  if (!(k >= 0 && k <= n)) throw new RangeError(`proportionCi requires 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  checkLevel(confidence, 'proportionCi');
  const p = k / n;
  const [lower, upper] = clopperPearson(k, n, confidence);
  return {
    estimate: p,
    lower,
    upper,
    standardError: Math.sqrt((p * (1 - p)) / n),
    n,
    level: confidence,
    method: 'clopper-pearson',
    tail: { paths: n, nonZero: k, minimum: 0, thin: false, pathsNeeded: null },
  };
}

/**
 * The Wilson score interval for k/n (kept for comparison; results use Clopper–Pearson): centre
 * (p̂ + z²/2n)/(1 + z²/n), half-width z·√(p̂(1 − p̂)/n + z²/4n²)/(1 + z²/n).
 */
export function wilsonCi(k: number, n: number, confidence = 0.95): Estimate {
  if (!(n > 0)) throw new RangeError('wilsonCi requires n > 0');
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
    level: confidence,
    method: 'wilson',
  };
}

/**
 * Exact distribution-free ranks for the q-quantile of n independent draws: with K ~ Binomial(n, q)
 * the number of draws at or below the quantile, P(x₍l₎ ≤ ξ_q ≤ x₍u₎) ≥ P(l ≤ K ≤ u − 1) ≥ level.
 * l = the largest rank with P(K ≤ l − 1) ≤ α/2 (0 = no lower bound); u = the smallest rank with
 * P(K ≤ u − 1) ≥ 1 − α/2 (n + 1 = no upper bound). Conservative when the law has atoms (bad debt's
 * zeros). `n` may be non-integer (an effective count). O(log n) binomial tails.
 */
export function orderStatisticRanks(n: number, q: number, confidence = 0.95): { lower: number; upper: number } {
  const a = 1 - confidence;
  const N = Math.floor(n);
  const cdf = (k: number) => binomialCdf(k, n, q);
  // largest l in [0, N] with cdf(l − 1) ≤ α/2
  let lo = 0;
  let hi = N + 1;
  while (hi - lo > 1) {
    const m = (lo + hi) >> 1;
    if (cdf(m - 1) <= a / 2) lo = m;
    else hi = m;
  }
  const lower = lo;
  // smallest u in [1, N + 1] with cdf(u − 1) ≥ 1 − α/2
  let L = 1;
  let H = N + 1;
  while (L < H) {
    const m = (L + H) >> 1;
    if (cdf(m - 1) >= 1 - a / 2) H = m;
    else L = m + 1;
  }
  return { lower, upper: L };
}

/** The smallest n for which the exact order-statistic interval of the q-quantile has an upper bound: 1 − qⁿ ≥ 1 − α/2. */
export function pathsForQuantileUpperBound(q: number, confidence = 0.95): number {
  return Math.ceil(Math.log((1 - confidence) / 2) / Math.log(q));
}

/** Paths needed for the tail at level q to hold MIN_TAIL_PATHS paths: ⌈MIN / (1 − q)⌉. */
export function pathsForTail(q: number): number {
  return Math.ceil(MIN_TAIL_PATHS / (1 - q) - 1e-9);
}

function countPositive(xs: ArrayLike<number>, from = 0): number {
  let k = 0;
  for (let i = from; i < xs.length; i++) if (xs[i] > 0) k++;
  return k;
}

/**
 * The q-quantile (value-at-risk) of a sorted sample, x₍⌈nq⌉₎, with the exact order-statistic
 * interval [x₍l₎, x₍u₎] (`orderStatisticRanks`). When u > n the sample cannot bound the quantile
 * from above: `upper` is null and the note says how many paths would (pathsForQuantileUpperBound);
 * when l = 0, `lower` is null (or 0 for a sample that is never negative, such as bad debt).
 * O(log n) after sorting.
 */
export function quantileCiSorted(sorted: ArrayLike<number>, q: number, confidence = 0.95): Estimate {
  requireSample(sorted, 'quantileCiSorted');
  checkLevel(confidence, 'quantileCiSorted');
  const n = sorted.length;
  const rank = Math.min(n, Math.max(1, Math.ceil(n * q)));
  const { lower: l, upper: u } = orderStatisticRanks(n, q, confidence);
  const nonNegative = sorted[0] >= 0;
  const tailPaths = n - Math.floor(n * q);
  const needUpper = pathsForQuantileUpperBound(q, confidence);
  const need = Math.max(needUpper, pathsForTail(q));
  const open = u > n;
  const thin = open || tailPaths < MIN_TAIL_PATHS;
  return {
    estimate: sorted[rank - 1],
    lower: l >= 1 ? sorted[l - 1] : nonNegative ? 0 : null,
    upper: open ? null : sorted[u - 1],
    standardError: null,
    n,
    level: confidence,
    method: 'order-statistic',
    tail: { paths: tailPaths, nonZero: countPositive(sorted, n - tailPaths), minimum: MIN_TAIL_PATHS, thin, pathsNeeded: thin ? need : null },
    ...(open ? { note: `open above: a ${pctLabel(confidence)} upper bound for the ${pctLabel(q)} quantile needs ≥ ${needUpper} paths` } : thin ? { note: `thin: ${tailPaths} tail paths (< ${MIN_TAIL_PATHS}); ${need} paths would give ${MIN_TAIL_PATHS}` } : {}),
  };
}

/**
 * The two-part interval for the mean m = p·μ of a non-negative quantity, from its frequency p (of
 * non-zero values) and the mean size μ of those: on the log scale, ln m = ln p + ln μ, each limit
 * is m·exp(±√(d_p² + d_μ²)) with d_p the log-distance to the Clopper–Pearson limit of p and
 * d_μ = t·(se of μ̂)/μ̂. Returns [lower, upper].
 */
export function twoPartLimits(m: number, p: number, pLower: number, pUpper: number, relSeMu: number, tq: number): [number, number] {
  const dMu = tq * relSeMu;
  const dU = Math.log(pUpper / p);
  const dL = pLower > 0 ? Math.log(p / pLower) : Infinity;
  const lower = Number.isFinite(dL) ? m * Math.exp(-Math.sqrt(dL * dL + dMu * dMu)) : 0;
  const upper = m * Math.exp(Math.sqrt(dU * dU + dMu * dMu));
  return [lower, upper];
}

export interface TwoPartOptions {
  /** A known upper bound of every value (e.g. 1 for a fraction): with too few non-zero paths, the upper limit is bound × the frequency's upper limit. */
  bound?: number;
}

/**
 * Mean of a non-negative, zero-inflated, possibly heavy-tailed quantity (bad debt) with the
 * two-part interval: p̂ = k/n non-zero paths with the Clopper–Pearson interval, μ̂ the mean of the k
 * non-zero values with a Student-t (k − 1 df) relative error s/(√k·μ̂), combined on the log scale
 * (`twoPartLimits`). Coverage validated at ≥ the level from 5 non-zero paths on (bad-debt laws of a
 * one-trader gap under GBM and Merton jumps, 30–3,000 paths; test/stats/coverage.test.ts). With
 * fewer than 5, the upper limit is open (null, or bound × the frequency's upper limit when a bound is
 * known) and the lower limit 0. If every value is 0 or `bound`, the quantity is a proportion and the
 * Clopper–Pearson interval is used directly. `standardError` is the plain s/√n. O(n).
 * @throws RangeError on a negative value
 */
export function twoPartMeanCi(xs: ArrayLike<number>, confidence = 0.95, opts: TwoPartOptions = {}): Estimate {
  requireSample(xs, 'twoPartMeanCi');
  checkLevel(confidence, 'twoPartMeanCi');
  const n = xs.length;
  let k = 0;
  let sum = 0;
  let binary = opts.bound !== undefined;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x < 0) throw new RangeError(`twoPartMeanCi requires non-negative values, got ${x}`);
    if (x > 0) {
      k++;
      sum += x;
      if (x !== opts.bound) binary = false;
    }
  }
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i] - m) ** 2;
  const se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : null;
  if (binary && opts.bound !== undefined) {
    const e = proportionCi(k, n, confidence);
    const b = opts.bound;
    return { ...e, estimate: m, lower: e.lower! * b, upper: e.upper! * b, standardError: se, tail: twoPartTail(n, k, e.upper!, false) };
  }
  return twoPartFromCounts({ n, k, m, se, confidence, bound: opts.bound, size: () => sizeStats(xs) });
}

function sizeStats(xs: ArrayLike<number>): { mu: number; relSe: number; df: number } {
  let k = 0;
  let s = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > 0) (k++, (s += xs[i]));
  const mu = s / k;
  let v = 0;
  for (let i = 0; i < xs.length; i++) if (xs[i] > 0) v += (xs[i] - mu) ** 2;
  const sd = Math.sqrt(v / (k - 1));
  return { mu, relSe: sd / (Math.sqrt(k) * mu), df: k - 1 };
}

function twoPartTail(n: number, k: number, pUpper: number, open: boolean): TailCount {
  const thin = open || k < MIN_TAIL_PATHS;
  const needed = k > 0 ? Math.ceil((MIN_TAIL_PATHS * n) / k) : Math.ceil(MIN_TAIL_PATHS / pUpper);
  return { paths: n, nonZero: Math.round(k), minimum: MIN_TAIL_PATHS, thin, pathsNeeded: thin ? Math.max(needed, n + 1) : null };
}

/**
 * The two-part interval from counts: n paths (effective), k non-zero (effective), mean m, and the
 * size part's mean, relative standard error and degrees of freedom (computed only when k ≥ 5).
 * Shared by the plain, weighted and book-clustered estimators.
 */
export function twoPartFromCounts(a: {
  n: number;
  k: number;
  m: number;
  se: number | null;
  confidence: number;
  bound?: number;
  size: () => { mu: number; relSe: number; df: number };
  /** Paths and non-zero paths actually observed (for the tail count), when n and k are effective counts. */
  observed?: { n: number; k: number };
  method?: EstimateMethod;
  effectivePaths?: number;
}): Estimate {
  const { n, k, m, se, confidence } = a;
  const obs = a.observed ?? { n, k };
  const method = a.method ?? 'two-part';
  const [pL, pU] = clopperPearson(k, n, confidence);
  const eff = a.effectivePaths !== undefined ? { effectivePaths: a.effectivePaths } : {};
  if (obs.k < MIN_NONZERO_FOR_BOUND || k <= 0) {
    const upper = a.bound !== undefined ? a.bound * pU : null;
    const tail = twoPartTail(obs.n, obs.k, pU, upper === null);
    const note =
      obs.k === 0
        ? `no path with a non-zero value: ${upper === null ? 'the mean is open above' : `the mean is at most ${a.bound} × the rate's upper limit`}; the rate of non-zero paths is below ${pU.toPrecision(3)} (${pctLabel(confidence)} Clopper–Pearson)`
        : `${upper === null ? 'open above' : 'bounded only by the rate'}: ${obs.k} non-zero path${obs.k === 1 ? '' : 's'} (an upper bound needs ≥ ${MIN_NONZERO_FOR_BOUND}); about ${tail.pathsNeeded} paths would give ${MIN_TAIL_PATHS}`;
    return { estimate: m, lower: 0, upper, standardError: se, n: obs.n, level: confidence, method, tail, note, ...eff };
  }
  const p = k / n;
  const s = a.size();
  const tq = studentTQuantile(0.5 + confidence / 2, Math.max(1, s.df));
  let [lower, upper] = twoPartLimits(m, p, pL, pU, s.relSe, tq);
  if (a.bound !== undefined) upper = Math.min(upper, a.bound * pU);
  if (!(s.relSe > 0)) {
    // every non-zero value equal: the size is known only as well as the sample shows it; keep the rate's limits
    lower = m * (pL / p);
    upper = m * (pU / p);
  }
  const tail = twoPartTail(obs.n, obs.k, pU, false);
  return {
    estimate: m,
    lower,
    upper,
    standardError: se,
    n: obs.n,
    level: confidence,
    method,
    tail,
    ...(tail.thin ? { note: `thin: ${obs.k} non-zero paths (< ${MIN_TAIL_PATHS}); about ${tail.pathsNeeded} paths would give ${MIN_TAIL_PATHS}` } : {}),
    ...eff,
  };
}

/**
 * Expected shortfall at level q of a sorted sample, in the Rockafellar–Uryasev form
 * ES = c + E[(X − c)⁺]/(1 − q) at c = VaR̂ = x₍⌈nq⌉₎ (the mean of the worst 1 − q of paths, also when
 * the law has atoms). Its interval: c + (two-part interval of the mean of (X − c)⁺)/(1 − q) — the
 * influence function of ES is exactly that mean's, and the two-part interval keeps its coverage with
 * few tail paths (validated from 10 tail paths; test/stats/coverage.test.ts). With fewer than 5 paths
 * beyond VaR̂ the upper limit is open (null, with the paths needed) and the lower limit is the VaR's
 * exact lower limit (ES ≥ VaR). Lower limits are never clipped to the sample (the true ES can lie
 * below the smallest tail value); a sample that is never negative clips them at 0. O(n).
 */
export function expectedShortfallCiSorted(sorted: ArrayLike<number>, q: number, confidence = 0.95): Estimate {
  requireSample(sorted, 'expectedShortfallCiSorted');
  checkLevel(confidence, 'expectedShortfallCiSorted');
  const n = sorted.length;
  const c = sorted[Math.min(n, Math.max(1, Math.ceil(n * q))) - 1];
  const excess = new Float64Array(n);
  let sumEx = 0;
  for (let i = 0; i < n; i++) {
    const e = sorted[i] > c ? sorted[i] - c : 0;
    excess[i] = e;
    sumEx += e;
  }
  const es = c + sumEx / (n * (1 - q));
  const v = quantileCiSorted(sorted, q, confidence);
  const tailPaths = n - Math.floor(n * q);
  const nonNegative = sorted[0] >= 0;
  const mean = twoPartMeanCi(excess, confidence);
  const beyond = mean.tail!.nonZero;
  const se = mean.standardError === null ? null : mean.standardError / (1 - q);
  const open = mean.upper === null;
  let lower = open ? v.lower : c + mean.lower! / (1 - q);
  if (lower !== null && nonNegative) lower = Math.max(0, lower);
  const tailNonZero = countPositive(sorted, n - tailPaths);
  const kAll = countPositive(sorted);
  const byRate = kAll === 0 ? Math.ceil(MIN_TAIL_PATHS / clopperPearson(0, n, confidence)[1]) : kAll < MIN_TAIL_PATHS ? Math.ceil((MIN_TAIL_PATHS * n) / kAll) : 0;
  const need = Math.max(pathsForTail(q), byRate, n + 1);
  const thin = open || tailPaths < MIN_TAIL_PATHS || tailNonZero < MIN_TAIL_PATHS;
  return {
    estimate: es,
    lower,
    upper: open ? null : c + mean.upper! / (1 - q),
    standardError: se,
    n,
    level: confidence,
    method: 'es-two-part',
    tail: { paths: tailPaths, nonZero: tailNonZero, minimum: MIN_TAIL_PATHS, thin, pathsNeeded: thin ? need : null },
    ...(open
      ? { note: `open above: ${beyond} path${beyond === 1 ? '' : 's'} beyond VaR (an upper bound needs ≥ ${MIN_NONZERO_FOR_BOUND}); needs ≥ ${need} paths` }
      : thin
        ? { note: `thin: ${tailPaths} tail paths, ${tailNonZero} non-zero (< ${MIN_TAIL_PATHS}); about ${need} paths would give ${MIN_TAIL_PATHS}` }
        : {}),
  };
}

/** Plain quantiles of a sorted sample (type-7 interpolation, simple-statistics). */
export function quantilesSorted(sorted: number[], qs: readonly number[]): Record<string, number> {
  requireSample(sorted, 'quantilesSorted');
  const out: Record<string, number> = {};
  for (const q of qs) out[quantileKey(q)] = quantileSorted(sorted, q);
  return out;
}

/** 0.05 → "p5", 0.995 → "p99_5". */
export function quantileKey(q: number): string {
  return `p${String(Math.round(q * 1000) / 10).replace('.', '_')}`;
}
