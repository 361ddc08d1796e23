/**
 * The calibration and comparison examples in scenarios/ load, carry valid study blocks, and run end to
 * end (shrunk: fewer traders, paths and steps, so the suite stays fast).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runCalibration } from '../../src/sweep/calibrate.js';
import { runComparison, variantsFromBlock } from '../../src/sweep/compare.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { paramsFromSweepBlock } from '../../src/sweep/params.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { runRecommendation } from '../../src/sweep/recommend.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const shrink = (s: Scenario): Scenario => parseScenario({ ...s, paths: 40, horizonSteps: 180, traders: { ...s.traders, count: 300 } }, 'shrunk');

describe('example scenarios', () => {
  it('scenarios/calibration-example.yaml: its calibrate: and sweep: blocks run', async () => {
    const s = loadScenarioFile(path.join(ROOT, 'scenarios/calibration-example.yaml'));
    expect(s.calibrate?.param).toBe('policy.maintenance.mmr');
    expect(s.calibrate?.target).toMatch(/probFundExhausted/);
    const small = shrink(s);
    const r = await runCalibration(small, { initialPaths: 40, maxPathsPerPoint: 80, pathBudget: 2000, workers: 0 });
    expect(['found', 'whole-range', 'infeasible']).toContain(r.status);
    expect(r.evaluated.length).toBeGreaterThanOrEqual(5);
    expect(r.target.metric).toBe('probFundExhausted');
    const params = paramsFromSweepBlock(small);
    expect(params[0].values).toHaveLength(11);
    const sw = await runSweep(small, { params: [{ path: params[0].path, values: params[0].values.slice(0, 3) }], paths: 20, workers: 0 });
    expect(sw.points).toHaveLength(3);
  });

  it('scenarios/comparison-example.yaml: its variants change policy only and run', async () => {
    const s = loadScenarioFile(path.join(ROOT, 'scenarios/comparison-example.yaml'));
    const variants = variantsFromBlock(shrink(s), 'comparison-example.yaml');
    expect(variants.map((v) => v.name)).toEqual(expect.arrayContaining(['fixed-2.5pct', 'tiered']));
    const r = await runComparison(variants, { workers: 0 });
    // no warning of changed shocks or traders, and every policy faces the baseline's opening book
    expect(r.warnings).toEqual([]);
    expect(r.bookHeld).toBe(true);
    expect(r.differences).toHaveLength(variants.length - 1);
  });
});

describe('the recommend example', () => {
  it('scenarios/recommend/venue.yaml: five markets of different volatility, its recommend: block and its also: scenarios load, and the search runs end to end (shrunk)', async () => {
    const file = path.join(ROOT, 'scenarios/recommend/venue.yaml');
    const s = loadScenarioFile(file);
    const markets = [s.market, ...s.otherMarkets];
    expect(markets.length).toBeGreaterThanOrEqual(5);
    const vols = markets.map((m) => (m.priceModel as { volatilityAnnual: number }).volatilityAnnual);
    expect(new Set(vols).size).toBe(markets.length);
    expect(s.recommend?.also).toEqual(['volatile-week.yaml', 'stress-day.yaml']);
    const tiny = (x: Scenario): Scenario => parseScenario({ ...x, paths: 20, horizonSteps: 100, traders: { ...x.traders, count: 150 } }, 'shrunk');
    const also = s.recommend!.also.map((f) => ({ source: f, scenario: tiny(loadScenarioFile(path.join(ROOT, 'scenarios/recommend', f))) }));
    const small = tiny(parseScenario({ ...s, recommend: { ...s.recommend!, also: [], markets: { ...s.recommend!.markets, tolerance: 0.5 }, venue: { ...s.recommend!.venue!, fund: { ...s.recommend!.venue!.fund!, tolerance: 1_000_000 } } } }, 'shrunk'));
    const r = await runRecommendation(small, { also, initialPaths: 20, maxPathsPerPoint: 20, workers: 0 });
    expect(r.scenarios.map((x) => x.name)).toEqual(['recommend-venue', 'recommend-volatile-week', 'recommend-stress-day']);
    expect(['found', 'infeasible']).toContain(r.status);
    for (const p of r.evaluated) expect(p.scenarios).toHaveLength(3);
  }, 120_000);
});
