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
 * For each stage: its mean per path with a 95% interval (over all paths), its share of all shortfall
 * (Σ stage / Σ shortfall, pooled over paths), how many paths used it, and the distribution of what it
 * paid on paths that had a shortfall (median, 95th and 99th percentile, maximum). O(n log n).
 */
import type { PathSummary } from '../engine/path.js';
import { meanCi, quantilesSorted, type Estimate } from './ci.js';

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
  /** Mean per path over all paths, with its 95% interval (clipped at 0). */
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

function clippedMean(xs: number[]): Estimate {
  const e = meanCi(xs);
  if (e.lower < 0) e.lower = 0;
  return e;
}

function conditional(xs: number[]): Record<string, number> {
  if (xs.length === 0) return Object.fromEntries(Q.map((q) => [`p${Math.round(q * 100)}`, 0]));
  return quantilesSorted(Array.from(Float64Array.from(xs).sort()), Q);
}

/** The loss waterfall of a set of paths (at least one). */
export function lossWaterfall(summaries: readonly Pick<PathSummary, 'shortfallUsd' | 'liquidationFeesUsd' | WaterfallStageKey>[]): LossWaterfall {
  if (summaries.length === 0) throw new RangeError('lossWaterfall requires at least one path');
  const withShortfall = summaries.filter((s) => s.shortfallUsd > 0);
  const total = summaries.reduce((a, s) => a + s.shortfallUsd, 0);
  const stages = {} as Record<WaterfallStageKey, WaterfallStage>;
  for (const { key } of WATERFALL_STAGES) {
    const xs = summaries.map((s) => s[key]);
    const sum = xs.reduce((a, b) => a + b, 0);
    stages[key] = {
      mean: clippedMean(xs),
      shareOfShortfall: total > 0 ? sum / total : 0,
      pathsPaying: xs.filter((x) => x > 0).length,
      quantilesGivenShortfall: conditional(withShortfall.map((s) => s[key])),
      max: Math.max(...xs),
    };
  }
  const fees = summaries.map((s) => s.liquidationFeesUsd);
  const shortfall = summaries.map((s) => s.shortfallUsd);
  return {
    pathsWithShortfall: withShortfall.length,
    liquidationFeesUsd: { mean: clippedMean(fees), max: Math.max(...fees) },
    shortfallUsd: { mean: clippedMean(shortfall), quantilesGivenShortfall: conditional(withShortfall.map((s) => s.shortfallUsd)), max: Math.max(...shortfall) },
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
