/**
 * Capital efficiency of a policy: what it costs traders and the venue in locked collateral, the other
 * axis of the risk/efficiency frontier. Computed from the scenario and its opening book at t = 0 (no
 * simulation), so it is exact — no confidence interval. Sums run over every position of every market,
 * each at its market's initial price; a volatility-adaptive MMR is taken at its opening value.
 */
import type { Scenario } from '../scenario/schema.js';
import { createRunContext, type RunContext } from '../engine/context.js';
import { marketConfigs } from '../agents/population.js';
import { initialMargin, initialMarginRule } from '../margin/initial.js';

export interface CapitalEfficiency {
  /** Σ notional at the initial price (USD). */
  openInterestUsd: number;
  /** Σ maintenance margin at the initial price (USD): collateral that must stay posted. */
  maintenanceMarginUsd: number;
  /** Σ initial margin of the opening orders (USD): collateral locked to open the book. */
  initialMarginUsd: number;
  /**
   * Open interest / Σ maintenance margin: the average leverage a position may run before it is
   * liquidated (1/MMR for a fixed MMR). Higher = more capital-efficient.
   */
  maintenanceLeverage: number;
  /** Mean leverage at entry (after the initial-margin cap). */
  meanLeverage: number;
  /** policy.maxLeverage. */
  maxLeverage: number;
  /** Insurance fund at the start (USD): capital the venue sets aside. */
  insuranceFundUsd: number;
  /** Σ deposits (margin and reserves, USD). */
  depositsUsd: number;
}

/** Names and directions of the measures, for reports: `higherIsEfficient`. */
export const CAPITAL_MEASURES: { key: keyof CapitalEfficiency; label: string; unit: 'usd' | 'ratio'; higherIsEfficient: boolean }[] = [
  { key: 'maintenanceLeverage', label: 'leverage allowed before liquidation (OI / maintenance margin)', unit: 'ratio', higherIsEfficient: true },
  { key: 'meanLeverage', label: 'mean entry leverage', unit: 'ratio', higherIsEfficient: true },
  { key: 'insuranceFundUsd', label: 'insurance fund set aside', unit: 'usd', higherIsEfficient: false },
  { key: 'initialMarginUsd', label: 'initial margin locked', unit: 'usd', higherIsEfficient: false },
  { key: 'maintenanceMarginUsd', label: 'maintenance margin locked', unit: 'usd', higherIsEfficient: false },
  { key: 'openInterestUsd', label: 'open interest', unit: 'usd', higherIsEfficient: true },
];

/** A capital measure as an axis title: short words with the unit ("allowed leverage (×)"). */
export const CAPITAL_AXIS_TITLES: Record<keyof CapitalEfficiency, string> = {
  maintenanceLeverage: 'allowed leverage, OI ÷ maintenance margin (×)',
  meanLeverage: 'mean entry leverage (×)',
  insuranceFundUsd: 'insurance fund (USD)',
  initialMarginUsd: 'initial margin locked (USD)',
  maintenanceMarginUsd: 'maintenance margin locked (USD)',
  openInterestUsd: 'open interest (USD)',
  maxLeverage: 'maximum leverage (×)',
  depositsUsd: 'deposits (USD)',
};

/** Capital efficiency of a scenario's opening book (`ctx`: its run context, when already built). */
export function capitalEfficiency(scenario: Scenario, ctx: RunContext = createRunContext(scenario)): CapitalEfficiency {
  const pop = ctx.population;
  const markets = marketConfigs(scenario);
  const mmModels = markets.map((_, m) => ctx.maintenanceFor(m));
  let oi = 0;
  let mm = 0;
  let im = 0;
  for (let p = 0; p < pop.positions; p++) {
    const m = pop.posMarket[p];
    const q = pop.posSize[p];
    const n = q * markets[m].initialPriceUsd;
    oi += n;
    mm += mmModels[m].mm(n, q);
    im += initialMargin(n, q, initialMarginRule(scenario, m), mmModels[m]);
  }
  let lev = 0;
  for (let a = 0; a < pop.accounts; a++) lev += pop.acctLeverage[a];
  return {
    openInterestUsd: oi,
    maintenanceMarginUsd: mm,
    initialMarginUsd: im,
    maintenanceLeverage: mm > 0 ? oi / mm : Infinity,
    meanLeverage: lev / pop.accounts,
    maxLeverage: scenario.policy.maxLeverage,
    insuranceFundUsd: scenario.policy.insuranceFund.initialUsd,
    depositsUsd: pop.depositsCents / 100,
  };
}

/**
 * The capital measure that best shows a study's trade-off: the first of `CAPITAL_MEASURES` that
 * varies across the points (relative spread > 1e−9), or null when none does.
 */
export function varyingMeasure(points: CapitalEfficiency[]): (typeof CAPITAL_MEASURES)[number] | null {
  for (const m of CAPITAL_MEASURES) {
    const xs = points.map((p) => p[m.key]);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    if (Number.isFinite(lo) && Number.isFinite(hi) && hi - lo > 1e-9 * Math.max(1, Math.abs(hi))) return m;
  }
  return null;
}
