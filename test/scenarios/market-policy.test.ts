/**
 * Per-market rules (issue 12): each market may override the scenario's policy field by field, with
 * insurance funds per market or per group of markets. The altcoin's own maintenance rate changes its
 * own liquidations and not the BTC market's, on the same seed.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';
import { checkParamPath, pointScenario } from '../../src/sweep/params.js';
import { createRunContext } from '../../src/engine/context.js';
import { variantsFromBlock } from '../../src/sweep/compare.js';
import { small } from '../helpers/scenarios.js';

const twoMarkets = (alt: Record<string, unknown> = {}) =>
  small({
    paths: 24,
    horizonSteps: 240,
    market: { name: 'BTC', impact: { kind: 'none' } },
    otherMarkets: [{ name: 'ALT', initialPriceUsd: 20, priceModel: { kind: 'gbm', volatilityAnnual: 2.5 }, impact: { kind: 'none' }, ...alt }],
    traders: { count: 600, crossMarginShare: 0 },
    policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.01 } },
    // one book (the seed's book 0, as before books were redrawn by default): on other books some BTC paths
    // differ too — the behaviour stream is one sequence shared by both markets (methodology, common random numbers)
    sampling: { pathsPerBook: 'all' },
  });

describe('per-market policy', () => {
  it('a market override is merged over the scenario policy field by field', () => {
    const sc = twoMarkets({ policy: { maintenance: { kind: 'fixed', mmr: 0.03 }, liquidation: { feeRate: 0.002 } } });
    const p = sc.otherMarkets[0].policy!;
    expect(p.maintenance).toEqual({ kind: 'fixed', mmr: 0.03 });
    expect(p.liquidation!.feeRate).toBe(0.002);
    expect(p.liquidation!.kind).toBe(sc.policy.liquidation.kind); // not given: the scenario's
    expect(p.maxLeverage).toBe(20);
    expect(sc.market.policy).toBeUndefined();
    // a resolved scenario parses to itself
    expect(parseScenario(JSON.parse(JSON.stringify(sc)), 'again').otherMarkets[0].policy).toEqual(p);
  });

  it('an override that breaks a rule names the market’s field', () => {
    expect(() => twoMarkets({ policy: { maintenance: { kind: 'fixed', mmr: 0.2 } } })).toThrow(/otherMarkets\[0\]\.policy\.maintenance\.mmr: 0\.2 is not allowed/);
    expect(() => twoMarkets({ policy: { bogus: 1 } })).toThrow(/otherMarkets\[0\]\.policy/);
  });

  it('the altcoin’s own MMR changes its own liquidations and not BTC’s (paired, same seed)', async () => {
    const low = await runScenario(twoMarkets({ policy: { maintenance: { kind: 'fixed', mmr: 0.01 } } }), { workers: 0, drilldown: false });
    const high = await runScenario(twoMarkets({ policy: { maintenance: { kind: 'fixed', mmr: 0.03 } } }), { workers: 0, drilldown: false });
    const col = (r: typeof low, m: number) => r.paths.liquidatedNotionalByMarketUsd.map((x) => x[m]);
    expect(col(high, 0)).toEqual(col(low, 0)); // BTC: path by path identical
    const diff = col(high, 1).map((x, i) => x - col(low, 1)[i]);
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    const sd = Math.sqrt(diff.reduce((a, b) => a + (b - mean) ** 2, 0) / (diff.length - 1));
    expect(mean / (sd / Math.sqrt(diff.length))).toBeGreaterThan(3); // ALT: significantly more liquidated
    expect(high.byMarket?.map((x) => x.name)).toEqual(['BTC', 'ALT']);
  });

  it('a market with its own fund group pays its shortfalls from it; the shared fund is untouched by them', () => {
    const sc = twoMarkets({ policy: { insuranceFund: { group: 'alts', initialUsd: 1234 } } });
    const ctx = createRunContext(sc);
    expect(ctx.funds.map((f) => [f.name, f.initialUsd])).toEqual([
      ['shared', sc.policy.insuranceFund.initialUsd],
      ['alts', 1234],
    ]);
    expect(ctx.rules.map((r) => r.fund)).toEqual([0, 1]);
  });

  it('a study reaches one market’s rule by name (markets.ALT.policy.maintenance.mmr), leaving the other on the scenario’s rules', () => {
    const sc = twoMarkets();
    const path = checkParamPath(sc, 'markets.ALT.policy.maintenance.mmr');
    expect(path).toBe('otherMarkets[0].policy.maintenance.mmr');
    const point = pointScenario(sc, { [path]: 0.025 }, 4);
    expect(point.otherMarkets[0].policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.025 });
    expect(point.market.policy!.maintenance).toEqual(sc.policy.maintenance);
    expect(() => checkParamPath(sc, 'markets.DOGE.policy.maxLeverage')).toThrow(/no market named "DOGE" — the markets are BTC, ALT/);
  });

  it('a study or variant that changes the scenario’s rule reaches the markets that inherit it, not one that sets its own', () => {
    // ALT sets its own maintenance; BTC has rules of its own too (a fee), inheriting the maintenance
    const sc = twoMarkets({ policy: { maintenance: { kind: 'fixed', mmr: 0.03 } } });
    const both = parseScenario({ ...sc, market: { ...sc.market, policy: { liquidation: { feeRate: 0.001 } } } }, 'test');
    expect(both.market.policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.01 });
    const point = pointScenario(both, { 'policy.maintenance.mmr': 0.02 }, 4);
    expect(point.market.policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.02 }); // inherited: follows
    expect(point.market.policy!.liquidation!.feeRate).toBe(0.001); // its own field stays
    expect(point.otherMarkets[0].policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.03 }); // its own: stays
    // varying a market's rule and the scenario's together: the market copy still inherits the rest
    const two = pointScenario(sc, { 'policy.maintenance.mmr': 0.02, 'otherMarkets[0].policy.maxLeverage': 10 }, 4);
    expect(two.market.policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.02 });
    expect(two.otherMarkets[0].policy!.maxLeverage).toBe(10);
    expect(two.otherMarkets[0].policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.03 });
    const variants = variantsFromBlock(parseScenario({ ...both, variants: [{ name: 'a', override: {} }, { name: 'b', override: { policy: { maintenance: { mmr: 0.02 } } } }] }, 'test'), 'test');
    expect(variants[1].scenario.market.policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.02 });
    expect(variants[1].scenario.otherMarkets[0].policy!.maintenance).toEqual({ kind: 'fixed', mmr: 0.03 });
  });
});
