/**
 * The library's main entry: `runScenario(scenario, options)` runs the Monte Carlo and returns the
 * results object that `results.json` holds (docs/results.md). The CLI is a thin layer over this.
 */
import type { Scenario, ScenarioInput } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import { parseScenario } from '../scenario/load.js';
import { portableScenario } from '../scenario/data-files.js';
import { runPaths, runPathsSerial, type RunPathsOptions } from '../mc/runner.js';
import { aggregateTable, seriesBands, type Aggregates, type SeriesBands } from '../stats/aggregate.js';
import { columnNames, PathTable } from '../mc/table.js';
import { pathField } from '../engine/fields.js';
import type { Estimate } from '../stats/ci.js';
import type { PathHistograms, PathSeries, PathSummary } from '../engine/path.js';
import { CASCADE_ACCOUNT_BINS, CASCADE_GENERATION_BINS, CASCADE_NOTIONAL_BINS } from '../engine/path.js';
import type { RunContext } from '../engine/context.js';
import { resolveSampling, runContextFor } from '../mc/chunk.js';
import { sharedStream } from '../rng/streams.js';
import { VERSION } from '../version.js';
import { bookHealth, type BookHealth } from './book-health.js';
import type { WarmupSummary } from '../agents/seasoning.js';

export const RESULTS_FORMAT = 'marginlab.results/1';

export interface RunOptions extends Pick<RunPathsOptions, 'workers' | 'onProgress' | 'chunkSize'> {
  /** Re-run and store the full series of a few notable paths (worst, median, best, random). Default true. */
  drilldown?: boolean;
  /** How many worst paths the drill-down keeps. Default 5. */
  drilldownWorst?: number;
}

export interface DrilldownPath {
  pathIndex: number;
  /** Why it was kept: worst-1 … worst-k, median, best, random-1 … */
  label: string;
  summary: PathSummary;
  series: {
    steps: number[];
    fundamentalUsd: number[];
    markUsd: number[];
    liquidatedLongUsd: number[];
    liquidatedShortUsd: number[];
    openInterestUsd: number[];
    insuranceFundUsd: number[];
    liquidatedByGenerationUsd: number[];
    /** [c][k]: notional liquidated in generation class c (1, 2, 3, 4+) during the interval ending at point k. */
    liquidatedByGenerationClassUsd: number[][];
  };
}

export interface Results {
  format: typeof RESULTS_FORMAT;
  marginlabVersion: string;
  seed: number;
  /** The resolved scenario as run, data files shown by their path relative to the scenario's folder (never an absolute local path). */
  scenario: Scenario;
  run: { workers: number; elapsedMs: number; startedAt: string };
  population: BookDescription;
  aggregates: Aggregates;
  cascadeHistograms: {
    accounts: { lowerBound: number[]; count: number[] };
    notionalUsd: { lowerBound: number[]; count: number[] };
    generations: { generations: number[]; count: number[] };
  };
  series: SeriesBands | null;
  drilldown: DrilldownPath[];
  /** Per market, in the order [market, ...otherMarkets]: its name and the mean per path of its liquidations. */
  byMarket?: { name: string; meanLiquidatedNotionalUsd: number; meanLiquidatedPositions: number }[];
  /** Conditions the reader must know about (e.g. paths that stopped early); empty when there are none. */
  warnings?: string[];
  /** Per-path records, column by column (index k of every array is path k). */
  paths: { [K in keyof PathSummary]: PathSummary[K][] };
}

/** Rounds a per-path value for results.json: USD fields to cents, other reals to 10 significant digits (compact JSON). */
export function roundPathValue(v: number, usd: boolean): number {
  if (Number.isInteger(v)) return v;
  return usd ? Math.round(v * 100) / 100 : Number(v.toPrecision(10));
}

/** Per-path columns; USD fields rounded to cents and other reals to 10 significant digits (compact JSON). */
function pathColumns(t: PathTable): Results['paths'] {
  const out = {} as Record<string, unknown[]>;
  for (const f of t.fields) {
    const usd = pathField(f.key)?.unit === 'USD';
    if (f.width === undefined) {
      const c = t.col(f.key);
      out[f.key] = f.kind === 'bool' ? Array.from(c, (v) => v !== 0) : Array.from(c, (v) => roundPathValue(v, usd));
    } else {
      const cs = columnNames(f).map((name) => t.col(name));
      out[f.key] = Array.from({ length: t.n }, (_, i) => cs.map((c) => roundPathValue(c[i], usd)));
    }
  }
  return out as Results['paths'];
}

/** A path's series as plain arrays (the drill-down shape in results.json). */
export function plainSeries(s: PathSeries): DrilldownPath['series'] {
  let lastGen = 0;
  s.liquidatedByGenerationUsd.forEach((v, g) => {
    if (v > 0) lastGen = g;
  });
  return {
    steps: Array.from(s.steps),
    fundamentalUsd: Array.from(s.fundamentalUsd),
    markUsd: Array.from(s.markUsd),
    liquidatedLongUsd: Array.from(s.liquidatedLongUsd),
    liquidatedShortUsd: Array.from(s.liquidatedShortUsd),
    openInterestUsd: Array.from(s.openInterestUsd),
    insuranceFundUsd: Array.from(s.insuranceFundUsd),
    liquidatedByGenerationUsd: Array.from(s.liquidatedByGenerationUsd.subarray(0, lastGen + 1)),
    liquidatedByGenerationClassUsd: s.liquidatedByGenerationClassUsd.map((a) => Array.from(a)),
  };
}

/** Picks the drill-down paths of per-path records in columns (paths 0 … n − 1): worst k by (bad debt, liquidated notional), median, best, random. */
function pickDrilldownOf(t: PathTable, seed: number, worst: number): { pathIndex: number; label: string }[] {
  const badDebt = t.col('badDebtUsd');
  const notional = t.col('liquidatedNotionalUsd');
  const order = Array.from(t.col('pathIndex')).sort((a, b) => badDebt[b] - badDebt[a] || notional[b] - notional[a] || a - b);
  const picked: { pathIndex: number; label: string }[] = [];
  const seen = new Set<number>();
  const add = (p: number | undefined, label: string) => {
    if (p === undefined || seen.has(p)) return;
    seen.add(p);
    picked.push({ pathIndex: p, label });
  };
  for (let k = 0; k < Math.min(worst, order.length); k++) add(order[k], `worst-${k + 1}`);
  add(order[Math.floor(order.length / 2)], 'median');
  add(order[order.length - 1], 'best');
  const rng = sharedStream(seed, 'drilldown');
  for (let k = 0; k < 3 && seen.size < order.length; k++) {
    let p: number;
    do p = Math.floor(rng() * order.length);
    while (seen.has(p));
    add(p, `random-${k + 1}`);
  }
  return picked;
}

/** The opening book in a few numbers (results.json `population`). */
export interface BookDescription {
  /** Accounts in the opening book (arrivals during a path are counted per path). */
  traders: number;
  /** Positions: one per isolated account, one per market traded by a cross account. */
  positions: number;
  longs: number;
  shorts: number;
  crossMargin: number;
  meanLeverage: number;
  cappedByInitialMargin: number;
  depositsUsd: number;
  openInterestUsd: number;
  /** Open interest per market, in the order [market, ...otherMarkets]. */
  openInterestByMarketUsd: number[];
  /** How the warm-up seasoned the book (absent with `traders.warmup: none`). */
  warmup?: WarmupSummary;
  /** How fragile the opening book is: distance to liquidation and the liquidation map (src/api/book-health.ts). */
  bookHealth?: BookHealth;
}

function describeBook(ctx: RunContext): BookDescription {
  const pop = ctx.population;
  const sc = ctx.scenario;
  const prices = [sc.market, ...sc.otherMarkets].map((m) => m.initialPriceUsd);
  const byMarket = prices.map(() => 0);
  let longs = 0;
  for (let p = 0; p < pop.positions; p++) {
    if (pop.posSide[p] === 1) longs++;
    byMarket[pop.posMarket[p]] += pop.posSize[p] * prices[pop.posMarket[p]];
  }
  let cross = 0;
  let lev = 0;
  for (let a = 0; a < pop.accounts; a++) {
    cross += pop.acctCross[a];
    lev += pop.acctLeverage[a];
  }
  return {
    traders: pop.accounts,
    positions: pop.positions,
    longs,
    shorts: pop.positions - longs,
    crossMargin: cross,
    meanLeverage: lev / pop.accounts,
    cappedByInitialMargin: pop.cappedByInitialMargin,
    depositsUsd: pop.depositsCents / 100,
    openInterestUsd: byMarket.reduce((x, y) => x + y, 0),
    openInterestByMarketUsd: byMarket,
    ...(pop.warmup ? { warmup: pop.warmup } : {}),
    bookHealth: bookHealth(ctx),
  };
}

/**
 * Runs a scenario (an already-resolved `Scenario`, or any input the schema accepts) and returns its
 * results. Deterministic: the same scenario gives the same results for any worker count.
 */
export async function runScenario(input: Scenario | ScenarioInput, options: RunOptions = {}): Promise<Results> {
  return (await runScenarioRecords(input, options)).results;
}

/** `runScenario`, also returning the per-path records at full precision (for the Parquet and CSV exports). */
export async function runScenarioRecords(
  input: Scenario | ScenarioInput,
  options: RunOptions = {},
): Promise<{ results: Results; table: PathTable; /** Every sampled path's series (paths below output.seriesSamplePaths), in path order. */ series: { pathIndex: number; series: PathSeries }[] }> {
  // importance sampling with an automatic shift: resolved once, and recorded in results.scenario
  const scenario = resolveSampling(parseScenario(input));
  const startedAt = new Date().toISOString();
  const mc = await runPaths(scenario, options);
  const table = PathTable.fromSummaries(mc.summaries);
  const results = resultsOf(scenario, portableScenario(scenario), { table, histograms: mc.histograms, series: mc.series, workers: mc.workers, elapsedMs: mc.elapsedMs, startedAt }, options);
  return { results, table, series: mc.series };
}

/** Everything a run's results are built from: every path's record (paths 0 … P − 1, in order), the summed histograms, the sampled series. */
export interface PathRuns {
  table: PathTable;
  histograms: PathHistograms;
  /** Series of the sampled paths, in path order. */
  series: { pathIndex: number; series: PathSeries }[];
  workers: number;
  elapsedMs: number;
  startedAt: string;
}

/**
 * The results of a run from its paths' records, however they were computed (one process, merged
 * shards, a fleet): the same records give the same results, byte for byte, apart from `run`.
 * `scenario` is the resolved scenario as run, `shown` the form results.json records.
 */
export function resultsOf(scenario: Scenario, shown: Scenario, runs: PathRuns, options: Pick<RunOptions, 'drilldown' | 'drilldownWorst'> = {}): Results {
  const lean = leanResultsOf(scenario, shown, runs, options);
  const { warnings, ...rest } = lean;
  const results: Results = { ...rest, paths: pathColumns(runs.table), warnings };
  assertFinite(results.paths, 'results.paths');
  return results;
}

/** Results without the inline per-path columns (`paths`): for runs too large to hold them as JSON; paths.parquet and paths.csv hold them. */
export type LeanResults = Omit<Results, 'paths'>;

/** `resultsOf` without `paths`: every other field the same. */
export function leanResultsOf(scenario: Scenario, shown: Scenario, runs: PathRuns, options: Pick<RunOptions, 'drilldown' | 'drilldownWorst'> = {}): LeanResults {
  const t = runs.table;
  if (t.n !== scenario.paths || t.col('pathIndex')[0] !== 0) throw new Error(`internal error: results need paths 0 … ${scenario.paths - 1}, got ${t.n} paths`);
  const ctx = runContextFor(scenario); // this thread's cached context (the book is drawn once)
  const pop = ctx.population;
  const book = describeBook(ctx);
  const perBook = pathsPerBookOf(scenario);
  const drilldown: DrilldownPath[] = [];
  if (options.drilldown !== false) {
    const picks = pickDrilldownOf(t, scenario.seed, options.drilldownWorst ?? 5);
    const reruns = runPathsSerial(scenario, picks.map((p) => p.pathIndex));
    picks.forEach((p, k) => drilldown.push({ pathIndex: p.pathIndex, label: p.label, summary: reruns[k].summary, series: plainSeries(reruns[k].series) }));
  }
  const h = runs.histograms;
  const lr = t.has('likelihoodRatio') ? t.col('likelihoodRatio') : undefined;
  const results: LeanResults = {
    format: RESULTS_FORMAT,
    marginlabVersion: VERSION,
    seed: scenario.seed,
    scenario: shown,
    run: { workers: runs.workers, elapsedMs: Math.round(runs.elapsedMs), startedAt: runs.startedAt },
    population: book,
    aggregates: aggregateTable(t, pop.accounts, { pathsPerBook: perBook }),
    cascadeHistograms: {
      accounts: { lowerBound: Array.from({ length: CASCADE_ACCOUNT_BINS }, (_, b) => 2 ** b), count: Array.from(h.cascadeAccounts) },
      notionalUsd: { lowerBound: Array.from({ length: CASCADE_NOTIONAL_BINS }, (_, b) => 10 ** (2 + b / 4)), count: Array.from(h.cascadeNotional) },
      generations: { generations: Array.from({ length: CASCADE_GENERATION_BINS }, (_, g) => g + 1), count: Array.from(h.cascadeGenerations) },
    },
    series: seriesBands(runs.series, scenario.sampling?.importance ? (k) => lr?.[k] ?? 1 : undefined),
    drilldown,
    byMarket: byMarket(scenario, t),
    warnings: runWarningsOf(t),
  };
  assertFinite(results, 'results');
  return results;
}

/** Per-market means over the paths (summed in path order, so the same for any worker count). */
function byMarket(sc: Scenario, t: PathTable): NonNullable<Results['byMarket']> {
  return [sc.market, ...sc.otherMarkets].map((mk, m) => {
    const usdCol = t.col(`liquidatedNotionalByMarketUsd_${m}`);
    const nCol = t.col(`liquidatedPositionsByMarket_${m}`);
    let usd = 0;
    let n = 0;
    for (let i = 0; i < t.n; i++) {
      usd += usdCol[i];
      n += nCol[i];
    }
    return { name: mk.name, meanLiquidatedNotionalUsd: Math.round((100 * usd) / t.n) / 100, meanLiquidatedPositions: n / t.n };
  });
}

const HALT_WORDS = ['', 'an index price rose a millionfold or fell a trillionfold from its start', 'a booking left the ledger’s exact range (cents beyond 2^53)', 'a market’s state was not a finite number'];

/** What the reader must know about a run's paths: those that stopped early, and why. */
function runWarningsOf(t: PathTable): string[] {
  const out: string[] = [];
  const byReason = new Map<number, { count: number; first: number }>();
  const reason = t.col('haltReason');
  const idx = t.col('pathIndex');
  for (let i = 0; i < t.n; i++) {
    if (reason[i] > 0) {
      const r = byReason.get(reason[i]);
      if (r) r.count++;
      else byReason.set(reason[i], { count: 1, first: idx[i] });
    }
  }
  for (const [r, { count, first }] of byReason) {
    out.push(
      `${count} of ${t.n} paths stopped early because ${HALT_WORDS[r] ?? 'of an unknown condition'} (first: path ${first}); their figures cover the steps up to that point`,
    );
  }
  return out;
}

/** Every number written must be finite: a NaN or ±Infinity in results is an engine fault, never data. */
function assertFinite(x: unknown, where: string): void {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Error(`internal error: ${where} is ${x} — every number in results must be finite`);
  } else if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) assertFinite(x[i], `${where}[${i}]`);
  } else if (x && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) assertFinite(v, `${where}.${k}`);
  }
}

/** The aggregate summary printed by `--json`: headline numbers with their intervals and the paths each rests on. */
export function summaryOf(r: Results) {
  const a = r.aggregates;
  return {
    scenario: r.scenario.name,
    seed: r.seed,
    paths: a.paths,
    traders: a.traders,
    marginlabVersion: r.marginlabVersion,
    sampling: a.sampling,
    meanBadDebtUsd: a.badDebtUsd.mean,
    probBadDebt: a.probBadDebt,
    badDebtVar95Usd: a.badDebtUsd.var95,
    badDebtVar99Usd: a.badDebtUsd.var99,
    badDebtEs95Usd: a.badDebtUsd.es95,
    badDebtEs99Usd: a.badDebtUsd.es99,
    probFundExhausted: a.probFundExhausted,
    meanFractionTradersLiquidated: a.fractionTradersLiquidated.mean,
    liquidationCount: a.liquidationCount,
    liquidatedNotionalUsd: a.liquidatedNotionalUsd,
    largestCascade: a.largestCascade,
    ...(a.bookVariance ? { bookVariance: a.bookVariance } : {}),
  };
}

