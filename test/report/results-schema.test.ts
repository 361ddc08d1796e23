/**
 * Issue 11 item 12: `marginlab report` validates a results.json against a schema before rendering,
 * so a file of the right top-level types but the wrong insides (`population: {}`, `run: {}`,
 * `drilldown: [1]`, columns of the wrong length) is one line naming the field and exit 2, never a
 * TypeError — and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { syntheticResults } from './fixture.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { ResultsFileSchema } from '../../src/report/results-schema.js';

const base = JSON.parse(JSON.stringify(syntheticResults({ paths: 30, points: 20 })));

function withChange(change: (r: Record<string, any>) => void): Record<string, unknown> {
  const r = structuredClone(base);
  change(r);
  return r;
}

describe('results.json schema', () => {
  it('accepts what a run writes (the synthetic fixture)', () => {
    const r = ResultsFileSchema.safeParse(base);
    expect(r.success, JSON.stringify(r.error?.issues[0])).toBe(true);
  });

  const cases: [string, (r: Record<string, any>) => void, RegExp][] = [
    ['population: {}', (r) => (r.population = {}), /field "population\.traders" must be a JSON number, got nothing \(missing\)/],
    ['run: {}', (r) => (r.run = {}), /field "run\.workers" must be a JSON number/],
    ['drilldown: [1]', (r) => (r.drilldown = [1]), /field "drilldown\[0\]" must be a JSON object, got number/],
    ['a per-path column one entry short', (r) => r.paths.badDebtUsd.pop(), /field "paths\.badDebtUsd" must have one entry per path \(aggregates\.paths = 30\), has 29/],
    ['a band shorter than its steps', (r) => r.series.markUsd.p50.pop(), /field "series\.markUsd\.p50" must have one value per entry of series\.steps \(20\), has 19/],
    ['an estimate that is null (NaN when written)', (r) => (r.aggregates.probBadDebt.estimate = null), /field "aggregates\.probBadDebt\.estimate" must be a JSON number, got null/],
    ['a histogram with fewer counts than bins', (r) => r.cascadeHistograms.accounts.count.pop(), /field "cascadeHistograms\.accounts\.count" must have one entry per entry of lowerBound/],
    ['a drill-down series of the wrong length', (r) => r.drilldown[0].series.markUsd.pop(), /field "drilldown\[0\]\.series\.markUsd" must have one value per entry of steps/],
    ['aggregates: []', (r) => (r.aggregates = []), /field "aggregates" must be a JSON object, got array/],
    ['a loss waterfall without its stages', (r) => delete r.aggregates.lossWaterfall.stages, /field "aggregates\.lossWaterfall\.stages" must be a JSON object, got nothing/],
    ['a waterfall column of text', (r) => (r.paths.shortfallUsd = r.paths.shortfallUsd.map(String)), /field "paths\.shortfallUsd\[0\]" must be a JSON number, got string/],
    ['fundExhausted as numbers', (r) => (r.paths.fundExhausted = r.paths.fundExhausted.map(Number)), /field "paths\.fundExhausted\[0\]" must be a JSON boolean/],
    ['population.bookHealth: {}', (r) => (r.population.bookHealth = {}), /field "population\.bookHealth\.priceMove" must be a JSON array/],
    [
      'a liquidation map shorter than its grid',
      (r) => (r.population.bookHealth = { priceMove: [0, 0.1], longNotionalUsd: [1], shortNotionalUsd: [1, 2], withinMove: [], distance: [], farAccounts: 0 }),
      /field "population\.bookHealth\.longNotionalUsd" must have one entry per entry of priceMove/,
    ],
  ];
  for (const [name, change, re] of cases) {
    it(`${name}: exit 2, one line naming the field, nothing written`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-results-'));
      const file = path.join(dir, 'results.json');
      writeFileSync(file, JSON.stringify(withChange(change)));
      const r = await cli('report', file, '--no-figures');
      expect(isOneLineUserError(r, re), r.stderr).toBe(true);
      expect(readdirSync(dir)).toEqual(['results.json']);
      expect(existsSync(path.join(dir, 'index.html'))).toBe(false);
    });
  }

  it('a results.json written before the loss waterfall (no aggregate, no waterfall or what-if columns) still renders, without those panels', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-results-'));
    const file = path.join(dir, 'results.json');
    const old = withChange((r) => {
      delete r.aggregates.lossWaterfall;
      for (const k of ['liquidationFeesUsd', 'shortfallUsd', 'backstopCoveredUsd', 'adlProfitTakenUsd', 'socialisedLossUsd', 'fundExhausted', 'arrivals']) delete r.paths[k];
    });
    writeFileSync(file, JSON.stringify(old));
    const r = await cli('report', file, '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).not.toContain('id="waterfall"');
    expect(html).toContain('The live what-if is not available for this run: its results.json has no per-path fundExhausted column');
  });

  it('a valid file renders (exit 0)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-results-'));
    const file = path.join(dir, 'results.json');
    writeFileSync(file, JSON.stringify(base));
    const r = await cli('report', file, '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['index.html', 'results.json', 'summary.md']);
  });
});
