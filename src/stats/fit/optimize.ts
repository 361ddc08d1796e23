/**
 * Numerical tools for maximum likelihood: minimisation of a negative log-likelihood with the
 * Nelder–Mead simplex (src/stats/fit/nelder-mead.ts), restarted from its best point until it stops improving,
 * and the observed information (the Hessian of the negative log-likelihood at the optimum, by central
 * differences) with its inverse, the asymptotic covariance of the estimates.
 */
import { nelderMead } from './nelder-mead.js';

export interface Minimum {
  /** The minimising point, in the coordinates the function takes. */
  x: number[];
  /** The function's value there. */
  fx: number;
  /** Function evaluations used. */
  evaluations: number;
}

/**
 * Minimises `f` from `x0` with Nelder–Mead in scaled coordinates (x = x0 + scale ∘ y, the first
 * simplex one unit of `scale` along each axis), restarting from the best point with half the scale
 * until a restart improves f by less than 1e-9 (at most `restarts` times). A non-finite f counts as +∞.
 * Cost: about 200·n evaluations per restart for n parameters.
 */
export function minimize(f: (x: number[]) => number, x0: number[], scale: number[], restarts = 6): Minimum {
  let origin = x0.slice();
  let s = scale.slice();
  let evaluations = 0;
  const safe = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = safe(origin);
  for (let r = 0; r < restarts; r++) {
    const at = (y: number[]) => origin.map((o, i) => o + s[i] * y[i]);
    const res = nelderMead((y) => safe(at(y)), new Array(origin.length).fill(0), {
      step: 1,
      maxIterations: 400 * origin.length,
      fTolerance: 1e-10,
      xTolerance: 1e-8,
    });
    const improved = best - res.fx;
    if (res.fx < best) {
      origin = at(res.x);
      best = res.fx;
    }
    s = s.map((v) => v * 0.5);
    if (!(improved > 1e-9)) break;
  }
  return { x: origin, fx: best, evaluations };
}

/**
 * Hessian of `f` at `x` by central differences with steps `h` (O(n²) evaluations):
 * H_ii = (f(x+h_i) − 2f(x) + f(x−h_i)) / h_i², H_ij from the four points x ± h_i ± h_j.
 */
export function hessian(f: (x: number[]) => number, x: number[], h: number[]): number[][] {
  const n = x.length;
  const f0 = f(x);
  const at = (d: [number, number][]) => {
    const y = x.slice();
    for (const [i, s] of d) y[i] += s * h[i];
    return f(y);
  };
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    H[i][i] = (at([[i, 1]]) - 2 * f0 + at([[i, -1]])) / (h[i] * h[i]);
    for (let j = 0; j < i; j++) {
      const v = (at([[i, 1], [j, 1]]) - at([[i, 1], [j, -1]]) - at([[i, -1], [j, 1]]) + at([[i, -1], [j, -1]])) / (4 * h[i] * h[j]);
      H[i][j] = v;
      H[j][i] = v;
    }
  }
  return H;
}

/** Inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting; undefined when singular. O(n³). */
export function invert(A: number[][]): number[][] | undefined {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (!(Math.abs(M[p][c]) > 1e-300) || !Number.isFinite(M[p][c])) return undefined;
    [M[c], M[p]] = [M[p], M[c]];
    const d = M[c][c];
    for (let j = 0; j < 2 * n; j++) M[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r][c];
      if (k !== 0) for (let j = 0; j < 2 * n; j++) M[r][j] -= k * M[c][j];
    }
  }
  return M.map((row) => row.slice(n));
}
