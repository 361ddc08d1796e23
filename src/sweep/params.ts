/**
 * Parameters of a study: dotted paths to numeric scenario fields, the values to try, and building
 * the scenario of one point (base scenario with the values set, re-validated through `parseScenario`).
 *
 * Paths are checked against the *resolved* scenario, so they follow the kinds in use: with a fixed
 * maintenance margin `policy.maintenance.mmr` exists; with a tiered one `policy.maintenance.tiers[1].mmr`.
 */
import { UserError } from '../errors.js';
import { isIntegerField, parseScenario, rederiveDefaults } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { carryPolicyChanges } from '../scenario/market-policy.js';
import { excerpt } from '../scenario/price-csv.js';
import { parseDocument } from 'yaml';

/** Fields a study never varies: the seed (common random numbers need it fixed), the path count, output options. */
const EXCLUDED = [/^seed$/, /^paths$/, /^output\./, /^(sweep|calibrate|recommend|variants)(\.|\[|$)/];

type Segment = string | number;

/** Splits `a.b[2].c` (or `a.b.2.c`) into segments. */
export function splitPath(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (/^\d+$/.test(m[1])) out.push(Number(m[1]));
    else out.push(m[1]);
  }
  return out;
}

/** Canonical form: `a.b[2].c`. */
export function joinPath(segments: Segment[]): string {
  let s = '';
  for (const p of segments) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** The scenario without its study blocks: what one point of a study actually runs. */
export function stripStudy(s: Scenario): Scenario {
  const copy = JSON.parse(JSON.stringify(s)) as Scenario;
  delete copy.sweep;
  delete copy.calibrate;
  delete copy.recommend;
  delete copy.variants;
  return copy;
}

/** Every numeric field of `scenario` a study may vary, as canonical dotted paths. */
export function numericPaths(scenario: Scenario): string[] {
  const out: string[] = [];
  const walk = (v: unknown, segs: Segment[]) => {
    if (typeof v === 'number') {
      const p = joinPath(segs);
      if (!EXCLUDED.some((r) => r.test(p))) out.push(p);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...segs, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...segs, k]);
  };
  walk(withMarketPolicies(stripStudy(scenario)), []);
  return out;
}

/** Market m's path prefix in a scenario: `market` or `otherMarkets[i]`. */
function marketPrefix(m: number): string {
  return m === 0 ? 'market' : `otherMarkets[${m - 1}]`;
}

/**
 * Every market with its own policy: a market that has none gets a copy of the scenario's (the same
 * rules), so a study can vary one market's rules alone (`markets.ALT.policy.maintenance.mmr`).
 */
function withMarketPolicies<T extends Scenario>(s: T): T {
  const copy = JSON.parse(JSON.stringify(s)) as T;
  for (const mk of [copy.market, ...copy.otherMarkets]) {
    if (!mk.policy) mk.policy = { ...JSON.parse(JSON.stringify(copy.policy)), insuranceFund: { ...copy.policy.insuranceFund, group: 'shared' } };
  }
  return copy;
}

/** `markets.<name or index>.…` written as the market's own path: `market.…` or `otherMarkets[i].…`. */
function marketAlias(scenario: Scenario, path: string): string {
  const segs = splitPath(path.trim());
  if (segs[0] !== 'markets' || segs.length < 2) return path;
  const names = [scenario.market.name, ...scenario.otherMarkets.map((m) => m.name)];
  const m = typeof segs[1] === 'number' ? segs[1] : names.indexOf(segs[1]);
  if (m < 0 || m >= names.length) throw new UserError(`${path}: no market named ${JSON.stringify(segs[1])} — the markets are ${names.join(', ')}`);
  return joinPath([...splitPath(marketPrefix(m)), ...segs.slice(2)]);
}

/** Whether the numeric field at `path` takes whole numbers only (e.g. traders.count, horizonSteps). */
export function isIntegerParam(scenario: Scenario, path: string): boolean {
  return isIntegerField(splitPath(path), scenario);
}

/** Reads the value at `path` (undefined when absent). */
export function getAt(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const p of splitPath(path)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p as string];
  }
  return v;
}

/** Checks a parameter path against the scenario; returns its canonical form. Throws `UserError` listing the allowed paths. */
export function checkParamPath(scenario: Scenario, path: string, flag = '--param'): string {
  const canonical = joinPath(splitPath(marketAlias(scenario, path.trim())));
  const allowed = numericPaths(scenario);
  if (allowed.includes(canonical)) return canonical;
  let why = 'is not a numeric field of this scenario';
  if (/^seed$|^paths$/.test(canonical)) why = 'cannot be varied by a study (the seed and path count are what makes points comparable)';
  else if (typeof getAt(scenario, canonical) === 'object') why = 'is a group of fields, not a number';
  else {
    // name the kind in use when the path's parent is a model chosen by `kind`
    const segs = splitPath(canonical);
    for (let k = segs.length - 1; k > 0; k--) {
      const parent = getAt(scenario, joinPath(segs.slice(0, k)));
      if (parent && typeof parent === 'object' && 'kind' in parent) {
        why += ` (${joinPath(segs.slice(0, k))} is kind "${String((parent as { kind: unknown }).kind)}")`;
        break;
      }
    }
  }
  // the nearest path first, then the paths of the same group (the whole list runs to thousands of characters)
  const near = nearestPath(canonical, allowed);
  const group = splitPath(canonical)[0];
  const same = allowed.filter((a) => splitPath(a)[0] === group);
  const listed = same.length > 0 ? same : allowed;
  const others = allowed.length - listed.length;
  throw new UserError(
    `${flag} ${JSON.stringify(path)}: ${why}${near ? ` — did you mean ${near}?` : ''}; allowed numeric paths${same.length > 0 ? ` under ${String(group)}` : ''}: ${listed.join(', ')}${others > 0 ? ` (and ${others} elsewhere in the scenario)` : ''}`,
  );
}

/** The allowed path nearest to `p` by edit distance, when it is close (at most a third of its length away). */
function nearestPath(p: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(p.length / 3)) + 1;
  for (const a of allowed) {
    const d = editDistance(p, a, bestD);
    if (d < bestD) [best, bestD] = [a, d];
  }
  return best;
}

/** Levenshtein distance of a and b, or `cap` when it is at least `cap`. O(|a|·|b|). */
function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return Math.min(prev[b.length], cap);
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function num(s: string, what: string): number {
  if (!NUMBER.test(s)) throw new UserError(`${what}: ${JSON.stringify(s.trim())} is not a number`);
  return Number(s);
}

/** Values start, start + step, … up to stop (inclusive, with a relative tolerance of 1e−9 of the step). */
function rangeValues(start: number, stop: number, step: number, what: string): number[] {
  const allowed = 'allowed: a comma-separated list of numbers (0.01,0.02) or start:stop:step with step > 0 and start ≤ stop';
  if (!(step > 0)) throw new UserError(`${what}: step ${step} is not allowed — ${allowed}`);
  if (!(stop >= start)) throw new UserError(`${what}: empty range ${start}:${stop}:${step} (stop is below start) — ${allowed}`);
  const n = Math.floor((stop - start) / step + 1e-9) + 1;
  if (n > 1000) throw new UserError(`${what}: ${n} values is too many — at most 1000 per parameter`);
  // round to 12 significant digits so 0.1 + 2·0.1 prints as 0.3
  return Array.from({ length: n }, (_, i) => Number((start + i * step).toPrecision(12)));
}

/** Parses `a,b,c` or `start:stop:step`. */
export function parseValues(text: string, what: string): number[] {
  const t = text.trim();
  if (t === '') throw new UserError(`${what}: empty list of values — allowed: a comma-separated list of numbers (0.01,0.02) or start:stop:step with step > 0 and start ≤ stop`);
  if (t.includes(':')) {
    const parts = t.split(':');
    if (parts.length !== 3) throw new UserError(`${what}: ${JSON.stringify(t)} is not allowed — a range is start:stop:step (three numbers)`);
    const [a, b, c] = parts.map((p, i) => num(p, `${what} (${['start', 'stop', 'step'][i]})`));
    return rangeValues(a, b, c, what);
  }
  const parts = t.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new UserError(`${what}: ${JSON.stringify(t)} has an empty item — allowed: a comma-separated list of numbers`);
  const vs = parts.map((p) => num(p, what));
  if (new Set(vs).size !== vs.length) throw new UserError(`${what}: ${JSON.stringify(t)} lists a value twice`);
  return vs;
}

export interface ParamSpec {
  /** Canonical dotted path. */
  path: string;
  values: number[];
}

/** Parses one `--param path=values` flag. */
export function parseParamFlag(scenario: Scenario, flag: string): ParamSpec {
  const eq = flag.indexOf('=');
  if (eq <= 0) {
    throw new UserError(`--param ${JSON.stringify(flag)}: expected <path>=<values>, e.g. policy.maintenance.mmr=0.01:0.05:0.005 or policy.maxLeverage=10,20,50`);
  }
  const path = checkParamPath(scenario, flag.slice(0, eq));
  return { path, values: parseValues(flag.slice(eq + 1), `--param ${path}`) };
}

/** Parameters from the scenario's `sweep:` block. */
export function paramsFromSweepBlock(scenario: Scenario, source?: string): ParamSpec[] {
  const block = scenario.sweep;
  if (!block) return [];
  return block.params.map((p, i) => {
    const where = `${source ? `${source}: ` : ''}sweep.params[${i}]`;
    const path = checkParamPath(scenario, p.path, `${where}.path`);
    const hasRange = p.start !== undefined || p.stop !== undefined || p.step !== undefined;
    if (p.values && hasRange) throw new UserError(`${where}: give either values or start/stop/step, not both`);
    if (p.values) {
      if (new Set(p.values).size !== p.values.length) throw new UserError(`${where}.values: lists a value twice`);
      return { path, values: p.values };
    }
    if (p.start === undefined || p.stop === undefined || p.step === undefined) {
      throw new UserError(`${where}: needs values: [...] or all of start, stop and step`);
    }
    return { path, values: rangeValues(p.start, p.stop, p.step, where) };
  });
}

/** Sets `path` to `value` in a deep copy of `obj`. */
function setAt<T>(obj: T, path: string, value: unknown): T {
  const copy = JSON.parse(JSON.stringify(obj)) as T;
  const segs = splitPath(path);
  let v = copy as unknown as Record<string | number, unknown>;
  for (const s of segs.slice(0, -1)) v = v[s] as Record<string | number, unknown>;
  v[segs[segs.length - 1]] = value;
  return copy;
}

/** `policy.maintenance.mmr=0.02, policy.maxLeverage=20` */
export function describePoint(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * The scenario of one point: the base (without study blocks) with `values` set, validated. A point the
 * schema rejects is the user's error and names the point.
 */
export function pointScenario(base: Scenario, values: Record<string, number>, paths: number, context = 'sweep point'): Scenario {
  // a market whose own rule is varied holds the scenario's rules otherwise
  const varied = Object.keys(values).some((p) => /^(market|otherMarkets\[\d+\])\.policy\./.test(p));
  let input: unknown = varied ? withMarketPolicies(stripStudy(base)) : stripStudy(base);
  for (const [p, v] of Object.entries(values)) input = setAt(input, p, v);
  // a change to the scenario's rules reaches the markets that inherit them
  input = rederiveDefaults(base, carryPolicyChanges(base, input as Record<string, unknown>));
  input = { ...(input as object), paths };
  return parseScenario(input, `${context} ${describePoint(values)}`);
}

/** What `--set` accepts as a path: a dotted field path such as policy.maintenance.mmr or markets.ETH.policy.maxLeverage. */
const SET_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\.\d+)*$/;

/**
 * `run --set path=value`: the scenario with each field set, re-validated. Any field may be set, not only numbers:
 * the value is read as YAML (`0.02`, `true`, `partial`, `{ kind: gbm, volatilityAnnual: 0.5 }`). Missing objects
 * on the way are created; a change to the scenario's rules reaches the markets that inherit them, as in a sweep
 * (`markets.<name>.…` names one market's own field). Later settings win.
 * @throws UserError naming the setting: not path=value, a malformed path or value, or a scenario the schema refuses
 */
export function scenarioWithSettings(base: Scenario, settings: readonly string[], source: string): Scenario {
  if (settings.length === 0) return base;
  const entries = settings.map((text) => {
    const eq = text.indexOf('=');
    const rawPath = eq > 0 ? text.slice(0, eq).trim() : '';
    if (!SET_PATH.test(rawPath)) throw new UserError(`--set ${excerpt(text)}: expected path=value with a dotted field path, e.g. --set policy.maintenance.mmr=0.02`);
    const valueText = text.slice(eq + 1);
    const doc = parseDocument(valueText, { logLevel: 'silent' });
    if (doc.errors.length > 0 || doc.warnings.length > 0 || valueText.trim() === '') {
      throw new UserError(`--set ${excerpt(text)}: the value is not a plain YAML value — write a number, true/false, a word or { key: value, … }`);
    }
    return { path: marketAlias(base, rawPath), value: doc.toJS({ maxAliasCount: 0 }) as unknown };
  });
  const varied = entries.some((e) => /^(market|otherMarkets\[\d+\])\.policy\./.test(e.path));
  let input = JSON.parse(JSON.stringify(varied ? withMarketPolicies(base) : base)) as Record<string | number, unknown>;
  for (const { path, value } of entries) {
    const segs = splitPath(path);
    let v = input;
    for (let k = 0; k < segs.length - 1; k++) {
      const next = v[segs[k]];
      if (next === undefined || next === null) v[segs[k]] = typeof segs[k + 1] === 'number' ? [] : {};
      else if (typeof next !== 'object') throw new UserError(`--set ${path}: ${joinPath(segs.slice(0, k + 1))} is ${excerpt(String(next))}, not an object — it has no field ${excerpt(String(segs[k + 1]))}`);
      v = v[segs[k]] as Record<string | number, unknown>;
    }
    v[segs[segs.length - 1]] = value;
  }
  input = rederiveDefaults(base, carryPolicyChanges(base, input)) as Record<string | number, unknown>;
  return parseScenario(input, `${source} with --set ${entries.map((e) => e.path).join(', ')}`);
}
