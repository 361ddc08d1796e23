/**
 * Scenario mutations for the fuzz test (issue 11): every scenario file in scenarios/, made small
 * (few traders, a short horizon) unless the mutation targets those fields, then damaged one way —
 * a special number (NaN, ±Infinity, ±1e308, −0, …) or a value of the wrong kind at any field
 * (defaults included), an unknown key, a deleted key, another `kind`, or a contradictory pair of
 * fields. Cases are plain data drawn with fast-check from a fixed seed, so a run is reproducible
 * from the printed seed and case index.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseScenario } from '../../src/scenario/load.js';
import { arrivalRoom, meanCollateralUsd } from '../../src/scenario/bounds.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { scenarioFiles, SCENARIOS_DIR } from '../helpers/files.js';

export type Segment = string | number;

export type Mutation =
  | { kind: 'set'; path: Segment[]; value: unknown; label: string }
  | { kind: 'unknown-key'; path: Segment[]; key: string }
  | { kind: 'delete'; path: Segment[] }
  | { kind: 'contradiction'; name: ContradictionName };

export interface FuzzCase {
  /** Scenario file, relative to scenarios/. */
  file: string;
  /** One to three mutations, applied in order. */
  mutations: Mutation[];
}

/** Fields whose size sets the cost of a run: shrunk unless a mutation targets them. */
const SPEED_FIELDS = [['traders', 'count'], ['horizonSteps']];
/** Traders and steps of a sped-up scenario (MARGINLAB_FUZZ_TRADERS / MARGINLAB_FUZZ_STEPS: larger books reach more engine states, slower). */
const SMALL_COUNT = Number(process.env.MARGINLAB_FUZZ_TRADERS ?? 40);
const SMALL_HORIZON = Number(process.env.MARGINLAB_FUZZ_STEPS ?? 48);

// ----------------------------------------------------------------------------------- values

/** Special and wrong-kind values, with labels (the label is what a failure report prints). */
const SPECIAL: [string, unknown][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['-0', -0],
  ['0', 0],
  ['-1', -1],
  ['1', 1],
  ['0.5', 0.5],
  ['1.5', 1.5],
  ['1e-300', 1e-300],
  ['2^53', 2 ** 53],
  ['1e14', 1e14],
  ['1e6', 1e6],
  ['1e-9', 1e-9],
  ['1e9', 1e9],
  ['10', 10],
  ['1000', 1000],
  ['"abc"', 'abc'],
  ['""', ''],
  ['true', true],
  ['null', null],
  ['[]', []],
  ['{}', {}],
  ['[1, 2]', [1, 2]],
];
/** For the fields that set a run's cost: no large valid values (1e6 traders would take minutes, not milliseconds). */
const SPECIAL_FOR_SPEED = SPECIAL.filter(([l]) => l !== '1e6');

// ----------------------------------------------------------------------------------- damaged data files

/**
 * Price files with one impossible timestamp (issue 25 item 5), as `data/fuzz-<name>.csv` beside the cases: a copy of
 * scenarios/data/synthetic-btc-1m.csv whose second timestamp is replaced. Written by the fuzz test (`fuzzDataFiles`).
 */
export const FUZZ_BAD_DATES = {
  'feb-30': '2024-02-30T00:01:00Z',
  'feb-29-2023': '2023-02-29T00:01:00Z',
  'month-13': '2024-13-01T00:01:00Z',
  'hour-24': '2024-03-01T24:01:00Z',
  'day-0': '2024-03-00T00:01:00Z',
} as const;

/** The damaged price files, by name under data/: their contents made from the synthetic price file's text. */
export function fuzzDataFiles(syntheticCsv: string): Record<string, string> {
  const lines = syntheticCsv.split('\n');
  return Object.fromEntries(
    Object.entries(FUZZ_BAD_DATES).map(([name, ts]) => {
      const copy = [...lines];
      copy[2] = copy[2].replace(/^[^,]+/, ts);
      return [`fuzz-${name}.csv`, copy.join('\n')];
    }),
  );
}

// ----------------------------------------------------------------------------------- contradictions

const CONTRADICTIONS = {
  /** item 20: a cap below the smallest collateral */
  'pareto-max-below-min': (s: Raw) => set(s, ['traders', 'collateralUsd'], { kind: 'pareto', minUsd: 1000, alpha: 1.5, maxUsd: 10 }),
  'stop-loss-min-above-max': (s: Raw) => set(s, ['traders', 'stopLoss'], { share: 0.5, lossFractionOfCollateralMin: 0.9, lossFractionOfCollateralMax: 0.1 }),
  'take-profit-min-above-max': (s: Raw) => set(s, ['traders', 'takeProfit'], { share: 0.5, gainFractionOfCollateralMin: 3, gainFractionOfCollateralMax: 1 }),
  'top-up-target-below-trigger': (s: Raw) => set(s, ['traders', 'topUp'], { share: 0.5, triggerMarginRatio: 3, targetMarginRatio: 2 }),
  'mmr-above-initial-margin': (s: Raw) => {
    set(s, ['policy', 'maxLeverage'], 10);
    set(s, ['policy', 'maintenance'], { kind: 'fixed', mmr: 0.2 });
  },
  'tier-floors-decreasing': (s: Raw) =>
    set(s, ['policy', 'maintenance'], { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 1000, mmr: 0.02 }, { notionalFloorUsd: 500, mmr: 0.03 }] }),
  'leverage-above-max': (s: Raw) => {
    set(s, ['policy', 'maxLeverage'], 20);
    set(s, ['traders', 'leverage'], { kind: 'tiers', tiers: [{ leverage: 100, weight: 1 }] });
  },
  'garch-alpha-plus-beta-above-1': (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'garch', alpha: 0.5, beta: 0.6 }),
  'scripted-window-beyond-horizon': (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'scripted-drawdown', startStep: SMALL_HORIZON, durationSteps: 10 }),
  'correlation-not-psd': (s: Raw) => {
    set(s, ['otherMarkets'], [{ name: 'B' }, { name: 'C' }]);
    set(s, ['correlation'], [
      [1, 0.9, -0.9],
      [0.9, 1, 0.9],
      [-0.9, 0.9, 1],
    ]);
  },
  'regime-rows-not-summing-to-1': (s: Raw) =>
    set(s, ['market', 'priceModel'], { kind: 'regime-switching', states: [{ name: 'a', volatilityAnnual: 0.5 }, { name: 'b', volatilityAnnual: 1 }], transitionMatrix: [[0.5, 0.6], [0.5, 0.5]] }),
  'cross-markets-above-markets': (s: Raw) => set(s, ['traders', 'crossMarketsPerAccount'], 5),
  'size-scaled-max-below-base': (s: Raw) => set(s, ['policy', 'maintenance'], { kind: 'size-scaled', baseMmr: 0.03, maxMmr: 0.01 }),
  'adaptive-max-below-floor': (s: Raw) => set(s, ['policy', 'maintenance'], { kind: 'volatility-adaptive', floorMmr: 0.03, maxMmr: 0.01 }),
  /** item 20: run validates variants as compare does */
  'variants-same-name': (s: Raw) => set(s, ['variants'], [{ name: 'a' }, { name: 'a' }]),
  'variants-invalid-override': (s: Raw) => set(s, ['variants'], [{ name: 'a' }, { name: 'b', override: { policy: { maxLeverage: -3 } } }]),
  'variants-proto-key': (s: Raw) => set(s, ['variants'], [{ name: 'a' }, { name: 'b', override: JSON.parse('{"__proto__": {"seed": 9}}') }]),
  /** item 3: data files stay inside the scenario's folder */
  'csv-absolute-path': (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'csv', file: '/proc/self/environ' }),
  'csv-escaping-path': (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'csv', file: '../../etc/passwd' }),
  /** issue 25 item 4: terminal escapes in a data-file path (the message must show them escaped) */
  'csv-path-with-escapes': (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'csv', file: 'data/\u001b[31mRED\u001b[0m\u001b]0;pwned\u0007.csv' }),
  'depth-path-with-escapes': (s: Raw) => set(s, ['market', 'impact'], { kind: 'linear', depthUsdPerPercent: 1e6, file: 'data/\u001b[2J\r.csv' }),
  /** issue 25 item 5: impossible calendar dates in a price file (the files are written by the fuzz test: FUZZ_DATA_FILES) */
  ...Object.fromEntries(
    Object.keys(FUZZ_BAD_DATES).map((name) => [`csv-${name}`, (s: Raw) => set(s, ['market', 'priceModel'], { kind: 'csv', file: `data/fuzz-${name}.csv`, mode: 'block-bootstrap', blockSteps: 10 })]),
  ) as Record<`csv-${keyof typeof FUZZ_BAD_DATES}`, (s: Raw) => void>,
  /** issue 25 items 1, 2: study blocks are validated by run too, and named as fields of the file */
  'sweep-reversed-range': (s: Raw) => set(s, ['sweep'], { params: [{ path: 'policy.maintenance.mmr', start: 0.02, stop: 0.01, step: 0.005 }] }),
  'sweep-unknown-path': (s: Raw) => set(s, ['sweep'], { params: [{ path: 'policy.nope', values: [1, 2] }] }),
  'calibrate-range-from-zero': (s: Raw) => set(s, ['calibrate'], { param: 'policy.maintenance.mmr', range: [0, 0.02], target: 'probBadDebt <= 1%' }),
  'calibrate-reversed-range': (s: Raw) => set(s, ['calibrate'], { param: 'policy.maintenance.mmr', range: [0.02, 0.01], target: 'probBadDebt <= 1%' }),
  'calibrate-unknown-param': (s: Raw) => set(s, ['calibrate'], { param: 'policy.nope', range: [0.01, 0.02], target: 'probBadDebt <= 1%' }),
  'calibrate-bad-target': (s: Raw) => set(s, ['calibrate'], { param: 'policy.maintenance.mmr', range: [0.01, 0.02], target: 'nonsense' }),
  'calibrate-escapes-in-target': (s: Raw) => set(s, ['calibrate'], { param: 'policy.maintenance.mmr', range: [0.01, 0.02], target: '\u001b]0;pwned\u0007 <= 1%' }),
  /** item 1 */
  'name-dot-dot': (s: Raw) => set(s, ['name'], '..'),
  'name-dot': (s: Raw) => set(s, ['name'], '.'),
  /** items 7, 8: money and allocation bounds */
  'fund-above-money-bound': (s: Raw) => set(s, ['policy', 'insuranceFund', 'initialUsd'], 1e14),
  'book-above-money-bound': (s: Raw) => set(s, ['traders', 'collateralUsd'], { kind: 'lognormal', medianUsd: 1e11, sigmaLog: 1 }),
  'arrivals-above-capacity': (s: Raw) => {
    set(s, ['horizonSteps'], 10_000_000);
    set(s, ['traders', 'arrivals'], { perStep: 1000 });
  },
} as const;

export type ContradictionName = keyof typeof CONTRADICTIONS;
export const CONTRADICTION_NAMES = Object.keys(CONTRADICTIONS) as ContradictionName[];

// ----------------------------------------------------------------------------------- scenarios

type Raw = Record<string, unknown>;

function set(root: Raw, p: Segment[], value: unknown): void {
  let v: Record<string | number, unknown> = root;
  for (const s of p.slice(0, -1)) {
    if (v[s] === null || typeof v[s] !== 'object') v[s] = {};
    v = v[s] as Record<string | number, unknown>;
  }
  v[p[p.length - 1]] = value;
}

function get(root: unknown, p: Segment[]): unknown {
  let v: unknown = root;
  for (const s of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[s];
  }
  return v;
}

/** Shrinks a scenario to run in milliseconds: few traders, a short horizon (scripted windows scaled to fit). */
export function speedUp(raw: Raw): Raw {
  const s = structuredClone(raw);
  const h = (s.horizonSteps as number | undefined) ?? 1440;
  const f = Math.min(1, SMALL_HORIZON / h);
  s.horizonSteps = Math.min(h, SMALL_HORIZON);
  const traders = (s.traders ?? {}) as Raw;
  // a position snapshot sets the book's size itself (a count beside it must equal the file's)
  if (traders.snapshot === undefined) traders.count = Math.min((traders.count as number | undefined) ?? 10_000, SMALL_COUNT);
  s.traders = traders;
  const markets = [s.market, ...((s.otherMarkets as unknown[] | undefined) ?? [])] as (Raw | undefined)[];
  for (const m of markets) {
    const pm = m?.priceModel as Raw | undefined;
    if (pm?.kind !== 'scripted-drawdown') continue;
    for (const k of ['startStep', 'recoverySteps']) if (typeof pm[k] === 'number') pm[k] = Math.floor((pm[k] as number) * f);
    for (const k of ['durationSteps', 'secondDurationSteps']) if (typeof pm[k] === 'number') pm[k] = Math.max(1, Math.floor((pm[k] as number) * f));
    if ((pm.recoveryFraction as number) > 0 && pm.recoverySteps === 0) pm.recoverySteps = 1;
    if (Array.isArray(pm.legs)) {
      // each leg scaled (at least one step); legs that no longer fit in the short horizon are dropped
      let at = (pm.startStep as number | undefined) ?? 0;
      const legs: Raw[] = [];
      for (const leg of pm.legs as Raw[]) {
        const d = Math.max(1, Math.floor((leg.durationSteps as number) * f));
        if (at + d > (s.horizonSteps as number)) break;
        legs.push({ ...leg, durationSteps: d });
        at += d;
      }
      pm.legs = legs.length ? legs : [{ ...(pm.legs as Raw[])[0], durationSteps: 1 }];
    }
  }
  return s;
}

export interface BaseScenario {
  file: string;
  /** As written (and sped up), to be mutated and written back as YAML. */
  raw: Raw;
  /** Fully resolved (defaults filled in): where mutations find fields the file leaves out. */
  resolved: Raw;
  /** Every field path of the resolved scenario (leaves and groups), without study blocks. */
  paths: Segment[][];
  /** Objects of the raw scenario (where an unknown key can go). */
  objects: Segment[][];
  /** Leaves present in the raw scenario (what can be deleted). */
  rawLeaves: Segment[][];
}

function walk(v: unknown, at: Segment[], out: { all: Segment[][]; objects: Segment[][]; leaves: Segment[][] }): void {
  if (at.length > 0) out.all.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') {
    out.objects.push(at);
    for (const [k, x] of Object.entries(v)) walk(x, [...at, k], out);
  } else if (at.length > 0) out.leaves.push(at);
}

/** Loads every scenario file as a sped-up base for mutations. */
export function loadBases(): BaseScenario[] {
  return scenarioFiles().map((f) => {
    const raw = speedUp(parseYaml(readFileSync(f, 'utf8')) as Raw);
    const resolved = parseScenario(structuredClone(raw), f, { baseDir: path.dirname(f) }) as unknown as Raw;
    const r = { all: [] as Segment[][], objects: [] as Segment[][], leaves: [] as Segment[][] };
    walk(resolved, [], r);
    const w = { all: [] as Segment[][], objects: [] as Segment[][], leaves: [] as Segment[][] };
    walk(raw, [], w);
    return {
      file: path.relative(SCENARIOS_DIR, f),
      raw,
      resolved,
      paths: r.all,
      objects: w.objects,
      rawLeaves: w.leaves,
    };
  });
}

/** Book notional over market depth above which prices may leave the finite range (the largest shipped scenario: about 700). */
export const ENGINE_DEPTH_RATIO = 2000;

/**
 * Families of inputs whose failure lay in the engine (src/engine/), once kept out of the fuzz. Fixed in
 * the engine (src/engine/limits.ts: saturating impact, a floor on withdrawn depth, paths that stop with
 * a named condition instead of booking beyond the ledger's exact range) and back in the fuzz by default;
 * test/engine/limits.test.ts keeps the inputs that found them as regression tests:
 *
 * Issue 11 item 7 (engine side) — a book far larger than the market's depth: (traders.count + room
 * for arrivals) × mean collateral × policy.maxLeverage above ENGINE_DEPTH_RATIO × the thinnest
 * market's depthUsdPerPercent, or depth withdrawing as min(1, σ_ref/σ̂)^stressElasticity with an
 * elasticity above 2. Found:
 *   - default.yaml with market.impact.depthUsdPerPercent = 1e-9: "realised PnL must be whole cents,
 *     got -Infinity";
 *   - stress/2022-05-luna-ust.yaml with otherMarkets[0].impact.depthUsdPerPercent = 1: "realised PnL
 *     must be whole cents, got -1.0977856805439886e+191";
 *   - stress/2022-11-08-ftx.yaml with traders.arrivals.perStep = 1000 and horizonSteps 1440: "realised
 *     PnL must be whole cents, got -10296465055127242" (beyond 2^53 cents);
 *   - stress/2022-05-luna-ust.yaml (1,000 traders) with traders.collateralUsd.medianUsd = 1e6 and
 *     otherMarkets[0].priceModel.durationSteps deleted: "money not conserved — market received
 *     175281055903 + bad debt 23726085662119125 ≠ net realised losses 23726260943175027" (cents).
 *   - default.yaml with market.impact.stressElasticity = 10: "realised PnL must be whole cents, got
 *     -1.574016028614545e+168"; stress/2020-03-12-black-thursday.yaml with the same: "realised PnL must
 *     be whole cents, got NaN".
 * MARGINLAB_FUZZ_ENGINE_FAMILIES=0 leaves them out again (to separate an input-handling failure from
 * an engine one).
 */
export function engineFamily(base: BaseScenario, ms: Mutation[]): string | undefined {
  let s: Scenario;
  try {
    s = parseScenario(applyMutations(base, ms), 'fuzz', { baseDir: path.dirname(path.join(SCENARIOS_DIR, base.file)) });
  } catch {
    return undefined; // refused at load time: nothing reaches the engine
  }
  const depths = [s.market, ...s.otherMarkets].filter((m) => m.impact.kind !== 'none').map((m) => m.impact.depthUsdPerPercent);
  if (depths.length === 0) return undefined;
  if ([s.market, ...s.otherMarkets].some((m) => m.impact.kind !== 'none' && m.impact.stressElasticity > 2)) return 'issue 11 item 7: depth withdrawing to nothing in stress';
  const notional = (s.traders.count + arrivalRoom(s)) * meanCollateralUsd(s) * s.policy.maxLeverage;
  if (notional > ENGINE_DEPTH_RATIO * Math.min(...depths)) return 'issue 11 item 7: book far larger than market depth';
  return undefined;
}
const INCLUDE_ENGINE_FAMILIES = process.env.MARGINLAB_FUZZ_ENGINE_FAMILIES !== '0';

const isSpeedField = (p: Segment[]) => SPEED_FIELDS.some((q) => q.length === p.length && q.every((s, i) => s === p[i]));

/** The fast-check arbitrary of one case over the given bases. */
export function caseArbitrary(bases: BaseScenario[]): fc.Arbitrary<FuzzCase> {
  return fc.integer({ min: 0, max: bases.length - 1 }).chain((b) => {
    const base = bases[b];
    const setArb = fc.constantFrom(...base.paths).chain((p) =>
      fc.constantFrom(...(isSpeedField(p) ? SPECIAL_FOR_SPEED : SPECIAL)).map(([label, value]): Mutation => ({ kind: 'set', path: p, value, label })),
    );
    const kindArb = fc
      .constantFrom(...base.paths.filter((p) => p[p.length - 1] === 'kind'))
      .chain((p) =>
        fc
          .constantFrom('gbm', 'merton', 'garch', 'regime-switching', 'csv', 'scripted-drawdown', 'fixed', 'tiered', 'size-scaled', 'fraction-of-imr', 'volatility-adaptive', 'tiers', 'lognormal', 'pareto', 'full', 'partial', 'fraction', 'none', 'linear', 'sqrt', 'ema', 'median', 'bogus')
          .map((value): Mutation => ({ kind: 'set', path: p, value, label: JSON.stringify(value) })),
      );
    const unknownArb = fc.constantFrom(...base.objects).chain((p) => fc.constantFrom('bogusField', 'Name', 'mmr_', 'seedd', 'x\u001b[31mred', 'tab\there').map((key): Mutation => ({ kind: 'unknown-key', path: p, key })));
    const deleteArb = fc.constantFrom(...base.rawLeaves).map((p): Mutation => ({ kind: 'delete', path: p }));
    const contraArb = fc.constantFrom(...CONTRADICTION_NAMES).map((name): Mutation => ({ kind: 'contradiction', name }));
    // a valid-looking change: a number scaled by a factor (most stay in range, so the engine runs on varied inputs)
    const numeric = base.paths.filter((p) => typeof get(base.resolved, p) === 'number');
    const scaleArb = fc.constantFrom(...numeric).chain((p) =>
      fc.constantFrom(0.1, 0.5, 2, 10).map((f): Mutation => {
        const v = get(base.resolved, p) as number;
        const value = Number.isInteger(v) ? Math.round(v * f) : v * f;
        return { kind: 'set', path: p, value, label: `${value} (×${f})` };
      }),
    );
    const one = fc.oneof(
      { arbitrary: setArb, weight: 8 },
      { arbitrary: scaleArb, weight: 5 },
      { arbitrary: kindArb, weight: 2 },
      { arbitrary: unknownArb, weight: 1 },
      { arbitrary: deleteArb, weight: 1 },
      { arbitrary: contraArb, weight: 2 },
    );
    const count = fc.oneof({ arbitrary: fc.constant(1), weight: 6 }, { arbitrary: fc.constant(2), weight: 3 }, { arbitrary: fc.constant(3), weight: 1 });
    return count
      .chain((n) => fc.array(one, { minLength: n, maxLength: n }))
      .filter((mutations) => INCLUDE_ENGINE_FAMILIES || engineFamily(base, mutations) === undefined)
      .map((mutations) => ({ file: base.file, mutations }));
  });
}

/** The mutated scenario object (to be written as YAML); no mutations: the sped-up scenario itself. */
export function applyMutations(base: BaseScenario, ms: Mutation[]): Raw {
  const s = structuredClone(base.raw);
  for (const m of ms) applyMutation(base, s, m);
  return s;
}

function applyMutation(base: BaseScenario, s: Raw, m: Mutation): void {
  switch (m.kind) {
    case 'set': {
      // a field the file leaves out: copy its resolved group in first (so a `kind` comes with it)
      for (let k = 1; k < m.path.length; k++) {
        const prefix = m.path.slice(0, k);
        if (get(s, prefix) === undefined) {
          set(s, prefix, structuredClone(get(base.resolved, prefix)));
          break;
        }
      }
      set(s, m.path, structuredClone(m.value)); // a fresh copy: the drawn value object is shared between cases
      return;
    }
    case 'unknown-key': {
      const parent = get(s, m.path);
      if (parent !== null && typeof parent === 'object' && !Array.isArray(parent)) (parent as Raw)[m.key] = 1;
      return;
    }
    case 'delete': {
      const parent = get(s, m.path.slice(0, -1));
      if (parent === null || typeof parent !== 'object') return;
      const last = m.path[m.path.length - 1];
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete (parent as Raw)[last];
      return;
    }
    case 'contradiction':
      CONTRADICTIONS[m.name](s);
      return;
  }
}

export function describeMutations(ms: Mutation[]): string {
  return ms.map(describeMutation).join('; ');
}

function describeMutation(m: Mutation): string {
  const p = (path: Segment[]) => path.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').slice(1);
  switch (m.kind) {
    case 'set':
      return `${p(m.path)} = ${m.label}`;
    case 'unknown-key':
      return `${p([...m.path, m.key])} added`;
    case 'delete':
      return `${p(m.path)} deleted`;
    case 'contradiction':
      return `contradiction ${m.name}`;
  }
}

/** The fields mutations touch (for checking that an error names a field). */
export function mutatedKeys(ms: Mutation[]): string[] {
  return ms.flatMap(keysOf);
}

function keysOf(m: Mutation): string[] {
  switch (m.kind) {
    case 'set':
    case 'delete':
      return m.path.filter((s): s is string => typeof s === 'string');
    case 'unknown-key':
      return [...m.path.filter((s): s is string => typeof s === 'string'), m.key];
    case 'contradiction':
      return [];
  }
}
