/**
 * Recommendations for a whole venue: every market's rules and the insurance fund, searched together for
 * the most capital-efficient set that meets a target per market and one for the venue, on every scenario
 * named (a calm day, a volatile week, stress replays), with a stated overall confidence
 * (docs/recommend.md).
 *
 * The levers. Each market has one *dial* t ∈ [0, 1]: at t = 0 every lever of `recommend.markets.levers`
 * sits at its safe end, at t = 1 at its capital-efficient end (low MMR, high maximum leverage, …), in
 * between linearly (a whole-number field rounded toward its safe end). The fund lever (`venue.fund`) is
 * one number shared by the venue.
 *
 * Capital efficiency, plainly: first the traders' — each market's dial as far toward the efficient end
 * as its target allows (the lowest maintenance requirement and the highest leverage allowed on the book);
 * then the venue's — the smallest fund that meets the venue target with those market rules.
 *
 * The search (the algorithm and its limits are in docs/recommend.md):
 *  1. for a fund value F, the *joint point* with every searched dial at 0 is evaluated on every scenario;
 *     a market whose target it does not meet is infeasible at F;
 *  2. then every dial at 1; a market that meets its target there is done (the efficient end);
 *  3. bisection on every remaining market's dial at once — each joint point sets every undecided market
 *     to its bracket's midpoint, and one run of each scenario decides all of them — until every bracket is
 *     narrower than the tolerance;
 *  4. confirmation: the joint point with every market at its last meeting dial is evaluated; it must meet
 *     every market target *and* the venue target on every scenario. A market that fails there (the
 *     markets are coupled through the shared fund, cross margin and ADL) is moved halfway back to its safe
 *     end and the point re-confirmed, at most 2 more times;
 *  5. the fund: F = the range's high end first (if that fails, no set in the ranges meets every target),
 *     then its low end, then bisection on F — the smallest F whose confirmation holds.
 * A recommendation is always a confirmed joint point.
 *
 * Error control (calibrate's, src/sweep/calibrate.ts): a false claim "this set meets every target" needs
 * a violated target declared met at a confirmed point. At most K joint points can be confirmed or give a
 * market its dial — K = (fund values) × (2 + bisection rounds + 3 confirmations) — so each point spends
 * α/K (Bonferroni), spread over its looks at n₀, 2n₀, … paths by the power rule (`lookSpending`); every
 * target of a point is tested at that look's level. Every scenario runs every point on path indices
 * 0 … n − 1 of its own seed: common random numbers across points.
 */
import path from 'node:path';
import type { Scenario } from '../scenario/schema.js';
import type { RecommendConfig } from '../scenario/study.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import { loadScenarioFile, parseScenario } from '../scenario/load.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { defaultWorkers } from '../mc/runner.js';
import { resolveSampling } from '../mc/chunk.js';
import { designOfTable } from '../stats/aggregate.js';
import { evaluateFunctional, CATALOGUE, type ColumnReader } from '../stats/metrics.js';
import type { Estimate } from '../stats/ci.js';
import type { PathTable } from '../mc/table.js';
import { createRunContext } from '../engine/context.js';
import { marketConfigs } from '../agents/population.js';
import { PointRuns, withPool, type EvalOptions, type LazyPool, type RemoteRunner } from './evaluate.js';
import { decide, lookSpending, type Decision } from './calibrate.js';
import { checkParamPath, getAt, isIntegerParam, pointScenario, stripStudy } from './params.js';
import { checkTargetValue, formatTarget, metricDef, parseTarget, type Target, type Unit } from './metrics.js';
import { portableScenario } from '../scenario/data-files.js';
import type { StudyProgress } from './sweep.js';

const RECOMMENDATION_FORMAT = 'marginlab.recommendation/1';
/** Re-confirmations after the first, when a coupled market fails at the confirmed point. */
const EXTRA_CONFIRMATIONS = 2;

export interface RecommendOptions {
  /** The scenario file: names it in messages and resolves the block's `also:` files. */
  source?: string;
  /** Further scenarios the recommendation must hold on (besides the block's `also:`), already loaded. */
  also?: { source: string; scenario: Scenario }[];
  allowAnyPath?: boolean;
  remote?: RemoteRunner;
  initialPaths?: number;
  maxPathsPerPoint?: number;
  pathBudget?: number;
  confidence?: number;
  workers?: number;
  onProgress?: (p: StudyProgress) => void;
}

/** A per-market target's metric: a catalogue metric read from the market's own columns. */
const MARKET_COLUMNS: Readonly<Record<string, string>> = {
  badDebtUsd: 'badDebtByMarketUsd',
  liquidatedNotionalUsd: 'liquidatedNotionalByMarketUsd',
};

/** `probLiquidation`: P(the market liquidates at least one position on the path). */
const PROB_LIQUIDATION = 'probLiquidation';
/** `probShortfall`: P(the market's liquidations leave a shortfall for its fund on the path) — independent of the fund's size. */
const PROB_SHORTFALL = 'probShortfall';

interface MarketMetric {
  key: string;
  label: string;
  unit: Unit;
  values(t: PathTable, m: number): Float64Array;
  functional: (typeof CATALOGUE extends ReadonlyMap<string, infer D> ? D : never)['functional'];
  kind?: { nonNegative: boolean; bound?: number };
}

/** The metrics a market target may use: those of the catalogue read only from per-market columns, and probLiquidation. */
function marketMetrics(): Map<string, MarketMetric> {
  const out = new Map<string, MarketMetric>();
  out.set(PROB_LIQUIDATION, {
    key: PROB_LIQUIDATION,
    label: 'P(a liquidation in the market)',
    unit: 'probability',
    functional: { kind: 'proportion' },
    values: (t, m) => Float64Array.from(t.col(`liquidatedPositionsByMarket_${m}`), (x) => (x > 0 ? 1 : 0)),
  });
  out.set(PROB_SHORTFALL, {
    key: PROB_SHORTFALL,
    label: 'P(a shortfall sent to the fund)',
    unit: 'probability',
    functional: { kind: 'proportion' },
    values: (t, m) => Float64Array.from(t.col(`shortfallByMarketUsd_${m}`), (x) => (x > 0 ? 1 : 0)),
  });
  out.set('shortfallUsd.mean', {
    key: 'shortfallUsd.mean',
    label: 'mean shortfall sent to the fund',
    unit: 'usd',
    functional: { kind: 'mean' },
    kind: { nonNegative: true },
    values: (t, m) => Float64Array.from(t.col(`shortfallByMarketUsd_${m}`)),
  });
  for (const [key, d] of CATALOGUE) {
    let ok = true;
    const probe: ColumnReader = (f) => {
      if (!(f in MARKET_COLUMNS)) ok = false;
      return new Float64Array(2);
    };
    try {
      d.values(probe, 1);
    } catch {
      ok = false;
    }
    if (!ok) continue;
    out.set(key, {
      key,
      label: d.label.replace('bad debt', "the market's bad debt"),
      unit: d.unit,
      functional: d.functional,
      kind: d.kind,
      values: (t, m) => d.values((f) => t.col(`${MARKET_COLUMNS[f]}_${m}`), 1),
    });
  }
  return out;
}

const MARKET_METRICS = marketMetrics();

/** A lever resolved on market m: its canonical path in the scenario. */
interface MarketLever {
  param: string;
  /** The path inside a market, as written in the block. */
  relative: string;
  range: [number, number];
  prefer: 'low' | 'high';
  integer: boolean;
}

/** One scenario the recommendation must hold on. */
interface ScenarioUnder {
  name: string;
  source: string;
  base: Scenario;
  pathsPerBook: number | undefined;
}

interface Resolved {
  confidence: number;
  marketTarget: Target;
  marketMetric: MarketMetric;
  venueTarget: Target | null;
  fund: { param: string; range: [number, number]; tolerance: number } | null;
  /** Market names, in the order [market, …otherMarkets]. */
  marketNames: string[];
  /** Indices of the markets searched. */
  searched: number[];
  /** levers[m]: market m's levers (empty when not searched). */
  levers: MarketLever[][];
  dialTolerance: number;
  bisections: number;
  fundValues: number;
  initialPaths: number;
  maxPathsPerPoint: number;
  pathBudget: number;
  scenarios: ScenarioUnder[];
}

const fieldOf = (source: string | undefined, name: string) => `${source ? `${source}: ` : ''}recommend.${name}`;

function defaultPrefer(param: string): 'low' | 'high' {
  return /maxLeverage$/.test(param) ? 'high' : 'low';
}

/** Market names of a scenario, in order. */
function namesOf(sc: Scenario): string[] {
  return marketConfigs(sc).map((m) => m.name);
}

/** Resolves and checks the block (and the scenarios it names) without running anything. Throws `UserError`. */
function resolveRecommend(scenario: Scenario, opts: RecommendOptions): Resolved {
  const block = scenario.recommend;
  const src = opts.source;
  if (!block) throw new UserError(`${src ?? 'scenario'}: no recommend: block — add one with markets.target and markets.levers (docs/recommend.md)`);
  const names = namesOf(scenario);
  if (new Set(names).size !== names.length) throw new UserError(`${src ?? 'scenario'}: market names ${names.join(', ')}: recommend names markets by name, so each must be unique`);
  // market target
  const mt = block.markets.target;
  const m = /^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>|≤|≥)/.exec(mt);
  const metricKey = m?.[1] ?? '';
  const marketMetric = MARKET_METRICS.get(metricKey);
  if (!marketMetric) {
    throw new UserError(`${fieldOf(src, 'markets.target')} ${JSON.stringify(mt)}: the metric ${JSON.stringify(metricKey)} is not one a market target can use — allowed: ${[...MARKET_METRICS.keys()].join(', ')} (each read from the market's own bad debt or liquidations)`);
  }
  const marketTarget = parseTarget(mt, [...MARKET_METRICS.keys()], fieldOf(src, 'markets.target'));
  if (marketTarget.op === '>=' || marketTarget.op === '>') throw new UserError(`${fieldOf(src, 'markets.target')} ${JSON.stringify(mt)}: a market target bounds a risk from above — use <= or <`);
  // venue target
  let venueTarget: Target | null = null;
  if (block.venue) {
    const vt = block.venue.target;
    venueTarget = parseTarget(vt, [...CATALOGUE.keys()], fieldOf(src, 'venue.target'));
    if (!metricDef(venueTarget.metric)) throw new UserError(`${fieldOf(src, 'venue.target')} ${JSON.stringify(vt)}: unknown metric`);
    if (venueTarget.op === '>=' || venueTarget.op === '>') throw new UserError(`${fieldOf(src, 'venue.target')} ${JSON.stringify(vt)}: a venue target bounds a risk from above — use <= or <`);
    checkTargetValue(venueTarget, vt, fieldOf(src, 'venue.target'));
  }
  // markets searched
  const only = block.markets.only;
  if (only) {
    for (const [i, n] of only.entries()) if (!names.includes(n)) throw new UserError(`${fieldOf(src, `markets.only[${i}]`)} ${JSON.stringify(n)}: no market of that name — the markets are ${names.join(', ')}`);
  }
  const searched = names.map((_, i) => i).filter((i) => !only || only.includes(names[i]));
  // levers, per searched market
  const seen = new Set<string>();
  const levers: MarketLever[][] = names.map(() => []);
  for (const [j, l] of block.markets.levers.entries()) {
    const where = fieldOf(src, `markets.levers[${j}]`);
    if (seen.has(l.param)) throw new UserError(`${where}.param ${JSON.stringify(l.param)}: named twice — each lever once`);
    seen.add(l.param);
    if (/^(markets|market|otherMarkets)\b/.test(l.param)) throw new UserError(`${where}.param ${JSON.stringify(l.param)}: not allowed — a lever is a path inside each market (e.g. policy.maintenance.mmr), applied to every market searched`);
    const [lo, hi] = l.range;
    if (!(lo < hi)) throw new UserError(`${where}.range [${lo}, ${hi}]: empty range — allowed: [lo, hi] with lo < hi`);
    for (const i of searched) {
      const param = checkParamPath(scenario, `markets.${names[i]}.${l.param}`, `${where}.param`);
      const integer = isIntegerParam(scenario, param);
      if (integer && !(Number.isInteger(lo) && Number.isInteger(hi))) throw new UserError(`${where}.range [${lo}, ${hi}]: not allowed — ${l.param} takes whole numbers only`);
      levers[i].push({ param, relative: l.param, range: [lo, hi], prefer: l.prefer ?? defaultPrefer(l.param), integer });
    }
  }
  // fund lever
  let fund: Resolved['fund'] = null;
  if (block.venue?.fund) {
    const f = block.venue.fund;
    const where = fieldOf(src, 'venue.fund');
    const param = checkParamPath(scenario, f.param, `${where}.param`);
    const [lo, hi] = f.range;
    if (!(lo >= 0 && lo < hi)) throw new UserError(`${where}.range [${lo}, ${hi}]: not allowed — [lo, hi] with 0 ≤ lo < hi (USD)`);
    if (levers.some((ls) => ls.some((l) => l.param === param))) throw new UserError(`${where}.param ${JSON.stringify(f.param)}: also a market lever — name it once`);
    fund = { param, range: [lo, hi], tolerance: f.tolerance ?? (hi - lo) / 16 };
  }
  const confidence = opts.confidence ?? block.confidence;
  if (!(confidence > 0.5 && confidence < 1)) throw new UserError(`--confidence ${confidence}: not allowed — a probability between 0.5 and 1 (exclusive), e.g. 0.95`);
  const initialPaths = opts.initialPaths ?? block.initialPaths ?? scenario.paths;
  const maxPathsPerPoint = opts.maxPathsPerPoint ?? block.maxPathsPerPoint ?? 8 * initialPaths;
  const pathBudget = opts.pathBudget ?? block.pathBudget ?? 400 * initialPaths;
  if (!(initialPaths >= 1)) throw new UserError(`${fieldOf(src, 'initialPaths')} ${initialPaths}: must be at least 1`);
  if (maxPathsPerPoint < initialPaths) throw new UserError(`${opts.maxPathsPerPoint !== undefined ? '--max-paths' : fieldOf(src, 'maxPathsPerPoint')} ${maxPathsPerPoint}: must be at least the initial paths (${initialPaths})`);
  const dialTolerance = block.markets.tolerance;
  const bisections = Math.max(0, Math.ceil(Math.log2(1 / dialTolerance) - 1e-9));
  const fundValues = fund ? 2 + Math.max(0, Math.ceil(Math.log2((fund.range[1] - fund.range[0]) / fund.tolerance) - 1e-9)) : 1;
  // the scenarios: this one, the block's also: files, then the command line's
  const scenarios: ScenarioUnder[] = [{ name: scenario.name, source: src ?? scenario.name, base: withPerMarket(scenario), pathsPerBook: undefined }];
  const baseDir = src ? path.dirname(path.resolve(src)) : process.cwd();
  const also = [
    ...block.also.map((f, i) => {
      let sc: Scenario;
      try {
        sc = loadScenarioFile(path.resolve(baseDir, f), { allowAnyPath: opts.allowAnyPath });
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`${fieldOf(src, `also[${i}]`)} ${JSON.stringify(f)}: ${e.message}`);
        throw e;
      }
      return { source: f, scenario: sc, field: `${fieldOf(src, `also[${i}]`)} ${JSON.stringify(f)}` };
    }),
    ...(opts.also ?? []).map((a) => ({ ...a, field: `--also ${JSON.stringify(a.source)}` })),
  ];
  for (const a of also) {
    const an = namesOf(a.scenario);
    const missing = names.filter((n) => !an.includes(n));
    // named from the file being run (the field or flag that names the other scenario), as every other error
    if (missing.length || an.length !== names.length) throw new UserError(`${a.field}: its markets (${an.join(', ')}) are not this scenario's (${names.join(', ')}) — a scenario the recommendation must hold on needs the same markets`);
    for (const i of searched) for (const l of levers[i]) checkParamPath(a.scenario, `markets.${names[i]}.${l.relative}`, `${a.source}: recommend lever`);
    if (fund) checkParamPath(a.scenario, fund.param, `${a.source}: recommend fund lever`);
    scenarios.push({ name: a.scenario.name, source: a.source, base: withPerMarket(a.scenario), pathsPerBook: undefined });
  }
  const usedNames = new Set<string>();
  for (const s of scenarios) {
    if (usedNames.has(s.name)) s.name = `${s.name}#${scenarios.indexOf(s) + 1}`;
    usedNames.add(s.name);
    s.pathsPerBook = pathsPerBookOf(s.base);
  }
  if (pathBudget < 2 * scenarios.length * initialPaths) {
    throw new UserError(`${opts.pathBudget !== undefined ? '--budget' : fieldOf(src, 'pathBudget')} ${pathBudget}: too small — the two ends of the dials alone need 2 × ${scenarios.length} scenarios × ${initialPaths} = ${2 * scenarios.length * initialPaths} paths`);
  }
  return { confidence, marketTarget, marketMetric, venueTarget, fund, marketNames: names, searched, levers, dialTolerance, bisections, fundValues, initialPaths, maxPathsPerPoint, pathBudget, scenarios };
}

/** The scenario run for a recommendation: no study blocks, per-market bad debt recorded, the sampling shift resolved once. */
function withPerMarket(sc: Scenario): Scenario {
  const s = stripStudy(sc);
  return resolveSampling(parseScenario({ ...s, output: { ...s.output, badDebtByMarket: true } }, `${sc.name} (recommend)`));
}

/**
 * A lever's value at dial t (0 = safe end, 1 = efficient end), rounded toward its safe end to a value a
 * venue would publish: two significant digits (14.75× → 14×, 1.375% → 1.4%), a whole-number field to a
 * whole number. Every point is run at the rounded values, so the recommendation is exactly what was tested.
 */
export function leverValue(l: { range: [number, number]; prefer: 'low' | 'high'; integer: boolean }, t: number): number {
  const [lo, hi] = l.range;
  const safe = l.prefer === 'low' ? hi : lo;
  const eff = l.prefer === 'low' ? lo : hi;
  if (t <= 0) return safe;
  if (t >= 1) return eff;
  const x = safe + (eff - safe) * t;
  const step = l.integer ? Math.max(1, 10 ** (Math.floor(Math.log10(Math.abs(x))) - 1)) : 10 ** (Math.floor(Math.log10(Math.abs(x))) - 1);
  const k = x / step;
  const r = Number(((l.prefer === 'low' ? Math.ceil(k - 1e-9) : Math.floor(k + 1e-9)) * step).toPrecision(12));
  return Math.min(hi, Math.max(lo, r));
}

/**
 * Checks a scenario's `recommend:` block the way `recommend` would, without running anything — targets,
 * levers, the fund and the also: files, and both ends of every dial give valid scenarios — so every
 * command refuses a file `recommend` would refuse. Throws `UserError`.
 */
export function checkRecommendBlock(scenario: Scenario, source: string, opts: { allowAnyPath?: boolean } = {}): void {
  if (!scenario.recommend) return;
  const r = resolveRecommend(scenario, { source, allowAnyPath: opts.allowAnyPath });
  for (const s of r.scenarios) {
    for (const t of [0, 1]) {
      const dials = r.marketNames.map(() => t);
      for (const f of r.fund ? r.fund.range : [null]) pointScenario(s.base, valuesAt(r, dials, f), r.initialPaths, `${source}: recommend lever value`);
    }
  }
}

/** The scenario values of a joint point: every searched market's levers at its dial, and the fund. */
function valuesAt(r: Resolved, dials: number[], fund: number | null): Record<string, number> {
  const v: Record<string, number> = {};
  for (const i of r.searched) for (const l of r.levers[i]) v[l.param] = leverValue(l, dials[i]);
  if (r.fund && fund !== null) v[r.fund.param] = fund;
  return v;
}

/** One market's figures on one scenario at a point. */
export interface MarketOutcome {
  metric: Estimate;
  decision: Decision;
}

/** A joint point evaluated on every scenario. */
export interface EvaluatedPoint {
  order: number;
  /** Why it was evaluated (a point reused by a later step lists that step too). */
  phases: ('current' | 'safe end' | 'efficient end' | 'bisection' | 'confirmation')[];
  fund: number | null;
  /** Dial per market ([market, …otherMarkets]); null for a market not searched. */
  dials: (number | null)[];
  /** The scenario values set (lever paths → values). */
  values: Record<string, number>;
  scenarios: {
    name: string;
    paths: number;
    looks: number;
    level: number;
    markets: MarketOutcome[];
    venue: MarketOutcome | null;
  }[];
}

/** A market's line of the recommendation table. */
export interface MarketRecommendation {
  name: string;
  searched: boolean;
  status: 'found' | 'efficient end' | 'infeasible' | 'kept';
  dial: number | null;
  levers: { param: string; current: number | null; recommended: number }[];
  /** Per scenario: the target metric at the scenario's current rules (95% interval) and at the recommendation (at its test level). */
  before: { scenario: string; metric: Estimate }[];
  after: { scenario: string; metric: Estimate; decision: Decision }[];
  /** The scenario whose one-sided bound is nearest the target at the recommendation (the binding constraint); null when none stands out. */
  binding: string | null;
  leverageBefore: MarketCapital;
  leverageAfter: MarketCapital;
}

/** Per-market capital efficiency of the opening book, exact (no simulation). */
export interface MarketCapital {
  openInterestUsd: number;
  maintenanceMarginUsd: number;
  /** OI / maintenance margin: the leverage a position may run before liquidation. */
  maintenanceLeverage: number;
  /** The market's maximum leverage at entry. */
  maxLeverage: number;
}

export interface RecommendationResult {
  format: typeof RECOMMENDATION_FORMAT;
  marginlabVersion: string;
  name: string;
  seed: number;
  scenario: Scenario;
  scenarios: { name: string; source: string; seed: number }[];
  confidence: number;
  marketTarget: Target & { label: string; unit: Unit };
  venueTarget: (Target & { label: string; unit: Unit }) | null;
  levers: { param: string; range: [number, number]; prefer: 'low' | 'high' }[];
  fundLever: { param: string; range: [number, number]; tolerance: number } | null;
  errorSpending: { overallAlpha: number; tests: number; perPointAlpha: number; looks: number; alphaPerLook: number[]; levelPerLook: number[]; rule: string };
  settings: { initialPaths: number; maxPathsPerPoint: number; pathBudget: number; dialTolerance: number };
  status: 'found' | 'infeasible';
  message: string;
  recommended: {
    fund: { current: number | null; recommended: number } | null;
    venue: { scenario: string; before: Estimate; after: Estimate; decision: Decision }[] | null;
    venueBinding: string | null;
    markets: MarketRecommendation[];
  } | null;
  evaluated: EvaluatedPoint[];
  pathsSpent: number;
  run: { workers: number; elapsedMs: number; startedAt: string; pathsComputed: number };
}

/** Per-market capital efficiency of a scenario's opening book. */
export function marketCapital(sc: Scenario): MarketCapital[] {
  const ctx = createRunContext(sc);
  const pop = ctx.population;
  const markets = marketConfigs(sc);
  const mm = markets.map((_, m) => ctx.maintenanceFor(m));
  const oi = new Float64Array(markets.length);
  const mmUsd = new Float64Array(markets.length);
  for (let p = 0; p < pop.positions; p++) {
    const m = pop.posMarket[p];
    const n = pop.posSize[p] * markets[m].initialPriceUsd;
    oi[m] += n;
    mmUsd[m] += mm[m].mm(n, pop.posSize[p]);
  }
  return markets.map((_, m) => ({
    openInterestUsd: oi[m],
    maintenanceMarginUsd: mmUsd[m],
    maintenanceLeverage: mmUsd[m] > 0 ? oi[m] / mmUsd[m] : Infinity,
    maxLeverage: ctx.rules[m].policy.maxLeverage,
  }));
}

/** Where an estimate stands against a target: its one-sided bound / the target (≤ 1 meets), then its estimate. */
function slack(t: Target, e: Estimate): [number, number] {
  const u = e.upper ?? Infinity;
  return [t.value > 0 ? u / t.value : u > 0 ? Infinity : 0, e.estimate];
}

/**
 * The binding scenario: the one whose bound is nearest (or beyond) the target, ties broken by the larger
 * estimate; null when the top two cannot be told apart (e.g. no events anywhere, equal bounds).
 */
export function bindingOf(t: Target, rows: { name: string; metric: Estimate }[]): string | null {
  const ranked = rows.map((r) => ({ name: r.name, key: slack(t, r.metric) })).sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1]);
  if (ranked.length === 0) return null;
  if (ranked.length > 1 && Math.abs(ranked[0].key[0] - ranked[1].key[0]) <= 1e-12 && Math.abs(ranked[0].key[1] - ranked[1].key[1]) <= 1e-15) return null;
  return ranked[0].name;
}

class JointPoints {
  readonly points = new Map<string, EvaluatedPoint>();
  private readonly runs = new Map<string, PointRuns>();
  spent = 0;
  computed = 0;
  private order = 0;
  private readonly evalOpts: EvalOptions;
  private readonly plan: ReturnType<typeof lookSpending>;

  constructor(
    private readonly r: Resolved,
    readonly perPointAlpha: number,
    opts: RecommendOptions,
    pool: LazyPool,
  ) {
    this.plan = lookSpending(perPointAlpha, r.initialPaths, r.maxPathsPerPoint);
    this.evalOpts = {
      workers: opts.workers,
      pool,
      remote: opts.remote,
      onPaths: (d) => {
        this.spent += d;
        this.computed += d;
        opts.onProgress?.({ pointsDone: this.points.size, points: 0, pathsDone: this.spent, pathsTotal: r.pathBudget, label: 'recommend' });
      },
    };
  }

  get looksPlan() {
    return this.plan;
  }

  private estimate(s: ScenarioUnder, t: PathTable, m: number | null, level: number): Estimate {
    const design = designOfTable(t, s.pathsPerBook);
    if (m === null) {
      const def = metricDef(this.r.venueTarget!.metric)!;
      return evaluateFunctional(def.functional, def.values(t, s.base.traders.count), level, design, def.kind);
    }
    const mm = this.r.marketMetric;
    return evaluateFunctional(mm.functional, mm.values(t, m), level, design, mm.kind);
  }

  /**
   * Evaluates a joint point on every scenario: `needs` lists the markets whose decision the search uses
   * (and `venue` whether the venue's): paths are doubled while one of them is undecided, within the
   * per-point limit and the budget. `level`: a fixed interval level instead of the error-spending plan
   * (the scenario's current rules, which decide nothing).
   */
  async evaluate(phase: EvaluatedPoint['phases'][number], dials: number[], fund: number | null, needs: number[], venue: boolean, fixed?: { values: Record<string, number>; level: number }): Promise<EvaluatedPoint> {
    const values = fixed?.values ?? valuesAt(this.r, dials, fund);
    const key = JSON.stringify(values);
    const known = this.points.get(key);
    const point: EvaluatedPoint = known ?? {
      order: this.order++,
      phases: [],
      fund,
      dials: this.r.marketNames.map((_, i) => (this.r.searched.includes(i) && !fixed ? dials[i] : null)),
      values,
      scenarios: [],
    };
    if (!point.phases.includes(phase)) point.phases.push(phase);
    for (const [si, s] of this.r.scenarios.entries()) {
      const runKey = `${si}:${key}`;
      let run = this.runs.get(runKey);
      if (!run) {
        run = new PointRuns(pointScenario(s.base, values, this.r.initialPaths, `${s.source}: recommend point`), `${s.name} ${key}`);
        this.runs.set(runKey, run);
        await run.extendTo(this.r.initialPaths, this.evalOpts);
      }
      for (;;) {
        const look = Math.min(this.plan.looks - 1, Math.round(Math.log2(run.have / this.r.initialPaths)));
        const level = fixed?.level ?? this.plan.levelPerLook[look];
        const t = run.table();
        const markets = this.r.marketNames.map((_, m) => {
          const metric = this.estimate(s, t, m, level);
          return { metric, decision: decide(this.r.marketTarget, metric) };
        });
        const v = this.r.venueTarget ? this.estimate(s, t, null, level) : null;
        const venueOut = v ? { metric: v, decision: decide(this.r.venueTarget!, v) } : null;
        point.scenarios[si] = { name: s.name, paths: run.have, looks: look + 1, level, markets, venue: venueOut };
        const undecided = needs.some((m) => markets[m].decision === 'undecided') || (venue && venueOut?.decision === 'undecided');
        if (fixed || !undecided) break;
        const next = run.have * 2;
        if (next > this.r.maxPathsPerPoint || this.spent + (next - run.have) > this.r.pathBudget) break;
        await run.extendTo(next, this.evalOpts);
      }
    }
    this.points.set(key, point);
    return point;
  }
}

/** Whether market m meets its target on every scenario at the point. */
const marketMeets = (p: EvaluatedPoint, m: number) => p.scenarios.every((s) => s.markets[m].decision === 'meets');
const venueMeets = (p: EvaluatedPoint) => p.scenarios.every((s) => !s.venue || s.venue.decision === 'meets');

interface FundOutcome {
  ok: boolean;
  /** The confirmed point (ok), or the last confirmation tried. */
  point: EvaluatedPoint | null;
  dials: number[];
  status: MarketRecommendation['status'][];
  why: string;
}

/** Steps 1–4 of the search (module comment) at one fund value. */
async function searchAtFund(r: Resolved, jp: JointPoints, fund: number | null): Promise<FundOutcome> {
  const K = r.marketNames.length;
  const status: MarketRecommendation['status'][] = r.marketNames.map((_, i) => (r.searched.includes(i) ? 'found' : 'kept'));
  const zeros = Array.from({ length: K }, () => 0);
  // 1. the safe end
  const safe = await jp.evaluate('safe end', zeros, fund, r.searched, false);
  const infeasible = r.searched.filter((m) => !marketMeets(safe, m));
  if (infeasible.length) {
    for (const m of infeasible) status[m] = 'infeasible';
    return { ok: false, point: safe, dials: zeros, status, why: `at the safe end of every lever${fund !== null ? ` with a fund of ${fund}` : ''}, ${infeasible.map((m) => r.marketNames[m]).join(', ')} ${infeasible.length === 1 ? 'does' : 'do'} not meet ${formatTarget(r.marketTarget)} on every scenario` };
  }
  // 2. the efficient end
  const ones = Array.from({ length: K }, () => 1);
  const eff = await jp.evaluate('efficient end', ones, fund, r.searched, false);
  const lo = zeros.slice();
  const hi = ones.slice();
  const active = new Set<number>();
  for (const m of r.searched) {
    if (marketMeets(eff, m)) {
      lo[m] = 1;
      status[m] = 'efficient end';
    } else active.add(m);
  }
  // 3. bisection on every undecided dial at once
  for (let b = 0; b < r.bisections && active.size > 0; b++) {
    if (jp.spent + r.scenarios.length * r.initialPaths > r.pathBudget) break;
    const mid = lo.map((x, m) => (active.has(m) ? 0.5 * (x + hi[m]) : x));
    const p = await jp.evaluate('bisection', mid, fund, [...active], false);
    for (const m of [...active]) {
      if (marketMeets(p, m)) lo[m] = mid[m];
      else hi[m] = mid[m];
      if (hi[m] - lo[m] <= r.dialTolerance + 1e-12) active.delete(m);
    }
  }
  // 4. confirmation at every market's last meeting dial, with the venue target
  const dials = lo.slice();
  let last: EvaluatedPoint | null = null;
  for (let c = 0; c <= EXTRA_CONFIRMATIONS; c++) {
    last = await jp.evaluate('confirmation', dials, fund, r.searched, r.venueTarget !== null);
    const failing = r.searched.filter((m) => !marketMeets(last!, m));
    if (failing.length === 0) {
      if (venueMeets(last)) return { ok: true, point: last, dials, status, why: 'confirmed' };
      return { ok: false, point: last, dials, status, why: `the venue target ${formatTarget(r.venueTarget!)} is not met on every scenario${fund !== null ? ` with a fund of ${fund}` : ''}` };
    }
    for (const m of failing) {
      dials[m] = dials[m] <= r.dialTolerance ? 0 : 0.5 * dials[m];
      if (status[m] === 'efficient end') status[m] = 'found';
    }
  }
  const failing = r.searched.filter((m) => !marketMeets(last!, m));
  return { ok: false, point: last, dials, status, why: `coupled markets: ${failing.map((m) => r.marketNames[m]).join(', ')} still ${failing.length === 1 ? 'fails' : 'fail'} ${formatTarget(r.marketTarget)} at the joint point after ${EXTRA_CONFIRMATIONS + 1} confirmations` };
}

/** A recommendation: resolve and check, search the fund (outer) and the dials (inner), then the result. */
async function recommend(input: Scenario, opts: RecommendOptions, pool: LazyPool): Promise<RecommendationResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const r = resolveRecommend(input, opts);
  const alpha = 1 - r.confidence;
  const tests = r.fundValues * (2 + r.bisections + 1 + EXTRA_CONFIRMATIONS);
  const jp = new JointPoints(r, alpha / tests, opts, pool);
  // the scenario's own rules, before (95% intervals; they decide nothing)
  const current = await jp.evaluate('current', [], null, [], false, { values: {}, level: 0.95 });
  let best: FundOutcome | null = null;
  let bestFund: number | null = null;
  let lastFail: FundOutcome | null = null;
  if (!r.fund) {
    const o = await searchAtFund(r, jp, null);
    if (o.ok) best = o;
    else lastFail = o;
  } else {
    const [flo, fhi] = r.fund.range;
    const top = await searchAtFund(r, jp, fhi);
    if (!top.ok) lastFail = top;
    else {
      best = top;
      bestFund = fhi;
      const bottom = await searchAtFund(r, jp, flo);
      if (bottom.ok) {
        best = bottom;
        bestFund = flo;
      } else {
        lastFail = bottom;
        let a = flo;
        let b = fhi;
        while (b - a > r.fund.tolerance && jp.spent < r.pathBudget) {
          const m = Number((0.5 * (a + b)).toPrecision(12));
          const o = await searchAtFund(r, jp, m);
          if (o.ok) {
            best = o;
            bestFund = m;
            b = m;
          } else {
            lastFail = o;
            a = m;
          }
        }
      }
    }
  }
  const plan = jp.looksPlan;
  const targetInfo = (t: Target, label: string, unit: Unit) => ({ ...t, label, unit });
  const capitalBefore = marketCapital(r.scenarios[0].base);
  const result: Omit<RecommendationResult, 'run'> = {
    format: RECOMMENDATION_FORMAT,
    marginlabVersion: VERSION,
    name: input.name,
    seed: input.seed,
    scenario: portableScenario(stripStudy(input)),
    scenarios: r.scenarios.map((s) => ({ name: s.name, source: s.source, seed: s.base.seed })),
    confidence: r.confidence,
    marketTarget: targetInfo(r.marketTarget, r.marketMetric.label, r.marketMetric.unit),
    venueTarget: r.venueTarget ? targetInfo(r.venueTarget, metricDef(r.venueTarget.metric)!.label, metricDef(r.venueTarget.metric)!.unit) : null,
    levers: input.recommend!.markets.levers.map((l) => ({ param: l.param, range: l.range, prefer: l.prefer ?? defaultPrefer(l.param) })),
    fundLever: r.fund,
    errorSpending: {
      overallAlpha: alpha,
      tests,
      perPointAlpha: alpha / tests,
      looks: plan.looks,
      alphaPerLook: plan.alphaPerLook,
      levelPerLook: plan.levelPerLook,
      rule: `Bonferroni over K = ${tests} joint points (${r.fundValues} fund value${r.fundValues === 1 ? '' : 's'} × (2 dial ends + ${r.bisections} bisection rounds + ${1 + EXTRA_CONFIRMATIONS} confirmations)), power spending α(t) = (α/K)·t² over ${plan.looks} look${plan.looks === 1 ? '' : 's'} per point`,
    },
    settings: { initialPaths: r.initialPaths, maxPathsPerPoint: r.maxPathsPerPoint, pathBudget: r.pathBudget, dialTolerance: r.dialTolerance },
    status: best ? 'found' : 'infeasible',
    message: best
      ? `every target met on all ${r.scenarios.length} scenario${r.scenarios.length === 1 ? '' : 's'} at the confirmed point, with ${r.confidence} overall confidence`
      : `no set in the allowed ranges meets every target: ${lastFail?.why ?? 'the search ran out of budget'}${r.fund ? ' (at the largest fund allowed)' : ''}; widen the ranges toward the safe ends or relax the targets`,
    recommended: best ? recommendationOf(r, best, bestFund, current, capitalBefore) : null,
    evaluated: [...jp.points.values()].sort((a, b) => a.order - b.order),
    pathsSpent: jp.spent,
  };
  return { ...result, run: { workers: opts.workers ?? defaultWorkers(), elapsedMs: Math.round(performance.now() - t0), startedAt, pathsComputed: jp.computed } };
}

function recommendationOf(r: Resolved, o: FundOutcome, fund: number | null, current: EvaluatedPoint, capitalBefore: MarketCapital[]): NonNullable<RecommendationResult['recommended']> {
  const p = o.point!;
  const after = pointScenario(r.scenarios[0].base, p.values, r.initialPaths, 'recommendation');
  const capitalAfter = marketCapital(after);
  const rulesNow = createRunContext(r.scenarios[0].base).rules.map((x) => x.policy);
  const markets: MarketRecommendation[] = r.marketNames.map((name, m) => {
    const searched = r.searched.includes(m);
    const afterRows = p.scenarios.map((s) => ({ scenario: s.name, metric: s.markets[m].metric, decision: s.markets[m].decision }));
    const binding = bindingOf(r.marketTarget, p.scenarios.map((s) => ({ name: s.name, metric: s.markets[m].metric })));
    return {
      name,
      searched,
      status: o.status[m],
      dial: searched ? o.dials[m] : null,
      levers: r.levers[m].map((l) => {
        // the market's own rules as the engine resolves them (its policy merged over the scenario's)
        const cur = getAt({ policy: rulesNow[m] }, l.relative);
        return { param: l.param, current: typeof cur === 'number' ? cur : null, recommended: leverValue(l, o.dials[m]) };
      }),
      before: current.scenarios.map((s) => ({ scenario: s.name, metric: s.markets[m].metric })),
      after: afterRows,
      binding,
      leverageBefore: capitalBefore[m],
      leverageAfter: capitalAfter[m],
    };
  });
  const venueBinding = r.venueTarget ? bindingOf(r.venueTarget, p.scenarios.map((s) => ({ name: s.name, metric: s.venue!.metric }))) : null;
  const curFund = r.fund ? getAt(r.scenarios[0].base, r.fund.param) : null;
  return {
    fund: r.fund && fund !== null ? { current: typeof curFund === 'number' ? curFund : null, recommended: fund } : null,
    venue: r.venueTarget ? p.scenarios.map((s, i) => ({ scenario: s.name, before: current.scenarios[i].venue!.metric, after: s.venue!.metric, decision: s.venue!.decision })) : null,
    venueBinding,
    markets,
  };
}

/** Runs a recommendation. Deterministic: the same scenarios and seeds give the same result whatever the workers. */
export async function runRecommendation(input: Scenario, opts: RecommendOptions = {}): Promise<RecommendationResult> {
  return withPool(opts.workers, (pool) => recommend(input, opts, pool));
}
