/**
 * The wording of every command's verdict (issue 23 item 6), on small fixed-seed studies and on the
 * synthetic fixture: plurals ("1 path", never "1 paths"), tiny and huge numbers written sensibly
 * ("under 0.01%", "$73.9M" — not "0.0000037%" or "$73,945,995"), no contradiction between the share
 * of paths with bad debt and who paid the shortfall, and the length the README promises (two or three
 * plain sentences; a comparison one per policy and at most two more).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario, type Results } from '../../src/api/run.js';
import { runSweep } from '../../src/sweep/sweep.js';
import { runCalibration } from '../../src/sweep/calibrate.js';
import { runComparison, variantsFromBlock } from '../../src/sweep/compare.js';
import { calibrationSummary, comparisonSummary, runSummary, runWaterfall, shareText, sweepSummary, usdText, type Summary } from '../../src/report/verdict.js';
import { SMALL_STUDY, syntheticResults } from './fixture.js';

const BASE = SMALL_STUDY; // (each use names its own scenario)

/** What no verdict may say, and how long it may be. */
function expectWellWorded(s: Summary, maxSentences: number): void {
  const v = s.verdict;
  expect(v, v).not.toMatch(/(^|[^\d,.])1 (paths|points|values|tail paths|positions|accounts)\b/);
  expect(v, v).not.toMatch(/\d\.000\d/);
  expect(v, v).not.toMatch(/\$\d{1,3}(,\d{3}){2,}/);
  expect(v, v).not.toMatch(/\b0\.0+%/);
  expect(v, v).not.toMatch(/\d{5,}×/);
  const pb = (s.details as { probBadDebt?: { estimate: number } }).probBadDebt?.estimate;
  if (pb !== undefined && pb > 0) expect(v, v).not.toMatch(/nothing was left as bad debt/);
  expect(s.sentences.length, v).toBeLessThanOrEqual(maxSentences);
  for (const x of s.sentences) expect(x.text.length, x.text).toBeLessThanOrEqual(340);
}

describe('verdict wording on every command', () => {
  const runs: Record<string, Results> = {};
  const studies: Record<string, Summary> = {};
  beforeAll(async () => {
    const cases: Record<string, object> = {
      small: { ...BASE, name: 'small' },
      'one-path': { ...BASE, name: 'one-path', paths: 1 },
      'no-fund': { ...BASE, name: 'no-fund', policy: { insuranceFund: { initialUsd: 0 } } },
      // thin depth, volatile: bad debt on many paths
      'bad-debt': { ...BASE, name: 'bad-debt', market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.5 }, impact: { kind: 'linear', depthUsdPerPercent: 20_000, arbitrageUsdPerStep: 20_000 } } },
      // a book of whales: open interest in the hundreds of millions
      huge: { ...BASE, name: 'huge', traders: { count: 300, collateralUsd: { kind: 'lognormal', medianUsd: 2_000_000, sigmaLog: 0.5 } } },
    };
    for (const [k, c] of Object.entries(cases)) runs[k] = await runScenario(parseScenario(c), { workers: 0 });
    const sc = parseScenario({ ...BASE, name: 'study' });
    studies.sweep = sweepSummary(await runSweep(sc, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.04] }], workers: 0 }), null);
    studies.calibrate = calibrationSummary(
      await runCalibration(sc, { param: 'policy.maintenance.mmr', range: [0.005, 0.045], target: 'fractionTradersLiquidated.mean <= 5%', initialPaths: 24, maxPathsPerPoint: 48, pathBudget: 300, workers: 0 }),
      null,
    );
    const withVariants = parseScenario({ ...BASE, name: 'cmp', variants: [{ name: 'base', override: {} }, { name: 'mmr4', override: { policy: { maintenance: { kind: 'fixed', mmr: 0.04 } } } }, { name: 'no-fund', override: { policy: { insuranceFund: { initialUsd: 0 } } } }] });
    studies.compare = comparisonSummary(await runComparison(variantsFromBlock(withVariants, 'inline'), { workers: 0 }), null);
  }, 600_000);

  for (const k of ['small', 'one-path', 'no-fund', 'bad-debt', 'huge']) {
    it(`run ${k}: plurals, numbers, no contradiction, at most three sentences`, () => {
      const s = runSummary(runs[k], null);
      expectWellWorded(s, 3);
    });
  }
  it('the cases cover what they are meant to: one path, bad debt, a huge book', () => {
    expect(runs['one-path'].aggregates.paths).toBe(1);
    expect(runSummary(runs['one-path'], null).verdict).toMatch(/^The one path \(1 day|^The one path \(3 hours\)|^Over 3 hours, 100% of 1 path/);
    expect(runs['bad-debt'].aggregates.probBadDebt.estimate).toBeGreaterThan(0);
    expect(runs.huge.population.openInterestUsd).toBeGreaterThan(1e8);
    expect(runSummary(runs.huge, null).verdict).toMatch(/\$\d+(\.\d+)?[MB] open interest/);
  });
  for (const k of ['sweep', 'calibrate']) {
    it(`${k}: plurals, numbers, at most three sentences`, () => expectWellWorded(studies[k], 3));
  }
  it('compare: one sentence per policy and at most two more', () => expectWellWorded(studies.compare, 2 + 2));
});

describe('numbers and shares in words', () => {
  it('tiny shares read "under 0.01%", huge dollars to three significant digits, small ones in full', () => {
    expect(shareText(3.7e-8)).toBe('under 0.01%');
    expect(shareText(0.00091)).toBe('0.091%');
    expect(shareText(0.12)).toBe('12%');
    expect(shareText(3_200_000)).toBe('3.2 million×');
    expect(shareText(3_200)).toBe('3,200×');
    expect(usdText(73_945_995)).toBe('$73.9M');
    expect(usdText(8_034)).toBe('$8,034');
    expect(usdText(54.47)).toBe('$54.47');
    expect(usdText(0.004)).toBe('$0.0040');
  });
  it('a run with bad debt on some paths never says nothing was left as bad debt, however small its share (Bybit)', () => {
    const r = syntheticResults({ paths: 500, badDebtShare: 0.005, seed: 3 });
    const w = runWaterfall(r)!;
    // bad debt a sliver of the shortfall, as on Bybit's preset: the fund paid all but 0.001%
    w.stages.badDebtUsd.shareOfShortfall = 1e-5;
    w.stages.fundPaidUsd.shareOfShortfall = 1 - 1e-5;
    (r.aggregates as { lossWaterfall?: unknown }).lossWaterfall = w;
    const s = runSummary(r, null);
    expect(r.aggregates.probBadDebt.estimate).toBeGreaterThan(0);
    expect(s.verdict).not.toMatch(/nothing was left as bad debt/);
    expect(s.verdict).toMatch(/under 0\.01% was left as bad debt/);
  });
});
