/**
 * Calibration keeps its stated level (docs/calibration.md#statistics): the error-spending plan spreads
 * α = 1 − confidence over the values whose test can produce the recommendation and over each value's
 * re-tests; every evaluated interval states its level; the recommendation is rounded in the safe
 * direction to the search's resolution and said as "set <param> ≥ <value>" (≤ when high values are
 * efficient); the calibrate page states the overall confidence and the rounded recommendation.
 */
import { describe, expect, it } from 'vitest';
import { errorSpendingPlan, fmtRecommendation, resolutionFor, roundSafe, runCalibration } from '../../src/sweep/calibrate.js';
import { calibrationPage } from '../../src/report/study-pages.js';
import { renderPage } from '../../src/report/page.js';
import { identicalTraders } from '../helpers/scenarios.js';

describe('calibration error spending', () => {
  const plan = errorSpendingPlan({ confidence: 0.95, range: [0.005, 0.045], gridPoints: 5, tolerance: 0.0005, initialPaths: 1000, maxPathsPerPoint: 8000, integer: false });
  it('K = 1 grid step-down + ⌈log₂(grid gap / tolerance)⌉ bisection midpoints; the per-value α and the looks’ α add up to the overall α', () => {
    expect(plan.tests).toBe(1 + Math.ceil(Math.log2(0.01 / 0.0005)));
    expect(plan.looks).toBe(4);
    expect(plan.perValueAlpha * plan.tests).toBeCloseTo(0.05, 12);
    expect(plan.alphaPerLook.reduce((a, b) => a + b, 0)).toBeCloseTo(plan.perValueAlpha, 12);
    // power spending t²: the last look gets most of the value's error
    expect(plan.alphaPerLook[3] / plan.perValueAlpha).toBeCloseTo(1 - 0.25, 12);
    expect(plan.levelPerLook.every((l, j) => Math.abs(l - (1 - 2 * plan.alphaPerLook[j])) < 1e-15)).toBe(true);
  });
  it('rounds to a 1-2-5 resolution no coarser than the tolerance, in the safe direction, and says it as a sentence', () => {
    expect(resolutionFor(0.0004, false)).toBe(0.0002);
    expect(resolutionFor(0.001, false)).toBe(0.001);
    expect(resolutionFor(0.00075, false)).toBe(0.0005);
    expect(resolutionFor(0.3, true)).toBe(1);
    expect(roundSafe(0.007132, 0.0001, 'low')).toBe(0.0072);
    expect(roundSafe(0.007132, 0.0001, 'high')).toBe(0.0071);
    expect(fmtRecommendation('policy.maintenance.mmr', 0.0072, 0.0001)).toBe('0.72%');
    expect(fmtRecommendation('policy.insuranceFund.initialUsd', 125000, 5000)).toBe('125000');
  });
});

describe('a calibration run reports its level', () => {
  it('the recommendation is rounded safe, every interval carries its level, and the page states the overall confidence and the rounded recommendation', async () => {
    const sc = identicalTraders({ paths: 200, stepSeconds: 600, horizonSteps: 144, market: { priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: 0.8 } } });
    const r = await runCalibration(sc, {
      param: 'policy.maintenance.mmr',
      range: [0.005, 0.045],
      target: 'fractionTradersLiquidated.mean <= 0.2',
      prefer: 'high',
      initialPaths: 200,
      maxPathsPerPoint: 800,
      pathBudget: 20_000,
      tolerance: 0.004,
      gridPoints: 3,
      workers: 0,
    });
    expect(r.confidence).toBe(0.95);
    expect(r.errorSpending.tests).toBeGreaterThan(1);
    for (const e of r.evaluated) {
      expect(e.metric.level).toBeCloseTo(r.errorSpending.levelPerLook[e.looks - 1], 12);
      expect(e.metric.level).toBeGreaterThan(0.95);
    }
    const rec = r.recommended!;
    expect(rec).not.toBeNull();
    // prefer high: rounded down (safer) to the resolution
    expect(rec.rounded).toBeLessThanOrEqual(rec.value);
    expect(rec.value - rec.rounded).toBeLessThan(rec.resolution + 1e-12);
    expect(rec.statement).toMatch(/^set policy\.maintenance\.mmr ≤ \d+(\.\d+)?%$/);
    const html = renderPage(calibrationPage(r));
    expect(html).toContain(rec.statement);
    expect(html).toContain('95% overall confidence');
    expect(html).toMatch(/interval level/);
  });
});
