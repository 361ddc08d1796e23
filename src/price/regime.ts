/**
 * Markov regime switching (e.g. calm / stress): a hidden state s_t follows a Markov chain with a
 * per-step transition matrix P; within state s the return is a Merton jump-diffusion with the state's
 * own drift, volatility and jump intensity:
 *
 *   r_t = (μ_s − σ_s²/2 − λ_s κ_s)Δt + σ_s√Δt · z_t + Σ_{i ≤ N_t} J_i,  N_t ~ Poisson(λ_s Δt),
 *   J_i ~ N(m_s, δ_s²),  κ_s = e^{m_s + δ_s²/2} − 1,   s = s_t.
 *
 * Per-step variance in state s: (σ_s² + λ_s(m_s² + δ_s²))Δt. The step's return is drawn in the
 * current state, then the chain moves (so s_1 is the initial state). With expected durations d_i
 * instead of a matrix: P_ii = 1 − 1/d_i and P_ij = (1/d_i)/(K − 1) for j ≠ i.
 * Jumps and transitions are drawn from the model's own stream; z is the market's shock.
 */
import type { Rng } from '../rng/streams.js';
import { normalSampler, poisson } from '../rng/distributions.js';
import type { MarketPriceModel } from './models.js';

interface RegimeState {
  name: string;
  driftAnnual: number;
  volatilityAnnual: number;
  jumpsPerYear: number;
  jumpMeanLog: number;
  jumpStdLog: number;
  expectedDurationSteps?: number;
}

export interface RegimeSwitchingConfig {
  states: RegimeState[];
  transitionMatrix?: number[][];
  initialState?: string;
}

/** A regime-switching model also exposes the state the next return will be drawn in. */
export interface RegimeSwitchingModel extends MarketPriceModel {
  /** Index (into `states`) of the current state. */
  readonly regime: number;
}

/**
 * The per-step transition matrix: `transitionMatrix` if given, else built from the expected
 * durations (P_ii = 1 − 1/d_i, the rest split evenly).
 * @throws RangeError if a state lacks its duration and there is no matrix
 */
export function transitionMatrixOf(cfg: RegimeSwitchingConfig): number[][] {
  if (cfg.transitionMatrix) return cfg.transitionMatrix.map((row) => row.slice());
  const K = cfg.states.length;
  return cfg.states.map((st, i) => {
    const d = st.expectedDurationSteps;
    if (d === undefined || !(d >= 1)) throw new RangeError(`state ${st.name} needs expectedDurationSteps ≥ 1`);
    const leave = 1 / d;
    return Array.from({ length: K }, (_, j) => (j === i ? 1 - leave : leave / (K - 1)));
  });
}

/**
 * A stationary distribution π of P (π = πP, Σπ = 1), by Gaussian elimination on (Pᵀ − I) with the
 * last equation replaced by Σπ = 1; for a reducible chain (singular system) the Cesàro average of
 * the uniform start's distributions over 100,000 steps. O(K³).
 */
export function stationaryDistribution(P: number[][]): number[] {
  const K = P.length;
  const A = Array.from({ length: K }, (_, i) => Array.from({ length: K + 1 }, (_, j) => (j === K ? 0 : P[j][i] - (i === j ? 1 : 0))));
  A[K - 1] = Array.from({ length: K + 1 }, () => 1);
  for (let c = 0; c < K; c++) {
    let piv = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    if (Math.abs(A[piv][c]) < 1e-12) return cesaro(P);
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < K; r++) {
      if (r === c) continue;
      const f = A[r][c] / A[c][c];
      for (let j = c; j <= K; j++) A[r][j] -= f * A[c][j];
    }
  }
  return A.map((row, i) => Math.max(0, row[K] / row[i]));
}

function cesaro(P: number[][]): number[] {
  const K = P.length;
  let d = new Array<number>(K).fill(1 / K);
  const sum = new Array<number>(K).fill(0);
  const n = 100_000;
  for (let t = 0; t < n; t++) {
    const next = new Array<number>(K).fill(0);
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) next[j] += d[i] * P[i][j];
    for (let j = 0; j < K; j++) sum[j] += d[j];
    d = next;
  }
  return sum.map((x) => x / n);
}

/** Draws an index from the probabilities `p` (which sum to 1) with one uniform. */
function draw(rng: Rng, p: ArrayLike<number>): number {
  const u = rng();
  let acc = 0;
  for (let j = 0; j < p.length - 1; j++) {
    acc += p[j];
    if (u < acc) return j;
  }
  return p.length - 1;
}

export function regimeSwitching(cfg: RegimeSwitchingConfig, dtYears: number, rng: Rng): RegimeSwitchingModel {
  const K = cfg.states.length;
  const P = transitionMatrixOf(cfg);
  const normal = normalSampler(rng);
  const mu = new Float64Array(K);
  const sd = new Float64Array(K);
  const lambdaDt = new Float64Array(K);
  const jm = new Float64Array(K);
  const js = new Float64Array(K);
  cfg.states.forEach((st, s) => {
    const kappa = Math.exp(st.jumpMeanLog + 0.5 * st.jumpStdLog ** 2) - 1;
    mu[s] = (st.driftAnnual - 0.5 * st.volatilityAnnual ** 2 - st.jumpsPerYear * kappa) * dtYears;
    sd[s] = st.volatilityAnnual * Math.sqrt(dtYears);
    lambdaDt[s] = st.jumpsPerYear * dtYears;
    jm[s] = st.jumpMeanLog;
    js[s] = st.jumpStdLog;
  });
  const rows = P.map((r) => Float64Array.from(r));
  let state: number;
  if (cfg.initialState === 'stationary') state = draw(rng, stationaryDistribution(P));
  else if (cfg.initialState === undefined) state = 0;
  else {
    state = cfg.states.findIndex((st) => st.name === cfg.initialState);
    if (state < 0) throw new RangeError(`initialState ${cfg.initialState} is not a state name`);
  }
  return {
    kind: 'regime-switching',
    get regime() {
      return state;
    },
    snapshot: () => Float64Array.of(state),
    resume: (saved) => {
      state = saved[0];
    },
    nextLogReturn(z: number): number {
      const s = state;
      let r = mu[s] + sd[s] * z;
      if (lambdaDt[s] > 0) {
        const n = poisson(rng, lambdaDt[s], normal);
        for (let i = 0; i < n; i++) r += jm[s] + js[s] * normal();
      }
      state = draw(rng, rows[s]);
      return r;
    },
  };
}
