/**
 * The catalogue of metrics: every figure with a confidence interval that a run's `aggregates` holds
 * and that sweeps, calibrations and comparisons can name, declared once — its key (the dotted path in
 * `aggregates`), label, unit, which direction is worse, the functional (mean, proportion, VaR, ES) and
 * the per-path quantity it is taken of. `aggregateTable` (aggregate.ts) builds its distributions from
 * `QUANTITIES`; src/sweep/metrics.ts evaluates and differences `METRICS` on any set of paths.
 *
 * Per-path quantities are read through a `ColumnReader` (a field name → its column), so the same
 * definition serves the column table (src/mc/table.ts) and the columns of results.json `paths`.
 */
import type { PathFieldName } from '../engine/fields.js';
import type { Estimate } from './ci.js';
import { designExpectedShortfall, designMean, designProportion, designQuantile, type SampleDesign } from './design.js';

/** How a metric's value reads: money, a probability, a share, a count, a log move, a ratio. */
export type Unit = 'usd' | 'probability' | 'fraction' | 'count' | 'log' | 'ratio';

/** What a metric takes of its per-path quantity. */
export type Functional = { kind: 'mean' } | { kind: 'proportion' } | { kind: 'var'; q: number } | { kind: 'es'; q: number };

/** Which direction of a metric is worse for the venue: higher (risk, losses), lower (the fund left), or neither (descriptive). */
export type Worse = 'higher' | 'lower' | 'neither';

/** Which way a difference B − A of a metric goes for the venue: better, worse, or neither (a descriptive metric, or no change). */
export function directionOf(worse: Worse, difference: number): 'better' | 'worse' | 'neither' {
  if (worse === 'neither' || difference === 0 || !Number.isFinite(difference)) return 'neither';
  return (worse === 'higher') === difference > 0 ? 'worse' : 'better';
}

/** What kind of interval a Distribution's mean gets: non-negative quantities the two-part one, bounded ones a bound. */
export interface QuantityKind {
  nonNegative: boolean;
  /** A known upper bound of every value (1 for a fraction). */
  bound?: number;
}

/** A per-path column by field name (booleans as 0/1 or as booleans). */
export type ColumnReader = (field: PathFieldName) => ArrayLike<number | boolean>;

/** A per-path quantity whose distribution `aggregates` reports (`Distribution`: mean with interval, quantiles, range). */
export interface QuantityDef {
  /** Dotted path in `aggregates` (`largestCascade.notionalUsd`). */
  key: string;
  label: string;
  unit: Unit;
  worse: Worse;
  /** The interval its mean gets. */
  interval: QuantityKind;
  /** Its value on each path, in path order; `traders` is the opening book's size. */
  values(col: ColumnReader, traders: number): Float64Array;
}

/** Share of a path's accounts — the opening book plus that path's arrivals — liquidated at least once. */
export function fractionLiquidated(tradersLiquidated: number, openingTraders: number, arrivals: number): number {
  return tradersLiquidated / (openingTraders + arrivals);
}

const field =
  (k: PathFieldName) =>
  (col: ColumnReader): Float64Array =>
    Float64Array.from(col(k) as ArrayLike<number>);

const nonNegative: QuantityKind = { nonNegative: true };

/** The per-path quantities behind every `Distribution` in `aggregates`, in the order `aggregates` lists them. */
export const QUANTITIES: readonly QuantityDef[] = [
  { key: 'badDebtUsd', label: 'bad debt', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('badDebtUsd') },
  { key: 'liquidationCount', label: 'liquidations', unit: 'count', worse: 'higher', interval: nonNegative, values: field('liquidationCount') },
  { key: 'liquidatedNotionalUsd', label: 'liquidated notional', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('liquidatedNotionalUsd') },
  { key: 'liquidatedLongNotionalUsd', label: 'liquidated long notional', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('liquidatedLongNotionalUsd') },
  { key: 'liquidatedShortNotionalUsd', label: 'liquidated short notional', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('liquidatedShortNotionalUsd') },
  {
    key: 'fractionTradersLiquidated',
    label: 'fraction of traders liquidated',
    unit: 'fraction',
    worse: 'higher',
    interval: { nonNegative: true, bound: 1 },
    values: (col, traders) => {
      const arrivals = col('arrivals') as ArrayLike<number>;
      return Float64Array.from(col('tradersLiquidated') as ArrayLike<number>, (x, k) => fractionLiquidated(x, traders, arrivals[k]));
    },
  },
  // what the fund pays is the venue's money: a policy that leaves more to the fund costs more
  { key: 'fundPaidUsd', label: 'insurance fund paid out', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('fundPaidUsd') },
  { key: 'fundEndUsd', label: 'insurance fund at end', unit: 'usd', worse: 'lower', interval: nonNegative, values: field('fundEndUsd') },
  { key: 'largestCascade.accounts', label: 'largest cascade (accounts)', unit: 'count', worse: 'higher', interval: nonNegative, values: field('largestCascadeAccounts') },
  { key: 'largestCascade.notionalUsd', label: 'largest cascade notional', unit: 'usd', worse: 'higher', interval: nonNegative, values: field('largestCascadeNotionalUsd') },
  { key: 'largestCascade.generations', label: 'largest cascade (generations)', unit: 'count', worse: 'higher', interval: nonNegative, values: field('largestCascadeGenerations') },
  // negative for a long cascade, positive for a short one: its size, not its sign, is the risk
  { key: 'largestCascade.impactLog', label: 'largest cascade price impact (log)', unit: 'log', worse: 'neither', interval: { nonNegative: false }, values: field('largestCascadeImpactLog') },
  { key: 'cascadesPerPath', label: 'cascades per path', unit: 'count', worse: 'higher', interval: nonNegative, values: field('cascadeCount') },
  { key: 'maxDrawdownExogenous', label: 'max drawdown (exogenous)', unit: 'fraction', worse: 'neither', interval: { nonNegative: true, bound: 1 }, values: field('maxDrawdownExogenous') },
  { key: 'maxDrawdownRealised', label: 'max drawdown (realised)', unit: 'fraction', worse: 'higher', interval: { nonNegative: true, bound: 1 }, values: field('maxDrawdownRealised') },
  {
    key: 'extraDrawdown',
    label: 'extra drawdown from liquidations',
    unit: 'fraction',
    worse: 'higher',
    interval: { nonNegative: false },
    values: (col) => {
      const exogenous = col('maxDrawdownExogenous') as ArrayLike<number>;
      return Float64Array.from(col('maxDrawdownRealised') as ArrayLike<number>, (x, k) => x - exogenous[k]);
    },
  },
  { key: 'stopLossCount', label: 'stop-losses', unit: 'count', worse: 'neither', interval: nonNegative, values: field('stopLossCount') },
  { key: 'topUpCount', label: 'top-ups', unit: 'count', worse: 'neither', interval: nonNegative, values: field('topUpCount') },
  { key: 'topUpUsd', label: 'topped-up collateral', unit: 'usd', worse: 'neither', interval: nonNegative, values: field('topUpUsd') },
];

/** A metric: a functional of a per-path quantity, named by its dotted path in `aggregates`. */
export interface MetricDef {
  /** Dotted path in `aggregates` (`badDebtUsd.var99`, `probBadDebt`, `topUpUsd.mean`). */
  key: string;
  label: string;
  unit: Unit;
  worse: Worse;
  functional: Functional;
  /** For a mean: the interval kind of its per-path quantity; absent = normal. */
  kind?: QuantityKind;
  /** The per-path quantity the functional is taken of (0/1 for a proportion). */
  values(col: ColumnReader, traders: number): Float64Array;
}

/** The tail levels of bad debt's VaR and ES: key suffix, level, label. */
export const TAIL_LEVELS = [
  ['95', 0.95, '95'],
  ['99', 0.99, '99'],
  ['999', 0.999, '99.9'],
] as const;

function buildCatalogue(): Map<string, MetricDef> {
  const m = new Map<string, MetricDef>();
  for (const d of QUANTITIES) {
    m.set(`${d.key}.mean`, { key: `${d.key}.mean`, label: `mean ${d.label}`, unit: d.unit, worse: d.worse, functional: { kind: 'mean' }, kind: d.interval, values: d.values });
  }
  const bd = QUANTITIES[0];
  for (const [suffix, q, pct] of TAIL_LEVELS) {
    m.set(`badDebtUsd.var${suffix}`, { key: `badDebtUsd.var${suffix}`, label: `bad-debt VaR ${pct}%`, unit: 'usd', worse: 'higher', functional: { kind: 'var', q }, values: bd.values });
    m.set(`badDebtUsd.es${suffix}`, { key: `badDebtUsd.es${suffix}`, label: `bad-debt ES ${pct}%`, unit: 'usd', worse: 'higher', functional: { kind: 'es', q }, values: bd.values });
  }
  m.set('probBadDebt', {
    key: 'probBadDebt',
    label: 'P(bad debt > 0)',
    unit: 'probability',
    worse: 'higher',
    functional: { kind: 'proportion' },
    values: (col) => Float64Array.from(col('badDebtUsd') as ArrayLike<number>, (x) => (x > 0 ? 1 : 0)),
  });
  m.set('probFundExhausted', {
    key: 'probFundExhausted',
    label: 'P(insurance fund exhausted)',
    unit: 'probability',
    worse: 'higher',
    functional: { kind: 'proportion' },
    values: (col) => Float64Array.from(col('fundExhausted') as ArrayLike<number | boolean>, (x) => (x ? 1 : 0)),
  });
  return m;
}

/** Every metric of the catalogue by key: the mean of each quantity, bad debt's VaR and ES, the probabilities. */
export const CATALOGUE: ReadonlyMap<string, MetricDef> = buildCatalogue();

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
