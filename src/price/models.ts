/**
 * Exogenous (fundamental / index) price models. Each is a small object created per path from its
 * scenario config and the path's "price" stream; `nextLogReturn()` draws the next one-step log return.
 * Units: drifts and volatilities are annualised; `dtYears` is the step length in years (365-day year,
 * since crypto perpetuals trade around the clock).
 */
import type { PriceModelConfig } from '../scenario/schema.js';
import type { Rng } from '../rng/streams.js';
import { normalSampler, poisson, standardizedStudentTSampler } from '../rng/distributions.js';

export const SECONDS_PER_YEAR = 365 * 24 * 3600;

export interface PriceModel {
  readonly kind: string;
  /** Log return of the fundamental over the next step. */
  nextLogReturn(): number;
}

/**
 * GBM: r = (μ − σ²/2)Δt + σ√Δt · Z.
 */
export function gbm(cfg: { driftAnnual: number; volatilityAnnual: number }, dtYears: number, rng: Rng): PriceModel {
  const normal = normalSampler(rng);
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2) * dtYears;
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  return { kind: 'gbm', nextLogReturn: () => mu + sd * normal() };
}

/**
 * Merton jump-diffusion: r = (μ − σ²/2 − λκ)Δt + σ√Δt·Z + Σ_{i≤N} J_i, N ~ Poisson(λΔt),
 * J_i ~ N(m, δ²), κ = e^{m+δ²/2} − 1 (the compensator keeps μ the total drift).
 * Variance per unit time σ² + λ(m² + δ²).
 */
export function merton(
  cfg: { driftAnnual: number; volatilityAnnual: number; jumpsPerYear: number; jumpMeanLog: number; jumpStdLog: number },
  dtYears: number,
  rng: Rng,
): PriceModel {
  const normal = normalSampler(rng);
  const kappa = Math.exp(cfg.jumpMeanLog + 0.5 * cfg.jumpStdLog ** 2) - 1;
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2 - cfg.jumpsPerYear * kappa) * dtYears;
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  const lambdaDt = cfg.jumpsPerYear * dtYears;
  return {
    kind: 'merton',
    nextLogReturn: () => {
      let r = mu + sd * normal();
      const n = poisson(rng, lambdaDt, normal);
      for (let i = 0; i < n; i++) r += cfg.jumpMeanLog + cfg.jumpStdLog * normal();
      return r;
    },
  };
}

/**
 * GARCH(1,1) with standardised Student-t innovations:
 * σ²_t = ω + α·ε²_{t−1} + β·σ²_{t−1}, ε_t = σ_t·z_t, r_t = μΔt + ε_t,
 * ω = σ²_LR·Δt·(1 − α − β) so the unconditional per-step variance is σ²_LR·Δt = ω/(1−α−β).
 * Starts at the unconditional variance.
 */
export function garch(
  cfg: { driftAnnual: number; longRunVolatilityAnnual: number; alpha: number; beta: number; degreesOfFreedom: number },
  dtYears: number,
  rng: Rng,
): PriceModel {
  const { alpha, beta } = cfg;
  if (!(alpha + beta < 1)) throw new RangeError(`GARCH needs alpha + beta < 1, got ${alpha + beta}`);
  const longRunVar = cfg.longRunVolatilityAnnual ** 2 * dtYears;
  const omega = longRunVar * (1 - alpha - beta);
  const t = standardizedStudentTSampler(rng, cfg.degreesOfFreedom);
  const mu = cfg.driftAnnual * dtYears;
  let variance = longRunVar;
  let prevEps = 0;
  let first = true;
  return {
    kind: 'garch',
    nextLogReturn: () => {
      if (!first) variance = omega + alpha * prevEps * prevEps + beta * variance;
      first = false;
      prevEps = Math.sqrt(variance) * t();
      return mu + prevEps;
    },
  };
}

/** Picks the model named by `cfg.kind`. */
export function createPriceModel(cfg: PriceModelConfig, stepSeconds: number, rng: Rng): PriceModel {
  const dt = stepSeconds / SECONDS_PER_YEAR;
  switch (cfg.kind) {
    case 'gbm':
      return gbm(cfg, dt, rng);
    case 'merton':
      return merton(cfg, dt, rng);
    case 'garch':
      return garch(cfg, dt, rng);
  }
}
