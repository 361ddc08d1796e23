/**
 * Calibration: the most capital-efficient value of one parameter whose risk metric meets a target
 * *with a stated overall confidence* — the recommendation's claim "this value meets the target" is
 * wrong with probability at most α = 1 − confidence, however many values and re-tests the search
 * took. A value "meets" when the metric's one-sided confidence limit is on the right side of the
 * target, not just its estimate.
 *
 * Error spending (docs/calibration.md#statistics): a false claim can only come from a value on the
 * failing side of the true boundary being declared "meets". The search tests at most
 * K = 1 + B values that could produce the recommendation — one in the grid's step-down from the safe
 * end (a fixed-sequence test: the first failing value stops it) and at most B = ⌈log₂(grid gap /
 * tolerance)⌉ bisection midpoints — so each value gets α/K (Bonferroni). Within a value, the
 * sequential re-tests with doubled paths (looks at n₀, 2n₀, …, n_max) spend its α/K by the power
 * rule α(t) = (α/K)·t², t = n/n_max (Lan–DeMets error spending, Jennison & Turnbull 2000 §7.2,
 * bounded by Bonferroni over the looks): look j tests at one-sided level α/K·(t_j² − t_{j−1}²), and the
 * metric's interval at that look is two-sided at 1 − 2·that. Every interval carries its `level`.
 *
 * Search, in order:
 *  1. grid   — evaluate `gridPoints` evenly spaced values (both ends included) on `initialPaths` paths.
 *  2. step-down — from the safe end toward the efficient end, re-test each grid value (doubling its
 *              paths while undecided, within the per-point limit and the path budget) until one does
 *              not meet the target; the last that meets and that one bracket the boundary. If the safe
 *              end does not meet it, no value does; if every value meets it, the efficient end is the answer.
 *  3. bisect — halve the bracket (each midpoint re-tested as in 2) until it is narrower than
 *              `tolerance` or the budget runs out.
 *  4. round  — the recommendation is the last value that met the target, rounded in the safe direction
 *              to the search's resolution (a 1-2-5 step no coarser than the tolerance): "set MMR ≥ 0.72%".
 *  5. check  — monotonicity over every evaluated value, with paired (common-random-number)
 *              differences between neighbours at 95%; a significant reversal is reported (the error
 *              guarantee assumes a monotone metric).
 *
 * Every value runs on path indices 0 … n − 1, so all of them see the same price shocks (and the same
 * books, and the same importance-sampling tilt); an undecided value adds paths n … 2n − 1. Each
 * finished chunk is saved, so an interrupted calibration resumes.
 */
import type { Scenario } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { defaultWorkers } from '../mc/runner.js';
import { aggregate, type Aggregates } from '../stats/aggregate.js';
import type { PathSummary } from '../engine/path.js';
import { pctLabel, type Estimate } from '../stats/ci.js';
import { capitalEfficiency, varyingMeasure, type CapitalEfficiency } from './capital.js';
import { pathFields, PointRuns, withPool, type EvalOptions, type RemoteRunner, type LazyPool } from './evaluate.js';
import { designOfTable } from '../stats/aggregate.js';
import { checkTargetValue, estimatePaths, METRICS, metricDef, parseTarget, formatTarget, type Target, type Unit } from './metrics.js';
import { pairedDifference, type PairedDifference } from '../stats/paired.js';
import { evaluateFunctional } from '../stats/metrics.js';
import { checkParamPath, getAt, isIntegerParam, pointScenario, stripStudy } from './params.js';
import { StudyFolder } from './store.js';
import { resolveSampling } from '../mc/chunk.js';
import { portableScenario, scenarioIdentity } from '../scenario/data-files.js';
import type { StudyProgress } from './sweep.js';

const CALIBRATION_FORMAT = 'marginlab.calibration/1';

export interface CalibrateOptions {
  /** The scenario file, named in messages about its `calibrate:` block (values given as options are named as flags). */
  source?: string;
  /** Run each point's paths on a worker fleet (src/api/fleet.ts `fleetRunner`) instead of this machine's threads. */
  remote?: RemoteRunner;
  /** Dotted path of the parameter (default: the scenario's `calibrate.param`). */
  param?: string;
  range?: [number, number];
  /** "<metric> <op> <value>" or a parsed target. */
  target?: string | Target;
  /** Overall one-sided confidence of the recommendation (default 0.95). */
  confidence?: number;
  prefer?: 'low' | 'high';
  initialPaths?: number;
  maxPathsPerPoint?: number;
  pathBudget?: number;
  tolerance?: number;
  gridPoints?: number;
  workers?: number;
  out?: string;
  fresh?: boolean;
  onProgress?: (p: StudyProgress) => void;
  /** Called once the inputs are checked and the output folder opened, before any path is simulated (with the chunks found finished on disk). */
  onStart?: (resumedChunks: number) => void;
}

export type Decision = 'meets' | 'fails' | 'undecided';

export interface EvaluatedValue {
  value: number;
  paths: number;
  /**
   * The metric at the value's last look, with a two-sided interval at `metric.level` = 1 − 2a, where a
   * is the one-sided error that look spent (its ends are the one-sided 1 − a limits the decision used).
   */
  metric: Estimate;
  /** Looks taken at this value (1 = the first evaluation; each further look doubled its paths). */
  looks: number;
  /** The one-sided error the decision at the last look was tested at. */
  lookAlpha: number;
  decision: Decision;
  /** Why paths stopped being added while undecided. */
  limitedBy: 'per-point limit' | 'path budget' | null;
  capital: CapitalEfficiency;
  /** Order in which values were evaluated (0 = first). */
  order: number;
  phase: 'grid' | 'bisection';
  aggregates: Aggregates;
}

export interface CalibrationResult {
  format: typeof CALIBRATION_FORMAT;
  marginlabVersion: string;
  scenario: Scenario;
  seed: number;
  traders: number;
  param: string;
  range: [number, number];
  target: Target & { label: string; unit: Unit | null };
  /** Overall one-sided confidence of the recommendation (the error-spending rule keeps it). */
  confidence: number;
  prefer: 'low' | 'high';
  /** How the overall error α = 1 − confidence is spread over values and looks. */
  errorSpending: {
    overallAlpha: number;
    /** K: the most values whose test could produce the recommendation (1 step-down test + bisection midpoints). */
    tests: number;
    /** α/K: the one-sided error each value may spend over all its looks. */
    perValueAlpha: number;
    /** Looks a value can take (n₀, 2n₀, … ≤ maxPathsPerPoint). */
    looks: number;
    /** One-sided error spent at look j (α/K·(t_j² − t_{j−1}²), t_j = n_j / n_max). */
    alphaPerLook: number[];
    /** Two-sided level of a value's interval at look j (1 − 2·alphaPerLook[j]). */
    levelPerLook: number[];
    rule: string;
  };
  settings: { initialPaths: number; maxPathsPerPoint: number; pathBudget: number; tolerance: number; gridPoints: number };
  /**
   * found: a value meets the target (the most efficient one evaluated); whole-range: the efficient end
   * already meets it; infeasible: no value in the range does.
   */
  status: 'found' | 'whole-range' | 'infeasible';
  recommended: {
    /** The most efficient evaluated value that met the target. */
    value: number;
    /** That value rounded in the safe direction to the search's resolution (`resolution`). */
    rounded: number;
    /** The step the recommendation is rounded to: the largest 1-2-5 step no coarser than the tolerance. */
    resolution: number;
    /** The recommendation as a sentence, e.g. "set policy.maintenance.mmr ≥ 0.72%". */
    statement: string;
    metric: Estimate;
    paths: number;
    capital: CapitalEfficiency;
  } | null;
  /**
   * Where the metric crosses the target: between `fails` (the nearest more-efficient value that clearly
   * fails, or null if none did) and `meets` (the recommendation).
   */
  boundary: { meets: number | null; fails: number | null; width: number | null } | null;
  /** How the search ended. */
  stop: {
    reason: 'clear' | 'per-point limit' | 'path budget' | 'range end' | 'infeasible';
    message: string;
  };
  /**
   * The price of the last unit of safety: going from the recommendation to the next more-efficient
   * value evaluated, the paired change in the metric and the change in capital efficiency.
   */
  lastStep: { from: number; to: number; metricDifference: PairedDifference | null; capitalFrom: CapitalEfficiency; capitalTo: CapitalEfficiency } | null;
  /**
   * The scenario's own value of the parameter and its capital efficiency (exact, from the opening book):
   * what the verdict prices a change against ("raising MMR from 0.65% costs …"). Null when the value is
   * not a number; absent from calibration.json files written before it existed.
   */
  reference?: { value: number; capital: CapitalEfficiency } | null;
  monotonicity: {
    direction: 'increasing' | 'decreasing' | 'flat';
    monotone: boolean;
    violations: { from: number; to: number; difference: PairedDifference | null; significant: boolean }[];
    message: string;
  };
  /** The capital measure the frontier is drawn against. */
  frontierMeasure: { key: keyof CapitalEfficiency; label: string; unit: 'usd' | 'ratio'; higherIsEfficient: boolean } | null;
  /** Every evaluated value, by value. */
  evaluated: EvaluatedValue[];
  pathsSpent: number;
  run: { workers: number; elapsedMs: number; startedAt: string; pathsComputed: number; pathsFromDisk: number };
}

/** Estimates `aggregates` reports, found from a placeholder summary (no simulation). */
export function reportedMetrics(): string[] {
  try {
    const zero = new Proxy({} as PathSummary, { get: () => 0 });
    const agg = aggregate([zero, zero], 1);
    const found = estimatePaths(agg);
    return [...new Set([...found, ...METRICS.keys()])];
  } catch {
    return [...METRICS.keys()];
  }
}

/** Default direction of capital efficiency for a parameter. */
function defaultPrefer(param: string): 'low' | 'high' {
  return /maxLeverage$/.test(param) ? 'high' : 'low';
}

const round12 = (x: number) => Number(x.toPrecision(12));

interface Resolved {
  param: string;
  range: [number, number];
  target: Target;
  confidence: number;
  prefer: 'low' | 'high';
  initialPaths: number;
  maxPathsPerPoint: number;
  pathBudget: number;
  tolerance: number;
  gridPoints: number;
  /** The parameter takes whole numbers only: the grid and the bisection stay on whole numbers. */
  integer: boolean;
}

/** Merges options over the scenario's `calibrate:` block and checks everything. Throws `UserError`. */
function resolveCalibration(scenario: Scenario, opts: CalibrateOptions): Resolved {
  const block = scenario.calibrate;
  // a value from a flag is named as the flag; one from the scenario's calibrate: block as the file's field
  const field = (name: string) => `${opts.source ? `${opts.source}: ` : ''}calibrate.${name}`;
  const paramIn = opts.param ?? block?.param;
  if (!paramIn) throw new UserError('calibrate: no parameter — pass --param <path> or add a calibrate: block to the scenario');
  const param = checkParamPath(scenario, paramIn, opts.param !== undefined ? '--param' : field('param'));
  const range = opts.range ?? block?.range;
  if (!range) throw new UserError('calibrate: no range — pass --range lo..hi or set calibrate.range');
  const [lo, hi] = range;
  const rangeLabel = opts.range !== undefined ? `--range ${lo}..${hi}` : `${field('range')}: [${lo}, ${hi}]`;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
    throw new UserError(`${rangeLabel}: empty range — allowed: lo..hi with lo < hi (e.g. 0.005..0.05)`);
  }
  const targetIn = opts.target ?? block?.target;
  if (!targetIn) throw new UserError('calibrate: no target — pass --target "<metric> <= <value>" or set calibrate.target');
  const targetLabel = opts.target !== undefined ? '--target' : field('target');
  const fieldMetric = typeof targetIn === 'string' && /^\s*paths\./.test(targetIn);
  const allowed = [...reportedMetrics(), ...(fieldMetric ? pathFields(stripStudy(scenario)).filter((f) => f !== 'pathIndex').map((f) => `paths.${f}.mean`) : [])];
  const target = typeof targetIn === 'string' ? parseTarget(targetIn, allowed, targetLabel) : targetIn;
  if (typeof targetIn !== 'string') checkTargetValue(target, undefined, targetLabel);
  const confidence = opts.confidence ?? block?.confidence ?? 0.95;
  if (!(confidence > 0.5 && confidence < 1)) throw new UserError(`${opts.confidence !== undefined ? '--confidence' : field('confidence')} ${confidence}: not allowed — a probability between 0.5 and 1 (exclusive), e.g. 0.95`);
  if (!metricDef(target.metric)) {
    throw new UserError(`${targetLabel} metric ${target.metric}: only its 95% interval is known (results.json), and calibration re-tests at the levels its error spending needs; use one of: ${[...METRICS.keys()].join(', ')}, or paths.<field>.mean`);
  }
  const initialPaths = opts.initialPaths ?? block?.initialPaths ?? scenario.paths;
  const maxPathsPerPoint = opts.maxPathsPerPoint ?? block?.maxPathsPerPoint ?? 16 * initialPaths;
  const pathBudget = opts.pathBudget ?? block?.pathBudget ?? 100 * initialPaths;
  const gridPoints = opts.gridPoints ?? block?.gridPoints ?? 5;
  const integer = isIntegerParam(scenario, param);
  if (integer && !(Number.isInteger(lo) && Number.isInteger(hi))) {
    throw new UserError(`${rangeLabel}: not allowed — ${param} takes whole numbers only, so the range ends must be whole numbers (e.g. ${Math.ceil(lo)}..${Math.floor(hi) > Math.ceil(lo) ? Math.floor(hi) : Math.ceil(lo) + 1})`);
  }
  // on a whole-number field the search stops at neighbouring values: a bracket narrower than 1 does not exist
  const tolerance = Math.max(integer ? 1 : 0, opts.tolerance ?? block?.tolerance ?? (hi - lo) / 100);
  const label = (flag: string, name: string, fromFlag: unknown) => (fromFlag !== undefined ? flag : field(name));
  if (!(initialPaths >= 1)) throw new UserError(`${label('--paths', 'initialPaths', opts.initialPaths)} ${initialPaths}: must be at least 1`);
  if (maxPathsPerPoint < initialPaths) throw new UserError(`${label('--max-paths', 'maxPathsPerPoint', opts.maxPathsPerPoint)} ${maxPathsPerPoint}: must be at least the initial paths (${initialPaths})`);
  if (pathBudget < gridPoints * initialPaths) {
    throw new UserError(`${label('--budget', 'pathBudget', opts.pathBudget)} ${pathBudget}: too small — the initial grid alone needs ${gridPoints} × ${initialPaths} = ${gridPoints * initialPaths} paths`);
  }
  if (!(gridPoints >= 2 && Number.isInteger(gridPoints))) throw new UserError(`${label('--grid', 'gridPoints', opts.gridPoints)} ${gridPoints}: must be a whole number ≥ 2`);
  if (!(tolerance > 0)) throw new UserError(`${label('--tolerance', 'tolerance', opts.tolerance)} ${tolerance}: must be > 0`);
  const prefer = opts.prefer ?? block?.prefer ?? defaultPrefer(param);
  return { param, range: [lo, hi], target, confidence, prefer, initialPaths, maxPathsPerPoint, pathBudget, tolerance, gridPoints, integer };
}

/**
 * Checks a scenario's `calibrate:` block the way `calibrate` would, without running anything — the range's
 * values included (each must give a valid scenario) — so every command refuses a file `calibrate` would refuse,
 * naming the file and the field. Throws `UserError`.
 */
export function checkCalibrateBlock(scenario: Scenario, source: string): void {
  if (!scenario.calibrate) return;
  const r = resolveCalibration(scenario, { source });
  const base = stripStudy(scenario);
  for (const x of gridOf(r)) pointScenario(base, { [r.param]: x }, r.initialPaths, `${source}: calibrate.range value`);
}

/** Whether an estimate's one-sided limits put it clearly on the meeting or failing side of a target. */
export function decide(t: Target, e: Estimate): Decision {
  const v = t.value;
  const { lower: lo, upper: hi } = e;
  switch (t.op) {
    case '<=':
      return hi !== null && hi <= v ? 'meets' : lo !== null && lo > v ? 'fails' : 'undecided';
    case '<':
      return hi !== null && hi < v ? 'meets' : lo !== null && lo >= v ? 'fails' : 'undecided';
    case '>=':
      return lo !== null && lo >= v ? 'meets' : hi !== null && hi < v ? 'fails' : 'undecided';
    case '>':
      return lo !== null && lo > v ? 'meets' : hi !== null && hi <= v ? 'fails' : 'undecided';
  }
}

/** The error-spending plan: K tests, L looks, the one-sided error of each look. */
export function errorSpendingPlan(r: { confidence: number; range: [number, number]; gridPoints: number; tolerance: number; initialPaths: number; maxPathsPerPoint: number; integer: boolean }): CalibrationResult['errorSpending'] {
  const alpha = 1 - r.confidence;
  const gap = (r.range[1] - r.range[0]) / (r.gridPoints - 1);
  const bisections = gap > r.tolerance ? Math.ceil(Math.log2(gap / r.tolerance) - 1e-9) : 0;
  const tests = 1 + Math.max(0, bisections);
  const perValueAlpha = alpha / tests;
  const { looks, alphaPerLook, levelPerLook } = lookSpending(perValueAlpha, r.initialPaths, r.maxPathsPerPoint);
  return {
    overallAlpha: alpha,
    tests,
    perValueAlpha,
    looks,
    alphaPerLook,
    levelPerLook,
    rule: `Bonferroni over K = ${tests} tests (1 grid step-down + ${tests - 1} bisection midpoints), power spending α(t) = (α/K)·t² over ${looks} look${looks === 1 ? '' : 's'} per value`,
  };
}

/**
 * How one tested value spends its error `perValueAlpha` over its looks at n₀, 2n₀, … ≤ nMax paths: the
 * power rule α(t) = perValueAlpha·t², t = n/nMax — look j tests at one-sided perValueAlpha·(t_j² − t_{j−1}²)
 * and its interval is two-sided at 1 − 2·that.
 */
export function lookSpending(perValueAlpha: number, initialPaths: number, maxPathsPerPoint: number): { looks: number; alphaPerLook: number[]; levelPerLook: number[] } {
  let looks = 1;
  while (initialPaths * 2 ** looks <= maxPathsPerPoint) looks++;
  const nMax = initialPaths * 2 ** (looks - 1);
  const alphaPerLook: number[] = [];
  let prev = 0;
  for (let j = 0; j < looks; j++) {
    const t = (initialPaths * 2 ** j) / nMax;
    alphaPerLook.push(perValueAlpha * (t * t - prev));
    prev = t * t;
  }
  return { looks, alphaPerLook, levelPerLook: alphaPerLook.map((a) => 1 - 2 * a) };
}

/** The largest 1-2-5 step (…, 0.001, 0.002, 0.005, 0.01, …) no coarser than `tolerance`; at least 1 for a whole-number parameter. */
export function resolutionFor(tolerance: number, integer: boolean): number {
  const e = Math.floor(Math.log10(tolerance));
  let best = 10 ** e;
  for (const m of [2, 5]) if (m * 10 ** e <= tolerance * (1 + 1e-9)) best = m * 10 ** e;
  return integer ? Math.max(1, Math.round(best)) : Number(best.toPrecision(1));
}

/** Rounds a value in the safe direction (up when low values are efficient, down when high ones are) to a multiple of `step`. */
export function roundSafe(x: number, step: number, prefer: 'low' | 'high'): number {
  const k = x / step;
  const r = prefer === 'low' ? Math.ceil(k - 1e-9) : Math.floor(k + 1e-9);
  return Number((r * step).toPrecision(12));
}

/** A parameter value for the recommendation sentence: a rate-like parameter below 1 as a percentage. */
export function fmtRecommendation(param: string, x: number, step: number): string {
  const rate = /(mmr|rate|fraction|share)$/i.test(param) && Math.abs(x) < 1;
  if (rate) {
    const decimals = Math.max(0, -Math.floor(Math.log10(step * 100) + 1e-9));
    return `${(100 * x).toFixed(decimals)}%`;
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return x.toFixed(decimals);
}

/** Runs a calibration. Deterministic, and resumable when `out` is given. */
export async function runCalibration(input: Scenario, opts: CalibrateOptions = {}): Promise<CalibrationResult> {
  return withPool(opts.workers, (pool) => calibrate(input, opts, pool));
}

/** An evaluated value: its paths (runs) and what they say (ev). */
interface Point {
  run: PointRuns;
  ev: EvaluatedValue;
}

/**
 * The values a calibration has evaluated and the paths it has spent on them: a value's first look on
 * `initialPaths` paths, and its re-tests with doubled paths while undecided (within the per-point
 * limit and the path budget). Every decision is at the look's level of the error-spending plan.
 */
class ValueTests {
  readonly points = new Map<number, Point>();
  /** Paths used (computed + read from disk). */
  spent = 0;
  computed = 0;
  fromDisk = 0;
  private order = 0;
  /** The value being evaluated (for progress). */
  private current: number;
  private readonly evalOpts: EvalOptions;
  private readonly def: NonNullable<ReturnType<typeof metricDef>>;
  private readonly pathsPerBook: number | undefined;

  constructor(
    private readonly r: Resolved,
    private readonly base: Scenario,
    readonly plan: CalibrationResult['errorSpending'],
    opts: CalibrateOptions,
    pool: LazyPool,
    folder: StudyFolder | undefined,
  ) {
    this.def = metricDef(r.target.metric)!;
    this.pathsPerBook = pathsPerBookOf(base);
    this.current = r.range[0];
    this.evalOpts = {
      folder,
      workers: opts.workers,
      pool,
      remote: opts.remote,
      onPaths: (d, disk) => {
        this.spent += d;
        if (disk) this.fromDisk += d;
        else this.computed += d;
        opts.onProgress?.({ pointsDone: this.points.size, points: 0, pathsDone: this.spent, pathsTotal: r.pathBudget, label: `${r.param}=${this.current}` });
      },
    };
  }

  /** The metric at look j (0-based): two-sided at 1 − 2·α_j, so its ends are the one-sided limits the decision uses. */
  private metricOf(run: PointRuns, look: number): Estimate {
    const t = run.table();
    return evaluateFunctional(this.def.functional, this.def.values(t, run.traders), this.plan.levelPerLook[look], designOfTable(t, this.pathsPerBook), this.def.kind);
  }

  private refresh(p: Point): void {
    p.ev.aggregates = p.run.aggregates();
    p.ev.paths = p.run.have;
    const look = Math.min(this.plan.looks - 1, Math.round(Math.log2(p.run.have / this.r.initialPaths)));
    p.ev.looks = look + 1;
    p.ev.lookAlpha = this.plan.alphaPerLook[look];
    p.ev.metric = this.metricOf(p.run, look);
    p.ev.decision = decide(this.r.target, p.ev.metric);
  }

  /** Evaluates a value on initialPaths paths (once). */
  async firstLook(x: number, phase: EvaluatedValue['phase']): Promise<Point> {
    this.current = x;
    const known = this.points.get(x);
    if (known) return known;
    const sc = pointScenario(this.base, { [this.r.param]: x }, this.r.initialPaths, 'calibration value');
    const run = new PointRuns(sc, `${this.r.param}=${x}`);
    await run.extendTo(this.r.initialPaths, this.evalOpts);
    const p: Point = {
      run,
      ev: {
        value: x,
        paths: 0,
        metric: null as unknown as Estimate,
        looks: 1,
        lookAlpha: this.plan.alphaPerLook[0],
        decision: 'undecided',
        limitedBy: null,
        capital: capitalEfficiency(sc),
        order: this.order++,
        phase,
        aggregates: null as unknown as Aggregates,
      },
    };
    this.points.set(x, p);
    this.refresh(p);
    return p;
  }

  /** Evaluates a value, then re-tests it with doubled paths while it is undecided and the limits allow. */
  async evaluate(x: number, phase: EvaluatedValue['phase']): Promise<EvaluatedValue> {
    const p = await this.firstLook(x, phase);
    while (p.ev.decision === 'undecided') {
      const next = p.run.have * 2;
      if (next > this.r.maxPathsPerPoint) {
        p.ev.limitedBy = 'per-point limit';
        break;
      }
      if (this.spent + (next - p.run.have) > this.r.pathBudget) {
        p.ev.limitedBy = 'path budget';
        break;
      }
      await p.run.extendTo(next, this.evalOpts);
      this.refresh(p);
      p.ev.limitedBy = null;
    }
    return p.ev;
  }

  /** Every evaluated value, by value. */
  byValue(): Point[] {
    return [...this.points.values()].sort((x, y) => x.ev.value - y.ev.value);
  }

  /** The paired (common-random-number) difference of the target metric between two evaluated values, at 95%. */
  pairedDifference(a: Point, b: Point): PairedDifference | null {
    const ca = a.run.table();
    const cb = b.run.table();
    const d = designOfTable(ca.n <= cb.n ? ca : cb, this.pathsPerBook);
    return pairedDifference(this.def.functional, this.def.values(ca, a.run.traders), this.def.values(cb, b.run.traders), {
      confidence: 0.95,
      seed: this.base.seed,
      key: this.r.target.metric,
      design: d,
    });
  }
}

/** The grid: evenly spaced, both ends included; on a whole-number field rounded to whole numbers (duplicates dropped). */
function gridOf(r: Resolved): number[] {
  const [lo, hi] = r.range;
  const rawGrid = Array.from({ length: r.gridPoints }, (_, i) => (i === 0 ? lo : i === r.gridPoints - 1 ? hi : lo + ((hi - lo) * i) / (r.gridPoints - 1)));
  const grid = [...new Set(rawGrid.map((x) => (r.integer ? Math.round(x) : round12(x))))];
  grid[0] = lo;
  grid[grid.length - 1] = hi;
  return grid;
}

interface SearchOutcome {
  status: CalibrationResult['status'];
  stop: CalibrationResult['stop'];
  /** The most efficient value that met the target (null: none did). */
  meetX: number | null;
}

/** Steps 1–3 of the search (module comment): the grid, the step-down from the safe end, the bisection. */
async function search(r: Resolved, grid: number[], tests: ValueTests): Promise<SearchOutcome> {
  const [lo, hi] = r.range;
  // 1. grid, every value at its first look
  const effOrder = (xs: number[]) => [...xs].sort((a, b) => (r.prefer === 'low' ? a - b : b - a));
  for (const x of grid) await tests.firstLook(x, 'grid');
  // 2. step-down from the safe end: re-test each value until one does not meet the target
  const ordered = effOrder(grid);
  const safeFirst = [...ordered].reverse();
  let lastMeet = -1;
  for (let i = 0; i < safeFirst.length; i++) {
    const ev = await tests.evaluate(safeFirst[i], 'grid');
    if (ev.decision !== 'meets') break;
    lastMeet = i;
  }
  if (lastMeet === -1) {
    const safeEnd = tests.points.get(safeFirst[0])!.ev;
    return {
      status: 'infeasible',
      meetX: null,
      stop: {
        reason: 'infeasible',
        message:
          `no value in [${lo}, ${hi}] meets ${formatTarget(r.target)} with ${r.confidence} overall confidence: the safest end (${safeFirst[0]}) ${
            safeEnd.decision === 'fails' ? 'fails it' : `is undecided after ${safeEnd.paths} paths (${safeEnd.limitedBy ?? 'limit'}) — more paths might change that`
          }` + `; widen the range toward the ${r.prefer === 'low' ? 'high' : 'low'} end or relax the target`,
      },
    };
  }
  if (lastMeet === safeFirst.length - 1) {
    const meetX = ordered[0];
    return { status: 'whole-range', meetX, stop: { reason: 'range end', message: `the most capital-efficient end of the range (${meetX}) already meets the target; extend the range to look further` } };
  }
  let meetX = safeFirst[lastMeet];
  let a = safeFirst[lastMeet + 1];
  // 3. bisection between a (does not meet) and meetX (meets)
  let reason: CalibrationResult['stop']['reason'] = 'clear';
  while (Math.abs(meetX - a) > r.tolerance) {
    if (tests.spent + r.initialPaths > r.pathBudget) {
      reason = 'path budget';
      break;
    }
    const m: number = r.integer ? Math.round(0.5 * (a + meetX)) : round12(0.5 * (a + meetX));
    if (m === a || m === meetX) break;
    const ev = await tests.evaluate(m, 'bisection');
    if (ev.decision === 'meets') meetX = m;
    else a = m;
  }
  const aEv = tests.points.get(a)!.ev;
  if (reason === 'clear' && aEv.decision === 'undecided') reason = aEv.limitedBy ?? 'per-point limit';
  const width = Math.abs(meetX - a);
  const towardEfficient = r.prefer === 'low' ? 'down' : 'up';
  return {
    status: 'found',
    meetX,
    stop: {
      reason,
      message:
        reason === 'clear'
          ? `decision clear: ${meetX} meets the target and ${a} clearly fails it (bracket ${round12(width)} ≤ tolerance ${r.tolerance})`
          : reason === 'path budget'
            ? `path budget reached (${r.pathBudget} paths): ${aEv.decision === 'undecided' ? `at ${a} the metric's interval still contains the target` : `bracket [${Math.min(a, meetX)}, ${Math.max(a, meetX)}] not yet narrower than ${r.tolerance}`}`
            : `per-point path limit reached (${r.maxPathsPerPoint} paths) at ${a}: its ${pctLabel(aEv.metric.level)} interval [${fmtLim(aEv.metric.lower)}, ${fmtLim(aEv.metric.upper)}] still contains the target ${r.target.value}; the boundary is within the tolerance but not statistically clear — more paths might allow values ${towardEfficient} to ${a}`,
    },
  };
}

/** Step 5: monotonicity over every evaluated value (by value), with paired differences between neighbours that move against the trend. */
function monotonicityOf(metric: string, evaluated: Point[], tests: ValueTests): CalibrationResult['monotonicity'] {
  const first = evaluated[0].ev.metric.estimate;
  const last = evaluated[evaluated.length - 1].ev.metric.estimate;
  const direction: CalibrationResult['monotonicity']['direction'] = last > first ? 'increasing' : last < first ? 'decreasing' : 'flat';
  const violations: CalibrationResult['monotonicity']['violations'] = [];
  for (let i = 0; i + 1 < evaluated.length; i++) {
    const d = evaluated[i + 1].ev.metric.estimate - evaluated[i].ev.metric.estimate;
    if ((direction === 'increasing' && d < 0) || (direction === 'decreasing' && d > 0)) {
      const diff = tests.pairedDifference(evaluated[i], evaluated[i + 1]);
      violations.push({ from: evaluated[i].ev.value, to: evaluated[i + 1].ev.value, difference: diff, significant: diff?.significant ?? false });
    }
  }
  const significant = violations.filter((v) => v.significant);
  return {
    direction,
    monotone: significant.length === 0,
    violations,
    message:
      significant.length > 0
        ? `NOT MONOTONE: ${metric} moves against the trend between ${significant.map((v) => `${v.from} and ${v.to}`).join('; ')} (paired difference significant) — bisection assumes a monotone metric, so a more efficient value may also meet the target; run a sweep over the range to see the shape`
        : violations.length > 0
          ? `monotone within noise: ${violations.length} small reversal(s) between neighbouring values, none significant on paired differences`
          : `monotone (${direction}) over all ${evaluated.length} evaluated values`,
  };
}

/** The nearest clearly failing value on the efficient side of the recommendation `meetX`, or null. */
function nearestClearFail(evaluated: Point[], meetX: number, prefer: 'low' | 'high'): number | null {
  const effSide = evaluated.map((p) => p.ev).filter((e) => (prefer === 'low' ? e.value < meetX : e.value > meetX) && e.decision === 'fails');
  if (!effSide.length) return null;
  return effSide.reduce((best, e) => (Math.abs(e.value - meetX) < Math.abs(best - meetX) ? e.value : best), effSide[0].value);
}

/** The last unit of safety: from the recommendation to the next more efficient evaluated value. */
function lastStepOf(evaluated: Point[], meetX: number, prefer: 'low' | 'high', tests: ValueTests): CalibrationResult['lastStep'] {
  const i = evaluated.findIndex((p) => p.ev.value === meetX);
  const j = prefer === 'low' ? i - 1 : i + 1;
  if (j < 0 || j >= evaluated.length) return null;
  return { from: meetX, to: evaluated[j].ev.value, metricDifference: tests.pairedDifference(evaluated[i], evaluated[j]), capitalFrom: evaluated[i].ev.capital, capitalTo: evaluated[j].ev.capital };
}

/** A calibration: resolve and check (resolveCalibration), search (steps 1–3), then the result (steps 4–5). */
async function calibrate(input: Scenario, opts: CalibrateOptions, pool: LazyPool): Promise<CalibrationResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const r = resolveCalibration(input, opts);
  // an automatic importance-sampling shift is resolved once, on the base: every value shares the tilt (common random numbers)
  const base = resolveSampling(stripStudy(input));
  const [lo, hi] = r.range;
  const grid = gridOf(r);
  // validate every grid value before anything is run or written (a value the schema rejects is the
  // user's error); bisection midpoints lie between valid values
  for (const x of [lo, hi, ...grid.slice(1, -1)]) pointScenario(base, { [r.param]: x }, r.initialPaths, 'calibration value');

  const folder = opts.out
    ? StudyFolder.open(opts.out, { command: 'calibrate', inputs: { scenario: scenarioIdentity(base), param: r.param, initialPaths: r.initialPaths, marginlabVersion: VERSION } }, { fresh: opts.fresh })
    : undefined;
  opts.onStart?.(folder?.resumedChunks ?? 0);
  const tests = new ValueTests(r, base, errorSpendingPlan(r), opts, pool, folder);
  const outcome = await search(r, grid, tests);
  const result = calibrationResult(r, base, tests, outcome);
  return { ...result, run: { workers: opts.workers ?? defaultWorkers(), elapsedMs: Math.round(performance.now() - t0), startedAt, pathsComputed: tests.computed, pathsFromDisk: tests.fromDisk } };
}

/** Steps 4–5: the recommendation rounded in the safe direction, the boundary, the last step, monotonicity, the frontier measure. */
function calibrationResult(r: Resolved, base: Scenario, tests: ValueTests, { status, stop, meetX }: SearchOutcome): Omit<CalibrationResult, 'run'> {
  const [lo, hi] = r.range;
  const def = metricDef(r.target.metric)!;
  const evaluated = tests.byValue();
  const clearFail = meetX !== null ? nearestClearFail(evaluated, meetX, r.prefer) : null;
  const monotonicity = monotonicityOf(r.target.metric, evaluated, tests);
  const lastStep = meetX !== null ? lastStepOf(evaluated, meetX, r.prefer, tests) : null;
  const rec = meetX !== null ? tests.points.get(meetX)!.ev : null;
  const resolution = resolutionFor(r.tolerance, r.integer);
  let rounded = rec ? roundSafe(rec.value, resolution, r.prefer) : 0;
  if (rec && (rounded < lo || rounded > hi)) rounded = rec.value;
  const m = varyingMeasure(evaluated.map((p) => p.ev.capital));
  return {
    format: CALIBRATION_FORMAT,
    marginlabVersion: VERSION,
    scenario: portableScenario(base),
    seed: base.seed,
    traders: base.traders.count,
    param: r.param,
    range: r.range,
    target: { ...r.target, label: def?.label ?? r.target.metric, unit: def?.unit ?? null },
    confidence: r.confidence,
    prefer: r.prefer,
    errorSpending: tests.plan,
    settings: { initialPaths: r.initialPaths, maxPathsPerPoint: r.maxPathsPerPoint, pathBudget: r.pathBudget, tolerance: r.tolerance, gridPoints: r.gridPoints },
    status,
    recommended: rec
      ? {
          value: rec.value,
          rounded,
          resolution,
          statement: `set ${r.param} ${r.prefer === 'low' ? '≥' : '≤'} ${fmtRecommendation(r.param, rounded, resolution)}`,
          metric: rec.metric,
          paths: rec.paths,
          capital: rec.capital,
        }
      : null,
    boundary: meetX !== null ? { meets: meetX, fails: clearFail, width: clearFail === null ? null : round12(Math.abs(meetX - clearFail)) } : null,
    stop,
    lastStep,
    reference: referenceOf(base, r.param),
    monotonicity,
    frontierMeasure: m,
    evaluated: evaluated.map((p) => p.ev),
    pathsSpent: tests.spent,
  };
}

function fmtLim(x: number | null): string {
  return x === null ? 'open' : Number(x.toPrecision(4)).toString();
}

/** The scenario's own value of the parameter with its capital efficiency, or null (not a finite number). */
function referenceOf(base: Scenario, param: string): CalibrationResult['reference'] {
  const v = getAt(base, param);
  return typeof v === 'number' && Number.isFinite(v) ? { value: v, capital: capitalEfficiency(base) } : null;
}
