/**
 * Auto-deleveraging as venues run it, on hand-built books (test/helpers/handbook.ts) against hand
 * arithmetic: a bankrupt position the fund will not cover is matched against the ranked winners at its
 * bankruptcy price and never reaches the market (only the unmatched rest does); the trigger thresholds
 * (fund floor, fund drawdown over a window); the over-reach outputs; lower-tier liquidation.
 */
import { describe, expect, it } from 'vitest';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, settleStepAt, startStepAt, type HandAccount } from '../helpers/handbook.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';
import { lowerTierFraction } from '../../src/engine/liquidation-styles.js';
import { notional } from '../../src/engine/account.js';
import { FundPeak } from '../../src/engine/state.js';
import { stepPolicy } from '../../src/scenario/market-policy.js';
import { parseScenario } from '../../src/scenario/load.js';
import { collateralUnits } from '../../src/engine/collateral.js';
import { observeMarkets } from '../../src/engine/market.js';

const long = (marginUsd: number, size: number, entry: number): HandAccount => ({ marginUsd, positions: [{ side: 1, size, entry }] });
const short = (marginUsd: number, size: number, entry: number): HandAccount => ({ marginUsd, positions: [{ side: -1, size, entry }] });

/** Linear impact, mark = book price, no arbitrage, no fee: one round's flow is the only thing that moves the book. */
function rules(policy: Record<string, unknown> = {}, fundUsd = 0) {
  return identicalTraders({
    market: { impact: { kind: 'linear', depthUsdPerPercent: 1_000, halfLifeSteps: 1e6, arbitrageUsdPerStep: 0 } },
    policy: {
      maxLeverage: 10,
      maintenance: { kind: 'fixed', mmr: 0.05 },
      liquidation: { kind: 'full', feeRate: 0 },
      insuranceFund: { initialUsd: fundUsd },
      markPrice: { kind: 'last' },
      waterfall: { afterInsuranceFund: 'adl', adlRanking: 'profit-leverage' },
      ...policy,
    },
  });
}

const stepAt = settleStepAt;

describe('ADL matches a bankrupt position against the winners, off the market', () => {
  // At 85 the long (margin 100, 10 @ 100) has equity 100 − 150 = −50: bankrupt by 50, i.e. 5 a unit;
  // its bankruptcy price is 90. Winners: A short 6 @ 100 (margin 200: profit 90, equity 290) and B
  // short 20 @ 95 (margin 1,000: profit 200, equity 1,200). Profit % × leverage ranks A first:
  // (90/200)·(510/290) = 0.79 > (200/1000)·(1700/1200) = 0.28.
  const book = [long(100, 10, 100), short(200, 6, 100), short(1_000, 20, 95)];

  it('fully matched: nothing trades, the winners pay the deficit at the bankruptcy price, and the over-reach is measured', () => {
    const { st } = handState(rules(), book);
    const before = st.mkt.market[0];
    stepAt(st, 1, 85);
    expect(st.mkt.market[0]).toBeCloseTo(85, 12); // no flow reached the book
    expect(st.mkt.impactState[0]).toBe(0);
    expect(before).toBe(100);
    const { b, events: e } = st;
    // the long is closed at 90 (margin 100 − 10·10 = 0), A closes all 6, B closes the other 4
    expect(b.size[0]).toBe(0);
    expect(b.size[1]).toBe(0);
    expect(b.size[2]).toBeCloseTo(16, 12);
    expect(e.adlProfitTakenUsd).toBeCloseTo(50, 9); // the deficit: 5 × 10 units
    expect(e.shortfallCents).toBe(5_000);
    expect(st.books.badDebtUsd()).toBe(0);
    expect(e.adlMatchedNotionalUsd).toBeCloseTo(850, 9);
    expect(e.adlNotionalUsd).toBeCloseTo(850, 9);
    // profit closed: A 6 × (100 − 85) = 90, B 4 × (95 − 85) = 40 → 130, against a deficit of 50
    expect(e.adlPnlClosedUsd).toBeCloseTo(130, 9);
    expect(e.adlPnlClosedUsd / e.adlProfitTakenUsd).toBeCloseTo(2.6, 9);
    // A paid 6 × 5 = 30 from what it closed with (200 + 90), B 4 × 5 = 20 from its margin
    expect(st.books.walletCents).toBe(26_000);
    expect(b.margin[2]).toBe(100_000 - 2_000 + 4_000);
    expect(e.tradersLiquidated).toBe(1);
    st.books.checkConservation(st.nAccounts, 'adl');
  });

  it('partly matched: the market sees only the unmatched part', () => {
    // only A (6 units) is there to match: 4 units go to the market, as a lone 4-unit long would
    const { st } = handState(rules(), book.slice(0, 2));
    stepAt(st, 1, 85);
    const twin = handState(rules(), [long(40, 4, 100)]).st; // 4/10 of the long: same bankruptcy, no winners
    stepAt(twin, 1, 85);
    expect(twin.stepLiq.impactLog0).toBeLessThan(0);
    expect(st.stepLiq.impactLog0).toBeCloseTo(twin.stepLiq.impactLog0, 12);
    expect(st.events.adlMatchedNotionalUsd).toBeCloseTo(6 * 85, 9);
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(30, 9);
    expect(st.b.size[0]).toBe(0);
    st.books.checkConservation(st.nAccounts, 'adl partial');
  });

  it('the old order (trade the whole position, then haircut the winners) is what a fund that can pay still gets', () => {
    // a fund of 1,000 covers the 50 at the mark: the long trades against the market as a normal liquidation
    const { st } = handState(rules({}, 1_000), book);
    stepAt(st, 1, 85);
    expect(st.events.adlMatchedNotionalUsd).toBe(0);
    expect(st.stepLiq.impactLog0).toBeLessThan(0);
    expect(st.events.fundPaidUsd).toBeGreaterThan(50); // the fill was worse than the mark
  });
});

describe('ADL triggers', () => {
  const book = [long(100, 10, 100), short(200, 6, 100), short(1_000, 20, 95)];

  it('a fund floor: the fund keeps fundFloorUsd and ADL takes the deficit it would have paid', () => {
    const covered = handState(rules({}, 120), book).st;
    stepAt(covered, 1, 85);
    expect(covered.events.adlMatchedNotionalUsd).toBe(0); // 120 available ≥ 50
    const floored = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlTrigger: { fundFloorUsd: 100 } } }, 120), book).st;
    stepAt(floored, 1, 85);
    expect(floored.events.adlMatchedNotionalUsd).toBeCloseTo(850, 9); // only 20 available < 50
    expect(floored.books.fundCents).toBe(12_000);
  });

  it('a drawdown window: the fund stops paying once it is (1 − fraction) of its peak over the window', () => {
    const peak = new FundPeak(0, 3);
    const seen: number[] = [];
    for (const [t, v] of [[0, 100], [1, 80], [2, 90], [3, 70], [4, 60], [5, 65]] as const) {
      peak.push(t, v);
      seen.push(peak.peak);
    }
    // max over the last 3 step-start balances: 100, 100, 100, 90, 90, 70
    expect(seen).toEqual([100, 100, 100, 90, 90, 70]);
    // a fund of 1,000 that may fall 96% over an hour can pay 960 — then the floor (4% of 1,000 = 40) holds
    const dd = (fraction: number) => rules({ waterfall: { afterInsuranceFund: 'adl', adlTrigger: { drawdown: { fraction, windowSeconds: 3600 } } } }, 1_000);
    const loose = handState(dd(0.96), book).st;
    stepAt(loose, 1, 85);
    expect(loose.events.adlMatchedNotionalUsd).toBe(0);
    const tight = handState(dd(0.04), book).st; // may fall only 40 < 50
    stepAt(tight, 1, 85);
    expect(tight.events.adlMatchedNotionalUsd).toBeCloseTo(850, 9);
    expect(tight.books.fundCents).toBe(100_000);
  });

  it('pro-rata by profit spreads the match over every winner in proportion to its profit', () => {
    const { st } = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: 'pro-rata-pnl' } }), book);
    stepAt(st, 1, 85);
    // profits 90 and 200: the 50 splits 90/290 and 200/290 → 15.52 and 34.48, i.e. 3.10 and 6.90 units
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(50, 9);
    expect(6 - st.b.size[1]).toBeCloseTo((5_000 * 90) / 290 / 100 / 5, 2);
    expect(20 - st.b.size[2]).toBeCloseTo((5_000 * 200) / 290 / 100 / 5, 2);
    st.books.checkConservation(st.nAccounts, 'pro-rata-pnl');
  });
});

describe('lower-tier liquidation (risk-limit reduction)', () => {
  const tiered = (kind: string) =>
    identicalTraders({
      market: { impact: { kind: 'none' } },
      policy: {
        maxLeverage: 50,
        maintenance: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 1_000, mmr: 0.05 }, { notionalFloorUsd: 5_000, mmr: 0.1 }] },
        liquidation: { kind, feeRate: 0 },
        insuranceFund: { initialUsd: 0 },
        markPrice: { kind: 'last' },
      },
    });

  it('reduces a position to the floor of the tier below, and closes in full in the lowest tier', () => {
    const { st } = handState(tiered('lower-tier'), [long(1_000, 80, 100)]);
    // 80 @ 100: 8,000 notional in the 10% tier; MM(N) = 0.1·N − 0.05·5,000 + … (continuous)
    expect(lowerTierFraction(st, 0, 8_000)).toBeCloseTo(1 - 5_000 / 8_000, 12);
    expect(lowerTierFraction(st, 0, 3_000)).toBeCloseTo(1 - 1_000 / 3_000, 12);
    expect(lowerTierFraction(st, 0, 900)).toBe(1);
    startStepAt(st, 1, 92); // equity 1,000 − 640 = 360 < MM(7,360) = 736 − 250 − 40 = 446
    beginLiquidations(st);
    const n = maintenanceCheck(st, 0);
    expect(n).toBe(1);
    liquidationRound(st, 0, n);
    expect(notional(st, 0)).toBeCloseTo(5_000, 6); // down to the 5% tier's upper edge
    endLiquidations(st);
  });
});

describe('venue units', () => {
  it('a cooldown in seconds becomes whole steps (rounded up) and per-block caps become per-step caps', () => {
    const sc = identicalTraders({ stepSeconds: 60, policy: { liquidation: { cooldownSeconds: 30, caps: { perAccountNotionalUsdPerStep: 1_000, blockSeconds: 1.5 } } } });
    const p = stepPolicy(sc.policy, 60);
    expect(p.liquidation.cooldownSteps).toBe(1);
    expect(p.liquidation.caps.perAccountNotionalUsdPerStep).toBe(40_000);
    expect(stepPolicy(sc.policy, 20).liquidation.cooldownSteps).toBe(2);
    expect(stepPolicy(sc.policy, 1).liquidation.cooldownSteps).toBe(30);
    expect(sc.policy.liquidation.caps.perAccountNotionalUsdPerStep).toBe(1_000); // the scenario keeps what was written
  });
});

describe('ADL covers the loss exactly and takes only from winners (issue 21 item 1)', () => {
  it('a winner whose equity is below its share gives all it has and the next winner the rest; W2 keeps 30 units', () => {
    // L long 100 @ 100 with 1,000; W1 short 50 @ 86 with 100; W2 short 100 @ 100 with 2,000; 100 → 85.
    // L: equity 1,000 − 1,500 = −500, i.e. 5 a unit (bankruptcy price 90). W1: PnL 50, equity 150, its
    // share 50 × 5 = 250 > 150: it gives all 150 and closes in full. Profit % × leverage ranks W1 first:
    // (50/100)·(4,250/150) = 14.2 > W2's (1,500/2,000)·(8,500/3,500) = 1.8. W2 gives the other 350, i.e.
    // 350 / 5 = 70 units: it keeps 30, with margin 2,000 + 70·15 − 350 = 2,700.
    const { st } = handState(rules(), [long(1_000, 100, 100), short(100, 50, 86), short(2_000, 100, 100)]);
    stepAt(st, 1, 85);
    const { b, events: e } = st;
    expect(st.books.badDebtUsd()).toBe(0);
    expect(e.adlProfitTakenUsd).toBeCloseTo(500, 9);
    expect(e.shortfallCents).toBe(50_000);
    expect(b.size[0]).toBe(0);
    expect(b.size[1]).toBe(0);
    expect(b.size[2]).toBeCloseTo(30, 9);
    expect(b.margin[2]).toBe(270_000);
    // W1's 150 came from its own account: it closed with 100 + 50 = 150 and kept nothing; L kept nothing
    expect(st.books.walletCents).toBe(0);
    // matched 100 units of L (8,500 at the mark); the winners closed 50 + 70 = 120 units (10,200)
    expect(e.adlMatchedNotionalUsd).toBeCloseTo(8_500, 9);
    expect(e.adlNotionalUsd).toBeCloseTo(10_200, 9);
    st.books.checkConservation(st.nAccounts, 'adl equity below share');
  });
});

describe('ADL takes a winner margined in a volatile asset from that winner alone (issue 21 item 1)', () => {
  // Every account posts its margin in USD1, a market priced at 1 (no haircut): L long 100 @ 100
  // (1,000); W short 100 @ 88 (2,000: at 85 its PnL is 300, equity 2,300); Z long 1,000 @ 100 (15,500:
  // at 85 equity 500 < MM 4,250, liquidated solvent with 500 left). L's deficit is 1,500 − 1,000 = 500.
  const sc = parseScenario(
    {
      name: 'usd1-margined',
      seed: 1,
      paths: 1,
      stepSeconds: 60,
      horizonSteps: 10,
      market: { name: 'PERP', initialPriceUsd: 100, priceModel: { kind: 'gbm', volatilityAnnual: 0.5 }, impact: { kind: 'none' } },
      otherMarkets: [{ name: 'USD1', initialPriceUsd: 1, priceModel: { kind: 'gbm', volatilityAnnual: 0.01 }, impact: { kind: 'none' } }],
      traders: { count: 1, warmup: 'none', leverage: { kind: 'tiers', tiers: [{ leverage: 10, weight: 1 }] }, collateral: { accountShare: 1, assets: [{ market: 'USD1', marginShare: 1, haircutTiers: [{ unitsFloor: 0, haircut: 1 }] }] } },
      policy: {
        maxLeverage: 10,
        maintenance: { kind: 'fixed', mmr: 0.05 },
        liquidation: { kind: 'full', feeRate: 0 },
        markPrice: { kind: 'last' },
        insuranceFund: { initialUsd: 0 },
        waterfall: { afterInsuranceFund: 'adl', adlRanking: 'profit-leverage' },
      },
    },
    'test',
  );
  const L = long(1_000, 100, 100);
  const W = short(2_000, 100, 88);
  const Z = long(15_500, 1_000, 100);
  const orders: [string, HandAccount[], number][] = [
    ['L, W, Z', [L, W, Z], 1],
    ['Z, L, W', [Z, L, W], 2],
    ['W, Z, L', [W, Z, L], 0],
    ['Z, W, L', [Z, W, L], 1],
  ];
  for (const [name, book, w] of orders) {
    it(`W pays 500, no bad debt, Z keeps its 500 (accounts in the order ${name})`, () => {
      const { st } = handState(sc, book);
      expect(collateralUnits(st, w, 0)).toBe(2_000);
      stepAt(st, 1, 85);
      expect(st.books.badDebtUsd()).toBe(0);
      expect(st.events.adlProfitTakenUsd).toBeCloseTo(500, 9);
      expect(st.b.adlHit[w]).toBe(1);
      // back to the traders: W's 2,300 less 500, and Z's 500 — untouched
      expect(st.books.walletCents).toBe(180_000 + 50_000);
      for (let a = 0; a < 3; a++) expect(st.b.size[a]).toBe(0);
      st.books.checkConservation(st.nAccounts, `usd1 ${name}`);
    });
  }
});

describe("each venue's ADL ranking picks its first winner in the engine (issue 21 item 3)", () => {
  // L long 1 @ 100 with 14: bankrupt by 1 at 85, so only the first winner is touched. The winners are
  // test/liquidation/waterfall.test.ts's A (short 10 @ 100, 100), B (short 40 @ 90, 1,000), C (short 2 @ 170, 20).
  const book = [long(14, 1, 100), short(100, 10, 100), short(1_000, 40, 90), short(20, 2, 170)];
  const first: [string, number][] = [
    ['profit-leverage', 3],
    ['hyperliquid', 1],
    ['binance-leverage-pnl', 3],
    ['bybit', 1],
    ['bitmex', 1],
  ];
  for (const [ranking, winner] of first) {
    it(`${ranking}: account ${'LABC'[winner]} pays the 1`, () => {
      const { st } = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: ranking } }), book);
      stepAt(st, 1, 85);
      expect(st.books.badDebtUsd()).toBe(0);
      expect(st.events.adlProfitTakenUsd).toBeCloseTo(1, 9);
      expect([1, 2, 3].filter((a) => st.b.adlHit[a])).toEqual([winner]);
      // it closed 1 / (1 a unit) = 1 unit at the mark and gave up 1 from its margin
      expect(st.b.size[winner]).toBeCloseTo(book[winner].positions[0].size - 1, 9);
      st.books.checkConservation(st.nAccounts, ranking);
    });
  }

  it('dydx takes a losing opposite position too (at the bankruptcy price); the winners-only rankings leave bad debt', () => {
    // D short 10 @ 80 with 500: at 85 PnL −50, equity 450. It closes 1 unit at 86 (the bankruptcy price): −5 at the mark, −1 haircut
    const lonely = [long(14, 1, 100), short(500, 10, 80)];
    const dydx = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: 'dydx' } }), lonely).st;
    stepAt(dydx, 1, 85);
    expect(dydx.books.badDebtUsd()).toBe(0);
    expect(dydx.b.size[1]).toBeCloseTo(9, 9);
    expect(dydx.b.margin[1]).toBe(50_000 - 500 - 100);
    dydx.books.checkConservation(dydx.nAccounts, 'dydx');
    const pl = handState(rules(), lonely).st;
    stepAt(pl, 1, 85);
    // (1, and the slippage of L's market close: the book's impact)
    expect(pl.books.badDebtUsd()).toBeGreaterThanOrEqual(1);
    expect(pl.b.size[1]).toBe(10);
    expect(pl.b.adlHit[1]).toBe(0);
  });

  it('dydx skips a position that cannot pay its part at the bankruptcy price', () => {
    // L long 10 @ 100 with 10: bankrupt by 140, 14 a unit. E short 10 @ 80 with 150: equity 100 (above
    // its MM 42.5) < its part, 10 units × 14 = 140: skipped, whole — L goes to the market
    const { st } = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: 'dydx' } }), [long(10, 10, 100), short(150, 10, 80)]);
    stepAt(st, 1, 85);
    expect(st.b.size[1]).toBe(10);
    expect(st.b.margin[1]).toBe(15_000);
    expect(st.books.badDebtUsd()).toBeGreaterThanOrEqual(140);
  });
});

describe("Hyperliquid's ADL price: the previous mark (waterfall.adlPrice previous-mark)", () => {
  // L long 100 @ 100 with 1,000 and W short 100 @ 100 with 2,000. Step 1 at 95 (L: equity 500 ≥ MM 475,
  // not liquidated); step 2 at 85: L's equity −500, bankrupt (bankruptcy price 90).
  const book = [long(1_000, 100, 100), short(2_000, 100, 100)];
  const twoSteps = (adlPrice: string) => {
    const { st } = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: 'hyperliquid', adlPrice } }), book);
    stepAt(st, 1, 95);
    observeMarkets(st); // the end of step 1: its mark becomes the previous mark
    expect(st.mkt.prevMark[0]).toBeCloseTo(95, 9);
    stepAt(st, 2, 85);
    return st;
  };

  it('both sides trade at 95: W gives up the whole move since, 100 × 10 = 1,000, and L keeps 100 × (95 − 90) = 500', () => {
    const st = twoSteps('previous-mark');
    expect(st.books.badDebtUsd()).toBe(0);
    // the waterfall's ADL stage is the deficit covered (shortfall = fund + ADL + bad debt); the other 500 is the trade price
    expect(st.events.shortfallCents).toBe(50_000);
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(500, 9);
    expect(st.events.fundPaidUsd).toBe(0);
    // W closed at 95: 2,000 + 100 × 5; L's 500 went back to its trader
    expect(st.b.size[1]).toBe(0);
    expect(st.books.walletCents).toBe(250_000 + 50_000);
    st.books.checkConservation(st.nAccounts, 'previous mark');
  });

  it('at the bankruptcy price (the default) W gives up the deficit, 500, and L keeps nothing', () => {
    const st = twoSteps('bankruptcy');
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(500, 9);
    expect(st.books.walletCents).toBe(300_000);
  });

  it('when the account was already below its bankruptcy price at the previous mark, the match falls back to the bankruptcy price', () => {
    const { st } = handState(rules({ waterfall: { afterInsuranceFund: 'adl', adlRanking: 'hyperliquid', adlPrice: 'previous-mark' } }), [long(1_000, 100, 100), short(2_000, 100, 100)]);
    st.mkt.prevMark[0] = 88; // the previous mark 88 < the bankruptcy price 90: previous-mark would not cover
    stepAt(st, 1, 85);
    expect(st.books.badDebtUsd()).toBe(0);
    expect(st.events.adlProfitTakenUsd).toBeCloseTo(500, 9);
    expect(st.books.walletCents).toBe(300_000);
  });
});
