/**
 * What a path returns: its summary (every figure a run aggregates), its cascade histograms and, for
 * sampled paths, its time series. Built by `records.ts` from what the phases recorded.
 */

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

/** Compact summary of one path (what workers send back for every path). */
export interface PathSummary {
  pathIndex: number;
  badDebtUsd: number;
  liquidationCount: number;
  liquidatedNotionalUsd: number;
  liquidatedLongNotionalUsd: number;
  liquidatedShortNotionalUsd: number;
  tradersLiquidated: number;
  fundStartUsd: number;
  fundEndUsd: number;
  fundPaidUsd: number;
  fundExhausted: boolean;
  /** The step with the largest liquidated notional. */
  largestCascadeAccounts: number;
  largestCascadeNotionalUsd: number;
  largestCascadeGenerations: number;
  /** Log price move (market 0) caused by liquidation flow within that step (≤ 0 for a long cascade). */
  largestCascadeImpactLog: number;
  cascadeCount: number;
  /** Market 0's maximum drawdown, exogenous (fundamental) and realised (market price, with impact). */
  maxDrawdownExogenous: number;
  maxDrawdownRealised: number;
  /** Most negative and most positive impact state (log market − log fundamental) of market 0. */
  minImpactLog: number;
  maxImpactLog: number;
  stopLossCount: number;
  takeProfitCount: number;
  deleverageCount: number;
  topUpCount: number;
  topUpUsd: number;
  arrivals: number;
  momentumArrivals: number;
  arrivalsDropped: number;
  marginCalls: number;
  marginCallsSurvived: number;
  /** Liquidations postponed to a later step by a per-step cap, a cooldown, or liquidators declining. */
  liquidationsDeferred: number;
  liquidatorDeclined: number;
  liquidatorPnlUsd: number;
  backstopTakeovers: number;
  backstopPnlUsd: number;
  adlNotionalUsd: number;
  adlAccounts: number;
  adlProfitTakenUsd: number;
  /** Bankrupt positions ADL matched against winners at their bankruptcy price (they never traded), notional at the mark. */
  adlMatchedNotionalUsd: number;
  /**
   * The unrealised profit, at the mark, of the winners' positions ADL closed: the profit haircut in
   * Chitra (2025)'s accounting. `adlProfitTakenUsd` is the deficit those closes covered — the least a
   * pro-rata haircut of profits would have had to take — so their ratio is how far ADL over-reached.
   */
  adlPnlClosedUsd: number;
  socialisedLossUsd: number;
  socialisedAccounts: number;
  /** The loss waterfall (exact cents): liquidation fees collected (into the insurance fund); shortfalls —
   * losses closed accounts' margin could not pay — entering it; the part the backstop vault paid. The
   * shortfall is covered, in order, by the vault, the fund (fundPaidUsd), ADL (adlProfitTakenUsd) or a
   * socialised loss (socialisedLossUsd), and the rest is bad debt (badDebtUsd). */
  liquidationFeesUsd: number;
  /** Taker fees on entries and voluntary closes (policy.tradingFees), exact cents. */
  tradingFeesUsd: number;
  /** Funding paid over the path (all markets, exact cents), and the part longs paid net (negative: longs received). */
  fundingPaidUsd: number;
  fundingPaidByLongsUsd: number;
  /** Settled profit withdrawn to wallets (traders.withdrawProfitShare), exact cents. */
  profitWithdrawnUsd: number;
  /** The venue's fee revenue at the end (trading fees with recipient venue, less the share sent to the fund). */
  venueRevenueUsd: number;
  /** Insurance-fund recapitalisation by the venue: its share of trading fees, and injections from outside (exact cents). */
  fundFromFeesUsd: number;
  fundInjectedUsd: number;
  /** Capital injected by traders after margin calls (count, exact cents). */
  injectionCount: number;
  injectedUsd: number;
  /** Margin moved between a trader's own isolated positions to avert a liquidation (count, exact cents). */
  rebalanceCount: number;
  rebalancedUsd: number;
  /** Volatile collateral (traders.collateral) sold: sales (one per account and asset) and proceeds (exact cents), in liquidations through the asset's market and in voluntary closes whose loss the cash could not pay. */
  collateralSales: number;
  collateralSoldUsd: number;
  /**
   * Lending positions (scenario `lending`): liquidations (each repays part or all of one borrower's
   * debt), debt repaid by liquidators, what they sold the seized collateral for through its market, their
   * PnL (proceeds − repaid), the protocol's cut of the bonus (collateral at the mark), interest accrued,
   * deficits written off when collateral ran out (count and USD), and at the end the debt outstanding
   * and the collateral's value at the mark. Exact cents except the two end values and the fee.
   */
  lendingLiquidations: number;
  lendingRepaidUsd: number;
  lendingCollateralSoldUsd: number;
  lendingLiquidatorPnlUsd: number;
  lendingProtocolFeeUsd: number;
  lendingInterestUsd: number;
  lendingDeficits: number;
  lendingDeficitUsd: number;
  lendingDebtEndUsd: number;
  lendingCollateralEndUsd: number;
  shortfallUsd: number;
  backstopCoveredUsd: number;
  /** Highest maintenance rate reached (volatility-adaptive MMR; 0 for static schedules). */
  maxMmr: number;
  finalFundamentalUsd: number;
  finalMarkUsd: number;
  /**
   * −1 if the path ran to its horizon; else the step at which it stopped because its state left what the
   * engine represents exactly (src/engine/limits.ts), with `haltReason` 1 = the index left
   * [S0/1e12, S0·1e6], 2 = a booking left the ledger's exact range, 3 = a non-finite state.
   */
  haltedAtStep: number;
  haltReason: number;
  /** Per market, in the order [market, ...otherMarkets]: liquidated notional (USD at the fills) and positions closed by liquidation (full or partial closes). */
  liquidatedNotionalByMarketUsd: number[];
  liquidatedPositionsByMarket: number[];
  /**
   * Importance sampling only (scenario `sampling.importance`): the path's likelihood ratio dP/dQ of
   * its price shocks (src/price/process.ts), the weight every estimator gives it. Absent otherwise.
   */
  likelihoodRatio?: number;
}

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
  /** With funding only: funding paid by longs so far, net (all markets; shorts received the same: zero-sum). */
  fundingPaidByLongsUsd?: Float64Array;
}

export interface PathResult {
  summary: PathSummary;
  histograms: PathHistograms;
  series?: PathSeries;
}
