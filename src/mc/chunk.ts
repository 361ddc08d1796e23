/**
 * Running a contiguous range of paths: the unit of work a worker (or the serial runner) executes.
 * Results are keyed by path index, never by who ran them, so any split of the range gives the same
 * run.
 */
import type { Scenario } from '../scenario/schema.js';
import { createRunContext, type RunContext } from '../engine/context.js';
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
  /** The book, drawn once by the main thread in shared memory (else each thread draws it). */
  population?: Population;
}

export interface ChunkResult {
  start: number;
  summaries: PathSummary[];
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

/** A per-thread cache: the context (and its book) once per scenario; the path buffers once, when paths run here. */
let cached: { key: string; ctx: RunContext; buffers?: PathBuffers } | undefined;

function cachedContext(scenario: Scenario, population?: Population): { key: string; ctx: RunContext; buffers?: PathBuffers } {
  const key = JSON.stringify(scenario);
  if (!cached || cached.key !== key) cached = { key, ctx: createRunContext(scenario, population) };
  return cached;
}

/** This thread's run context for `scenario` (the book drawn once per scenario), without path buffers. */
export function runContextFor(scenario: Scenario): RunContext {
  return cachedContext(scenario).ctx;
}

export function contextFor(scenario: Scenario, population?: Population): { ctx: RunContext; buffers: PathBuffers } {
  const c = cachedContext(scenario, population);
  c.buffers ??= new PathBuffers(c.ctx);
  return { ctx: c.ctx, buffers: c.buffers };
}

export function runChunk(task: ChunkTask): ChunkResult {
  const { ctx, buffers } = contextFor(task.scenario, task.population);
  const summaries: PathSummary[] = [];
  const histograms = emptyHistograms();
  const series: ChunkResult['series'] = [];
  const extra = new Set(task.seriesFor ?? []);
  for (let p = task.start; p < task.end; p++) {
    const want = p < task.seriesBelow || extra.has(p);
    const r = simulatePath(ctx, p, buffers, want);
    summaries.push(r.summary);
    addHistograms(histograms, r.histograms);
    if (r.series) series.push({ pathIndex: p, series: r.series });
  }
  return { start: task.start, summaries, histograms, series };
}

const shared = new WeakMap<RunContext, Population>();

/** This thread's book for `scenario`, in shared memory (drawn and copied once per scenario). */
export function sharedBookFor(scenario: Scenario): Population {
  const { ctx } = cachedContext(scenario);
  let pop = shared.get(ctx);
  if (!pop) {
    pop = sharedPopulation(ctx.population);
    shared.set(ctx, pop);
  }
  return pop;
}
