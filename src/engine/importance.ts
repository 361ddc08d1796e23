/**
 * Importance sampling of the exogenous shocks (scenario `sampling.importance`): each market's
 * standard normal price shock is drawn from N(θ_m, 1) instead of N(0, 1) (src/price/process.ts), and
 * each path carries the likelihood ratio of its shocks, the weight every estimator gives it
 * (src/stats/design.ts). This module resolves the shifts θ_m: given explicitly, or chosen from the
 * opening book (`shiftPerStep: auto`):
 *
 *   - the adverse side of market m is the side (long or short) with the larger notional there;
 *   - each of its isolated positions has a log distance d to its liquidation price
 *     (target: liquidation; the policy's maintenance rule, `thresholdPrice`) or to its bankruptcy
 *     price (target: bad-debt, equity 0); d at the `shareOfOpenInterest` quantile of the side's
 *     notional (0 = the nearest position) is the move aimed at;
 *   - θ_m = (d − ν·H) / (σ·√Δt·H): the shift that puts the shocks' mean path on the straight line
 *     from the opening price to that move at the horizon — the most likely way a Brownian path reaches
 *     a level by a time (the large-deviation path), so the event becomes common and the weights stay
 *     near 1 where it happens. σ is the coefficient the shock has in the model (volatilityAnnual, or
 *     longRunVolatilityAnnual for GARCH), ν the GBM log drift μ − σ²/2 (0 for other models).
 *
 * Clamped to |θ| ≤ 5. A market with no positions, or only cross-margin ones, gets θ = 0.
 */
import type { Scenario } from '../scenario/schema.js';
import type { Population } from '../agents/population.js';
import type { MaintenanceModel } from '../margin/maintenance.js';
import { SECONDS_PER_YEAR } from '../price/models.js';
import { nominalVolatilityAnnual } from '../price/nominal.js';

/** The shock coefficient σ (annualised) and the GBM log drift ν of market m's price model. */
function shockScale(pm: Scenario['market']['priceModel']): { sigma: number; nu: number } {
  const cfg = pm as unknown as Record<string, unknown> & { kind: string };
  const sigma = (typeof cfg.volatilityAnnual === 'number' ? cfg.volatilityAnnual : undefined) ?? (typeof cfg.longRunVolatilityAnnual === 'number' ? cfg.longRunVolatilityAnnual : undefined) ?? nominalVolatilityAnnual(cfg);
  const nu = pm.kind === 'gbm' ? pm.driftAnnual - 0.5 * pm.volatilityAnnual ** 2 : 0;
  return { sigma, nu };
}

/**
 * The per-market shifts θ (standard deviations of the shock per step) of a scenario with importance
 * sampling, from its config and the opening book; null without importance sampling.
 */
export function importanceShifts(sc: Scenario, pop: Population, maintenance: (m: number) => MaintenanceModel): number[] | null {
  const cfg = sc.sampling?.importance;
  if (!cfg) return null;
  const markets = [sc.market, ...sc.otherMarkets];
  const K = markets.length;
  const given = cfg.shiftPerStep;
  if (typeof given === 'number') return markets.map(() => given);
  if (Array.isArray(given)) return markets.map((_, m) => given[m] ?? 0);
  const dt = sc.stepSeconds / SECONDS_PER_YEAR;
  const H = sc.horizonSteps;
  return Array.from({ length: K }, (_, m) => {
    const s0 = markets[m].initialPriceUsd;
    let longN = 0;
    let shortN = 0;
    for (let p = 0; p < pop.positions; p++) {
      if (pop.posMarket[p] !== m) continue;
      if (pop.posSide[p] === 1) longN += pop.posSize[p] * s0;
      else shortN += pop.posSize[p] * s0;
    }
    if (longN + shortN === 0) return 0;
    const side: 1 | -1 = longN >= shortN ? 1 : -1;
    const mm = maintenance(m);
    const dist: { d: number; w: number }[] = [];
    for (let p = 0; p < pop.positions; p++) {
      if (pop.posMarket[p] !== m || pop.posSide[p] !== side) continue;
      const a = pop.posAccount[p];
      if (pop.acctCross[a] || pop.acctNPos[a] !== 1) continue;
      const q = pop.posSize[p];
      const entry = pop.posEntry[p];
      const collateral = pop.acctMargin[a] / 100;
      const price = cfg.target === 'bad-debt' ? entry - (side * collateral) / q : mm.thresholdPrice(side, q, entry, collateral, 1);
      if (!(price > 0) || !Number.isFinite(price)) continue;
      dist.push({ d: Math.log(price / s0), w: q * s0 });
    }
    if (dist.length === 0) return 0;
    dist.sort((x, y) => Math.abs(x.d) - Math.abs(y.d));
    const total = dist.reduce((acc, x) => acc + x.w, 0);
    let acc = 0;
    let d = dist[dist.length - 1].d;
    for (const x of dist) {
      acc += x.w;
      if (acc >= cfg.shareOfOpenInterest * total) {
        d = x.d;
        break;
      }
    }
    const { sigma, nu } = shockScale(markets[m].priceModel);
    const theta = (d - nu * dt * H) / (sigma * Math.sqrt(dt) * H);
    return Math.max(-5, Math.min(5, theta));
  });
}
