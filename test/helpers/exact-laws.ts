/**
 * Exact truths for coverage tests: the laws of a one-trader book whose results are known in closed
 * form, and the scenarios that produce them through the engine.
 *
 * One-trader gap: one isolated long at leverage λ with collateral C, entered at S0 (size Q = λC/S0,
 * bankruptcy price B = S0 − C/Q), no impact, no fee, no fund, horizon one step. The step's log return
 * r is a mixture over N ~ Poisson(λ_J·Δt) jumps of N(μ + N·m, s² + N·δ²) (GBM when λ_J = 0). The
 * trader is liquidated iff S1 = S0·e^r falls to the liquidation price B/(1 − MMR), and the bad debt
 * is X = Q·(B − S1)⁺ exactly (closed at the mark, nothing covers the shortfall). So:
 *   P(liquidated) = F_r(ln(L/S0)),  P(X > 0) = F_r(ln(B/S0)),
 *   E[X] = Q·Σ_N π_N·(B·Φ(d) − S0·e^{a + v/2}·Φ(d − √v)),  d = (ln(B/S0) − a)/√v,
 * VaR_q by inverting F_r, ES_q = VaR + E[(X − VaR)⁺]/(1 − q) with the same put-like integral.
 */
import { normalCdfAccurate as Phi } from '../../src/math/special.js';
import { SECONDS_PER_YEAR } from '../../src/price/models.js';
import { identicalTraders } from './scenarios.js';
import type { Scenario } from '../../src/scenario/schema.js';

export interface GapLawParams {
  /** Annualised diffusive volatility. */
  sigma: number;
  /** Merton jumps per year, log jump mean and standard deviation (0 = GBM). */
  jumpsPerYear?: number;
  jumpMeanLog?: number;
  jumpStdLog?: number;
  /** Step length (seconds); the horizon is one step. */
  stepSeconds?: number;
  leverage?: number;
  collateralUsd?: number;
  mmr?: number;
}

export interface ExactLaw {
  /** P(the trader is liquidated). */
  pLiquidated: number;
  /** P(bad debt > 0). */
  pBadDebt: number;
  meanBadDebt: number;
  varBadDebt(q: number): number;
  esBadDebt(q: number): number;
}

const S0 = 100;

export function gapLaw(p: GapLawParams): ExactLaw {
  const dt = (p.stepSeconds ?? 86_400) / SECONDS_PER_YEAR;
  const lam = (p.jumpsPerYear ?? 0) * dt;
  const m = p.jumpMeanLog ?? 0;
  const d = p.jumpStdLog ?? 0;
  const kappa = Math.exp(m + 0.5 * d * d) - 1;
  // Merton compensated drift with μ = 0 (as the price model: (μ − σ²/2 − λκ)Δt)
  const mu = (-0.5 * p.sigma * p.sigma - (p.jumpsPerYear ?? 0) * kappa) * dt;
  const s2 = p.sigma * p.sigma * dt;
  const comps: { w: number; a: number; v: number }[] = [];
  let w = Math.exp(-lam);
  for (let j = 0; j < 60; j++) {
    comps.push({ w, a: mu + j * m, v: s2 + j * d * d });
    w *= lam / (j + 1);
    if (lam === 0) break;
  }
  const lev = p.leverage ?? 10;
  const C = p.collateralUsd ?? 1000;
  const Q = (lev * C) / S0;
  const B = S0 - C / Q;
  const L = B / (1 - (p.mmr ?? 0.025));
  const cdf = (c: number) => comps.reduce((acc, k) => acc + k.w * Phi((c - k.a) / Math.sqrt(k.v)), 0);
  /** E[(K − S1)⁺] for a strike K (USD). */
  const put = (K: number) => {
    if (!(K > 0)) return 0;
    const c = Math.log(K / S0);
    return comps.reduce((acc, k) => {
      const sv = Math.sqrt(k.v);
      const z = (c - k.a) / sv;
      return acc + k.w * (K * Phi(z) - S0 * Math.exp(k.a + 0.5 * k.v) * Phi(z - sv));
    }, 0);
  };
  const pBad = cdf(Math.log(B / S0));
  const varQ = (q: number) => {
    if (pBad <= 1 - q) return 0;
    let lo = -60;
    let hi = Math.log(B / S0);
    for (let i = 0; i < 200; i++) {
      const c = 0.5 * (lo + hi);
      if (cdf(c) < 1 - q) lo = c;
      else hi = c;
    }
    return Q * (B - S0 * Math.exp(0.5 * (lo + hi)));
  };
  return {
    pLiquidated: cdf(Math.log(L / S0)),
    pBadDebt: pBad,
    meanBadDebt: Q * put(B),
    varBadDebt: varQ,
    esBadDebt: (q) => {
      const v = varQ(q);
      return v + (Q * put(B - v / Q)) / (1 - q);
    },
  };
}

/** The engine scenario whose one path is a draw from `gapLaw(p)`. */
export function gapScenario(p: GapLawParams, over: Record<string, unknown> = {}): Scenario {
  const jumps = (p.jumpsPerYear ?? 0) > 0;
  return identicalTraders({
    name: 'gap',
    seed: 17,
    stepSeconds: p.stepSeconds ?? 86_400,
    horizonSteps: 1,
    market: {
      priceModel: jumps
        ? { kind: 'merton', driftAnnual: 0, volatilityAnnual: p.sigma, jumpsPerYear: p.jumpsPerYear, jumpMeanLog: p.jumpMeanLog ?? 0, jumpStdLog: p.jumpStdLog ?? 0 }
        : { kind: 'gbm', driftAnnual: 0, volatilityAnnual: p.sigma },
    },
    traders: { leverage: { kind: 'tiers', tiers: [{ leverage: p.leverage ?? 10, weight: 1 }] }, collateralUsd: { kind: 'lognormal', medianUsd: p.collateralUsd ?? 1000, sigmaLog: 0 } },
    policy: { maintenance: { kind: 'fixed', mmr: p.mmr ?? 0.025 } },
    ...over,
  });
}

/** GBM first passage of identical long traders (BGK-corrected discrete monitoring): P(liquidated by the horizon). */
export function firstPassageLong(o: { sigma: number; mu?: number; stepSeconds: number; steps: number; leverage: number; mmr: number }): number {
  const dt = o.stepSeconds / SECONDS_PER_YEAR;
  const T = o.steps * dt;
  const liq = (S0 * (1 - 1 / o.leverage)) / (1 - o.mmr) / Math.exp(0.5826 * o.sigma * Math.sqrt(dt));
  const nu = (o.mu ?? 0) - 0.5 * o.sigma * o.sigma;
  const b = Math.log(liq / S0);
  const sT = o.sigma * Math.sqrt(T);
  return Phi((b - nu * T) / sT) + Math.exp((2 * nu * b) / (o.sigma * o.sigma)) * Phi((b + nu * T) / sT);
}
