/**
 * Sweeps: run a scenario at every value (or every combination of values) of one or more parameters on
 * the same paths, and report each point's aggregates with confidence intervals plus paired
 * differences against the baseline point and the neighbouring point along each parameter.
 *
 * Pipeline (one function each, in order): plan points → open folder → run points (saving each as it
 * finishes) → aggregate → difference → assemble `sweep.json`.
 */
import type { Scenario } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import type { Aggregates } from '../stats/aggregate.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { defaultWorkers } from '../mc/runner.js';
import { capitalEfficiency, type CapitalEfficiency } from './capital.js';
import { pathFields, PointRuns, withPool, type EvalOptions, type RemoteRunner } from './evaluate.js';
import { designOfTable } from '../stats/aggregate.js';
import { checkStudyMetrics, HEADLINE_METRICS, metricDef, PATH_FIELD_METRIC, type Unit } from './metrics.js';
import { pairedDifference, type PairedDifference } from '../stats/paired.js';
import { evaluateFunctional } from '../stats/metrics.js';
import type { Estimate } from '../stats/ci.js';
import { median } from '../stats/median.js';
import { resolveSampling } from '../mc/chunk.js';
import { describePoint, getAt, pointScenario, stripStudy, type ParamSpec } from './params.js';
import { StudyFolder } from './store.js';
import { portableScenario, scenarioIdentity } from '../scenario/data-files.js';

const SWEEP_FORMAT = 'marginlab.sweep/1';
/** Largest grid a sweep accepts. */
const MAX_SWEEP_POINTS = 2_500;
/** Most parameters a sweep's grid may have. */
export const MAX_SWEEP_PARAMS = 6;

export interface StudyProgress {
  /** Points finished so far / planned (calibration: evaluations so far, total unknown = 0). */
  pointsDone: number;
  points: number;
  /** Paths finished so far / planned (0 when unknown). */
  pathsDone: number;
  pathsTotal: number;
  /** Current point. */
  label: string;
}

export interface SweepOptions {
  /** Run each point's paths on a worker fleet (src/api/fleet.ts `fleetRunner`) instead of this machine's threads. */
  remote?: RemoteRunner;
  params: ParamSpec[];
  /** Paths per point; default the scenario's `sweep.paths`, else its `paths`. */
  paths?: number;
  workers?: number;
  /** Output folder for finished points (enables resume). None: keep everything in memory. */
  out?: string;
  /** Discard points saved in `out` by an earlier run. */
  fresh?: boolean;
  /** Only these points (each sets every parameter of `params`), in this order, instead of every combination. */
  points?: Record<string, number>[];
  /** Metrics to report and difference (default `HEADLINE_METRICS`). */
  metrics?: string[];
  onProgress?: (p: StudyProgress) => void;
  /** Called once the inputs are checked and the output folder opened, before any path is simulated (with the chunks found finished on disk). */
  onStart?: (resumedChunks: number) => void;
}

export interface MetricInfo {
  key: string;
  label: string;
  unit: Unit;
}

export interface SweepPoint {
  index: number;
  /** Parameter values of this point, by path. */
  values: Record<string, number>;
  /** Index of each value in its parameter's list. */
  grid: number[];
  label: string;
  aggregates: Aggregates;
  /** Each studied metric's estimate at this point (a per-path field's mean is not in `aggregates`). */
  estimates: Record<string, Estimate>;
  capital: CapitalEfficiency;
  differences: {
    /** This point minus the baseline point, per metric (null for the baseline itself). */
    baseline: Record<string, PairedDifference> | null;
    /** This point minus the previous value of each parameter (same other values). */
    previous: { param: string; fromIndex: number; metrics: Record<string, PairedDifference> }[];
  };
  run: { elapsedMs: number; resumed: boolean };
}

export interface SweepResult {
  format: typeof SWEEP_FORMAT;
  marginlabVersion: string;
  /** The base scenario (study blocks removed); every point is it with `values` set. */
  scenario: Scenario;
  seed: number;
  /** Paths per point (the same path indices 0 … paths − 1 at every point). */
  paths: number;
  traders: number;
  params: ParamSpec[];
  metrics: MetricInfo[];
  /** The point differences are taken against: the base scenario's own values if on the grid, else point 0. */
  baselineIndex: number;
  points: SweepPoint[];
  /**
   * Variance reduction from common random numbers, per metric: the median over neighbouring pairs of
   * (unpaired SE / paired SE) of the difference, i.e. how many times narrower the paired intervals are.
   */
  crnPrecisionGain: Record<string, number | null>;
  run: { workers: number; elapsedMs: number; startedAt: string; pointsResumed: number; pointsComputed: number };
}

interface PlannedPoint {
  index: number;
  values: Record<string, number>;
  grid: number[];
  scenario: Scenario;
  label: string;
}

/**
 * The parameters of a list of points (`--point path=v,path=v` repeated): every path the points name, with the
 * distinct values it takes, ascending. Every point must name the same paths, and no point may appear twice.
 * @throws UserError naming the point
 */
export function paramsOfPoints(points: readonly Record<string, number>[]): ParamSpec[] {
  if (points.length === 0) throw new UserError('--point: no points given');
  const paths = Object.keys(points[0]);
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const keys = Object.keys(p);
    if (keys.length !== paths.length || keys.some((k) => !paths.includes(k))) {
      throw new UserError(`--point ${i + 1} (${describePoint(p)}): names ${keys.join(', ')} — every point must name the same parameters as the first (${paths.join(', ')})`);
    }
    const key = paths.map((k) => p[k]).join(',');
    if (seen.has(key)) throw new UserError(`--point ${i + 1} (${describePoint(p)}): given twice`);
    seen.add(key);
  });
  return paths.map((path) => ({ path, values: [...new Set(points.map((p) => p[path]))].sort((a, b) => a - b) }));
}

/** Every combination of the parameters' values (first parameter outermost), or only the listed points, each validated. */
export function planSweep(base: Scenario, params: ParamSpec[], paths: number, list?: readonly Record<string, number>[]): PlannedPoint[] {
  if (params.length < 1 || params.length > MAX_SWEEP_PARAMS) throw new UserError(`sweep: ${params.length} parameters given — a sweep takes 1 to ${MAX_SWEEP_PARAMS} (--param once per parameter; two or more make a grid of every combination)`);
  const twice = params.find((p, i) => params.findIndex((q) => q.path === p.path) !== i);
  if (twice) throw new UserError(`sweep: parameter ${twice.path} is given twice`);
  for (const p of params) if (p.values.length === 0) throw new UserError(`sweep: ${p.path} has no values (empty range)`);
  const total = list ? list.length : params.reduce((n, p) => n * p.values.length, 1);
  if (total > MAX_SWEEP_POINTS) throw new UserError(`sweep: ${total} points is too many — at most ${MAX_SWEEP_POINTS}`);
  const out: PlannedPoint[] = [];
  // every combination, the first parameter outermost (the last one varies fastest)
  const grids: number[][] = list
    ? list.map((pt) => params.map((p) => p.values.indexOf(pt[p.path])))
    : params.reduce<number[][]>((acc, p) => acc.flatMap((g) => p.values.map((_, i) => [...g, i])), [[]]);
  grids.forEach((grid, index) => {
    const values: Record<string, number> = {};
    params.forEach((p, a) => (values[p.path] = p.values[grid[a]]));
    out.push({ index, values, grid, scenario: pointScenario(base, values, paths), label: describePoint(values) });
  });
  return out;
}

/** Checks metric keys (probing the per-path fields only when a `paths.<field>.mean` metric asks for them). */
export function checkMetrics(keys: string[], scenario: Scenario): MetricInfo[] {
  const fields = keys.some((k) => PATH_FIELD_METRIC.test(k)) ? pathFields(scenario) : [];
  return checkStudyMetrics(keys, fields).map((d) => ({ key: d.key, label: d.label, unit: d.unit }));
}

/** Runs a sweep. Deterministic: the same inputs give the same `points` for any worker count, resumed or not. */
export async function runSweep(input: Scenario, opts: SweepOptions): Promise<SweepResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  // an automatic importance-sampling shift is resolved once, on the base: every point shares the tilt (common random numbers)
  const base = resolveSampling(stripStudy(input));
  const paths = opts.paths ?? input.sweep?.paths ?? input.paths;
  const metrics = checkMetrics(opts.metrics ?? [...HEADLINE_METRICS], base);
  const planned = planSweep(base, opts.params, paths, opts.points);

  const folder = opts.out
    ? StudyFolder.open(opts.out, { command: 'sweep', inputs: { scenario: scenarioIdentity(base), params: opts.params, ...(opts.points ? { points: opts.points } : {}), paths, marginlabVersion: VERSION } }, { fresh: opts.fresh })
    : undefined;
  opts.onStart?.(folder?.resumedChunks ?? 0);
  const pathsTotal = planned.length * paths;
  let pathsDone = 0;
  let pointsDone = 0;
  const runs: PointRuns[] = [];
  let pointsResumed = 0;
  await withPool(opts.workers, async (pool) => {
    for (const p of planned) {
      const run = new PointRuns(p.scenario, p.label);
      const evalOpts: EvalOptions = {
        folder,
        workers: opts.workers,
        pool,
        remote: opts.remote,
        onPaths: (d) => {
          pathsDone += d;
          opts.onProgress?.({ pointsDone, points: planned.length, pathsDone, pathsTotal, label: p.label });
        },
      };
      await run.extendTo(paths, evalOpts);
      if (run.pathsFromDisk === paths) pointsResumed++;
      pointsDone++;
      opts.onProgress?.({ pointsDone, points: planned.length, pathsDone, pathsTotal, label: p.label });
      runs.push(run);
    }
  });

  // per-path metric values, computed once per point
  const values = runs.map((r) => {
    const t = r.table();
    return Object.fromEntries(metrics.map((m) => [m.key, metricDef(m.key)!.values(t, r.traders)]));
  });
  const design = designOfTable(runs[0].table(), pathsPerBookOf(base));
  const diff = (from: number, to: number) =>
    Object.fromEntries(
      metrics.map((m) => [m.key, pairedDifference(metricDef(m.key)!.functional, values[from][m.key], values[to][m.key], { seed: base.seed, key: m.key, design })]),
    );

  const baseValues = Object.fromEntries(opts.params.map((p) => [p.path, getAt(base, p.path)]));
  const baselineIndex = Math.max(0, planned.findIndex((p) => opts.params.every((q) => p.values[q.path] === baseValues[q.path])));
  const indexOf = new Map(planned.map((p) => [p.grid.join(','), p.index]));
  const gains: Record<string, number[]> = Object.fromEntries(metrics.map((m) => [m.key, []]));

  const points: SweepPoint[] = planned.map((p, i) => {
    const previous: SweepPoint['differences']['previous'] = [];
    opts.params.forEach((param, a) => {
      if (p.grid[a] === 0) return;
      const g = [...p.grid];
      g[a]--;
      const from = indexOf.get(g.join(','));
      if (from === undefined) return; // a list of points need not hold the neighbour
      const d = diff(from, i);
      for (const m of metrics) {
        const x = d[m.key];
        if (x.standardError > 0 && x.unpairedStandardError > 0) gains[m.key].push(x.unpairedStandardError / x.standardError);
      }
      previous.push({ param: param.path, fromIndex: from, metrics: d });
    });
    return {
      index: i,
      values: p.values,
      grid: p.grid,
      label: p.label,
      aggregates: runs[i].aggregates(),
      estimates: Object.fromEntries(
        metrics.map((m) => {
          const def = metricDef(m.key)!;
          return [m.key, evaluateFunctional(def.functional, values[i][m.key], 0.95, designOfTable(runs[i].table(), pathsPerBookOf(base)), def.kind)];
        }),
      ),
      capital: capitalEfficiency(p.scenario),
      differences: { baseline: i === baselineIndex ? null : diff(baselineIndex, i), previous },
      run: { elapsedMs: Math.round(runs[i].elapsedMs), resumed: runs[i].pathsFromDisk === paths },
    };
  });

  return {
    format: SWEEP_FORMAT,
    marginlabVersion: VERSION,
    scenario: portableScenario(base),
    seed: base.seed,
    paths,
    traders: base.traders.count,
    params: opts.params,
    metrics,
    baselineIndex,
    points,
    crnPrecisionGain: Object.fromEntries(metrics.map((m) => [m.key, median(gains[m.key])])),
    run: { workers: opts.workers ?? defaultWorkers(), elapsedMs: Math.round(performance.now() - t0), startedAt, pointsResumed, pointsComputed: planned.length - pointsResumed },
  };
}
