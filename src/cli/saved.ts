/**
 * Saved output folders of every command — a run (results.json), a sweep (sweep.json), a calibration
 * (calibration.json), a comparison (comparison.json), a recommendation (recommendation.json), a
 * sensitivity (sensitivity.json): finding them, reading them (bounded, checked),
 * and their verdicts. Used by `marginlab report` (rebuild any folder), `marginlab list` and `marginlab
 * compare` of saved runs. A file that is not what it claims is a `UserError` naming the file and the
 * first wrong field: one line, exit 2.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RESULTS_FORMAT, type Results } from '../api/run.js';
import type { SweepResult } from '../sweep/sweep.js';
import type { CalibrationResult } from '../sweep/calibrate.js';
import type { ComparisonResult } from '../sweep/compare.js';
import type { RecommendationResult } from '../sweep/recommend.js';
import type { SensitivityResult } from '../sweep/sensitivity.js';
import { UserError } from '../errors.js';
import { parseScenario } from '../scenario/load.js';
import { describeIssue, jsonType, show, type IssueStyle } from '../scenario/issue.js';
import { ResultsFileSchema } from '../report/results-schema.js';
import { MIB, readBoundedFile, utf8 } from '../io/files.js';
import { calibrationSummary, comparisonSummary, runSummary, sweepSummary, type Summary } from '../report/verdict.js';
import { recommendationSummary } from '../report/recommend-report.js';
import { sensitivitySummary } from '../report/sensitivity-page.js';

export type SavedKind = 'run' | 'sweep' | 'calibrate' | 'compare' | 'recommend' | 'sensitivity';

/** The main file of each kind of output folder, and its format tag. */
export const KINDS: Record<SavedKind, { file: string; format: string }> = {
  run: { file: 'results.json', format: 'marginlab.results/1' },
  sweep: { file: 'sweep.json', format: 'marginlab.sweep/1' },
  calibrate: { file: 'calibration.json', format: 'marginlab.calibration/1' },
  compare: { file: 'comparison.json', format: 'marginlab.comparison/1' },
  recommend: { file: 'recommendation.json', format: 'marginlab.recommendation/1' },
  sensitivity: { file: 'sensitivity.json', format: 'marginlab.sensitivity/1' },
};

export type Saved =
  | { kind: 'run'; dir: string; file: string; data: Results }
  | { kind: 'sweep'; dir: string; file: string; data: SweepResult }
  | { kind: 'calibrate'; dir: string; file: string; data: CalibrationResult }
  | { kind: 'compare'; dir: string; file: string; data: ComparisonResult }
  | { kind: 'recommend'; dir: string; file: string; data: RecommendationResult }
  | { kind: 'sensitivity'; dir: string; file: string; data: SensitivityResult };

const SAVED_FILE: IssueStyle = { kind: 'saved file' };

/** Largest results.json read (256 MiB; a 1,000,000-path run writes about 190 MB). */
const MAX_RESULTS_BYTES = 256 * MIB;

/**
 * Reads and checks a results.json written by `marginlab run` (at most `MAX_RESULTS_BYTES`): its
 * format, every field the report reads (src/report/results-schema.ts), and its scenario — without
 * reading any file the scenario names (an untrusted results.json cannot make the report open
 * `/etc/passwd`). Throws `UserError` naming the file and the first wrong field.
 */
function loadResults(file: string): Results {
  const text = utf8(readBoundedFile(file, MAX_RESULTS_BYTES, 'results file'));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new UserError(`${file}: not valid JSON${m ? ` (at character ${m[1]})` : ''} — expected a results.json written by "marginlab run"`);
  }
  if (jsonType(data) !== 'object') throw new UserError(`${file}: expected a JSON object (a results.json written by "marginlab run"), got ${jsonType(data)}`);
  const r = data as Record<string, unknown>;
  if (r.format !== RESULTS_FORMAT) {
    const got = r.format === undefined ? 'no "format" field' : `format ${show(r.format)}`;
    throw new UserError(`${file}: not a marginlab run's results (${got}; expected format "${RESULTS_FORMAT}")`);
  }
  const parsed = ResultsFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(`${file}: ${describeIssue(parsed.error.issues[0], data, SAVED_FILE)}`);
  }
  // The scenario must still be one this version understands (its fields drive the report's text);
  // data files it names are not read.
  parseScenario(r.scenario, `${file}: scenario`, { readFiles: false });
  return data as Results;
}

/** Largest study file read (256 MiB). */
const MAX_STUDY_BYTES = 256 * MIB;

/** Which kind of output `dir` holds (by its main file), or null. */
function kindOfFolder(dir: string): SavedKind | null {
  for (const k of Object.keys(KINDS) as SavedKind[]) if (existsSync(path.join(dir, KINDS[k].file))) return k;
  return null;
}

const est = z.looseObject({ estimate: z.number(), lower: z.number(), upper: z.number() });
const capital = z.looseObject({ maintenanceLeverage: z.number().nullable() });
const scenario = z.looseObject({ name: z.string(), seed: z.number() });
/** An estimate as recommendation.json holds it (an open bound is null). */
const estN = z.looseObject({ estimate: z.number(), lower: z.number().nullable(), upper: z.number().nullable(), n: z.number() });
const outcome = z.looseObject({ metric: estN, decision: z.enum(['meets', 'fails', 'undecided']) });
const target = z.looseObject({ metric: z.string(), op: z.string(), value: z.number(), label: z.string(), unit: z.string() });
const marketCapital = z.looseObject({ maintenanceLeverage: z.number().nullable(), maxLeverage: z.number() });
/** A lever's change as sensitivity.json holds it: a paired difference with its Holm verdict. */
const change = z.looseObject({ estimate: z.number(), lower: z.number(), upper: z.number(), significantHolm: z.boolean() });

/** The fields the study pages and verdicts read, per kind (loose: fields a later version adds are kept). */
const STUDY_SCHEMAS = {
  sweep: z.looseObject({
    marginlabVersion: z.string(),
    scenario,
    seed: z.number(),
    paths: z.number().int().min(1),
    traders: z.number(),
    params: z.array(z.looseObject({ path: z.string(), values: z.array(z.number()).min(1) })).min(1).max(6),
    metrics: z.array(z.looseObject({ key: z.string(), label: z.string(), unit: z.string() })).min(1),
    baselineIndex: z.number().int().min(0),
    points: z.array(z.looseObject({ values: z.record(z.string(), z.number()), aggregates: z.looseObject({}), capital, differences: z.looseObject({}), run: z.looseObject({ elapsedMs: z.number(), resumed: z.boolean() }) })).min(1),
    crnPrecisionGain: z.record(z.string(), z.number().nullable()),
    run: z.looseObject({ elapsedMs: z.number(), pointsResumed: z.number(), pointsComputed: z.number() }),
  }),
  calibrate: z.looseObject({
    marginlabVersion: z.string(),
    scenario,
    seed: z.number(),
    param: z.string(),
    range: z.tuple([z.number(), z.number()]),
    target: z.looseObject({ metric: z.string(), op: z.string(), value: z.number(), label: z.string() }),
    confidence: z.number(),
    prefer: z.enum(['low', 'high']),
    settings: z.looseObject({ tolerance: z.number(), gridPoints: z.number() }),
    status: z.string(),
    evaluated: z.array(z.looseObject({ value: z.number(), metric: est, capital, paths: z.number() })),
    monotonicity: z.looseObject({ monotone: z.boolean(), message: z.string() }),
    stop: z.looseObject({ reason: z.string(), message: z.string() }),
    pathsSpent: z.number(),
    run: z.looseObject({ elapsedMs: z.number(), pathsComputed: z.number(), pathsFromDisk: z.number() }),
  }),
  compare: z.looseObject({
    marginlabVersion: z.string(),
    seed: z.number(),
    paths: z.number().int().min(1),
    baseline: z.string(),
    metrics: z.array(z.looseObject({ key: z.string(), label: z.string(), unit: z.string() })).min(1),
    variants: z.array(z.looseObject({ name: z.string(), scenario, aggregates: z.looseObject({}), capital, distributions: z.looseObject({ p: z.array(z.number()), badDebtUsd: z.array(z.number()) }) })).min(2),
    differences: z.array(z.looseObject({ variant: z.string(), metrics: z.record(z.string(), est) })),
    warnings: z.array(z.string()),
    run: z.looseObject({ elapsedMs: z.number(), variantsResumed: z.number() }),
  }),
  recommend: z.looseObject({
    marginlabVersion: z.string(),
    name: z.string(),
    seed: z.number(),
    scenario: z.looseObject({ market: z.looseObject({ name: z.string() }), otherMarkets: z.array(z.looseObject({ name: z.string() })) }),
    scenarios: z.array(z.looseObject({ name: z.string(), source: z.string(), seed: z.number() })).min(1),
    confidence: z.number(),
    marketTarget: target,
    venueTarget: target.nullable(),
    levers: z.array(z.looseObject({ param: z.string() })).min(1),
    errorSpending: z.looseObject({ overallAlpha: z.number(), perPointAlpha: z.number(), levelPerLook: z.array(z.number()), rule: z.string() }),
    settings: z.looseObject({ initialPaths: z.number() }),
    status: z.enum(['found', 'infeasible']),
    message: z.string(),
    recommended: z
      .looseObject({
        fund: z.looseObject({ current: z.number().nullable(), recommended: z.number() }).nullable(),
        venue: z.array(z.looseObject({ scenario: z.string(), before: estN, after: estN, decision: z.string() })).nullable(),
        venueBinding: z.string().nullable(),
        markets: z.array(
          z.looseObject({
            name: z.string(),
            searched: z.boolean(),
            status: z.string(),
            levers: z.array(z.looseObject({ param: z.string(), current: z.number().nullable(), recommended: z.number() })),
            before: z.array(z.looseObject({ scenario: z.string(), metric: estN })),
            after: z.array(z.looseObject({ scenario: z.string(), metric: estN, decision: z.string() })),
            binding: z.string().nullable(),
            leverageBefore: marketCapital,
            leverageAfter: marketCapital,
          }),
        ),
      })
      .nullable(),
    evaluated: z.array(
      z.looseObject({
        order: z.number(),
        phases: z.array(z.string()),
        fund: z.number().nullable(),
        dials: z.array(z.number().nullable()),
        values: z.record(z.string(), z.number()),
        scenarios: z.array(z.looseObject({ name: z.string(), paths: z.number(), markets: z.array(outcome), venue: outcome.nullable() })),
      }),
    ),
    pathsSpent: z.number(),
    run: z.looseObject({ elapsedMs: z.number() }),
  }),
  sensitivity: z.looseObject({
    marginlabVersion: z.string(),
    scenarioName: z.string(),
    metric: z.looseObject({ key: z.string(), label: z.string(), unit: z.string() }),
    base: estN,
    levers: z.array(z.looseObject({ path: z.string(), base: z.number(), down: z.number(), up: z.number(), changeDown: change, changeUp: change, swing: z.number() })).min(1),
    comparison: z.looseObject({
      seed: z.number(),
      paths: z.number().int().min(1),
      variants: z.array(z.looseObject({ name: z.string() })).min(1),
      warnings: z.array(z.string()),
      run: z.looseObject({ elapsedMs: z.number(), variantsResumed: z.number() }),
    }),
  }),
} as const;

function readJson(file: string, what: string): unknown {
  const text = utf8(readBoundedFile(file, MAX_STUDY_BYTES, what)).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch {
    throw new UserError(`${file}: not valid JSON — expected a ${what} written by marginlab`);
  }
}

/** Reads a saved output: a folder (its main file is found) or one of the main files (`KINDS`). Throws `UserError`. */
export function loadSaved(target: string): Saved {
  let dir: string;
  let file: string;
  let kind: SavedKind | null;
  const isDir = existsSync(target) && statSync(target).isDirectory();
  if (isDir) {
    dir = target;
    kind = kindOfFolder(dir);
    if (!kind) throw new UserError(`${target}: holds no marginlab output (none of ${Object.values(KINDS).map((k) => k.file).join(', ')})`);
    file = path.join(dir, KINDS[kind].file);
  } else {
    file = target;
    dir = path.dirname(target);
    kind = (Object.keys(KINDS) as SavedKind[]).find((k) => KINDS[k].file === path.basename(target)) ?? null;
  }
  if (kind === 'run' || kind === null) {
    // a results.json, or a file of another name: a run's results unless its format says otherwise
    if (kind === null) {
      const data = readJson(file, 'results file') as { format?: unknown };
      const other = (['sweep', 'calibrate', 'compare', 'recommend', 'sensitivity'] as const).find((k) => KINDS[k].format === data?.format);
      if (other) return checkStudy(other, dir, file, data);
    }
    return { kind: 'run', dir, file, data: loadResults(file) };
  }
  return checkStudy(kind as Exclude<SavedKind, 'run'>, dir, file, readJson(file, `${kind} file`));
}

function checkStudy(kind: Exclude<SavedKind, 'run'>, dir: string, file: string, data: unknown): Saved {
  const fmt = (data as { format?: unknown })?.format;
  if (fmt !== KINDS[kind].format) {
    throw new UserError(`${file}: not a marginlab ${kind} file (${fmt === undefined ? 'no "format" field' : `format ${show(fmt)}`}; expected format "${KINDS[kind].format}")`);
  }
  const parsed = STUDY_SCHEMAS[kind].safeParse(data);
  if (!parsed.success) {
    throw new UserError(`${file}: ${describeIssue(parsed.error.issues[0], data, SAVED_FILE)}`);
  }
  return { kind, dir, file, data } as Saved;
}

/** The verdict of a saved output (`out`: the folder it names). */
export function summaryOfSaved(s: Saved, out: string | null = s.dir): Summary {
  switch (s.kind) {
    case 'run':
      return runSummary(s.data, out);
    case 'sweep':
      return sweepSummary(s.data, out);
    case 'calibrate':
      return calibrationSummary(s.data, out);
    case 'compare':
      return comparisonSummary(s.data, out);
    case 'recommend':
      return recommendationSummary(s.data, out);
    case 'sensitivity':
      return sensitivitySummary(s.data, out);
  }
}

/** Output folders under `root` (and `root` itself), sorted by name: those holding one of the main files (`KINDS`). */
export function findOutputFolders(root: string): { dir: string; kind: SavedKind }[] {
  const out: { dir: string; kind: SavedKind }[] = [];
  const own = existsSync(root) && statSync(root).isDirectory() ? kindOfFolder(root) : null;
  if (own) out.push({ dir: root, kind: own });
  let names: string[] = [];
  try {
    names = readdirSync(root).sort();
  } catch {
    throw new UserError(`${root}: cannot be read as a folder of reports`);
  }
  for (const n of names) {
    if (n.startsWith('.')) continue;
    const d = path.join(root, n);
    try {
      if (!statSync(d).isDirectory()) continue;
    } catch {
      continue;
    }
    const k = kindOfFolder(d);
    if (k) out.push({ dir: d, kind: k });
  }
  return out;
}
