/**
 * Market impact of net order flow and its decay (resilience). The impact state x is a log-price
 * offset: market = fundamental · e^x. A net flow F (USD notional, + = buying) moves x by
 *   linear: Δx = 0.01 · F / D          sqrt: Δx = 0.01 · sign(F) · √(|F| / D)
 * with D = depthUsdPerPercent (the flow that moves the price 1%). Between steps x decays with a
 * half-life: x ← x · 2^(−1/halfLifeSteps).
 *
 * A block of flow that walks the book fills on average part-way along the move: the fill price is
 * market · e^{φ·Δx} with φ = 1/2 for linear impact and 2/3 for square-root impact (the mean of the
 * marginal price over the block).
 */
import type { ImpactConfig } from '../scenario/schema.js';

export interface ImpactModel {
  readonly kind: ImpactConfig['kind'];
  /**
   * Change in log price caused by net flow F (USD, + buy), with the depth scaled by
   * `depthMultiplier` (≤ 1 when liquidity has withdrawn; default 1).
   */
  delta(flowUsd: number, depthMultiplier?: number): number;
  /** The net flow (USD, + buy) that moves the log price by `dx` — the inverse of `delta` (0 for none). */
  flowFor(dx: number, depthMultiplier?: number): number;
  /** Fraction φ of Δx at which the block fills on average. */
  readonly fillFraction: number;
  /** Per-step decay factor of the impact state. */
  readonly decayPerStep: number;
}

export function createImpactModel(cfg: ImpactConfig): ImpactModel {
  const decayPerStep = Math.pow(2, -1 / cfg.halfLifeSteps);
  const d = cfg.depthUsdPerPercent;
  switch (cfg.kind) {
    case 'none':
      return { kind: 'none', delta: () => 0, flowFor: () => 0, fillFraction: 0, decayPerStep };
    case 'linear':
      return { kind: 'linear', delta: (f, mult = 1) => (0.01 * f) / (d * mult), flowFor: (dx, mult = 1) => (dx / 0.01) * d * mult, fillFraction: 0.5, decayPerStep };
    case 'sqrt':
      return {
        kind: 'sqrt',
        delta: (f, mult = 1) => 0.01 * Math.sign(f) * Math.sqrt(Math.abs(f) / (d * mult)),
        flowFor: (dx, mult = 1) => Math.sign(dx) * (dx / 0.01) ** 2 * d * mult,
        fillFraction: 2 / 3,
        decayPerStep,
      };
  }
}
