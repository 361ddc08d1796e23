/**
 * Funding as venues pay it (issue 21 item 4, and item 1's funding-from-collateral bullet), on
 * hand-built books against hand arithmetic, to the cent: Binance's time-weighted premium average,
 * each account paying or receiving F × its own notional with the market's outside book as the
 * counterparty of the imbalance, Hyperliquid's 8-hour rate paid hourly at 1/8 with its interest and
 * 4%/h cap on the oracle notional, and an account margined entirely in collateral paying from it.
 */
import { describe, expect, it } from 'vitest';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, startStepAt, type HandAccount } from '../helpers/handbook.js';
import { fundingAndSettlement } from '../../src/engine/funding.js';
import { collateralUnits } from '../../src/engine/collateral.js';
import type { PathState } from '../../src/engine/state.js';
import { userErrorOf } from '../helpers/user-error.js';

const long = (marginUsd: number, size: number, entry = 100): HandAccount => ({ marginUsd, positions: [{ side: 1, size, entry }] });
const short = (marginUsd: number, size: number, entry = 100): HandAccount => ({ marginUsd, positions: [{ side: -1, size, entry }] });

/** One-minute steps; mark = book price; the impact state holds, so the premium is what `at` sets. */
function rules(funding: Record<string, unknown>, traders: Record<string, unknown> = {}, priceUsd = 100) {
  return identicalTraders({
    stepSeconds: 60,
    market: { initialPriceUsd: priceUsd, impact: { kind: 'linear', depthUsdPerPercent: 1e12, halfLifeSteps: 1e9, arbitrageUsdPerStep: 0 } },
    traders,
    policy: { maxLeverage: 10, maintenance: { kind: 'fixed', mmr: 0.05 }, liquidation: { kind: 'full', feeRate: 0 }, markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 }, funding },
  });
}

/** Step t with the index at `index` and the book at index × (1 + premium). */
function at(st: PathState, t: number, index: number, premium: number): void {
  st.mkt.impactState[0] = Math.log1p(premium);
  startStepAt(st, t, index);
  fundingAndSettlement(st);
}

const margins = (st: PathState) => Array.from(st.b.margin.subarray(0, st.nAccounts));

describe('premium averaging', () => {
  // Binance / Bybit: F = P̄ + clamp(0.01% − P̄, ±0.05%), P̄ weighted 1…n by time within the interval
  const binance = { intervalSeconds: 180, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.003 };

  it('time-weighted: premiums 0.1%, 0.2%, 0.3% average (1·0.1 + 2·0.2 + 3·0.3)/6 = 0.2333%, not the mean 0.2%', () => {
    const paid: Record<string, number[]> = {};
    for (const premiumAveraging of ['time-weighted', 'mean'] as const) {
      const { st } = handState(rules({ ...binance, premiumAveraging }), [long(500, 10), short(500, 3), short(500, 7)]);
      at(st, 1, 100, 0.001);
      at(st, 2, 100, 0.002);
      at(st, 3, 100, 0.003);
      paid[premiumAveraging] = margins(st).map((c) => c - 50_000);
      const pBar = premiumAveraging === 'time-weighted' ? 0.014 / 6 : 0.002;
      expect(st.funding!.lastRate[0]).toBeCloseTo(pBar - 0.0005, 9);
      st.books.checkConservation(st.nAccounts, premiumAveraging);
    }
    // F = 0.0023333 − 0.0005 = 0.0018333 on notionals at the mark 100.3:
    // long 10 × 100.3 = 1,003 → 183.88 → pays 184 cents; shorts 300.9 → 55.17 → 55 and 702.1 → 128.72 → 129
    expect(paid['time-weighted']).toEqual([-184, 55, 129]);
    // the plain mean (F = 0.15%): 150.45 → 150, 45.14 → 45, 105.32 → 105
    expect(paid.mean).toEqual([-150, 45, 105]);
  });

  it('the weights restart at 1 after every payment', () => {
    const { st } = handState(rules({ ...binance, premiumAveraging: 'time-weighted' }), [long(500, 10), short(500, 10)]);
    for (const t of [1, 2, 3]) at(st, t, 100, 0.004); // a first interval at 0.4%
    at(st, 4, 100, 0.003);
    at(st, 5, 100, 0);
    at(st, 6, 100, 0);
    // (1·0.3% + 0 + 0)/6 = 0.05%: F = 0.05% + clamp(0.01% − 0.05%) = 0.01% (the first interval carries no weight)
    expect(st.funding!.lastRate[0]).toBeCloseTo(0.0001, 12);
  });
});

describe('each account pays or receives F × its own notional; the outside book takes the imbalance', () => {
  const f = { intervalSeconds: 180, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.0075 };

  it('longs 10,000 against shorts 4,000: the long pays $1.00, the short receives $0.40, the outside book $0.60', () => {
    const { st } = handState(rules(f), [long(1_000, 100), short(1_000, 40)]);
    for (const t of [1, 2, 3]) at(st, t, 100, 0); // no premium: F = I = 0.01%
    expect(margins(st)).toEqual([100_000 - 100, 100_000 + 40]);
    expect(st.events.fundingPaidCents).toBe(100);
    expect(st.events.fundingReceivedCents).toBe(40);
    expect(st.books.outsideCents).toBe(60);
    expect(st.events.fundingByLongsCents).toBe(100);
    st.books.checkConservation(st.nAccounts, 'longs heavy');
  });

  it('shorts heavier than longs: the outside book pays the simulated shorts what the longs do not', () => {
    const { st } = handState(rules(f), [long(1_000, 10), short(1_000, 30)]);
    for (const t of [1, 2, 3]) at(st, t, 100, 0);
    // long pays 0.01% × 1,000 = 10 cents; short receives 0.01% × 3,000 = 30 cents; outside −20
    expect(margins(st)).toEqual([100_000 - 10, 100_000 + 30]);
    expect(st.books.outsideCents).toBe(-20);
    st.books.checkConservation(st.nAccounts, 'shorts heavy');
  });
});

describe('Hyperliquid: the 8-hour rate paid hourly at 1/8 on the oracle notional, capped at 4% an hour', () => {
  const hl = { intervalSeconds: 3_600, rateIntervalSeconds: 28_800, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.32, notionalPrice: 'index' };

  it('no premium: 0.01% / 8 = 0.00125% an hour on 10 BTC at 90,000 is $11.25 (not 8× that)', () => {
    const { st } = handState(rules(hl, {}, 90_000), [long(100_000, 10, 90_000), short(100_000, 10, 90_000)]);
    for (let t = 1; t <= 59; t++) at(st, t, 90_000, 0);
    expect(st.events.fundingPaidCents).toBe(0); // paid on the hour only
    at(st, 60, 90_000, 0);
    expect(st.funding!.lastRate[0]).toBeCloseTo(0.0001, 12); // the 8-hour rate
    expect(margins(st)).toEqual([10_000_000 - 1_125, 10_000_000 + 1_125]);
    // the same parameters quoted per hour (no rateIntervalSeconds) would have paid 8×: $90.00
    const { st: st8 } = handState(rules({ ...hl, rateIntervalSeconds: undefined }, {}, 90_000), [long(100_000, 10, 90_000), short(100_000, 10, 90_000)]);
    for (let t = 1; t <= 60; t++) at(st8, t, 90_000, 0);
    expect(st8.events.fundingPaidCents).toBe(9_000);
  });

  it('a 50% premium is capped at 4% an hour, paid on the oracle price, not the mark', () => {
    const { st } = handState(rules(hl, {}, 90_000), [long(100_000, 10, 90_000), short(100_000, 10, 90_000)]);
    for (let t = 1; t <= 60; t++) at(st, t, 90_000, 0.5);
    // F = 0.5 + clamp(0.0001 − 0.5, ±0.0005) = 0.4995 per 8 h, capped at 0.32 = 4% an hour;
    // 4% × 10 × 90,000 (the oracle; the mark is 135,000) = $36,000
    expect(st.funding!.lastRate[0]).toBe(0.32);
    expect(st.mkt.markPx[0]).toBeCloseTo(135_000, 2);
    expect(margins(st)).toEqual([10_000_000 - 3_600_000, 10_000_000 + 3_600_000]);
    st.books.checkConservation(st.nAccounts, 'hl cap');
  });
});

describe('funding is due from equity: collateral pays what the cash cannot', () => {
  // I = 0.5% per interval, no premium: F = 0.5%; every account margined entirely in PERP units
  const f = { intervalSeconds: 180, interestRatePerInterval: 0.005, clamp: 0.01, capPerInterval: 0.0075 };
  const collateral = (haircut: number) => ({ collateral: { accountShare: 1, assets: [{ market: 'PERP', marginShare: 1, haircutTiers: [{ unitsFloor: 0, haircut }] }] } });

  it('an account with no cash pays its $5.00 by selling 0.05 of its 1.25 units at the book price 100', () => {
    const { st } = handState(rules(f, collateral(0.8)), [long(100, 10), short(100, 10)]);
    // $100 of margin at a 0.8 haircut: 1.25 units (12,500 atoms of a cent), no cash
    expect(st.b.margin[0]).toBe(0);
    expect(collateralUnits(st, 0, 0)).toBe(1.25);
    for (const t of [1, 2, 3]) at(st, t, 100, 0);
    // the long owes 0.5% × 1,000 = 500 cents: 500 atoms sold for 500 cents, all paid, none left unpaid
    expect(st.events.collateralSoldCents).toBe(500);
    expect(collateralUnits(st, 0, 0)).toBe(1.2);
    expect(st.b.margin[0]).toBe(0);
    expect(st.events.fundingPaidCents).toBe(500);
    expect(st.events.fundingUnpaidCents).toBe(0);
    expect(st.b.margin[1]).toBe(500); // the short received in cash
    expect(st.books.outsideCents).toBe(0);
    st.books.checkConservation(st.nAccounts, 'collateral pays');
  });

  it('what cash and collateral cannot pay is counted unpaid, and the outside book pays the receiver in full', () => {
    const g = { ...f, interestRatePerInterval: 0.01, clamp: 0.1, capPerInterval: 0.5 };
    const { st } = handState(rules(g, collateral(1)), [long(5, 10), short(100, 10)]);
    expect(collateralUnits(st, 0, 0)).toBe(0.05); // 500 atoms, $5.00 at 100
    for (const t of [1, 2, 3]) at(st, t, 100, 0);
    // due 1% × 1,000 = $10.00: the collateral raises $5.00, $5.00 is unpaid; the short receives $10.00
    expect(st.events.fundingPaidCents).toBe(500);
    expect(st.events.fundingUnpaidCents).toBe(500);
    expect(collateralUnits(st, 0, 0)).toBe(0);
    expect(st.events.fundingReceivedCents).toBe(1_000);
    expect(st.books.outsideCents).toBe(-500);
    st.books.checkConservation(st.nAccounts, 'unpaid');
  });
});

describe('bad funding input', () => {
  it('an unknown averaging, notional price or a negative rate interval is one line naming the field, the value and what is allowed', () => {
    const msg = (funding: Record<string, unknown>) => userErrorOf(() => rules(funding));
    expect(msg({ premiumAveraging: 'weighted' })).toMatch(/policy\.funding\.premiumAveraging.*"weighted".*mean.*time-weighted/);
    expect(msg({ notionalPrice: 'last' })).toMatch(/policy\.funding\.notionalPrice.*"last".*mark.*index/);
    expect(msg({ rateIntervalSeconds: -1 })).toMatch(/policy\.funding\.rateIntervalSeconds/);
  });
});
