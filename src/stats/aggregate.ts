/**
 * Aggregates across paths, computed after the run from the per-path summaries (never inside the
 * engine). Every estimate carries its sample size and a 95% confidence interval.
 */
import { quantileSorted } from 'simple-statistics';
import type { PathSeries, PathSummary } from '../engine/path.js';
import type { MonteCarloOutput } from '../mc/runner.js';
import { expectedShortfallCiSorted, meanCi, proportionCi, quantileCiSorted, quantilesSorted, type Estimate } from './ci.js';
import { lossWaterfall, type LossWaterfall } from './waterfall.js';

export const DISTRIBUTION_QUANTILES = [0.05, 0.5, 0.95, 0.99] as const;

/** A per-path quantity: its mean with CI and plain quantiles across paths. */
export interface Distribution {
  mean: Estimate;
  quantiles: Record<string, number>;
  min: number;
  max: number;
}

export interface Aggregates {
  paths: number;
  traders: number;
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
  /** Who paid the shortfalls: backstop vault, insurance fund, ADL, socialised loss, bad debt (src/stats/waterfall.ts). */
  lossWaterfall: LossWaterfall;
}

/**
 * Mean (with CI) and quantiles of a per-path quantity. For a quantity that cannot be negative (all
 * observations ≥ 0, e.g. bad debt), the mean's interval is clipped at 0.
 */
export function distribution(xs: number[]): Distribution {
  const sorted = Float64Array.from(xs).sort();
  const arr = Array.from(sorted);
  const mean = meanCi(xs);
  if (arr[0] >= 0 && mean.lower < 0) mean.lower = 0;
  return { mean, quantiles: quantilesSorted(arr, DISTRIBUTION_QUANTILES), min: arr[0], max: arr[arr.length - 1] };
}

/** Share of a path's accounts — the opening book plus that path's arrivals — liquidated at least once. */
export function fractionLiquidated(tradersLiquidated: number, openingTraders: number, arrivals: number): number {
  return tradersLiquidated / (openingTraders + arrivals);
}

export function aggregate(summaries: PathSummary[], traders: number): Aggregates {
  const n = summaries.length;
  if (n === 0) throw new RangeError('aggregate requires at least one path');
  const col = (f: (s: PathSummary) => number) => summaries.map(f);
  const badDebt = col((s) => s.badDebtUsd);
  const bdSorted = Array.from(Float64Array.from(badDebt).sort());
  return {
    paths: n,
    traders,
    badDebtUsd: {
      ...distribution(badDebt),
      var95: quantileCiSorted(bdSorted, 0.95),
      var99: quantileCiSorted(bdSorted, 0.99),
      var999: quantileCiSorted(bdSorted, 0.999),
      es95: expectedShortfallCiSorted(bdSorted, 0.95),
      es99: expectedShortfallCiSorted(bdSorted, 0.99),
      es999: expectedShortfallCiSorted(bdSorted, 0.999),
    },
    probBadDebt: proportionCi(badDebt.filter((x) => x > 0).length, n),
    probFundExhausted: proportionCi(summaries.filter((s) => s.fundExhausted).length, n),
    liquidationCount: distribution(col((s) => s.liquidationCount)),
    liquidatedNotionalUsd: distribution(col((s) => s.liquidatedNotionalUsd)),
    liquidatedLongNotionalUsd: distribution(col((s) => s.liquidatedLongNotionalUsd)),
    liquidatedShortNotionalUsd: distribution(col((s) => s.liquidatedShortNotionalUsd)),
    fractionTradersLiquidated: distribution(col((s) => fractionLiquidated(s.tradersLiquidated, traders, s.arrivals))),
    fundPaidUsd: distribution(col((s) => s.fundPaidUsd)),
    fundEndUsd: distribution(col((s) => s.fundEndUsd)),
    largestCascade: {
      accounts: distribution(col((s) => s.largestCascadeAccounts)),
      notionalUsd: distribution(col((s) => s.largestCascadeNotionalUsd)),
      generations: distribution(col((s) => s.largestCascadeGenerations)),
      impactLog: distribution(col((s) => s.largestCascadeImpactLog)),
    },
    cascadesPerPath: distribution(col((s) => s.cascadeCount)),
    maxDrawdownExogenous: distribution(col((s) => s.maxDrawdownExogenous)),
    maxDrawdownRealised: distribution(col((s) => s.maxDrawdownRealised)),
    extraDrawdown: distribution(col((s) => s.maxDrawdownRealised - s.maxDrawdownExogenous)),
    stopLossCount: distribution(col((s) => s.stopLossCount)),
    topUpCount: distribution(col((s) => s.topUpCount)),
    topUpUsd: distribution(col((s) => s.topUpUsd)),
    lossWaterfall: lossWaterfall(summaries),
  };
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
}

function band(rows: Float64Array[]): Band {
  const T = rows[0].length;
  const out: Band = { p05: [], p25: [], p50: [], p75: [], p95: [], mean: [] };
  const col = new Float64Array(rows.length);
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let r = 0; r < rows.length; r++) {
      col[r] = rows[r][t];
      sum += col[r];
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

/** Bands from the sampled paths' series (ordered by path index). */
export function seriesBands(series: MonteCarloOutput['series']): SeriesBands | null {
  if (series.length === 0) return null;
  const s = series.map((x) => x.series);
  const pick = (f: (p: PathSeries) => Float64Array) => band(s.map(f));
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
    cumulativeLiquidatedUsd: band(cumulative),
    openInterestUsd: pick((p) => p.openInterestUsd),
    insuranceFundUsd: pick((p) => p.insuranceFundUsd),
  };
}
