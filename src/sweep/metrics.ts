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
import { pathField, type FieldUnit } from '../engine/fields.js';
import type { Aggregates } from '../stats/aggregate.js';
import type { PathTable } from '../mc/table.js';
import type { Estimate } from '../stats/ci.js';
import type { SampleDesign } from '../stats/design.js';
import { CATALOGUE, type ColumnReader, type Functional, type MetricDef as CatalogueMetric, type Unit } from '../stats/metrics.js';
import { UserError } from '../errors.js';

export type { Functional, Unit };

/** A metric of the catalogue (src/stats/metrics.ts) read from a set of paths' records (the column table; path k = row k, indices ascending). */
export interface MetricDef extends Omit<CatalogueMetric, 'values'> {
  /** The per-path quantity the functional is taken of (0/1 for a proportion). */
  values(t: PathTable, traders: number): Float64Array;
}

/** A column reader over a path table (the catalogue reads quantities through one). */
export function readerOf(t: PathTable): ColumnReader {
  return (k) => {
    if (!t.has(k)) throw new UserError(`the runs have no per-path field ${k}`);
    return t.col(k);
  };
}

function onColumns(d: CatalogueMetric): MetricDef {
  return { ...d, values: (c, traders) => d.values(readerOf(c), traders) };
}

/** The catalogue's metrics, read from path tables. */
export const METRICS: ReadonlyMap<string, MetricDef> = new Map([...CATALOGUE].map(([k, d]) => [k, onColumns(d)]));

/** `paths.<field>.mean`: the mean of any numeric (or 0/1 boolean) per-path field of results.json `paths`. */
export const PATH_FIELD_METRIC = /^paths\.([A-Za-z_]\w*)\.mean$/;

/** The metric unit of the mean of a per-path field, by the field's unit in the registry (a flag's mean is a probability). */
const METRIC_UNIT: Readonly<Record<FieldUnit, Unit>> = {
  USD: 'usd',
  fraction: 'fraction',
  log: 'log',
  rate: 'ratio',
  ratio: 'ratio',
  boolean: 'probability',
  count: 'count',
  accounts: 'count',
  rounds: 'count',
  step: 'count',
  code: 'count',
  '—': 'count',
};

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
    unit: METRIC_UNIT[pathField(m[1])?.unit ?? 'count'],
    worse: pathField(m[1])?.worse ?? 'neither',
    functional: { kind: 'mean' },
    values: (t) => {
      if (!t.has(field)) throw new UserError(`metric ${key}: the runs have no per-path field ${m[1]}`);
      return Float64Array.from(t.col(field));
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

/** Parsed risk target: `<metric> <op> <value>`. */
export interface Target {
  metric: string;
  op: '<=' | '<' | '>=' | '>';
  value: number;
}

/** Parses "badDebtUsd.var99 <= 50000" (a trailing % divides by 100). Throws `UserError`. */
export function parseTarget(text: string, allowed: string[], label = '--target'): Target {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>|≤|≥)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*$/i.exec(text);
  if (!m) {
    throw new UserError(`${label} ${JSON.stringify(text)}: expected "<metric> <= <value>" (or <, >=, >), e.g. "badDebtUsd.var99 <= 50000" or "probBadDebt <= 1%"`);
  }
  const metric = checkMetric(m[1], allowed, `${label} metric`);
  const op = (m[2] === '≤' ? '<=' : m[2] === '≥' ? '>=' : m[2]) as Target['op'];
  const value = Number(m[3]) / (m[4] === '%' ? 100 : 1);
  const target = { metric, op, value };
  checkTargetValue(target, text, label);
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
export function checkTargetValue(t: Target, text = formatTarget(t), label = '--target'): void {
  const r = metricRange(t.metric);
  if (!Number.isFinite(t.value) || t.value < r.min || t.value > r.max) {
    throw new UserError(`${label} ${JSON.stringify(text)}: the value ${t.value} is not allowed — ${t.metric} is ${r.what}`);
  }
}

export function formatTarget(t: Target): string {
  return `${t.metric} ${t.op} ${t.value}`;
}
