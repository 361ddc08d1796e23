/**
 * The Nelder–Mead downhill simplex (Nelder & Mead 1965, in the form of Lagarias, Reeds, Wright &
 * Wright 1998): derivative-free minimisation of f: ℝⁿ → ℝ, for the negative log-likelihoods of
 * src/stats/fit, which have no cheap gradients.
 *
 * A simplex of n + 1 points starts at x0 and x0 + step_i·e_i. Each iteration orders the points by f
 * (best x_0 … worst x_n), takes the centroid c of all but the worst, and tries, in order: reflection
 * x_r = c + ρ(c − x_n); if it beats the best, expansion x_e = c + χ(x_r − c); if it is no better than
 * the second worst, an outside contraction c + γ(x_r − c) (x_r better than the worst) or an inside
 * contraction c − γ(c − x_n); if the contraction fails, every point shrinks toward the best,
 * x_i ← x_0 + σ(x_i − x_0). Coefficients ρ = 1, χ = 2, γ = 1/2, σ = 1/2.
 *
 * Stops when the simplex's values span at most `fTolerance` and its points lie within `xTolerance` of
 * the best in every coordinate (both, as MATLAB's fminsearch), or after `maxIterations`. A value that
 * is not a finite number (NaN, ±∞ outside a parameter's domain) counts as +∞, so the simplex moves away
 * from it. Cost: O(n) evaluations per iteration (n + 1 for a shrink), O(n²) arithmetic. Deterministic.
 *
 * @example
 * nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]).x // ≈ [1, -2]
 */

export interface NelderMeadOptions {
  /** First simplex: x0 plus `step` (one number for every axis, or one per axis) along each axis. Default 1. */
  step?: number | readonly number[];
  /** Iterations at most. Default 200·n. */
  maxIterations?: number;
  /** Stop when max f − min f over the simplex is at most this … Default 1e-10. */
  fTolerance?: number;
  /** … and every point is within this of the best point in every coordinate. Default 1e-8. */
  xTolerance?: number;
}

export interface NelderMeadResult {
  /** The best point found. */
  x: number[];
  /** f there (+∞ when f was never finite). */
  fx: number;
  /** Iterations run. */
  iterations: number;
  /** Evaluations of f. */
  evaluations: number;
  /** Whether the tolerances were met (false: stopped at maxIterations). */
  converged: boolean;
}

const RHO = 1;
const CHI = 2;
const GAMMA = 0.5;
const SIGMA = 0.5;

/**
 * Minimises `f` from `x0` with the Nelder–Mead simplex (see the module comment).
 * @throws RangeError when x0 is empty or not finite, or a step is zero or not finite
 */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], options: NelderMeadOptions = {}): NelderMeadResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead: x0 must have at least one coordinate');
  if (!x0.every(Number.isFinite)) throw new RangeError(`nelderMead: x0 must be finite, got [${x0.join(', ')}]`);
  const steps = typeof options.step === 'object' ? [...options.step] : new Array<number>(n).fill(options.step ?? 1);
  if (steps.length !== n || !steps.every((s) => Number.isFinite(s) && s !== 0)) {
    throw new RangeError(`nelderMead: step must be one non-zero finite number, or one per coordinate (${n}), got ${JSON.stringify(options.step)}`);
  }
  const maxIterations = options.maxIterations ?? 200 * n;
  const fTolerance = options.fTolerance ?? 1e-10;
  const xTolerance = options.xTolerance ?? 1e-8;

  let evaluations = 0;
  const value = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };

  // the simplex: points and their values, kept ordered best first
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] += steps[i];
    pts.push(p);
  }
  const fs = pts.map(value);
  const order = (): void => {
    // insertion sort, stable: of equal values the older point stays first
    for (let i = 1; i <= n; i++) {
      const p = pts[i];
      const v = fs[i];
      let j = i - 1;
      while (j >= 0 && fs[j] > v) {
        pts[j + 1] = pts[j];
        fs[j + 1] = fs[j];
        j--;
      }
      pts[j + 1] = p;
      fs[j + 1] = v;
    }
  };
  const toward = (from: readonly number[], to: readonly number[], t: number): number[] => from.map((a, k) => a + t * (to[k] - a));
  const replaceWorst = (p: number[], v: number): void => {
    pts[n] = p;
    fs[n] = v;
  };

  let iterations = 0;
  let converged = false;
  order();
  while (iterations < maxIterations) {
    // converged: values within fTolerance (equal infinities count as equal) and points within xTolerance
    let spread = 0;
    for (let i = 1; i <= n; i++) for (let k = 0; k < n; k++) spread = Math.max(spread, Math.abs(pts[i][k] - pts[0][k]));
    const fSpan = fs[n] === fs[0] ? 0 : fs[n] - fs[0];
    if (fSpan <= fTolerance && spread <= xTolerance) {
      converged = true;
      break;
    }
    iterations++;
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) c[k] += pts[i][k] / n;
    const worst = pts[n];
    const xr = toward(c, worst, -RHO);
    const fr = value(xr);
    if (fr < fs[0]) {
      const xe = toward(c, xr, CHI);
      const fe = value(xe);
      if (fe < fr) replaceWorst(xe, fe);
      else replaceWorst(xr, fr);
    } else if (fr < fs[n - 1]) {
      replaceWorst(xr, fr);
    } else {
      const outside = fr < fs[n];
      const xc = outside ? toward(c, xr, GAMMA) : toward(c, worst, GAMMA);
      const fc = value(xc);
      if (outside ? fc <= fr : fc < fs[n]) {
        replaceWorst(xc, fc);
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = toward(pts[0], pts[i], SIGMA);
          fs[i] = value(pts[i]);
        }
      }
    }
    order();
  }
  return { x: pts[0].slice(), fx: fs[0], iterations, evaluations, converged };
}
