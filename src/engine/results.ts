/**
 * What a path returns: its summary (every figure a run aggregates), its cascade histograms and, for
 * sampled paths, its time series. Built by `records.ts` from what the phases recorded.
 */
import type { PathFieldValues } from './fields.js';

/** Cascade-size histograms: bin b of `accounts` holds cascades with 2^b ≤ accounts < 2^(b+1). */
export const CASCADE_ACCOUNT_BINS = 24;
/** Bin b of `notional` holds cascades with 10^(2 + b/4) ≤ notional < 10^(2 + (b+1)/4) USD. */
export const CASCADE_NOTIONAL_BINS = 48;
/** Generations per cascade: bin g holds cascades with g + 1 generations (last bin: that many or more). */
export const CASCADE_GENERATION_BINS = 32;
/** Generation classes of the per-interval series: generation 1, 2, 3, and 4 or later. */
export const SERIES_GENERATION_CLASSES = 4;
/** Generations tracked one by one over a whole path (later ones are added to the last). */
export const TRACKED_GENERATIONS = 64;

/**
 * Compact summary of one path (what workers send back for every path): one value per field of the
 * registry (src/engine/fields.ts, where each field's kind, unit and meaning are declared), in its order.
 */
export interface PathSummary extends PathFieldValues {}

/** Per-path histograms, summed across paths by the aggregator. */
export interface PathHistograms {
  cascadeAccounts: Uint32Array;
  cascadeNotional: Uint32Array;
  cascadeGenerations: Uint32Array;
}

/** Time series of a sampled path, bucketed to `points` time points (prices are market 0's). */
export interface PathSeries {
  /** Step index of each point (0 … horizonSteps). */
  steps: Int32Array;
  fundamentalUsd: Float64Array;
  markUsd: Float64Array;
  /** Liquidated notional since the previous point (all markets). */
  liquidatedLongUsd: Float64Array;
  liquidatedShortUsd: Float64Array;
  openInterestUsd: Float64Array;
  insuranceFundUsd: Float64Array;
  /** Liquidated notional by cascade generation over the whole path (index = generation). */
  liquidatedByGenerationUsd: Float64Array;
  /** [c][j]: liquidated notional of generation class c (1, 2, 3, 4+) since the previous point. */
  liquidatedByGenerationClassUsd: Float64Array[];
  /**
   * With volatile collateral or lending only: what backs the open positions at the marks — every open
   * account's cash margin plus its collateral's haircut value, plus borrowers' collateral at the mark —
   * and the positions' value: open interest at the marks plus borrowers' debt.
   */
  collateralValueUsd?: Float64Array;
  positionValueUsd?: Float64Array;
  /** With funding only: funding longs paid less longs received so far (all markets; the outside book takes the imbalance, so shorts need not mirror it). */
  fundingPaidByLongsUsd?: Float64Array;
}

export interface PathResult {
  summary: PathSummary;
  histograms: PathHistograms;
  series?: PathSeries;
}
