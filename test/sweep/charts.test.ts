/**
 * The sweep, calibration and comparison pages: every chart spec they contain is valid vega-lite (checked
 * against node_modules/vega-lite/build/vega-lite-schema.json with ajv, and compiled), ids are unique,
 * and the page renders. Built from small real runs so the data shapes are the real ones.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { compile, type TopLevelSpec } from 'vega-lite';
import { parseScenario } from '../../src/scenario/load.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { runCalibration } from '../../src/sweep/calibrate.js';
import { runComparison, variantsFromBlock } from '../../src/sweep/compare.js';
import { calibrationPage, comparisonPage, sweepPage } from '../../src/report/study-pages.js';
import { renderPage, type PageOptions } from '../../src/report/page.js';
import { heatmapSpec, intervalScatterSpec, metricLineSpec, pairedDifferenceSpec } from '../../src/report/sweep-charts.js';
import { forestSpec, tailQuantileSpec, variantBandsSpec, variantEstimateSpec } from '../../src/report/compare-charts.js';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(path.join(path.dirname(require.resolve('vega-lite/package.json')), 'build/vega-lite-schema.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: false });
const validate = ajv.compile(schema);

function expectValid(id: string, spec: object) {
  const ok = validate(spec);
  expect(ok, `${id}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
  expect(() => compile(spec as TopLevelSpec), id).not.toThrow();
}

const SMALL = {
  name: 'charts',
  seed: 8,
  paths: 40,
  horizonSteps: 120,
  market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.5 }, impact: { kind: 'linear', depthUsdPerPercent: 200_000 } },
  traders: { count: 150 },
  policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.02 }, insuranceFund: { initialUsd: 500 } },
  output: { seriesSamplePaths: 20, seriesPoints: 30 },
  variants: [
    { name: 'fixed', override: {} },
    { name: 'tiered', override: { policy: { maintenance: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.015 }, { notionalFloorUsd: 20_000, mmr: 0.03 }] } } } },
  ],
};

describe('study report pages', () => {
  const pages: [string, PageOptions][] = [];
  beforeAll(async () => {
    const s = parseScenario(SMALL, 'test');
    const one = await runSweep(s, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.02, 0.03] }], workers: 0 });
    const two = await runSweep(s, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.02] }, { path: 'policy.insuranceFund.initialUsd', values: [0, 500] }], workers: 0 });
    const cal = await runCalibration(s, { param: 'policy.maintenance.mmr', range: [0.005, 0.04], target: 'badDebtUsd.mean <= 100', initialPaths: 40, maxPathsPerPoint: 80, tolerance: 0.005, workers: 0 });
    const cmp = await runComparison(variantsFromBlock(s, 'test'), { workers: 0 });
    // per-path metrics (paths.<field>.mean) are not in aggregates: the pages take them from each point's estimates
    const adl = parseScenario({ ...SMALL, policy: { ...SMALL.policy, waterfall: { afterInsuranceFund: 'adl' } } }, 'test');
    const perPath = await runSweep(adl, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.02] }], metrics: ['paths.adlNotionalUsd.mean', 'paths.adlPnlClosedUsd.mean'], workers: 0 });
    expect(perPath.points[0].estimates['paths.adlNotionalUsd.mean'].estimate).toBeGreaterThanOrEqual(0);
    const cmpAdl = await runComparison(variantsFromBlock(adl, 'test'), { workers: 0 });
    expect(Object.keys(cmpAdl.variants[0].estimates)).toContain('paths.adlPnlClosedUsd.mean');
    pages.push(['sweep-1d', sweepPage(one)], ['sweep-2d', sweepPage(two)], ['calibration', calibrationPage(cal)], ['comparison', comparisonPage(cmp)]);
    pages.push(['sweep-per-path-metrics', sweepPage(perPath)], ['comparison-waterfall', comparisonPage(cmpAdl)]);
  });

  it('every chart on every page is valid vega-lite, and each page renders with unique ids', () => {
    let charts = 0;
    for (const [name, page] of pages) {
      for (const s of page.sections) for (const c of s.charts ?? []) {
        expectValid(`${name}/${c.id}`, c.spec);
        charts++;
      }
      const html = renderPage(page);
      expect(html).toContain('<h1>');
    }
    expect(charts).toBeGreaterThan(30);
    const sections = (n: string) => pages.find((p) => p[0] === n)![1].sections.map((s) => s.id);
    expect(sections('sweep-2d')).toContain('grid');
    expect(sections('sweep-1d')).toEqual(expect.arrayContaining(['risk', 'differences', 'frontier', 'table', 'scenario']));
    expect(sections('calibration')).toEqual(expect.arrayContaining(['search', 'frontier', 'values']));
    expect(sections('comparison')).toEqual(expect.arrayContaining(['metrics', 'forest', 'prices', 'liquidations', 'bad-debt']));
  });

  it('chart builders handle edge cases: a single point, a target and marker, one variant row', () => {
    const row = { x: 1, estimate: 0, lower: 0, upper: 0 };
    expectValid('line', metricLineSpec({ title: 't', xTitle: 'x', yTitle: 'y', unit: 'usd', rows: [row], target: { value: 1, label: 'target' }, marker: { x: 1, label: 'm' } }));
    expectValid('heat', heatmapSpec({ title: 't', xTitle: 'x', yTitle: 'y', unit: 'probability', rows: [{ ...row, y: 2 }] }));
    expectValid('diff', pairedDifferenceSpec({ title: 't', xTitle: 'x', yTitle: 'y', unit: 'count', rows: [{ ...row, unpairedLower: -1, unpairedUpper: 1, label: 'a → b' }] }));
    expectValid('scatter', intervalScatterSpec({ title: 't', xTitle: 'x', xUnit: 'usd', yTitle: 'y', unit: 'fraction', rows: [{ ...row, group: 'meets', label: 'p', text: '#1' }], categories: { domain: ['meets'], range: ['#000'] }, connect: true }));
    expectValid('forest', forestSpec({ title: 't', baseline: 'a', metrics: [{ key: 'k', label: 'k', unit: 'usd', rows: [{ variant: 'b', estimate: 1, lower: 0, upper: 2, pValue: 0.01, effect: 'better', significance: 'not significant after Holm correction', level: '95%' }] }] }));
    expectValid('bands', variantBandsSpec({ title: 't', xTitle: 'x', yTitle: 'y', unit: 'price', rows: [{ t: 0, variant: 'a', p05: 1, p50: 2, p95: 3 }], variants: ['a'] }));
    expectValid('estimate', variantEstimateSpec({ title: 't', unit: 'usd', rows: [{ variant: 'a', estimate: 1, lower: 0, upper: 2 }], variants: ['a'] }));
    expectValid('tail', tailQuantileSpec({ title: 't', yTitle: 'y', rows: [{ p: 0.95, variant: 'a', value: 1 }], variants: ['a'] }));
  });
});
