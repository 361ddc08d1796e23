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
import { CalibrateSchema, SweepSchema, VariantsSchema } from './study.js';

const positive = () => z.number().finite().positive();
const nonNegative = () => z.number().finite().nonnegative();
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
  driftAnnual: z.number().finite().min(-50).max(50).default(0),
  /** Long-run (unconditional) annualised volatility; ω = σ²·Δt·(1 − α − β). */
  longRunVolatilityAnnual: positive().max(20).default(0.8),
  /** ARCH coefficient α. */
  alpha: nonNegative().max(1).default(0.08),
  /** GARCH coefficient β; α + β < 1 is required. */
  beta: nonNegative().max(1).default(0.9),
  /** Student-t degrees of freedom ν (> 2) of the standardised innovations. */
  degreesOfFreedom: z.number().finite().gt(2).max(1000).default(5),
});

export const PriceModelSchema = z.discriminatedUnion('kind', [GbmSchema, MertonSchema, GarchSchema]);

export const ImpactSchema = z.strictObject({
  /** none: liquidations do not move the price; linear or sqrt (square-root) impact in log price. */
  kind: z.enum(['none', 'linear', 'sqrt']).default('linear'),
  /** Net market-order notional (USD) that moves the price by 1%. */
  depthUsdPerPercent: positive().default(5_000_000),
  /** Half-life, in steps, of the decay of the impact state back to 0 (resilience). */
  halfLifeSteps: positive().default(30),
});

export const MarketSchema = z.strictObject({
  initialPriceUsd: positive().default(100),
  priceModel: PriceModelSchema.prefault({ kind: 'garch' }),
  impact: ImpactSchema.prefault({}),
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

export const CollateralLognormalSchema = z.strictObject({
  kind: z.literal('lognormal'),
  medianUsd: positive(),
  sigmaLog: nonNegative().max(5),
});

export const CollateralParetoSchema = z.strictObject({
  kind: z.literal('pareto'),
  /** Smallest collateral (scale x_m). */
  minUsd: positive(),
  /** Tail index α (> 1 for a finite mean); smaller α = more whales. */
  alpha: z.number().finite().gt(1).max(20),
  /** Upper cap on a single trader's collateral, so one draw cannot hold the whole book. */
  maxUsd: positive().default(1e9),
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

export const TradersSchema = z.strictObject({
  count: integer(1, 5_000_000).default(10_000),
  /** Share of traders that are long (the rest are short). */
  longShare: probability().default(0.6),
  /**
   * Share of traders on cross margin: their reserve counts as margin (and is lost on liquidation);
   * isolated traders risk only the position's collateral.
   */
  crossMarginShare: probability().default(0.2),
  /**
   * Log-standard deviation of entry prices around the initial price: positions were opened at
   * different times, so their liquidation prices are spread out. 0 = everyone entered at the
   * initial price. An entry that would already be within 10% of its maintenance margin at the
   * initial price is redrawn (the book at t = 0 is one that has survived so far).
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
});

// ---------------------------------------------------------------- policy

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
    .array(z.strictObject({ notionalFloorUsd: nonNegative(), mmr: z.number().finite().gt(0).lt(1) }))
    .min(1),
});

export const MaintenanceSchema = z.discriminatedUnion('kind', [FixedMaintenanceSchema, TieredMaintenanceSchema]);

export const LiquidationSchema = z.strictObject({
  /** full: close the whole position; partial: close just enough to restore the target ratio. */
  kind: z.enum(['full', 'partial']).default('full'),
  /** Partial only: after the close, equity ≥ MM · (1 + bufferFraction). */
  bufferFraction: nonNegative().max(10).default(0.25),
  /** Fee on liquidated notional, capped by remaining equity, paid into the insurance fund. */
  feeRate: z.number().finite().min(0).max(0.5).default(0.005),
});

export const PolicySchema = z.strictObject({
  /** Maximum leverage at entry; the initial margin rate is 1 / maxLeverage. */
  maxLeverage: z.number().finite().min(1).max(1000).default(50),
  maintenance: MaintenanceSchema.prefault({ kind: 'fixed' }),
  liquidation: LiquidationSchema.prefault({}),
  insuranceFund: z
    .strictObject({
      initialUsd: nonNegative().default(250_000),
    })
    .prefault({}),
});

// ---------------------------------------------------------------- run

export const OutputSchema = z.strictObject({
  /** How many paths' full time series feed the quantile bands (the lowest path indices). */
  seriesSamplePaths: integer(1, 100_000).default(1_000),
  /** Time points kept per series (the horizon is bucketed to at most this many). */
  seriesPoints: integer(2, 10_000).default(240),
});

export const ScenarioSchema = z.strictObject({
  /** Short name; used as the report folder name. Letters, digits, '-', '_' and '.'. */
  name: z
    .string()
    .min(1)
    .max(80)
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only')
    .default('scenario'),
  description: z.string().max(2000).default(''),
  seed: integer(0, 2 ** 32 - 1).default(1),
  paths: integer(1, 10_000_000).default(1_000),
  stepSeconds: positive().max(86_400 * 365).default(60),
  horizonSteps: integer(1, 10_000_000).default(1_440),
  market: MarketSchema.prefault({}),
  traders: TradersSchema.prefault({}),
  policy: PolicySchema.prefault({}),
  output: OutputSchema.prefault({}),
  /** Optional study blocks read by `sweep`, `calibrate` and `compare` (src/scenario/study.ts); the engine ignores them. */
  sweep: SweepSchema.optional(),
  calibrate: CalibrateSchema.optional(),
  variants: VariantsSchema.optional(),
});

export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Scenario = z.output<typeof ScenarioSchema>;
export type PriceModelConfig = Scenario['market']['priceModel'];
export type ImpactConfig = Scenario['market']['impact'];
export type MaintenanceConfig = Scenario['policy']['maintenance'];
export type TradersConfig = Scenario['traders'];
