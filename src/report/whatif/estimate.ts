/**
 * The figures of the in-page what-if, from per-path values of the first k paths: each headline measure
 * at the reader's settings and at the saved settings (the same k paths, from results.json), with 95%
 * intervals, and the paired change between them. Because both settings run path i on the same price
 * shocks (common random numbers), the change's interval is the paired one: mean of the per-path
 * differences ± 1.96 · sd / √k — far narrower than the two intervals side by side. Pure; bundled into
 * the Web Worker and tested in Node.
 */
import { meanCi, proportionCi, twoPartMeanCi, type Estimate } from '../../stats/ci.js';
import { fractionLiquidated } from '../../stats/aggregate.js';

/** Per-path values the what-if compares, for paths 0 … k − 1. */
export interface WhatIfColumns {
  badDebtUsd: number[];
  /** 1 when the insurance fund ran dry on the path. */
  fundExhausted: number[];
  tradersLiquidated: number[];
  arrivals: number[];
  liquidatedNotionalUsd: number[];
}

export interface WhatIfFigure {
  key: 'probBadDebt' | 'badDebtUsd.mean' | 'probFundExhausted' | 'fractionTradersLiquidated.mean' | 'liquidatedNotionalUsd.mean';
  label: string;
  unit: 'probability' | 'usd' | 'fraction';
  /** At the saved settings, on the same k paths. */
  saved: Estimate;
  /** At the reader's settings. */
  whatIf: Estimate;
  /** whatIf − saved, paired path by path. */
  change: { estimate: number; lower: number; upper: number };
}

function paired(a: number[], b: number[]): { estimate: number; lower: number; upper: number } {
  const d = a.map((x, i) => x - b[i]);
  const e = meanCi(d);
  // the normal interval of a mean always has both limits
  return { estimate: e.estimate, lower: e.lower!, upper: e.upper! };
}

function proportion(xs: number[]): Estimate {
  return proportionCi(xs.filter((x) => x > 0).length, xs.length);
}

/** The mean of a non-negative, zero-inflated quantity with the report's two-part interval (an upper limit may be open: null). */
function clippedMean(xs: number[], bound?: number): Estimate {
  return twoPartMeanCi(xs, 0.95, { bound });
}

/** The what-if figures for k = whatIf.badDebtUsd.length paths (saved: at least as many; the first k are used). */
export function whatIfFigures(whatIf: WhatIfColumns, savedAll: WhatIfColumns, traders: number): WhatIfFigure[] {
  const k = whatIf.badDebtUsd.length;
  if (k === 0) return [];
  const saved = Object.fromEntries(Object.entries(savedAll).map(([key, v]) => [key, (v as number[]).slice(0, k)])) as unknown as WhatIfColumns;
  const ind = (xs: number[]) => xs.map((x) => (x > 0 ? 1 : 0));
  const frac = (c: WhatIfColumns) => c.tradersLiquidated.map((x, i) => fractionLiquidated(x, traders, c.arrivals[i]));
  return [
    { key: 'probBadDebt', label: 'P(bad debt > 0)', unit: 'probability', saved: proportion(saved.badDebtUsd), whatIf: proportion(whatIf.badDebtUsd), change: paired(ind(whatIf.badDebtUsd), ind(saved.badDebtUsd)) },
    { key: 'badDebtUsd.mean', label: 'mean bad debt per path', unit: 'usd', saved: clippedMean(saved.badDebtUsd), whatIf: clippedMean(whatIf.badDebtUsd), change: paired(whatIf.badDebtUsd, saved.badDebtUsd) },
    { key: 'probFundExhausted', label: 'P(insurance fund exhausted)', unit: 'probability', saved: proportion(saved.fundExhausted), whatIf: proportion(whatIf.fundExhausted), change: paired(whatIf.fundExhausted, saved.fundExhausted) },
    { key: 'fractionTradersLiquidated.mean', label: 'traders liquidated (mean share)', unit: 'fraction', saved: clippedMean(frac(saved), 1), whatIf: clippedMean(frac(whatIf), 1), change: paired(frac(whatIf), frac(saved)) },
    {
      key: 'liquidatedNotionalUsd.mean',
      label: 'liquidated notional per path',
      unit: 'usd',
      saved: clippedMean(saved.liquidatedNotionalUsd),
      whatIf: clippedMean(whatIf.liquidatedNotionalUsd),
      change: paired(whatIf.liquidatedNotionalUsd, saved.liquidatedNotionalUsd),
    },
  ];
}
