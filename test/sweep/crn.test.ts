/**
 * Common random numbers: two nearby thresholds run on the same seed and path indices see the same
 * price shocks, so the per-path difference of a metric is far less noisy than the difference of two
 * independent runs (different seeds). This protects the property every sweep, calibration and
 * comparison relies on — and measures it (the ratio is printed and quoted in docs/calibration.md).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';
import { METRICS } from '../../src/sweep/metrics.js';
import { pairedDifference } from '../../src/stats/paired.js';
import { PathTable } from '../../src/mc/table.js';
import { meanCi } from '../../src/stats/ci.js';
import type { Scenario } from '../../src/scenario/schema.js';

const TRADERS = 1000;
const base = {
  name: 'crn',
  paths: 600,
  horizonSteps: 240,
  market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.2 }, impact: { kind: 'linear', depthUsdPerPercent: 1_000_000, halfLifeSteps: 20 } },
  // continuous leverage so liquidation prices are spread out; entries at the initial price (the
  // simplest identical book at both thresholds)
  traders: { count: TRADERS, entryPriceSpreadLog: 0, leverage: { kind: 'lognormal', median: 6, sigmaLog: 0.6 } },
  policy: { maxLeverage: 20 },
  output: { seriesSamplePaths: 1, seriesPoints: 2 },
};
const at = (mmr: number, seed: number): Scenario => parseScenario({ ...base, seed, policy: { ...base.policy, maintenance: { kind: 'fixed', mmr } } }, 'test');
const run = async (s: Scenario) => PathTable.fromSummaries((await runPaths(s, { workers: 0, series: false })).summaries);

describe('common random numbers', () => {
  let a: PathTable; // MMR 2.0%, seed 31
  let b: PathTable; // MMR 2.1%, seed 31 (same shocks)
  let bIndependent: PathTable; // MMR 2.1%, seed 32
  beforeAll(async () => {
    a = await run(at(0.02, 31));
    b = await run(at(0.021, 31));
    bIndependent = await run(at(0.021, 32));
  });

  for (const key of ['fractionTradersLiquidated.mean', 'liquidatedNotionalUsd.mean']) {
    it(`paired SE of the MMR 2.0% → 2.1% difference in ${key} is at least 5× smaller than from two independent runs (measured ≈11–12×)`, () => {
      const m = METRICS.get(key)!;
      const xa = m.values(a, TRADERS);
      const paired = pairedDifference(m.functional, xa, m.values(b, TRADERS));
      // the difference of two independent runs: SE = √(SE_a² + SE_b′²)
      const independentSe = Math.hypot(meanCi(Array.from(xa)).standardError!, meanCi(Array.from(m.values(bIndependent, TRADERS))).standardError!);
      const ratio = independentSe / paired.standardError;
      const msg = `${key}: paired SE ${paired.standardError.toPrecision(3)}, independent-runs SE ${independentSe.toPrecision(3)}, ratio ${ratio.toFixed(1)}× (variance ${(ratio ** 2).toFixed(0)}×)`;
      console.log(msg);
      expect(ratio, msg).toBeGreaterThan(5);
      // the unpaired SE reported next to every paired difference (same paths, correlation ignored)
      // estimates the independent-runs SE
      expect(paired.unpairedStandardError / independentSe, msg).toBeGreaterThan(0.6);
      expect(paired.unpairedStandardError / independentSe, msg).toBeLessThan(1.6);
      // and the paired interval resolves the effect: a higher MMR liquidates more
      expect(paired.estimate, msg).toBeGreaterThan(0);
      expect(paired.significant, msg).toBe(true);
    });
  }
});
