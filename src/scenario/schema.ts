/**
 * The scenario schema: every field a scenario file may hold, its unit (in its name), its allowed
 * range and its default. This file is the single source of truth for scenario validation; the JSON
 * Schema in `scenarios/scenario.schema.json` is generated from it (`npm run schema`) and
 * `docs/scenarios.md` documents it.
 *
 * Objects are strict: an unknown field is an error, so a typo never silently falls back to a default.
 * Nested objects use `prefault({})` so that their own defaults are filled in when they are omitted.
 */
import { z } from 'zod';
import { CalibrateSchema, RecommendSchema, SweepSchema, VariantsSchema } from './study.js';
import { MAX_USD } from './bounds.js';

const positive = () => z.number().finite().positive();
const nonNegative = () => z.number().finite().nonnegative();
/** A money amount: at most MAX_USD (1e12 USD), so cents stay exact in the ledger (src/scenario/bounds.ts). */
const usd = () => nonNegative().max(MAX_USD);
const positiveUsd = () => positive().max(MAX_USD);
const probability = () => z.number().finite().min(0).max(1);
const integer = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);

// ---------------------------------------------------------------- price models

export const GbmSchema = z.strictObject({
  kind: z.literal('gbm'),
  /** Annualised drift μ of the fundamental price (log-return drift is μ − σ²/2). */
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Annualised volatility σ. */
  volatilityAnnual: positive().max(20).default(0.8),
});

export const MertonSchema = z.strictObject({
  kind: z.literal('merton'),
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Diffusive annualised volatility σ. */
  volatilityAnnual: positive().max(20).default(0.6),
  /** Jump intensity λ in jumps per year. */
  jumpsPerYear: nonNegative().max(1e6).default(20),
  /** Mean m of the log jump size (negative = crashes). */
  jumpMeanLog: z.number().finite().min(-5).max(5).default(-0.03),
  /** Standard deviation δ of the log jump size. */
  jumpStdLog: nonNegative().max(5).default(0.03),
});

export const GarchSchema = z.strictObject({
  kind: z.literal('garch'),
  /** Annualised drift μ of the log price (r = μΔt + ε; unlike gbm/merton, no −σ²/2 correction). */
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Long-run (unconditional) annualised volatility; ω = σ²·Δt·(1 − α − β). */
  longRunVolatilityAnnual: positive().max(20).default(0.8),
  /** ARCH coefficient α. */
  alpha: nonNegative().max(1).default(0.08),
  /** GARCH coefficient β; α + β < 1 is required. */
  beta: nonNegative().max(1).default(0.9),
  /** Student-t degrees of freedom ν (> 2) of the standardised innovations. */
  degreesOfFreedom: z.number().finite().gt(2).max(1000).default(5),
  /**
   * Cap c on the conditional variance, as a multiple of the long-run variance: σ²_t ≤ c·σ²_LR·Δt (volatility
   * at most √c times the long-run volatility). With ν ≤ 4 a single heavy-tailed shock can multiply the next
   * variance by α·u², and the path explodes (docs/price-models.md). Default 120: the conditional variance of a
   * GARCH-t fit to the calm week of March 2023 (`marginlab fit`, α 0.073, β 0.920, ν 3.6), run over the whole
   * 1–21 March 2023 window, peaks at 117× its long-run variance (SVB weekend included); on 10 Oct 2025 it reached
   * 997× and on 12 Mar 2020 4,860× — a scenario meant to reach a crisis says so with a higher cap.
   */
  varianceCapMultiple: z.number().finite().min(1).max(1e9).default(120),
});

export const RegimeStateSchema = z.strictObject({
  /** Label used in outputs and in initialState (e.g. calm, stress); "stationary" is reserved. */
  name: z
    .string()
    .min(1)
    .max(40)
    .refine((s) => s !== 'stationary', '"stationary" is reserved for initialState'),
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Diffusive annualised volatility σ_s in this state. */
  volatilityAnnual: positive().max(20),
  /** Jump intensity λ_s (jumps per year) in this state; jumps are Merton-style, N(m_s, δ_s²) in log. */
  jumpsPerYear: nonNegative().max(1e6).default(0),
  jumpMeanLog: z.number().finite().min(-5).max(5).default(0),
  jumpStdLog: nonNegative().max(5).default(0),
  /**
   * Expected time spent in this state per visit, in steps (≥ 1): the per-step probability of leaving is
   * 1 / expectedDurationSteps, split evenly over the other states. Required unless transitionMatrix is given.
   */
  expectedDurationSteps: z.number().finite().min(1).max(1e12).optional(),
});

export const RegimeSwitchingSchema = z.strictObject({
  kind: z.literal('regime-switching'),
  /** The Markov chain's states, each with its own drift, volatility and jump intensity. */
  states: z
    .array(RegimeStateSchema)
    .min(2)
    .max(8)
    .prefault([
      { name: 'calm', volatilityAnnual: 0.5, expectedDurationSteps: 20_160 },
      { name: 'stress', volatilityAnnual: 1.5, jumpsPerYear: 200, jumpMeanLog: -0.02, jumpStdLog: 0.03, expectedDurationSteps: 720 },
    ]),
  /**
   * Optional per-step transition matrix P (P[i][j] = probability of moving from state i to state j in
   * one step; rows sum to 1). Overrides the states' expectedDurationSteps.
   */
  transitionMatrix: z.array(z.array(probability())).optional(),
  /** Name of the state at step 1, or "stationary" to draw it from the chain's stationary distribution. Default: the first state. */
  initialState: z.string().min(1).optional(),
});

export const CsvPriceSchema = z.strictObject({
  kind: z.literal('csv'),
  /**
   * CSV file of prices or of candles. Prices: a header row with columns timestamp,price (ISO-8601 or
   * unix seconds; strictly increasing; positive prices), resampled to the step grid (last price at or
   * before each step). Candles: OHLC rows as exchanges publish them — a header naming
   * open_time,open,high,low,close, or Binance klines without a header, with times in ISO-8601, unix
   * seconds, milliseconds or microseconds (src/scenario/candle-csv.ts); see `candles`. Rows without a
   * header, or a header naming open, high, low and close, are candles; any other file is prices. A relative path is
   * relative to the scenario file's folder; the resolved scenario holds the absolute path. The log
   * returns are applied from market.initialPriceUsd.
   */
  file: z.string().min(1).max(4096),
  /**
   * Where the file comes from (a URL, a line of instructions): shown in the one-line error when the
   * file is missing, for scenarios whose data the user supplies (scenarios/replay/).
   */
  source: z.string().min(1).max(500).optional(),
  /**
   * Candle files only. intrabar (the default for candles): each candle is three steps, open → first
   * extreme → second extreme → close, the low first when close ≥ open and the high first otherwise,
   * so stepSeconds must be the candle interval / 3 (20 s for one-minute candles) and the maintenance
   * checks see every wick. closes: the closes alone, resampled to a grid of stepSeconds ≥ the interval.
   */
  candles: z.enum(['intrabar', 'closes']).optional(),
  /**
   * replay with replayStart: first only: start at this time (ISO-8601, e.g. 2025-10-10T20:00:00Z, or
   * unix seconds) — at the first candle (or price) at or after it — instead of the file's first row.
   */
  replayFrom: z
    .union([z.string().min(1).max(64), z.number().finite().nonnegative()])
    .transform((v) => String(v))
    .optional(),
  /**
   * The warm-up history the opening book is seasoned on (traders.warmup): a driftless GBM at this
   * annualised volatility. Absent: a stationary block bootstrap of the returns the path replays.
   */
  warmupVolatilityAnnual: positive().max(20).optional(),
  /** replay: the history's returns in order; block-bootstrap: random blocks of them, concatenated. */
  mode: z.enum(['replay', 'block-bootstrap']).default('block-bootstrap'),
  /** replay only: first = every path replays from the first return; random = each path from a random offset. */
  replayStart: z.enum(['first', 'random']).default('first'),
  /** block-bootstrap only: block length in steps (fixed), or its mean (stationary). */
  blockSteps: integer(1, 10_000_000).default(60),
  /** block-bootstrap only: fixed-length blocks, or the stationary bootstrap's geometric lengths (Politis–Romano). */
  blocks: z.enum(['fixed', 'stationary']).default('fixed'),
  /** Subtract the history's mean log return, so the replayed or bootstrapped path has no drift from the sample. */
  demean: z.boolean().default(false),
});

export const ScriptedLegSchema = z.strictObject({
  /**
   * The leg's move, a simple return from the level where the leg starts to the level where it ends
   * (−0.05 = a 5% fall, 0.03 = a 3% rise, 0 = a plateau); the leg ends at that level on every path. Above −1:
   * a collapse of 99.9999% is −0.999999.
   */
  move: z.number().finite().gt(-1).max(1000),
  /** Steps the leg takes (a Brownian bridge pinned to its end level). */
  durationSteps: integer(1, 10_000_000),
  /** Noise within this leg (annualised); default: the model's volatilityAnnual. A fast leg is usually noisier. */
  volatilityAnnual: positive().max(100).optional(),
});

export const ScriptedDrawdownSchema = z.strictObject({
  kind: z.literal('scripted-drawdown'),
  /** Drift of the GBM noise outside the scripted window. */
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Annualised volatility of the noise: GBM outside the window, Brownian-bridge noise inside it. */
  volatilityAnnual: positive().max(20).default(0.6),
  /** The window starts after this many steps (0 = from the first step). */
  startStep: integer(0, 10_000_000).default(0),
  /**
   * A script of any number of legs, in order, each pinned to its own move from where the previous leg ended
   * (a slow slide, a fast fall, a wick, a rebound, a plateau …). Replaces the fields below
   * (drawdownFraction … secondDurationSteps), which must then be left out.
   */
  legs: z.array(ScriptedLegSchema).min(1).max(10_000).optional(),
  /** First leg: the price falls by this fraction (0.3 = −30%) from its level at startStep … (default 0.3 without legs) */
  drawdownFraction: z.number().finite().gt(0).lt(1).optional(),
  /** … over this many steps, along a Brownian bridge pinned to the target log level. (default 60 without legs) */
  durationSteps: integer(1, 10_000_000).optional(),
  /** Optional partial recovery after the first leg: this share of the first leg's price loss is regained … */
  recoveryFraction: z.number().finite().min(0).max(1).default(0),
  /** … over this many steps (0 = no recovery leg). */
  recoverySteps: integer(0, 10_000_000).default(0),
  /** Optional second leg: a further fall by this fraction from the level after the recovery … */
  secondDrawdownFraction: z.number().finite().gt(0).lt(1).optional(),
  /** … over this many steps. Required with secondDrawdownFraction. */
  secondDurationSteps: integer(1, 10_000_000).optional(),
});

export const PriceModelSchema = z.discriminatedUnion('kind', [
  GbmSchema,
  MertonSchema,
  GarchSchema,
  RegimeSwitchingSchema,
  CsvPriceSchema,
  ScriptedDrawdownSchema,
]);

export const ImpactSchema = z.strictObject({
  /**
   * none: liquidations do not move the price; linear or sqrt (square-root) impact in log price; curve:
   * the venue's own depth, a table of cumulative depth by distance from mid per side (`file`), interpolated.
   */
  kind: z.enum(['none', 'linear', 'sqrt', 'curve']).default('linear'),
  /** Net market-order notional (USD) that moves the price by 1% (linear, sqrt; not used by curve). */
  depthUsdPerPercent: positiveUsd().default(5_000_000),
  /**
   * curve only: CSV with a header row and columns distancePercent,bidDepthUsd,askDepthUsd — the USD
   * resting within each distance (in %) of mid on each side, distances and depths strictly increasing
   * (a row 0,0,0 is implied). A relative path is relative to the scenario file's folder.
   */
  file: z.string().min(1).max(4096).optional(),
  /** Half-life, in steps, of the decay of the impact state back to 0 (resilience). */
  halfLifeSteps: positive().default(30),
  /**
   * Liquidity that withdraws in stress: depth_t = depth · min(1, σ_ref / σ̂_t)^stressElasticity,
   * with σ̂_t the market's EWMA volatility and σ_ref its nominal volatility. 0 = constant depth.
   */
  stressElasticity: nonNegative().max(10).default(0),
  /**
   * Arbitrage with finite capacity (USD of flow per step, per market): after every block of flow, and
   * at the start of each step, arbitrageurs trade the book back toward the index, using at most this
   * much per step (scaled down with the depth when liquidity withdraws in stress). Default:
   * depthUsdPerPercent × stepSeconds / 60 (enough to undo a 1% dislocation each minute; with a curve,
   * the mean of the two sides' depth within 1%); 0 = none.
   */
  arbitrageUsdPerStep: nonNegative().optional(),
});


// ---------------------------------------------------------------- traders

export const LeverageTiersSchema = z.strictObject({
  kind: z.literal('tiers'),
  /** Weighted list of leverage levels; weights need not sum to 1. */
  tiers: z
    .array(z.strictObject({ leverage: z.number().finite().min(1), weight: positive() }))
    .min(1),
});

export const LeverageLognormalSchema = z.strictObject({
  kind: z.literal('lognormal'),
  /** Median leverage; draws are capped by policy.maxLeverage and floored at 1. */
  median: z.number().finite().min(1),
  /** Standard deviation of log leverage. */
  sigmaLog: nonNegative().max(5),
});

export const LeverageSchema = z.discriminatedUnion('kind', [LeverageTiersSchema, LeverageLognormalSchema]);

/** The engine holds each trader's collateral in whole cents and raises a draw below $1 to $1: a scale below it is refused. */
const MIN_COLLATERAL_USD = 1;
const collateralScaleUsd = () => positiveUsd().min(MIN_COLLATERAL_USD, `at least $${MIN_COLLATERAL_USD} is allowed: each trader's collateral is at least $1 (the engine raises smaller draws to $1)`);

export const CollateralLognormalSchema = z.strictObject({
  kind: z.literal('lognormal'),
  /** Median collateral (≥ $1: a draw below $1 is raised to $1). */
  medianUsd: collateralScaleUsd(),
  sigmaLog: nonNegative().max(5),
});

export const CollateralParetoSchema = z.strictObject({
  kind: z.literal('pareto'),
  /** Smallest collateral (scale x_m, ≥ $1). */
  minUsd: collateralScaleUsd(),
  /** Tail index α (> 1 for a finite mean); smaller α = more whales. */
  alpha: z.number().finite().gt(1).max(20),
  /** Upper cap on a single trader's collateral, so one draw cannot hold the whole book. */
  maxUsd: positiveUsd().default(1e9),
});

export const CollateralSchema = z.discriminatedUnion('kind', [CollateralLognormalSchema, CollateralParetoSchema]);

export const TopUpSchema = z.strictObject({
  /** Share of isolated-margin traders that top up collateral from a reserve. */
  share: probability().default(0.3),
  /** Top up when margin ratio (equity / maintenance margin) falls below this. */
  triggerMarginRatio: z.number().finite().gt(1).max(100).default(1.5),
  /** Top up to restore this margin ratio (or as far as the reserve allows). */
  targetMarginRatio: z.number().finite().gt(1).max(1000).default(3),
  /** Reserve held outside the position, as a multiple of the position's initial collateral. */
  reserveMultipleOfCollateral: nonNegative().max(100).default(1),
  /** Steps between noticing the trigger and acting. */
  reactionDelaySteps: integer(0, 100_000).default(5),
  /** Once the delay has passed, probability of acting in each step (else it tries next step). */
  actProbabilityPerStep: z.number().finite().gt(0).max(1).default(0.5),
});

export const StopLossSchema = z.strictObject({
  /** Share of traders with a stop-loss order. */
  share: probability().default(0.2),
  /** Stop placed where the loss reaches this fraction of collateral: uniform in [min, max]. */
  lossFractionOfCollateralMin: z.number().finite().gt(0).max(1).default(0.3),
  lossFractionOfCollateralMax: z.number().finite().gt(0).max(1).default(0.8),
});

export const TakeProfitSchema = z.strictObject({
  /** Share of traders with a take-profit order. */
  share: probability().default(0),
  /** Take profit where the gain reaches this fraction of collateral: uniform in [min, max]. */
  gainFractionOfCollateralMin: z.number().finite().gt(0).max(100).default(0.5),
  gainFractionOfCollateralMax: z.number().finite().gt(0).max(100).default(2),
});

export const VolatilityDeleverageSchema = z.strictObject({
  /** Share of traders who cut their position when volatility spikes. */
  share: probability().default(0),
  /** A spike: the market's EWMA volatility rises above this multiple of its nominal volatility. */
  volatilityMultiple: z.number().finite().gt(1).max(100).default(2),
  /** Fraction of the position closed at each spike. */
  reduceFraction: z.number().finite().gt(0).max(1).default(0.5),
});

export const ArrivalsSchema = z.strictObject({
  /** New traders per step (Poisson mean), long with probability longShare. */
  perStep: nonNegative().max(1000).default(0),
  /**
   * Momentum traders per step per unit of |z|, where z is the market's return over the lookback in
   * units of its nominal volatility; they enter in the direction of that return (the reflexive leg
   * of a cascade). Mean arrivals per step: momentumPerStep · min(|z|, momentumZCap).
   */
  momentumPerStep: nonNegative().max(1000).default(0),
  momentumLookbackSteps: integer(1, 100_000).default(15),
  momentumZCap: positive().max(100).default(5),
  /** Leverage of momentum traders (they are typically aggressive); capped by the initial margin. */
  momentumLeverage: z.number().finite().min(1).default(10),
});

export const WarmupSchema = z.strictObject({
  /**
   * history: the opening book is seasoned — each account's position was opened at some time before
   * step 0 on a warm-up price history drawn from the scenario's own price model, and one that the
   * history liquidated (or stopped out) was replaced by a new entry at that moment, so step 0 holds
   * the book a running venue has (docs/methodology.md §2). none: every position opens near the initial
   * price (entryPriceSpreadLog), as for closed-form checks.
   */
  kind: z.enum(['history', 'none']).default('history'),
  /**
   * Mean time a trader holds a position before closing it of their own accord (hours). Exits are
   * memoryless, so before survivorship the age of a position at step 0 is exponential with this mean.
   */
  meanHoldingHours: positive().max(24 * 365).default(24),
  /** Length of the warm-up history (hours); an older position opened at its start. Default: 5 × meanHoldingHours. */
  lengthHours: positive().max(24 * 3650).optional(),
});

/** One haircut tier of a collateral asset: units from `unitsFloor` up to the next tier's floor count at `haircut` × price. */
export const HaircutTierSchema = z.strictObject({
  /** Amount (units of the asset) where the tier starts; the first tier starts at 0. */
  unitsFloor: nonNegative().max(1e15),
  /** Share of the market value that counts as margin (0 < haircut ≤ 1; 1 = no haircut). */
  haircut: z.number().finite().gt(0).max(1),
});

/** One asset an account posts as collateral (issue 13 part 2). */
export const CollateralAssetSchema = z.strictObject({
  /** The market whose price values it (by name: `market.name` or one of `otherMarkets[].name`); it may have no traders. */
  market: z.string().min(1).max(40),
  /** Share of the account's margin posted in this asset instead of cash (the shares sum to at most 1; the rest stays cash). */
  marginShare: z.number().finite().gt(0).max(1).default(1),
  /**
   * Haircut tiers by amount (units of the asset), floors ascending from 0: the collateral value is
   * price × Σ_k haircut_k · (units in tier k). One tier = a flat haircut. Default: a flat 0.95.
   */
  haircutTiers: z.array(HaircutTierSchema).min(1).max(20).default([{ unitsFloor: 0, haircut: 0.95 }]),
});

/**
 * Volatile collateral (issue 13 part 2): a share of the opening book's accounts post part of their
 * margin in assets valued at their market price × a haircut. At step 0 the posted units are set so
 * that their haircut value equals the cash they replace (the account's equity is unchanged there).
 */
export const VolatileCollateralSchema = z.strictObject({
  /** Share of the opening book's accounts that post the assets below (drawn per account from the scenario's own stream). */
  accountShare: probability().default(1),
  assets: z.array(CollateralAssetSchema).min(1).max(4),
});

export const TradersSchema = z.strictObject({
  /**
   * The venue's own book: a CSV of open positions, one row per position (account, market, side, size,
   * entryPrice, margin, optional marginMode, reserve, leverage, stopPrice, takeProfitPrice,
   * topUpTrigger, deleverage; src/scenario/snapshot-csv.ts), mapped onto the opening book exactly. A
   * relative path is relative to the scenario file's folder. With a snapshot the book is not drawn,
   * not seasoned (warmup is none) and not redrawn per block of paths; count is the snapshot's number of
   * accounts; behaviours a row leaves empty, and arrivals, are drawn from the fields below.
   */
  snapshot: z.string().min(1).max(4096).optional(),
  count: integer(1, 5_000_000).default(10_000),
  /** Share of traders that are long (the rest are short). */
  longShare: probability().default(0.6),
  /**
   * Share of traders on cross margin: their reserve counts as margin (and is lost on liquidation);
   * isolated traders risk only the position's collateral.
   */
  crossMarginShare: probability().default(0.2),
  /**
   * How the opening book came to be: seasoned on a warm-up history (default), or `none` (every
   * position opened near the initial price). `warmup: none` is short for `{ kind: none }`.
   */
  warmup: z
    .union([z.literal('none'), WarmupSchema])
    .transform((w) => (w === 'none' ? WarmupSchema.parse({ kind: 'none' }) : w))
    .prefault({}),
  /**
   * `warmup: none` only: log-standard deviation of entry prices around the initial price. 0 =
   * everyone entered at the initial price. An entry whose loss at the initial price would exceed 40%
   * of the position's collateral is pulled halfway back towards it until it does not. Neither the rule
   * nor the draws depend on the margin policy. (With a warm-up, entries come from the history.)
   */
  entryPriceSpreadLog: nonNegative().max(1).default(0.02),
  leverage: LeverageSchema.prefault({
    kind: 'tiers',
    tiers: [
      { leverage: 2, weight: 0.3 },
      { leverage: 5, weight: 0.35 },
      { leverage: 10, weight: 0.25 },
      { leverage: 20, weight: 0.1 },
    ],
  }),
  collateralUsd: CollateralSchema.prefault({ kind: 'lognormal', medianUsd: 2_000, sigmaLog: 1.2 }),
  topUp: TopUpSchema.prefault({}),
  stopLoss: StopLossSchema.prefault({}),
  takeProfit: TakeProfitSchema.prefault({}),
  volatilityDeleverage: VolatilityDeleverageSchema.prefault({}),
  arrivals: ArrivalsSchema.prefault({}),
  /**
   * Relative weights of the markets [market, ...otherMarkets] when placing isolated positions. Default:
   * equal. A weight of 0 leaves a market without isolated traders (e.g. one that only prices collateral).
   */
  marketWeights: z.array(nonNegative().max(1e12)).optional(),
  /**
   * With several markets: how many markets each cross-margin account trades (its notional split
   * equally, each position's side drawn with longShare). Default: all markets.
   */
  crossMarketsPerAccount: integer(1, 16).optional(),
  /**
   * Share of accounts that withdraw settled profit: at each variation-margin settlement
   * (policy.variationMargin) they move the gain just settled to their wallet (as far as their margin
   * stays above the position's initial margin), out of reach of ADL and socialised-loss haircuts.
   */
  withdrawProfitShare: probability().default(0),
  /**
   * Capital injected from outside after a margin call (policy.liquidation.marginCall): a share of
   * traders deposit fresh money after a delay — the amount the call asks for (up to the initial
   * margin) times a lognormal factor — on top of any reserve top-up.
   */
  injection: z
    .strictObject({
      share: probability().default(0),
      /** Mean delay in steps (exponential, at least one step). */
      meanDelaySteps: positive().max(100_000).default(10),
      /** The deposit as a multiple of what the call asks for: lognormal with this median and log-sd. */
      sizeMultipleMedian: positive().max(100).default(1),
      sizeSigmaLog: nonNegative().max(3).default(0.5),
    })
    .prefault({}),
  /**
   * Rebalancing between a trader's own isolated positions: a share of the opening book's isolated
   * accounts are paired as one trader's two positions; when one is about to be liquidated, margin
   * above the other's initial margin moves to it, up to the top-up target ratio.
   */
  rebalancing: z.strictObject({ share: probability().default(0) }).prefault({}),
  /** Volatile and multi-asset collateral with haircuts (absent: every account's collateral is USD cash). */
  collateral: VolatileCollateralSchema.optional(),
});

// ---------------------------------------------------------------- policy

export const FundingSchema = z.strictObject({
  /** false: no funding (switches off a venue preset's). */
  enabled: z.boolean().default(true),
  /** Seconds between funding payments (Binance, Bybit: 8 h = 28,800; Hyperliquid, dYdX: 1 h = 3,600). */
  intervalSeconds: positive().max(86_400 * 30).default(28_800),
  /**
   * The period the rate F, its interest, clamp and cap are quoted for (absent: `intervalSeconds`).
   * Each payment pays F × intervalSeconds / rateIntervalSeconds: Hyperliquid and dYdX quote an 8-hour
   * rate (28,800) and pay it hourly (3,600) at 1/8.
   */
  rateIntervalSeconds: positive().max(86_400 * 30).optional(),
  /**
   * Interest component I per rate interval (Binance, Bybit, Hyperliquid: 0.01% per 8 h). The rate is
   * F = P̄ + clamp(I − P̄, −clamp, +clamp), capped at ±capPerInterval, with P̄ the average premium of
   * the book price over the index since the last payment. F > 0: longs pay shorts.
   */
  interestRatePerInterval: z.number().finite().min(-0.01).max(0.01).default(0.0001),
  /** The dampener around the interest component, per rate interval (0.05% on Binance, Bybit and Hyperliquid; 0: F = P̄ + I). */
  clamp: nonNegative().max(0.1).default(0.0005),
  /** The cap on |F| per rate interval (Hyperliquid's 4% an hour is 0.32 per 8 h; Binance BTCUSDT 0.3%). */
  capPerInterval: z.number().finite().gt(0).max(0.5).default(0.0075),
  /**
   * How the per-step premiums since the last payment are averaged: `mean` (each step the same weight:
   * Hyperliquid, dYdX) or `time-weighted` (the k-th step of the interval weighs k, so P̄ =
   * Σ k·p_k / Σ k: Binance, Bybit).
   */
  premiumAveraging: z.enum(['mean', 'time-weighted']).default('mean'),
  /** The price a position's notional is taken at for its payment: the mark (Binance, Bybit) or the index/oracle (Hyperliquid, dYdX). */
  notionalPrice: z.enum(['mark', 'index']).default('mark'),
});

export const TradingFeesSchema = z.strictObject({
  /** Taker fee on the notional of every entry (arrivals) and voluntary close (stops, take-profits, deleveraging), capped by the margin left. */
  takerRate: z.number().finite().min(0).max(0.05).default(0),
  /** Who receives it: the venue (its revenue, reported apart) or the market's insurance fund. */
  recipient: z.enum(['venue', 'insurance-fund']).default('venue'),
});

export const VariationMarginSchema = z.strictObject({
  /**
   * Every this many seconds each open position's unrealised PnL is settled into its margin at the
   * mark (its entry price reset to the mark); a loss the margin cannot pay is left to liquidation.
   */
  everySeconds: positive().max(86_400 * 365),
});

export const FixedMaintenanceSchema = z.strictObject({
  kind: z.literal('fixed'),
  /** Maintenance margin rate: MM = mmr · notional. */
  mmr: z.number().finite().gt(0).lt(1).default(0.025),
});

export const TieredMaintenanceSchema = z.strictObject({
  kind: z.literal('tiered'),
  /**
   * Brackets by notional; the first floor must be 0 and floors and rates must increase.
   * MM = N · mmr_k − A_k with the continuous maintenance amount A_k (docs/scenarios.md).
   */
  tiers: z
    .array(z.strictObject({ notionalFloorUsd: usd(), mmr: z.number().finite().gt(0).lt(1) }))
    .min(1),
});

export const SizeScaledMaintenanceSchema = z.strictObject({
  kind: z.literal('size-scaled'),
  /**
   * linear: MMR = baseMmr + slopePerUnitSize · Q;
   * sqrt:   MMR = max(baseMmr, baseMultiplier · baseMmr + sqrtCoefficient · √Q)   (Q = position size in units).
   * The rate is capped at maxMmr.
   */
  mode: z.enum(['linear', 'sqrt']).default('linear'),
  baseMmr: z.number().finite().gt(0).lt(1).default(0.01),
  slopePerUnitSize: nonNegative().default(0),
  baseMultiplier: nonNegative().default(1),
  sqrtCoefficient: nonNegative().default(0),
  maxMmr: z.number().finite().gt(0).lt(1).default(0.5),
});

export const FractionOfImrMaintenanceSchema = z.strictObject({
  kind: z.literal('fraction-of-imr'),
  /** MMR = fraction · IMR with IMR = 1 / maxLeverage (Hyperliquid: 0.5). */
  fraction: z.number().finite().gt(0).lt(1).default(0.5),
});

export const VolatilityAdaptiveMaintenanceSchema = z.strictObject({
  kind: z.literal('volatility-adaptive'),
  /**
   * MMR_t = min(maxMmr, max(floorMmr, (1 − w)·z·σ̂_t·√h + w·z·σ_stress·√h)), with σ̂²_t = λσ̂²_{t−1} + (1−λ)r²_{t−1}
   * the EWMA variance of one-step mark log returns (λ = 2^(−1/ewmaHalfLifeSteps)), h the holding
   * horizon in steps, z the normal quantile of `confidence` and w = stressedWeight (anti-procyclicality).
   */
  ewmaHalfLifeSteps: positive().max(1e6).default(30),
  holdingHorizonSteps: positive().max(1e6).default(60),
  confidence: z.number().finite().gt(0.5).lt(1).default(0.99),
  floorMmr: z.number().finite().gt(0).lt(1).default(0.01),
  maxMmr: z.number().finite().gt(0).lt(1).default(0.5),
  /** Volatility of a stressed period, annualised (used with stressedWeight > 0). */
  stressedVolatilityAnnual: nonNegative().max(20).default(0),
  stressedWeight: probability().default(0),
});

export const MaintenanceSchema = z.discriminatedUnion('kind', [
  FixedMaintenanceSchema,
  TieredMaintenanceSchema,
  SizeScaledMaintenanceSchema,
  FractionOfImrMaintenanceSchema,
  VolatilityAdaptiveMaintenanceSchema,
]);

export const LiquidationSchema = z.strictObject({
  /**
   * full: close the whole position; partial: close just enough to restore the target ratio;
   * fraction: positions above aboveNotionalUsd lose closeFraction per liquidation, then wait
   * cooldownSteps (smaller positions are closed in full); lower-tier (Bybit's risk-limit reduction):
   * a position in a higher tier of a tiered maintenance schedule is first reduced to the floor of the
   * tier below, then waits the cooldown; in the lowest tier (or under a schedule without tiers) it is
   * closed in full.
   */
  kind: z.enum(['full', 'partial', 'fraction', 'lower-tier']).default('full'),
  /** Partial only: after the close, equity ≥ MM · (1 + bufferFraction). */
  bufferFraction: nonNegative().max(10).default(0.25),
  /** Fraction only. */
  closeFraction: z.number().finite().gt(0).max(1).default(0.2),
  /** Steps to wait after a fraction or lower-tier close before the next (0 is taken as 1: at most one close a step). */
  cooldownSteps: integer(0, 1_000_000).default(1),
  /**
   * What a breach during the cooldown does. wait: nothing, the next close waits for the cooldown's end;
   * full (Hyperliquid): the liquidation order is for the whole position. The cooldown starts at the
   * close and covers the rest of its step (the step's later rounds are at the same instant) and every
   * later step less than cooldownSeconds (or cooldownSteps) after it: with 60 s steps and a 30 s
   * cooldown, a slice and then, if the account is still in breach in that step, the whole position.
   */
  duringCooldown: z.enum(['wait', 'full']).default('wait'),
  /** The cooldown in seconds, as venues publish it (Hyperliquid: 30 s); when given it replaces cooldownSteps, rounded up to whole steps. */
  cooldownSeconds: nonNegative().max(1e9).optional(),
  aboveNotionalUsd: usd().default(100_000),
  /** Fee on liquidated notional, capped by remaining equity, paid into the insurance fund. */
  feeRate: z.number().finite().min(0).max(0.5).default(0.005),
  /**
   * When a liquidation closes an account in full, what is left of its margin goes to the insurance
   * fund instead of back to the trader (Bybit: the position is taken over at its bankruptcy price).
   */
  forfeitRemainingMargin: z.boolean().default(false),
  /**
   * The fillable-price bound on the venue's liquidation orders (dYdX v4 `GetFillablePrice`): a market
   * order closing a position fills no worse than mark · (1 ∓ ABR · spreadToMaintenanceRatio · MMF),
   * with MMF the position's maintenance margin over its notional and the adjusted bankruptcy rating
   * ABR = clamp(bankruptcyAdjustment · (1 − equity / maintenance margin), 0, 1). A round's orders walk
   * the book most underwater first; what cannot fill within its bound waits for the next step, and an
   * order that fills nothing from a bankrupt account (equity < 0) is deleveraged when the market's
   * waterfall is adl. Absent: orders fill at whatever price the impact model gives.
   */
  fillablePrice: z
    .strictObject({
      /** dYdX `spread_to_maintenance_margin_ratio_ppm` / 10⁶ (1.5). */
      spreadToMaintenanceRatio: z.number().finite().gt(0).max(100),
      /** dYdX `bankruptcy_adjustment_ppm` / 10⁶ (1.0). */
      bankruptcyAdjustment: z.number().finite().gt(0).max(100).default(1),
    })
    .optional(),
  /** Per-step caps on liquidated notional; what exceeds a cap waits for the next step. */
  caps: z
    .strictObject({
      perAccountNotionalUsdPerStep: positiveUsd().optional(),
      marketNotionalUsdPerStep: positiveUsd().optional(),
      /**
       * Per-position block limit (dYdX v4 position_block_limits): in each block a position may be
       * liquidated by at most max(shareOfNotional × its notional, minNotionalUsd) — once per block, so
       * over a step of B blocks (stepSeconds / blockSeconds, one block per step without blockSeconds)
       * at most what B such blocks take from the shrinking position. What exceeds it waits.
       */
      positionBlockLimit: z
        .strictObject({
          shareOfNotional: z.number().finite().gt(0).max(1),
          minNotionalUsd: usd().default(0),
          /** Blocks in one step; derived from blockSeconds (stepSeconds / blockSeconds) when that is given, else 1. */
          blocksPerStep: positive().max(1e9).optional(),
        })
        .optional(),
      /**
       * Most the insurance fund pays towards one account's shortfalls in one step (dYdX v4
       * max_quantums_insurance_lost, per subaccount per block; scaled by blockSeconds like the caps
       * above). What it does not pay goes on down the waterfall (ADL, socialised loss, bad debt).
       */
      fundPayoutUsdPerAccountPerStep: positiveUsd().optional(),
      /**
       * When given, the two caps above are per block of this many seconds (dYdX's per-block limits)
       * and are scaled to the scenario's step: cap × stepSeconds / blockSeconds.
       */
      blockSeconds: positive().max(86_400).optional(),
    })
    .prefault({}),
  /**
   * Liquidators with finite capital: they take over a position at the mark less bonusFraction and
   * unwind it into the market, but only when the bonus covers their expected slippage, and only up to
   * capitalUsdPerStep of notional per step per market. What they decline waits.
   */
  liquidators: z
    .strictObject({
      enabled: z.boolean().default(false),
      capitalUsdPerStep: positiveUsd().default(10_000_000),
      bonusFraction: z.number().finite().min(0).max(0.5).default(0.01),
    })
    .prefault({}),
  /**
   * Backstop vault: when equity < equityFractionOfMm · MM, the vault takes the position over at the
   * bankruptcy price (the trader forfeits the remaining margin) and unwinds it into the market; its
   * PnL is an output. Its losses beyond its capital enter the loss waterfall.
   */
  backstop: z
    .strictObject({
      enabled: z.boolean().default(false),
      equityFractionOfMm: z.number().finite().gt(0).max(1).default(2 / 3),
      capitalUsd: usd().default(1_000_000),
      /**
       * The book first (Hyperliquid): the vault takes over only an account the venue's book order has
       * already been tried on — a slice in its cooldown, or a close a per-step cap cut short — and that
       * is still below equityFractionOfMm · MM; otherwise the account's first order goes to the book.
       * false: the vault takes over at once whenever equity is below the threshold.
       */
      afterBook: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Margin call: a breach opens graceSteps in which the trader may top up to the initial margin
   * (traders with a top-up reserve do, after their reaction delay); liquidation follows if still in
   * breach, or at once if equity falls below liquidateBelowEquityFractionOfMm · MM. 0 = off.
   */
  marginCall: z
    .strictObject({
      graceSteps: integer(0, 1_000_000).default(0),
      liquidateBelowEquityFractionOfMm: z.number().finite().min(0).lt(1).default(0),
    })
    .prefault({}),
});

export const MarkPriceSchema = z.strictObject({
  /**
   * Index-anchored, as venues mark: blend = median(index, book, index + EMA of the book's basis)
   * (Binance, Hyperliquid); index = the fundamental; oracle = the index with a delay, an update
   * interval and a clamp (OSM, Chainlink). On the venue's own book: last = book price; ema =
   * exponential average of book prices; median = median of the last windowSteps book prices.
   */
  kind: z.enum(['blend', 'index', 'oracle', 'last', 'ema', 'median']).default('blend'),
  /** ema: half-life of the book-price average; blend: half-life of the basis EMA (steps). */
  halfLifeSteps: positive().max(1e6).default(5),
  /** The same half-life in seconds, as venues publish it; when given it replaces halfLifeSteps (÷ stepSeconds). */
  halfLifeSeconds: positive().max(1e9).optional(),
  windowSteps: integer(1, 1000).default(5),
  /** oracle: the reported price is the index this many steps ago. */
  delaySteps: integer(0, 100_000).default(0),
  /** oracle: the report is refreshed every this many steps (1 = every step). */
  updateEverySteps: integer(1, 100_000).default(1),
  /** oracle: most one update may move the reported price, as a fraction (e.g. 0.05); none by default. */
  maxChangePerUpdate: z.number().finite().gt(0).lt(1).optional(),
});

export const InitialMarginSchema = z.strictObject({
  kind: z.literal('brackets'),
  /** Brackets by notional (first floor 0, floors increasing): initial margin = N · imr of N's bracket. */
  tiers: z.array(z.strictObject({ notionalFloorUsd: usd(), imr: z.number().finite().gt(0).max(1) })).min(1).max(50),
});

export const InsuranceFundSchema = z.strictObject({
  initialUsd: usd().default(250_000),
  /** Most the fund pays out in one step (all events together). */
  maxPayoutUsdPerStep: positiveUsd().optional(),
  /** Most the fund pays for one event, as a share of its balance at that moment. */
  maxShareOfFundPerEvent: z.number().finite().gt(0).max(1).default(1),
  /**
   * Which fund (a market's policy): markets naming the same group share one fund; `shared` (the
   * default) is the scenario's own fund. A group's size and caps are given where it is first named.
   */
  group: z.string().min(1).max(40).regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only').default('shared'),
  /**
   * Recapitalisation by the venue: a share of its trading-fee revenue goes to the fund as it is
   * charged, and when the fund's balance is below belowUsd at the start of a step the venue injects
   * injectUsd (from outside), until budgetUsd is spent. Reported apart from fees.
   */
  recapitalisation: z
    .strictObject({
      feeShare: probability().default(0),
      belowUsd: usd().default(0),
      injectUsd: usd().default(0),
      budgetUsd: usd().default(0),
    })
    .optional(),
});

export const WaterfallSchema = z.strictObject({
  /**
   * What covers a shortfall the insurance fund does not: none (bad debt), adl (auto-deleveraging of
   * profitable opposite positions at the bankruptcy price), socialised (loss spread across accounts).
   */
  afterInsuranceFund: z.enum(['none', 'adl', 'socialised']).default('none'),
  /**
   * ADL order (docs/venues.md, "ADL rankings"): profit-leverage ((PnL / margin) × (notional / equity),
   * highest first); each venue's published ranking — hyperliquid ((mark / entry) × (notional / account
   * value)), binance-leverage-pnl (max(0, uPnL) / max(1, wallet) × MM / (wallet + uPnL), by quantile),
   * bybit and bitmex (price return × |MV| / (MV − BV)), dydx (every opposite position, winner or not,
   * in account order from a random start, each taken only if it can pay its part at the bankruptcy
   * price); random (a seeded shuffle of the winners), pro-rata (every winner by its size) or pro-rata-pnl
   * (every winner by its unrealised profit).
   */
  adlRanking: z.enum(['profit-leverage', 'random', 'pro-rata', 'pro-rata-pnl', 'hyperliquid', 'binance-leverage-pnl', 'bybit', 'bitmex', 'dydx']).default('profit-leverage'),
  /**
   * The price a bankrupt position matched before the trade and its ADL counterparties close at:
   * bankruptcy (the winners give up exactly the deficit) or previous-mark (Hyperliquid: both sides
   * trade at the mark of the end of the previous step, when that covers the deficit — the winners give
   * up the whole move since and the bankrupt account keeps what is left above its bankruptcy price;
   * otherwise at the bankruptcy price). A shortfall left after a market close is always deleveraged at
   * the bankruptcy price.
   */
  adlPrice: z.enum(['bankruptcy', 'previous-mark']).default('bankruptcy'),
  /**
   * When auto-deleveraging takes over from the insurance fund (with afterInsuranceFund: adl): the fund
   * pays no further once its balance would fall below fundFloorUsd, or (drawdown) below
   * (1 − fraction) × its highest balance within the last windowSeconds (Bybit's trigger). A bankrupt
   * position the fund will not cover is matched against the ranked winners at its bankruptcy price.
   */
  adlTrigger: z
    .strictObject({
      fundFloorUsd: usd().default(0),
      /**
       * The fund takes over a bankrupt position only while the position's notional (at the mark) is at
       * most this multiple of the fund's balance (Binance: 1, "100% the size of the insurance fund"); a
       * larger one goes to ADL, the fund paying nothing towards it. None by default.
       */
      takeoverMaxShareOfFund: positive().max(1e6).optional(),
      drawdown: z
        .strictObject({
          fraction: z.number().finite().gt(0).lt(1),
          windowSeconds: positive().max(1e9),
        })
        .optional(),
    })
    .prefault({}),
  /** Socialised loss: a market's deficit pro rata to each holder's notional in that market, or (winners) to its unrealised profit there since entry. */
  socialisedBasis: z.enum(['open-interest', 'winners']).default('open-interest'),
});

/**
 * A lending reserve's rules (issue 13 part 4; Aave v3 by default): the collateral asset's liquidation
 * threshold and maximum LTV, the liquidation bonus and the protocol's cut of it, the close factor and
 * when it rises to 100%, and the interest rate on the (USD stable) debt. Set on the policy of the market
 * that prices the collateral (or the scenario's policy).
 */
export const LendingReserveSchema = z.strictObject({
  /** LT: the health factor is Σ collateral · price · LT / debt; a position is liquidatable when it is below 1. */
  liquidationThreshold: z.number().finite().gt(0).lt(1).default(0.83),
  /** Maximum loan-to-value at entry (debt / collateral value); ≤ liquidationThreshold. */
  maxLtv: z.number().finite().gt(0).lt(1).default(0.8),
  /** The liquidator's bonus: it receives collateral worth (1 + bonus) × the debt it repays. LT · (1 + bonus) ≤ 1. */
  liquidationBonus: nonNegative().max(1).default(0.05),
  /** The protocol's share of the bonus (Aave's liquidation protocol fee), kept by the treasury as collateral units. */
  protocolFeeOfBonus: probability().default(0.1),
  /** Share of the debt one liquidation may repay while HF is above fullCloseBelowHealthFactor (Aave: 50%). */
  closeFactor: z.number().finite().gt(0).max(1).default(0.5),
  /** At or below this health factor a liquidation may repay all the debt (Aave v3: 0.95). */
  fullCloseBelowHealthFactor: z.number().finite().min(0).max(1).default(0.95),
  /** A position whose collateral or debt is worth less than this may be repaid in full (Aave v3.3: $2,000). */
  fullCloseBelowUsd: usd().default(2_000),
  /**
   * Unless it repays all the debt or takes all the collateral, a liquidation must leave at least this much debt and
   * collateral (Aave v3.3 MUST_NOT_LEAVE_DUST: $1,000); the liquidator then repays the most that does, or nothing.
   */
  minLeftoverUsd: usd().default(1_000),
  /** Annual interest rate on the debt, accrued every step (compounded per step). */
  borrowRateAnnual: z.number().finite().min(0).max(10).default(0.05),
  /**
   * The price oracle the protocol reads, a push feed (Chainlink-style): its report follows the collateral
   * market's mark but is updated only when the mark has moved by at least deviationFraction from the last
   * report, or heartbeatSeconds after it. Absent: the protocol sees the mark itself, every round.
   */
  oracle: z
    .strictObject({
      deviationFraction: z.number().finite().gt(0).lt(1),
      heartbeatSeconds: positive().max(1e9),
    })
    .optional(),
  /**
   * PriceOracleSentinel (Aave on L2s): the sequencer came back up as the path starts, and for this many
   * seconds only positions with HF < 0.95 may be liquidated (Aave's MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD).
   * Absent: no sentinel.
   */
  sentinelGraceSeconds: positive().max(1e9).optional(),
  /**
   * The borrow rate as Aave's DefaultReserveInterestRateStrategyV2 sets it from the debt reserve's usage
   * U = debt / (available liquidity + debt): base + slope1 · U / optimal up to the optimal usage, then
   * base + slope1 + slope2 · (U − optimal) / (1 − optimal); annual rates, fixed for each step at the step's
   * start. Available liquidity starts at availableLiquidityUsd (supplied, not lent) and grows with what
   * liquidators repay; accrued interest and written-off debt do not change it. Replaces borrowRateAnnual.
   */
  interestRateCurve: z
    .strictObject({
      optimalUsage: z.number().finite().min(0.01).max(0.99),
      baseRateAnnual: nonNegative().max(10).default(0),
      slope1Annual: nonNegative().max(10),
      slope2Annual: nonNegative().max(10),
      availableLiquidityUsd: usd(),
    })
    .optional(),
  /**
   * Supply cap of the collateral asset (whole units) and borrow cap of the debt (USD): borrowers open in
   * the order drawn; one whose collateral would take the book's supply above the cap does not open, and
   * one whose debt would take the total debt above the borrow cap borrows what is left under it (Aave:
   * supply and borrow revert above the caps; interest may take the debt above it later). Absent: no cap.
   */
  supplyCapUnits: positive().max(1e15).optional(),
  borrowCapUsd: positive().max(1e15).optional(),
  /**
   * An E-Mode category that applies to this collateral and debt: its own liquidation threshold, maximum LTV
   * and liquidation bonus replace the reserve's for the borrowers who enable it (lending.eModeShare); the
   * close factor, thresholds and the protocol's fee stay the reserve's (Aave v3: the bonus is the
   * category's when the collateral is in it, the protocol fee the collateral reserve's).
   */
  eMode: z
    .strictObject({
      liquidationThreshold: z.number().finite().gt(0).lt(1),
      maxLtv: z.number().finite().gt(0).lt(1),
      liquidationBonus: nonNegative().max(1),
    })
    .optional(),
});

export const PolicySchema = z.strictObject({
  /** Maximum leverage at entry; the initial margin rate is 1 / maxLeverage. */
  maxLeverage: z.number().finite().min(1).max(1000).default(20),
  maintenance: MaintenanceSchema.prefault({ kind: 'fixed' }),
  liquidation: LiquidationSchema.prefault({}),
  markPrice: MarkPriceSchema.prefault({}),
  /**
   * Initial margin: by default max(N / maxLeverage, 2·MM(N)); with brackets (Binance's bracket IMR),
   * N · imr of the bracket holding N.
   */
  initialMargin: InitialMarginSchema.optional(),
  insuranceFund: InsuranceFundSchema.prefault({}),
  waterfall: WaterfallSchema.prefault({}),
  /** Perpetual funding between longs and shorts (absent: none). */
  funding: FundingSchema.optional(),
  tradingFees: TradingFeesSchema.prefault({}),
  /** Periodic settlement of unrealised PnL into margin (absent: none). */
  variationMargin: VariationMarginSchema.optional(),
  /** Lending reserve rules for borrowers whose collateral this market prices (scenario `lending`; absent: the defaults, Aave v3's). */
  lending: LendingReserveSchema.optional(),
});

/** A market's overrides of the scenario's policy: any field, given only where it differs. */
export const MarketPolicySchema = z.strictObject({
  maxLeverage: z.number().finite().min(1).max(1000).optional(),
  maintenance: MaintenanceSchema.optional(),
  initialMargin: InitialMarginSchema.optional(),
  liquidation: LiquidationSchema.partial().optional(),
  markPrice: MarkPriceSchema.partial().optional(),
  insuranceFund: InsuranceFundSchema.partial().optional(),
  waterfall: WaterfallSchema.partial().optional(),
  funding: FundingSchema.partial().optional(),
  lending: LendingReserveSchema.partial().optional(),
  tradingFees: TradingFeesSchema.partial().optional(),
  variationMargin: VariationMarginSchema.partial().optional(),
});

export const MarketSchema = z.strictObject({
  /** Market label used in outputs (e.g. BTC-PERP). */
  name: z.string().min(1).max(40).default('PERP'),
  /**
   * The asset whose row of a venue preset's table this market takes (e.g. BTC); default: the name
   * without a -PERP, -USD, -USDT or -USDC suffix (BTC-PERP → BTC, ETHUSDT → ETH).
   */
  asset: z.string().min(1).max(20).regex(/^[A-Za-z0-9]+$/, 'use letters and digits only').optional(),
  /** Price of the market at the start (1e-6 to 1e9 USD). */
  initialPriceUsd: positive().min(1e-6).max(1e9).default(100),
  priceModel: PriceModelSchema.prefault({ kind: 'garch' }),
  impact: ImpactSchema.prefault({}),
  /** Half-life, in steps, of the EWMA estimate of the mark price's volatility (used by depth withdrawal and volatility-triggered deleveraging). */
  volatilityHalfLifeSteps: positive().max(1e6).default(60),
  /**
   * This market's own rules, overriding the scenario's `policy` field by field (a venue sets margin
   * per asset): maxLeverage, maintenance, initialMargin, liquidation, markPrice, insuranceFund (with a
   * `group`: markets naming the same group share one fund; `shared`, the default, is the scenario's
   * fund), waterfall. The resolved scenario holds the full merged policy.
   */
  policy: z.lazy(() => MarketPolicySchema).optional(),
});

// ---------------------------------------------------------------- sampling design

export const ImportanceSamplingSchema = z.strictObject({
  /**
   * Importance sampling of the exogenous shocks by a mean shift (an exponential tilt of the normal
   * shocks): each step's standard normal shock of market m is drawn from N(θ_m, 1), and each path is
   * weighted by its likelihood ratio Π φ(n)/φ(n − θ) in every estimator (docs/methodology.md §10).
   */
  kind: z.literal('shift').default('shift'),
  /**
   * θ in standard deviations of the shock per step: a number (every market), a list (per market, in
   * the order [market, ...otherMarkets]), or `auto`: the shift whose mean path reaches, at the horizon,
   * the move that liquidates (target: liquidation) or bankrupts (target: bad-debt) the book's nearest
   * position on its larger side (src/engine/importance.ts). Negative = prices fall.
   */
  shiftPerStep: z.union([z.number().finite().min(-5).max(5), z.array(z.number().finite().min(-5).max(5)).min(1).max(16), z.literal('auto')]).default('auto'),
  /** What `auto` aims at: the first liquidation or the first bankruptcy (equity below 0, a source of bad debt). */
  target: z.enum(['liquidation', 'bad-debt']).default('liquidation'),
  /** `auto`: aim at the position at this share of the larger side's open interest, nearest first (0 = the nearest position). */
  shareOfOpenInterest: z.number().finite().min(0).max(1).default(0),
});

export const SamplingSchema = z.strictObject({
  /**
   * How many paths share one trader book (and its warm-up history, the market state the paths open
   * in): paths [b·n, (b+1)·n) run on book b, drawn and seasoned from the scenario seed's book-b
   * streams (the same book b under every policy: common random numbers). Results then average over
   * market states and count the book's uncertainty (between-book variance, design effect).
   * - `auto` (the default): n = max(2, min(⌊P / 50⌋, ⌈√P⌉)) for P paths — 50 books up to 2,500
   *   paths, √P books of √P paths above (a run of 1,000 paths: 50 books of 20), never fewer than 2
   *   paths a book (docs/methodology.md §2). A snapshot (`traders.snapshot`) always holds its one book.
   * - `all`: one book for every path — the figures are conditioned on that book (this book, this
   *   market state), not averaged over books.
   * - a number: books of this many paths (not with `traders.snapshot`).
   */
  pathsPerBook: z.union([integer(1, 10_000_000), z.enum(['auto', 'all'])]).default('auto'),
  /** Importance sampling of the price shocks (absent: plain Monte Carlo). */
  importance: ImportanceSamplingSchema.optional(),
  /**
   * Run to a stated precision (`run --precision`; docs/results.md#runs-to-a-stated-precision): `paths` is the
   * first batch, and the run adds paths until every headline figure's 95% interval is within
   * `relativeHalfWidth` of it and no figure is thin, or a budget ends. The result is the run at the final
   * path count, byte for byte (absent: a run of exactly `paths`).
   */
  precision: z
    .strictObject({
      /** The target: the larger side of each headline figure's 95% interval, over the figure, at most this (0.1 = ±10%). */
      relativeHalfWidth: z.number().finite().gt(0).max(1),
      /** Path budget: the run stops at this many paths, met or not. */
      maxPaths: integer(1, 300_000).default(100_000),
      /** Time budget for the simulation, in seconds: no batch is started that would end after it (at the rate measured so far). */
      maxSeconds: z.number().finite().gt(0).max(7 * 86_400).default(1_800),
    })
    .optional(),
});

// ---------------------------------------------------------------- lending

/**
 * Lending positions (issue 13 part 4): borrowers who post an asset as collateral and borrow a USD
 * stable against it, on the same markets as the perpetual book. Each borrower opens at step 0 at the
 * initial price with an LTV drawn within the reserve's maximum (policy.lending of the collateral's market).
 */
export const LendingSchema = z.strictObject({
  /** The market that prices the collateral (by name). */
  market: z.string().min(1).max(40),
  /** Borrowers in the opening book. */
  borrowers: integer(1, 1_000_000).default(1_000),
  /** Collateral value per borrower at the initial price (USD). */
  collateralUsd: CollateralSchema.prefault({ kind: 'lognormal', medianUsd: 20_000, sigmaLog: 1.2 }),
  /** LTV at entry = a uniform draw in [min, max] × the reserve's maxLtv (so no position opens above max LTV). */
  ltvShareOfMax: z.strictObject({ min: probability().default(0.5), max: probability().default(1) }).prefault({}),
  /** Share of borrowers who enable the reserve's E-Mode category (policy.lending.eMode), drawn per borrower. Absent: none. */
  eModeShare: probability().optional(),
});

// ---------------------------------------------------------------- run

/** Venue presets shipped in presets/ (docs/venues.md). */
export const VENUE_PRESETS = ['hyperliquid', 'binance', 'dydx', 'bybit', 'aave-v3'] as const;
export type VenuePreset = (typeof VENUE_PRESETS)[number];

export const OutputSchema = z.strictObject({
  /** How many paths' full time series feed the quantile bands (the lowest path indices). */
  seriesSamplePaths: integer(1, 100_000).default(1_000),
  /** Time points kept per series (the horizon is bucketed to at most this many). */
  seriesPoints: integer(2, 10_000).default(240),
  /**
   * Record each path's bad debt per market (`paths.badDebtByMarketUsd`: the bad debt of the shortfalls
   * that arose in each market). Off by default; `recommend` sets it on the scenarios it runs.
   */
  badDebtByMarket: z.boolean().optional(),
});

export const ScenarioSchema = z.strictObject({
  /**
   * Short name; used as the report folder name (reports/<name>). Letters, digits, '-', '_' and '.',
   * not made of dots only ("." and ".." would name the reports folder itself or the one above it).
   */
  name: z
    .string()
    .min(1)
    .max(80)
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only')
    .refine((n) => !/^\.+$/.test(n), 'a name made only of dots would name the reports folder or a folder above it; use letters or digits')
    .default('scenario'),
  description: z.string().max(2000).default(''),
  /**
   * A venue's published rules to start from (presets/<name>.yaml: venue-wide rules and a table per
   * asset, each field with its source). The scenario's `policy` overrides the venue-wide rules and
   * every market's, a market's own `policy` overrides its asset's row (docs/venues.md).
   */
  preset: z.enum(VENUE_PRESETS).optional(),
  seed: integer(0, 2 ** 32 - 1).default(1),
  paths: integer(1, 10_000_000).default(1_000),
  stepSeconds: positive().max(86_400 * 365).default(60),
  horizonSteps: integer(1, 10_000_000).default(1_440),
  /** The first (or only) market. */
  market: MarketSchema.prefault({}),
  /** Further markets, for books spread over several assets and cross-margin accounts across them. */
  otherMarkets: z.array(MarketSchema).max(15).default([]),
  /**
   * Correlation matrix of the markets' price shocks, in the order [market, ...otherMarkets]; must be
   * symmetric, with unit diagonal, and positive semi-definite. Default: independent markets.
   */
  correlation: z.array(z.array(z.number().finite().min(-1).max(1))).optional(),
  traders: TradersSchema.prefault({}),
  /** Lending positions (absent: none). */
  lending: LendingSchema.optional(),
  policy: PolicySchema.prefault({}),
  output: OutputSchema.prefault({}),
  /** How paths are sampled: books redrawn per block of paths (by default), importance sampling of the shocks (docs/scenarios.md#sampling). */
  sampling: SamplingSchema.prefault({}),
  /**
   * The rules the opening book is drawn and seasoned under when they are not the scenario's own: the
   * cap on drawn leverage (`maxLeverage`, the scenario-wide `policy.maxLeverage`) and, per market in
   * the order [market, ...otherMarkets], its maximum leverage, maintenance rule and initial-margin
   * brackets. `compare` sets it on every policy to the baseline's rules, so all face the same opening
   * book (the book held fixed; `compare --redraw-book` draws each under its own rules instead). Paths
   * still run under the scenario's own rules, from the first step. Absent: the scenario's own rules.
   */
  bookRules: z
    .strictObject({
      maxLeverage: z.number().finite().min(1).max(1000),
      markets: z
        .array(
          z.strictObject({
            maxLeverage: z.number().finite().min(1).max(1000),
            maintenance: MaintenanceSchema,
            initialMargin: InitialMarginSchema.optional(),
          }),
        )
        .min(1)
        .max(16),
    })
    .optional(),
  /** Optional study blocks read by `sweep`, `calibrate` and `compare` (src/scenario/study.ts); the engine ignores them. */
  sweep: SweepSchema.optional(),
  calibrate: CalibrateSchema.optional(),
  /** `recommend:` — read by `recommend` (src/sweep/recommend.ts). */
  recommend: RecommendSchema.optional(),
  variants: VariantsSchema.optional(),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type PriceModelConfig = Scenario['market']['priceModel'];
export type ImpactConfig = Scenario['market']['impact'];
export type MaintenanceConfig = Scenario['policy']['maintenance'];
export type TradersConfig = Scenario['traders'];
export type Policy = Scenario['policy'];
export type LiquidationConfig = Policy['liquidation'];
