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
export type VariantConfig = z.output<typeof VariantSchema>;
