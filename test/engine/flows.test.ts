/**
 * The money flows of issue 13 on hand-built books against hand arithmetic: funding (premium, clamp,
 * cap, each account's payment, zero-sum to the cent), a crowded long book paying its way toward
 * liquidation, trading fees to their recipient, variation margin and profit withdrawals, capital
 * injection after a margin call, rebalancing between one trader's isolated positions, and the venue's
 * recapitalisation of its fund.
 */
import { describe, expect, it } from 'vitest';
import { identicalTraders } from '../helpers/scenarios.js';
import { handState, startStepAt, type HandAccount } from '../helpers/handbook.js';
import { fundingAndSettlement } from '../../src/engine/funding.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';
import { isOpen } from '../../src/engine/account.js';
import { voluntaryCloses } from '../../src/engine/decisions.js';
import { dueTopUps } from '../../src/engine/topups.js';
import type { PathState } from '../../src/engine/state.js';

const long = (marginUsd: number, size: number, entry = 100): HandAccount => ({ marginUsd, positions: [{ side: 1, size, entry }] });
const short = (marginUsd: number, size: number, entry = 100): HandAccount => ({ marginUsd, positions: [{ side: -1, size, entry }] });

/** Mark = book price; the impact state holds (no decay, no arbitrage), so the premium is what we set. */
function rules(policy: Record<string, unknown> = {}, traders: Record<string, unknown> = {}) {
  return identicalTraders({
    market: { impact: { kind: 'linear', depthUsdPerPercent: 1e9, halfLifeSteps: 1e9, arbitrageUsdPerStep: 0 } },
    traders,
    policy: { maxLeverage: 10, maintenance: { kind: 'fixed', mmr: 0.05 }, liquidation: { kind: 'full', feeRate: 0 }, markPrice: { kind: 'last' }, insuranceFund: { initialUsd: 0 }, ...policy },
  });
}

/** Step t with the index at `index` and the book at index × (1 + premium). */
function at(st: PathState, t: number, index: number, premium: number): void {
  st.mkt.impactState[0] = Math.log1p(premium);
  startStepAt(st, t, index);
  fundingAndSettlement(st);
}

const totalMargin = (st: PathState) => st.b.margin.subarray(0, st.nAccounts).reduce((s, x) => s + x, 0);

describe('funding', () => {
  const funding = { intervalSeconds: 180, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.0075 };

  it('pays F = P̄ + clamp(I − P̄) every interval: longs pay shorts in proportion to notional, to the cent', () => {
    const { st } = handState(rules({ funding }), [long(500, 10), short(500, 3), short(500, 7)]);
    const before = totalMargin(st);
    // premiums 0.1%, 0.2%, 0.3% over the interval of 3 one-minute steps: P̄ = 0.2%
    at(st, 1, 100, 0.001);
    at(st, 2, 100, 0.002);
    expect(st.events.fundingPaidCents).toBe(0);
    at(st, 3, 100, 0.003);
    // F = 0.002 + clamp(0.0001 − 0.002, ±0.0005) = 0.0015; the long's notional at the mark 10 × 100.3 = 1,003
    expect(st.funding!.lastRate[0]).toBeCloseTo(0.0015, 10);
    const paid = Math.round(0.0015 * 1003 * 100); // 150 cents
    expect(paid).toBe(150);
    expect(st.b.margin[0]).toBe(50_000 - 150);
    // the shorts share 150 cents as 3 : 7 → 45 and 105
    expect(st.b.margin[1]).toBe(50_000 + 45);
    expect(st.b.margin[2]).toBe(50_000 + 105);
    expect(totalMargin(st)).toBe(before); // zero-sum
    expect(st.events.fundingByLongsCents).toBe(150);
    st.books.checkConservation(st.nAccounts, 'funding');
  });

  it('the clamp, the cap and the sign: a discount makes shorts pay; a large premium is capped', () => {
    const { st } = handState(rules({ funding }), [long(500, 10), short(500, 10)]);
    for (const t of [1, 2, 3]) at(st, t, 100, -0.0002); // P̄ = −0.02%: F = −0.0002 + 0.0003 (I − P̄ within the clamp) = 0.0001
    expect(st.funding!.lastRate[0]).toBeCloseTo(0.0001, 10);
    for (const t of [4, 5, 6]) at(st, t, 100, -0.004); // P̄ = −0.4%: F = −0.004 + 0.0005 = −0.0035, shorts pay
    expect(st.funding!.lastRate[0]).toBeCloseTo(-0.0035, 10);
    // the long paid 0.01% × 999.80 = 10 cents, then the short paid 0.35% × 996 = 349 cents
    expect(st.events.fundingByLongsCents).toBe(10 - 349);
    for (const t of [7, 8, 9]) at(st, t, 100, 0.02); // P̄ = 2%: capped at 0.75%
    expect(st.funding!.lastRate[0]).toBe(0.0075);
  });

  it('a crowded long book pays its way toward liquidation, on the funding step hand arithmetic predicts', () => {
    // 10 @ 100 on 100 of margin, MMR 5%: at a flat price it is liquidated when its margin falls below 50.
    // I = 0.5% per interval (no premium): it pays 0.5% × 1,000 = 5 an interval → below 50 after 11 payments.
    const f = { ...funding, interestRatePerInterval: 0.005, clamp: 0.01 };
    const { st } = handState(rules({ funding: f }), [long(100, 10), short(10_000, 1)]);
    let liquidatedAt = -1;
    for (let t = 1; t <= 60 && liquidatedAt < 0; t++) {
      at(st, t, 100, 0);
      beginLiquidations(st);
      const n = maintenanceCheck(st, 0);
      if (n > 0) liquidationRound(st, 0, n);
      endLiquidations(st);
      if (!isOpen(st, 0)) liquidatedAt = t;
    }
    expect(liquidatedAt).toBe(11 * 3);
    // the one short received everything the long paid
    expect(st.events.fundingPaidCents).toBe(11 * 500);
  });

  it('a one-sided simulated book still pays: its counterparty is the market\'s outside book', () => {
    const { st } = handState(rules({ funding }), [long(500, 10), long(500, 5)]);
    for (const t of [1, 2, 3]) at(st, t, 100, 0.001);
    // P̄ = 0.1%: F = 0.001 − 0.0005 = 0.0005; notionals at the mark 100.1: 1,001 → 50.05 → 50 cents, 500.5 → 25.025 → 25 cents
    expect(st.events.fundingPaidCents).toBe(75);
    expect(st.events.fundingReceivedCents).toBe(0);
    expect(st.books.outsideCents).toBe(75);
    st.books.checkConservation(st.nAccounts, 'one-sided');
  });
});

describe('trading fees', () => {
  it('a voluntary close pays the taker fee to the venue, or to the insurance fund', () => {
    for (const recipient of ['venue', 'insurance-fund'] as const) {
      const { st } = handState(rules({ tradingFees: { takerRate: 0.001, recipient } }), [long(500, 10)]);
      startStepAt(st, 1, 100);
      st.b.closeSize[0] = 4;
      voluntaryCloses(st, Int32Array.of(0), 1);
      expect(st.events.tradingFeesCents).toBe(40); // 0.1% × 400
      expect(recipient === 'venue' ? st.books.venueCents : st.books.fundCents).toBe(40);
      st.books.checkConservation(st.nAccounts, 'fees');
    }
  });
});

describe('variation margin and profit withdrawal', () => {
  it('settles unrealised PnL into margin at the mark, resets the entry, and withdrawers keep only the initial margin', () => {
    const vm = { variationMargin: { everySeconds: 120 } };
    const { st } = handState(rules(vm, { withdrawProfitShare: 1 }), [long(100, 10), short(100, 10)]);
    at(st, 1, 105, 0);
    expect(st.b.entry[0]).toBe(100);
    at(st, 2, 105, 0);
    // long: +50 into margin (150), entry 105; its initial margin max(1,050 / 10, 2 × 5% × 1,050) = 105
    // stays, 45 is withdrawn
    expect(st.b.entry[0]).toBeCloseTo(105, 12);
    expect(st.b.margin[0]).toBe(10_500);
    // short: −50 from its margin (100 → 50): below its IM, nothing withdrawn
    expect(st.b.margin[1]).toBe(5_000);
    expect(st.events.profitWithdrawnCents).toBe(4_500);
    expect(st.books.walletCents).toBe(4_500);
    st.books.checkConservation(st.nAccounts, 'vm');
  });
});

/** Steps t0 … t1 at a flat index `price`: margin calls, injections due and liquidations run as in a step. */
function run(st: PathState, t0: number, t1: number, price: number): void {
  for (let t = t0; t <= t1; t++) {
    startStepAt(st, t, price);
    dueTopUps(st);
    beginLiquidations(st);
    for (let gen = 0; gen < 20; gen++) {
      const n = maintenanceCheck(st, gen);
      if (n === 0) break;
      liquidationRound(st, gen, n);
    }
    endLiquidations(st);
  }
}

describe('capital injection after a margin call', () => {
  const call = { liquidation: { kind: 'full', feeRate: 0, marginCall: { graceSteps: 30 } } };
  it('an injecting trader deposits fresh money for what the call asks and survives; one who does not is liquidated', () => {
    // 10 @ 100 on 100: at 94, equity 40 < MM 47 → a call answered up to max(the top-up target 3 × MM,
    // the initial margin 0.1 × 940, 2 × MM) = 141
    const inject = handState(rules(call, { injection: { share: 1, meanDelaySteps: 3, sizeSigmaLog: 0 } }), [long(100, 10)]).st;
    run(inject, 1, 40, 94);
    expect(inject.events.marginCalls).toBe(1);
    expect(inject.events.injections).toBe(1);
    expect(inject.events.injectedCents).toBe(14_100 - 4_000); // from outside
    expect(isOpen(inject, 0)).toBe(true);
    inject.books.checkConservation(inject.nAccounts, 'injection');
    const none = handState(rules(call), [long(100, 10)]).st;
    run(none, 1, 40, 94);
    expect(isOpen(none, 0)).toBe(false);
  });
});

describe('rebalancing between one trader’s isolated positions', () => {
  it('margin moves from the healthy position and averts the liquidation; without it the position is liquidated', () => {
    // one trader: a long 10 @ 100 on 100, and a long in another account 1 @ 100 on 500 (plenty spare)
    const book = [long(100, 10), long(500, 1)];
    const paired = handState(rules({}, { rebalancing: { share: 1 } }), book).st;
    expect(paired.ctx.siblings![0]).toBe(1);
    run(paired, 1, 1, 94); // equity 40 < MM 47: the pair lends up to the top-up target ratio × MM − equity
    const target = paired.sc.traders.topUp.targetMarginRatio;
    expect(paired.events.rebalancedCents).toBe(Math.ceil((target * 47 - 40) * 100));
    expect(isOpen(paired, 0)).toBe(true);
    expect(paired.b.margin[0] + paired.b.margin[1]).toBe(60_000);
    paired.books.checkConservation(paired.nAccounts, 'rebalance');
    const alone = handState(rules(), book).st;
    run(alone, 1, 1, 94);
    expect(isOpen(alone, 0)).toBe(false);
  });
});

describe('insurance-fund recapitalisation', () => {
  it('the venue tops a fund below its threshold up from outside, within its budget, and sends it a share of fees', () => {
    const recap = { insuranceFund: { initialUsd: 0, recapitalisation: { belowUsd: 100, injectUsd: 40, budgetUsd: 100, feeShare: 0.25 } }, tradingFees: { takerRate: 0.001 } };
    const { st } = handState(rules(recap), [long(500, 10)]);
    run(st, 1, 5, 100);
    // 40, 40, then the budget's last 20
    expect(st.events.fundInjectedCents).toBe(10_000);
    expect(st.books.fundCents).toBe(10_000);
    st.b.closeSize[0] = 10;
    voluntaryCloses(st, Int32Array.of(0), 1); // fee 1.00: 0.25 to the fund, 0.75 to the venue
    expect(st.events.fundFromFeesCents).toBe(25);
    expect(st.books.venueCents).toBe(75);
    st.books.checkConservation(st.nAccounts, 'recap');
  });
});

describe('paths are independent of the paths run before them on the same buffers', () => {
  it('with variation margin moving entry prices, a path gives the same summary on fresh buffers as after another path', async () => {
    const { small } = await import('../helpers/scenarios.js');
    const { createRunContext } = await import('../../src/engine/context.js');
    const { PathBuffers, simulatePath } = await import('../../src/engine/path.js');
    const sc = small({ paths: 3, horizonSteps: 180, policy: { variationMargin: { everySeconds: 1800 }, funding: { intervalSeconds: 3600 } }, traders: { withdrawProfitShare: 0.5 } });
    const ctx = createRunContext(sc);
    const shared = new PathBuffers(ctx);
    const after = [0, 1, 2].map((k) => simulatePath(ctx, k, shared, false).summary);
    const fresh = [0, 1, 2].map((k) => simulatePath(ctx, k, new PathBuffers(ctx), false).summary);
    expect(after).toEqual(fresh);
  });
});
