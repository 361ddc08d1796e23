/**
 * The shape of a `results.json` (docs/results.md) as `marginlab report` reads it: every field the
 * report uses, with its JSON type, and the cross-field facts it relies on (per-path columns one entry
 * per path, band and series arrays as long as their `steps`, histogram counts as long as their bins).
 * A file that passes renders; one that does not is a one-line error naming the field, never a crash.
 * Objects are loose: fields a later version adds are kept, not refused.
 */
import { z } from 'zod';
import { PATH_FIELD_LIST, type NamedField } from '../engine/fields.js';

const num = z.number();
const count = z.number().int().nonnegative();
const nums = z.array(num);

/** An estimate; `level`, `tail`, `effectivePaths`, `note` and open (null) limits came with issue 10, so files written before it still read. */
const EstimateSchema = z.looseObject({
  estimate: num,
  lower: num.nullable(),
  upper: num.nullable(),
  standardError: num.nullable(),
  n: count,
  method: z.string(),
  level: num.optional(),
  tail: z.looseObject({ paths: count, nonZero: count, minimum: count, thin: z.boolean(), pathsNeeded: count.nullable() }).optional(),
  effectivePaths: num.optional(),
  note: z.string().max(500).optional(),
});

const DecompositionSchema = z.looseObject({
  bookMeans: nums,
  pathsPerBook: z.array(count),
  withinBookVariance: num,
  betweenBookVariance: num,
  shareFromBooks: num,
  designEffect: num,
});

const DistributionSchema = z.looseObject({
  mean: EstimateSchema,
  quantiles: z.record(z.string(), num),
  min: num,
  max: num,
});

const StageSchema = z.looseObject({ mean: EstimateSchema, shareOfShortfall: num, pathsPaying: count, quantilesGivenShortfall: z.record(z.string(), num), max: num });

/** aggregates.lossWaterfall (absent from results.json files written before it existed). */
const LossWaterfallSchema = z.looseObject({
  pathsWithShortfall: count,
  liquidationFeesUsd: z.looseObject({ mean: EstimateSchema, max: num }),
  shortfallUsd: z.looseObject({ mean: EstimateSchema, quantilesGivenShortfall: z.record(z.string(), num), max: num }),
  stages: z.looseObject({ backstopCoveredUsd: StageSchema, fundPaidUsd: StageSchema, adlProfitTakenUsd: StageSchema, socialisedLossUsd: StageSchema, badDebtUsd: StageSchema }),
});

const AggregatesSchema = z.looseObject({
  paths: z.number().int().min(1),
  traders: count,
  sampling: z
    .looseObject({
      design: z.enum(['plain', 'importance', 'books', 'importance+books']),
      books: z.number().int().min(1),
      pathsPerBook: count.nullable(),
      marketStates: z.enum(['averaged over books', 'conditioned on one book']).optional(),
      effectiveSampleSize: num,
      likelihoodRatio: z.looseObject({ mean: num, min: num, max: num }).optional(),
    })
    .optional(),
  bookVariance: z
    .looseObject({
      books: z.number().int().min(2),
      pathsPerBook: z.number().int().min(1),
      badDebtUsd: DecompositionSchema,
      probBadDebt: DecompositionSchema,
      liquidatedNotionalUsd: DecompositionSchema,
      fractionTradersLiquidated: DecompositionSchema,
    })
    .optional(),
  badDebtUsd: DistributionSchema.extend({
    var95: EstimateSchema,
    var99: EstimateSchema,
    var999: EstimateSchema,
    es95: EstimateSchema,
    es99: EstimateSchema,
    es999: EstimateSchema,
  }),
  probBadDebt: EstimateSchema,
  probFundExhausted: EstimateSchema,
  liquidationCount: DistributionSchema,
  liquidatedNotionalUsd: DistributionSchema,
  liquidatedLongNotionalUsd: DistributionSchema,
  liquidatedShortNotionalUsd: DistributionSchema,
  fractionTradersLiquidated: DistributionSchema,
  fundPaidUsd: DistributionSchema,
  fundEndUsd: DistributionSchema,
  largestCascade: z.looseObject({
    accounts: DistributionSchema,
    notionalUsd: DistributionSchema,
    generations: DistributionSchema,
    impactLog: DistributionSchema,
  }),
  cascadesPerPath: DistributionSchema,
  maxDrawdownExogenous: DistributionSchema,
  maxDrawdownRealised: DistributionSchema,
  extraDrawdown: DistributionSchema,
  stopLossCount: DistributionSchema,
  topUpCount: DistributionSchema,
  topUpUsd: DistributionSchema,
  lossWaterfall: LossWaterfallSchema.optional(),
});

const BandSchema = z.looseObject({ p05: nums, p25: nums, p50: nums, p75: nums, p95: nums, mean: nums });
const BAND_KEYS = ['fundamentalUsd', 'markUsd', 'liquidatedLongUsd', 'liquidatedShortUsd', 'cumulativeLiquidatedUsd', 'openInterestUsd', 'insuranceFundUsd'] as const;

const SeriesSchema = z
  .looseObject({
    samplePaths: z.number().int().min(1),
    steps: nums.min(1),
    ...Object.fromEntries(BAND_KEYS.map((k) => [k, BandSchema])),
  })
  .superRefine((s, ctx) => {
    const T = s.steps.length;
    for (const k of BAND_KEYS) {
      const b = s[k] as z.output<typeof BandSchema>;
      for (const q of ['p05', 'p25', 'p50', 'p75', 'p95', 'mean'] as const) {
        if (b[q].length !== T) ctx.addIssue({ code: 'custom', path: [k, q], message: `must have one value per entry of series.steps (${T}), has ${b[q].length}` });
      }
    }
  });

/** Per-path fields the report needs (a summary in the drill-down, a column in `paths`): the registry's `report: 'required'` (src/engine/fields.ts). */
const REQUIRED_FIELDS = PATH_FIELD_LIST.filter((f) => f.report === 'required');

/**
 * A per-path column of results.json by the field's kind in the registry. Fields the report reads
 * (`report` set) must hold numbers (booleans for a flag); the others are written and kept as they are
 * (a value the engine could not represent, NaN, reads back as null).
 */
function columnSchema(f: NamedField) {
  const value = f.kind === 'flag' ? z.boolean() : f.report ? num : num.nullable();
  const column = z.array(f.perMarket ? z.array(value) : value);
  return f.report === 'required' ? column : column.optional();
}

const SummarySchema = z.looseObject(Object.fromEntries(REQUIRED_FIELDS.filter((f) => f.name !== 'pathIndex').map((f) => [f.name, num])));

const DRILL_SERIES = ['fundamentalUsd', 'markUsd', 'liquidatedLongUsd', 'liquidatedShortUsd', 'openInterestUsd', 'insuranceFundUsd'] as const;

const DrilldownSchema = z.looseObject({
  pathIndex: count,
  label: z.string().max(100),
  summary: SummarySchema,
  series: z
    .looseObject({
      steps: nums.min(1),
      ...Object.fromEntries(DRILL_SERIES.map((k) => [k, nums])),
      liquidatedByGenerationUsd: nums,
      liquidatedByGenerationClassUsd: z.array(nums).optional(),
    })
    .superRefine((s, ctx) => {
      const T = s.steps.length;
      for (const k of DRILL_SERIES) {
        const a = s[k] as number[];
        if (a.length !== T) ctx.addIssue({ code: 'custom', path: [k], message: `must have one value per entry of steps (${T}), has ${a.length}` });
      }
      (s.liquidatedByGenerationClassUsd ?? []).forEach((a, c) => {
        if (a.length !== T) ctx.addIssue({ code: 'custom', path: ['liquidatedByGenerationClassUsd', c], message: `must have one value per entry of steps (${T}), has ${a.length}` });
      });
    }),
});

const BookHealthSchema = z
  .looseObject({
    priceMove: nums,
    longNotionalUsd: nums,
    shortNotionalUsd: nums,
    withinMove: z.array(z.looseObject({ move: num, shareOfOpenInterest: num, accounts: count })).max(100),
    distance: z
      .array(z.looseObject({ side: z.enum(['long', 'short', 'mixed']), leverage: z.string().max(20), accounts: count, notionalUsd: num, p10: num, p25: num, p50: num, p75: num, p90: num }))
      .max(100),
    farAccounts: count,
  })
  .refine((h) => h.longNotionalUsd.length === h.priceMove.length && h.shortNotionalUsd.length === h.priceMove.length, {
    message: 'must have one entry per entry of priceMove',
    path: ['longNotionalUsd'],
  });

const HistogramSchema = z
  .looseObject({ lowerBound: nums, count: z.array(count) })
  .refine((h) => h.lowerBound.length === h.count.length, { message: 'must have one entry per entry of lowerBound', path: ['count'] });

export const ResultsFileSchema = z
  .looseObject({
    format: z.string(),
    marginlabVersion: z.string(),
    seed: count,
    scenario: z.looseObject({}),
    run: z.looseObject({ workers: count, elapsedMs: z.number().nonnegative(), startedAt: z.string().max(100) }),
    population: z.looseObject({
      traders: count,
      positions: count.optional(),
      longs: count,
      shorts: count,
      crossMargin: count,
      meanLeverage: num,
      cappedByInitialMargin: count,
      depositsUsd: num,
      openInterestUsd: num,
      openInterestByMarketUsd: nums.optional(),
      warmup: z.looseObject({ steps: count, liquidated: count, stoppedOut: count, tookProfit: count, toppedUp: count.optional(), meanAgeSteps: num }).optional(),
      bookHealth: BookHealthSchema.optional(),
    }),
    aggregates: AggregatesSchema,
    cascadeHistograms: z.looseObject({
      accounts: HistogramSchema,
      notionalUsd: HistogramSchema,
      generations: z
        .looseObject({ generations: nums, count: z.array(count) })
        .refine((h) => h.generations.length === h.count.length, { message: 'must have one entry per entry of generations', path: ['count'] }),
    }),
    series: SeriesSchema.nullable(),
    drilldown: z.array(DrilldownSchema).max(1000),
    warnings: z.array(z.string().max(1000)).max(100).optional(),
    // a run to a stated precision (issue 23 item 4): what the verdict's precision sentence reads
    precision: z
      .looseObject({
        relativeHalfWidth: num,
        maxPaths: count,
        maxSeconds: num,
        met: z.boolean(),
        stoppedBy: z.enum(['target', 'paths', 'time']),
        finalPaths: count,
        simulatedPaths: count,
        elapsedMs: z.number().nonnegative(),
        stages: z.array(z.looseObject({ paths: count, simulatedPaths: count, elapsedMs: z.number().nonnegative() })).max(10_000),
        figures: z.array(z.looseObject({ key: z.string().max(100), label: z.string().max(200), status: z.enum(['met', 'zero', 'thin', 'wide']), relativeHalfWidth: num.nullable() })).max(100),
      })
      .optional(),
    byMarket: z.array(z.looseObject({ name: z.string().max(100), meanLiquidatedNotionalUsd: num, meanLiquidatedPositions: num })).max(16).optional(),
    // one column per registered per-path field; those the report reads only when present (the loss
    // waterfall's, the what-if panel's) are optional, as older files lack some
    paths: z.looseObject(Object.fromEntries(PATH_FIELD_LIST.map((f) => [f.name, columnSchema(f)]))),
  })
  .superRefine((r, ctx) => {
    const n = r.aggregates.paths;
    for (const [k, v] of Object.entries(r.paths)) {
      if (Array.isArray(v) && v.length !== n) ctx.addIssue({ code: 'custom', path: ['paths', k], message: `must have one entry per path (aggregates.paths = ${n}), has ${v.length}` });
    }
  });
