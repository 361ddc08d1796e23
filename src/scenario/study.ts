/**
 * Optional study blocks of a scenario file: `sweep:` (a grid over one to six numeric fields),
 * `calibrate:` (search one field for the most capital-efficient value that meets a risk target) and
 * `variants:` (named policies compared on the same shocks). The engine ignores them; the `sweep`,
 * `calibrate` and `compare` commands read them (docs/calibration.md). Command-line flags override them.
 *
 * Only the shape is checked here; parameter paths, metrics and each resulting scenario are checked
 * by the commands against the resolved scenario (src/sweep/), with messages that list what is allowed.
 */
import { z } from 'zod';

/** A dotted path to a numeric scenario field, e.g. `policy.maintenance.mmr` or `policy.maintenance.tiers[1].mmr`. */
const paramPath = () =>
  z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\.\d+)*$/, 'expected a dotted field path such as policy.maintenance.mmr');

const SweepParamSchema = z.strictObject({
  /** Dotted path of the numeric field to vary. */
  path: paramPath(),
  /** The values to try, in order (give either `values` or `start`/`stop`/`step`). */
  values: z.array(z.number().finite()).min(1).max(1000).optional(),
  /** First value of an evenly spaced range (inclusive). */
  start: z.number().finite().optional(),
  /** Last value of the range (inclusive when it falls on the grid). */
  stop: z.number().finite().optional(),
  /** Spacing of the range (> 0). */
  step: z.number().finite().positive().optional(),
});

export const SweepSchema = z.strictObject({
  /** One to six parameters; two or more make a grid (every combination, at most 2,500 points). */
  params: z.array(SweepParamSchema).min(1).max(6),
  /** Paths per point (default: the scenario's `paths`). Every point uses path indices 0 … paths − 1. */
  paths: z.number().int().min(1).max(10_000_000).optional(),
});

export const CalibrateSchema = z.strictObject({
  /** Dotted path of the numeric field to calibrate. */
  param: paramPath(),
  /** Search interval [lo, hi] (lo < hi). */
  range: z.tuple([z.number().finite(), z.number().finite()]),
  /** Risk target, e.g. "badDebtUsd.var99 <= 50000" or "probBadDebt <= 1%". */
  target: z.string().min(3).max(200),
  /** One-sided confidence with which the target must be met. */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /**
   * Which end of the range is more capital-efficient (preferred when the target allows it):
   * low for thresholds and fund sizes, high for max leverage. Default: high for `*.maxLeverage`, else low.
   */
  prefer: z.enum(['low', 'high']).optional(),
  /** Paths at a newly evaluated value (default: the scenario's `paths`). */
  initialPaths: z.number().int().min(10).max(10_000_000).optional(),
  /** Paths are doubled at an undecided value up to this many (default 16 × initialPaths). */
  maxPathsPerPoint: z.number().int().min(10).max(100_000_000).optional(),
  /** Total paths the whole calibration may spend (default 100 × initialPaths). */
  pathBudget: z.number().int().min(10).max(1_000_000_000).optional(),
  /** Stop when the bracket around the boundary is this narrow (default (hi − lo) / 100). */
  tolerance: z.number().finite().positive().optional(),
  /** Evenly spaced values evaluated before bisection, both ends included (≥ 2). */
  gridPoints: z.number().int().min(2).max(101).default(5),
});

/** One lever of `recommend:`: a numeric field of every market's rules, and the range it may move in. */
const RecommendLeverSchema = z.strictObject({
  /** Dotted path inside a market, e.g. `policy.maintenance.mmr`, `policy.maxLeverage`, `policy.liquidation.feeRate`. */
  param: paramPath(),
  /** [lo, hi], lo < hi. */
  range: z.tuple([z.number().finite(), z.number().finite()]),
  /** Which end is more capital-efficient. Default: high for `maxLeverage`, else low. */
  prefer: z.enum(['low', 'high']).optional(),
});

/**
 * `recommend:` — every market's rules and the fund, searched together for the most capital-efficient
 * set that meets a target per market and one for the venue on every scenario named (docs/recommend.md).
 */
export const RecommendSchema = z.strictObject({
  markets: z.strictObject({
    /** Each market's target, on that market's own bad debt or liquidations, e.g. "probBadDebt <= 0.5%". */
    target: z.string().min(3).max(200),
    /** Levers moved together on each market's one dial (from their safe ends to their efficient ends). */
    levers: z.array(RecommendLeverSchema).min(1).max(4),
    /** Markets searched (names); default every market. The others keep their rules. */
    only: z.array(z.string().min(1).max(40)).min(1).max(16).optional(),
    /** Stop bisecting a market's dial when its bracket is this narrow (a fraction of the dial, default 1/32). */
    tolerance: z.number().gt(0).lt(1).default(1 / 32),
  }),
  venue: z
    .strictObject({
      /** The venue's target on the whole book, e.g. "probFundExhausted <= 1%". */
      target: z.string().min(3).max(200),
      /** The fund lever: a numeric field (default the scenario's fund, `policy.insuranceFund.initialUsd`) and its range. */
      fund: z
        .strictObject({
          param: paramPath().default('policy.insuranceFund.initialUsd'),
          range: z.tuple([z.number().finite(), z.number().finite()]),
          /** Stop bisecting the fund when its bracket is this narrow (default (hi − lo)/16). */
          tolerance: z.number().finite().positive().optional(),
        })
        .optional(),
    })
    .optional(),
  /** Further scenario files (relative to this file) the recommendation must also hold on. */
  also: z.array(z.string().min(1).max(500)).max(8).default([]),
  /** Overall one-sided confidence that the recommended set meets every target on every scenario. */
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  /** Paths at a newly evaluated point of each scenario (default: the scenario's `paths`). */
  initialPaths: z.number().int().min(10).max(10_000_000).optional(),
  /** Paths are doubled at a point while a decision it serves is undecided, up to this many (default 8 × initialPaths). */
  maxPathsPerPoint: z.number().int().min(10).max(100_000_000).optional(),
  /** Total paths the search may spend, over every scenario (default 400 × initialPaths). */
  pathBudget: z.number().int().min(10).max(1_000_000_000).optional(),
});

const VariantSchema = z.strictObject({
  /** Short name shown in tables and charts. */
  name: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only'),
  description: z.string().max(500).default(''),
  /**
   * Fields that differ from the scenario, as a nested patch: objects merge field by field, values and
   * lists replace, and an object with a different `kind` replaces the whole object. `{}` = the scenario as is.
   */
  override: z.record(z.string(), z.unknown()).default({}),
});

export const VariantsSchema = z.array(VariantSchema).min(2).max(12);

export type SweepConfig = z.output<typeof SweepSchema>;
export type CalibrateConfig = z.output<typeof CalibrateSchema>;
export type RecommendConfig = z.output<typeof RecommendSchema>;
export type VariantConfig = z.output<typeof VariantSchema>;
