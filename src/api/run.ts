/**
 * The library's main entry: `runScenario(scenario, options)` runs the Monte Carlo and returns the
 * results object that `results.json` holds (docs/results.md). The CLI is a thin layer over this.
 */
import type { Scenario, ScenarioInput } from '../scenario/schema.js';
import { parseScenario } from '../scenario/load.js';
import { portableScenario } from '../scenario/data-files.js';
import { runPaths, runPathsSerial, type RunPathsOptions } from '../mc/runner.js';
import { aggregate, seriesBands, type Aggregates, type SeriesBands } from '../stats/aggregate.js';
import type { Estimate } from '../stats/ci.js';
import type { PathSeries, PathSummary } from '../engine/path.js';
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

/** Per-path columns; USD fields rounded to cents and other reals to 10 significant digits (compact JSON). */
function columns(summaries: PathSummary[]): Results['paths'] {
  const keys = Object.keys(summaries[0]) as (keyof PathSummary)[];
  const out = {} as Record<keyof PathSummary, unknown[]>;
  for (const k of keys) {
    const usd = k.endsWith('Usd');
    const round = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(round);
      if (typeof v !== 'number' || Number.isInteger(v)) return v;
      return usd ? Math.round(v * 100) / 100 : Number(v.toPrecision(10));
    };
    out[k] = summaries.map((s) => round(s[k]));
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

/** Picks the drill-down paths: worst k by (bad debt, liquidated notional), median, best, random. */
export function pickDrilldown(summaries: PathSummary[], seed: number, worst: number): { pathIndex: number; label: string }[] {
  const order = summaries
    .map((s) => s.pathIndex)
    .sort((a, b) => {
      const sa = summaries[a];
      const sb = summaries[b];
      return sb.badDebtUsd - sa.badDebtUsd || sb.liquidatedNotionalUsd - sa.liquidatedNotionalUsd || a - b;
    });
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

export function describeBook(ctx: RunContext): BookDescription {
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
  // importance sampling with an automatic shift: resolved once, and recorded in results.scenario
  const scenario = resolveSampling(parseScenario(input));
  const startedAt = new Date().toISOString();
  const mc = await runPaths(scenario, options);
  const ctx = runContextFor(scenario); // this thread's cached context (the book is drawn once)
  const pop = ctx.population;
  const book = describeBook(ctx);
  const perBook = scenario.sampling?.pathsPerBook;
  const drilldown: DrilldownPath[] = [];
  if (options.drilldown !== false) {
    const picks = pickDrilldown(mc.summaries, scenario.seed, options.drilldownWorst ?? 5);
    const runs = runPathsSerial(scenario, picks.map((p) => p.pathIndex));
    picks.forEach((p, k) => drilldown.push({ pathIndex: p.pathIndex, label: p.label, summary: runs[k].summary, series: plainSeries(runs[k].series) }));
  }
  const h = mc.histograms;
  const results: Results = {
    format: RESULTS_FORMAT,
    marginlabVersion: VERSION,
    seed: scenario.seed,
    scenario: portableScenario(scenario),
    run: { workers: mc.workers, elapsedMs: Math.round(mc.elapsedMs), startedAt },
    population: book,
    aggregates: aggregate(mc.summaries, pop.accounts, { pathsPerBook: perBook }),
    cascadeHistograms: {
      accounts: { lowerBound: Array.from({ length: CASCADE_ACCOUNT_BINS }, (_, b) => 2 ** b), count: Array.from(h.cascadeAccounts) },
      notionalUsd: { lowerBound: Array.from({ length: CASCADE_NOTIONAL_BINS }, (_, b) => 10 ** (2 + b / 4)), count: Array.from(h.cascadeNotional) },
      generations: { generations: Array.from({ length: CASCADE_GENERATION_BINS }, (_, g) => g + 1), count: Array.from(h.cascadeGenerations) },
    },
    series: seriesBands(mc.series, scenario.sampling?.importance ? (k) => mc.summaries[k - mc.summaries[0].pathIndex].likelihoodRatio ?? 1 : undefined),
    drilldown,
    byMarket: byMarket(scenario, mc.summaries),
    paths: columns(mc.summaries),
    warnings: runWarnings(mc.summaries),
  };
  assertFinite(results, 'results');
  return results;
}

/** Per-market means over the paths (summed in path order, so the same for any worker count). */
function byMarket(sc: Scenario, summaries: PathSummary[]): NonNullable<Results['byMarket']> {
  return [sc.market, ...sc.otherMarkets].map((mk, m) => {
    let usd = 0;
    let n = 0;
    for (const s of summaries) {
      usd += s.liquidatedNotionalByMarketUsd[m];
      n += s.liquidatedPositionsByMarket[m];
    }
    return { name: mk.name, meanLiquidatedNotionalUsd: Math.round((100 * usd) / summaries.length) / 100, meanLiquidatedPositions: n / summaries.length };
  });
}

const HALT_WORDS = ['', 'an index price left a millionfold of its start', 'a booking left the ledger’s exact range (cents beyond 2^53)', 'a market’s state was not a finite number'];

/** What the reader must know about a run's paths: those that stopped early, and why. */
export function runWarnings(summaries: PathSummary[]): string[] {
  const out: string[] = [];
  const byReason = new Map<number, number[]>();
  for (const s of summaries) if (s.haltReason > 0) byReason.set(s.haltReason, [...(byReason.get(s.haltReason) ?? []), s.pathIndex]);
  for (const [reason, paths] of byReason) {
    out.push(
      `${paths.length} of ${summaries.length} paths stopped early because ${HALT_WORDS[reason] ?? 'of an unknown condition'} (first: path ${paths[0]}); their figures cover the steps up to that point`,
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

