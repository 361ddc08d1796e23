/**
 * Aggregates across paths, computed after the run from the per-path summaries (never inside the
 * engine). Every estimate carries its sample size, its level (95%) and, for tail figures, the paths
 * it rests on. The intervals follow the run's sampling design (src/stats/design.ts): plain Monte
 * Carlo, importance sampling (each path weighted by its likelihood ratio), books redrawn per block
 * of paths (clustered), or both.
 */
import { quantileSorted } from 'simple-statistics';
import type { PathSeries, PathSummary } from '../engine/path.js';
import type { MonteCarloOutput } from '../mc/runner.js';
import { bookOf } from '../engine/context.js';
import { PathTable } from '../mc/table.js';
import type { Estimate } from './ci.js';
import {
  designExpectedShortfall,
  designMean,
  designProportion,
  designQuantile,
  designQuantiles,
  effectiveSampleSize,
  varianceDecomposition,
  type SampleDesign,
  type VarianceDecomposition,
} from './design.js';
import { lossWaterfallOfTable, type LossWaterfall } from './waterfall.js';
import { CATALOGUE, evaluateFunctional, fractionLiquidated, QUANTITIES, TAIL_LEVELS, type ColumnReader, type QuantityKind } from './metrics.js';

export const DISTRIBUTION_QUANTILES = [0.05, 0.5, 0.95, 0.99] as const;

/** A per-path quantity: its mean with CI and plain quantiles across paths. */
export interface Distribution {
  mean: Estimate;
  quantiles: Record<string, number>;
  min: number;
  max: number;
}

/** How the run's paths were sampled (results.json `aggregates.sampling`). */
export interface SamplingSummary {
  /** plain: independent, equally weighted paths on one book; importance: weighted by likelihood ratios; books: a book per block of paths. */
  design: 'plain' | 'importance' | 'books' | 'importance+books';
  /** Books the paths ran on (1 = one book for every path). */
  books: number;
  /** Paths per book block (null with one book). */
  pathsPerBook: number | null;
  /** What the figures are: averaged over the market states of several books, or conditioned on one book (its state and positions). */
  marketStates: 'averaged over books' | 'conditioned on one book';
  /** Kish's effective sample size of the likelihood-ratio weights, (Σw)²/Σw² (= paths without importance sampling). */
  effectiveSampleSize: number;
  /** Importance sampling: the mean, smallest and largest likelihood ratio (mean ≈ 1 when the tilt is sound). */
  likelihoodRatio?: { mean: number; min: number; max: number };
}

/** Books redrawn per block: the variance of headline quantities split into market paths and books. */
export interface BookVariance {
  books: number;
  pathsPerBook: number;
  /** Per quantity (per-path value, weighted under importance sampling). */
  badDebtUsd: VarianceDecomposition;
  probBadDebt: VarianceDecomposition;
  liquidatedNotionalUsd: VarianceDecomposition;
  fractionTradersLiquidated: VarianceDecomposition;
}

export interface Aggregates {
  paths: number;
  traders: number;
  sampling: SamplingSummary;
  badDebtUsd: Distribution & {
    var95: Estimate;
    var99: Estimate;
    var999: Estimate;
    es95: Estimate;
    es99: Estimate;
    es999: Estimate;
  };
  probBadDebt: Estimate;
  probFundExhausted: Estimate;
  liquidationCount: Distribution;
  liquidatedNotionalUsd: Distribution;
  liquidatedLongNotionalUsd: Distribution;
  liquidatedShortNotionalUsd: Distribution;
  fractionTradersLiquidated: Distribution;
  fundPaidUsd: Distribution;
  fundEndUsd: Distribution;
  largestCascade: {
    accounts: Distribution;
    notionalUsd: Distribution;
    generations: Distribution;
    /** Log-price move added by liquidation flow in the largest cascade's step. */
    impactLog: Distribution;
  };
  cascadesPerPath: Distribution;
  maxDrawdownExogenous: Distribution;
  maxDrawdownRealised: Distribution;
  /** Realised minus exogenous max drawdown: how much deeper the liquidations made the fall. */
  extraDrawdown: Distribution;
  stopLossCount: Distribution;
  topUpCount: Distribution;
  topUpUsd: Distribution;
  /** Present when books are redrawn per block (sampling.books > 1). */
  bookVariance?: BookVariance;
  /** Who paid the shortfalls: backstop vault, insurance fund, ADL, socialised loss, bad debt (src/stats/waterfall.ts). */
  lossWaterfall: LossWaterfall;
}

export type { QuantityKind };

/** The interval kind of every Distribution in `aggregates`, by its dotted key (from the metric catalogue, src/stats/metrics.ts). */
export const QUANTITY_KINDS: Readonly<Record<string, QuantityKind>> = Object.fromEntries(QUANTITIES.map((q) => [q.key, q.interval]));

/**
 * Mean (with CI) and quantiles of a per-path quantity under the design. A non-negative quantity's
 * mean gets the two-part interval (src/stats/ci.ts `twoPartMeanCi`), others the normal one (lower
 * limit clipped at 0 when every value is ≥ 0).
 */
export function distribution(xs: ArrayLike<number>, kind: QuantityKind = { nonNegative: false }, design?: SampleDesign): Distribution {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < min) min = xs[i];
    if (xs[i] > max) max = xs[i];
  }
  const nonNegative = kind.nonNegative && min >= 0;
  const mean = designMean(xs, design, 0.95, { nonNegative, bound: kind.bound });
  if (!nonNegative && min >= 0 && mean.lower !== null && mean.lower < 0) mean.lower = 0;
  return { mean, quantiles: designQuantiles(xs, DISTRIBUTION_QUANTILES, design), min, max };
}

export { fractionLiquidated };

/** Options of `aggregate`. */
export interface AggregateOptions {
  /** Books redrawn per block of this many paths (scenario `sampling.pathsPerBook`); absent = one book. */
  pathsPerBook?: number;
}

export { bookOf };

/** The sampling design of a set of path summaries: weights from their likelihood ratios, blocks from their books. */
export function designOf(summaries: readonly PathSummary[], pathsPerBook?: number): SampleDesign {
  const n = summaries.length;
  const weighted = n > 0 && summaries[0].likelihoodRatio !== undefined;
  const weights = weighted ? Float64Array.from(summaries, (s) => s.likelihoodRatio ?? 1) : undefined;
  let blocks: Int32Array | undefined;
  if (pathsPerBook) {
    blocks = Int32Array.from(summaries, (s) => bookOf(s.pathIndex, pathsPerBook));
    if (new Set(blocks).size < 2) blocks = undefined;
  }
  return { weights, blocks };
}

/** `designOf` for per-path records in columns (the same weights and blocks). */
export function designOfTable(t: PathTable, pathsPerBook?: number): SampleDesign {
  const weights = t.has('likelihoodRatio') ? Float64Array.from(t.col('likelihoodRatio')) : undefined;
  let blocks: Int32Array | undefined;
  if (pathsPerBook) {
    const idx = t.col('pathIndex');
    blocks = Int32Array.from(idx, (p) => bookOf(p, pathsPerBook));
    // books are consecutive blocks of path indices: two or more books iff the first and last differ
    if (blocks.length === 0 || blocks[0] === blocks[blocks.length - 1]) blocks = undefined;
  }
  return { weights, blocks };
}

export function aggregate(summaries: PathSummary[], traders: number, opts: AggregateOptions = {}): Aggregates {
  if (summaries.length === 0) throw new RangeError('aggregate requires at least one path');
  return aggregateTable(PathTable.fromSummaries(summaries), traders, opts);
}

/**
 * The aggregates of per-path records held in columns (src/mc/table.ts): every figure reads the columns
 * in path order, so the result is the same, bit for bit, as `aggregate` of the same paths as summaries.
 */
export function aggregateTable(t: PathTable, traders: number, opts: AggregateOptions = {}): Aggregates {
  const n = t.n;
  if (n === 0) throw new RangeError('aggregate requires at least one path');
  const design = designOfTable(t, opts.pathsPerBook);
  const col: ColumnReader = (key) => t.col(key);
  // each Distribution's per-path values from the metric catalogue, made when its distribution is (a derived column
  // of a million paths is 8 MB: made one at a time, not all at once); the three read again below are kept
  const quantity = new Map(QUANTITIES.map((q) => [q.key, q]));
  const kept = new Map<string, ReturnType<(typeof QUANTITIES)[number]['values']>>();
  const valuesOf = (key: string) => kept.get(key) ?? quantity.get(key)!.values(col, traders);
  for (const key of ['badDebtUsd', 'fractionTradersLiquidated', 'liquidatedNotionalUsd']) kept.set(key, valuesOf(key));
  const dist = (key: string) => distribution(valuesOf(key), QUANTITY_KINDS[key], design);
  const badDebt = kept.get('badDebtUsd')!;
  const fraction = kept.get('fractionTradersLiquidated')!;
  const notional = kept.get('liquidatedNotionalUsd')!;
  const metric = (key: string) => {
    const m = CATALOGUE.get(key)!;
    return evaluateFunctional(m.functional, m.values(col, traders), 0.95, design, m.kind);
  };
  const books = design.blocks ? countBlocks(design.blocks) : 1;
  const w = design.weights;
  let lr: SamplingSummary['likelihoodRatio'];
  if (w) {
    let sum = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of w) {
      sum += x;
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    lr = { mean: sum / n, min: lo, max: hi };
  }
  const sampling: SamplingSummary = {
    design: w && books > 1 ? 'importance+books' : w ? 'importance' : books > 1 ? 'books' : 'plain',
    books,
    pathsPerBook: books > 1 ? opts.pathsPerBook! : null,
    marketStates: books > 1 ? 'averaged over books' : 'conditioned on one book',
    effectiveSampleSize: w ? effectiveSampleSize(w) : n,
    ...(lr ? { likelihoodRatio: lr } : {}),
  };
  // badDebtUsd's tail figures: var95, var99, var999, then es95, es99, es999
  const tails: Record<string, Estimate> = {};
  for (const [suffix] of TAIL_LEVELS) tails[`var${suffix}`] = metric(`badDebtUsd.var${suffix}`);
  for (const [suffix] of TAIL_LEVELS) tails[`es${suffix}`] = metric(`badDebtUsd.es${suffix}`);
  const built: Record<string, unknown> = {
    paths: n,
    traders,
    sampling,
    badDebtUsd: { ...dist('badDebtUsd'), ...tails },
    probBadDebt: metric('probBadDebt'),
    probFundExhausted: metric('probFundExhausted'),
  };
  for (const q of QUANTITIES) {
    if (q.key === 'badDebtUsd') continue;
    const [group, leaf] = q.key.split('.');
    if (leaf === undefined) built[group] = dist(q.key);
    else ((built[group] ??= {}) as Record<string, Distribution>)[leaf] = dist(q.key);
  }
  built.lossWaterfall = lossWaterfallOfTable(t, design);
  const out = built as unknown as Aggregates;
  const hasBadDebt = Uint8Array.from(badDebt, (x) => (x > 0 ? 1 : 0));
  if (design.blocks) {
    const wy = (x: ArrayLike<number>) => Float64Array.from(x, (v, i) => (w ? w[i] * v : v));
    out.bookVariance = {
      books,
      pathsPerBook: opts.pathsPerBook!,
      badDebtUsd: varianceDecomposition(wy(badDebt), design.blocks)!,
      probBadDebt: varianceDecomposition(wy(hasBadDebt), design.blocks)!,
      liquidatedNotionalUsd: varianceDecomposition(wy(notional), design.blocks)!,
      fractionTradersLiquidated: varianceDecomposition(wy(fraction), design.blocks)!,
    };
  }
  return out;
}

/** Distinct books in a block column (books are consecutive, so count the changes). */
function countBlocks(blocks: Int32Array): number {
  return new Set(blocks).size;
}

export const BAND_QUANTILES = [0.05, 0.25, 0.5, 0.75, 0.95] as const;

/** Quantile bands of one series across the sampled paths, per time point. */
export interface Band {
  p05: number[];
  p25: number[];
  p50: number[];
  p75: number[];
  p95: number[];
  mean: number[];
}

export interface SeriesBands {
  /** Number of paths the bands are computed from. */
  samplePaths: number;
  steps: number[];
  fundamentalUsd: Band;
  markUsd: Band;
  liquidatedLongUsd: Band;
  liquidatedShortUsd: Band;
  cumulativeLiquidatedUsd: Band;
  openInterestUsd: Band;
  insuranceFundUsd: Band;
  /** With volatile collateral or lending: collateral backing positions vs the positions' value (engine/results.ts PathSeries). */
  collateralValueUsd?: Band;
  positionValueUsd?: Band;
  /** Per path and point: collateralValueUsd / positionValueUsd (0 when no position is open). */
  collateralCoverage?: Band;
  /** With funding: funding paid by longs so far, net. */
  fundingPaidByLongsUsd?: Band;
}

/** Self-normalised weighted quantile of `col` (any order) with weights `w`: the smallest value whose cumulative weight reaches q. */
function weightedQuantile(col: Float64Array, w: Float64Array, q: number, idx: Int32Array, total: number): number {
  let acc = 0;
  for (let r = 0; r < idx.length; r++) {
    acc += w[idx[r]];
    if (acc >= q * total) return col[idx[r]];
  }
  return col[idx[idx.length - 1]];
}

function band(rows: Float64Array[], weights?: Float64Array): Band {
  const T = rows[0].length;
  const out: Band = { p05: [], p25: [], p50: [], p75: [], p95: [], mean: [] };
  const col = new Float64Array(rows.length);
  const idx = new Int32Array(rows.length);
  let total = 0;
  if (weights) for (const x of weights) total += x;
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let r = 0; r < rows.length; r++) {
      col[r] = rows[r][t];
      sum += weights ? weights[r] * col[r] : col[r];
    }
    if (weights) {
      for (let r = 0; r < rows.length; r++) idx[r] = r;
      idx.sort((a, b) => col[a] - col[b] || a - b);
      for (const [k, q] of [['p05', 0.05], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p95', 0.95]] as const) out[k].push(weightedQuantile(col, weights, q, idx, total));
      out.mean.push(sum / total);
      continue;
    }
    col.sort();
    const arr = col as unknown as number[];
    out.p05.push(quantileSorted(arr, 0.05));
    out.p25.push(quantileSorted(arr, 0.25));
    out.p50.push(quantileSorted(arr, 0.5));
    out.p75.push(quantileSorted(arr, 0.75));
    out.p95.push(quantileSorted(arr, 0.95));
    out.mean.push(sum / rows.length);
  }
  return out;
}

/**
 * Bands from the sampled paths' series (ordered by path index). With `weightOf` (importance sampling:
 * a path's likelihood ratio) the quantiles and means are weighted, self-normalised.
 */
export function seriesBands(series: MonteCarloOutput['series'], weightOf?: (pathIndex: number) => number): SeriesBands | null {
  if (series.length === 0) return null;
  const s = series.map((x) => x.series);
  const weights = weightOf ? Float64Array.from(series, (x) => weightOf(x.pathIndex)) : undefined;
  const pick = (f: (p: PathSeries) => Float64Array) => band(s.map(f), weights);
  const cumulative = s.map((p) => {
    const c = new Float64Array(p.liquidatedLongUsd.length);
    let acc = 0;
    for (let j = 0; j < c.length; j++) c[j] = acc += p.liquidatedLongUsd[j] + p.liquidatedShortUsd[j];
    return c;
  });
  return {
    samplePaths: s.length,
    steps: Array.from(s[0].steps),
    fundamentalUsd: pick((p) => p.fundamentalUsd),
    markUsd: pick((p) => p.markUsd),
    liquidatedLongUsd: pick((p) => p.liquidatedLongUsd),
    liquidatedShortUsd: pick((p) => p.liquidatedShortUsd),
    cumulativeLiquidatedUsd: band(cumulative, weights),
    openInterestUsd: pick((p) => p.openInterestUsd),
    insuranceFundUsd: pick((p) => p.insuranceFundUsd),
    ...(s[0].collateralValueUsd && s[0].positionValueUsd
      ? {
          collateralValueUsd: pick((p) => p.collateralValueUsd!),
          positionValueUsd: pick((p) => p.positionValueUsd!),
          collateralCoverage: pick((p) => p.collateralValueUsd!.map((c, j) => (p.positionValueUsd![j] > 0 ? c / p.positionValueUsd![j] : 0))),
        }
      : {}),
    ...(s[0].fundingPaidByLongsUsd ? { fundingPaidByLongsUsd: pick((p) => p.fundingPaidByLongsUsd!) } : {}),
  };
}
