/**
 * Sensitivity: how much one headline metric moves for a step in each policy lever, on common random
 * numbers. Each lever is stepped down and up from the scenario's value, one lever at a time; every variant
 * runs on the same seed and path indices as the base, so each change is a paired difference path by path
 * (src/sweep/compare.ts does the running and the differencing; Holm's correction spans every lever and side).
 *
 * Pipeline: levers (given, or the defaults the scenario has) → variants (base, then each lever down and
 * up, each validated) → comparison → one row per lever, ordered by swing (the tornado's order).
 */
import type { Scenario } from '../scenario/schema.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { runComparison, type ComparedDifference, type ComparisonResult, type CompareOptions, type VariantInput } from './compare.js';
import { checkParamPath, getAt, isIntegerParam, pointScenario, stripStudy } from './params.js';
import { metricDef } from './metrics.js';
import type { StudyProgress } from './sweep.js';

const SENSITIVITY_FORMAT = 'marginlab.sensitivity/1';

/** Levers tried when none is given, in this order, where the scenario has them with a non-zero value. */
export const DEFAULT_LEVERS = ['policy.maintenance.mmr', 'policy.insuranceFund.initialUsd', 'policy.liquidation.feeRate'] as const;
/** Default step: this fraction of the lever's value, each way. */
export const DEFAULT_RELATIVE_STEP = 0.2;
/** Most levers one study takes (a base and two variants each: the comparison's limit of 12 variants). */
export const MAX_LEVERS = 5;
/** The metric a sensitivity summarises unless told otherwise. */
export const DEFAULT_SENSITIVITY_METRIC = 'badDebtUsd.mean';

export interface LeverStep {
  /** Canonical dotted path. */
  path: string;
  /** The scenario's value. */
  base: number;
  /** Values tried below and above it. */
  down: number;
  up: number;
}

export interface SensitivityRow extends LeverStep {
  /** Metric at the lowered and raised value minus the metric at the base, paired path by path. */
  changeDown: ComparedDifference;
  changeUp: ComparedDifference;
  /** |changeUp − changeDown|: the length of the lever's tornado bar. */
  swing: number;
}

export interface SensitivityResult {
  format: typeof SENSITIVITY_FORMAT;
  marginlabVersion: string;
  scenarioName: string;
  metric: { key: string; label: string; unit: string };
  /** The metric at the scenario's own values. */
  base: { estimate: number; lower: number | null; upper: number | null; n: number };
  /** One row per lever, largest swing first. */
  levers: SensitivityRow[];
  /** The comparison the rows come from (variant `base`, then `<path>-down` and `<path>-up` per lever). */
  comparison: ComparisonResult;
}

/** A lever's steps: `step` is absolute ("0.005") or a percentage of the value ("20%"); an integer field steps by whole units. */
export function leverStep(scenario: Scenario, path: string, step: string | undefined, flag = '--lever'): LeverStep {
  const canonical = checkParamPath(scenario, path, flag);
  const base = getAt(scenario, canonical) as number;
  let d: number;
  if (step === undefined) d = DEFAULT_RELATIVE_STEP * Math.abs(base);
  else {
    const m = /^\s*\+?((?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*$/i.exec(step);
    if (!m) throw new UserError(`${flag} ${canonical}=${step}: expected a positive step, absolute (0.005) or a percentage of the value (20%)`);
    d = m[2] ? (Number(m[1]) / 100) * Math.abs(base) : Number(m[1]);
  }
  if (isIntegerParam(scenario, canonical)) d = Math.max(1, Math.round(d));
  if (!(d > 0) || !Number.isFinite(d)) {
    throw new UserError(`${flag} ${canonical}: the step is 0 (the scenario's value is ${base}); give an absolute step, e.g. ${flag} ${canonical}=0.01`);
  }
  const round = (x: number) => Number(x.toPrecision(12));
  const lever = { path: canonical, base, down: round(base - d), up: round(base + d) };
  // each stepped scenario is validated now, so a step that breaks a rule stops before anything runs
  for (const side of ['down', 'up'] as const) leverScenario(scenario, lever, side, scenario.paths);
  return lever;
}

/** The scenario with one lever stepped down or up (validated; a step that breaks a rule is the user's error, naming the lever). */
function leverScenario(scenario: Scenario, l: LeverStep, side: 'down' | 'up', paths: number): Scenario {
  return pointScenario(stripStudy(scenario), { [l.path]: l[side] }, paths, `--lever ${l.path} stepped ${side} to`);
}

/** Parses `--lever path[=step]` flags; none: the default levers the scenario has with a non-zero value. */
export function leversFromFlags(scenario: Scenario, flags: readonly string[] | undefined): LeverStep[] {
  const levers = flags?.length
    ? flags.map((f) => {
        const eq = f.indexOf('=');
        return leverStep(scenario, eq < 0 ? f : f.slice(0, eq), eq < 0 ? undefined : f.slice(eq + 1));
      })
    : DEFAULT_LEVERS.filter((p) => typeof getAt(scenario, p) === 'number' && (getAt(scenario, p) as number) !== 0).map((p) => leverStep(scenario, p, undefined));
  if (levers.length === 0) throw new UserError(`sensitivity: the scenario has none of the default levers (${DEFAULT_LEVERS.join(', ')}) with a non-zero value; name them with --lever <path>[=step]`);
  if (levers.length > MAX_LEVERS) throw new UserError(`sensitivity: ${levers.length} levers — at most ${MAX_LEVERS} (each adds two variants)`);
  const twice = levers.find((l, i) => levers.findIndex((m) => m.path === l.path) !== i);
  if (twice) throw new UserError(`--lever ${twice.path}: given twice`);
  return levers;
}

export interface SensitivityOptions {
  levers: LeverStep[];
  metric?: string;
  paths?: number;
  workers?: number;
  out?: string;
  fresh?: boolean;
  onProgress?: (p: StudyProgress) => void;
  onStart?: CompareOptions['onStart'];
  runVariant?: CompareOptions['runVariant'];
}

/** Runs the base and each lever stepped down and up on the same paths. Deterministic for a scenario, levers and seed. */
export async function runSensitivity(input: Scenario, opts: SensitivityOptions): Promise<SensitivityResult> {
  const scenario = stripStudy(input);
  const key = opts.metric ?? DEFAULT_SENSITIVITY_METRIC;
  const def = metricDef(key);
  if (!def) throw new UserError(`--metric ${JSON.stringify(key)}: unknown`); // the comparison lists what is allowed
  const paths = opts.paths ?? scenario.paths;
  const variants: VariantInput[] = [{ name: 'base', description: 'the scenario as written', source: 'scenario', scenario }];
  for (const l of opts.levers) {
    for (const side of ['down', 'up'] as const) {
      const value = l[side];
      const s = leverScenario(scenario, l, side, paths);
      variants.push({ name: `${l.path}-${side}`, description: `${l.path} = ${value} (the scenario has ${l.base})`, source: `--lever ${l.path}`, scenario: s });
    }
  }
  const comparison = await runComparison(variants, { metrics: [key], paths, workers: opts.workers, out: opts.out, fresh: opts.fresh, onProgress: opts.onProgress, onStart: opts.onStart, runVariant: opts.runVariant });
  const diff = (name: string) => comparison.differences.find((d) => d.variant === name)!.metrics[key];
  const levers: SensitivityRow[] = opts.levers
    .map((l) => {
      const changeDown = diff(`${l.path}-down`);
      const changeUp = diff(`${l.path}-up`);
      return { ...l, changeDown, changeUp, swing: Math.abs(changeUp.estimate - changeDown.estimate) };
    })
    .sort((a, b) => b.swing - a.swing);
  const m = comparison.metrics.find((x) => x.key === key)!;
  const be = comparison.variants[0].estimates[key];
  return {
    format: SENSITIVITY_FORMAT,
    marginlabVersion: VERSION,
    scenarioName: scenario.name,
    metric: { key, label: m.label, unit: m.unit },
    base: { estimate: be.estimate, lower: be.lower, upper: be.upper, n: be.n },
    levers,
    comparison,
  };
}
