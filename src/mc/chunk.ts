/**
 * Running a contiguous range of paths: the unit of work a worker (or the serial runner) executes.
 * Results are keyed by path index, never by who ran them, so any split of the range gives the same
 * run.
 */
import type { Scenario } from '../scenario/schema.js';
import { PathTable, type FieldSpec } from './table.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import { bookOf, createRunContext, type RunContext } from '../engine/context.js';
import { sharedPopulation, type Population } from '../agents/population.js';
import {
  CASCADE_ACCOUNT_BINS,
  CASCADE_GENERATION_BINS,
  CASCADE_NOTIONAL_BINS,
  PathBuffers,
  simulatePath,
  type PathHistograms,
  type PathSeries,
  type PathSummary,
} from '../engine/path.js';

export interface ChunkTask {
  scenario: Scenario;
  /** First path index (inclusive). */
  start: number;
  /** Last path index (exclusive). */
  end: number;
  /** Paths with index < seriesBelow also return their time series. */
  seriesBelow: number;
  /** Extra path indices whose series are wanted (drill-down). */
  seriesFor?: number[];
  /** Book 0, drawn once by the main thread in shared memory (else each thread draws it); other books are drawn by the thread that runs them. */
  population?: Population;
  /**
   * The run's table, in shared memory (its columns' names, the columns, the run's first path): the chunk writes its
   * records there, at path − first, and returns none — no per-chunk copy crosses threads or waits for collection.
   */
  into?: { names: readonly string[]; columns: Float64Array[]; first: number };
}

export interface ChunkResult {
  start: number;
  /** Paths run. */
  n: number;
  /** The chunk's per-path records as columns (a PathTable's fields and columns: plain data, so it crosses threads as typed arrays, not ~76 boxed numbers an object per path). */
  records?: { fields: FieldSpec[]; columns: Float64Array[]; n: number };
  histograms: PathHistograms;
  series: { pathIndex: number; series: PathSeries }[];
}

export function emptyHistograms(): PathHistograms {
  return {
    cascadeAccounts: new Uint32Array(CASCADE_ACCOUNT_BINS),
    cascadeNotional: new Uint32Array(CASCADE_NOTIONAL_BINS),
    cascadeGenerations: new Uint32Array(CASCADE_GENERATION_BINS),
  };
}

export function addHistograms(into: PathHistograms, h: PathHistograms): void {
  for (const k of ['cascadeAccounts', 'cascadeNotional', 'cascadeGenerations'] as const) {
    const a = into[k];
    const b = h[k];
    for (let i = 0; i < a.length; i++) a[i] += b[i];
  }
}

/** A per-thread cache: a context (and its book) per scenario and book, the two most recently used; path buffers once paths run on it. */
interface Cached {
  key: string;
  book: number;
  ctx: RunContext;
  buffers?: PathBuffers;
}
const cache: Cached[] = [];
const CACHE_SIZE = 2;

function cachedContext(scenario: Scenario, population?: Population, book = 0): Cached {
  const key = JSON.stringify(scenario);
  const i = cache.findIndex((c) => c.key === key && c.book === book);
  if (i >= 0) {
    const [hit] = cache.splice(i, 1);
    cache.unshift(hit);
    return hit;
  }
  const entry: Cached = { key, book, ctx: createRunContext(scenario, population, book) };
  cache.unshift(entry);
  cache.length = Math.min(cache.length, CACHE_SIZE);
  return entry;
}

/** This thread's run context for `scenario` and `book` (each book drawn once per scenario and thread), without path buffers. */
export function runContextFor(scenario: Scenario, book = 0): RunContext {
  return cachedContext(scenario, undefined, book).ctx;
}

export function contextFor(scenario: Scenario, population?: Population, book = 0): { ctx: RunContext; buffers: PathBuffers } {
  const c = cachedContext(scenario, population, book);
  c.buffers ??= new PathBuffers(c.ctx);
  return { ctx: c.ctx, buffers: c.buffers };
}

export function runChunk(task: ChunkTask): ChunkResult {
  const perBook = pathsPerBookOf(task.scenario);
  const summaries: PathSummary[] = [];
  const histograms = emptyHistograms();
  const series: ChunkResult['series'] = [];
  const extra = new Set(task.seriesFor ?? []);
  let book = -1;
  let ctx!: RunContext;
  let buffers!: PathBuffers;
  for (let p = task.start; p < task.end; p++) {
    const b = bookOf(p, perBook);
    if (b !== book) {
      book = b;
      ({ ctx, buffers } = contextFor(task.scenario, b === 0 ? task.population : undefined, b));
    }
    const want = p < task.seriesBelow || extra.has(p);
    const r = simulatePath(ctx, p, buffers, want);
    summaries.push(r.summary);
    addHistograms(histograms, r.histograms);
    if (r.series) series.push({ pathIndex: p, series: r.series });
  }
  const t = PathTable.fromSummaries(summaries);
  const into = task.into;
  if (!into) return { start: task.start, n: t.n, records: { fields: [...t.fields], columns: t.columns, n: t.n }, histograms, series };
  if (t.names.length !== into.names.length || t.names.some((name, j) => name !== into.names[j])) {
    throw new Error(`internal error: a chunk's fields (${t.names.join(', ')}) are not the run table's (${into.names.join(', ')})`);
  }
  t.columns.forEach((c, j) => into.columns[j].set(c, task.start - into.first));
  return { start: task.start, n: t.n, histograms, series };
}

const shared = new WeakMap<RunContext, Population>();

/** This thread's book 0 for `scenario`, in shared memory (drawn and copied once per scenario). */
export function sharedBookFor(scenario: Scenario): Population {
  const { ctx } = cachedContext(scenario);
  let pop = shared.get(ctx);
  if (!pop) {
    pop = sharedPopulation(ctx.population);
    shared.set(ctx, pop);
  }
  return pop;
}

/**
 * The scenario with `sampling.importance.shiftPerStep: auto` replaced by the shifts it resolves to on
 * book 0 (src/engine/importance.ts), as a list per market; any other scenario unchanged. Studies
 * resolve once on their base scenario, so every point, variant and value shares one tilt (the same
 * shocks and weights on path k: common random numbers); a run records the shifts it used.
 */
export function resolveSampling(scenario: Scenario): Scenario {
  const imp = scenario.sampling?.importance;
  if (!imp || imp.shiftPerStep !== 'auto') return scenario;
  const ctx = runContextFor(scenario);
  const shifts = (ctx.importanceShift ?? []).map((x) => Number(x.toPrecision(12)));
  const resolved: Scenario = { ...scenario, sampling: { ...scenario.sampling, importance: { ...imp, shiftPerStep: shifts } } };
  // the same book serves the resolved scenario: no second draw
  cachedContext(resolved, ctx.population, 0);
  return resolved;
}
