/**
 * Calibration against a known answer (docs/design.md §4). One isolated long trader with fixed MMR m,
 * leverage L, entered at S0 on a GBM with no impact, no fees and no behaviours is liquidated on a path
 * iff the price, observed once per step, falls to B/(1 − m) with B = S0(1 − 1/L). The probability of
 * that is the GBM first-passage probability with the Broadie–Glasserman–Kou discrete-monitoring shift,
 * and `fractionTradersLiquidated.mean` (0 or 1 per path) estimates it. Liquidation becomes *more*
 * likely as m rises, so "the highest MMR whose liquidation probability is ≤ p*" (prefer: high) is
 * the closed form inverted at p*.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runCalibration } from '../../src/sweep/calibrate.js';
import { firstPassageLong } from '../helpers/exact-laws.js';

const S0 = 100;
const L = 10;
const SIGMA = 0.8;
const STEP_SECONDS = 600;
const STEPS = 144; // one day of ten-minute steps
const TARGET = 0.08;

/** P(min over the monitoring dates of S ≤ barrier), GBM with zero drift, BGK-shifted continuous formula (`firstPassageLong`). */
const liquidationProbability = (mmr: number): number => firstPassageLong({ sigma: SIGMA, stepSeconds: STEP_SECONDS, steps: STEPS, leverage: L, mmr });

/** The MMR at which the closed form equals p (bisection; the probability increases with the MMR). */
function invert(p: number): number {
  let lo = 0.001;
  let hi = 0.09;
  for (let i = 0; i < 100; i++) {
    const mid = 0.5 * (lo + hi);
    if (liquidationProbability(mid) < p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const scenario = parseScenario(
  {
    name: 'closed-form-calibration',
    seed: 2024,
    paths: 2000,
    stepSeconds: STEP_SECONDS,
    horizonSteps: STEPS,
    market: { initialPriceUsd: S0, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: SIGMA }, impact: { kind: 'none' } },
    traders: {
      count: 1,
      longShare: 1,
      crossMarginShare: 0,
      warmup: 'none', // one trader opening at S0: the closed form's setup
      entryPriceSpreadLog: 0,
      leverage: { kind: 'tiers', tiers: [{ leverage: L, weight: 1 }] },
      collateralUsd: { kind: 'lognormal', medianUsd: 1000, sigmaLog: 0 },
      topUp: { share: 0 },
      stopLoss: { share: 0 },
    },
    policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.02 }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 } },
    output: { seriesSamplePaths: 1, seriesPoints: 2 },
  },
  'test',
);

describe('calibration against the closed-form GBM first-passage probability', () => {
  const mStar = invert(TARGET);

  it('the closed form used is sensitive to the MMR over the search range', () => {
    expect(liquidationProbability(0.005)).toBeLessThan(0.04);
    expect(liquidationProbability(0.045)).toBeGreaterThan(0.12);
    expect(mStar).toBeGreaterThan(0.02);
    expect(mStar).toBeLessThan(0.04);
  });

  it('calibrated MMR for P(liquidation) ≤ 8% brackets the inverted closed form, and the closed form at the recommendation lies in the reported CI', async () => {
    const r = await runCalibration(scenario, {
      param: 'policy.maintenance.mmr',
      range: [0.005, 0.045],
      target: `fractionTradersLiquidated.mean <= ${TARGET}`,
      confidence: 0.95,
      prefer: 'high',
      initialPaths: 1000,
      maxPathsPerPoint: 8000,
      pathBudget: 400_000,
      tolerance: 0.0005,
      gridPoints: 5,
      workers: 0,
    });
    expect(r.status).toBe('found');
    expect(r.monotonicity.monotone).toBe(true);
    expect(r.monotonicity.direction).toBe('increasing');
    const rec = r.recommended!;
    const truth = liquidationProbability(rec.value);
    const msg = `recommended ${rec.value}, metric ${rec.metric.estimate} [${rec.metric.lower}, ${rec.metric.upper}] on ${rec.paths} paths; closed form there ${truth.toFixed(4)}; inverted closed form m* = ${mStar.toFixed(5)}; boundary ${JSON.stringify(r.boundary)}; ${r.stop.message}`;
    // the reported interval on the metric at the recommended value contains the exact probability
    expect(truth, msg).toBeGreaterThanOrEqual(rec.metric.lower!);
    expect(truth, msg).toBeLessThanOrEqual(rec.metric.upper!);
    // the recommendation meets the target with its upper bound, so it is on the safe side of m*
    expect(rec.metric.upper, msg).toBeLessThanOrEqual(TARGET);
    expect(rec.value, msg).toBeLessThanOrEqual(mStar);
    // and m* lies between the recommendation and the nearest value that clearly fails
    expect(r.boundary!.fails, msg).not.toBeNull();
    expect(mStar, msg).toBeGreaterThanOrEqual(r.boundary!.meets!);
    expect(mStar, msg).toBeLessThanOrEqual(r.boundary!.fails!);
    // the answer is informative: within 0.004 of the truth
    expect(mStar - rec.value, msg).toBeLessThan(0.004);
    console.log(`${msg}; ${r.pathsSpent} paths spent`);
  });
});
