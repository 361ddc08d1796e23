/**
 * The rules each market runs under: its own resolved policy (a market's `policy`, merged over the
 * scenario's in src/scenario/load.ts) or the scenario's. And the insurance funds: the scenario's
 * shared fund, plus one fund per group a market names.
 */
import type { Policy, Scenario } from './schema.js';

export function marketsOfScenario(s: Pick<Scenario, 'market' | 'otherMarkets'>): Scenario['market'][] {
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
}

/** The funds of a scenario and the fund each market draws on: index 0 is the shared fund; a group's size and caps are those of the first market that names it. */
export function insuranceFunds(s: Scenario): { funds: FundConfig[]; fundOfMarket: number[] } {
  const g = s.policy.insuranceFund;
  const funds: FundConfig[] = [{ name: 'shared', initialUsd: g.initialUsd, maxPayoutUsdPerStep: g.maxPayoutUsdPerStep, maxShareOfFundPerEvent: g.maxShareOfFundPerEvent }];
  const fundOfMarket = marketsOfScenario(s).map((_, m) => {
    const f = marketPolicy(s, m).insuranceFund;
    const group = f.group ?? 'shared';
    let k = funds.findIndex((x) => x.name === group);
    if (k < 0) {
      k = funds.length;
      funds.push({ name: group, initialUsd: f.initialUsd, maxPayoutUsdPerStep: f.maxPayoutUsdPerStep, maxShareOfFundPerEvent: f.maxShareOfFundPerEvent });
    }
    return k;
  });
  return { funds, fundOfMarket };
}
