/**
 * Exogenous (fundamental / index) price models of one market. Each is a small object created per
 * path and market; `nextLogReturn(z)` returns the next one-step log return given that step's standard
 * normal shock `z`. The shocks come from the multi-market price process (src/price/process.ts), which
 * correlates them across markets; any other randomness a model needs (jump counts and sizes, the χ²
 * of a Student-t innovation, regime transitions, bootstrap blocks) comes from the model's own stream.
 *
 * Units: drifts and volatilities are annualised; `dtYears` is the step length in years (365-day year,
 * since crypto perpetuals trade around the clock). Formulas: docs/price-models.md.
 */
import type { PriceModelConfig } from '../scenario/schema.js';
import type { Rng } from '../rng/streams.js';
import { normalSampler, poisson, standardizedStudentTFromNormal } from '../rng/distributions.js';
import { regimeSwitching } from './regime.js';
import { scriptedDrawdown } from './scripted.js';
import { blockBootstrap, csvReplay } from './csv.js';

export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** One market's price model, driven by a standard normal shock per step. */
export interface MarketPriceModel {
  readonly kind: string;
  /** Log return of the fundamental over the next step, given this step's N(0, 1) shock `z`. */
  nextLogReturn(z: number): number;
  /**
   * Models with a state beyond the price (GARCH's conditional variance, the regime): its current
   * value, and a way to start from a value saved earlier — so a path continues its warm-up history.
   */
  snapshot?(): Float64Array;
  resume?(state: Float64Array): void;
}

/** What a model may need besides its config. */
export interface ModelEnv {
  /** Step length in years. */
  dtYears: number;
  /** The model's own stream, for randomness other than the shock (jumps, χ², transitions, blocks). */
  rng: Rng;
  /** Steps per path (csv replay with a random start). */
  horizonSteps: number;
  /** csv models: the history's log returns on the step grid (src/scenario/market-csv.ts `csvHistory`). */
  csvReturns?: Float64Array;
  /** csv models: steps per row of the file (3 for candles replayed intrabar), so a random replay start lands on a row. Default 1. */
  csvStepsPerRow?: number;
}

/**
 * GBM: r = (μ − σ²/2)Δt + σ√Δt · z.
 */
export function gbm(cfg: { driftAnnual: number; volatilityAnnual: number }, dtYears: number): MarketPriceModel {
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2) * dtYears;
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  return { kind: 'gbm', nextLogReturn: (z) => mu + sd * z };
}

/**
 * Merton jump-diffusion: r = (μ − σ²/2 − λκ)Δt + σ√Δt·z + Σ_{i≤N} J_i, N ~ Poisson(λΔt),
 * J_i ~ N(m, δ²), κ = e^{m+δ²/2} − 1 (the compensator keeps μ the total drift).
 * Variance per unit time σ² + λ(m² + δ²). N and J_i are drawn from `rng`.
 */
export function merton(
  cfg: { driftAnnual: number; volatilityAnnual: number; jumpsPerYear: number; jumpMeanLog: number; jumpStdLog: number },
  dtYears: number,
  rng: Rng,
): MarketPriceModel {
  const normal = normalSampler(rng);
  const kappa = Math.exp(cfg.jumpMeanLog + 0.5 * cfg.jumpStdLog ** 2) - 1;
  const mu = (cfg.driftAnnual - 0.5 * cfg.volatilityAnnual ** 2 - cfg.jumpsPerYear * kappa) * dtYears;
  const sd = cfg.volatilityAnnual * Math.sqrt(dtYears);
  const lambdaDt = cfg.jumpsPerYear * dtYears;
  const { jumpMeanLog: m, jumpStdLog: d } = cfg;
  return {
    kind: 'merton',
    nextLogReturn: (z) => {
      let r = mu + sd * z;
      const n = lambdaDt > 0 ? poisson(rng, lambdaDt, normal) : 0;
      for (let i = 0; i < n; i++) r += m + d * normal();
      return r;
    },
  };
}

/**
 * GARCH(1,1) with standardised Student-t innovations and a variance cap:
 * σ²_t = min(c·σ²_LR·Δt, ω + α·ε²_{t−1} + β·σ²_{t−1}), ε_t = σ_t·u_t, r_t = μΔt + ε_t,
 * u_t = z_t / √(χ²_ν/ν) · √((ν−2)/ν) (unit variance; χ²_ν = 2·Gamma(ν/2) drawn from `rng`:
 * `standardizedStudentTFromNormal` in src/rng/distributions.ts),
 * ω = σ²_LR·Δt·(1 − α − β) so the uncapped unconditional per-step variance is σ²_LR·Δt = ω/(1−α−β);
 * c = `varianceCapMultiple` (Infinity = no cap). Why the cap: with ν ≤ 4, E[u⁴] is infinite, so one draw
 * can multiply the next variance by α·u² (u = 30 at α = 0.08: ×72) — docs/price-models.md "Why a GARCH-t
 * path explodes". Starts at the unconditional variance.
 * @throws RangeError if α + β ≥ 1, ν ≤ 2 or c < 1
 */
export function garch(
  cfg: {
    driftAnnual: number;
    longRunVolatilityAnnual: number;
    alpha: number;
    beta: number;
    degreesOfFreedom: number;
    varianceCapMultiple?: number;
  },
  dtYears: number,
  rng: Rng,
): MarketPriceModel {
  const { alpha, beta, degreesOfFreedom: nu } = cfg;
  if (!(alpha + beta < 1)) throw new RangeError(`GARCH needs alpha + beta < 1, got ${alpha + beta}`);
  if (!(nu > 2)) throw new RangeError(`Student-t degrees of freedom must be > 2, got ${nu}`);
  const capMultiple = cfg.varianceCapMultiple ?? Infinity;
  if (!(capMultiple >= 1)) throw new RangeError(`GARCH variance cap must be at least 1 times the long-run variance, got ${capMultiple}`);
  const longRunVar = cfg.longRunVolatilityAnnual ** 2 * dtYears;
  const maxVariance = capMultiple * longRunVar;
  const omega = longRunVar * (1 - alpha - beta);
  const studentT = standardizedStudentTFromNormal(rng, nu);
  const mu = cfg.driftAnnual * dtYears;
  let variance = longRunVar;
  let prevEps = 0;
  let first = true;
  return {
    kind: 'garch',
    nextLogReturn: (z) => {
      if (!first) variance = Math.min(maxVariance, omega + alpha * prevEps * prevEps + beta * variance);
      first = false;
      prevEps = Math.sqrt(variance) * studentT(z);
      return mu + prevEps;
    },
    snapshot: () => Float64Array.of(variance, prevEps, first ? 1 : 0),
    resume: (s) => {
      variance = s[0];
      prevEps = s[1];
      first = s[2] === 1;
    },
  };
}

/** Picks the model named by `cfg.kind`. */
export function createMarketPriceModel(cfg: PriceModelConfig, env: ModelEnv): MarketPriceModel {
  const { dtYears, rng } = env;
  switch (cfg.kind) {
    case 'gbm':
      return gbm(cfg, dtYears);
    case 'merton':
      return merton(cfg, dtYears, rng);
    case 'garch':
      return garch(cfg, dtYears, rng);
    case 'regime-switching':
      return regimeSwitching(cfg, dtYears, rng);
    case 'scripted-drawdown':
      return scriptedDrawdown(cfg, dtYears);
    case 'csv': {
      if (!env.csvReturns) throw new Error(`csv price model: no data loaded for ${cfg.file} (use loadPriceData)`);
      return cfg.mode === 'replay'
        ? csvReplay(env.csvReturns, cfg, env.horizonSteps, rng, env.csvStepsPerRow)
        : blockBootstrap(env.csvReturns, cfg, rng);
    }
  }
}
