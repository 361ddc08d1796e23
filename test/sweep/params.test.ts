/** Parameter paths, value lists and point scenarios of a study. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { checkParamPath, joinPath, numericPaths, paramsFromSweepBlock, parseParamFlag, parseValues, pointScenario, splitPath, stripStudy } from '../../src/sweep/params.js';
import { isUserError } from '../../src/errors.js';
import { variantsFromBlock } from '../../src/sweep/compare.js';

const base = parseScenario({ name: 'p', traders: { count: 10 }, policy: { maxLeverage: 20 } }, 'test');
const tiered = parseScenario(
  { name: 't', traders: { count: 10 }, policy: { maxLeverage: 20, maintenance: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 1e5, mmr: 0.02 }] } } },
  'test',
);

function userErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

describe('parameter paths', () => {
  it('split and join round-trip dotted and bracket forms to one canonical path', () => {
    expect(splitPath('policy.maintenance.tiers[1].mmr')).toEqual(['policy', 'maintenance', 'tiers', 1, 'mmr']);
    expect(joinPath(splitPath('policy.maintenance.tiers.1.mmr'))).toBe('policy.maintenance.tiers[1].mmr');
  });

  it('numeric paths follow the kinds in use and exclude seed, paths and output', () => {
    const p = numericPaths(base);
    expect(p).toContain('policy.maintenance.mmr');
    expect(p).toContain('policy.insuranceFund.initialUsd');
    expect(p).toContain('policy.liquidation.feeRate');
    expect(p).toContain('policy.maxLeverage');
    expect(p).not.toContain('seed');
    expect(p).not.toContain('paths');
    expect(p.some((x) => x.startsWith('output.'))).toBe(false);
    expect(numericPaths(tiered)).toContain('policy.maintenance.tiers[1].mmr');
    expect(checkParamPath(tiered, 'policy.maintenance.tiers.1.mmr')).toBe('policy.maintenance.tiers[1].mmr');
  });

  it('an unknown path is a user error listing the allowed paths; a group or an inactive kind says so', () => {
    expect(userErrorOf(() => checkParamPath(base, 'policy.maintenance.mrr'))).toMatch(/allowed numeric paths under policy: .*policy\.maintenance\.mmr/);
    // the nearest path named first, and only the same group listed (the whole list is thousands of characters)
    const msg = userErrorOf(() => checkParamPath(base, 'policy.maintenance.mrr'));
    expect(msg).toMatch(/did you mean policy\.maintenance\.mmr\?; allowed numeric paths under policy: /);
    expect(msg).not.toMatch(/traders\.count/);
    expect(msg).toMatch(/\(and \d+ elsewhere in the scenario\)$/);
    expect(userErrorOf(() => checkParamPath(base, 'nothing.like.this'))).not.toMatch(/did you mean/);
    expect(userErrorOf(() => checkParamPath(base, 'policy.maintenance'))).toMatch(/group of fields/);
    expect(userErrorOf(() => checkParamPath(tiered, 'policy.maintenance.mmr'))).toMatch(/kind "tiered"/);
  });
});

describe('values', () => {
  it('start:stop:step includes the stop and prints cleanly', () => {
    expect(parseValues('0.01:0.05:0.01', 'x')).toEqual([0.01, 0.02, 0.03, 0.04, 0.05]);
    expect(parseValues('0.1:0.3:0.1', 'x')).toEqual([0.1, 0.2, 0.3]);
    expect(parseValues('10, 20,50', 'x')).toEqual([10, 20, 50]);
    expect(parseValues('5:5:1', 'x')).toEqual([5]);
  });

  it('empty ranges, bad steps, duplicates and non-numbers are user errors', () => {
    expect(userErrorOf(() => parseValues('0.05:0.01:0.01', 'x'))).toMatch(/empty range/);
    expect(userErrorOf(() => parseValues('0.01:0.05:0', 'x'))).toMatch(/step 0 is not allowed/);
    expect(userErrorOf(() => parseValues('', 'x'))).toMatch(/empty list/);
    expect(userErrorOf(() => parseValues('1,,2', 'x'))).toMatch(/empty item/);
    expect(userErrorOf(() => parseValues('1,1', 'x'))).toMatch(/twice/);
    expect(userErrorOf(() => parseValues('1,abc', 'x'))).toMatch(/"abc" is not a number/);
    expect(userErrorOf(() => parseValues('0:1:0.0001', 'x'))).toMatch(/too many/);
    expect(userErrorOf(() => parseParamFlag(base, 'policy.maintenance.mmr'))).toMatch(/expected <path>=<values>/);
  });

  it('a sweep: block gives the same parameters as the equivalent flags', () => {
    const s = parseScenario({ ...base, sweep: { params: [{ path: 'policy.maintenance.mmr', start: 0.01, stop: 0.03, step: 0.01 }, { path: 'policy.maxLeverage', values: [10, 20] }] } }, 'test');
    expect(paramsFromSweepBlock(s)).toEqual([parseParamFlag(s, 'policy.maintenance.mmr=0.01:0.03:0.01'), parseParamFlag(s, 'policy.maxLeverage=10,20')]);
    const both = parseScenario({ ...base, sweep: { params: [{ path: 'policy.maxLeverage', values: [10], start: 1, stop: 2, step: 1 }] } }, 'test');
    expect(userErrorOf(() => paramsFromSweepBlock(both))).toMatch(/either values or start\/stop\/step/);
  });
});

describe('point scenarios', () => {
  it('set the value, drop the study blocks, keep everything else, and fix the path count', () => {
    const withBlocks = parseScenario({ ...base, sweep: { params: [{ path: 'policy.maxLeverage', values: [10] }] } }, 'test');
    const p = pointScenario(withBlocks, { 'policy.maintenance.mmr': 0.03 }, 77);
    expect(p.policy.maintenance).toEqual({ kind: 'fixed', mmr: 0.03 });
    expect(p.paths).toBe(77);
    expect(p.sweep).toBeUndefined();
    expect({ ...p, policy: base.policy, paths: base.paths }).toEqual(stripStudy(base));
  });

  it("a point that changes a market's depth or the step re-derives an arbitrage capacity the scenario did not write; a written one is kept", () => {
    // default capacity: depth × stepSeconds / 60 (a 1% dislocation undone each minute)
    const depth = base.market.impact.depthUsdPerPercent;
    expect(base.market.impact.arbitrageUsdPerStep).toBe(depth);
    expect(pointScenario(base, { 'market.impact.depthUsdPerPercent': depth / 2 }, 10).market.impact.arbitrageUsdPerStep).toBe(depth / 2);
    expect(pointScenario(base, { stepSeconds: 120 }, 10).market.impact.arbitrageUsdPerStep).toBe(2 * depth);
    // unchanged where nothing it derives from changes
    expect(pointScenario(base, { 'policy.insuranceFund.initialUsd': 1_000 }, 10).market.impact.arbitrageUsdPerStep).toBe(depth);
    const wrote = parseScenario({ ...stripStudy(base), market: { ...base.market, impact: { ...base.market.impact, arbitrageUsdPerStep: 1_234 } } }, 'test');
    expect(pointScenario(wrote, { 'market.impact.depthUsdPerPercent': depth / 2 }, 10).market.impact.arbitrageUsdPerStep).toBe(1_234);
    // the base scenario itself is not changed
    expect(base.market.impact.arbitrageUsdPerStep).toBe(depth);
    // a comparison variant that halves the depth: the same
    const withVariants = parseScenario({ name: 'p', traders: { count: 10 }, policy: { maxLeverage: 20 }, variants: [{ name: 'thin', override: { market: { impact: { depthUsdPerPercent: depth / 2 } } } }, { name: 'same', override: {} }] }, 'test');
    const [thin, same] = variantsFromBlock(withVariants, 'test');
    expect(thin.scenario.market.impact.arbitrageUsdPerStep).toBe(depth / 2);
    expect(same.scenario.market.impact.arbitrageUsdPerStep).toBe(depth);
  });

  it('a value the schema rejects is a user error naming the point', () => {
    expect(userErrorOf(() => pointScenario(base, { 'policy.maintenance.mmr': 0.06 }, 10))).toMatch(/^sweep point policy\.maintenance\.mmr=0\.06: policy\.maintenance\.mmr: 0\.06 is not allowed/);
    expect(userErrorOf(() => pointScenario(base, { 'policy.insuranceFund.initialUsd': -1 }, 10))).toMatch(/initialUsd=-1/);
  });
});
