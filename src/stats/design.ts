/**
 * Estimators for the two sampling designs a run can use besides plain Monte Carlo (independent,
 * equally weighted paths, src/stats/ci.ts):
 *
 * - importance sampling: path k carries its likelihood-ratio weight w_k (dP/dQ of its price shocks,
 *   src/price/process.ts). Every estimator is weighted: a mean is (1/n)Σ w_k x_k (unbiased), a
 *   probability (1/n)Σ w_k 1{A_k}, a tail probability P(X > x) likewise, VaR its inverse and ES
 *   VaR + (1/n)Σ w_k (x_k − VaR)⁺ / (1 − q). Intervals use the effective count of the estimate,
 *   n_eff = p̂(1 − p̂)/Var̂(p̂) (Korn & Graubard 1998), in the exact intervals of src/stats/ci.ts —
 *   under importance sampling n_eff can exceed n (that is the variance reduction), with books alone
 *   it is capped at n.
 *   Plain quantiles are self-normalised (Σ w_k over the paths at or below x / Σ w_k).
 * - books redrawn per block of paths: paths share a book within a block, so they are clustered.
 *   Variances are estimated from block totals (the between-block, "ultimate cluster" estimator,
 *   Cochran 1977 §11), and the design effect deff = Var̂_cluster / Var̂_iid (≥ 1) scales the
 *   counts the exact intervals use: n → n / deff.
 *
 * With neither, each function returns exactly the plain estimator of src/stats/ci.ts.
 */
import { quantileSorted } from 'simple-statistics';
import {
  clopperPearson,
  expectedShortfallCiSorted,
  meanCi,
  MIN_TAIL_PATHS,
  pathsForQuantileUpperBound,
  pathsForTail,
  pctLabel,
  proportionCi,
  quantileCiSorted,
  quantileKey,
  twoPartFromCounts,
  twoPartMeanCi,
  zFor,
  type Estimate,
  type EstimateMethod,
} from './ci.js';

/** How the paths were sampled. */
export interface SampleDesign {
  /** Likelihood-ratio weight of each path (importance sampling); absent = every path weighs 1. */
  weights?: Float64Array;
  /** Book block of each path (books redrawn per block); absent = one book for every path. */
  blocks?: Int32Array;
}

const trivial = (d: SampleDesign | undefined) => !d || (!d.weights && !d.blocks);

/** Kish's effective sample size of a set of weights: (Σw)² / Σw². */
export function effectiveSampleSize(w: ArrayLike<number>): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < w.length; i++) {
    s += w[i];
    s2 += w[i] * w[i];
  }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/**
 * Variance of the mean of y (length n) under the design: iid s²/n, or with blocks the between-block
 * estimator B/(B − 1) · Σ_b (Y_b − ȳ·m_b)² / n² (Y_b the block's total, m_b its size). With a single
 * block the iid variance is returned.
 */
export function varianceOfMean(y: ArrayLike<number>, blocks?: Int32Array): number {
  const n = y.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += y[i];
  m /= n;
  if (!blocks) {
    if (n < 2) return 0;
    let v = 0;
    for (let i = 0; i < n; i++) v += (y[i] - m) ** 2;
    return v / (n - 1) / n;
  }
  const totals = new Map<number, { s: number; c: number }>();
  for (let i = 0; i < n; i++) {
    const t = totals.get(blocks[i]);
    if (t) {
      t.s += y[i];
      t.c++;
    } else totals.set(blocks[i], { s: y[i], c: 1 });
  }
  const B = totals.size;
  if (B < 2) return varianceOfMean(y);
  let v = 0;
  for (const t of totals.values()) v += (t.s - m * t.c) ** 2;
  return (B / (B - 1)) * (v / (n * n));
}

/** Design effect of the mean of y: the design's variance over the iid one, at least 1 (1 when either is 0). */
export function designEffect(y: ArrayLike<number>, blocks?: Int32Array): number {
  if (!blocks) return 1;
  const iid = varianceOfMean(y);
  const cl = varianceOfMean(y, blocks);
  return iid > 0 && cl > 0 ? Math.max(1, cl / iid) : 1;
}

function weighted(x: ArrayLike<number>, w: Float64Array | undefined): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = w ? w[i] * x[i] : x[i];
  return y;
}

function meanOf(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i];
  return s / y.length;
}

/**
 * A probability from per-path events under the design. Plain: Clopper–Pearson on k/n. Otherwise
 * p̂ = (1/n)Σ w_k 1{A_k} and the Clopper–Pearson interval at the effective count
 * n_eff = p̂(1 − p̂)/Var̂(p̂) (capped at n without weights; Kish's ESS when no event was seen), x = p̂·n_eff.
 */
export function designProportion(events: ArrayLike<number | boolean>, design: SampleDesign | undefined, confidence = 0.95): Estimate {
  const n = events.length;
  if (n === 0) throw new RangeError('designProportion requires at least one path');
  let k = 0;
  for (let i = 0; i < n; i++) if (events[i]) k++;
  if (trivial(design)) return proportionCi(k, n, confidence);
  const w = design!.weights;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = events[i] ? (w ? w[i] : 1) : 0;
  const p = meanOf(y);
  const v = varianceOfMean(y, design!.blocks);
  let nEff: number;
  // books alone can only lose information (deff ≥ 1: at most n); importance weights can gain it
  if (p > 0 && p < 1 && v > 0) nEff = w ? (p * (1 - p)) / v : Math.min(n, (p * (1 - p)) / v);
  else if (w) nEff = effectiveSampleSize(w);
  else nEff = n;
  nEff = Math.max(1, nEff);
  const pc = Math.min(1, p);
  const [lower, upper] = clopperPearson(pc * nEff, nEff, confidence);
  return {
    estimate: p,
    lower,
    upper,
    standardError: Math.sqrt(v),
    n,
    level: confidence,
    method: w ? 'weighted-clopper-pearson' : 'clopper-pearson',
    effectivePaths: nEff,
    tail: { paths: n, nonZero: k, minimum: 0, thin: false, pathsNeeded: null },
  };
}

/**
 * A mean under the design. `nonNegative` quantities (bad debt, notionals, counts) that are mostly zero
 * (`mostlyZero`) get the two-part interval (ci.ts `twoPartMeanCi`); those non-zero on most paths the
 * normal interval clipped to [0, bound], as any other quantity; weighted or clustered, its frequency part uses the effective
 * count of (1/n)Σ w_k 1{x_k > 0} and its size part the ratio estimator Σ w x⁺ / Σ w 1{x > 0} with a
 * linearised (clustered) variance and Kish's effective count of the non-zero paths for the t degrees
 * of freedom. Other quantities get the normal interval with the design's variance.
 */
export function designMean(xs: ArrayLike<number>, design: SampleDesign | undefined, confidence = 0.95, opts: { nonNegative?: boolean; bound?: number } = {}): Estimate {
  const n = xs.length;
  if (n === 0) throw new RangeError('designMean requires at least one path');
  // the two-part interval is for mostly-zero data; a quantity non-zero on most paths gets the ordinary mean interval
  const nonNegative = (opts.nonNegative ?? false) && mostlyZero(xs, opts.bound);
  if (!nonNegative && opts.nonNegative) return clipToBound(designMean(xs, design, confidence), opts.bound);
  if (trivial(design)) return nonNegative ? twoPartMeanCi(xs, confidence, { bound: opts.bound }) : clipAtZero(meanCi(xs, confidence), xs);
  const w = design!.weights;
  const blocks = design!.blocks;
  const y = weighted(xs, w);
  const m = meanOf(y);
  const v = varianceOfMean(y, blocks);
  const se = Math.sqrt(v);
  const method: EstimateMethod = w ? (nonNegative ? 'weighted-two-part' : 'weighted-normal-mean') : nonNegative ? 'two-part' : 'normal-mean';
  const essAll = w ? effectiveSampleSize(w) : n / designEffect(y, blocks);
  if (!nonNegative) {
    const z = zFor(confidence);
    return { estimate: m, lower: m - z * se, upper: m + z * se, standardError: se, n, level: confidence, method, effectivePaths: essAll };
  }
  // frequency part
  const ind = new Float64Array(n);
  let kObs = 0;
  for (let i = 0; i < n; i++) {
    if (xs[i] < 0) throw new RangeError(`designMean: a non-negative quantity has the value ${xs[i]}`);
    if (xs[i] > 0) {
      kObs++;
      ind[i] = w ? w[i] : 1;
    }
  }
  const p = meanOf(ind);
  const vp = varianceOfMean(ind, blocks);
  let nEff = p > 0 && p < 1 && vp > 0 ? (w ? (p * (1 - p)) / vp : Math.min(n, (p * (1 - p)) / vp)) : w ? effectiveSampleSize(w) : n;
  nEff = Math.max(1, nEff);
  return twoPartFromCounts({
    n: nEff,
    k: Math.min(p, 1) * nEff,
    m,
    se,
    confidence,
    bound: opts.bound,
    observed: { n, k: kObs },
    method,
    effectivePaths: nEff,
    size: () => {
      // ratio estimator μ̂ = Σ w x⁺ / Σ w 1{x > 0}, linearised: z_k = w_k 1{x_k > 0}(x_k − μ̂) / p̂
      const mu = m / p;
      const zl = new Float64Array(n);
      const wPos: number[] = [];
      for (let i = 0; i < n; i++) {
        if (xs[i] > 0) {
          const wi = w ? w[i] : 1;
          zl[i] = (wi * (xs[i] - mu)) / p;
          wPos.push(wi);
        }
      }
      const vmu = varianceOfMean(zl, blocks);
      let df = effectiveSampleSize(wPos) - 1;
      if (blocks) df = Math.min(df, new Set(blocks).size - 1);
      return { mu, relSe: Math.sqrt(vmu) / mu, df: Math.max(1, df) };
    },
  });
}

/**
 * Whether a non-negative quantity is mostly zero — at most half its paths non-zero, or fewer than
 * MIN_TAIL_PATHS non-zero paths, or a 0/`bound` indicator (too few for an ordinary mean interval to be trusted) — so that its
 * mean gets the two-part interval (frequency × size). A quantity non-zero on most paths (liquidated
 * notional, the fraction of traders liquidated) gets the ordinary mean interval instead: there the
 * frequency part is all but certain, and its one-sided Clopper–Pearson limit (the upper limit of a rate
 * of 1 is 1) would make the interval lopsided for no reason. O(n).
 */
export function mostlyZero(xs: ArrayLike<number>, bound?: number): boolean {
  let k = 0;
  let binary = bound !== undefined;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] === 0) continue;
    k++;
    if (xs[i] !== bound) binary = false;
  }
  // every value 0 or the bound: a proportion, whose exact interval the two-part path gives at any rate
  return binary || 2 * k <= xs.length || k < MIN_TAIL_PATHS;
}

/** A non-negative quantity's normal interval, clipped to [0, bound]. */
function clipToBound(e: Estimate, bound: number | undefined): Estimate {
  if (e.lower !== null && e.lower < 0) e.lower = 0;
  if (bound !== undefined && e.upper !== null && e.upper > bound) e.upper = bound;
  return e;
}

function clipAtZero(e: Estimate, xs: ArrayLike<number>): Estimate {
  let min = Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] < min) min = xs[i];
  if (min >= 0 && e.lower !== null && e.lower < 0) e.lower = 0;
  return e;
}

/** Path indices sorted by value (ties by index). */
function order(xs: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: xs.length }, (_, i) => i);
  return idx.sort((a, b) => xs[a] - xs[b] || a - b);
}

/**
 * The q-quantile (VaR) under the design. Plain: the exact order-statistic interval. Otherwise the
 * tail function T(x) = (1/n)Σ w_k 1{x_k > x} is estimated at every sample value, VaR̂ is the smallest
 * sample value with T ≤ 1 − q, and the limits invert the tail probability's effective-count
 * Clopper–Pearson interval: the upper limit is the smallest value whose tail probability is below
 * 1 − q with confidence (null if none), the lower limit the largest whose tail probability is above it.
 * With books, the tail indicator's design effect at VaR̂ scales every count.
 */
export function designQuantile(xs: ArrayLike<number>, q: number, design: SampleDesign | undefined, confidence = 0.95): Estimate {
  const n = xs.length;
  if (n === 0) throw new RangeError('designQuantile requires at least one path');
  if (trivial(design)) return quantileCiSorted(Float64Array.from(xs).sort(), q, confidence);
  const w = design!.weights;
  const blocks = design!.blocks;
  const ord = order(xs);
  // suffix sums over sorted order: S1[j] = Σ_{r ≥ j} w, S2[j] = Σ_{r ≥ j} w²
  const S1 = new Float64Array(n + 1);
  const S2 = new Float64Array(n + 1);
  for (let r = n - 1; r >= 0; r--) {
    const wi = w ? w[ord[r]] : 1;
    S1[r] = S1[r + 1] + wi;
    S2[r] = S2[r + 1] + wi * wi;
  }
  const x = (r: number) => xs[ord[r]];
  // first rank strictly above the value at rank r (ties)
  const above = (r: number) => {
    let j = r + 1;
    while (j < n && x(j) === x(r)) j++;
    return j;
  };
  const target = 1 - q;
  // VaR̂: smallest r with T(x_r) = S1[above(r)]/n ≤ 1 − q
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (S1[above(mid)] / n <= target) hi = mid;
    else lo = mid + 1;
  }
  const varRank = lo;
  const estimate = x(varRank);
  // design effect of the tail indicator at VaR̂ (books)
  let deff = 1;
  if (blocks) {
    const j0 = above(varRank);
    const y = new Float64Array(n);
    for (let r = j0; r < n; r++) y[ord[r]] = w ? w[ord[r]] : 1;
    deff = designEffect(y, blocks);
  }
  const tailCi = (j: number): [number, number] => {
    // P(X ≥ x_j) estimated by S1[j]/n: its effective-count Clopper–Pearson interval
    const p = S1[j] / n;
    const v = ((S2[j] / n - p * p) / Math.max(1, n - 1)) * deff;
    let nEff = p > 0 && p < 1 && v > 0 ? (w ? (p * (1 - p)) / v : Math.min(n / deff, (p * (1 - p)) / v)) : w ? effectiveSampleSize(w) / deff : n / deff;
    nEff = Math.max(1, nEff);
    return clopperPearson(Math.min(1, p) * nEff, nEff, confidence);
  };
  // upper limit: smallest r with upper CI of P(X > x_r) ≤ 1 − q
  let upperRank = -1;
  {
    let a = varRank;
    let b = n; // b = none
    while (a < b) {
      const mid = (a + b) >> 1;
      if (tailCi(above(mid))[1] <= target) b = mid;
      else a = mid + 1;
    }
    if (a < n) upperRank = a;
  }
  // lower limit: largest r with lower CI of P(X ≥ x_r) ≥ 1 − q
  let lowerRank = -1;
  {
    let a = -1;
    let b = varRank;
    while (a < b) {
      const mid = (a + b + 1) >> 1;
      if (tailCi(mid)[0] >= target) a = mid;
      else b = mid - 1;
    }
    lowerRank = a;
  }
  const tailPaths = n - Math.floor(n * q);
  let nonZeroTail = 0;
  for (let r = n - tailPaths; r < n; r++) if (x(r) > 0) nonZeroTail++;
  const open = upperRank < 0;
  const need = Math.max(pathsForQuantileUpperBound(q, confidence), pathsForTail(q));
  const thin = open || tailPaths < MIN_TAIL_PATHS;
  const nonNegative = x(0) >= 0;
  return {
    estimate,
    lower: lowerRank >= 0 ? x(lowerRank) : nonNegative ? 0 : null,
    upper: open ? null : x(upperRank),
    standardError: null,
    n,
    level: confidence,
    method: w ? 'weighted-order-statistic' : 'order-statistic',
    effectivePaths: w ? effectiveSampleSize(w) / deff : n / deff,
    tail: { paths: tailPaths, nonZero: nonZeroTail, minimum: MIN_TAIL_PATHS, thin, pathsNeeded: thin ? Math.max(need, n + 1) : null },
    ...(open ? { note: `open above: the sample's tail cannot bound the ${pctLabel(q)} quantile from above at ${pctLabel(confidence)}` } : {}),
  };
}

/**
 * Expected shortfall under the design: ES = c + (1/n)Σ w_k (x_k − c)⁺ / (1 − q) at c = the design's
 * VaR̂, its interval c + (the design's two-part interval of the mean of (x − c)⁺)/(1 − q); open above
 * with fewer than 5 paths beyond c, the lower limit then the VaR's. Plain: ci.ts `expectedShortfallCiSorted`.
 */
export function designExpectedShortfall(xs: ArrayLike<number>, q: number, design: SampleDesign | undefined, confidence = 0.95): Estimate {
  const n = xs.length;
  if (n === 0) throw new RangeError('designExpectedShortfall requires at least one path');
  if (trivial(design)) return expectedShortfallCiSorted(Float64Array.from(xs).sort(), q, confidence);
  const v = designQuantile(xs, q, design, confidence);
  const c = v.estimate;
  const excess = new Float64Array(n);
  let nonNegative = true;
  for (let i = 0; i < n; i++) {
    excess[i] = xs[i] > c ? xs[i] - c : 0;
    if (xs[i] < 0) nonNegative = false;
  }
  const m = designMean(excess, design, confidence, { nonNegative: true });
  const open = m.upper === null;
  let lower = open ? v.lower : c + m.lower! / (1 - q);
  if (lower !== null && nonNegative) lower = Math.max(0, lower);
  const tailPaths = n - Math.floor(n * q);
  const nonZeroTail = v.tail!.nonZero;
  const thin = open || tailPaths < MIN_TAIL_PATHS || nonZeroTail < MIN_TAIL_PATHS;
  return {
    estimate: c + m.estimate / (1 - q),
    lower,
    upper: open ? null : c + m.upper! / (1 - q),
    standardError: m.standardError === null ? null : m.standardError / (1 - q),
    n,
    level: confidence,
    method: design!.weights ? 'weighted-es-two-part' : 'es-two-part',
    effectivePaths: m.effectivePaths,
    tail: { paths: tailPaths, nonZero: nonZeroTail, minimum: MIN_TAIL_PATHS, thin, pathsNeeded: thin ? Math.max(pathsForTail(q), m.tail?.pathsNeeded ?? 0, n + 1) : null },
    ...(open ? { note: `open above: ${m.tail?.nonZero ?? 0} path${m.tail?.nonZero === 1 ? '' : 's'} beyond VaR (an upper bound needs ≥ 5)` } : {}),
  };
}

/**
 * Plain quantiles under the design: type-7 for equal weights; with weights, the smallest sample
 * value whose self-normalised cumulative weight reaches q.
 */
export function designQuantiles(xs: ArrayLike<number>, qs: readonly number[], design: SampleDesign | undefined): Record<string, number> {
  const n = xs.length;
  const w = design?.weights;
  const out: Record<string, number> = {};
  if (!w) {
    const sorted = Array.from(Float64Array.from(xs).sort());
    for (const q of qs) out[quantileKey(q)] = quantileSorted(sorted, q);
    return out;
  }
  const ord = order(xs);
  let total = 0;
  for (let i = 0; i < n; i++) total += w[i];
  for (const q of qs) {
    let acc = 0;
    let r = 0;
    for (; r < n - 1; r++) {
      acc += w[ord[r]];
      if (acc >= q * total) break;
    }
    out[quantileKey(q)] = xs[ord[r]];
  }
  return out;
}

/** One-way decomposition of a per-path quantity's variance into market paths (within a book) and books (between). */
export interface VarianceDecomposition {
  /** Σ over paths' (weighted) values per book: the book means. */
  bookMeans: number[];
  /** Paths per book (the last book may hold fewer). */
  pathsPerBook: number[];
  /** Pooled within-book variance of a path's value: what the market paths contribute. */
  withinBookVariance: number;
  /** Between-book variance of the book's expected value (method of moments, ≥ 0): what the books contribute. */
  betweenBookVariance: number;
  /** betweenBookVariance / (between + within): the share of a path's variance that comes from the book (intraclass correlation). */
  shareFromBooks: number;
  /** Variance of the run's mean from books redrawn per block, over the variance it would have with independent paths. */
  designEffect: number;
}

/**
 * Variance decomposition of y (already weighted, one value per path) by book block: within = pooled
 * Σ_b Σ_k (y − ȳ_b)² / (n − B); between = max(0, Var(ȳ_b) − within / m̄), m̄ the mean block size
 * (one-way random-effects ANOVA, method of moments). Null with fewer than two books.
 */
export function varianceDecomposition(y: ArrayLike<number>, blocks: Int32Array): VarianceDecomposition | null {
  const n = y.length;
  const sums = new Map<number, { s: number; c: number }>();
  for (let i = 0; i < n; i++) {
    const t = sums.get(blocks[i]);
    if (t) {
      t.s += y[i];
      t.c++;
    } else sums.set(blocks[i], { s: y[i], c: 1 });
  }
  const B = sums.size;
  if (B < 2) return null;
  const keys = [...sums.keys()].sort((a, b) => a - b);
  const means = keys.map((b) => sums.get(b)!.s / sums.get(b)!.c);
  const sizes = keys.map((b) => sums.get(b)!.c);
  const meanByBlock = new Map(keys.map((b, i) => [b, means[i]]));
  let within = 0;
  for (let i = 0; i < n; i++) within += (y[i] - meanByBlock.get(blocks[i])!) ** 2;
  within = n > B ? within / (n - B) : 0;
  const grand = means.reduce((a, b) => a + b, 0) / B;
  const varMeans = means.reduce((a, m) => a + (m - grand) ** 2, 0) / (B - 1);
  const mBar = n / B;
  const between = Math.max(0, varMeans - within / mBar);
  const share = between + within > 0 ? between / (between + within) : 0;
  return {
    bookMeans: means,
    pathsPerBook: sizes,
    withinBookVariance: within,
    betweenBookVariance: between,
    shareFromBooks: share,
    designEffect: designEffect(y, blocks),
  };
}
