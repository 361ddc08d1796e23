/**
 * The rules each market runs under: its own resolved policy (a market's `policy`, merged over the
 * scenario's in src/scenario/load.ts) or the scenario's. And the insurance funds: the scenario's
 * shared fund, plus one fund per group a market names.
 */
import type { Policy, Scenario } from './schema.js';

function marketsOfScenario(s: Pick<Scenario, 'market' | 'otherMarkets'>): Scenario['market'][] {
  return [s.market, ...(s.otherMarkets ?? [])];
}

/** Market m's policy (m = 0 is `market`, then `otherMarkets`). */
export function marketPolicy(s: Scenario, m: number): Policy {
  return ((m === 0 ? s.market : s.otherMarkets[m - 1])?.policy as Policy | undefined) ?? s.policy;
}

export interface FundConfig {
  /** `shared` (the scenario's fund) or a group a market names. */
  name: string;
  initialUsd: number;
  maxPayoutUsdPerStep?: number;
  maxShareOfFundPerEvent: number;
  recapitalisation?: Policy['insuranceFund']['recapitalisation'];
}

/** The funds of a scenario and the fund each market draws on: index 0 is the shared fund; a group's size and caps are those of the first market that names it. */
export function insuranceFunds(s: Scenario): { funds: FundConfig[]; fundOfMarket: number[] } {
  const g = s.policy.insuranceFund;
  const funds: FundConfig[] = [{ name: 'shared', initialUsd: g.initialUsd, maxPayoutUsdPerStep: g.maxPayoutUsdPerStep, maxShareOfFundPerEvent: g.maxShareOfFundPerEvent, recapitalisation: g.recapitalisation }];
  const fundOfMarket = marketsOfScenario(s).map((_, m) => {
    const f = marketPolicy(s, m).insuranceFund;
    const group = f.group ?? 'shared';
    let k = funds.findIndex((x) => x.name === group);
    if (k < 0) {
      k = funds.length;
      funds.push({ name: group, initialUsd: f.initialUsd, maxPayoutUsdPerStep: f.maxPayoutUsdPerStep, maxShareOfFundPerEvent: f.maxShareOfFundPerEvent, recapitalisation: f.recapitalisation });
    }
    return k;
  });
  // the scenario's fund holds nothing when every market draws on a fund of its own group
  if (!fundOfMarket.includes(0)) funds[0].initialUsd = 0;
  return { funds, fundOfMarket };
}

/**
 * A policy as the engine runs it on steps of `stepSeconds`: a cooldown given in seconds becomes whole
 * steps (rounded up), a mark's half-life in seconds becomes steps, and caps given per block
 * (liquidation.caps.blockSeconds) become per-step caps — the position block limit keeps its per-block
 * terms and learns the step's block count (positionBlockLimit.blocksPerStep).
 */
export function stepPolicy(p: Policy, stepSeconds: number): Policy {
  const liq = p.liquidation;
  if (p.markPrice.halfLifeSeconds !== undefined) {
    const markPrice = { ...p.markPrice, halfLifeSteps: p.markPrice.halfLifeSeconds / stepSeconds };
    delete markPrice.halfLifeSeconds;
    p = { ...p, markPrice };
  }
  if (liq.cooldownSeconds === undefined && liq.caps.blockSeconds === undefined) return p;
  const caps = { ...liq.caps };
  if (caps.blockSeconds !== undefined) {
    const blocks = stepSeconds / caps.blockSeconds;
    if (caps.perAccountNotionalUsdPerStep !== undefined) caps.perAccountNotionalUsdPerStep *= blocks;
    if (caps.marketNotionalUsdPerStep !== undefined) caps.marketNotionalUsdPerStep *= blocks;
    if (caps.fundPayoutUsdPerAccountPerStep !== undefined) caps.fundPayoutUsdPerAccountPerStep *= blocks;
    // the position block limit compounds block by block: it keeps its per-block terms and the step's block count
    if (caps.positionBlockLimit !== undefined) caps.positionBlockLimit = { ...caps.positionBlockLimit, blocksPerStep: blocks };
    delete caps.blockSeconds;
  }
  const cooldownSteps = liq.cooldownSeconds === undefined ? liq.cooldownSteps : Math.ceil(liq.cooldownSeconds / stepSeconds - 1e-9);
  const liquidation = { ...liq, caps, cooldownSteps };
  delete liquidation.cooldownSeconds;
  return { ...p, liquidation };
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** Paths (key lists) where two policies differ; an object whose `kind` changed is one difference. */
function differences(x: unknown, y: unknown, at: string[], out: string[][]): void {
  if (isObj(x) && isObj(y) && x.kind === y.kind) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) differences(x[k], y[k], [...at, k], out);
  } else if (!same(x, y)) out.push(at);
}

function getIn(o: unknown, at: string[]): unknown {
  let v = o;
  for (const k of at) v = isObj(v) ? v[k] : undefined;
  return v;
}

function setIn(o: Obj, at: string[], value: unknown): void {
  let v = o;
  for (const k of at.slice(0, -1)) {
    if (!isObj(v[k])) v[k] = {};
    v = v[k] as Obj;
  }
  if (value === undefined) delete v[at[at.length - 1]];
  else v[at[at.length - 1]] = structuredClone(value);
}

/**
 * A study point or variant changes a resolved scenario's `policy`: the change reaches every market
 * whose own policy inherited the changed field (held the scenario's value before the change), as it
 * would have had the scenario been written with the new value. A market that set the field itself
 * keeps its own. Returns `after` (changed in place).
 */
export function carryPolicyChanges(before: Scenario, after: Obj): Obj {
  if (!isObj(after.policy)) return after;
  const diffs: string[][] = [];
  differences(before.policy, after.policy, [], diffs);
  if (diffs.length === 0) return after;
  const beforeMarkets = marketsOfScenario(before);
  const afterMarkets = [after.market, ...(Array.isArray(after.otherMarkets) ? after.otherMarkets : [])];
  beforeMarkets.forEach((mk, m) => {
    const own = afterMarkets[m];
    if (!isObj(own) || !isObj(own.policy)) return; // no rules of its own: it reads the scenario's
    const had = mk.policy ?? before.policy;
    for (const at of diffs) {
      if (at[0] === 'insuranceFund' && at[1] === 'group') continue;
      const was = getIn(had, at);
      // inherited, and not itself changed by this point or variant
      if (same(was, getIn(before.policy, at)) && same(getIn(own.policy, at), was)) setIn(own.policy, at, getIn(after.policy, at));
    }
  });
  return after;
}

/** The rules a scenario's opening book is drawn under (`bookRules`): its own, market by market. */
export function bookRulesOf(s: Scenario): NonNullable<Scenario['bookRules']> {
  return {
    maxLeverage: s.policy.maxLeverage,
    markets: marketsOfScenario(s).map((_, m) => {
      const p = marketPolicy(s, m);
      return { maxLeverage: p.maxLeverage, maintenance: p.maintenance, ...(p.initialMargin ? { initialMargin: p.initialMargin } : {}) };
    }),
  };
}

/**
 * The scenario the opening book is drawn from: `s` itself, or with `bookRules` its leverage cap and
 * each market's maximum leverage, maintenance and initial margin replaced by those rules (every other
 * field, and so every random draw, unchanged).
 */
export function bookScenario(s: Scenario): Scenario {
  const br = s.bookRules;
  if (!br) return s;
  const withRules = (m: number) => {
    const r = br.markets[Math.min(m, br.markets.length - 1)];
    const p: Policy = { ...marketPolicy(s, m), maxLeverage: r.maxLeverage, maintenance: r.maintenance };
    if (r.initialMargin) p.initialMargin = r.initialMargin;
    else delete (p as { initialMargin?: unknown }).initialMargin;
    return p;
  };
  return {
    ...s,
    policy: { ...s.policy, maxLeverage: br.maxLeverage },
    market: { ...s.market, policy: withRules(0) as never },
    otherMarkets: s.otherMarkets.map((mk, i) => ({ ...mk, policy: withRules(i + 1) as never })),
    bookRules: undefined,
  };
}
