/**
 * Loading and validating scenarios: file → YAML/JSON → schema → cross-field checks → `Scenario`.
 * Every failure is a `UserError` with one line naming the field, the value and what is allowed.
 */
import path from 'node:path';
import { parseDocument, YAMLParseError } from 'yaml';
import { UserError } from '../errors.js';
import { MIB, readBoundedFile, utf8 } from '../io/files.js';
import { PolicySchema, ScenarioSchema, type Policy, type Scenario } from './schema.js';
import { checkImpactCurves, checkPriceModels, checkSnapshot } from './price-checks.js';
import { checkBounds } from './bounds.js';
import type { PathPolicy } from './data-files.js';
import { excerpt } from './price-csv.js';
import { expandPreset } from './presets.js';
import { marketPolicy } from './market-policy.js';
import { describeIssue, show, valueAt, type IssueStyle } from './issue.js';

/**
 * Largest scenario file read (1 MiB). A scenario is a few kilobytes; YAML parsing costs about 2 s and
 * 250 MB of memory per MiB, so a larger file is refused before it is parsed.
 */
const MAX_SCENARIO_BYTES = 1 * MIB;

/** How a scenario is resolved: the path policy for its data files (src/scenario/data-files.ts). */
export type ParseOptions = PathPolicy;

type Path = ReadonlyArray<PropertyKey>;

/** `a string`, `a list`, `null` … for a value that has the wrong kind (without echoing it). */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `a text of ${v.length} character${v.length === 1 ? '' : 's'}`;
  return `a ${typeof v}`;
}

/** How a scenario's zod issue is worded (src/scenario/issue.ts): unknown keys list the keys allowed there. */
const SCENARIO_ISSUE: IssueStyle = { kind: 'scenario', knownKeys: (at, input) => Object.keys(knownKeysAt(at, input)) };

/** The zod schema of the field at `path` (defaults and optionals unwrapped), choosing union members by the `kind` in `input`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function schemaAt(path: Path, input: unknown): any {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let schema: any = ScenarioSchema;
  const walk: PropertyKey[] = [];
  for (const p of path) {
    schema = unwrap(schema, valueAt(input, walk));
    walk.push(p);
    if (!schema) return undefined;
    if (typeof p === 'number') schema = schema.def?.element ?? schema.element;
    else schema = schema.shape?.[p as string];
  }
  return unwrap(schema, valueAt(input, walk));
}

/** Whether the scenario field at `path` (e.g. ['traders', 'count']) takes whole numbers only. */
export function isIntegerField(path: Path, scenario: unknown): boolean {
  return schemaAt(path, scenario)?.isInt === true;
}

/** The keys an object schema at `path` accepts, found by walking the zod schema. */
function knownKeysAt(path: Path, input: unknown): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let schema: any = ScenarioSchema;
  const walk: PropertyKey[] = [];
  for (const p of path) {
    schema = unwrap(schema, valueAt(input, walk));
    walk.push(p);
    if (!schema) return {};
    if (typeof p === 'number') schema = schema.def?.element ?? schema.element;
    else schema = schema.shape?.[p as string];
  }
  schema = unwrap(schema, valueAt(input, walk));
  return schema?.shape ?? {};
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function unwrap(schema: any, value: unknown): any {
  for (let i = 0; i < 10 && schema; i++) {
    const t = schema.def?.type;
    if (t === 'default' || t === 'prefault' || t === 'optional' || t === 'nullable') {
      schema = schema.def.innerType;
    } else if (t === 'union' && schema.def.discriminator) {
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      schema = schema.def.options.find((o: any) => o.shape?.kind?.def?.values?.includes(kind)) ?? schema.def.options[0];
    } else break;
  }
  return schema;
}


/** Cross-field checks of one policy (the scenario's, or a market's resolved one at `at`). */
function checkPolicy(p: Policy, at: string, fail: (field: string, value: unknown, allowed: string) => never): void {
  const imr = 1 / p.maxLeverage;
  const mm = p.maintenance;
  if (mm.kind === 'fixed' && mm.mmr >= imr) {
    fail(`${at}.maintenance.mmr`, mm.mmr, `must be below the initial margin rate 1/${at}.maxLeverage = ${imr}`);
  }
  if (mm.kind === 'tiered') {
    if (mm.tiers[0].notionalFloorUsd !== 0) fail(`${at}.maintenance.tiers[0].notionalFloorUsd`, mm.tiers[0].notionalFloorUsd, 'the first bracket must start at 0');
    if (mm.tiers[0].mmr >= imr) fail(`${at}.maintenance.tiers[0].mmr`, mm.tiers[0].mmr, `must be below the initial margin rate 1/${at}.maxLeverage = ${imr}`);
    for (let k = 1; k < mm.tiers.length; k++) {
      if (mm.tiers[k].notionalFloorUsd <= mm.tiers[k - 1].notionalFloorUsd) {
        fail(`${at}.maintenance.tiers[${k}].notionalFloorUsd`, mm.tiers[k].notionalFloorUsd, 'bracket floors must increase');
      }
      if (mm.tiers[k].mmr < mm.tiers[k - 1].mmr) {
        fail(`${at}.maintenance.tiers[${k}].mmr`, mm.tiers[k].mmr, 'bracket rates must not decrease');
      }
    }
  }
  if (p.maintenance.kind === 'size-scaled' && p.maintenance.maxMmr < p.maintenance.baseMmr) {
    fail(`${at}.maintenance.maxMmr`, p.maintenance.maxMmr, `must be ≥ baseMmr (${p.maintenance.baseMmr})`);
  }
  if (p.maintenance.kind === 'volatility-adaptive' && p.maintenance.maxMmr < p.maintenance.floorMmr) {
    fail(`${at}.maintenance.maxMmr`, p.maintenance.maxMmr, `must be ≥ floorMmr (${p.maintenance.floorMmr})`);
  }
  const im = p.initialMargin;
  if (im) {
    if (im.tiers[0].notionalFloorUsd !== 0) fail(`${at}.initialMargin.tiers[0].notionalFloorUsd`, im.tiers[0].notionalFloorUsd, 'the first bracket must start at 0');
    for (let k = 1; k < im.tiers.length; k++) {
      if (im.tiers[k].notionalFloorUsd <= im.tiers[k - 1].notionalFloorUsd) fail(`${at}.initialMargin.tiers[${k}].notionalFloorUsd`, im.tiers[k].notionalFloorUsd, 'bracket floors must increase');
      if (im.tiers[k].imr < im.tiers[k - 1].imr) fail(`${at}.initialMargin.tiers[${k}].imr`, im.tiers[k].imr, 'bracket rates must not decrease');
    }
  }
}

/**
 * Checks that involve more than one field. Throws `UserError`. Resolves price CSV files against
 * `baseDir` (default: the working directory) and validates them (src/scenario/price-checks.ts).
 */
/** The sampling block: a per-market shift list as long as the market list; importance sampling needs models driven by normal shocks. */
function checkSampling(s: Scenario, fail: (field: string, value: unknown, allowed: string) => never): void {
  const imp = s.sampling?.importance;
  if (!imp) return;
  const markets = [s.market, ...s.otherMarkets];
  if (Array.isArray(imp.shiftPerStep) && imp.shiftPerStep.length !== markets.length) {
    fail('sampling.importance.shiftPerStep', imp.shiftPerStep, `a list needs one shift per market (${markets.length}: market, then otherMarkets)`);
  }
  markets.forEach((m, i) => {
    if (m.priceModel.kind === 'csv') {
      fail(i === 0 ? 'market.priceModel.kind' : `otherMarkets[${i - 1}].priceModel.kind`, 'csv', 'importance sampling shifts the normal price shocks, and a csv model draws none; remove sampling.importance or use a parametric price model');
    }
  });
}

export function checkScenario(s: Scenario, opts: ParseOptions | string = {}): void {
  const policy: ParseOptions = typeof opts === 'string' ? { baseDir: opts } : opts;
  const fail = (field: string, value: unknown, allowed: string): never => {
    throw new UserError(`${field}: ${show(value)} is not allowed — ${allowed}`);
  };
  checkSampling(s, fail);
  checkPriceModels(s, fail, policy);
  checkImpactCurves(s, fail, policy);
  checkSnapshot(s, fail, policy);
  const lev = s.traders.leverage;
  if (lev.kind === 'tiers') {
    lev.tiers.forEach((t, i) => {
      if (t.leverage > s.policy.maxLeverage) {
        fail(`traders.leverage.tiers[${i}].leverage`, t.leverage, `must be between 1 and policy.maxLeverage (${s.policy.maxLeverage})`);
      }
    });
  } else if (lev.median > s.policy.maxLeverage) {
    fail('traders.leverage.median', lev.median, `must be between 1 and policy.maxLeverage (${s.policy.maxLeverage})`);
  }
  checkPolicy(s.policy, 'policy', fail);
  for (const [m, mk] of [s.market, ...s.otherMarkets].entries()) if (mk.policy) checkPolicy(mk.policy as Policy, `${m === 0 ? 'market' : `otherMarkets[${m - 1}]`}.policy`, fail);
  const tu = s.traders.topUp;
  if (tu.targetMarginRatio <= tu.triggerMarginRatio) {
    fail('traders.topUp.targetMarginRatio', tu.targetMarginRatio, `must be above triggerMarginRatio (${tu.triggerMarginRatio})`);
  }
  const sl = s.traders.stopLoss;
  if (sl.lossFractionOfCollateralMax < sl.lossFractionOfCollateralMin) {
    fail('traders.stopLoss.lossFractionOfCollateralMax', sl.lossFractionOfCollateralMax, `must be ≥ lossFractionOfCollateralMin (${sl.lossFractionOfCollateralMin})`);
  }
  const tp = s.traders.takeProfit;
  if (tp.gainFractionOfCollateralMax < tp.gainFractionOfCollateralMin) {
    fail('traders.takeProfit.gainFractionOfCollateralMax', tp.gainFractionOfCollateralMax, `must be ≥ gainFractionOfCollateralMin (${tp.gainFractionOfCollateralMin})`);
  }
  const col = s.traders.collateralUsd;
  if (col.kind === 'pareto' && col.maxUsd < col.minUsd) {
    fail('traders.collateralUsd.maxUsd', col.maxUsd, `must be ≥ minUsd (${col.minUsd}): it caps a single trader's collateral, which starts at minUsd`);
  }
  // default arbitrage capacity: enough to undo a 1% dislocation each minute
  for (const mk of [s.market, ...s.otherMarkets]) mk.impact.arbitrageUsdPerStep ??= (mk.impact.depthUsdPerPercent * s.stepSeconds) / 60;
  const w = s.traders.warmup;
  if (w.kind === 'history') {
    w.lengthHours ??= 5 * w.meanHoldingHours;
    const steps = Math.ceil((w.lengthHours * 3600) / s.stepSeconds);
    if (steps > MAX_WARMUP_STEPS) {
      fail('traders.warmup.lengthHours', w.lengthHours, `is ${steps.toLocaleString('en-US')} steps of ${s.stepSeconds} s; at most ${MAX_WARMUP_STEPS.toLocaleString('en-US')} warm-up steps are allowed (shorten it or lengthen stepSeconds)`);
    }
  }
  const K = 1 + s.otherMarkets.length;
  if (s.traders.marketWeights && s.traders.marketWeights.length !== K) {
    fail('traders.marketWeights', s.traders.marketWeights, `needs one weight per market (${K}: market and ${K - 1} in otherMarkets)`);
  }
  if (s.traders.marketWeights && !s.traders.marketWeights.some((w) => w > 0)) {
    fail('traders.marketWeights', s.traders.marketWeights, 'needs at least one positive weight');
  }
  if (s.traders.crossMarketsPerAccount !== undefined && s.traders.crossMarketsPerAccount > K) {
    fail('traders.crossMarketsPerAccount', s.traders.crossMarketsPerAccount, `must be at most the number of markets (${K})`);
  }
  const coll = s.traders.collateral;
  if (coll) {
    const names = [s.market, ...s.otherMarkets].map((mk) => mk.name);
    let shares = 0;
    coll.assets.forEach((c, i) => {
      if (!names.includes(c.market)) fail(`traders.collateral.assets[${i}].market`, c.market, `must name a market of the scenario (${names.join(', ')})`);
      shares += c.marginShare;
      c.haircutTiers.forEach((t, k) => {
        if (k === 0 && t.unitsFloor !== 0) fail(`traders.collateral.assets[${i}].haircutTiers[0].unitsFloor`, t.unitsFloor, 'the first tier starts at 0');
        if (k > 0 && !(t.unitsFloor > c.haircutTiers[k - 1].unitsFloor)) fail(`traders.collateral.assets[${i}].haircutTiers[${k}].unitsFloor`, t.unitsFloor, `must be above the previous tier's floor (${c.haircutTiers[k - 1].unitsFloor})`);
      });
    });
    if (shares > 1 + 1e-12) fail('traders.collateral.assets', shares, 'the marginShare of the assets must sum to at most 1');
  }
  const lend = s.lending;
  if (lend) {
    const names = [s.market, ...s.otherMarkets].map((mk) => mk.name);
    const m = names.indexOf(lend.market);
    if (m < 0) fail('lending.market', lend.market, `must name a market of the scenario (${names.join(', ')})`);
    if (lend.ltvShareOfMax.max < lend.ltvShareOfMax.min) fail('lending.ltvShareOfMax.max', lend.ltvShareOfMax.max, `must be ≥ min (${lend.ltvShareOfMax.min})`);
    if (lend.collateralUsd.kind === 'pareto' && lend.collateralUsd.maxUsd < lend.collateralUsd.minUsd) fail('lending.collateralUsd.maxUsd', lend.collateralUsd.maxUsd, `must be ≥ minUsd (${lend.collateralUsd.minUsd})`);
  }
  for (const [m, mk] of [s.market, ...s.otherMarkets].entries()) {
    const r = (mk.policy as Policy | undefined)?.lending ?? (m === 0 ? s.policy.lending : undefined);
    const at = `${mk.policy ? (m === 0 ? 'market.policy' : `otherMarkets[${m - 1}].policy`) : 'policy'}.lending`;
    if (!r) continue;
    if (r.maxLtv > r.liquidationThreshold) fail(`${at}.maxLtv`, r.maxLtv, `must be ≤ liquidationThreshold (${r.liquidationThreshold})`);
    if (r.liquidationThreshold * (1 + r.liquidationBonus) > 1 + 1e-12) fail(`${at}.liquidationBonus`, r.liquidationBonus, `LT × (1 + bonus) must be ≤ 1 (LT ${r.liquidationThreshold}), as Aave requires`);
    const ir = r.interestRateCurve;
    if (ir && ir.slope2Annual < ir.slope1Annual) fail(`${at}.interestRateCurve.slope2Annual`, ir.slope2Annual, `must be ≥ slope1Annual (${ir.slope1Annual}), as Aave requires`);
    const e = r.eMode;
    if (e) {
      if (e.maxLtv > e.liquidationThreshold) fail(`${at}.eMode.maxLtv`, e.maxLtv, `must be ≤ eMode.liquidationThreshold (${e.liquidationThreshold})`);
      if (e.liquidationThreshold * (1 + e.liquidationBonus) > 1 + 1e-12) fail(`${at}.eMode.liquidationBonus`, e.liquidationBonus, `LT × (1 + bonus) must be ≤ 1 (LT ${e.liquidationThreshold}), as Aave requires`);
    }
  }
  if (lend?.eModeShare && !marketPolicy(s, [s.market, ...s.otherMarkets].findIndex((mk) => mk.name === lend.market)).lending?.eMode) {
    fail('lending.eModeShare', lend.eModeShare, 'needs an E-Mode category: set policy.lending.eMode of the collateral market');
  }
  if (s.output.seriesPoints > s.horizonSteps + 1) {
    // not an error: bucketed down later; keep the resolved scenario honest
    s.output.seriesPoints = s.horizonSteps + 1;
  }
  checkBounds(s, fail);
}

/** Most steps a warm-up history may have (its prices and range tables stay well under 100 MB). */
const MAX_WARMUP_STEPS = 1_000_000;

/**
 * Validates a plain object (already parsed from YAML/JSON) into a fully resolved scenario. Data file
 * paths in it (a `csv` price model's `file`) are resolved under `opts` (src/scenario/data-files.ts):
 * with a `baseDir` (the scenario file's folder) they must be relative to it and inside it unless
 * `allowAnyPath`; without one (a scenario built in code) they resolve against the working directory.
 * The resolved scenario holds absolute paths. `opts` may be a folder, for `{ baseDir }`.
 */
export function parseScenario(input: unknown, source = 'scenario', opts: ParseOptions | string = {}): Scenario {
  const policy: ParseOptions = typeof opts === 'string' ? { baseDir: opts } : opts;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UserError(`${source}: expected a mapping of scenario fields at the top level (name: …, market: …), got ${kindOf(input)}`);
  }
  const cycle = selfReference(input, '', []);
  if (cycle) throw new UserError(`${source}: ${cycle}: not allowed — the value contains itself (a YAML alias *name used inside its own &name)`);
  const bad = prototypeKey(input, '');
  if (bad) throw new UserError(`${source}: ${bad}: not allowed — no scenario field is named __proto__, constructor or prototype`);
  const written = input;
  try {
    input = expandPreset(input as Record<string, unknown>);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: ${e.message}`);
    throw e;
  }
  let snapshotCountGiven = false;
  try {
    const prepared = prepareSnapshotInput(input as Record<string, unknown>);
    if (prepared) ({ input, countGiven: snapshotCountGiven } = prepared);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: ${e.message}`);
    throw e;
  }
  const r = ScenarioSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : '';
    throw new UserError(`${source}: ${describeIssue(first, input, SCENARIO_ISSUE)}${more}`);
  }
  try {
    resolveMarketPolicies(r.data, input as Record<string, unknown>);
    checkScenario(r.data, { ...policy, snapshotCountGiven });
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: ${e.message}`);
    throw e;
  }
  WRITTEN.set(r.data, written);
  return r.data;
}

/**
 * A scenario with `traders.snapshot` starts from the venue's book as it stands: it is not seasoned on a
 * warm-up history, so `traders.warmup` may only be `none` (and is set to it); `traders.count` comes from
 * the file (a placeholder until it is read). Returns the prepared input, or undefined without a snapshot.
 * @throws UserError for a warm-up other than none
 */
function prepareSnapshotInput(input: Record<string, unknown>): { input: Record<string, unknown>; countGiven: boolean } | undefined {
  const t = input.traders;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) return undefined;
  const tr = t as Record<string, unknown>;
  if (tr.snapshot === undefined) return undefined;
  const w = tr.warmup;
  const none = w === undefined || w === 'none' || (w !== null && typeof w === 'object' && (w as { kind?: unknown }).kind === 'none');
  if (!none) {
    throw new UserError(
      `traders.warmup: ${show(w)} is not allowed — with traders.snapshot the opening book is the venue's own, as it stands: it is not re-seasoned on a warm-up history (remove traders.warmup or set it to none)`,
    );
  }
  const countGiven = tr.count !== undefined;
  return { input: { ...input, traders: { ...tr, warmup: 'none', ...(countGiven ? {} : { count: 1 }) } }, countGiven };
}

/** Each parsed scenario's input as written (before its preset was merged in and defaults filled). */
const WRITTEN = new WeakMap<Scenario, unknown>();

/**
 * The input a scenario was parsed from, as written — what a variant that changes `preset` patches
 * (the resolved scenario holds the old preset's rules as if written). Undefined for a copy.
 */
export function writtenInput(s: Scenario): unknown {
  return WRITTEN.get(s);
}

/**
 * A study point, `--set` or a variant patches a resolved scenario, in which the defaults derived from
 * other fields are already filled in. A market's arbitrage capacity derives from its depth and the step
 * (`impact.arbitrageUsdPerStep`: depth × stepSeconds / 60, or the depth table's within 1%): where the
 * scenario did not write it, it is dropped from the patched input so that it derives again from the
 * patched depth and step — a point at half the depth gets half the arbitrage, as a scenario written
 * with that depth would. A capacity the scenario wrote, or the patch set to a new value, is kept.
 * Returns `after` (its market objects replaced, never the scenario's own changed).
 */
export function rederiveDefaults(before: Scenario, after: Record<string, unknown>): Record<string, unknown> {
  const written = WRITTEN.get(before) as { market?: unknown; otherMarkets?: unknown } | undefined;
  const writtenMarkets = written ? [written.market, ...(Array.isArray(written.otherMarkets) ? written.otherMarkets : [])] : undefined;
  const arbitrageOf = (mk: unknown): unknown => (isPlainObject(mk) && isPlainObject(mk.impact) ? mk.impact.arbitrageUsdPerStep : undefined);
  const beforeMarkets = [before.market, ...before.otherMarkets];
  const fresh = (mk: unknown, m: number): unknown => {
    const had = beforeMarkets[m]?.impact.arbitrageUsdPerStep;
    if (had === undefined || !isPlainObject(mk) || !isPlainObject(mk.impact) || mk.impact.arbitrageUsdPerStep !== had) return mk;
    const wrote = writtenMarkets ? arbitrageOf(writtenMarkets[m]) !== undefined : had !== (beforeMarkets[m].impact.depthUsdPerPercent * before.stepSeconds) / 60;
    if (wrote) return mk;
    const { arbitrageUsdPerStep: _derived, ...impact } = mk.impact;
    void _derived;
    return { ...mk, impact };
  };
  const out: Record<string, unknown> = { ...after, market: fresh(after.market, 0) };
  if (Array.isArray(after.otherMarkets)) out.otherMarkets = after.otherMarkets.map((mk, i) => fresh(mk, i + 1));
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge of plain objects: `over`'s fields replace `base`'s, objects merge, arrays and objects of a different `kind` replace. */
function mergePolicy(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (over === null || typeof over !== 'object' || Array.isArray(over) || base === null || typeof base !== 'object' || Array.isArray(base)) return over;
  const bk = (base as { kind?: unknown }).kind;
  const ok = (over as { kind?: unknown }).kind;
  if (ok !== undefined && bk !== undefined && ok !== bk) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = mergePolicy(out[k], v);
  return out;
}

/**
 * Each market's own rules: the scenario's resolved policy with the market's overrides (as written in
 * the input, so a field it does not give keeps the scenario's value rather than a default) merged in
 * field by field, then validated as a whole policy. The resolved scenario holds the merged policy.
 */
function resolveMarketPolicies(s: Scenario, raw: Record<string, unknown>): void {
  const rawMarkets = [raw.market, ...(Array.isArray(raw.otherMarkets) ? raw.otherMarkets : [])] as ({ policy?: unknown } | undefined)[];
  [s.market, ...s.otherMarkets].forEach((mk, m) => {
    const over = rawMarkets[m]?.policy;
    if (over === undefined) return;
    const at = m === 0 ? 'market.policy' : `otherMarkets[${m - 1}].policy`;
    const merged = mergePolicy(JSON.parse(JSON.stringify(s.policy)), over) as Record<string, unknown>;
    // a market's fund is the scenario's unless it names a group of its own
    const fund = (over as { insuranceFund?: { group?: string } }).insuranceFund;
    if (!fund?.group) (merged.insuranceFund as Record<string, unknown>).group = 'shared';
    const r = PolicySchema.safeParse(merged);
    if (!r.success) throw new UserError(`${at}.${describeIssue(r.error.issues[0], merged, SCENARIO_ISSUE).replace(/^policy\./, '')}`);
    mk.policy = r.data;
  });
}

/** The path of the first value that contains one of its ancestors (YAML aliases can build such cycles), or undefined. */
function selfReference(v: unknown, at: string, ancestors: unknown[]): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  if (ancestors.includes(v)) return at === '' ? '(top level)' : at;
  if (ancestors.length > 200) return undefined;
  const arr = Array.isArray(v);
  ancestors.push(v);
  for (const k of Object.keys(v)) {
    const p = arr ? `${at}[${k}]` : at === '' ? k : `${at}.${k}`;
    const found = selfReference((v as Record<string, unknown>)[k], p, ancestors);
    if (found) return found;
  }
  ancestors.pop();
  return undefined;
}

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The path of the first own key named __proto__, constructor or prototype, at any depth (YAML makes
 * them ordinary keys; a schema or a merge would silently drop them or reach a prototype).
 */
function prototypeKey(v: unknown, at: string, depth = 0): string | undefined {
  if (v === null || typeof v !== 'object' || depth > 100) return undefined;
  const arr = Array.isArray(v);
  for (const k of Object.keys(v)) {
    const p = arr ? `${at}[${k}]` : at === '' ? k : `${at}.${k}`;
    if (!arr && PROTOTYPE_KEYS.has(k)) return p;
    const deeper = prototypeKey((v as Record<string, unknown>)[k], p, depth + 1);
    if (deeper) return deeper;
  }
  return undefined;
}

/** `line 3, column 1` of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${col}`;
}

/** Parses YAML (a superset of JSON) text; `opts` as in `parseScenario`. */
export function parseScenarioText(text: string, source = 'scenario', opts: ParseOptions | string = {}): Scenario {
  let data: unknown;
  try {
    // The library would print its warnings (an unresolved tag such as !foo, a complex key) to stderr as
    // "(node:NNN) Warning:" lines beside our one-line message: they are collected and refused instead.
    const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, logLevel: 'silent' });
    if (doc.errors.length > 0) throw doc.errors[0];
    const warning = doc.warnings[0];
    if (warning) {
      const offset = warning.pos?.[0];
      const at = offset !== undefined ? ` at ${lineColumn(text, offset)}` : '';
      throw new UserError(`${source}: YAML not allowed in a scenario${at}: ${clip(warning.message)} — write plain values, without tags (!name) or complex keys`);
    }
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof YAMLParseError) {
      const offset = e.pos?.[0];
      const at = offset !== undefined ? ` at ${lineColumn(text, offset)}` : '';
      if (e.code === 'DUPLICATE_KEY' && e.pos) {
        const from = text.slice(e.pos[0], e.pos[0] + 200);
        const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n,{}[\]]*?)\s*:/.exec(from);
        const key = (m ? m[1] : from.slice(0, Math.max(1, e.pos[1] - e.pos[0]))).trim().replace(/^(["'])(.*)\1$/, '$2');
        throw new UserError(`${source}: malformed YAML${at}: the key ${excerpt(key)} appears twice in the same mapping — each field may be given once`);
      }
      if (/call stack/i.test(e.message)) throw new UserError(`${source}: malformed YAML${at}: nested too deeply`);
      throw new UserError(`${source}: malformed YAML${at}: ${clip(e.message)}`);
    }
    if (e instanceof ReferenceError && /alias/i.test(e.message)) {
      throw new UserError(`${source}: malformed YAML: ${/excessive alias count/i.test(e.message) ? 'too many aliases (*name) expanding to too much data — a YAML alias bomb is refused' : clip(e.message)}`);
    }
    if (e instanceof RangeError) throw new UserError(`${source}: malformed YAML: nested too deeply`);
    throw new UserError(`${source}: malformed YAML: ${clip((e as Error)?.message ?? String(e))}`);
  }
  return parseScenario(data, source, opts);
}

/** The first line of a parser's message, control characters escaped, at most 160 characters. */
function clip(message: string): string {
  const line = message.split('\n')[0].replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/**
 * Reads a scenario file (.yaml, .yml or .json, at most `MAX_SCENARIO_BYTES`); data files named in it
 * are relative to its folder and must lie inside it unless `allowAnyPath`.
 * @throws UserError naming the file: missing, not a regular file, too large, malformed, invalid
 */
export function loadScenarioFile(file: string, opts: { allowAnyPath?: boolean } = {}): Scenario {
  const text = utf8(readBoundedFile(file, MAX_SCENARIO_BYTES, 'scenario file'));
  return parseScenarioText(text, file, { baseDir: path.dirname(path.resolve(file)), allowAnyPath: opts.allowAnyPath });
}
