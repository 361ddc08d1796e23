/**
 * The library's main entry: `runScenario(scenario, options)` runs the Monte Carlo and returns the
 * results object that `results.json` holds (docs/results.md). The CLI is a thin layer over this.
 */
import { UserError } from '../errors.js';
import type { Scenario, ScenarioInput } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import { parseScenario } from '../scenario/load.js';
import { portableScenario } from '../scenario/data-files.js';
import { checkPathsInProcess, createWorkerPool, defaultWorkers, runPaths, runPathsSerial, type RunPathsOptions } from '../mc/runner.js';
import { checkPrecision, type FigurePrecision } from '../stats/precision.js';
import { addHistograms, emptyHistograms } from '../mc/chunk.js';
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
  /** With `sampling.precision`: called after each batch with what it found (the CLI prints one line per batch). */
  onPrecisionStage?: (stage: PrecisionStage, check: ReturnType<typeof checkPrecision>) => void;
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
  /** A run to a stated precision (`sampling.precision`): the target, whether it was met, and each batch. */
  precision?: PrecisionRecord;
  /** Per-path records, column by column (index k of every array is path k). */
  paths: { [K in keyof PathSummary]: PathSummary[K][] };
}

/** One batch of a run to a stated precision. */
export interface PrecisionStage {
  /** The run's path count after the batch. */
  paths: number;
  /** Paths simulated in the batch: the new ones, or all of them when the book blocks moved (`sampling.pathsPerBook: auto`). */
  simulatedPaths: number;
  /** Wall time of the batch's simulation, ms. */
  elapsedMs: number;
}

/** results.json `precision`: what a run to a stated precision was asked and what it reached. */
export interface PrecisionRecord {
  /** The target relative half-width of every headline figure's 95% interval. */
  relativeHalfWidth: number;
  maxPaths: number;
  maxSeconds: number;
  /** True when every headline figure is within the target and none is thin. */
  met: boolean;
  /** Why the run stopped: the target met, the path budget or the time budget. */
  stoppedBy: 'target' | 'paths' | 'time';
  /** The run's path count: the result is the plain run of this many paths, byte for byte. */
  finalPaths: number;
  /** Paths simulated in all (more than finalPaths when book blocks moved between batches). */
  simulatedPaths: number;
  /** Simulation time of every batch together, ms. */
  elapsedMs: number;
  stages: PrecisionStage[];
  /** Each headline figure at the final count: its relative half-width and status (src/stats/precision.ts). */
  figures: FigurePrecision[];
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
  if (scenario.sampling.precision) {
    checkPathsInProcess(scenario.sampling.precision.maxPaths, 'sampling.precision.maxPaths');
    return runToPrecision(scenario, options);
  }
  // inline per-path columns (JSON arrays, then text) cost several times the table: refused before simulating
  checkPathsInProcess(scenario.paths);
  const runs = await runRecords(scenario, options);
  return { results: resultsOf(scenario, portableScenario(scenario), runs, options), table: runs.table, series: runs.series };
}

/**
 * `runScenarioRecords` without the per-path columns inline in the results (`run --no-inline-paths`): for runs of
 * up to MAX_PATHS_AS_COLUMNS paths, whose records are held only as the table (about 600 bytes a path).
 */
export async function runScenarioLean(input: Scenario | ScenarioInput, options: RunOptions = {}): Promise<{ results: LeanResults; table: PathTable; series: PathRuns['series'] }> {
  const scenario = resolveSampling(parseScenario(input));
  if (scenario.sampling.precision) throw new UserError('sampling.precision: a run to a stated precision keeps its per-path columns in results.json — drop --no-inline-paths (or the precision target)');
  const runs = await runRecords(scenario, options);
  return { results: leanResultsOf(scenario, portableScenario(scenario), runs, options), table: runs.table, series: runs.series };
}

/** Every path of a resolved scenario (no precision target), as the records results are built from. */
async function runRecords(scenario: Scenario, options: RunOptions): Promise<PathRuns> {
  const startedAt = new Date().toISOString();
  const mc = await runPaths(scenario, options);
  return { table: mc.table, histograms: mc.histograms, series: mc.series, workers: mc.workers, elapsedMs: mc.elapsedMs, startedAt };
}

/** The scenario with `paths` paths and no precision target: what one batch runs, and the plain run it equals. */
function plainAt(scenario: Scenario, paths: number): Scenario {
  const { precision: _, ...sampling } = scenario.sampling;
  return { ...scenario, paths, sampling };
}

/**
 * A run to a stated precision (`sampling.precision`, docs/results.md#runs-to-a-stated-precision): `paths`
 * first, then batches, each to the count the figures not yet at the target project
 * (src/stats/precision.ts: n·(h/target)², or a thin tail's count), at least 1.25× and at most 4× the
 * current count, until no headline figure is thin or wider than the target, or the path budget, or the
 * time budget (no batch is started that the rate so far says would end after it) ends.
 *
 * The result is the plain run of the final count, byte for byte: paths are seeded by index, so a batch
 * adds paths [n, n′) to the run of [0, n) — except when the book blocks move with the count
 * (`pathsPerBook: auto`), where the batch reruns every path. results.json records `precision`.
 */
async function runToPrecision(scenario: Scenario, options: RunOptions): Promise<{ results: Results; table: PathTable; series: PathRuns['series'] }> {
  const target = scenario.sampling.precision!;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const workers = options.workers ?? defaultWorkers();
  const pool = workers > 0 ? createWorkerPool(workers) : undefined;
  let n = Math.min(scenario.paths, target.maxPaths);
  let parts: PathTable[] = [];
  let histograms = emptyHistograms();
  let series: PathRuns['series'] = [];
  const stages: PrecisionStage[] = [];
  let simulated = 0;
  let check!: ReturnType<typeof checkPrecision>;
  let stoppedBy: PrecisionRecord['stoppedBy'];
  let done = 0;
  try {
    for (;;) {
      const plain = plainAt(scenario, n);
      // paths already run stay valid when every path keeps its book
      const kept = parts.length > 0 && pathsPerBookOf(plainAt(scenario, done)) === pathsPerBookOf(plain) ? done : 0;
      if (kept === 0) {
        parts = [];
        histograms = emptyHistograms();
        series = [];
      }
      const ts = performance.now();
      const mc = await runPaths(plain, { workers, pool, chunkSize: options.chunkSize, pathRange: { start: kept, end: n }, onProgress: options.onProgress && ((d) => options.onProgress!(kept + d, n)) });
      parts.push(mc.table);
      addHistograms(histograms, mc.histograms);
      series = [...series, ...mc.series];
      simulated += n - kept;
      done = n;
      const stage: PrecisionStage = { paths: n, simulatedPaths: n - kept, elapsedMs: Math.round(performance.now() - ts) };
      stages.push(stage);
      const table = PathTable.concat(parts);
      parts = [table];
      check = checkPrecision(aggregateTable(table, runContextFor(plain).population.accounts, { pathsPerBook: pathsPerBookOf(plain) }), target.relativeHalfWidth);
      options.onPrecisionStage?.(stage, check);
      if (check.met) {
        stoppedBy = 'target';
        break;
      }
      if (n >= target.maxPaths) {
        stoppedBy = 'paths';
        break;
      }
      let next = Math.min(target.maxPaths, Math.max(Math.ceil(1.25 * n), Math.min(4 * n, Math.ceil(1.1 * check.pathsNeeded!))));
      // the time budget: no batch that the rate measured so far says would end after it
      const elapsedS = (performance.now() - t0) / 1000;
      const rate = simulated / Math.max(elapsedS, 1e-3);
      // 0.9: a loaded machine slows down between batches
      const affordable = Math.floor(0.9 * rate * (target.maxSeconds - elapsedS));
      const reruns = pathsPerBookOf(plainAt(scenario, next)) !== pathsPerBookOf(plain);
      next = Math.min(next, reruns ? affordable : n + affordable);
      if (next <= n) {
        stoppedBy = 'time';
        break;
      }
      n = next;
    }
  } finally {
    await pool?.destroy();
  }
  const elapsedMs = performance.now() - t0;
  const plain = plainAt(scenario, n);
  const table = parts[0];
  const shown = portableScenario({ ...scenario, paths: n });
  const results = resultsOf(plain, shown, { table, histograms, series, workers: pool ? workers : 0, elapsedMs, startedAt }, options);
  results.precision = {
    relativeHalfWidth: target.relativeHalfWidth,
    maxPaths: target.maxPaths,
    maxSeconds: target.maxSeconds,
    met: check.met,
    stoppedBy,
    finalPaths: n,
    simulatedPaths: simulated,
    elapsedMs: Math.round(elapsedMs),
    stages,
    figures: check.figures,
  };
  return { results, table, series };
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

