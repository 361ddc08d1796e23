/**
 * dYdX v4's fillable-price bound on liquidation orders (issue 21 item 5; src/engine/fillable-price.ts):
 * hand-computed partial fills and a deleveraging when the book is beyond the bound, and a property
 * (fast-check, fixed seed) that every bounded close fills within its bound.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, settleStepAt, startStepAt, type HandAccount } from '../helpers/handbook.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';
import { equity, maintenance } from '../../src/engine/account.js';
import type { PathState } from '../../src/engine/state.js';

const SMMR = 1.5;
const MMR = 0.02;
const long = (marginUsd: number, size: number, entry: number): HandAccount => ({ marginUsd, positions: [{ side: 1, size, entry }] });
const short = (marginUsd: number, size: number, entry: number): HandAccount => ({ marginUsd, positions: [{ side: -1, size, entry }] });

/** Full liquidation at a 2% maintenance rate, index mark, no fee, linear impact of `depth` USD a 1%, the bound on or off. */
function rules(depth: number, bound: boolean, over: Record<string, unknown> = {}) {
  return identicalTraders({
    market: { impact: { kind: 'linear', depthUsdPerPercent: depth, halfLifeSteps: 10 } },
    policy: {
      maxLeverage: 20,
      maintenance: { kind: 'fixed', mmr: MMR },
      markPrice: { kind: 'index' },
      liquidation: { kind: 'full', feeRate: 0, ...(bound ? { fillablePrice: { spreadToMaintenanceRatio: SMMR } } : {}) },
      ...over,
    },
  });
}

describe("dYdX's fillable price: a liquidation order fills no worse than mark · (1 ∓ ABR · 1.5 · MMF)", () => {
  // long 1,000 @ 100 with 8,000 margin, at 93: equity 1,000 < MM 0.02 · 93,000 = 1,860.
  // ABR = 1 − 1,000 / 1,860 = 0.462366; bound = 93 · (1 − 0.462366 · 1.5 · 0.02) = 91.7100.
  // Depth 50,000 a 1%: the whole 93,000 would end at 93 · e^(−0.0186) = 91.286, past the bound;
  // the flow that ends at the bound is 50,000 · ln(91.7100 / 93) / 0.01 = −69,840 USD: 751.0 units.
  const abr = 1 - 1_000 / 1_860;
  const bound = 93 * (1 - abr * SMMR * MMR);
  const keptUsd = (50_000 * Math.log(bound / 93)) / 0.01;

  it('a partial fill up to the bound; the rest waits for the next step (and here is no longer in breach)', () => {
    expect(bound).toBeCloseTo(91.71, 3);
    expect(keptUsd).toBeCloseTo(-69_840, 0);
    const { st } = handState(rules(50_000, true), [long(8_000, 1_000, 100)]);
    settleStepAt(st, 1, 93);
    const sold = 1_000 - st.b.size[0];
    expect(sold).toBeCloseTo(-keptUsd / 93, 6); // 751.0 units
    // they filled at the block's average, half-way along the move to the bound
    const fill = 93 * Math.exp(0.5 * Math.log(bound / 93));
    expect(st.b.margin[0] / 100).toBeCloseTo(8_000 - sold * (100 - fill), 1);
    expect(fill).toBeGreaterThan(bound);
    expect(st.events.liquidationsDeferred).toBe(1);
    // 249 units left: equity 8,000 − 751.0 · 7.647 − 249 · 7 = 514 ≥ MM 0.02 · 249 · 93 = 463 — out of breach
    expect(equity(st, 0)).toBeGreaterThan(maintenance(st, 0));
    settleStepAt(st, 2, 93);
    expect(st.b.size[0]).toBeCloseTo(1_000 - sold, 9);
    st.books.checkConservation(st.nAccounts, 'fillable price');
  });

  it('without the bound the same order sells all 1,000 units into the thin book', () => {
    const { st } = handState(rules(50_000, false), [long(8_000, 1_000, 100)]);
    settleStepAt(st, 1, 93);
    expect(st.b.size[0]).toBe(0);
    // at 93 · e^(−0.0093) = 92.139, past the bound of 91.71 at the margin (the book ends at 91.286)
    expect(st.mkt.fill[0]).toBeCloseTo(93 * Math.exp(-0.0093), 9);
  });

  it('two orders: the most underwater walks first; the other keeps what is left before its own bound', () => {
    // A: long 500 @ 100, margin 4,000 — at 93 equity 500, MM 930: ABR 1 − 500/930 = 0.462366 (as above)
    // B: long 500 @ 100, margin 4,200 — equity 700, MM 930: ABR 0.247312, bound 93 · (1 − 0.247312 · 0.03) = 92.3100
    // A first: its 46,500 ends at 93 · e^(−0.0093) = 92.139 ≥ 91.71 → all; then B: the book is already past 92.31 → nothing
    const { st } = handState(rules(50_000, true), [long(4_000, 500, 100), long(4_200, 500, 100)]);
    settleStepAt(st, 1, 93);
    expect(st.b.size[0]).toBe(0);
    expect(st.b.size[1]).toBe(500);
    expect(st.events.liquidationsDeferred).toBe(1);
    st.books.checkConservation(st.nAccounts, 'two orders');
  });

  it('a bankrupt account whose order cannot fill at all is deleveraged at its bankruptcy price, not paid by the fund', () => {
    // L long 100 @ 100, margin 1,000; W short 100 @ 100, margin 5,000. Index 85: L's equity −500 (ABR 1),
    // bound 85 · (1 − 1.5 · 0.02) = 82.45; the book is 4% below the index (81.60): nothing fills, L is
    // deleveraged against W at the bankruptcy price 90 — W gives up 500 of its 1,500, the fund pays nothing
    const over = { insuranceFund: { initialUsd: 10_000 }, waterfall: { afterInsuranceFund: 'adl', adlRanking: 'dydx' } };
    const book = [long(1_000, 100, 100), short(5_000, 100, 100)];
    const { st } = handState(rules(50_000, true, over), book);
    settleStepAt(st, 1, 85, Math.log(0.96));
    expect(st.b.size[0]).toBe(0);
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(500, 6);
    expect(st.events.fundPaidUsd).toBe(0);
    expect(st.books.badDebtUsd()).toBe(0);
    st.books.checkConservation(st.nAccounts, 'deleveraged');
    // without the bound L sells into the book at ≈ 81.2 and the fund pays the ≈ 880 deficit
    const free = handState(rules(50_000, false, over), book).st;
    settleStepAt(free, 1, 85, Math.log(0.96));
    expect(free.events.adlProfitTakenUsd).toBe(0);
    expect(free.events.fundPaidUsd).toBeGreaterThan(800);
  });
});

describe('fillable-price property (fast-check, seed 2126): every bounded close fills within its bound', () => {
  const account = fc.record({
    side: fc.constantFrom(1 as const, -1 as const),
    size: fc.integer({ min: 1, max: 2_000 }),
    marginShare: fc.double({ min: 0.01, max: 0.2, noNaN: true }),
  });
  const arb = fc.record({
    accounts: fc.array(account, { minLength: 1, maxLength: 12 }),
    move: fc.double({ min: -0.12, max: 0.12, noNaN: true }),
    bookLog: fc.double({ min: -0.05, max: 0.05, noNaN: true }),
    depth: fc.integer({ min: 5_000, max: 2_000_000 }),
  });
  it('fill ≥ bound closing a long, ≤ bound closing a short; money conserved', () => {
    fc.assert(
      fc.property(arb, ({ accounts, move, bookLog, depth }) => {
        const book = accounts.map((a) => (a.side === 1 ? long : short)(Math.round(a.size * 100 * a.marginShare), a.size, 100));
        const { st } = handState(rules(depth, true, { insuranceFund: { initialUsd: 1e9 } }), book);
        const price = 100 * (1 + move);
        startStepAt(st, 1, price);
        st.mkt.impactState[0] = bookLog;
        st.mkt.market[0] = price * Math.exp(bookLog);
        beginLiquidations(st);
        for (let gen = 0; gen < 20; gen++) {
          const n = maintenanceCheck(st, gen);
          if (n === 0) break;
          // each listed account's bound at the round's start (nothing moves before the trade)
          const bounds = new Map<number, number>();
          for (let k = 0; k < n; k++) {
            const a = st.b.list[k];
            const mm = maintenance(st, a);
            const abr = Math.min(1, Math.max(0, 1 - equity(st, a) / mm));
            bounds.set(a, price * (1 - st.b.posSide[a] * abr * SMMR * MMR));
          }
          const before = Array.from(st.b.size);
          liquidationRound(st, gen, n);
          for (const [a, L] of bounds) {
            if (st.b.size[a] === before[a]) continue;
            const fill = st.mkt.fill[0];
            if (st.b.posSide[a] === 1) expect(fill).toBeGreaterThanOrEqual(L * (1 - 1e-12));
            else expect(fill).toBeLessThanOrEqual(L * (1 + 1e-12));
          }
        }
        endLiquidations(st);
        st.books.checkConservation(st.nAccounts, 'property');
      }),
      { seed: 2126, numRuns: 300 },
    );
  });
});
