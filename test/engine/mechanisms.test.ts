/**
 * Issue-3 mechanisms, each on a book built so the right answer is known. Every path of every run
 * ends with the ledger's exact conservation check.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runPaths } from '../../src/mc/runner.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { parseScenario } from '../../src/scenario/load.js';
import { identicalTraders, merge, small } from '../helpers/scenarios.js';
import { MECHANISM_CASES, mechanismCase } from '../helpers/mechanism-matrix.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * A nearly deterministic falling market (GBM with negligible volatility and a steep negative drift)
 * and `count` identical 10x longs: every trader breaches at the same step.
 */
function fallingBook(over: unknown = {}) {
  return identicalTraders(
    merge(
      {
        name: 'falling',
        seed: 1,
        paths: 1,
        stepSeconds: 3600,
        horizonSteps: 120,
        market: { priceModel: { kind: 'gbm', driftAnnual: -40, volatilityAnnual: 1e-6 } },
        traders: { count: 10 },
        policy: { insuranceFund: { initialUsd: 1e6 } },
        output: { seriesSamplePaths: 1, seriesPoints: 121 },
      },
      over,
    ),
  );
}

function onePath(sc: ReturnType<typeof fallingBook>) {
  const ctx = createRunContext(sc);
  return simulatePath(ctx, 0, new PathBuffers(ctx), true);
}

describe('per-step liquidation caps', () => {
  it('a market-wide cap delays exactly the excess to later steps', () => {
    // 10 × $10,000 notional breach together; a $25,000 cap closes 2.5 accounts' worth per step
    const free = onePath(fallingBook());
    const capped = onePath(fallingBook({ policy: { liquidation: { caps: { marketNotionalUsdPerStep: 25_000 } } } }));
    const perStep = (r: typeof free) => Array.from(r.series!.liquidatedLongUsd).filter((x) => x > 0);
    const f = perStep(free);
    expect(f).toHaveLength(1); // everyone at once without a cap
    const c = perStep(capped);
    const total = f[0];
    expect(c.length).toBe(Math.ceil(total / 25_000)); // consecutive steps, each at the cap, until the queue is done
    for (const x of c.slice(0, -1)) expect(x).toBeCloseTo(25_000, 0);
    expect(c[c.length - 1]).toBeLessThan(25_000);
    expect(sum(c)).toBeGreaterThan(0.97 * total); // prices fall a little while the queue waits
    expect(capped.summary.liquidationsDeferred).toBeGreaterThan(0);
  });
  it('a per-account cap closes a large account in slices', () => {
    const r = onePath(fallingBook({ traders: { count: 1 }, policy: { liquidation: { caps: { perAccountNotionalUsdPerStep: 3_000 } } } }));
    const c = Array.from(r.series!.liquidatedLongUsd).filter((x) => x > 0);
    expect(c.length).toBe(4); // ≈ $9,300 of notional at the liquidation price, $3,000 a step
    for (const x of c.slice(0, -1)) expect(x).toBeCloseTo(3_000, 0);
  });
});

describe('margin call with a grace period', () => {
  const book = (grace: number) =>
    fallingBook({
      horizonSteps: 40,
      market: { priceModel: { driftAnnual: -40 } },
      traders: {
        count: 1,
        topUp: { share: 1, triggerMarginRatio: 1.01, targetMarginRatio: 5, reserveMultipleOfCollateral: 5, reactionDelaySteps: 3, actProbabilityPerStep: 1 },
      },
      policy: { liquidation: { marginCall: { graceSteps: grace } } },
    });
  it('lets a trader who tops up to the initial margin survive', () => {
    const without = onePath(book(0)).summary;
    const withGrace = onePath(book(10)).summary;
    expect(without.liquidationCount).toBe(1); // the trigger fires too late: liquidated before the top-up lands
    expect(withGrace.marginCalls).toBe(1);
    expect(withGrace.topUpCount).toBeGreaterThanOrEqual(1);
    expect(withGrace.liquidationCount).toBe(0);
    expect(withGrace.marginCallsSurvived).toBe(1);
  });
  it('still liquidates a trader who cannot top up once the grace period ends', () => {
    const sc = fallingBook({ horizonSteps: 40, market: { priceModel: { driftAnnual: -40 } }, traders: { count: 1 }, policy: { liquidation: { marginCall: { graceSteps: 5 } } } });
    const r = onePath(sc).summary;
    expect(r.marginCalls).toBe(1);
    expect(r.liquidationCount).toBe(1);
    expect(r.marginCallsSurvived).toBe(0);
  });
});

describe('fixed-fraction liquidation with cooldown', () => {
  it('closes 20% per liquidation and waits out the cooldown between them', () => {
    const sc = fallingBook({
      traders: { count: 1, collateralUsd: { medianUsd: 100_000 } },
      market: { priceModel: { driftAnnual: -10 } },
      policy: { liquidation: { kind: 'fraction', closeFraction: 0.2, cooldownSteps: 4, aboveNotionalUsd: 100_000 } },
    });
    const r = onePath(sc);
    const steps = Array.from(r.series!.liquidatedLongUsd)
      .map((x, i) => (x > 0 ? i : -1))
      .filter((i) => i >= 0);
    expect(steps.length).toBeGreaterThan(1);
    for (let k = 1; k < steps.length; k++) expect(steps[k] - steps[k - 1]).toBeGreaterThanOrEqual(4);
    const first = r.series!.liquidatedLongUsd[steps[0]];
    expect(first).toBeCloseTo(0.2 * 1_000_000 * (r.series!.markUsd[steps[0]] / 100), -3);
  });
});

describe('liquidators with finite capital', () => {
  it('decline when the bonus does not cover their slippage: liquidations wait', () => {
    const impact = { market: { impact: { kind: 'linear', depthUsdPerPercent: 1e5 } } };
    const declined = onePath(fallingBook({ ...impact, policy: { liquidation: { liquidators: { enabled: true, bonusFraction: 0.0001 } } } })).summary;
    expect(declined.liquidationCount).toBe(0);
    expect(declined.liquidatorDeclined).toBeGreaterThan(0);
    const taken = onePath(fallingBook({ ...impact, policy: { liquidation: { liquidators: { enabled: true, bonusFraction: 0.1 } } } })).summary;
    expect(taken.liquidationCount).toBe(10);
    expect(taken.liquidatorPnlUsd).toBeGreaterThan(0); // a 10% bonus beats the slippage
  });
  it('take at most their capital per step', () => {
    const r = onePath(fallingBook({ policy: { liquidation: { liquidators: { enabled: true, bonusFraction: 0.05, capitalUsdPerStep: 20_000 } } } }));
    for (const x of r.series!.liquidatedLongUsd) expect(x).toBeLessThanOrEqual(20_000 + 1e-6);
    expect(r.summary.liquidationCount).toBe(10);
  });
});

describe('backstop vault', () => {
  it('takes over accounts below its threshold at the bankruptcy price; the trader gets nothing back', () => {
    const sc = fallingBook({
      market: { impact: { kind: 'linear', depthUsdPerPercent: 5e4 } },
      policy: { liquidation: { backstop: { enabled: true, equityFractionOfMm: 1, capitalUsd: 50_000 } } },
    });
    const r = onePath(sc).summary;
    expect(r.backstopTakeovers).toBe(10);
    expect(Number.isFinite(r.backstopPnlUsd)).toBe(true);
    expect(r.badDebtUsd).toBe(0);
  });
  it('never loses more than its capital; the rest goes down the waterfall', () => {
    const sc = fallingBook({
      market: { impact: { kind: 'linear', depthUsdPerPercent: 5e3 } },
      policy: { insuranceFund: { initialUsd: 0 }, liquidation: { backstop: { enabled: true, equityFractionOfMm: 1, capitalUsd: 2_000 } } },
    });
    const r = onePath(sc).summary;
    expect(r.backstopTakeovers).toBeGreaterThan(0);
    expect(r.backstopPnlUsd).toBeGreaterThanOrEqual(-2_000 - 1e-9);
    expect(r.badDebtUsd).toBeGreaterThan(0);
  });
});

describe('auto-deleveraging', () => {
  /** Longs that gap through their bankruptcy price against profitable shorts, and no insurance fund. */
  const book = (waterfall: unknown) =>
    parseScenario(
      merge(
        small({}),
        {
          paths: 30,
          // price gaps (jumps of ±8%) with no impact: shortfalls without cascade feedback
          market: { impact: { kind: 'none' }, priceModel: { kind: 'merton', volatilityAnnual: 0.8, jumpsPerYear: 5000, jumpMeanLog: 0, jumpStdLog: 0.08 } },
          traders: { longShare: 0.5 },
          policy: { insuranceFund: { initialUsd: 0 }, waterfall },
        },
      ),
      'test',
    );
  it('covers deficits that would otherwise be bad debt, on the same shocks', async () => {
    const none = await runPaths(book({ afterInsuranceFund: 'none' }), { workers: 0 });
    const adl = await runPaths(book({ afterInsuranceFund: 'adl' }), { workers: 0 });
    const bdNone = sum(none.summaries.map((s) => s.badDebtUsd));
    const bdAdl = sum(adl.summaries.map((s) => s.badDebtUsd));
    expect(bdNone).toBeGreaterThan(0);
    expect(sum(adl.summaries.map((s) => s.adlAccounts))).toBeGreaterThan(0);
    expect(bdAdl).toBeLessThan(bdNone);
    for (const s of adl.summaries) expect(s.adlProfitTakenUsd).toBeGreaterThanOrEqual(0);
  });
  it('also covers deficits with a smoothed (EMA) mark, where the mark sits away from the fill', async () => {
    const none = await runPaths(book({ afterInsuranceFund: 'none' }), { workers: 0 });
    const ema = parseScenario(merge(book({ afterInsuranceFund: 'adl' }), { policy: { markPrice: { kind: 'ema', halfLifeSteps: 5 } } }), 'test');
    const adl = await runPaths(ema, { workers: 0 });
    expect(sum(adl.summaries.map((s) => s.adlProfitTakenUsd))).toBeGreaterThan(0);
    expect(sum(adl.summaries.map((s) => s.badDebtUsd))).toBeLessThan(sum(none.summaries.map((s) => s.badDebtUsd)));
  });
  it('socialised loss spreads deficits and leaves no bad debt while accounts have equity', async () => {
    const soc = await runPaths(book({ afterInsuranceFund: 'socialised', socialisedBasis: 'open-interest' }), { workers: 0 });
    const none = await runPaths(book({ afterInsuranceFund: 'none' }), { workers: 0 });
    expect(sum(soc.summaries.map((s) => s.socialisedLossUsd))).toBeGreaterThan(0);
    expect(sum(soc.summaries.map((s) => s.badDebtUsd))).toBeLessThan(sum(none.summaries.map((s) => s.badDebtUsd)));
  });
});

describe('volatility-adaptive MMR', () => {
  it('raises maintenance requirements after a volatility spike, on the same shocks', async () => {
    const base = { market: { priceModel: { kind: 'garch', longRunVolatilityAnnual: 1, alpha: 0.25, beta: 0.7, degreesOfFreedom: 3 } } };
    const adaptive = await runPaths(
      small({ ...base, policy: { maintenance: { kind: 'volatility-adaptive', floorMmr: 0.01, holdingHorizonSteps: 30, confidence: 0.99 } } }),
      { workers: 0 },
    );
    const start = adaptive.summaries.map((s) => s.maxMmr);
    expect(Math.max(...start)).toBeGreaterThan(0.01);
    expect(adaptive.summaries.some((s) => s.maxMmr > 1.5 * Math.min(...start))).toBe(true);
  });
});

describe('traders: take-profit, arrivals, spike deleveraging', () => {
  it('take-profit orders close winners', async () => {
    const out = await runPaths(small({ traders: { takeProfit: { share: 1, gainFractionOfCollateralMin: 0.1, gainFractionOfCollateralMax: 0.2 } } }), { workers: 0 });
    expect(sum(out.summaries.map((s) => s.takeProfitCount))).toBeGreaterThan(0);
  });
  it('Poisson arrivals average perStep × horizon (3 SE)', async () => {
    const sc = small({ paths: 20, market: { impact: { kind: 'none' } }, traders: { arrivals: { perStep: 0.5 } } });
    const out = await runPaths(sc, { workers: 0 });
    const xs = out.summaries.map((s) => s.arrivals);
    const mean = sum(xs) / xs.length;
    const expected = 0.5 * sc.horizonSteps;
    expect(Math.abs(mean - expected)).toBeLessThan(3 * Math.sqrt(expected / xs.length));
  });
  it('momentum traders arrive after large moves, in their direction', async () => {
    const out = await runPaths(small({ traders: { arrivals: { momentumPerStep: 0.5, momentumLookbackSteps: 10 } } }), { workers: 0 });
    expect(sum(out.summaries.map((s) => s.momentumArrivals))).toBeGreaterThan(0);
  });
  it('volatility-spike deleveraging cuts positions', async () => {
    const out = await runPaths(
      small({
        market: { volatilityHalfLifeSteps: 5, priceModel: { kind: 'garch', longRunVolatilityAnnual: 1, alpha: 0.3, beta: 0.65, degreesOfFreedom: 3 } },
        traders: { volatilityDeleverage: { share: 1, volatilityMultiple: 1.5, reduceFraction: 0.5 } },
      }),
      { workers: 0 },
    );
    expect(sum(out.summaries.map((s) => s.deleverageCount))).toBeGreaterThan(0);
  });
});

describe('liquidity that withdraws in stress', () => {
  it('deepens the realised fall on the same shocks', async () => {
    const base = { market: { priceModel: { kind: 'garch', longRunVolatilityAnnual: 1.2, alpha: 0.2, beta: 0.75, degreesOfFreedom: 3 }, volatilityHalfLifeSteps: 10 } };
    const fixed = await runPaths(small(base), { workers: 0 });
    const thin = await runPaths(small(merge(base, { market: { impact: { stressElasticity: 2 } } })), { workers: 0 });
    const extra = (o: typeof fixed) => sum(o.summaries.map((s) => s.maxDrawdownRealised - s.maxDrawdownExogenous));
    expect(extra(thin)).toBeGreaterThan(extra(fixed));
  });
});

describe('conservation across every mechanism (property)', () => {
  it('holds exactly on every path of randomised scenarios with multi-market cross margin, ADL, socialised loss, backstop, liquidators, fillable-price bounds, funding, trading fees, variation margin, withdrawals, injections, rebalancing, fund recapitalisation, volatile multi-asset collateral and lending positions', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          markets: fc.integer({ min: 1, max: 3 }),
          rho: fc.double({ min: -0.4, max: 0.9, noNaN: true }),
          waterfall: fc.constantFrom('none', 'adl', 'socialised'),
          ranking: fc.constantFrom('profit-leverage', 'random', 'pro-rata'),
          basis: fc.constantFrom('open-interest', 'winners'),
          liq: fc.constantFrom('full', 'partial', 'fraction'),
          mm: fc.constantFrom('fixed', 'tiered', 'size-scaled', 'fraction-of-imr', 'volatility-adaptive'),
          mark: fc.constantFrom('last', 'ema', 'median'),
          backstop: fc.boolean(),
          liquidators: fc.boolean(),
          grace: fc.integer({ min: 0, max: 4 }),
          cap: fc.option(fc.double({ min: 5e3, max: 1e6, noNaN: true }), { nil: undefined }),
          fund: fc.double({ min: 0, max: 5e4, noNaN: true }),
          cross: fc.double({ min: 0, max: 1, noNaN: true }),
          arrivals: fc.double({ min: 0, max: 1, noNaN: true }),
          fundShare: fc.double({ min: 0.1, max: 1, noNaN: true }),
          // the money that moves with time (issue 13): funding, trading fees, variation margin and withdrawals, ADL triggers
          funding: fc.option(
            fc.record({
              intervalSeconds: fc.constantFrom(60, 300, 1800),
              interestRatePerInterval: fc.double({ min: -0.002, max: 0.002, noNaN: true }),
              // issue 21: a rate quoted per longer interval, time-weighted premiums, oracle notionals
              rateIntervalSeconds: fc.constantFrom(60, 1800, 28_800),
              premiumAveraging: fc.constantFrom('mean', 'time-weighted'),
              notionalPrice: fc.constantFrom('mark', 'index'),
            }),
            { nil: undefined },
          ),
          takerRate: fc.constantFrom(0, 0.0005, 0.002),
          recipient: fc.constantFrom('venue', 'insurance-fund'),
          vm: fc.option(fc.constantFrom(120, 600), { nil: undefined }),
          withdraw: fc.double({ min: 0, max: 1, noNaN: true }),
          ranking2: fc.constantFrom('pro-rata-pnl', undefined),
          floor: fc.constantFrom(0, 1_000),
          forfeit: fc.boolean(),
          injection: fc.double({ min: 0, max: 1, noNaN: true }),
          rebalancing: fc.double({ min: 0, max: 1, noNaN: true }),
          recap: fc.boolean(),
          // dYdX's fillable-price bound on liquidation orders (issue 21 item 5)
          fillable: fc.boolean(),
          // volatile collateral (issue 13 part 2): a share of accounts post the traded asset, or several assets, with tiered haircuts
          // lending positions (issue 13 part 4) on market 0 or the last market
          lending: fc.option(fc.record({ borrowers: fc.integer({ min: 1, max: 80 }), rate: fc.double({ min: 0, max: 2, noNaN: true }), bonus: fc.double({ min: 0, max: 0.15, noNaN: true }), fee: fc.double({ min: 0, max: 1, noNaN: true }), cf: fc.double({ min: 0.2, max: 1, noNaN: true }), last: fc.boolean() }), { nil: undefined }),
          collateral: fc.option(fc.record({ share: fc.double({ min: 0.1, max: 1, noNaN: true }), marginShare: fc.double({ min: 0.2, max: 1, noNaN: true }), haircut: fc.double({ min: 0.5, max: 1, noNaN: true }), tierFloor: fc.constantFrom(0.5, 5, 50) }), { nil: undefined }),
        }),
        (p) => {
          const maintenance = {
            fixed: { kind: 'fixed', mmr: 0.02 },
            tiered: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 20_000, mmr: 0.03 }] },
            'size-scaled': { kind: 'size-scaled', mode: 'sqrt', baseMmr: 0.01, sqrtCoefficient: 0.001 },
            'fraction-of-imr': { kind: 'fraction-of-imr', fraction: 0.5 },
            'volatility-adaptive': { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.04 },
          }[p.mm];
          const other = Array.from({ length: p.markets - 1 }, (_, k) => ({ name: `M${k + 1}`, initialPriceUsd: 50 * (k + 1), priceModel: { kind: 'gbm', volatilityAnnual: 1.5 }, impact: { depthUsdPerPercent: 1e5 } }));
          const K = p.markets;
          const correlation = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 1 : p.rho)));
          const tiers = (h: number, floor: number) => [
            { unitsFloor: 0, haircut: h },
            { unitsFloor: floor, haircut: h * 0.8 },
          ];
          const collateral = p.collateral && {
            accountShare: p.collateral.share,
            assets:
              K > 1
                ? [
                    { market: 'M1', marginShare: p.collateral.marginShare * 0.6, haircutTiers: tiers(p.collateral.haircut, p.collateral.tierFloor) },
                    { market: 'PERP', marginShare: p.collateral.marginShare * 0.4, haircutTiers: tiers(p.collateral.haircut, p.collateral.tierFloor) },
                  ]
                : [{ market: 'PERP', marginShare: p.collateral.marginShare, haircutTiers: tiers(p.collateral.haircut, p.collateral.tierFloor) }],
          };
          const sc = small({
            seed: p.seed,
            paths: 2,
            horizonSteps: 90,
            otherMarkets: other,
            correlation: K > 1 && p.rho > -0.4 / (K - 1) ? correlation : undefined,
            ...(p.lending
              ? { lending: { market: p.lending.last && K > 1 ? `M${K - 1}` : 'PERP', borrowers: p.lending.borrowers, collateralUsd: { kind: 'lognormal', medianUsd: 3_000, sigmaLog: 1.5 }, ltvShareOfMax: { min: 0.9, max: 1 } } }
              : {}),
            traders: { count: 120, crossMarginShare: p.cross, arrivals: { perStep: p.arrivals, momentumPerStep: p.arrivals }, takeProfit: { share: 0.2 }, volatilityDeleverage: { share: 0.2 }, withdrawProfitShare: p.withdraw, injection: { share: p.injection, meanDelaySteps: 2 }, rebalancing: { share: p.rebalancing }, ...(collateral ? { collateral } : {}) },
            policy: {
              maintenance,
              markPrice: { kind: p.mark },
              liquidation: {
                kind: p.liq,
                aboveNotionalUsd: 5_000,
                caps: p.cap === undefined ? {} : { marketNotionalUsdPerStep: p.cap, perAccountNotionalUsdPerStep: p.cap / 3 },
                backstop: { enabled: p.backstop, capitalUsd: 2_000 },
                liquidators: { enabled: p.liquidators, bonusFraction: 0.02, capitalUsdPerStep: 50_000 },
                marginCall: { graceSteps: p.grace },
                forfeitRemainingMargin: p.forfeit,
                ...(p.fillable ? { fillablePrice: { spreadToMaintenanceRatio: 1.5 } } : {}),
              },
              insuranceFund: { initialUsd: Math.round(p.fund), maxShareOfFundPerEvent: p.fundShare, maxPayoutUsdPerStep: 5_000, ...(p.recap ? { recapitalisation: { feeShare: 0.3, belowUsd: 2_000, injectUsd: 500, budgetUsd: 3_000 } } : {}) },
              waterfall: { afterInsuranceFund: p.waterfall, adlRanking: p.ranking2 ?? p.ranking, socialisedBasis: p.basis, adlTrigger: { fundFloorUsd: p.floor } },
              ...(p.funding ? { funding: p.funding } : {}),
              tradingFees: { takerRate: p.takerRate, recipient: p.recipient },
              ...(p.vm ? { variationMargin: { everySeconds: p.vm } } : {}),
              ...(p.lending ? { lending: { liquidationThreshold: 0.8, maxLtv: 0.78, liquidationBonus: p.lending.bonus, protocolFeeOfBonus: p.lending.fee, closeFactor: p.lending.cf, borrowRateAnnual: p.lending.rate } } : {}),
            },
          });
          const ctx = createRunContext(sc);
          const buf = new PathBuffers(ctx);
          for (let k = 0; k < sc.paths; k++) simulatePath(ctx, k, buf, false); // throws on any violation
        },
      ),
      { seed: 424242, numRuns: 80 },
    );
  });
});

describe('the loss waterfall adds up', () => {
  it('on every path of the mechanism matrix, shortfall = backstop + insurance fund + ADL + socialised loss + bad debt, to the cent', () => {
    let withShortfall = 0;
    const layers = { backstop: 0, fund: 0, adl: 0, socialised: 0, badDebt: 0 };
    for (let k = 0; k < MECHANISM_CASES; k++) {
      const s = mechanismCase(k);
      const ctx = createRunContext(s);
      const buf = new PathBuffers(ctx);
      for (let p = 0; p < s.paths; p++) {
        const r = simulatePath(ctx, p, buf, false).summary;
        const covered = r.backstopCoveredUsd + r.fundPaidUsd + r.adlProfitTakenUsd + r.socialisedLossUsd + r.badDebtUsd;
        expect(Math.abs(r.shortfallUsd - covered), `case ${k} path ${p}`).toBeLessThan(0.005 + 1e-12 * r.shortfallUsd);
        if (r.shortfallUsd > 0) withShortfall++;
        if (r.backstopCoveredUsd > 0) layers.backstop++;
        if (r.fundPaidUsd > 0) layers.fund++;
        if (r.adlProfitTakenUsd > 0) layers.adl++;
        if (r.socialisedLossUsd > 0) layers.socialised++;
        if (r.badDebtUsd > 0) layers.badDebt++;
      }
    }
    expect(withShortfall).toBeGreaterThan(20);
    for (const [layer, n] of Object.entries(layers)) expect(n, `paths where the ${layer} paid`).toBeGreaterThan(0);
  });
});

describe('cross margin across markets', () => {
  const sc = () =>
    small({
      paths: 6,
      otherMarkets: [
        { name: 'ETH', initialPriceUsd: 50, priceModel: { kind: 'gbm', volatilityAnnual: 1.5 }, impact: { depthUsdPerPercent: 1e5 } },
        { name: 'SOL', initialPriceUsd: 20, priceModel: { kind: 'gbm', volatilityAnnual: 2 }, impact: { depthUsdPerPercent: 5e4 } },
      ],
      correlation: [
        [1, 0.8, 0.6],
        [0.8, 1, 0.7],
        [0.6, 0.7, 1],
      ],
      traders: { crossMarginShare: 0.5, crossMarketsPerAccount: 3 },
    });
  it('skipping accounts their price box proves safe changes nothing (vs checking at every price change)', async () => {
    const { setExhaustiveMultiChecks } = await import('../../src/engine/path.js');
    const lazy = await runPaths(sc(), { workers: 0 });
    setExhaustiveMultiChecks(true);
    try {
      const full = await runPaths(sc(), { workers: 0 });
      expect(lazy.summaries).toEqual(full.summaries);
    } finally {
      setExhaustiveMultiChecks(false);
    }
    expect(sum(lazy.summaries.map((s) => s.liquidationCount))).toBeGreaterThan(0);
  });
  it('…and across the whole mechanism matrix, where the order of liquidations within a round matters (caps, funds, ADL, liquidators)', async () => {
    const { setExhaustiveMultiChecks } = await import('../../src/engine/path.js');
    const run = () =>
      Array.from({ length: MECHANISM_CASES }, (_, k) => {
        const s = mechanismCase(k);
        const ctx = createRunContext(s);
        const buf = new PathBuffers(ctx);
        return Array.from({ length: s.paths }, (_, p) => simulatePath(ctx, p, buf, false).summary);
      });
    const lazy = run();
    setExhaustiveMultiChecks(true);
    try {
      expect(run()).toEqual(lazy);
    } finally {
      setExhaustiveMultiChecks(false);
    }
  });
  it('a cross account holds one position per market and is liquidated as a whole', () => {
    const ctx = createRunContext(sc());
    const pop = ctx.population;
    let multi = 0;
    for (let a = 0; a < pop.accounts; a++) {
      if (pop.acctCross[a]) {
        expect(pop.acctNPos[a]).toBe(3);
        const mk = new Set(Array.from({ length: 3 }, (_, k) => pop.posMarket[pop.acctFirstPos[a] + k]));
        expect(mk.size).toBe(3);
        multi++;
      } else expect(pop.acctNPos[a]).toBe(1);
    }
    expect(multi).toBeGreaterThan(100);
  });
});
