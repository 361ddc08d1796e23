/**
 * The page stays small however many paths a run has: only bands, bins and the stored drill-down paths
 * reach the HTML, never every path's series. Measured on a real 10,000-path run of a small book and
 * on synthetic 10,000-path results with heavy-tailed bad debt and 5,000-point series.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/api/run.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { renderHtml } from '../../src/report/html.js';
import { syntheticResults } from './fixture.js';

const MB = 1024 * 1024;

describe('report size', () => {
  it('a real 10,000-path run gives an HTML page under 5 MB', async () => {
    const base = loadScenarioFile('scenarios/default.yaml');
    const scenario = { ...base, name: 'size-10k', paths: 10_000, horizonSteps: 240, traders: { ...base.traders, count: 200 } };
    const results = await runScenario(scenario, { workers: 2 });
    expect(results.paths.badDebtUsd).toHaveLength(10_000);
    const bytes = Buffer.byteLength(renderHtml(results));
    console.log(`report size, real 10,000-path run: ${(bytes / MB).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(5 * MB);
  }, 120_000);

  it('synthetic 10,000 paths with bad debt on half of them and 5,000-point series stay under 5 MB', () => {
    const r = syntheticResults({ paths: 10_000, badDebtShare: 0.5, points: 5000, samplePaths: 300 });
    const html = renderHtml(r);
    const bytes = Buffer.byteLength(html);
    console.log(`report size, synthetic 10,000 paths × 5,000 points: ${(bytes / MB).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(5 * MB);
    // the per-path columns are not shipped: a bad-debt value of a random path does not appear verbatim
    const specs = html.match(/<script type="application\/json" id="marginlab-charts">([\s\S]*?)<\/script>/)![1];
    const perPath = r.paths.badDebtUsd.filter((x) => x > 0).slice(0, 50).map((x) => String(x));
    expect(perPath.filter((x) => specs.includes(x))).toEqual([]);
  });
});
