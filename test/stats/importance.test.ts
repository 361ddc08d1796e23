/**
 * Importance sampling of the price shocks (scenario `sampling.importance`, src/price/process.ts,
 * src/engine/importance.ts) and the weighted estimators (src/stats/design.ts), against exact truths:
 *
 * - the liquidation probability of one isolated long on GBM over a day of one-minute steps at
 *   p ≈ 1.3e−4 and p ≈ 1e−5 (the first-passage closed form with the BGK shift), estimated from a few
 *   thousand importance-sampled paths within 3 standard errors, with a relative half-width under 20%
 *   and a variance reduction ≥ 20 over plain Monte Carlo (`npm run bench -- importance` prints it);
 * - the weighted interval's coverage at p ≈ 1e−3 over replications;
 * - weighted VaR and ES of a tilted normal sample against the exact normal values;
 * - the likelihood ratio: its mean under the tilt is 1, and a zero shift reproduces plain Monte Carlo.
 */
import { describe, expect, it } from 'vitest';
import { runPaths } from '../../src/mc/runner.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath, type PathSummary } from '../../src/engine/path.js';
import { aggregate } from '../../src/stats/aggregate.js';
import { designExpectedShortfall, designProportion, designQuantile } from '../../src/stats/design.js';
import { normalQuantile } from '../../src/stats/ci.js';
import { normalCdfAccurate } from '../../src/math/special.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { firstPassageLong, gapLaw, gapScenario } from '../helpers/exact-laws.js';
import { identicalTraders } from '../helpers/scenarios.js';
import { floorFor } from '../helpers/coverage.js';

function longTrader(sigma: number, steps: number, stepSeconds: number, over: Record<string, unknown> = {}): Scenario {
  return identicalTraders({ seed: 41, stepSeconds, horizonSteps: steps, market: { priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: sigma } }, ...over });
}

describe('importance sampling against the closed-form first-passage probability', () => {
  for (const c of [
    { sigma: 0.4, paths: 2000 },
    { sigma: 0.35, paths: 2000 },
  ]) {
    it(`σ = ${c.sigma}: P(liquidation) within 3 SE of the closed form from ${c.paths} weighted paths, relative half-width < 20%, variance reduction ≥ 20`, async () => {
      const o = { sigma: c.sigma, stepSeconds: 60, steps: 1440, leverage: 10, mmr: 0.025 };
      const truth = firstPassageLong(o);
      expect(truth).toBeGreaterThan(1e-5);
      expect(truth).toBeLessThan(1e-3);
      const sc = longTrader(c.sigma, o.steps, o.stepSeconds, { paths: c.paths, sampling: { importance: { shiftPerStep: 'auto' } } });
      const out = await runPaths(sc, { workers: 0, series: false });
      const a = aggregate(out.summaries, 1);
      const e = a.fractionTradersLiquidated.mean;
      const se = e.standardError!;
      const hits = out.summaries.filter((s) => s.liquidationCount > 0).length;
      const vrf = (truth * (1 - truth)) / (se * se * c.paths);
      const plainPaths = (1.959963984540054 ** 2 * (1 - truth)) / (0.2 ** 2 * truth);
      const halfWidth = (e.upper! - e.lower!) / 2 / e.estimate;
      const msg = `closed form ${truth.toExponential(3)}, IS ${e.estimate.toExponential(3)} ± ${se.toExponential(2)} (${hits} of ${c.paths} paths liquidated), CI [${e.lower!.toExponential(3)}, ${e.upper!.toExponential(3)}], relative half-width ${(100 * halfWidth).toFixed(1)}%, variance reduction ${vrf.toFixed(0)}×, plain MC needs ${Math.round(plainPaths)} paths for 20%`;
      console.log(msg);
      expect(e.method, msg).toBe('weighted-two-part');
      expect(Math.abs(e.estimate - truth), msg).toBeLessThan(3 * se);
      expect(e.lower!, msg).toBeLessThanOrEqual(truth);
      expect(e.upper!, msg).toBeGreaterThanOrEqual(truth);
      expect(halfWidth, msg).toBeLessThan(0.2);
      expect(c.paths, msg).toBeLessThanOrEqual(plainPaths / 20);
      expect(vrf, msg).toBeGreaterThanOrEqual(20);
      // the run reports its design, the effective sample size of the weights and their range
      expect(a.sampling.design).toBe('importance');
      expect(a.sampling.effectiveSampleSize).toBeGreaterThan(0);
      expect(a.sampling.likelihoodRatio!.max).toBeGreaterThan(a.sampling.likelihoodRatio!.min);
    });
  }

  it('the weighted interval of P(liquidation) at p ≈ 1e−3 keeps 95% over 300 replications (npm test; 2,000 in npm run validate) of 200 importance-sampled paths (one-step gap, exact)', async () => {
    const law = { sigma: 0.495 };
    const truth = gapLaw(law).pLiquidated;
    expect(truth).toBeGreaterThan(5e-4);
    expect(truth).toBeLessThan(2e-3);
    const sc = gapScenario(law, { sampling: { importance: { shiftPerStep: 'auto' } } });
    const ctx = createRunContext(sc);
    const buf = new PathBuffers(ctx);
    const R = Number(process.env.MARGINLAB_COVERAGE_REPS ?? 300);
    const n = 200;
    let hits = 0;
    for (let r = 0; r < R; r++) {
      const s: PathSummary[] = Array.from({ length: n }, (_, k) => simulatePath(ctx, r * n + k, buf, false).summary);
      const e = aggregate(s, 1).fractionTradersLiquidated.mean;
      if (e.lower! <= truth && truth <= e.upper!) hits++;
      if (r % 50 === 49) await new Promise((res) => setImmediate(res)); // let the worker answer its runner
    }
    console.log(`weighted P(liquidation) = ${truth.toExponential(3)} at ${n} paths (shift ${ctx.importanceShift![0].toFixed(3)} per step): coverage ${((100 * hits) / R).toFixed(1)}% of ${R}`);
    expect(hits / R).toBeGreaterThanOrEqual(floorFor(0.95, R));
  });

  it('a zero shift reproduces plain Monte Carlo path by path, with weight 1', async () => {
    const plain = await runPaths(longTrader(0.8, 60, 600, { paths: 20 }), { workers: 0, series: false });
    const zero = await runPaths(longTrader(0.8, 60, 600, { paths: 20, sampling: { importance: { shiftPerStep: 0 } } }), { workers: 0, series: false });
    zero.summaries.forEach((s, k) => {
      expect(s.likelihoodRatio).toBe(1);
      const { likelihoodRatio: _w, ...rest } = s;
      void _w;
      expect(rest).toEqual(plain.summaries[k]);
    });
  });

  it('the likelihood ratio has mean 1 under the tilt (a moderate shift, 4,000 paths, within 3 SE)', async () => {
    const out = await runPaths(longTrader(0.8, 20, 600, { paths: 4000, sampling: { importance: { shiftPerStep: -0.3 } } }), { workers: 0, series: false });
    const w = out.summaries.map((s) => s.likelihoodRatio!);
    const m = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / (w.length - 1));
    expect(Math.abs(m - 1)).toBeLessThan((3 * sd) / Math.sqrt(w.length));
  });
});

describe('weighted estimators on a tilted normal sample', () => {
  it('weighted P(X > 3.5), VaR 99.9% and ES 99.9% of N(0, 1) from 4,000 draws of N(3, 1) cover the exact values', () => {
    // draws from N(θ, 1) with θ = 3; weight φ(x)/φ(x − θ) = exp(−θx + θ²/2)
    const theta = 3;
    const z = normalSampler(stream(3, 0, 'tilt'));
    const n = 4000;
    const xs = new Float64Array(n);
    const w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      xs[i] = z() + theta;
      w[i] = Math.exp(-theta * xs[i] + 0.5 * theta * theta);
    }
    const design = { weights: w };
    const pTrue = normalCdfAccurate(-3.5); // P(Z > 3.5) ≈ 2.33e−4
    const p = designProportion(Uint8Array.from(xs, (x) => (x > 3.5 ? 1 : 0)), design);
    expect(p.method).toBe('weighted-clopper-pearson');
    expect(p.lower!).toBeLessThanOrEqual(pTrue);
    expect(p.upper!).toBeGreaterThanOrEqual(pTrue);
    expect((p.upper! - p.lower!) / 2 / p.estimate).toBeLessThan(0.1);
    const q = 0.999;
    const varTrue = normalQuantile(q);
    const esTrue = Math.exp(-0.5 * varTrue * varTrue) / Math.sqrt(2 * Math.PI) / (1 - q);
    const v = designQuantile(xs, q, design);
    expect(v.lower!).toBeLessThanOrEqual(varTrue);
    expect(v.upper!).toBeGreaterThanOrEqual(varTrue);
    expect(Math.abs(v.estimate - varTrue)).toBeLessThan(0.05);
    const es = designExpectedShortfall(xs, q, design);
    expect(es.method).toBe('weighted-es-two-part');
    expect(es.lower!).toBeLessThanOrEqual(esTrue);
    expect(es.upper!).toBeGreaterThanOrEqual(esTrue);
    expect(Math.abs(es.estimate - esTrue)).toBeLessThan(0.05);
  });
});

describe('importance sampling in studies', () => {
  it('a sweep resolves an automatic shift once, on its base: every point runs on the same tilted shocks and weights (common random numbers)', async () => {
    const { runSweep } = await import('../../src/sweep/sweep.js');
    const sc = longTrader(0.8, 60, 600, { paths: 60, sampling: { importance: { shiftPerStep: 'auto' } } });
    const r = await runSweep(sc, { params: [{ path: 'policy.maintenance.mmr', values: [0.01, 0.03] }], workers: 0, metrics: ['fractionTradersLiquidated.mean'] });
    const shifts = r.points.map((p) => p.aggregates.sampling);
    expect(shifts.every((s) => s.design === 'importance')).toBe(true);
    // the same weights on every point: the weights' summary is identical although the MMR (and so the auto target) differs
    expect(shifts[1]).toEqual(shifts[0]);
    expect(r.scenario.sampling?.importance?.shiftPerStep).toEqual(expect.any(Array));
  });
});
