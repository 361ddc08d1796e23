/**
 * The log-likelihoods of the price models fitted by `marginlab fit` (src/stats/fit/fit.ts), written
 * for exactly the processes src/price simulates, and each model's conditional CDF F_t(r_t) (the
 * probability integral transform, for the goodness-of-fit residuals). r is the series of one-step
 * log returns, dt the step in years. All O(n) per evaluation (Merton: O(n · jump terms)).
 *
 * gbm:    r_t ~ N((μ − σ²/2)Δt, σ²Δt).
 * merton: r_t ~ Σ_n Pois(n; λΔt) · N(a + n·m, σ²Δt + n·δ²), a = (μ − σ²/2 − λκ)Δt, κ = e^{m+δ²/2} − 1,
 *         the sum cut where the Poisson tail is below 1e-12.
 * garch:  ε_t = r_t − μΔt, σ²_1 = σ²_LR·Δt, σ²_t = ω + α·ε²_{t−1} + β·σ²_{t−1}, ω = σ²_LR·Δt·(1 − α − β);
 *         ε_t / σ_t ~ standardised Student-t(ν).
 * regime: two states, r_t | s_t = k ~ N((μ_k − σ_k²/2)Δt, σ_k²Δt), s a Markov chain with stay
 *         probabilities p_00, p_11; the Hamilton filter, started from the chain's stationary law.
 */
import { logGamma, regularizedBeta } from '../../math/special.js';
import { normalCdf } from '../../math/normal.js';

const LOG_2PI = Math.log(2 * Math.PI);

function logNormalDensity(x: number, mean: number, variance: number): number {
  const d = x - mean;
  return -0.5 * (LOG_2PI + Math.log(variance) + (d * d) / variance);
}

export interface GbmParams { driftAnnual: number; volatilityAnnual: number }
export interface MertonParams extends GbmParams { jumpsPerYear: number; jumpMeanLog: number; jumpStdLog: number }
export interface GarchParams { driftAnnual: number; longRunVolatilityAnnual: number; alpha: number; beta: number; degreesOfFreedom: number }
export interface RegimeParams { drift: [number, number]; volatility: [number, number]; stay: [number, number] }

export function gbmLogLik(p: GbmParams, r: Float64Array, dt: number, cdf?: Float64Array): number {
  const mean = (p.driftAnnual - 0.5 * p.volatilityAnnual ** 2) * dt;
  const v = p.volatilityAnnual ** 2 * dt;
  let ll = 0;
  for (let t = 0; t < r.length; t++) {
    ll += logNormalDensity(r[t], mean, v);
    if (cdf) cdf[t] = normalCdf((r[t] - mean) / Math.sqrt(v));
  }
  return ll;
}

/** Poisson weights p_0 … p_N of the jump count in one step, N the first count whose upper tail is < 1e-12 (at most 60). */
function poissonWeights(lambdaDt: number): number[] {
  const w: number[] = [];
  let p = Math.exp(-lambdaDt);
  let cum = 0;
  for (let n = 0; n <= 60; n++) {
    w.push(p);
    cum += p;
    if (1 - cum < 1e-12) break;
    p *= lambdaDt / (n + 1);
  }
  return w;
}

export function mertonLogLik(p: MertonParams, r: Float64Array, dt: number, cdf?: Float64Array): number {
  const { volatilityAnnual: s, jumpsPerYear: lam, jumpMeanLog: m, jumpStdLog: d } = p;
  const kappa = Math.exp(m + 0.5 * d * d) - 1;
  const a = (p.driftAnnual - 0.5 * s * s - lam * kappa) * dt;
  const w = poissonWeights(lam * dt);
  const N = w.length;
  const logW = w.map(Math.log);
  const means = w.map((_, n) => a + n * m);
  const vars = w.map((_, n) => s * s * dt + n * d * d);
  const terms = new Float64Array(N);
  const base = Float64Array.from(vars, (v, n) => logW[n] - 0.5 * (LOG_2PI + Math.log(v)));
  const half = Float64Array.from(vars, (v) => 0.5 / v);
  let ll = 0;
  for (let t = 0; t < r.length; t++) {
    let mx = -Infinity;
    for (let n = 0; n < N; n++) {
      const d = r[t] - means[n];
      terms[n] = base[n] - d * d * half[n];
      if (terms[n] > mx) mx = terms[n];
    }
    let sum = 0;
    for (let n = 0; n < N; n++) sum += Math.exp(terms[n] - mx);
    ll += mx + Math.log(sum);
    if (cdf) {
      let c = 0;
      for (let n = 0; n < N; n++) c += w[n] * normalCdf((r[t] - means[n]) / Math.sqrt(vars[n]));
      cdf[t] = c;
    }
  }
  return ll;
}

/** CDF of the Student-t distribution with ν degrees of freedom (not standardised). */
function studentTCdf(x: number, nu: number): number {
  const tail = 0.5 * regularizedBeta(nu / (nu + x * x), nu / 2, 0.5);
  return x >= 0 ? 1 - tail : tail;
}

export function garchLogLik(p: GarchParams, r: Float64Array, dt: number, cdf?: Float64Array): number {
  const { alpha, beta, degreesOfFreedom: nu } = p;
  const longRunVar = p.longRunVolatilityAnnual ** 2 * dt;
  const omega = longRunVar * (1 - alpha - beta);
  const mu = p.driftAnnual * dt;
  const logC = logGamma((nu + 1) / 2) - logGamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  const toT = Math.sqrt(nu / (nu - 2));
  let variance = longRunVar;
  let prevEps = 0;
  let ll = 0;
  for (let t = 0; t < r.length; t++) {
    if (t > 0) variance = omega + alpha * prevEps * prevEps + beta * variance;
    const eps = r[t] - mu;
    ll += logC - 0.5 * Math.log(variance) - 0.5 * (nu + 1) * Math.log1p((eps * eps) / (variance * (nu - 2)));
    if (cdf) cdf[t] = studentTCdf((eps / Math.sqrt(variance)) * toT, nu);
    prevEps = eps;
  }
  return ll;
}

/** Stationary law of the two-state chain with stay probabilities p00, p11. */
function twoStateStationary(p00: number, p11: number): [number, number] {
  const a = 1 - p00;
  const b = 1 - p11;
  return a + b > 0 ? [b / (a + b), a / (a + b)] : [0.5, 0.5];
}

/**
 * The Hamilton filter's log-likelihood. With `cdf`, also the one-step predictive CDFs; with
 * `filtered`, P(s_t = 1 | r_1 … r_t).
 */
export function regimeLogLik(p: RegimeParams, r: Float64Array, dt: number, cdf?: Float64Array, filtered?: Float64Array): number {
  const mean = [0, 1].map((k) => (p.drift[k] - 0.5 * p.volatility[k] ** 2) * dt);
  const v = [0, 1].map((k) => p.volatility[k] ** 2 * dt);
  const [p00, p11] = p.stay;
  let [x0, x1] = twoStateStationary(p00, p11);
  const c0 = 1 / Math.sqrt(2 * Math.PI * v[0]);
  const c1 = 1 / Math.sqrt(2 * Math.PI * v[1]);
  const h0 = 0.5 / v[0];
  const h1 = 0.5 / v[1];
  // the likelihood is accumulated as a product, its log taken every 32 steps (one log instead of 32)
  let ll = 0;
  let prod = 1;
  for (let t = 0; t < r.length; t++) {
    const d0 = r[t] - mean[0];
    const d1 = r[t] - mean[1];
    const a0 = x0 * c0 * Math.exp(-d0 * d0 * h0);
    const a1 = x1 * c1 * Math.exp(-d1 * d1 * h1);
    const L = a0 + a1;
    if (!(L > 0)) return -Infinity;
    prod *= L;
    if ((t & 31) === 31) {
      ll += Math.log(prod);
      prod = 1;
    }
    if (cdf) cdf[t] = x0 * normalCdf(d0 * Math.sqrt(2 * h0)) + x1 * normalCdf(d1 * Math.sqrt(2 * h1));
    const f0 = a0 / L;
    const f1 = a1 / L;
    if (filtered) filtered[t] = f1;
    x0 = f0 * p00 + f1 * (1 - p11);
    x1 = f0 * (1 - p00) + f1 * p11;
  }
  ll += Math.log(prod);
  return ll;
}
