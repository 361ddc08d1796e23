/** Correlated GBM price histories for the correlation-estimate tests (fixed seeds, path-indexed streams). */
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';

/** Steps of 300 s, in years. */
const DT = 300 / (365 * 24 * 3600);

/** Correlated GBM log-price paths: z = L·n with C = L·Lᵀ (C given by its Cholesky factor here). */
export function correlatedGbm(rho: number[][], sigmas: number[], n: number, seed: number): Float64Array[] {
  const K = rho.length;
  const L: number[][] = rho.map(() => rho.map(() => 0));
  for (let j = 0; j < K; j++) {
    let d = rho[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] ** 2;
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < K; i++) {
      let r = rho[i][j];
      for (let k = 0; k < j; k++) r -= L[i][k] * L[j][k];
      L[i][j] = r / L[j][j];
    }
  }
  const z = normalSampler(stream(seed, 0, 'price'));
  const logs = sigmas.map(() => new Float64Array(n + 1));
  const e = new Float64Array(K);
  for (let t = 1; t <= n; t++) {
    for (let k = 0; k < K; k++) e[k] = z();
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let k = 0; k <= i; k++) s += L[i][k] * e[k];
      logs[i][t] = logs[i][t - 1] - 0.5 * sigmas[i] ** 2 * DT + sigmas[i] * Math.sqrt(DT) * s;
    }
  }
  return logs;
}

