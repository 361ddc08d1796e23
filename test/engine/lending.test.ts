/**
 * Lending positions (issue 13 part 4) against hand arithmetic: a health-factor liquidation with the 50%
 * close factor, the bonus and the protocol's cut; the close factor switching to 100% at HF 0.95 and for
 * small positions (Aave v3.3); a deficit when the collateral runs out; interest per step through the
 * ledger; the seized collateral sold through its market; conservation of cents and of collateral units.
 */
import { describe, expect, it } from 'vitest';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, startStepAt } from '../helpers/handbook.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';
import { accrueLending, borrowRateAt, endLending, lendingCheck, liquidationAmounts } from '../../src/engine/lending.js';
import type { PathState } from '../../src/engine/state.js';
import { runPaths } from '../../src/mc/runner.js';
import { small } from '../helpers/scenarios.js';

const reserve = { liquidationThreshold: 0.83, maxLtv: 0.8, liquidationBonus: 0.05, protocolFeeOfBonus: 0.1, borrowRateAnnual: 0 };

/** One borrower with `collateralUsd` of PERP (price 100) at LTV 80%, beside one harmless perp account. */
function book(collateralUsd: number, lending: Record<string, unknown> = {}, impact: Record<string, unknown> = { kind: 'none' }, borrowers: Record<string, unknown> = {}) {
  const sc = identicalTraders({
    market: { impact },
    lending: { market: 'PERP', borrowers: 1, collateralUsd: { kind: 'lognormal', medianUsd: collateralUsd, sigmaLog: 0 }, ltvShareOfMax: { min: 1, max: 1 }, ...borrowers },
    policy: { maxLeverage: 10, maintenance: { kind: 'fixed', mmr: 0.05 }, liquidation: { kind: 'full', feeRate: 0 }, markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 }, lending: { ...reserve, ...lending } },
  });
  return handState(sc, [{ marginUsd: 1_000, positions: [{ side: 1, size: 1, entry: 100 }] }]).st;
}

/** One step at `price` with the liquidation rounds (perps and lending). */
function stepAt(st: PathState, t: number, price: number, accrue = false): void {
  startStepAt(st, t, price);
  if (accrue) accrueLending(st);
  beginLiquidations(st);
  for (let gen = 0; gen < 50; gen++) {
    const n = maintenanceCheck(st, gen);
    const nl = lendingCheck(st);
    if (n === 0 && nl === 0) break;
    liquidationRound(st, gen, n, nl);
  }
  endLiquidations(st);
  endLending(st);
}

const ATOMS = 1e4; // atoms per unit at a price of 100 (an atom ≤ 1 cent)

describe('lending positions', () => {
  it('opens within max LTV: $10,000 of collateral (100 units at 100) borrows $8,000; HF = 100 · 100 · 0.83 / 8,000 = 1.0375', () => {
    const st = book(10_000);
    expect(st.books.loans.loanAtoms(0)).toBe(100 * ATOMS);
    expect(st.books.loans.loanDebtCents(0)).toBe(800_000);
    stepAt(st, 1, 96.4); // HF = 0.99 × … just above 1: 100 · 96.4 · 0.83 / 8,000 = 1.0002
    expect(st.events.lendingLiquidations).toBe(0);
  });

  it('HF 0.996 at 96: the liquidator repays 50% ($4,000), seizes 4,000 / 96 × 1.05 = 43.75 units, the protocol keeps 10% of the bonus', () => {
    const st = book(10_000);
    stepAt(st, 1, 96);
    expect(st.events.lendingLiquidations).toBe(1);
    expect(st.events.lendingRepaidCents).toBe(400_000);
    expect(st.books.loans.loanDebtCents(0)).toBe(400_000);
    // 43.75 units = 437,500 atoms; bonus part 437,500 − 437,500 / 1.05 = 20,833.3 atoms; fee ⌊2,083.3⌋ = 2,083
    expect(st.books.loans.treasuryAtoms).toBe(2_083);
    expect(st.books.loans.loanAtoms(0)).toBe(1_000_000 - 437_500);
    // the liquidator sells 435,417 atoms = 43.5417 units at 96 (no impact): $4,180.00; its PnL $180.00
    expect(st.events.lendingSoldCents).toBe(Math.round(43.5417 * 96 * 100));
    expect(st.events.lendingLiquidatorPnlCents).toBe(Math.round(43.5417 * 96 * 100) - 400_000);
    // after: HF = 56.25 · 96 · 0.83 / 4,000 = 1.12, no further round
    expect(st.events.lendingDeficitCents).toBe(0);
    st.books.checkConservation(st.nAccounts, 'hf');
  });

  it('the close factor switches to 100% at HF 0.95 (91.6: HF 0.9504 → 50%; 91.5: HF 0.9493 → 100%)', () => {
    const a = book(10_000);
    stepAt(a, 1, 91.6);
    expect(a.events.lendingRepaidCents).toBe(400_000);
    const b = book(10_000);
    stepAt(b, 1, 91.5);
    expect(b.events.lendingRepaidCents).toBe(800_000);
    // all the debt repaid with 8,000 / 91.5 × 1.05 = 91.80 units; the borrower keeps the other 8.20
    expect(b.books.loans.loanDebtCents(0)).toBe(0);
    expect(b.books.loans.loanAtoms(0)).toBe(1_000_000 - Math.round((8_000 / 91.5) * 1.05 * ATOMS));
    // the pure rule at the boundary: HF exactly 0.95 is already "≤ 0.95" (Aave: inclusive)
    const P95 = (0.95 * 8_000) / (100 * 0.83);
    expect(liquidationAmounts({ ...reserveDefaults(), ...reserve }, 1_000_000, ATOMS, 800_000, P95).repay).toBe(800_000);
    a.books.checkConservation(a.nAccounts, 'a');
    b.books.checkConservation(b.nAccounts, 'b');
  });

  it('a small position (collateral or debt under $2,000) may be repaid in full at any HF below 1 (Aave v3.3)', () => {
    const st = book(1_500); // debt $1,200
    stepAt(st, 1, 96);
    expect(st.events.lendingRepaidCents).toBe(120_000);
    st.books.checkConservation(st.nAccounts, 'small');
  });

  it('MUST_NOT_LEAVE_DUST: where the 50% close would leave under $1,000 of collateral, the liquidator repays the most that leaves $1,000 (it may not take it all)', () => {
    // LT 0.95, debt $2,000, collateral 20.21 units at 100 ($2,021: HF 0.96 > 0.95, both ≥ $2,000 → 50%):
    // repaying $1,000 would seize 10.5 units (10.4525 the liquidator's, 0.0475 the fee) and leave $1,021 −
    // $1,045.25 < $1,000 counted as Aave counts it (less the liquidator's part). 100% is not allowed, so the
    // liquidator repays x with 2,021 − 1.045·x ≥ 1,000 and 2,000 − x ≥ 1,000: x = ⌊977.033…⌋ = $977.03
    const r = { ...reserveDefaults(), liquidationThreshold: 0.95, maxLtv: 0.9 };
    const a = liquidationAmounts(r, 20.21 * ATOMS, ATOMS, 200_000, 100);
    expect(a.repay).toBe(97_703);
    // seized 977.03 × 1.05 / 100 = 10.258815 units → 102,588 atoms (rounded down); bonus 102,588 − 102,588 / 1.05
    // = 4,885.14 atoms, fee ⌊488.51⌋ = 488; the liquidator's 102,100 atoms leave 20.21 − 10.21 = 10 units = $1,000.00
    expect(a.seized + a.fee).toBe(102_588);
    expect(a.fee).toBe(488);
    expect(a.seized).toBe(102_100);
    expect((20.21 * ATOMS - a.seized) / ATOMS * 100).toBeGreaterThanOrEqual(1_000);
    expect(a.full).toBe(false);
    // $2,200 of collateral against $2,177 of debt (HF 0.96): repaying $1,088.50 seizes $1,142.93 and leaves
    // $1,057 of collateral and $1,088.50 of debt, both ≥ $1,000: the 50% close stands
    expect(liquidationAmounts(r, 22 * ATOMS, ATOMS, 217_700, 100).repay).toBe(108_850);
  });

  it('MUST_NOT_LEAVE_DUST: where no amount leaves $1,000 of debt, nothing is liquidated and the borrower waits', () => {
    // full close only below $500 (so the $950 debt is not "small"), HF = 11.2 · 100 · 0.83 / 950 = 0.9785: 50% would
    // leave $475 of debt; any repayment leaves under $1,000 → repay 0
    const r = { ...reserveDefaults(), fullCloseBelowUsd: 500 };
    expect(liquidationAmounts(r, 11.2 * ATOMS, ATOMS, 95_000, 100)).toEqual({ repay: 0, seized: 0, fee: 0, full: false });
    const st = book(1_187.5, { fullCloseBelowUsd: 500 }); // 11.875 units, debt $950
    stepAt(st, 1, 96); // HF = 11.875 · 96 · 0.83 / 950 = 0.996
    expect(st.events.lendingLiquidations).toBe(0);
    expect(st.events.lendingDustBlocked).toBe(1);
    expect(st.books.loans.loanDebtCents(0)).toBe(95_000);
    // at HF ≤ 0.95 the full close is allowed: 91 → HF 0.944
    stepAt(st, 2, 91);
    expect(st.events.lendingLiquidations).toBe(1);
    expect(st.books.loans.loanDebtCents(0)).toBe(0);
    st.books.checkConservation(st.nAccounts, 'dust');
  });

  it('a push oracle (5% deviation, 1 h heartbeat): the protocol sees the last report, so HF 0.996 at the mark waits for the heartbeat; a 5.1% move reports at once', () => {
    // $10,000 of collateral (100 units at 100), debt $8,000. One-minute steps.
    const oracle = { deviationFraction: 0.05, heartbeatSeconds: 3_600 };
    const a = book(10_000, { oracle });
    // the mark at 96 (−4%): no report, the protocol still sees 100 (HF 1.0375) — until 60 steps (3,600 s) after the opening report
    for (let t = 1; t < 60; t++) stepAt(a, t, 96);
    expect(a.events.lendingLiquidations).toBe(0);
    stepAt(a, 60, 96); // heartbeat: reports 96, HF 0.996 → the 50% close of the test above
    expect(a.events.lendingLiquidations).toBe(1);
    expect(a.events.lendingRepaidCents).toBe(400_000);
    expect(a.books.loans.treasuryAtoms).toBe(2_083);
    a.books.checkConservation(a.nAccounts, 'heartbeat');
    // a move of 5.1% (to 94.9) reports at once: HF = 100 · 94.9 · 0.83 / 8,000 = 0.9846 → 50%: $4,000
    const b = book(10_000, { oracle });
    stepAt(b, 1, 96);
    expect(b.events.lendingLiquidations).toBe(0);
    stepAt(b, 2, 94.9);
    expect(b.events.lendingRepaidCents).toBe(400_000);
    // seized at the reported price: 4,000 / 94.9 × 1.05 units
    expect(b.books.loans.loanAtoms(0)).toBe(1_000_000 - Math.round((4_000 / 94.9) * 1.05 * ATOMS));
    b.books.checkConservation(b.nAccounts, 'deviation');
  });

  it('PriceOracleSentinel grace period (1 h): only HF < 0.95 is liquidatable until more than 3,600 s have passed', () => {
    const a = book(10_000, { sentinelGraceSeconds: 3_600 });
    stepAt(a, 1, 96); // HF 0.996: held back
    expect(a.events.lendingLiquidations).toBe(0);
    stepAt(a, 60, 96); // 3,600 s: not more than the grace period, still held back
    expect(a.events.lendingLiquidations).toBe(0);
    stepAt(a, 61, 96); // 3,660 s: passed → the 50% close
    expect(a.events.lendingRepaidCents).toBe(400_000);
    // HF 0.9493 < 0.95 (price 91.5) is liquidatable in the grace period, by the full close factor
    const b = book(10_000, { sentinelGraceSeconds: 3_600 });
    stepAt(b, 1, 91.5);
    expect(b.events.lendingRepaidCents).toBe(800_000);
    a.books.checkConservation(a.nAccounts, 'sentinel a');
    b.books.checkConservation(b.nAccounts, 'sentinel b');
  });

  it('E-Mode: a borrower in the category opens at its 90% max LTV ($9,000 on $10,000) and is liquidated by its LT 0.93 and 1% bonus', () => {
    const eMode = { liquidationThreshold: 0.93, maxLtv: 0.9, liquidationBonus: 0.01 };
    const st = book(10_000, { eMode }, { kind: 'none' }, { eModeShare: 1 });
    expect(st.books.loans.loanDebtCents(0)).toBe(900_000);
    // at 96.7: HF = 100 · 96.7 · 0.93 / 9,000 = 0.99923 < 1 → 50%: $4,500, seizing 4,500 / 96.7 × 1.01 units
    stepAt(st, 1, 96.7);
    expect(st.events.lendingRepaidCents).toBe(450_000);
    const seized = Math.round((4_500 / 96.7) * 1.01 * ATOMS);
    expect(st.books.loans.loanAtoms(0)).toBe(1_000_000 - seized);
    // the protocol's fee is the reserve's (10% of the 1% bonus part)
    expect(st.books.loans.treasuryAtoms).toBe(Math.floor((seized - seized / 1.01) * 0.1));
    st.books.checkConservation(st.nAccounts, 'emode');
    // outside the category (eModeShare absent) the same collateral borrows $8,000 and at 96.7 has HF 1.0033: no liquidation
    const out = book(10_000, { eMode });
    expect(out.books.loans.loanDebtCents(0)).toBe(800_000);
    stepAt(out, 1, 96.7);
    expect(out.events.lendingLiquidations).toBe(0);
  });

  it('E-Mode is checked: LTV above its LT, LT × (1 + bonus) > 1, or a share without a category — one clear line each', () => {
    expect(() => book(10_000, { eMode: { liquidationThreshold: 0.93, maxLtv: 0.95, liquidationBonus: 0.01 } })).toThrow(/policy\.lending\.eMode\.maxLtv: 0\.95 is not allowed — must be ≤ eMode\.liquidationThreshold \(0\.93\)/);
    expect(() => book(10_000, { eMode: { liquidationThreshold: 0.95, maxLtv: 0.9, liquidationBonus: 0.1 } })).toThrow(/policy\.lending\.eMode\.liquidationBonus: 0\.1 is not allowed/);
    expect(() => book(10_000, {}, { kind: 'none' }, { eModeShare: 0.5 })).toThrow(/lending\.eModeShare: 0\.5 is not allowed — needs an E-Mode category/);
  });

  it('supply and borrow caps: of two $10,000 borrowers (100 units, $8,000 each), a 150-unit supply cap opens one; a $12,000 borrow cap lends the second $4,000', () => {
    const two = { borrowers: 2 };
    const s = book(10_000, { supplyCapUnits: 150 }, { kind: 'none' }, two);
    expect([s.books.loans.loanAtoms(0), s.books.loans.loanAtoms(1)]).toEqual([100 * ATOMS, 0]);
    expect([s.books.loans.loanDebtCents(0), s.books.loans.loanDebtCents(1)]).toEqual([800_000, 0]);
    const b = book(10_000, { borrowCapUsd: 12_000 }, { kind: 'none' }, two);
    expect([b.books.loans.loanAtoms(0), b.books.loans.loanAtoms(1)]).toEqual([100 * ATOMS, 100 * ATOMS]);
    expect([b.books.loans.loanDebtCents(0), b.books.loans.loanDebtCents(1)]).toEqual([800_000, 400_000]);
    // at 96 (HF 0.996 for the first; the second, HF 1.99, is safe) only the first is liquidated
    stepAt(b, 1, 96);
    expect(b.events.lendingLiquidations).toBe(1);
    expect(b.books.loans.loanDebtCents(1)).toBe(400_000);
    b.books.checkConservation(b.nAccounts, 'caps');
    stepAt(s, 1, 96);
    expect(s.events.lendingLiquidations).toBe(1);
    s.books.checkConservation(s.nAccounts, 'supply cap');
  });

  it('collateral that runs out leaves a deficit: at 80 (HF 0.83) all 100 units go for 100 · 80 / 1.05 = $7,619.05 of debt; $380.95 is written off', () => {
    const st = book(10_000);
    stepAt(st, 1, 80);
    expect(st.events.lendingRepaidCents).toBe(761_905);
    expect(st.events.lendingDeficitCents).toBe(800_000 - 761_905);
    expect(st.events.lendingDeficits).toBe(1);
    expect(st.books.loans.loanAtoms(0)).toBe(0);
    expect(st.books.loans.loanDebtCents(0)).toBe(0);
    // fee: ⌊(1,000,000 − 1,000,000 / 1.05) × 0.1⌋ = 4,761 atoms
    expect(st.books.loans.treasuryAtoms).toBe(4_761);
    st.books.checkConservation(st.nAccounts, 'deficit');
  });

  it('interest accrues every step through the ledger: after 1,440 one-minute steps at 10% a year the debt is ⌈800,000 · g^1440⌉ cents', () => {
    const st = book(10_000, { borrowRateAnnual: 0.1 });
    const g = 1 + (0.1 * 60) / (365 * 24 * 3600);
    for (let t = 1; t <= 1_440; t++) stepAt(st, t, 100, true);
    let idx = 1;
    for (let t = 1; t <= 1_440; t++) idx *= g;
    expect(st.books.loans.loanDebtCents(0)).toBe(Math.ceil(800_000 * idx));
    expect(st.events.lendingInterestCents).toBe(Math.ceil(800_000 * idx) - 800_000);
    st.books.checkConservation(st.nAccounts, 'interest');
  });

  it('the usage curve (Aave DefaultReserveInterestRateStrategyV2): base + slope1 · U / optimal, then + slope2 · (U − optimal) / (1 − optimal)', () => {
    const c = { optimalUsage: 0.8, baseRateAnnual: 0.01, slope1Annual: 0.04, slope2Annual: 0.6, availableLiquidityUsd: 0 };
    expect(borrowRateAt(c, 0)).toBe(0.01);
    expect(borrowRateAt(c, 0.4)).toBeCloseTo(0.01 + 0.02, 15); // half the optimal usage: half of slope1
    expect(borrowRateAt(c, 0.8)).toBeCloseTo(0.05, 15); // at the kink
    expect(borrowRateAt(c, 0.9)).toBeCloseTo(0.05 + 0.3, 15); // half way to full usage: half of slope2
    expect(borrowRateAt(c, 1)).toBeCloseTo(0.65, 15);
    expect(() => book(10_000, { interestRateCurve: { ...c, slope2Annual: 0.03 } })).toThrow(/interestRateCurve\.slope2Annual: 0\.03 is not allowed — must be ≥ slope1Annual \(0\.04\)/);
  });

  it('interest by the usage curve: with no liquidity left (U = 1 throughout) the debt grows at base + slope1 + slope2 = 65% a year; with $2,000 available U = 0.8 → 5%', () => {
    const c = { optimalUsage: 0.8, baseRateAnnual: 0.01, slope1Annual: 0.04, slope2Annual: 0.6 };
    const full = book(10_000, { interestRateCurve: { ...c, availableLiquidityUsd: 0 } });
    const g = 1 + (0.65 * 60) / (365 * 24 * 3600);
    let idx = 1;
    for (let t = 1; t <= 1_440; t++) {
      stepAt(full, t, 100, true);
      idx *= g;
    }
    expect(full.books.loans.loanDebtCents(0)).toBe(Math.ceil(800_000 * idx));
    full.books.checkConservation(full.nAccounts, 'curve');
    // one step at U = 8,000 / (2,000 + 8,000) = 0.8: 5% a year → ⌈800,000 · (1 + 0.05 · 60 / year)⌉ = 800,001 (0.076 cents of interest)
    const kink = book(10_000, { interestRateCurve: { ...c, availableLiquidityUsd: 2_000 } });
    stepAt(kink, 1, 100, true);
    expect(kink.books.loans.loanDebtCents(0)).toBe(Math.ceil(800_000 * (1 + (0.05 * 60) / (365 * 24 * 3600))));
  });

  it('the seized collateral is sold through its market: with impact, the fill is below the mark and the price falls', () => {
    const st = book(10_000, {}, { kind: 'linear', depthUsdPerPercent: 1e4, halfLifeSteps: 1e9, arbitrageUsdPerStep: 0 });
    stepAt(st, 1, 96);
    expect(st.mkt.impactState[0]).toBeLessThan(0);
    expect(st.mkt.fill[0]).toBeLessThan(96);
    expect(st.events.lendingSoldCents).toBeLessThan(Math.round(43.5417 * 96 * 100));
    st.books.checkConservation(st.nAccounts, 'impact');
  });

  it('the engine’s defaults are the schema’s (the engine does not load the schema)', async () => {
    const { LendingReserveSchema } = await import('../../src/scenario/schema.js');
    const { LENDING_DEFAULTS } = await import('../../src/engine/lending.js');
    expect(LENDING_DEFAULTS).toEqual(LendingReserveSchema.parse({}));
  });

  it('rejects a max LTV above the liquidation threshold, and LT × (1 + bonus) > 1, with one clear line', () => {
    expect(() => book(10_000, { maxLtv: 0.9 })).toThrow(/policy\.lending\.maxLtv: 0\.9 is not allowed — must be ≤ liquidationThreshold \(0\.83\)/);
    expect(() => book(10_000, { liquidationBonus: 0.25 })).toThrow(/policy\.lending\.liquidationBonus: 0\.25 is not allowed/);
    expect(() => identicalTraders({ lending: { market: 'NOPE' } })).toThrow(/lending\.market: "NOPE" is not allowed/);
  });

  it('a run with lending, collateral and perps conserves every cent and unit on every path, same results for 1 and 2 workers', async () => {
    const sc = small({
      paths: 4,
      lending: { market: 'PERP', borrowers: 300, collateralUsd: { kind: 'lognormal', medianUsd: 5_000, sigmaLog: 1 }, ltvShareOfMax: { min: 0.9, max: 1 } },
      traders: { collateral: { accountShare: 0.5, assets: [{ market: 'PERP', marginShare: 0.5 }] } },
      policy: { lending: { borrowRateAnnual: 0.2, liquidationThreshold: 0.8, maxLtv: 0.79, liquidationBonus: 0.1 } },
    });
    const one = await runPaths(sc, { workers: 0 });
    const two = await runPaths(sc, { workers: 2 });
    expect(two.summaries).toEqual(one.summaries);
    expect(one.summaries.reduce((s, x) => s + x.lendingLiquidations, 0)).toBeGreaterThan(0);
  });
});

function reserveDefaults() {
  return { liquidationThreshold: 0.83, maxLtv: 0.8, liquidationBonus: 0.05, protocolFeeOfBonus: 0.1, closeFactor: 0.5, fullCloseBelowHealthFactor: 0.95, fullCloseBelowUsd: 2_000, minLeftoverUsd: 1_000, borrowRateAnnual: 0 };
}
