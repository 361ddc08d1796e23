/**
 * Risk metrics of a study, computed from per-path records, and paired differences between two
 * policies run on the same paths (common random numbers).
 *
 * A metric is named by its dotted path in `results.json`'s `aggregates` (e.g. `badDebtUsd.var99`,
 * `probBadDebt`). Each one known here is a *functional* of a per-path quantity — a mean, a
 * proportion, a quantile (VaR) or an expected shortfall — so it can be recomputed for any set of
 * paths and any confidence level, and differenced path by path:
 *
 * - mean / proportion: d_k = x_B,k − x_A,k on each path k; difference = mean(d) ± z·sd(d)/√n.
 *   With common random numbers x_A,k and x_B,k are strongly correlated, so sd(d) ≪ √(var A + var B).
 * - VaR / ES: paired bootstrap — resample path indices with replacement (the same indices for A and
 *   B), recompute both functionals, take the difference; percentile interval, SE = sd of the
 *   bootstrap differences. Seeded, so a study is reproducible byte for byte.
 *
 * Every paired difference also reports the standard error the same difference would have had from two
 * independent runs (√(SE_A² + SE_B²)), so the variance reduction from common random numbers is visible.
 */
import type { PathSummary } from '../engine/path.js';
import { bookOf, fractionLiquidated, QUANTITY_KINDS, type Aggregates, type QuantityKind } from '../stats/aggregate.js';
import { normalCdf, normalQuantile, type Estimate } from '../stats/ci.js';
import { designExpectedShortfall, designMean, designProportion, designQuantile, varianceOfMean, type SampleDesign } from '../stats/design.js';
import { sharedStream } from '../rng/streams.js';
import { UserError } from '../errors.js';

/** Per-path records, column by column (index k = the k-th path of the set, path indices ascending). */
export type PathColumns = { [K in keyof PathSummary]: PathSummary[K][] };

export type Functional = { kind: 'mean' } | { kind: 'proportion' } | { kind: 'var'; q: number } | { kind: 'es'; q: number };

export type Unit = 'usd' | 'probability' | 'fraction' | 'count' | 'log' | 'ratio';

export interface MetricDef {
  /** Dotted path in `aggregates`. */
  key: string;
  label: string;
  unit: Unit;
  functional: Functional;
  /** For a mean: the interval kind of its per-path quantity (aggregate's QUANTITY_KINDS); absent = normal. */
  kind?: QuantityKind;
  /** The per-path quantity the functional is taken of (0/1 for a proportion). */
  values(c: PathColumns, traders: number): Float64Array;
}

type Extract = (c: PathColumns, traders: number) => Float64Array;
const col = (k: keyof PathSummary): Extract => (c) => Float64Array.from(c[k] as number[]);

/** The per-path quantities behind every `Distribution` in `aggregates` (src/stats/aggregate.ts). */
const DISTRIBUTIONS: { key: string; label: string; unit: Unit; values: Extract }[] = [
  { key: 'badDebtUsd', label: 'bad debt', unit: 'usd', values: col('badDebtUsd') },
  { key: 'liquidationCount', label: 'liquidations', unit: 'count', values: col('liquidationCount') },
  { key: 'liquidatedNotionalUsd', label: 'liquidated notional', unit: 'usd', values: col('liquidatedNotionalUsd') },
  { key: 'liquidatedLongNotionalUsd', label: 'liquidated long notional', unit: 'usd', values: col('liquidatedLongNotionalUsd') },
  { key: 'liquidatedShortNotionalUsd', label: 'liquidated short notional', unit: 'usd', values: col('liquidatedShortNotionalUsd') },
  {
    key: 'fractionTradersLiquidated',
    label: 'fraction of traders liquidated',
    unit: 'fraction',
    values: (c, traders) => Float64Array.from(c.tradersLiquidated, (x, k) => fractionLiquidated(x, traders, c.arrivals[k])),
  },
  { key: 'fundPaidUsd', label: 'insurance fund paid out', unit: 'usd', values: col('fundPaidUsd') },
  { key: 'fundEndUsd', label: 'insurance fund at end', unit: 'usd', values: col('fundEndUsd') },
  { key: 'largestCascade.accounts', label: 'largest cascade (accounts)', unit: 'count', values: col('largestCascadeAccounts') },
  { key: 'largestCascade.notionalUsd', label: 'largest cascade notional', unit: 'usd', values: col('largestCascadeNotionalUsd') },
  { key: 'largestCascade.generations', label: 'largest cascade (generations)', unit: 'count', values: col('largestCascadeGenerations') },
  { key: 'largestCascade.impactLog', label: 'largest cascade price impact (log)', unit: 'log', values: col('largestCascadeImpactLog') },
  { key: 'cascadesPerPath', label: 'cascades per path', unit: 'count', values: col('cascadeCount') },
  { key: 'maxDrawdownExogenous', label: 'max drawdown (exogenous)', unit: 'fraction', values: col('maxDrawdownExogenous') },
  { key: 'maxDrawdownRealised', label: 'max drawdown (realised)', unit: 'fraction', values: col('maxDrawdownRealised') },
  {
    key: 'extraDrawdown',
    label: 'extra drawdown from liquidations',
    unit: 'fraction',
    values: (c) => Float64Array.from(c.maxDrawdownRealised, (x, k) => x - c.maxDrawdownExogenous[k]),
  },
  { key: 'stopLossCount', label: 'stop-losses', unit: 'count', values: col('stopLossCount') },
  { key: 'topUpCount', label: 'top-ups', unit: 'count', values: col('topUpCount') },
  { key: 'topUpUsd', label: 'topped-up collateral', unit: 'usd', values: col('topUpUsd') },
];

function buildTable(): Map<string, MetricDef> {
  const m = new Map<string, MetricDef>();
  for (const d of DISTRIBUTIONS) {
    m.set(`${d.key}.mean`, { key: `${d.key}.mean`, label: `mean ${d.label}`, unit: d.unit, functional: { kind: 'mean' }, kind: QUANTITY_KINDS[d.key], values: d.values });
  }
  const bd = DISTRIBUTIONS[0];
  for (const [suffix, q] of [['95', 0.95], ['99', 0.99], ['999', 0.999]] as const) {
    const pct = suffix === '999' ? '99.9' : suffix;
    m.set(`badDebtUsd.var${suffix}`, { key: `badDebtUsd.var${suffix}`, label: `bad-debt VaR ${pct}%`, unit: 'usd', functional: { kind: 'var', q }, values: bd.values });
    m.set(`badDebtUsd.es${suffix}`, { key: `badDebtUsd.es${suffix}`, label: `bad-debt ES ${pct}%`, unit: 'usd', functional: { kind: 'es', q }, values: bd.values });
  }
  m.set('probBadDebt', {
    key: 'probBadDebt',
    label: 'P(bad debt > 0)',
    unit: 'probability',
    functional: { kind: 'proportion' },
    values: (c) => Float64Array.from(c.badDebtUsd, (x) => (x > 0 ? 1 : 0)),
  });
  m.set('probFundExhausted', {
    key: 'probFundExhausted',
    label: 'P(insurance fund exhausted)',
    unit: 'probability',
    functional: { kind: 'proportion' },
    values: (c) => Float64Array.from(c.fundExhausted, (x) => (x ? 1 : 0)),
  });
  return m;
}

export const METRICS: ReadonlyMap<string, MetricDef> = buildTable();

/** `paths.<field>.mean`: the mean of any numeric (or 0/1 boolean) per-path field of results.json `paths`. */
export const PATH_FIELD_METRIC = /^paths\.([A-Za-z_]\w*)\.mean$/;

/** "adlNotionalUsd" → "adl notional". */
function words(field: string): string {
  return field
    .replace(/Usd$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * The definition of a metric key: one of `METRICS`, or `paths.<field>.mean` for a per-path field that
 * aggregates does not summarise (e.g. paths.adlNotionalUsd.mean, paths.socialisedLossUsd.mean).
 * Undefined when the key is neither (the field's existence is checked against a run's columns).
 */
export function metricDef(key: string): MetricDef | undefined {
  const known = METRICS.get(key);
  if (known) return known;
  const m = PATH_FIELD_METRIC.exec(key);
  if (!m) return undefined;
  const field = m[1] as keyof PathSummary;
  return {
    key,
    label: `mean ${words(m[1])}`,
    unit: m[1].endsWith('Usd') ? 'usd' : 'count',
    functional: { kind: 'mean' },
    values: (c) => {
      const column = c[field] as unknown[] | undefined;
      if (!column) throw new UserError(`metric ${key}: the runs have no per-path field ${m[1]}`);
      return Float64Array.from(column, (x) => Number(x));
    },
  };
}

/** Checks study metric keys against the per-path fields a run records (`fields`); throws `UserError` listing what is allowed. */
export function checkStudyMetrics(keys: string[], fields: string[], flag = '--metric'): MetricDef[] {
  return keys.map((k) => {
    const m = PATH_FIELD_METRIC.exec(k);
    const d = metricDef(k);
    if (!d || (m && !fields.includes(m[1]))) {
      const numeric = fields.filter((f) => f !== 'pathIndex');
      throw new UserError(
        `${flag} ${JSON.stringify(k)}: unknown; allowed: ${[...METRICS.keys()].join(', ')}, or paths.<field>.mean for a per-path field (${numeric.join(', ')})`,
      );
    }
    return d;
  });
}

/** Metrics a sweep or comparison reports (and differences) unless told otherwise. */
export const HEADLINE_METRICS = [
  'probBadDebt',
  'badDebtUsd.mean',
  'badDebtUsd.var99',
  'badDebtUsd.es99',
  'probFundExhausted',
  'fundPaidUsd.mean',
  'fractionTradersLiquidated.mean',
  'liquidatedNotionalUsd.mean',
  'largestCascade.notionalUsd.mean',
  'extraDrawdown.mean',
] as const;

function isEstimate(v: unknown): v is Estimate {
  return !!v && typeof v === 'object' && 'estimate' in v && 'lower' in v && 'upper' in v && 'method' in v;
}

/** Every dotted path in `aggregates` that holds an estimate with a confidence interval. */
export function estimatePaths(aggregates: Aggregates): string[] {
  const out: string[] = [];
  const walk = (v: unknown, prefix: string) => {
    if (isEstimate(v)) out.push(prefix);
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, prefix ? `${prefix}.${k}` : k);
  };
  walk(aggregates, '');
  return out;
}

/** The estimate at a dotted path of `aggregates`, or undefined. */
export function estimateAt(aggregates: Aggregates, key: string): Estimate | undefined {
  let v: unknown = aggregates;
  for (const p of key.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return isEstimate(v) ? v : undefined;
}

/**
 * Checks a metric name against what a run reports. `allowed` is `estimatePaths` of a run's aggregates.
 * Throws `UserError` listing the allowed metrics.
 */
export function checkMetric(key: string, allowed: string[], what = 'metric'): string {
  const k = key.trim();
  if (allowed.includes(k)) return k;
  let hint = '';
  if (allowed.some((a) => a.startsWith(`${k}.`))) hint = ` (a group; pick one of its estimates, e.g. ${allowed.find((a) => a.startsWith(`${k}.`))})`;
  else if (/\.(quantiles|min|max)\b/.test(k)) hint = ' (plain quantiles, min and max have no confidence interval)';
  const fields = allowed.filter((a) => PATH_FIELD_METRIC.test(a));
  const estimates = allowed.filter((a) => !PATH_FIELD_METRIC.test(a));
  throw new UserError(
    `${what} ${JSON.stringify(k)}: unknown${hint}; allowed metrics (any estimate in results.json aggregates): ${estimates.join(', ')}` +
      (fields.length ? `, or the mean of a per-path field: ${fields.join(', ')}` : ', or paths.<field>.mean for a per-path field of results.json paths'),
  );
}

/**
 * The sampling design of a set of per-path columns: importance weights from `likelihoodRatio`, book
 * blocks from `pathIndex` and the scenario's `sampling.pathsPerBook`.
 */
export function designOfColumns(c: PathColumns, pathsPerBook?: number): SampleDesign {
  const lr = c.likelihoodRatio as (number | undefined)[] | undefined;
  const weights = lr && lr.length && lr[0] !== undefined ? Float64Array.from(lr, (x) => x ?? 1) : undefined;
  let blocks: Int32Array | undefined;
  if (pathsPerBook) {
    blocks = Int32Array.from(c.pathIndex, (k) => bookOf(k, pathsPerBook));
    if (new Set(blocks).size < 2) blocks = undefined;
  }
  return { weights, blocks };
}

/**
 * A metric's estimate with a two-sided `confidence` interval, from per-path values under the
 * sampling design. Matches `aggregate()` exactly at confidence 0.95.
 */
export function evaluateFunctional(f: Functional, xs: Float64Array, confidence = 0.95, design?: SampleDesign, kind?: QuantityKind): Estimate {
  switch (f.kind) {
    case 'mean': {
      let min = Infinity;
      for (const x of xs) if (x < min) min = x;
      const nonNegative = (kind?.nonNegative ?? false) && min >= 0;
      const e = designMean(xs, design, confidence, { nonNegative, bound: kind?.bound });
      // as aggregate(): a quantity that is never negative has a normal interval clipped at 0
      if (!nonNegative && min >= 0 && e.lower !== null && e.lower < 0) e.lower = 0;
      return e;
    }
    case 'proportion':
      return designProportion(Uint8Array.from(xs, (x) => (x > 0 ? 1 : 0)), design, confidence);
    case 'var':
      return designQuantile(xs, f.q, design, confidence);
    case 'es':
      return designExpectedShortfall(xs, f.q, design, confidence);
  }
}

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
      return select(scratch, rank - 1);
    }
    case 'es': {
      // Rockafellar–Uryasev at c = VaR̂: c + Σ(x − c)⁺ / (n(1 − q))
      const rank = Math.min(n, Math.max(1, Math.ceil(n * f.q)));
      const c = select(scratch, rank - 1);
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

/** Hoare quickselect: puts the k-th smallest at index k, smaller before, larger after. O(n) expected. */
export function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
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
    const p = se > 0 ? 2 * (1 - normalCdf(Math.abs(d) / se)) : d === 0 ? 1 : 0;
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

/** Parsed risk target: `<metric> <op> <value>`. */
export interface Target {
  metric: string;
  op: '<=' | '<' | '>=' | '>';
  value: number;
}

/** Parses "badDebtUsd.var99 <= 50000" (a trailing % divides by 100). Throws `UserError`. */
export function parseTarget(text: string, allowed: string[]): Target {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>|≤|≥)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*$/i.exec(text);
  if (!m) {
    throw new UserError(`--target ${JSON.stringify(text)}: expected "<metric> <= <value>" (or <, >=, >), e.g. "badDebtUsd.var99 <= 50000" or "probBadDebt <= 1%"`);
  }
  const metric = checkMetric(m[1], allowed, '--target metric');
  const op = (m[2] === '≤' ? '<=' : m[2] === '≥' ? '>=' : m[2]) as Target['op'];
  const value = Number(m[3]) / (m[4] === '%' ? 100 : 1);
  const target = { metric, op, value };
  checkTargetValue(target, text);
  return target;
}

/**
 * The values a metric can take, for checking a target against it: probabilities and shares in [0, 1],
 * the extra drawdown in [−1, 1], money and counts ≥ 0 (profit-and-loss fields may be negative), a log
 * move any real number.
 */
export function metricRange(metric: string): { min: number; max: number; what: string } {
  const d = metricDef(metric);
  const unit = d?.unit ?? (/^prob[A-Z]/.test(metric) ? 'probability' : undefined);
  if (unit === 'probability') return { min: 0, max: 1, what: 'a probability, between 0 and 1 (0% and 100%)' };
  if (unit === 'fraction') return metric.startsWith('extraDrawdown') ? { min: -1, max: 1, what: 'a difference of drawdowns, between −1 and 1' } : { min: 0, max: 1, what: 'a share, between 0 and 1 (0% and 100%)' };
  if ((unit === 'usd' || unit === 'count') && !/pnl/i.test(metric)) return { min: 0, max: Infinity, what: unit === 'usd' ? 'an amount of money, never negative' : 'a count, never negative' };
  return { min: -Infinity, max: Infinity, what: 'a finite number' };
}

/** Refuses a target that is not finite or lies outside the values its metric can take. Throws `UserError`. */
export function checkTargetValue(t: Target, text = formatTarget(t)): void {
  const r = metricRange(t.metric);
  if (!Number.isFinite(t.value) || t.value < r.min || t.value > r.max) {
    throw new UserError(`--target ${JSON.stringify(text)}: the value ${t.value} is not allowed — ${t.metric} is ${r.what}`);
  }
}

export function formatTarget(t: Target): string {
  return `${t.metric} ${t.op} ${t.value}`;
}
