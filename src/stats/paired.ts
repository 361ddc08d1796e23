/**
 * Paired differences between two policies run on the same paths (common random numbers), and the
 * Holm–Bonferroni correction over a family of them.
 *
 * - mean / proportion: d_k = x_B,k − x_A,k on each path k; difference = mean(d) ± z·sd(d)/√n (the
 *   variance over book blocks when books are redrawn), two-sided p-value 2·Φ(−|d̄|/se) with the
 *   accurate normal CDF (src/math/special.ts `normalCdfAccurate`, relative error ≈ 1e−15, so p-values of
 *   10⁻¹⁰ are still right). With common random numbers x_A,k and x_B,k are strongly correlated, so
 *   sd(d) ≪ √(var A + var B).
 * - VaR / ES: paired bootstrap — resample path indices (or whole books) with replacement, the same
 *   indices for A and B, recompute both functionals, take the difference; percentile interval, SE =
 *   sd of the bootstrap differences, p-value from the share of resampled differences on either side of
 *   0. Seeded, so a study is reproducible byte for byte.
 *
 * Every paired difference also reports the standard error the same difference would have had from two
 * independent runs (√(SE_A² + SE_B²)), so the variance reduction from common random numbers is visible.
 */
import { normalCdfAccurate } from '../math/special.js';
import { kthSmallest } from '../math/select.js';
import { normalQuantile } from './ci.js';
import { varianceOfMean } from './design.js';
import type { Functional } from './metrics.js';
import { sharedStream } from '../rng/streams.js';

/** The point value of a functional (no interval), as `evaluateFunctional` computes it. Reorders `scratch`. */
function pointValue(f: Functional, scratch: Float64Array): number {
  const n = scratch.length;
  let s = 0;
  switch (f.kind) {
    case 'mean':
    case 'proportion':
      for (let i = 0; i < n; i++) s += f.kind === 'mean' ? scratch[i] : scratch[i] > 0 ? 1 : 0;
      return s / n;
    case 'var': {
      const rank = Math.min(n, Math.max(1, Math.ceil(n * f.q)));
      return kthSmallest(scratch, rank - 1);
    }
    case 'es': {
      // Rockafellar–Uryasev at c = VaR̂: c + Σ(x − c)⁺ / (n(1 − q))
      const rank = Math.min(n, Math.max(1, Math.ceil(n * f.q)));
      const c = kthSmallest(scratch, rank - 1);
      for (let i = rank; i < n; i++) if (scratch[i] > c) s += scratch[i] - c;
      return c + s / (n * (1 - f.q));
    }
  }
}

/** The weighted point value (importance sampling): weighted mean, proportion, tail-inverse VaR and ES. */
function weightedPointValue(f: Functional, x: Float64Array, w: Float64Array): number {
  const n = x.length;
  let s = 0;
  if (f.kind === 'mean' || f.kind === 'proportion') {
    for (let i = 0; i < n; i++) s += w[i] * (f.kind === 'mean' ? x[i] : x[i] > 0 ? 1 : 0);
    return s / n;
  }
  const idx = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  // VaR: the smallest value whose estimated tail P(X > v) = Σ_{x > v} w / n is ≤ 1 − q
  let tail = 0;
  let c = x[idx[n - 1]];
  let r = n - 1;
  while (r >= 0) {
    const v = x[idx[r]];
    let groupWeight = 0;
    let j = r;
    while (j >= 0 && x[idx[j]] === v) groupWeight += w[idx[j--]];
    if (tail / n > 1 - f.q) break;
    c = v;
    tail += groupWeight;
    r = j;
  }
  if (f.kind === 'var') return c;
  for (let i = 0; i < n; i++) if (x[i] > c) s += w[i] * (x[i] - c);
  return c + s / (n * (1 - f.q));
}

/** A difference B − A between two policies on the same paths. */
export interface PairedDifference {
  /** Functional of B minus functional of A. */
  estimate: number;
  lower: number;
  upper: number;
  /** Standard error of the paired difference. */
  standardError: number;
  /** Standard error the difference would have from two independent runs of the same size: √(SE_A² + SE_B²). */
  unpairedStandardError: number;
  /** Paths paired (the common prefix of both runs). */
  n: number;
  /** Two-sided p-value of "no difference" (normal approximation, or bootstrap for VaR/ES). */
  pValue: number;
  /** The interval excludes 0. */
  significant: boolean;
  method: 'paired-mean' | 'paired-bootstrap';
  confidence: number;
}

export const BOOTSTRAP_RESAMPLES = 500;

/** The sampling design of a paired difference: the paths' weights (the same for both policies) and book blocks. */
export interface PairedDesign {
  /** Likelihood ratios of the common paths (importance sampling; identical under both policies on common random numbers). */
  weights?: Float64Array;
  /** Book block of each common path (books redrawn per block); the bootstrap then resamples whole books. */
  blocks?: Int32Array;
}

/**
 * Paired difference F(B) − F(A) of a functional over the first n = min(|A|, |B|) paths of each.
 * `seed` and `key` seed the bootstrap (VaR/ES); the result is deterministic. With `design`, means and
 * proportions are weighted and their variance taken over book blocks; the VaR/ES bootstrap uses
 * weighted point values and resamples whole books.
 */
export function pairedDifference(
  f: Functional,
  a: Float64Array,
  b: Float64Array,
  opts: { confidence?: number; seed?: number; key?: string; resamples?: number; design?: PairedDesign } = {},
): PairedDifference {
  const confidence = opts.confidence ?? 0.95;
  const n = Math.min(a.length, b.length);
  if (n === 0) throw new RangeError('pairedDifference requires at least one common path');
  const A = a.subarray(0, n);
  const B = b.subarray(0, n);
  const w = opts.design?.weights?.subarray(0, n);
  const blocks = opts.design?.blocks?.subarray(0, n);
  const z = normalQuantile(0.5 + confidence / 2);
  if (f.kind === 'mean' || f.kind === 'proportion') {
    const ind = (x: number, k: number) => (f.kind === 'proportion' ? (x > 0 ? 1 : 0) : x) * (w ? w[k] : 1);
    const ya = Float64Array.from(A, ind);
    const yb = Float64Array.from(B, ind);
    let sa = 0;
    let sb = 0;
    for (let k = 0; k < n; k++) {
      sa += ya[k];
      sb += yb[k];
    }
    const d = sb / n - sa / n;
    const diff = Float64Array.from(yb, (y, k) => y - ya[k]);
    const se = Math.sqrt(varianceOfMean(diff, blocks));
    const seU = Math.sqrt(varianceOfMean(ya, blocks) + varianceOfMean(yb, blocks));
    // two-sided normal p-value 2·Φ(−|d|/se), with Φ accurate in the tail (relative error ≈ 1e−15)
    const p = se > 0 ? 2 * normalCdfAccurate(-Math.abs(d) / se) : d === 0 ? 1 : 0;
    return { estimate: d, lower: d - z * se, upper: d + z * se, standardError: se, unpairedStandardError: seU, n, pValue: clamp01(p), significant: d - z * se > 0 || d + z * se < 0, method: 'paired-mean', confidence };
  }
  const point = (x: Float64Array, ww: Float64Array | undefined, scratch: Float64Array) => {
    if (ww) return weightedPointValue(f, x, ww);
    scratch.set(x);
    return pointValue(f, scratch);
  };
  const scratch = new Float64Array(n);
  const fa = point(A, w, scratch);
  const fb = point(B, w, scratch);
  const d = fb - fa;
  let identical = true;
  for (let k = 0; k < n && identical; k++) identical = A[k] === B[k];
  if (identical) {
    return { estimate: 0, lower: 0, upper: 0, standardError: 0, unpairedStandardError: 0, n, pValue: 1, significant: false, method: 'paired-bootstrap', confidence };
  }
  const R = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rng = sharedStream(opts.seed ?? 0, `bootstrap/${opts.key ?? f.kind}`);
  // resampling units: paths, or whole books
  let units: Int32Array[] | undefined;
  if (blocks) {
    const byBlock = new Map<number, number[]>();
    for (let k = 0; k < n; k++) {
      const list = byBlock.get(blocks[k]);
      if (list) list.push(k);
      else byBlock.set(blocks[k], [k]);
    }
    units = [...byBlock.keys()].sort((x, y) => x - y).map((key) => Int32Array.from(byBlock.get(key)!));
  }
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  const rw = w ? new Float64Array(n) : undefined;
  const diffs = new Float64Array(R);
  const fas = new Float64Array(R);
  const fbs = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let m = 0;
    if (units) {
      // draw books until n paths are filled (the last book cut to fit)
      while (m < n) {
        const u = units[Math.floor(rng() * units.length)];
        for (let j = 0; j < u.length && m < n; j++, m++) {
          ra[m] = A[u[j]];
          rb[m] = B[u[j]];
          if (rw) rw[m] = w![u[j]];
        }
      }
    } else {
      for (let k = 0; k < n; k++) {
        const i = Math.floor(rng() * n);
        ra[k] = A[i];
        rb[k] = B[i];
        if (rw) rw[k] = w![i];
      }
    }
    fas[r] = point(ra, rw, scratch);
    fbs[r] = point(rb, rw, scratch);
    diffs[r] = fbs[r] - fas[r];
  }
  const sd = (xs: Float64Array) => {
    let m = 0;
    for (const x of xs) m += x;
    m /= xs.length;
    let v = 0;
    for (const x of xs) v += (x - m) ** 2;
    return Math.sqrt(v / Math.max(1, xs.length - 1));
  };
  const se = sd(diffs);
  const seU = Math.sqrt(sd(fas) ** 2 + sd(fbs) ** 2);
  const sorted = Float64Array.from(diffs).sort();
  const at = (p: number) => sorted[Math.min(R - 1, Math.max(0, Math.floor(p * R)))];
  const lower = Math.min(d, at((1 - confidence) / 2));
  const upper = Math.max(d, at((1 + confidence) / 2));
  let le = 0;
  let ge = 0;
  for (const x of diffs) {
    if (x <= 0) le++;
    if (x >= 0) ge++;
  }
  const p = clamp01((2 * Math.min(le, ge)) / R);
  return { estimate: d, lower, upper, standardError: se, unpairedStandardError: seU, n, pValue: p, significant: lower > 0 || upper < 0, method: 'paired-bootstrap', confidence };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/**
 * Holm–Bonferroni: flags which of the p-values stay significant at family-wise error `alpha`.
 * O(m log m).
 * @example holm([0.001, 0.04, 0.03]) // [true, false, false]: 0.001 ≤ 0.05/3, then 0.03 > 0.05/2
 */
export function holm(pValues: number[], alpha = 0.05): boolean[] {
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<boolean>(pValues.length).fill(false);
  const m = pValues.length;
  for (let r = 0; r < m; r++) {
    const [p, i] = order[r];
    if (p <= alpha / (m - r)) out[i] = true;
    else break;
  }
  return out;
}

/**
 * The per-hypothesis level of Holm's step-down procedure, for intervals that agree with it: the
 * hypothesis ranked r (0-based, by ascending p) is tested at alpha / (m − r) while every one before it
 * was rejected; those after the first one kept are all drawn at the level of that first one. An
 * interval at confidence 1 − alphaᵢ then excludes 0 exactly when Holm rejects (for a normal-theory
 * interval; for a bootstrap percentile interval, to the bootstrap's resolution), and the intervals of
 * the kept hypotheses are at least as wide as Bonferroni's own step would give them. `NaN` p-values
 * (metrics left out of the family) get `NaN`. O(m log m).
 * @example holmLevels([0.001, 0.04, 0.03]) // [0.05/3, 0.025, 0.025]
 */
export function holmLevels(pValues: number[], alpha = 0.05): number[] {
  const order = pValues
    .map((p, i) => [p, i] as const)
    .filter(([p]) => !Number.isNaN(p))
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out = new Array<number>(pValues.length).fill(NaN);
  const m = order.length;
  let kept: number | null = null;
  for (let r = 0; r < m; r++) {
    const [p, i] = order[r];
    const level = alpha / (m - r);
    if (kept === null && p > level) kept = level;
    out[i] = kept ?? level;
  }
  return out;
}
