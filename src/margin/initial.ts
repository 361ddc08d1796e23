/**
 * Initial margin (docs/design.md §3): what a new position must post — the maximum-leverage rule, the
 * IM = 2·MM relation for steep tiered schedules, or Binance-style initial-margin brackets — and the
 * largest notional a deposit can open under it. Used when the book is drawn (src/agents/), by arrivals,
 * funding and rebalancing in the engine, and by the capital-efficiency figures of a sweep.
 */
import type { Scenario } from '../scenario/schema.js';
import { marketPolicy } from '../scenario/market-policy.js';
import type { MaintenanceModel } from './maintenance.js';

/** A market's initial-margin rule: its maximum leverage and, optionally, initial-margin brackets. */
export interface InitialMarginRule {
  maxLeverage: number;
  /** Brackets by notional (Binance's bracket IMR): IM = N · imr of N's bracket. */
  brackets?: ReadonlyArray<{ notionalFloorUsd: number; imr: number }>;
}

/** The initial-margin rule of market m (its own policy, or the scenario's). */
export function initialMarginRule(sc: Scenario, m: number): InitialMarginRule {
  const p = marketPolicy(sc, m);
  return { maxLeverage: p.maxLeverage, brackets: p.initialMargin?.tiers };
}

/**
 * Initial margin of notional N: max(N / maxLeverage, 2·MM(N)) — the maximum-leverage rule, and for
 * steep tiered schedules the usual IM = 2·MM relation (e.g. Hyperliquid's MMR = 1/(2·max leverage)) —
 * or, with brackets, max(N / maxLeverage, N · imr of N's bracket).
 */
export function initialMargin(notional: number, size: number, rule: InitialMarginRule, mm: MaintenanceModel): number {
  if (rule.brackets) {
    let k = 0;
    while (k + 1 < rule.brackets.length && notional > rule.brackets[k + 1].notionalFloorUsd) k++;
    return Math.max(notional / rule.maxLeverage, notional * rule.brackets[k].imr);
  }
  return Math.max(notional / rule.maxLeverage, 2 * mm.mm(notional, size));
}

/** Largest notional (at `price`) whose initial margin fits in `collateral` (bisection; IM increases with N). */
export function maxNotionalFor(collateral: number, price: number, rule: InitialMarginRule, mm: MaintenanceModel): number {
  let lo = 0;
  let hi = collateral * rule.maxLeverage;
  if (initialMargin(hi, hi / price, rule, mm) <= collateral) return hi;
  for (let it = 0; it < 80; it++) {
    const mid = 0.5 * (lo + hi);
    if (initialMargin(mid, mid / price, rule, mm) <= collateral) lo = mid;
    else hi = mid;
  }
  return lo;
}
