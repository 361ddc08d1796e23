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
import { fractionLiquidated, type Aggregates } from '../stats/aggregate.js';
import { expectedShortfallCiSorted, meanCi, normalCdf, normalQuantile, proportionCi, quantileCiSorted, type Estimate } from '../stats/ci.js';
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
    m.set(`${d.key}.mean`, { key: `${d.key}.mean`, label: `mean ${d.label}`, unit: d.unit, functional: { kind: 'mean' }, values: d.values });
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

const sortedCopy = (xs: Float64Array) => Array.from(Float64Array.from(xs).sort());

/**
 * A metric's estimate with a two-sided `confidence` interval, from per-path values.
 * Matches `aggregate()` exactly at confidence 0.95.
 */
export function evaluateFunctional(f: Functional, xs: Float64Array, confidence = 0.95): Estimate {
  switch (f.kind) {
    case 'mean': {
      const e = meanCi(Array.from(xs), confidence);
      // as aggregate(): a quantity that is never negative has a mean interval clipped at 0
      let min = Infinity;
      for (const x of xs) if (x < min) min = x;
      if (min >= 0 && e.lower < 0) e.lower = 0;
      return e;
    }
    case 'proportion': {
      let k = 0;
      for (const x of xs) if (x > 0) k++;
      return proportionCi(k, xs.length, confidence);
    }
    case 'var':
      return quantileCiSorted(sortedCopy(xs), f.q, confidence);
    case 'es':
      return expectedShortfallCiSorted(sortedCopy(xs), f.q, confidence);
  }
}

/** The point value of a functional (no interval). Reorders `scratch`. */
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
      const k = Math.max(1, n - Math.floor(n * f.q));
      select(scratch, n - k);
      for (let i = n - k; i < n; i++) s += scratch[i];
      return s / k;
    }
  }
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

/**
 * Paired difference F(B) − F(A) of a functional over the first n = min(|A|, |B|) paths of each.
 * `seed` and `key` seed the bootstrap (VaR/ES); the result is deterministic.
 */
export function pairedDifference(f: Functional, a: Float64Array, b: Float64Array, opts: { confidence?: number; seed?: number; key?: string; resamples?: number } = {}): PairedDifference {
  const confidence = opts.confidence ?? 0.95;
  const n = Math.min(a.length, b.length);
  if (n === 0) throw new RangeError('pairedDifference requires at least one common path');
  const A = a.subarray(0, n);
  const B = b.subarray(0, n);
  const z = normalQuantile(0.5 + confidence / 2);
  if (f.kind === 'mean' || f.kind === 'proportion') {
    const ind = (x: number) => (f.kind === 'proportion' ? (x > 0 ? 1 : 0) : x);
    let sa = 0;
    let sb = 0;
    for (let k = 0; k < n; k++) {
      sa += ind(A[k]);
      sb += ind(B[k]);
    }
    const ma = sa / n;
    const mb = sb / n;
    const d = mb - ma;
    let vd = 0;
    let va = 0;
    let vb = 0;
    for (let k = 0; k < n; k++) {
      const xa = ind(A[k]) - ma;
      const xb = ind(B[k]) - mb;
      vd += (xb - xa) ** 2;
      va += xa * xa;
      vb += xb * xb;
    }
    const denom = Math.max(1, n - 1);
    const se = Math.sqrt(vd / denom / n);
    const seU = Math.sqrt((va + vb) / denom / n);
    const p = se > 0 ? 2 * (1 - normalCdf(Math.abs(d) / se)) : d === 0 ? 1 : 0;
    return { estimate: d, lower: d - z * se, upper: d + z * se, standardError: se, unpairedStandardError: seU, n, pValue: clamp01(p), significant: d - z * se > 0 || d + z * se < 0, method: 'paired-mean', confidence };
  }
  const scratch = new Float64Array(n);
  scratch.set(A);
  const fa = pointValue(f, scratch);
  scratch.set(B);
  const fb = pointValue(f, scratch);
  const d = fb - fa;
  let identical = true;
  for (let k = 0; k < n && identical; k++) identical = A[k] === B[k];
  if (identical) {
    return { estimate: 0, lower: 0, upper: 0, standardError: 0, unpairedStandardError: 0, n, pValue: 1, significant: false, method: 'paired-bootstrap', confidence };
  }
  const R = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const rng = sharedStream(opts.seed ?? 0, `bootstrap/${opts.key ?? f.kind}`);
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  const diffs = new Float64Array(R);
  const fas = new Float64Array(R);
  const fbs = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    for (let k = 0; k < n; k++) {
      const i = Math.floor(rng() * n);
      ra[k] = A[i];
      rb[k] = B[i];
    }
    fas[r] = pointValue(f, ra);
    fbs[r] = pointValue(f, rb);
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
