/**
 * Validates the engine against the closed-form GBM first-passage probability with the
 * Broadie–Glasserman–Kou discrete-monitoring correction (docs/design.md §4): with identical isolated
 * traders, no impact and no fees, a trader is liquidated on a path iff the mark, observed once per
 * step, falls below (long) or rises above (short) the liquidation price within the horizon.
 */
import { describe, expect, it } from 'vitest';
import { runPaths } from '../../src/mc/runner.js';
import { normalCdf } from '../../src/stats/ci.js';
import { SECONDS_PER_YEAR } from '../../src/price/models.js';
import { identicalTraders } from '../helpers/scenarios.js';

const BGK = 0.5826;

/** P(min_{t≤T} S_t ≤ L), continuous monitoring, L < S0. */
function downPassage(s0: number, barrier: number, mu: number, sigma: number, T: number): number {
  const nu = mu - 0.5 * sigma * sigma;
  const b = Math.log(barrier / s0);
  const sT = sigma * Math.sqrt(T);
  return normalCdf((b - nu * T) / sT) + Math.exp((2 * nu * b) / (sigma * sigma)) * normalCdf((b + nu * T) / sT);
}

/** P(max_{t≤T} S_t ≥ H), continuous monitoring, H > S0. */
function upPassage(s0: number, barrier: number, mu: number, sigma: number, T: number): number {
  const nu = mu - 0.5 * sigma * sigma;
  const h = Math.log(barrier / s0);
  const sT = sigma * Math.sqrt(T);
  return normalCdf((-h + nu * T) / sT) + Math.exp((2 * nu * h) / (sigma * sigma)) * normalCdf((-h - nu * T) / sT);
}

describe('GBM first-passage liquidation probability', () => {
  const cases = [
    { side: 'long', leverage: 10, mmr: 0.025, mu: 0, sigma: 0.8, paths: 4000 },
    { side: 'long', leverage: 20, mmr: 0.02, mu: 0.5, sigma: 0.6, paths: 3000 },
    { side: 'short', leverage: 10, mmr: 0.025, mu: 0.2, sigma: 0.8, paths: 4000 },
  ] as const;
  for (const c of cases) {
    it(`matches the discretely-monitored closed form within 3 SE (${c.side} ${c.leverage}x, MMR ${c.mmr}, μ ${c.mu}, σ ${c.sigma})`, async () => {
      const sc = identicalTraders({
        paths: c.paths,
        market: { priceModel: { kind: 'gbm', driftAnnual: c.mu, volatilityAnnual: c.sigma } },
        traders: { longShare: c.side === 'long' ? 1 : 0, leverage: { kind: 'tiers', tiers: [{ leverage: c.leverage, weight: 1 }] } },
        policy: { maintenance: { kind: 'fixed', mmr: c.mmr } },
      });
      const out = await runPaths(sc, { workers: 0 });
      const hits = out.summaries.filter((s) => s.liquidationCount > 0).length;
      const pHat = hits / c.paths;
      const s0 = sc.market.initialPriceUsd;
      const dt = sc.stepSeconds / SECONDS_PER_YEAR;
      const T = sc.horizonSteps * dt;
      const shift = Math.exp(BGK * c.sigma * Math.sqrt(dt));
      let p: number;
      if (c.side === 'long') {
        const liq = (s0 * (1 - 1 / c.leverage)) / (1 - c.mmr);
        p = downPassage(s0, liq / shift, c.mu, c.sigma, T);
      } else {
        const liq = (s0 * (1 + 1 / c.leverage)) / (1 + c.mmr);
        p = upPassage(s0, liq * shift, c.mu, c.sigma, T);
      }
      const se = Math.sqrt((p * (1 - p)) / c.paths);
      expect(p).toBeGreaterThan(0.02); // the test is informative only if events happen
      expect(Math.abs(pHat - p), `p̂ = ${pHat}, closed form ${p.toFixed(4)}, SE ${se.toFixed(4)}`).toBeLessThan(3 * se);
    });
  }
});
