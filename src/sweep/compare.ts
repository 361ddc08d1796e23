/**
 * Policy comparison: run two or more variants of a scenario on identical exogenous shocks (same seed,
 * same path indices) and report every metric per variant and the paired difference of each variant
 * against the baseline, with confidence intervals and significance (per comparison, and after a
 * Holm–Bonferroni correction over all of them).
 *
 * Variants come from several scenario files, or from one scenario's `variants:` block (a patch per
 * variant). Variants should differ only in policy and market microstructure; a variant that changes
 * the exogenous price stream (price model, initial price, step length, horizon) or the trader book is
 * still run, with a warning, because its differences are then not common-random-number comparisons.
 */
import path from 'node:path';
import { quantileSorted } from 'simple-statistics';
import type { Scenario } from '../scenario/schema.js';
import { pathsPerBookOf, refusePrecisionInStudy } from '../scenario/sampling.js';
import { carryPolicyChanges } from '../scenario/market-policy.js';
import { parseScenario, rederiveDefaults, writtenInput, type ParseOptions } from '../scenario/load.js';
import { runScenario, type Results } from '../api/run.js';
import type { Aggregates, SeriesBands } from '../stats/aggregate.js';
import type { Estimate } from '../stats/ci.js';
import { median } from '../stats/median.js';
import { defaultWorkers } from '../mc/runner.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { capitalEfficiency, type CapitalEfficiency } from './capital.js';
import { designOfTable } from '../stats/aggregate.js';
import { PathTable } from '../mc/table.js';
import { HEADLINE_METRICS, metricDef } from './metrics.js';
import { holmLevels, pairedDifference, type PairedDifference } from '../stats/paired.js';
import { bookRulesOf, insuranceFunds } from '../scenario/market-policy.js';
import { evaluateFunctional } from '../stats/metrics.js';
import { resolveSampling } from '../mc/chunk.js';
import { stripStudy } from './params.js';
import { differences, hashOf, StudyFolder } from './store.js';
import { portableScenario, scenarioIdentity } from '../scenario/data-files.js';
import { createRunContext } from '../engine/context.js';
import { bookDifference, inadmissiblePositions, type BookDifference, type Inadmissible } from '../api/book-diff.js';
import { marketConfigs } from '../agents/population.js';
import { checkMetrics, type MetricInfo, type StudyProgress } from './sweep.js';

const COMPARISON_FORMAT = 'marginlab.comparison/1';

/** Added to the default metrics when a variant covers shortfalls beyond the fund by ADL or socialised loss. */
const WATERFALL_METRICS = ['paths.adlNotionalUsd.mean', 'paths.adlProfitTakenUsd.mean', 'paths.adlPnlClosedUsd.mean', 'paths.socialisedLossUsd.mean'];

export interface VariantInput {
  name: string;
  description: string;
  /** Where it came from: a file, or `<file> variants[i]`. */
  source: string;
  scenario: Scenario;
}

/** Deep merge of a patch: objects merge by field, anything else replaces; a different `kind` replaces the object. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
  if (!isObj(base) || !isObj(patch)) return structuredClone(patch);
  if ('kind' in patch && patch.kind !== base.kind) return structuredClone(patch);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(patch)) out[k] = k in base ? mergePatch(base[k], v) : structuredClone(v);
  return out;
}

/** Keys that would reach an object's prototype when merged, refused in an override. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The dotted path of the first forbidden key in `v` (own keys, at any depth), or undefined. */
function forbiddenKey(v: unknown, at: string, depth = 0): string | undefined {
  if (v === null || typeof v !== 'object' || depth > 64) return undefined;
  for (const k of Object.keys(v)) {
    const p = Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`;
    if (!Array.isArray(v) && FORBIDDEN_KEYS.has(k)) return p;
    const deeper = forbiddenKey((v as Record<string, unknown>)[k], p, depth + 1);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * The variants of a scenario's `variants:` block, each validated: unique names, no `seed`, `paths`
 * or study block in an override, no `__proto__`/`constructor`/`prototype` key, and the merged
 * scenario valid. `opts` is the scenario file's path policy (a data file an override names is
 * relative to the scenario's folder). `run`, `sweep` and `calibrate` call this too, so a scenario
 * with an invalid block is refused by every command.
 */
export function variantsFromBlock(s: Scenario, source: string, opts: ParseOptions = {}): VariantInput[] {
  if (!s.variants) throw new UserError(`${source}: has no variants: block — give two or more scenario files, or add variants: [{ name, override }, …]`);
  const base = stripStudy(s);
  const names = new Set<string>();
  return s.variants.map((v, i) => {
    if (names.has(v.name)) throw new UserError(`${source}: variants[${i}].name: ${JSON.stringify(v.name)} is used twice — variant names must be unique`);
    names.add(v.name);
    const bad = forbiddenKey(v.override, `variants[${i}].override`);
    if (bad) throw new UserError(`${source}: ${bad}: not allowed — an override may not hold a key named __proto__, constructor or prototype`);
    for (const k of ['seed', 'paths', 'sweep', 'calibrate', 'recommend', 'variants']) {
      if (k in v.override) throw new UserError(`${source}: variants[${i}].override.${k}: not allowed — every variant runs on the scenario's ${k === 'seed' || k === 'paths' ? k : 'settings'}`);
    }
    let merged: unknown;
    if ('preset' in v.override) {
      // another venue's rules: patch the scenario as written, so its preset's rules are not taken as the user's
      const written = writtenInput(s);
      if (!written || typeof written !== 'object') throw new UserError(`${source}: variants[${i}].override.preset: a variant can change the preset only of a scenario read from a file`);
      const { sweep: _s, calibrate: _c, variants: _v, ...rest } = written as Record<string, unknown>;
      void [_s, _c, _v];
      merged = mergePatch(rest, v.override);
    } else merged = rederiveDefaults(s, carryPolicyChanges(s, mergePatch(base, v.override) as Record<string, unknown>));
    const scenario = parseScenario(merged, `${source}: variants[${i}] (${v.name})`, opts);
    return { name: v.name, description: v.description, source: `${source} variants[${i}]`, scenario };
  });
}

/** A variant's source as outputs show it: an absolute scenario path by its base name. */
function portableSource(source: string): string {
  const sp = source.indexOf(' ');
  const file = sp < 0 ? source : source.slice(0, sp);
  return path.isAbsolute(file) ? path.basename(file) + (sp < 0 ? '' : source.slice(sp)) : source;
}

/** Variants from several files (name = scenario name, made unique). */
export function variantsFromFiles(files: { scenario: Scenario; source: string }[]): VariantInput[] {
  const seen = new Map<string, number>();
  return files.map(({ scenario, source }) => {
    if (scenario.variants) throw new UserError(`${source}: has a variants: block — compare it on its own (marginlab compare ${source}), not together with other files`);
    const n = (seen.get(scenario.name) ?? 0) + 1;
    seen.set(scenario.name, n);
    return { name: n === 1 ? scenario.name : `${scenario.name}-${n}`, description: scenario.description, source, scenario: stripStudy(scenario) };
  });
}

/** The fields that determine the exogenous price shocks of path k (every market's model and start, their correlation). */
function exogenousFields(s: Scenario) {
  const markets = [s.market, ...(s.otherMarkets ?? [])];
  return {
    seed: s.seed,
    stepSeconds: s.stepSeconds,
    horizonSteps: s.horizonSteps,
    markets: markets.map((m) => ({ initialPriceUsd: m.initialPriceUsd, priceModel: m.priceModel })),
    correlation: s.correlation ?? null,
  };
}

export interface CompareOptions {
  /** Runs a variant elsewhere (a worker fleet) instead of `runScenario` on this machine; must give what runScenario(scenario, { drilldown: false }) gives. */
  runVariant?: (scenario: Scenario, onProgress: (done: number) => void) => Promise<Results>;
  /** Paths for every variant (default: the baseline's). */
  paths?: number;
  /** Seed for every variant (default: the baseline's). */
  seed?: number;
  /** Name of the variant differences are taken against (default: the first). */
  baseline?: string;
  metrics?: string[];
  workers?: number;
  out?: string;
  fresh?: boolean;
  /** Draw each policy's opening book under its own rules instead of holding the baseline's book fixed (`--redraw-book`). */
  redrawBook?: boolean;
  onProgress?: (p: StudyProgress) => void;
  /** Called once the inputs are checked and the output folder opened, before any path is simulated (with the chunks found finished on disk). */
  onStart?: (resumedChunks: number) => void;
}

export interface ComparedVariant {
  name: string;
  description: string;
  source: string;
  scenario: Scenario;
  aggregates: Aggregates;
  capital: CapitalEfficiency;
  population: Results['population'];
  series: SeriesBands | null;
  cascadeHistograms: Results['cascadeHistograms'];
  /** Per-path quantiles (p = 0, 0.005, …, 1) of bad debt and liquidated notional, for distribution plots. */
  distributions: { p: number[]; badDebtUsd: number[]; liquidatedNotionalUsd: number[] };
  /** Each compared metric's estimate for this variant (a per-path field's mean is not in `aggregates`). */
  estimates: Record<string, Estimate>;
}

/**
 * A paired difference in a comparison: its own 95% interval (`lower`, `upper`, unadjusted), the
 * interval at the level Holm's step-down procedure tests it at (`holm`, simultaneous over the family of
 * every variant × metric), and `significantHolm` = that interval excludes 0, so a verdict and the
 * intervals shown beside it agree. A metric undefined or degenerate for one side (`notApplicable`, e.g.
 * "no fund" for P(insurance fund exhausted) when a side's fund is $0) is left out of the family and
 * never counts as a difference.
 */
export type ComparedDifference = PairedDifference & {
  significantHolm: boolean;
  /** The Holm-adjusted interval: confidence 1 − αᵢ, αᵢ the level Holm tests this difference at (src/stats/paired.ts `holmLevels`). Absent when not applicable, and in files written before it existed. */
  holm?: { lower: number; upper: number; confidence: number };
  /** Why the difference is not a like-for-like comparison ("no fund"); absent when it is. */
  notApplicable?: string;
};

/** Metrics of the insurance fund: degenerate for a side whose fund is $0 (it can neither pay nor run out). */
const FUND_METRIC = /^(probFundExhausted|fundPaidUsd\.|fundEndUsd\.|paths\.fund(Paid|End|Exhausted|Start))/;

/** Why metric `key` is undefined or degenerate for a variant ("no fund"), else null. */
export function notApplicableFor(key: string, s: Scenario): string | null {
  if (FUND_METRIC.test(key) && insuranceFunds(s).funds.every((f) => !(f.initialUsd > 0) && !(f.recapitalisation && (f.recapitalisation.feeShare > 0 || f.recapitalisation.injectUsd > 0)))) return 'no fund';
  return null;
}

export interface ComparisonResult {
  format: typeof COMPARISON_FORMAT;
  marginlabVersion: string;
  seed: number;
  paths: number;
  baseline: string;
  metrics: MetricInfo[];
  variants: ComparedVariant[];
  /** Each non-baseline variant minus the baseline, per metric, paired path by path. */
  differences: { variant: string; metrics: Record<string, ComparedDifference> }[];
  /** Median (unpaired SE / paired SE) over variants, per metric: how much common random numbers narrowed the intervals. */
  crnPrecisionGain: Record<string, number | null>;
  warnings: string[];
  /**
   * How far each non-baseline variant's opening book differs from the baseline's (seasoning under its
   * own rules, initial-margin caps): null where the books could not be redrawn (a saved run whose price
   * model reads a CSV file). Absent from comparison.json files written before it existed.
   */
  bookDifferences?: BookComparison[];
  /** Whether every policy faced the baseline's opening book (`bookRules`; the default), or drew its own (`--redraw-book`). Absent from files written before. */
  bookHeld?: boolean;
  /** live: every variant simulated (or resumed from --out); saved: compared from saved run folders without simulating. */
  source?: 'live' | 'saved';
  run: { workers: number; elapsedMs: number; startedAt: string; variantsResumed: number };
}

/** How a policy's opening book relates to the baseline's: the account-by-account difference, and with the book held fixed the positions its own rules would not admit. */
export interface BookComparison {
  variant: string;
  difference: BookDifference | null;
  /** With the book held fixed: the baseline's positions this policy's initial margin would not admit (kept, and reported). */
  inadmissible?: Inadmissible;
}

/** The warning a comparison gives when a variant's opening book differs from the baseline's. */
function bookWarning(variant: string, baseline: string, d: BookDifference): string {
  const pct = (x: number) => `${Number((100 * x).toPrecision(2))}%`;
  const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
  return `${variant} faces a different opening book from ${baseline}: ${d.accountsDiffering.toLocaleString('en-US')} of ${d.accounts.toLocaleString('en-US')} accounts (${pct(
    d.shareOfAccounts,
  )}) hold different positions or collateral (seasoned under its own rules or capped by its initial margin), holding ${usd(d.openInterestDifferingUsd)} of ${baseline}'s ${usd(
    d.openInterestUsd[0],
  )} open interest; open interest ${usd(d.openInterestUsd[0])} → ${usd(d.openInterestUsd[1])}. Part of each paired difference is the book's, not the policy's alone.`;
}

/** Book differences of every variant against the baseline (each book drawn once; null where it cannot be redrawn), and with the book held the positions each policy would not admit. */
function bookDifferences(variants: { name: string; scenario: Scenario }[], bi: number, canDraw: (s: Scenario) => boolean): BookComparison[] {
  const base = variants[bi];
  if (!canDraw(base.scenario)) return variants.filter((_, i) => i !== bi).map((v) => ({ variant: v.name, difference: null }));
  const prices = marketConfigs(base.scenario).map((m) => m.initialPriceUsd);
  const pb = createRunContext(base.scenario).population;
  return variants
    .filter((_, i) => i !== bi)
    .map((v) => {
      if (!canDraw(v.scenario)) return { variant: v.name, difference: null };
      const ctx = createRunContext(v.scenario);
      const held = v.scenario.bookRules !== undefined;
      return {
        variant: v.name,
        difference: bookDifference(pb, ctx.population, prices),
        ...(held ? { inadmissible: inadmissiblePositions(ctx.population, ctx.rules.map((r) => r.initialMargin), ctx.rules.map((_, m) => ctx.maintenanceFor(m)), prices) } : {}),
      };
    });
}

const readsCsv = (s: Scenario) => [s.market, ...(s.otherMarkets ?? [])].some((m) => m.priceModel.kind === 'csv');

const DIST_P = Array.from({ length: 201 }, (_, i) => i / 200);

function quantiles(xs: number[]): number[] {
  const s = Array.from(Float64Array.from(xs).sort());
  return DIST_P.map((p) => quantileSorted(s, p));
}

/** The variants of a comparison as it runs them: one seed and path count, a shared importance-sampling tilt; with the warnings about them. */
export interface PreparedComparison {
  variants: VariantInput[];
  bi: number;
  seed: number;
  paths: number;
  metrics: MetricInfo[];
  warnings: string[];
}

/** Checks the variants and options and prepares the variants every way of running a comparison uses (live, sharded). */
export function prepareComparison(variantsIn: VariantInput[], opts: CompareOptions = {}): PreparedComparison {
  if (variantsIn.length < 2) throw new UserError(`compare: ${variantsIn.length} variant given — compare needs at least two (files, or a variants: block)`);
  if (variantsIn.length > 12) throw new UserError(`compare: ${variantsIn.length} variants — at most 12`);
  const bi = opts.baseline === undefined ? 0 : variantsIn.findIndex((v) => v.name === opts.baseline);
  if (bi < 0) throw new UserError(`--baseline ${JSON.stringify(opts.baseline)}: no such variant; allowed: ${variantsIn.map((v) => v.name).join(', ')}`);
  const waterfall = variantsIn.some((v) => v.scenario.policy.waterfall.afterInsuranceFund !== 'none');
  const metrics: MetricInfo[] = checkMetrics(opts.metrics ?? [...HEADLINE_METRICS, ...(waterfall ? WATERFALL_METRICS : [])], variantsIn[bi].scenario);
  const baseIn = variantsIn[bi];
  const seed = opts.seed ?? baseIn.scenario.seed;
  const paths = opts.paths ?? baseIn.scenario.paths;
  const warnings: string[] = [];
  // same seed and paths for everyone, then re-validate
  const variants = variantsIn.map((v) => {
    if (v.scenario.seed !== seed && opts.seed === undefined) warnings.push(`${v.name}: seed ${v.scenario.seed} replaced by the baseline's seed ${seed} so every variant sees the same shocks`);
    if (v.scenario.paths !== paths && opts.paths === undefined) warnings.push(`${v.name}: paths ${v.scenario.paths} replaced by ${paths} (every variant runs the same path indices)`);
    return { ...v, scenario: parseScenario({ ...v.scenario, seed, paths }, v.source) };
  });
  // importance sampling: an automatic shift is resolved on the baseline and given to every variant
  // with an automatic shift, so all run on the same tilted shocks with the same weights
  const baseSampling = resolveSampling(variants[bi].scenario).sampling;
  for (const v of variants) {
    const imp = v.scenario.sampling?.importance;
    if (imp?.shiftPerStep === 'auto' && baseSampling?.importance) {
      v.scenario = { ...v.scenario, sampling: { ...v.scenario.sampling, importance: { ...imp, shiftPerStep: baseSampling.importance.shiftPerStep } } };
    }
  }
  // the opening book held fixed: every policy draws it under the baseline's rules (unless asked to redraw)
  if (!opts.redrawBook && !variants[bi].scenario.traders.snapshot) {
    const rules = variants[bi].scenario.bookRules ?? bookRulesOf(variants[bi].scenario);
    for (const [i, v] of variants.entries()) if (i !== bi) v.scenario = parseScenario({ ...v.scenario, bookRules: rules }, v.source);
  }
  const base = variants[bi];
  for (const v of variants) {
    if (v === base) continue;
    const exo = differences(exogenousFields(base.scenario), exogenousFields(v.scenario));
    if (exo.length) {
      warnings.push(
        `${v.name}: changes the exogenous price stream (${exo.join(', ')}) — its price shocks differ from ${base.name}'s, so its paired differences are not common-random-number comparisons`,
      );
    }
    const sampling = differences({ sampling: base.scenario.sampling ?? null }, { sampling: v.scenario.sampling ?? null });
    if (sampling.length) {
      warnings.push(
        `${v.name}: samples paths differently from ${base.name} (${sampling.join(', ')}) — different importance weights or books per path, so its paired differences are not common-random-number comparisons`,
      );
    }
    const book = differences(base.scenario.traders, v.scenario.traders);
    if (book.length) warnings.push(`${v.name}: has a different trader book (traders.${book.join(', traders.')}) — prices are common, traders are not`);
  }

  return { variants, bi, seed, paths, metrics, warnings };
}

/** The file under a comparison's folder where a variant's results are saved (named by the scenario's identity, which holds each data file's content hash). */
export function variantFile(v: { name: string; scenario: Scenario }): string {
  return `variants/${v.name}-${hashOf(scenarioIdentity(v.scenario))}.json`;
}

/** Runs every variant on the same seed and paths and differences them against the baseline. */
export async function runComparison(variantsIn: VariantInput[], opts: CompareOptions = {}): Promise<ComparisonResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const { variants, bi, seed, paths, metrics, warnings } = prepareComparison(variantsIn, opts);
  for (const v of variants) refusePrecisionInStudy(v.scenario, 'compare', `variant ${v.name}`);
  const base = variants[bi];
  const folder = opts.out
    ? StudyFolder.open(opts.out, { command: 'compare', inputs: { variants: variants.map((v) => ({ name: v.name, scenario: scenarioIdentity(v.scenario) })), marginlabVersion: VERSION } }, { fresh: opts.fresh })
    : undefined;
  opts.onStart?.(folder?.resumedChunks ?? 0);
  const results: Results[] = [];
  let resumed = 0;
  let pathsDone = 0;
  for (const [i, v] of variants.entries()) {
    const file = variantFile(v);
    const saved = folder?.readJson<Results>(file);
    if (saved && hashOf(saved.scenario) === hashOf(portableScenario(v.scenario)) && saved.aggregates?.paths === paths) {
      results.push(saved);
      resumed++;
      pathsDone += paths;
      opts.onProgress?.({ pointsDone: i + 1, points: variants.length, pathsDone, pathsTotal: paths * variants.length, label: v.name });
      continue;
    }
    const before = pathsDone;
    const onProgress = (done: number) => {
      pathsDone = before + done;
      opts.onProgress?.({ pointsDone: i, points: variants.length, pathsDone, pathsTotal: paths * variants.length, label: v.name });
    };
    const r = opts.runVariant ? await opts.runVariant(v.scenario, onProgress) : await runScenario(v.scenario, { workers: opts.workers, drilldown: false, onProgress });
    folder?.writeJson(file, r);
    results.push(r);
    pathsDone = before + paths;
    opts.onProgress?.({ pointsDone: i + 1, points: variants.length, pathsDone, pathsTotal: paths * variants.length, label: v.name });
  }

  const books = bookDifferences(variants, bi, () => true);
  for (const b of books) if (b.difference && b.difference.accountsDiffering > 0) warnings.push(bookWarning(b.variant, base.name, b.difference));
  return { ...assemble({ variants, results, metrics, bi, seed, paths, warnings, books, source: 'live', startedAt, t0, workers: opts.workers ?? defaultWorkers(), resumed }), bookHeld: variants.some((v, i) => i !== bi && v.scenario.bookRules !== undefined) };
}

interface AssembleInput {
  variants: VariantInput[];
  results: Results[];
  metrics: MetricInfo[];
  bi: number;
  seed: number;
  paths: number;
  warnings: string[];
  books: BookComparison[];
  source: 'live' | 'saved';
  startedAt: string;
  t0: number;
  workers: number;
  resumed: number;
}

/** Paired differences, significance and per-variant summaries from every variant's results (same seed, same paths). */
function assemble(x: AssembleInput): ComparisonResult {
  const { variants, results, metrics, bi, seed, paths, warnings } = x;
  const base = variants[bi];
  const tables = results.map((r) => PathTable.fromColumns(r.paths));
  const design = designOfTable(tables[bi], pathsPerBookOf(base.scenario));
  const perPath = results.map((r, i) => Object.fromEntries(metrics.map((m) => [m.key, metricDef(m.key)!.values(tables[i], r.population.traders)])));
  const raw = variants
    .map((v, i) => ({ v, i }))
    .filter(({ i }) => i !== bi)
    .map(({ v, i }) => ({
      variant: v.name,
      metrics: Object.fromEntries(metrics.map((m) => [m.key, pairedDifference(metricDef(m.key)!.functional, perPath[bi][m.key], perPath[i][m.key], { seed, key: m.key, design })])),
    }));
  // a metric degenerate for either side is left out of the Holm family
  const na = raw.map((d) => Object.fromEntries(metrics.map((m) => [m.key, notApplicableFor(m.key, base.scenario) ?? notApplicableFor(m.key, variants.find((v) => v.name === d.variant)!.scenario)])));
  const flat = raw.flatMap((d, i) => metrics.map((m) => (na[i][m.key] ? NaN : d.metrics[m.key].pValue)));
  const levels = holmLevels(flat);
  let j = 0;
  const diffs = raw.map((d, i) => {
    const vi = variants.findIndex((v) => v.name === d.variant);
    return {
      variant: d.variant,
      metrics: Object.fromEntries(
        metrics.map((m) => {
          const x = d.metrics[m.key];
          const level = levels[j++];
          const reason = na[i][m.key];
          if (reason) return [m.key, { ...x, significantHolm: false, notApplicable: reason }];
          // the same seed and key: the bootstrap redraws the same resamples, read at Holm's level
          const adj = pairedDifference(metricDef(m.key)!.functional, perPath[bi][m.key], perPath[vi][m.key], { seed, key: m.key, design, confidence: 1 - level });
          return [m.key, { ...x, significantHolm: adj.lower > 0 || adj.upper < 0, holm: { lower: adj.lower, upper: adj.upper, confidence: 1 - level } }];
        }),
      ) as Record<string, ComparedDifference>,
    };
  });
  const gain = (key: string) => {
    const xs = raw.map((d) => d.metrics[key]).filter((x) => x.standardError > 0).map((x) => x.unpairedStandardError / x.standardError);
    return median(xs);
  };

  return {
    format: COMPARISON_FORMAT,
    marginlabVersion: VERSION,
    seed,
    paths,
    baseline: base.name,
    metrics,
    variants: variants.map((v, i) => ({
      name: v.name,
      description: v.description,
      source: portableSource(v.source),
      scenario: portableScenario(v.scenario),
      aggregates: results[i].aggregates,
      capital: capitalEfficiency(v.scenario),
      population: results[i].population,
      series: results[i].series,
      cascadeHistograms: results[i].cascadeHistograms,
      distributions: { p: DIST_P, badDebtUsd: quantiles(results[i].paths.badDebtUsd), liquidatedNotionalUsd: quantiles(results[i].paths.liquidatedNotionalUsd) },
      estimates: Object.fromEntries(
        metrics.map((m) => {
          const def = metricDef(m.key)!;
          return [m.key, evaluateFunctional(def.functional, perPath[i][m.key], 0.95, designOfTable(tables[i], pathsPerBookOf(v.scenario)), def.kind)];
        }),
      ),
    })),
    differences: diffs,
    crnPrecisionGain: Object.fromEntries(metrics.map((m) => [m.key, gain(m.key)])),
    warnings,
    bookDifferences: x.books,
    source: x.source,
    run: { workers: x.workers, elapsedMs: Math.round(performance.now() - x.t0), startedAt: x.startedAt, variantsResumed: x.resumed },
  };
}

/** A saved run to compare: its results.json and where it came from (the folder, as given). */
export interface SavedRun {
  results: Results;
  source: string;
}

/**
 * Compares saved runs without simulating: their per-path records are paired path by path, which is a
 * common-random-numbers comparison only when the runs share a seed, a path count, the exogenous price
 * stream and the trader book's configuration — each is checked, and a run that differs is refused
 * (UserError naming both runs and what differs). The opening books are redrawn (no paths run) to say
 * how many accounts seasoning left different, as a live comparison does.
 */
export function compareSavedRuns(runs: SavedRun[], opts: { baseline?: string; metrics?: string[] } = {}): ComparisonResult {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  if (runs.length < 2) throw new UserError(`compare: ${runs.length} saved run given — compare needs at least two`);
  if (runs.length > 12) throw new UserError(`compare: ${runs.length} saved runs — at most 12`);
  const seen = new Map<string, number>();
  const variants: VariantInput[] = runs.map(({ results, source }) => {
    const s = results.scenario;
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    return { name: n === 1 ? s.name : `${s.name}-${n}`, description: s.description, source, scenario: parseScenario(s, `${source}: scenario`, { readFiles: false }) };
  });
  const bi = opts.baseline === undefined ? 0 : variants.findIndex((v) => v.name === opts.baseline);
  if (bi < 0) throw new UserError(`--baseline ${JSON.stringify(opts.baseline)}: no such run; allowed: ${variants.map((v) => v.name).join(', ')}`);
  const base = variants[bi];
  const baseRun = runs[bi].results;
  const warnings: string[] = [];
  for (const [i, v] of variants.entries()) {
    const r = runs[i].results;
    if (readsCsv(v.scenario)) {
      throw new UserError(`compare: ${runs[i].source}: its price model reads a CSV file, which a saved run does not carry — compare the scenario files instead (marginlab compare a.yaml b.yaml)`);
    }
    if (i === bi) continue;
    if (r.seed !== baseRun.seed) {
      throw new UserError(`compare: ${runs[i].source} (seed ${r.seed}) and ${runs[bi].source} (seed ${baseRun.seed}) do not share a seed, so their paths are different shocks — rerun with the same --seed, or compare the scenario files`);
    }
    if (r.aggregates.paths !== baseRun.aggregates.paths) {
      throw new UserError(`compare: ${runs[i].source} has ${r.aggregates.paths} paths and ${runs[bi].source} ${baseRun.aggregates.paths} — paired differences need the same paths; rerun with the same --paths`);
    }
    const exo = differences(exogenousFields(base.scenario), exogenousFields(v.scenario));
    if (exo.length) throw new UserError(`compare: ${runs[i].source} and ${runs[bi].source} face different price shocks (${exo.join(', ')}) — saved runs are compared only on common random numbers`);
    const book = differences(base.scenario.traders, v.scenario.traders);
    if (book.length) throw new UserError(`compare: ${runs[i].source} and ${runs[bi].source} do not share a book (traders.${book.join(', traders.')} differ) — compare the scenario files to see the difference with a warning`);
    if (r.marginlabVersion !== baseRun.marginlabVersion) warnings.push(`${v.name}: written by marginlab ${r.marginlabVersion}, ${base.name} by ${baseRun.marginlabVersion} — the engine may differ between versions`);
  }
  const waterfall = variants.some((v) => v.scenario.policy.waterfall.afterInsuranceFund !== 'none');
  const metrics: MetricInfo[] = checkMetrics(opts.metrics ?? [...HEADLINE_METRICS, ...(waterfall ? WATERFALL_METRICS : [])], base.scenario);
  const books = bookDifferences(variants, bi, () => true);
  for (const b of books) if (b.difference && b.difference.accountsDiffering > 0) warnings.push(bookWarning(b.variant, base.name, b.difference));
  return assemble({
    variants,
    results: runs.map((r) => r.results),
    metrics,
    bi,
    seed: baseRun.seed,
    paths: baseRun.aggregates.paths,
    warnings,
    books,
    source: 'saved',
    startedAt,
    t0,
    workers: 0,
    resumed: runs.length,
  });
}
