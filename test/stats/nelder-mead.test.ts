/**
 * The Nelder–Mead simplex of src/stats/fit (it replaced the unmaintained `fmin` 0.0.2): it finds the
 * minimum of Rosenbrock's valley and of quadratics whose minimum is known, treats a non-finite value as
 * +∞, stops on its tolerances or its iteration cap, and refuses input it cannot start from.
 */
import { describe, expect, it } from 'vitest';
import { nelderMead } from '../../src/stats/fit/nelder-mead.js';
import { minimize } from '../../src/stats/fit/optimize.js';

const rosenbrock = ([x, y]: number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;

describe('nelderMead', () => {
  it('the module example: the minimum of (x − 1)² + (y + 2)² is at (1, −2)', () => {
    const r = nelderMead(([x, y]) => (x - 1) ** 2 + (y + 2) ** 2, [0, 0]);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(-2, 6);
    expect(r.fx).toBeLessThan(1e-10);
  });

  it('finds Rosenbrock’s minimum (1, 1) from the classic start (−1.2, 1)', () => {
    const r = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 2000 });
    expect(r.converged).toBe(true);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-4);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-4);
    expect(r.fx).toBeLessThan(1e-8);
    // this implementation takes 123 iterations (234 evaluations) from this start; a gross change shows here
    expect(r.iterations).toBeGreaterThan(50);
    expect(r.iterations).toBeLessThan(400);
  });

  it('finds the known minimum of a badly scaled, correlated quadratic in 5 dimensions', () => {
    // f(x) = 7 + Σ w_i (x_i − m_i)² + 0.5 (x_0 − m_0)(x_1 − m_1): minimum 7 at m (the cross term keeps the Hessian positive definite)
    const m = [3, -1, 0.5, 10, -4];
    const w = [1, 10, 0.1, 5, 2];
    const f = (x: number[]) => 7 + x.reduce((s, xi, i) => s + w[i] * (xi - m[i]) ** 2, 0) + 0.5 * (x[0] - m[0]) * (x[1] - m[1]);
    const r = nelderMead(f, [0, 0, 0, 0, 0], { maxIterations: 5000 });
    expect(r.converged).toBe(true);
    r.x.forEach((xi, i) => expect(Math.abs(xi - m[i]), `x[${i}]`).toBeLessThan(1e-3));
    expect(r.fx - 7).toBeLessThan(1e-8);
    expect(r.fx).toBeGreaterThanOrEqual(7);
  });

  it('one dimension: the minimum of a parabola, with a per-axis step', () => {
    const r = nelderMead(([x]) => (x - 0.25) ** 2, [5], { step: [0.5] });
    expect(r.x[0]).toBeCloseTo(0.25, 6);
  });

  it('a value that is not finite counts as +∞: the simplex stays where f is defined', () => {
    // log-barrier: f undefined (NaN) for x ≤ 0, minimum of x − ln x at x = 1
    const f = ([x]: number[]) => (x > 0 ? x - Math.log(x) : Number.NaN);
    const r = nelderMead(f, [3], { step: 5 });
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.fx).toBeCloseTo(1, 10);
  });

  it('stops at maxIterations and says it did not converge', () => {
    const r = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 10 });
    expect(r.iterations).toBe(10);
    expect(r.converged).toBe(false);
    expect(r.fx).toBeLessThan(rosenbrock([-1.2, 1]));
  });

  it('is deterministic: the same call gives the same point and count', () => {
    const a = nelderMead(rosenbrock, [-1.2, 1]);
    const b = nelderMead(rosenbrock, [-1.2, 1]);
    expect(b).toEqual(a);
  });

  it('refuses an empty or non-finite start and a zero step with a RangeError', () => {
    expect(() => nelderMead(() => 0, [])).toThrow(RangeError);
    expect(() => nelderMead(() => 0, [Number.NaN])).toThrow(/x0 must be finite/);
    expect(() => nelderMead(() => 0, [1, 2], { step: 0 })).toThrow(/step must be/);
    expect(() => nelderMead(() => 0, [1, 2], { step: [1] })).toThrow(/one per coordinate \(2\)/);
  });
});

describe('minimize (Nelder–Mead with restarts, what fit uses)', () => {
  it('reaches Rosenbrock’s minimum in scaled coordinates', () => {
    const r = minimize(rosenbrock, [-1.2, 1], [0.5, 0.5]);
    expect(Math.abs(r.x[0] - 1)).toBeLessThan(1e-5);
    expect(Math.abs(r.x[1] - 1)).toBeLessThan(1e-5);
    expect(r.evaluations).toBeGreaterThan(0);
  });
});
