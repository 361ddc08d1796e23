/**
 * `recommend` (src/sweep/recommend.ts) against known answers.
 *
 * Independent markets under GBM: in each market every trader opens a long at S0 with the same leverage L
 * (their wish, 100x, capped by the market's maxLeverage — the lever), isolated, fixed MMR m, no impact, no
 * fees and no behaviours. The market liquidates on a path iff its price, seen once per step, falls to
 * S0(1 − 1/L)/(1 − m): the GBM first-passage probability with the Broadie–Glasserman–Kou shift. So each
 * market's highest maxLeverage with P(a liquidation) ≤ p* is that closed form inverted at p*, per market,
 * whatever the other market does — and the search, which moves both dials at once, must find each.
 *
 * The fund from the sum: three markets gapped through bankruptcy by a scripted one-step fall leave exactly
 * N × $1,000 of shortfall, so the smallest shared fund that is never exhausted is that sum.
 *
 * A shared fund couples markets: each market's bad debt is covered by the one fund, so the smallest fund
 * that keeps the venue's P(fund exhausted) low depends on every market's shortfalls together.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { bindingOf, leverValue, runRecommendation } from '../../src/sweep/recommend.js';
import { checkStudyBlocks } from '../../src/cli/load.js';
import { userErrorOf } from '../helpers/user-error.js';
import { IDENTICAL_TRADERS } from '../helpers/scenarios.js';
import { firstPassageLong } from '../helpers/exact-laws.js';

const S0 = 100;
const MMR = 0.005;
const STEP_SECONDS = 600;
const STEPS = 144;
const TARGET = 0.05;
const SIGMAS = [0.5, 1.2];

/** P(min over the monitoring dates ≤ liquidation price) for leverage L, zero-drift GBM, BGK-shifted (`firstPassageLong`). */
const liquidationProbability = (L: number, sigma: number): number => firstPassageLong({ sigma, stepSeconds: STEP_SECONDS, steps: STEPS, leverage: L, mmr: MMR });

/** The leverage at which the closed form equals p (it increases with L). */
function invert(p: number, sigma: number): number {
  let lo = 1.01;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (liquidationProbability(mid, sigma) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const market = (name: string, sigma: number) => ({ name, initialPriceUsd: S0, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: sigma }, impact: { kind: 'none' } });

function independentMarkets(extra: Record<string, unknown> = {}) {
  return parseScenario(
    {
      name: 'recommend-closed-form',
      seed: 77,
      paths: 600,
      stepSeconds: STEP_SECONDS,
      horizonSteps: STEPS,
      market: market('CALM', SIGMAS[0]),
      otherMarkets: [market('WILD', SIGMAS[1])],
      traders: { ...IDENTICAL_TRADERS, count: 40, leverage: { kind: 'tiers', tiers: [{ leverage: 100, weight: 1 }] } },
      policy: { maxLeverage: 100, maintenance: { kind: 'fixed', mmr: MMR }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 } },
      output: { seriesSamplePaths: 1, seriesPoints: 2 },
      recommend: {
        markets: { target: `probLiquidation <= ${TARGET * 100}%`, levers: [{ param: 'policy.maxLeverage', range: [2, 50] }], tolerance: 1 / 32 },
        confidence: 0.9,
        initialPaths: 500,
        maxPathsPerPoint: 4000,
        ...extra,
      },
    },
    'test',
  );
}

describe('recommend: independent markets under GBM against the closed form', () => {
  const lStar = SIGMAS.map((s) => invert(TARGET, s));

  it('the closed form gives each market a different threshold inside the lever range', () => {
    expect(lStar[0]).toBeGreaterThan(5);
    expect(lStar[0]).toBeLessThan(50);
    expect(lStar[1]).toBeGreaterThan(2);
    expect(lStar[1]).toBeLessThan(lStar[0] - 3);
  });

  it("each market's recommended maxLeverage is on the safe side of its own inverted closed form and close to it, and the reported interval holds the exact probability", async () => {
    const r = await runRecommendation(independentMarkets(), { workers: 0 });
    expect(r.status, r.message).toBe('found');
    const rec = r.recommended!;
    for (const [m, mk] of rec.markets.entries()) {
      const L = mk.levers[0].recommended;
      const after = mk.after[0].metric;
      const truth = liquidationProbability(L, SIGMAS[m]);
      const msg = `${mk.name}: recommended ${L} (closed form ${lStar[m].toFixed(2)}), metric ${after.estimate} [${after.lower}, ${after.upper}] at level ${after.level}, exact ${truth.toFixed(4)}`;
      expect(mk.status, msg).toBe('found');
      expect(L, msg).toBeLessThanOrEqual(lStar[m]);
      // within a few bisection steps of the truth (the dial's resolution is 48/32 = 1.5x)
      expect(lStar[m] - L, msg).toBeLessThan(0.25 * lStar[m]);
      expect(truth, msg).toBeGreaterThanOrEqual(after.lower!);
      expect(truth, msg).toBeLessThanOrEqual(after.upper!);
      expect(after.upper!, msg).toBeLessThanOrEqual(TARGET);
      // the leverage allowed before liquidation follows the lever: the book's positions run at L
      expect(mk.leverageAfter.maxLeverage).toBe(L);
    }
    // the calmer market is allowed more leverage
    expect(rec.markets[0].levers[0].recommended).toBeGreaterThan(rec.markets[1].levers[0].recommended);
    // every evaluated point is on the record, with its paths and interval level
    expect(r.evaluated.length).toBeGreaterThanOrEqual(4);
    for (const p of r.evaluated) for (const s of p.scenarios) expect(s.paths).toBeGreaterThanOrEqual(500);
    console.log(`closed-form recommend: ${r.evaluated.length} points, ${r.pathsSpent} paths; ${rec.markets.map((m, i) => `${m.name} ${m.levers[0].recommended} vs ${lStar[i].toFixed(2)}`).join(', ')}`);
  }, 120_000);

  it('says when no set in the ranges meets the target, naming the market, and gives the same points with worker threads', async () => {
    const sc = independentMarkets({ markets: { target: 'probLiquidation <= 5%', levers: [{ param: 'policy.maxLeverage', range: [12, 50] }] } });
    const r = await runRecommendation(sc, { workers: 0 });
    expect(r.status).toBe('infeasible');
    expect(r.recommended).toBeNull();
    expect(r.message).toMatch(/WILD/);
    expect(r.message).not.toMatch(/CALM/);
    // same seed, same points and estimates with worker threads (common random numbers, path-indexed streams)
    const again = await runRecommendation(sc, { workers: 2 });
    expect(again.evaluated.map((p) => p.scenarios.map((x) => x.markets.map((m) => [m.metric.estimate, m.metric.n])))).toEqual(r.evaluated.map((p) => p.scenarios.map((x) => x.markets.map((m) => [m.metric.estimate, m.metric.n]))));
  }, 60_000);
});

describe('recommend: a shared fund couples the markets', () => {
  /** Both markets' longs are liquidated past bankruptcy in a gap (high MMR-free leverage, big steps): the shortfalls hit one fund. */
  function sharedFund(fundRange: [number, number]) {
    return parseScenario(
      {
        name: 'recommend-shared-fund',
        seed: 5,
        paths: 300,
        stepSeconds: 3600,
        horizonSteps: 24,
        market: market('A', 1.5),
        otherMarkets: [market('B', 1.5)],
        traders: { ...IDENTICAL_TRADERS, count: 60, leverage: { kind: 'tiers', tiers: [{ leverage: 100, weight: 1 }] } },
        policy: { maxLeverage: 100, maintenance: { kind: 'fixed', mmr: 0.005 }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 }, waterfall: { afterInsuranceFund: 'socialised' } },
        output: { seriesSamplePaths: 1, seriesPoints: 2 },
        recommend: {
          markets: { target: 'probBadDebt <= 50%', levers: [{ param: 'policy.maxLeverage', range: [10, 50] }], tolerance: 1 / 4 },
          venue: { target: 'probFundExhausted <= 20%', fund: { range: fundRange, tolerance: fundRange[1] / 8 } },
          confidence: 0.8,
          initialPaths: 300,
          maxPathsPerPoint: 600,
        },
      },
      'test',
    );
  }

  it('the fund is sized for both markets together: larger than for one market alone, and it meets the venue target where the next smaller fund tried does not', async () => {
    const both = await runRecommendation(sharedFund([0, 200_000]), { workers: 0 });
    expect(both.status, both.message).toBe('found');
    const F = both.recommended!.fund!.recommended;
    expect(F).toBeGreaterThan(0);
    expect(F).toBeLessThan(200_000);
    for (const v of both.recommended!.venue!) expect(v.decision).toBe('meets');
    // the outer loop on the fund: several values, and every confirmation below F failed a target
    const confirmations = both.evaluated.filter((p) => p.phases.includes('confirmation'));
    const funds = [...new Set(confirmations.map((p) => p.fund!))].sort((a, b) => a - b);
    expect(funds.length).toBeGreaterThanOrEqual(3);
    const below = confirmations.filter((p) => p.fund! < F);
    expect(below.length).toBeGreaterThan(0);
    for (const p of below) expect(p.scenarios.some((s) => s.venue!.decision !== 'meets' || s.markets.some((m) => m.decision !== 'meets'))).toBe(true);
    // market B's traders moved to nowhere (weight 0): the same fund now only pays A's shortfalls, and less fund is needed
    const alone = sharedFund([0, 200_000]);
    const oneMarket = parseScenario({ ...alone, traders: { ...alone.traders, count: 30, marketWeights: [1, 0] } }, 'test');
    const a = await runRecommendation(oneMarket, { workers: 0 });
    expect(a.status, a.message).toBe('found');
    expect(a.recommended!.fund!.recommended).toBeLessThan(F);
  }, 120_000);
});

describe('recommend: the fund from the sum of the markets\' shortfalls', () => {
  /**
   * Every trader (isolated long, 10x, $1,000, entered at S0) in each of three markets is gapped through
   * bankruptcy by a one-step 20% fall (a scripted drawdown with negligible noise, no impact, no fee): each
   * leaves a shortfall of $1,000 × (10 × 0.2 − 1) = $1,000, so the shared fund is exhausted on a path iff it
   * holds less than the sum, N × $1,000, whatever the markets' split — the smallest fund meeting the venue
   * target is that sum, and the search must bracket it within its tolerance.
   */
  it('recommends the smallest fund at or above the exact sum, within the fund tolerance', async () => {
    const N = 30;
    const mk = (name: string) => ({ name, initialPriceUsd: 100, priceModel: { kind: 'scripted-drawdown', volatilityAnnual: 1e-6, startStep: 1, drawdownFraction: 0.2, durationSteps: 1 }, impact: { kind: 'none' } });
    const sc = parseScenario(
      {
        name: 'recommend-fund-sum',
        seed: 9,
        paths: 20,
        stepSeconds: 60,
        horizonSteps: 4,
        market: mk('A'),
        otherMarkets: [mk('B'), mk('C')],
        traders: { ...IDENTICAL_TRADERS, count: N },
        policy: { maxLeverage: 10, maintenance: { kind: 'fixed', mmr: 0.01 }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 } },
        output: { seriesSamplePaths: 1, seriesPoints: 2 },
        recommend: {
          markets: { target: 'probShortfall <= 100%', levers: [{ param: 'policy.maintenance.mmr', range: [0.01, 0.02] }], tolerance: 0.5 },
          venue: { target: 'probFundExhausted <= 50%', fund: { range: [0, 64_000], tolerance: 1000 } },
          confidence: 0.9,
          initialPaths: 20,
          maxPathsPerPoint: 20,
        },
      },
      'test',
    );
    const r = await runRecommendation(sc, { workers: 0 });
    expect(r.status, r.message).toBe('found');
    const sum = N * 1000;
    const F = r.recommended!.fund!.recommended;
    const funds = r.evaluated.map((p) => `${p.fund}:${p.scenarios[0].venue!.metric.estimate}`).join(' ');
    expect(F, funds).toBeGreaterThanOrEqual(sum);
    expect(F - sum, funds).toBeLessThanOrEqual(1000);
    // below the sum every path exhausts the fund; at or above it none does
    for (const p of r.evaluated) if (p.fund !== null) expect(p.scenarios[0].venue!.metric.estimate, funds).toBe(p.fund < sum ? 1 : 0);
  }, 60_000);
});

describe('recommend: the block is checked by every command', () => {
  const base = independentMarkets();
  const withBlock = (b: Record<string, unknown>) => parseScenario({ ...base, recommend: { ...base.recommend, ...b } }, 'test');

  it('refuses an unknown market metric, naming the field and what is allowed', () => {
    const e = userErrorOf(() => checkStudyBlocks(withBlock({ markets: { target: 'fractionTradersLiquidated.mean <= 1%', levers: [{ param: 'policy.maxLeverage', range: [2, 50] }] } }), 'v.yaml'));
    expect(e).toMatch(/v\.yaml: recommend\.markets\.target/);
    expect(e).toMatch(/allowed: .*probBadDebt/);
  });

  it('refuses a lever that is not a field of every market, an empty range, a market not in the scenario and a fund range below 0', () => {
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ markets: { target: 'probBadDebt <= 1%', levers: [{ param: 'policy.maintenance.nope', range: [0.01, 0.02] }] } }), 'v.yaml'))).toMatch(/recommend\.markets\.levers\[0\]\.param/);
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ markets: { target: 'probBadDebt <= 1%', levers: [{ param: 'policy.maxLeverage', range: [20, 10] }] } }), 'v.yaml'))).toMatch(/levers\[0\]\.range \[20, 10\]: empty range/);
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ markets: { target: 'probBadDebt <= 1%', levers: [{ param: 'policy.maxLeverage', range: [2, 10] }], only: ['ETH'] } }), 'v.yaml'))).toMatch(/markets\.only\[0\] "ETH": no market of that name — the markets are CALM, WILD/);
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ venue: { target: 'probFundExhausted <= 1%', fund: { range: [-5, 10] } } }), 'v.yaml'))).toMatch(/venue\.fund\.range \[-5, 10\]/);
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ venue: { target: 'probFundExhausted <= 150%' } }), 'v.yaml'))).toMatch(/venue\.target/);
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ also: ['does-not-exist.yaml'] }), 'v.yaml'))).toMatch(/recommend\.also\[0\] "does-not-exist\.yaml"/);
    // another scenario with other markets: named from this file's field (found by the fuzz: it named the other file first)
    expect(userErrorOf(() => checkStudyBlocks(withBlock({ also: ['scenarios/default.yaml'] }), 'v.yaml'))).toMatch(/^v\.yaml: recommend\.also\[0\] "scenarios\/default\.yaml": its markets \(.+\) are not this scenario's \(CALM, WILD\)/);
  });

  it('a lever moves from its safe end (dial 0) to its efficient end (dial 1), a whole-number field rounded toward safety, every value rounded toward safety to two significant digits', () => {
    expect(leverValue({ range: [0.01, 0.05], prefer: 'low', integer: false }, 0)).toBe(0.05);
    expect(leverValue({ range: [0.01, 0.05], prefer: 'low', integer: false }, 1)).toBe(0.01);
    expect(leverValue({ range: [2, 50], prefer: 'high', integer: false }, 0.5)).toBe(26);
    expect(leverValue({ range: [1, 10], prefer: 'high', integer: true }, 0.5)).toBe(5);
    expect(leverValue({ range: [1, 10], prefer: 'low', integer: true }, 0.5)).toBe(6);
    // rounded toward safety to two significant digits, as a venue publishes: 14.75x → 14x, 1.375% → 1.4%
    expect(leverValue({ range: [3, 50], prefer: 'high', integer: false }, 0.25)).toBe(14);
    expect(leverValue({ range: [0.005, 0.04], prefer: 'low', integer: false }, 0.75)).toBe(0.014);
    expect(leverValue({ range: [100, 5000], prefer: 'high', integer: true }, 0.5)).toBe(2500);
  });

  it('the binding scenario is the one whose bound is nearest the target, ties broken by the estimate, none when they cannot be told apart', () => {
    const t = { metric: 'probShortfall', op: '<=' as const, value: 0.1 };
    const e = (estimate: number, upper: number) => ({ estimate, lower: 0, upper, level: 0.99, method: 'wilson', n: 100 }) as never;
    expect(bindingOf(t, [{ name: 'calm', metric: e(0.01, 0.05) }, { name: 'week', metric: e(0.04, 0.09) }])).toBe('week');
    expect(bindingOf(t, [{ name: 'calm', metric: e(0.0, 0.03) }, { name: 'crash', metric: e(0.01, 0.03) }])).toBe('crash');
    expect(bindingOf(t, [{ name: 'calm', metric: e(0, 0.03) }, { name: 'week', metric: e(0, 0.03) }])).toBeNull();
  });
});
