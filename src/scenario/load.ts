/**
 * Loading and validating scenarios: file → YAML/JSON → schema → cross-field checks → `Scenario`.
 * Every failure is a `UserError` with one line naming the field, the value and what is allowed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../errors.js';
import { ScenarioSchema, type Scenario } from './schema.js';
import { checkPriceModels } from './price-checks.js';

type Path = ReadonlyArray<PropertyKey>;

/** `a.b[2].c` from a zod issue path. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, path: Path): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One readable line for a zod issue: `field: value — what is allowed`. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const parent = issue.path.length === 0 ? '' : `${where}.`;
      const known = Object.keys(knownKeysAt(issue.path, input));
      return `${parent}${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}` +
        (known.length ? ` (allowed here: ${known.join(', ')})` : '');
    }
    case 'invalid_union': {
      return `${where}: ${show(valueAt(input, issue.path))} is not valid — ${issue.message}`;
    }
    default:
      return `${where}: ${show(valueAt(input, issue.path))} is not allowed — ${lowerFirst(issue.message)}`;
  }
}

function lowerFirst(s: string): string {
  return s.length ? s[0].toLowerCase() + s.slice(1) : s;
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

/**
 * Checks that involve more than one field. Throws `UserError`. Resolves price CSV files against
 * `baseDir` (default: the working directory) and validates them (src/scenario/price-checks.ts).
 */
export function checkScenario(s: Scenario, baseDir?: string): void {
  const fail = (field: string, value: unknown, allowed: string): never => {
    throw new UserError(`${field}: ${show(value)} is not allowed — ${allowed}`);
  };
  checkPriceModels(s, fail, baseDir);
  const imr = 1 / s.policy.maxLeverage;
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
  const mm = s.policy.maintenance;
  if (mm.kind === 'fixed' && mm.mmr >= imr) {
    fail('policy.maintenance.mmr', mm.mmr, `must be below the initial margin rate 1/policy.maxLeverage = ${imr}`);
  }
  if (mm.kind === 'tiered') {
    if (mm.tiers[0].notionalFloorUsd !== 0) fail('policy.maintenance.tiers[0].notionalFloorUsd', mm.tiers[0].notionalFloorUsd, 'the first bracket must start at 0');
    if (mm.tiers[0].mmr >= imr) fail('policy.maintenance.tiers[0].mmr', mm.tiers[0].mmr, `must be below the initial margin rate 1/policy.maxLeverage = ${imr}`);
    for (let k = 1; k < mm.tiers.length; k++) {
      if (mm.tiers[k].notionalFloorUsd <= mm.tiers[k - 1].notionalFloorUsd) {
        fail(`policy.maintenance.tiers[${k}].notionalFloorUsd`, mm.tiers[k].notionalFloorUsd, 'bracket floors must increase');
      }
      if (mm.tiers[k].mmr < mm.tiers[k - 1].mmr) {
        fail(`policy.maintenance.tiers[${k}].mmr`, mm.tiers[k].mmr, 'bracket rates must not decrease');
      }
    }
  }
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
  if (s.traders.crossMarketsPerAccount !== undefined && s.traders.crossMarketsPerAccount > K) {
    fail('traders.crossMarketsPerAccount', s.traders.crossMarketsPerAccount, `must be at most the number of markets (${K})`);
  }
  if (s.output.seriesPoints > s.horizonSteps + 1) {
    // not an error: bucketed down later; keep the resolved scenario honest
    s.output.seriesPoints = s.horizonSteps + 1;
  }
}

/** Most steps a warm-up history may have (its prices and range tables stay well under 100 MB). */
export const MAX_WARMUP_STEPS = 1_000_000;

/**
 * Validates a plain object (already parsed from YAML/JSON) into a fully resolved scenario. Relative
 * file paths in it (a `csv` price model's `file`) are resolved against `baseDir`, default the working
 * directory; the resolved scenario holds absolute paths.
 */
export function parseScenario(input: unknown, source = 'scenario', baseDir?: string): Scenario {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new UserError(`${source}: expected a mapping of scenario fields at the top level, got ${show(input)}`);
  }
  const r = ScenarioSchema.safeParse(input);
  if (!r.success) {
    const first = r.error.issues[0];
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem${r.error.issues.length > 2 ? 's' : ''})` : '';
    throw new UserError(`${source}: ${describeIssue(first, input)}${more}`);
  }
  try {
    checkScenario(r.data, baseDir);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: ${e.message}`);
    throw e;
  }
  return r.data;
}

/** Parses YAML (a superset of JSON) text; `baseDir` as in `parseScenario`. */
export function parseScenarioText(text: string, source = 'scenario', baseDir?: string): Scenario {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const offset = e.pos?.[0];
      let at = '';
      if (offset !== undefined) {
        const before = text.slice(0, offset);
        const line = before.split('\n').length;
        const col = offset - before.lastIndexOf('\n');
        at = ` at line ${line}, column ${col}`;
      }
      throw new UserError(`${source}: malformed YAML${at}: ${e.message.split('\n')[0]}`);
    }
    throw e;
  }
  return parseScenario(data, source, baseDir);
}

/** Reads a scenario file (.yaml, .yml or .json); paths inside it are relative to its folder. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${file}: scenario file not found`);
    if (code === 'EISDIR') throw new UserError(`${file}: is a directory, expected a scenario file (.yaml or .json)`);
    throw new UserError(`${file}: cannot read scenario file (${code ?? String(e)})`);
  }
  return parseScenarioText(text, file, path.dirname(path.resolve(file)));
}
