/**
 * The loss waterfall across paths: who paid the shortfalls that liquidated accounts left behind.
 *
 * On every path, shortfall = backstop vault + insurance fund + ADL + socialised loss + bad debt
 * (src/engine/waterfall.ts; tested in test/engine/mechanisms.test.ts), in the order the engine pays:
 * the backstop vault first (it took the position over and absorbs its unwind loss), then the fund,
 * then auto-deleveraging or a socialised loss, and the rest is bad debt. Liquidation fees are not part
 * of the shortfall: they are collected from the liquidated account's remaining equity into the fund
 * before any shortfall, so they are reported beside it.
 *
 * For each stage: its mean per path with a 95% interval (over all paths; the two-part interval of a
 * non-negative quantity, weighted under importance sampling), its share of all shortfall
 * (Σ stage / Σ shortfall, pooled over paths), how many paths used it, and the distribution of what it
 * paid on paths that had a shortfall (median, 95th and 99th percentile, maximum). O(n log n).
 */
import type { PathSummary } from '../engine/path.js';
import type { PathTable } from '../mc/table.js';
import type { Estimate } from './ci.js';
import { designMean, designQuantiles, type SampleDesign } from './design.js';

/** The stages of the waterfall in the order the engine pays a shortfall. */
export const WATERFALL_STAGES = [
  { key: 'backstopCoveredUsd', label: 'backstop vault' },
  { key: 'fundPaidUsd', label: 'insurance fund' },
  { key: 'adlProfitTakenUsd', label: 'auto-deleveraging (ADL)' },
  { key: 'socialisedLossUsd', label: 'socialised loss' },
  { key: 'badDebtUsd', label: 'bad debt' },
] as const;

export type WaterfallStageKey = (typeof WATERFALL_STAGES)[number]['key'];

export interface WaterfallStage {
  /** Mean per path over all paths, with its 95% interval (two-part, for a non-negative quantity). */
  mean: Estimate;
  /** Σ over paths of this stage ÷ Σ over paths of the shortfall; 0 when no path had a shortfall. */
  shareOfShortfall: number;
  /** Paths on which this stage paid anything. */
  pathsPaying: number;
  /** Quantiles (p50, p95, p99) of what it paid on the paths with a shortfall; all 0 when none had one. */
  quantilesGivenShortfall: Record<string, number>;
  max: number;
}

export interface LossWaterfall {
  /** Paths with a shortfall > 0. */
  pathsWithShortfall: number;
  /** Liquidation fees collected per path (into the insurance fund, before any shortfall). */
  liquidationFeesUsd: { mean: Estimate; max: number };
  /** Shortfall per path: what liquidated accounts' margin could not pay. */
  shortfallUsd: { mean: Estimate; quantilesGivenShortfall: Record<string, number>; max: number };
  stages: Record<WaterfallStageKey, WaterfallStage>;
}

const Q = [0.5, 0.95, 0.99] as const;

function maxOf(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i] > m) m = xs[i];
  return m;
}

/** The design restricted to the paths `keep` selects (weights and book blocks follow their paths). */
function subDesign(design: SampleDesign | undefined, keep: readonly number[]): SampleDesign | undefined {
  if (!design) return undefined;
  return {
    weights: design.weights ? Float64Array.from(keep, (i) => design.weights![i]) : undefined,
    blocks: design.blocks ? Int32Array.from(keep, (i) => design.blocks![i]) : undefined,
  };
}

/**
 * The loss waterfall of a set of paths (at least one), under the run's sampling design: means get the
 * two-part interval of a non-negative quantity (src/stats/design.ts), and under importance sampling
 * every mean, share and conditional quantile is weighted by the paths' likelihood ratios.
 */
export function lossWaterfall(
  summaries: readonly Pick<PathSummary, 'shortfallUsd' | 'liquidationFeesUsd' | WaterfallStageKey>[],
  design?: SampleDesign,
): LossWaterfall {
  if (summaries.length === 0) throw new RangeError('lossWaterfall requires at least one path');
  return lossWaterfallOf((key) => Float64Array.from(summaries, (s) => s[key]), design);
}

/** The same from per-path records in columns (src/mc/table.ts). */
export function lossWaterfallOfTable(t: PathTable, design?: SampleDesign): LossWaterfall {
  if (t.n === 0) throw new RangeError('lossWaterfall requires at least one path');
  return lossWaterfallOf((key) => t.col(key), design);
}

function lossWaterfallOf(column: (key: 'shortfallUsd' | 'liquidationFeesUsd' | WaterfallStageKey) => Float64Array, design?: SampleDesign): LossWaterfall {
  const w = design?.weights;
  const weight = (i: number) => (w ? w[i] : 1);
  const shortfall = column('shortfallUsd');
  const withShortfall: number[] = [];
  let total = 0;
  for (let i = 0; i < shortfall.length; i++) {
    if (shortfall[i] > 0) withShortfall.push(i);
    total += weight(i) * shortfall[i];
  }
  const given = subDesign(design, withShortfall);
  const conditional = (xs: Float64Array): Record<string, number> =>
    withShortfall.length === 0
      ? Object.fromEntries(Q.map((q) => [`p${Math.round(q * 100)}`, 0]))
      : designQuantiles(Float64Array.from(withShortfall, (i) => xs[i]), Q, given);
  const mean = (xs: Float64Array) => designMean(xs, design, 0.95, { nonNegative: true });
  const stages = {} as Record<WaterfallStageKey, WaterfallStage>;
  for (const { key } of WATERFALL_STAGES) {
    const xs = column(key);
    let sum = 0;
    let paying = 0;
    for (let i = 0; i < xs.length; i++) {
      sum += weight(i) * xs[i];
      if (xs[i] > 0) paying++;
    }
    stages[key] = {
      mean: mean(xs),
      shareOfShortfall: total > 0 ? sum / total : 0,
      pathsPaying: paying,
      quantilesGivenShortfall: conditional(xs),
      max: maxOf(xs),
    };
  }
  const fees = column('liquidationFeesUsd');
  return {
    pathsWithShortfall: withShortfall.length,
    liquidationFeesUsd: { mean: mean(fees), max: maxOf(fees) },
    shortfallUsd: { mean: mean(shortfall), quantilesGivenShortfall: conditional(shortfall), max: maxOf(shortfall) },
    stages,
  };
}

/** The same from results.json's per-path columns (absent columns: an older results.json → null). */
export function lossWaterfallOfColumns(c: Partial<Record<'shortfallUsd' | 'liquidationFeesUsd' | WaterfallStageKey, number[]>>): LossWaterfall | null {
  const keys = ['shortfallUsd', 'liquidationFeesUsd', ...WATERFALL_STAGES.map((s) => s.key)] as const;
  if (keys.some((k) => !Array.isArray(c[k]))) return null;
  const n = c.shortfallUsd!.length;
  if (n === 0) return null;
  const rows = Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k) => [k, c[k]![i]])) as Record<(typeof keys)[number], number>);
  return lossWaterfall(rows);
}
