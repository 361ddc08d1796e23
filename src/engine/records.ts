/**
 * Phase 7, records: what the path keeps from each step — cascade histograms and the largest cascade
 * (from the step's liquidation record), drawdowns and impact extremes (from the prices), liquidated
 * notional by side, and, for sampled paths, time-series points. `summarise` builds the path's summary
 * from these records, the event counts and the books at the end.
 */
import { lendingTotals } from './lending.js';
import { fillSummary } from './fields.js';
import { isOpen } from './account.js';
import { collateralValue } from './collateral.js';
import type { PathState } from './state.js';
import {
  CASCADE_ACCOUNT_BINS,
  CASCADE_GENERATION_BINS,
  CASCADE_NOTIONAL_BINS,
  SERIES_GENERATION_CLASSES,
  type PathHistograms,
  type PathResult,
  type PathSeries,
} from './results.js';

export class PathRecorder {
  readonly hist: PathHistograms;
  readonly marketLiquidatedUsd: Float64Array;
  readonly marketLiquidatedPositions: Float64Array;
  largestNotionalUsd = 0;
  largestAccounts = 0;
  largestGenerations = 0;
  largestImpactLog = 0;
  liquidatedLongUsd = 0;
  liquidatedShortUsd = 0;
  maxDrawdownExogenous = 0;
  maxDrawdownRealised = 0;
  minImpactLog = 0;
  maxImpactLog = 0;
  peakFundamental: number;
  peakMarket: number;
  readonly series?: PathSeries;
  private cursor = 1;
  private bucketLong = 0;
  private bucketShort = 0;
  private readonly bucketByClass = new Float64Array(SERIES_GENERATION_CLASSES);

  constructor(st: PathState, wantSeries: boolean) {
    this.hist = {
      cascadeAccounts: new Uint32Array(CASCADE_ACCOUNT_BINS),
      cascadeNotional: new Uint32Array(CASCADE_NOTIONAL_BINS),
      cascadeGenerations: new Uint32Array(CASCADE_GENERATION_BINS),
    };
    this.marketLiquidatedUsd = new Float64Array(st.K);
    this.marketLiquidatedPositions = new Float64Array(st.K);
    this.peakFundamental = st.mkt.market[0];
    this.peakMarket = st.mkt.market[0];
    if (wantSeries) {
      const P = Math.min(st.sc.output.seriesPoints, st.H + 1);
      const steps = new Int32Array(P);
      for (let j = 0; j < P; j++) steps[j] = Math.round((j * st.H) / (P - 1));
      this.series = {
        steps,
        fundamentalUsd: new Float64Array(P),
        markUsd: new Float64Array(P),
        liquidatedLongUsd: new Float64Array(P),
        liquidatedShortUsd: new Float64Array(P),
        openInterestUsd: new Float64Array(P),
        insuranceFundUsd: new Float64Array(P),
        liquidatedByGenerationUsd: st.stepLiq.byGeneration,
        liquidatedByGenerationClassUsd: Array.from({ length: SERIES_GENERATION_CLASSES }, () => new Float64Array(P)),
        ...(st.collateralAssets > 0 || st.lending ? { collateralValueUsd: new Float64Array(P), positionValueUsd: new Float64Array(P) } : {}),
        ...(st.funding ? { fundingPaidByLongsUsd: new Float64Array(P) } : {}),
      };
    }
  }

  /** Records the end of step st.t (and the opening, st.t = 0). */
  recordStep(st: PathState): void {
    const { stepLiq, mkt } = st;
    if (st.t > 0) {
      if (stepLiq.accounts > 0) this.recordCascade(st);
      const f = Math.exp(mkt.logF[0]);
      const mk = mkt.market[0];
      if (f > this.peakFundamental) this.peakFundamental = f;
      if (mk > this.peakMarket) this.peakMarket = mk;
      this.maxDrawdownExogenous = Math.max(this.maxDrawdownExogenous, 1 - f / this.peakFundamental);
      this.maxDrawdownRealised = Math.max(this.maxDrawdownRealised, 1 - mk / this.peakMarket);
      const x = mkt.impactState[0];
      if (x < this.minImpactLog) this.minImpactLog = x;
      if (x > this.maxImpactLog) this.maxImpactLog = x;
      this.liquidatedLongUsd += stepLiq.longUsd;
      this.liquidatedShortUsd += stepLiq.shortUsd;
      this.bucketLong += stepLiq.longUsd;
      this.bucketShort += stepLiq.shortUsd;
      for (let c = 0; c < SERIES_GENERATION_CLASSES; c++) this.bucketByClass[c] += stepLiq.byClass[c];
      if (stepLiq.accounts > 0) {
        for (let m = 0; m < st.K; m++) {
          this.marketLiquidatedUsd[m] += stepLiq.byMarketUsd[m];
          this.marketLiquidatedPositions[m] += stepLiq.byMarketPositions[m];
        }
      }
    }
    const ser = this.series;
    if (!ser) return;
    const j = st.t === 0 ? 0 : this.cursor;
    if (st.t > 0) {
      if (ser.steps[j] !== st.t) return;
      this.cursor++;
    }
    ser.fundamentalUsd[j] = Math.exp(mkt.logF[0]);
    ser.markUsd[j] = mkt.markPx[0];
    ser.liquidatedLongUsd[j] = this.bucketLong;
    ser.liquidatedShortUsd[j] = this.bucketShort;
    let oi = 0;
    for (let m = 0; m < st.K; m++) oi += (mkt.oiLong[m] + mkt.oiShort[m]) * mkt.markPx[m];
    ser.openInterestUsd[j] = oi;
    ser.insuranceFundUsd[j] = st.books.fundCents / 100;
    if (ser.collateralValueUsd && ser.positionValueUsd) {
      // O(accounts + borrowers) per stored point, on sampled paths only
      let backing = 0;
      for (let a = 0; a < st.nAccounts; a++) if (isOpen(st, a)) backing += st.b.margin[a] / 100 + collateralValue(st, a);
      const lend = lendingTotals(st);
      ser.collateralValueUsd[j] = backing + lend.collateralUsd;
      ser.positionValueUsd[j] = oi + lend.debtUsd;
    }
    if (ser.fundingPaidByLongsUsd) ser.fundingPaidByLongsUsd[j] = st.events.fundingByLongsCents / 100;
    for (let c = 0; c < SERIES_GENERATION_CLASSES; c++) {
      ser.liquidatedByGenerationClassUsd[c][j] = this.bucketByClass[c];
      this.bucketByClass[c] = 0;
    }
    this.bucketLong = 0;
    this.bucketShort = 0;
  }

  /** A step with liquidations is one cascade: its size in accounts, notional and generations. */
  private recordCascade(st: PathState): void {
    const { accounts, notionalUsd, generations } = st.stepLiq;
    st.events.cascades++;
    st.events.liquidations += accounts;
    this.hist.cascadeAccounts[Math.min(CASCADE_ACCOUNT_BINS - 1, Math.floor(Math.log2(accounts)))]++;
    const nb = Math.floor(4 * (Math.log10(Math.max(notionalUsd, 100)) - 2));
    this.hist.cascadeNotional[Math.min(CASCADE_NOTIONAL_BINS - 1, nb)]++;
    this.hist.cascadeGenerations[Math.min(CASCADE_GENERATION_BINS - 1, generations - 1)]++;
    if (notionalUsd > this.largestNotionalUsd) {
      this.largestNotionalUsd = notionalUsd;
      this.largestAccounts = accounts;
      this.largestGenerations = generations;
      this.largestImpactLog = st.stepLiq.impactLog0;
    }
  }
}

/** The path's result: the summary (every field of the registry, src/engine/fields.ts), the histograms and the series. */
export function summarise(st: PathState, rec: PathRecorder, fundStartCents: number): PathResult {
  return {
    summary: fillSummary({ st, rec, fundStartCents, lend: lendingTotals(st) }),
    histograms: rec.hist,
    series: rec.series,
  };
}
