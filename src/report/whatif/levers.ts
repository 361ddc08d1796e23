/**
 * The policy levers of the in-page what-if: maintenance rate, liquidation fee, insurance-fund size and
 * maximum leverage. `leversOf(scenario)` reads their current values and slider ranges;
 * `applyLevers(scenario, values)` returns the scenario with them set (a copy). Pure, no Node imports:
 * bundled into the report's Web Worker (scripts/build-browser.mjs) and tested in Node.
 *
 * The maintenance lever is the schedule's headline rate, and every rate of the schedule moves with it
 * in proportion: fixed → `mmr`; tiered → every bracket's rate scaled by new / old first-bracket rate;
 * size-scaled → base rate, slope and square-root coefficient scaled; fraction-of-IMR → the fraction
 * that gives this rate at the (possibly new) maximum leverage; volatility-adaptive → the floor.
 * Rates stay below 95% of the initial margin rate 1 / maxLeverage (the scenario schema requires a
 * maintenance rate below it). Lowering maximum leverage caps the book's leverage draws at it, as a
 * venue's new limit would.
 */
import type { Scenario } from '../../scenario/schema.js';

export type LeverKey = 'mmr' | 'feeRate' | 'fundUsd' | 'maxLeverage';

export interface Lever {
  key: LeverKey;
  label: string;
  /** How values are shown: percent (of a fraction), usd, times. */
  unit: 'percent' | 'usd' | 'times';
  value: number;
  min: number;
  max: number;
  step: number;
  /** What the lever changes in the scenario, in words. */
  note: string;
}

export type LeverValues = Record<LeverKey, number>;

type Maintenance = Scenario['policy']['maintenance'];

/** The schedule's headline maintenance rate (at the given maximum leverage for fraction-of-IMR). */
export function headlineRate(mm: Maintenance, maxLeverage: number): number {
  switch (mm.kind) {
    case 'fixed':
      return mm.mmr;
    case 'tiered':
      return mm.tiers[0].mmr;
    case 'size-scaled':
      return mm.baseMmr;
    case 'fraction-of-imr':
      return mm.fraction / maxLeverage;
    case 'volatility-adaptive':
      return mm.floorMmr;
  }
}

const MMR_NOTE: Record<Maintenance['kind'], string> = {
  fixed: 'policy.maintenance.mmr',
  tiered: 'every bracket rate, in proportion (the first bracket shown)',
  'size-scaled': 'base rate, slope and square-root coefficient, in proportion',
  'fraction-of-imr': 'the fraction of the initial margin that gives this rate',
  'volatility-adaptive': 'the floor of the adaptive rate',
};

/** A round step for a slider over [0, max]: 1, 2 or 5 × a power of ten, about 1/200 of the range. */
export function niceStep(max: number): number {
  const raw = max / 200;
  if (!(raw > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : 5) * p;
}

const snap = (x: number, step: number) => Number((Math.round(x / step) * step).toPrecision(12));

/** The four levers with the scenario's values and slider ranges. */
export function leversOf(s: Scenario, openInterestUsd: number): Lever[] {
  const lev = s.policy.maxLeverage;
  const mmr = headlineRate(s.policy.maintenance, lev);
  const mmrMax = Math.min(0.5, Math.max(3 * mmr, 0.05));
  const mmrStep = mmr < 0.01 ? 0.0001 : 0.0005;
  const fee = s.policy.liquidation.feeRate;
  const feeMax = Math.min(0.5, Math.max(0.02, 3 * fee));
  const fund = s.policy.insuranceFund.initialUsd;
  const fundMax = Math.max(4 * fund, 0.01 * openInterestUsd, 1000);
  const fundStep = niceStep(fundMax);
  return [
    { key: 'mmr', label: 'maintenance margin rate', unit: 'percent', value: mmr, min: snap(Math.max(mmrStep, mmr / 4), mmrStep), max: snap(mmrMax, mmrStep), step: mmrStep, note: MMR_NOTE[s.policy.maintenance.kind] },
    { key: 'feeRate', label: 'liquidation fee', unit: 'percent', value: fee, min: 0, max: snap(feeMax, 0.0005), step: 0.0005, note: 'policy.liquidation.feeRate, paid into the insurance fund' },
    { key: 'fundUsd', label: 'insurance fund', unit: 'usd', value: fund, min: 0, max: snap(fundMax, fundStep), step: fundStep, note: 'policy.insuranceFund.initialUsd' },
    { key: 'maxLeverage', label: 'maximum leverage', unit: 'times', value: lev, min: 1, max: Math.max(3 * lev, lev + 10, 10), step: lev % 1 === 0 ? 1 : 0.5, note: 'policy.maxLeverage; the book\u2019s leverage draws are capped at it' },
  ];
}

/** Largest maintenance rate allowed at a maximum leverage: 95% of the initial margin rate. */
export function maxRateAt(maxLeverage: number): number {
  return 0.95 / maxLeverage;
}

/**
 * The scenario with the levers set (a deep copy; `values` may hold any subset). Returns the scenario
 * and whether the maintenance rate had to be capped below the initial margin rate.
 */
export function applyLevers(s: Scenario, values: Partial<LeverValues>): { scenario: Scenario; rateCapped: boolean } {
  const out = JSON.parse(JSON.stringify(s)) as Scenario;
  const p = out.policy;
  if (values.maxLeverage !== undefined) {
    const L = Math.max(1, values.maxLeverage);
    p.maxLeverage = L;
    const lv = out.traders.leverage;
    if (lv.kind === 'tiers') lv.tiers = lv.tiers.map((t) => ({ ...t, leverage: Math.min(t.leverage, L) }));
    else lv.median = Math.min(lv.median, L);
  }
  if (values.feeRate !== undefined) p.liquidation.feeRate = Math.max(0, values.feeRate);
  if (values.fundUsd !== undefined) p.insuranceFund.initialUsd = Math.max(0, Math.round(values.fundUsd * 100) / 100);
  const cap = maxRateAt(p.maxLeverage);
  const before = headlineRate(s.policy.maintenance, s.policy.maxLeverage);
  const wanted = values.mmr ?? headlineRate(p.maintenance, p.maxLeverage);
  const rate = Math.min(wanted, cap);
  const rateCapped = rate < wanted;
  if (values.mmr !== undefined || rateCapped) {
    const mm = p.maintenance;
    const ratio = before > 0 ? rate / before : 1;
    switch (mm.kind) {
      case 'fixed':
        mm.mmr = rate;
        break;
      case 'tiered': {
        // keep brackets non-decreasing and every rate below the cap
        const first = (s.policy.maintenance as typeof mm).tiers;
        mm.tiers = first.map((t) => ({ ...t, mmr: Math.min(t.mmr * ratio, 0.999) }));
        break;
      }
      case 'size-scaled':
        mm.baseMmr = rate;
        mm.slopePerUnitSize *= ratio;
        mm.sqrtCoefficient *= ratio;
        mm.maxMmr = Math.max(mm.maxMmr, rate);
        break;
      case 'fraction-of-imr':
        mm.fraction = Math.min(0.95, rate * p.maxLeverage);
        break;
      case 'volatility-adaptive':
        mm.floorMmr = rate;
        mm.maxMmr = Math.max(mm.maxMmr, rate);
        break;
    }
  }
  return { scenario: out, rateCapped };
}
