/**
 * Caps the number of time points a page carries (a scenario may keep up to 10,000 per series), so a
 * report stays small and fast however finely the run was recorded. Levels (price, fund, open
 * interest, cumulative totals) keep every k-th point and the last; flows (notional per interval)
 * are merged over the same windows — summed where that is exact (one path's drill-down series), or,
 * for quantile bands across paths, replaced by the largest per-interval value in the window (a sum
 * of quantiles is not a quantile), which the chart then says.
 */
import type { Band } from '../../stats/aggregate.js';
import type { DrilldownPath } from '../../api/run.js';

/** Most time points a chart gets. */
export const MAX_POINTS = 1000;

/** Indices 0, k, 2k, …, n − 1 with k = ⌈(n − 1)/(max − 1)⌉ (all indices when n ≤ max). */
export function strideIndices(n: number, max = MAX_POINTS): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const k = Math.ceil((n - 1) / (max - 1));
  const out: number[] = [];
  for (let i = 0; i < n - 1; i += k) out.push(i);
  out.push(n - 1);
  return out;
}

const pick = (xs: number[], idx: number[]) => idx.map((i) => xs[i]);

/** A level band at the kept indices. */
export function levelBand(b: Band, idx: number[]): Band {
  return { p05: pick(b.p05, idx), p25: pick(b.p25, idx), p50: pick(b.p50, idx), p75: pick(b.p75, idx), p95: pick(b.p95, idx), mean: pick(b.mean, idx) };
}

/** Window (previous kept index, this one] of each kept index; the first window is just index 0. */
function windows(idx: number[]): [number, number][] {
  return idx.map((i, k) => [k === 0 ? i : idx[k - 1] + 1, i]);
}

function windowMax(xs: number[], idx: number[]): number[] {
  return windows(idx).map(([a, b]) => {
    let m = -Infinity;
    for (let j = a; j <= b; j++) if (xs[j] > m) m = xs[j];
    return m;
  });
}

function windowSum(xs: number[], idx: number[]): number[] {
  return windows(idx).map(([a, b]) => {
    let s = 0;
    for (let j = a; j <= b; j++) s += xs[j];
    return s;
  });
}

/** A flow band merged over the windows: each statistic is its largest per-interval value in the window. */
export function flowBandMax(b: Band, idx: number[]): Band {
  return {
    p05: windowMax(b.p05, idx),
    p25: windowMax(b.p25, idx),
    p50: windowMax(b.p50, idx),
    p75: windowMax(b.p75, idx),
    p95: windowMax(b.p95, idx),
    mean: windowMax(b.mean, idx),
  };
}

/** A drill-down path with at most `max` time points: levels picked, liquidated notional summed (exact). */
export function downsampleDrilldown(p: DrilldownPath, max = MAX_POINTS): DrilldownPath {
  const s = p.series;
  if (s.steps.length <= max) return p;
  const idx = strideIndices(s.steps.length, max);
  return {
    ...p,
    series: {
      steps: pick(s.steps, idx),
      fundamentalUsd: pick(s.fundamentalUsd, idx),
      markUsd: pick(s.markUsd, idx),
      liquidatedLongUsd: windowSum(s.liquidatedLongUsd, idx),
      liquidatedShortUsd: windowSum(s.liquidatedShortUsd, idx),
      openInterestUsd: pick(s.openInterestUsd, idx),
      insuranceFundUsd: pick(s.insuranceFundUsd, idx),
      liquidatedByGenerationUsd: s.liquidatedByGenerationUsd,
      liquidatedByGenerationClassUsd: s.liquidatedByGenerationClassUsd?.map((a) => windowSum(a, idx)),
    },
  };
}
