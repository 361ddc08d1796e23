/**
 * Cross-field checks of the markets' price models and their correlation matrix (called by
 * `checkScenario`). Also resolves each `csv` model's `file` to an absolute path under the path
 * policy of src/scenario/data-files.ts — relative to the scenario file's folder and inside it when
 * the scenario came from a file, else relative to the working directory — and reads and validates
 * the CSV, so a malformed file fails at load time, before any path runs.
 */
import { UserError } from '../errors.js';
import { resolveDataFile, type PathPolicy } from './data-files.js';
import type { Scenario } from './schema.js';
import { correlationProblem } from './correlation.js';
import { csvHistory, readMarketCsv } from './market-csv.js';
import { depthWithin, readDepthCsv } from './depth-csv.js';
import { readSnapshotCsv } from './snapshot-csv.js';

type Fail = (field: string, value: unknown, allowed: string) => never;
type MarketConfig = Scenario['market'];

/** The scenario's markets in their canonical order: [market, ...otherMarkets]. */
export function marketsOf(s: Pick<Scenario, 'market' | 'otherMarkets'>): MarketConfig[] {
  return [s.market, ...(s.otherMarkets ?? [])];
}

/** Field name of market m's config: `market` or `otherMarkets[m − 1]`. */
export function marketField(m: number): string {
  return m === 0 ? 'market' : `otherMarkets[${m - 1}]`;
}

/** Defaults of the classic (one- or two-leg) script, filled in when a scenario gives no `legs`. */
export const SCRIPTED_CLASSIC_DEFAULTS = { drawdownFraction: 0.3, durationSteps: 60 } as const;

/** Total steps of a scripted-drawdown window (every leg, or both legs and the recovery). */
export function scriptedWindowSteps(pm: Extract<MarketConfig['priceModel'], { kind: 'scripted-drawdown' }>): number {
  if (pm.legs) return pm.legs.reduce((n, l) => n + l.durationSteps, 0);
  return (pm.durationSteps ?? SCRIPTED_CLASSIC_DEFAULTS.durationSteps) + pm.recoverySteps + (pm.secondDurationSteps ?? 0);
}

/**
 * Depth curves (`impact.kind: curve`): `file` is required with a curve and refused without one; it is
 * resolved under the path policy and the table read and validated. The default arbitrage capacity of a
 * curve is the mean of its two sides' depth within 1% × stepSeconds / 60 (set here, before the
 * scenario-wide default reads depthUsdPerPercent).
 */
export function checkImpactCurves(s: Scenario, fail: Fail, policy: PathPolicy = {}): void {
  marketsOf(s).forEach((mk, m) => {
    const at = `${marketField(m)}.impact`;
    const imp = mk.impact;
    if (imp.kind !== 'curve') {
      if (imp.file !== undefined) fail(`${at}.file`, imp.file, `is only read with kind: curve (kind is ${imp.kind}); remove it or set kind: curve`);
      return;
    }
    if (imp.file === undefined) fail(`${at}.file`, undefined, 'kind: curve needs a file: a CSV of cumulative depth by distance from mid (distancePercent,bidDepthUsd,askDepthUsd)');
    if (policy.readFiles === false) return;
    const abs = resolveDataFile(imp.file!, `${at}.file`, policy);
    imp.file = abs;
    let table;
    try {
      table = readDepthCsv(abs);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${at}.file: ${e.message}`);
      throw e;
    }
    if (imp.arbitrageUsdPerStep === undefined) {
      const within1 = 0.5 * (depthWithin(table.distancePercent, table.bidDepthUsd, 1) + depthWithin(table.distancePercent, table.askDepthUsd, 1));
      imp.arbitrageUsdPerStep = (within1 * s.stepSeconds) / 60;
    }
  });
}

/**
 * A position snapshot (`traders.snapshot`): one book, the venue's own, so it is not redrawn per block
 * of paths (`sampling.pathsPerBook: auto` holds it; a number is refused); the file is resolved under the path policy, read and
 * validated row by row; traders.count becomes its number of accounts (a count given beside it must
 * equal that).
 */
export function checkSnapshot(s: Scenario, fail: Fail, policy: PathPolicy = {}): void {
  const file = s.traders.snapshot;
  if (file === undefined) return;
  if (typeof s.sampling?.pathsPerBook === 'number') {
    fail('sampling.pathsPerBook', s.sampling.pathsPerBook, "traders.snapshot is one book — the venue's own — so it is not redrawn per block of paths; use auto or all (or remove traders.snapshot)");
  }
  if (policy.readFiles === false) return;
  const abs = resolveDataFile(file, 'traders.snapshot', policy);
  s.traders.snapshot = abs;
  let n: number;
  try {
    n = readSnapshotCsv(abs, marketsOf(s).map((m) => m.name)).accounts.length;
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`traders.snapshot: ${e.message}`);
    throw e;
  }
  if (policy.snapshotCountGiven && s.traders.count !== n) {
    fail('traders.count', s.traders.count, `the snapshot holds ${n} accounts (each isolated position and each cross account is one): remove traders.count or set it to ${n}`);
  }
  s.traders.count = n;
}

export function checkPriceModels(s: Scenario, fail: Fail, policy: PathPolicy = {}): void {
  const markets = marketsOf(s);
  markets.forEach((mk, m) => checkPriceModel(s, mk.priceModel, `${marketField(m)}.priceModel`, fail, policy));
  if (s.correlation !== undefined) {
    const p = correlationProblem(s.correlation, markets.length, markets.map((mk) => mk.name));
    if (p) fail(p.field, p.value, p.allowed);
  }
}

function checkPriceModel(s: Scenario, pm: MarketConfig['priceModel'], at: string, fail: Fail, policy: PathPolicy): void {
  switch (pm.kind) {
    case 'gbm':
    case 'merton':
      return;
    case 'garch':
      if (pm.alpha + pm.beta >= 1) fail(`${at}.beta`, pm.beta, `alpha + beta must be < 1 (alpha is ${pm.alpha})`);
      return;
    case 'regime-switching': {
      const K = pm.states.length;
      const names = pm.states.map((st) => st.name);
      names.forEach((n, i) => {
        if (names.indexOf(n) !== i) fail(`${at}.states[${i}].name`, n, 'state names must be unique');
      });
      if (pm.transitionMatrix !== undefined) {
        const P = pm.transitionMatrix;
        if (P.length !== K) fail(`${at}.transitionMatrix`, `${P.length} rows`, `must be ${K}×${K}, one row and column per state in the order [${names.join(', ')}]`);
        P.forEach((row, i) => {
          if (row.length !== K) fail(`${at}.transitionMatrix[${i}]`, row, `each row must have ${K} entries, one per state in the order [${names.join(', ')}]`);
          const sum = row.reduce((a, b) => a + b, 0);
          if (Math.abs(sum - 1) > 1e-9) fail(`${at}.transitionMatrix[${i}]`, row, `each row holds the probabilities of moving to each state in one step and must sum to 1 (sums to ${sum})`);
        });
      } else {
        pm.states.forEach((st, i) => {
          if (st.expectedDurationSteps === undefined) {
            fail(`${at}.states[${i}].expectedDurationSteps`, undefined, 'each state needs an expected duration in steps (≥ 1), unless transitionMatrix is given');
          }
        });
      }
      if (pm.initialState !== undefined && pm.initialState !== 'stationary' && !names.includes(pm.initialState)) {
        fail(`${at}.initialState`, pm.initialState, `must be one of the state names (${names.join(', ')}) or "stationary"`);
      }
      return;
    }
    case 'scripted-drawdown': {
      if (pm.legs) {
        const classic = (['drawdownFraction', 'durationSteps', 'secondDrawdownFraction', 'secondDurationSteps'] as const).find((k) => pm[k] !== undefined);
        if (classic) fail(`${at}.${classic}`, pm[classic], 'is not used with legs (the legs are the whole script); remove it or remove legs');
        if (pm.recoveryFraction !== 0 || pm.recoverySteps !== 0) fail(`${at}.${pm.recoverySteps !== 0 ? 'recoverySteps' : 'recoveryFraction'}`, pm.recoverySteps !== 0 ? pm.recoverySteps : pm.recoveryFraction, 'is not used with legs (write the recovery as a leg with a positive move); remove it or remove legs');
        const end = pm.startStep + scriptedWindowSteps(pm);
        if (end > s.horizonSteps) fail(`${at}.startStep`, pm.startStep, `the scripted window (startStep + the legs' durationSteps = ${end}) must end within horizonSteps (${s.horizonSteps})`);
        return;
      }
      pm.drawdownFraction ??= SCRIPTED_CLASSIC_DEFAULTS.drawdownFraction;
      pm.durationSteps ??= SCRIPTED_CLASSIC_DEFAULTS.durationSteps;
      if ((pm.secondDrawdownFraction === undefined) !== (pm.secondDurationSteps === undefined)) {
        const missing = pm.secondDrawdownFraction === undefined ? 'secondDrawdownFraction' : 'secondDurationSteps';
        fail(`${at}.${missing}`, undefined, 'the second leg needs both secondDrawdownFraction and secondDurationSteps');
      }
      if (pm.recoveryFraction > 0 && pm.recoverySteps === 0) {
        fail(`${at}.recoverySteps`, pm.recoverySteps, `must be ≥ 1 when recoveryFraction is above 0 (it is ${pm.recoveryFraction})`);
      }
      const end = pm.startStep + scriptedWindowSteps(pm);
      if (end > s.horizonSteps) {
        fail(`${at}.startStep`, pm.startStep, `the scripted window (startStep + durationSteps + recoverySteps + secondDurationSteps = ${end}) must end within horizonSteps (${s.horizonSteps})`);
      }
      return;
    }
    case 'csv': {
      if (policy.readFiles === false) return;
      const abs = resolveDataFile(pm.file, `${at}.file`, policy);
      pm.file = abs;
      let csv;
      try {
        csv = readMarketCsv(abs, pm.source);
      } catch (e) {
        if (e instanceof UserError) throw new UserError(`${at}.file: ${e.message}`);
        throw e;
      }
      const n = csvHistory(csv, pm, s.stepSeconds, at, fail).returns.length;
      if (pm.mode === 'replay' && n < s.horizonSteps) {
        const from = pm.replayFrom === undefined ? '' : ` from ${at}.replayFrom`;
        fail('horizonSteps', s.horizonSteps, `${at}.file holds ${n} returns${from} at stepSeconds = ${s.stepSeconds}, and mode "replay" does not wrap around: use horizonSteps ≤ ${n}, or mode "block-bootstrap"`);
      }
      if (pm.mode === 'block-bootstrap' && pm.blockSteps > n) {
        fail(`${at}.blockSteps`, pm.blockSteps, `must be at most the ${n} returns ${at}.file holds at stepSeconds = ${s.stepSeconds}`);
      }
      return;
    }
  }
}
