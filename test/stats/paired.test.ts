/** Paired statistics (src/stats/paired.ts): p-values from the accurate normal CDF, deep in the tail too. */
import { describe, expect, it } from 'vitest';
import { holm, holmLevels, pairedDifference } from '../../src/stats/paired.js';
import { normalCdfAccurate } from '../../src/math/special.js';
import { normalCdf } from '../../src/stats/ci.js';

/** Paths whose paired differences are 1 ± s alternately (mean 1, se = s·√(n/(n−1))/√n). */
function shifted(n: number, s: number): { a: Float64Array; b: Float64Array; z: number } {
  const a = new Float64Array(n);
  const b = Float64Array.from({ length: n }, (_, k) => 1 + (k % 2 === 0 ? s : -s));
  const se = (s * Math.sqrt(n / (n - 1))) / Math.sqrt(n);
  return { a, b, z: 1 / se };
}

describe('paired differences: p-values', () => {
  it('the mean p-value is 2·Φ(−|d|/se) with the accurate Φ, to 1e−12 relative, at z = 2, 5 and 9', () => {
    for (const s of [5, 2, 1.1]) {
      const { a, b, z } = shifted(100, s);
      const d = pairedDifference({ kind: 'mean' }, a, b);
      expect(d.estimate).toBeCloseTo(1, 12);
      expect(d.standardError).toBeCloseTo(1 / z, 12);
      const exact = 2 * normalCdfAccurate(-z);
      expect(Math.abs(d.pValue / exact - 1)).toBeLessThan(1e-12);
    }
  });

  it('a difference 9 standard errors from 0 gets p ≈ 2.3e−19, where 1 − Φ(z) with the approximate Φ gives 0', () => {
    const { a, b, z } = shifted(100, 1.1);
    expect(z).toBeGreaterThan(9);
    const p = pairedDifference({ kind: 'mean' }, a, b).pValue;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-18);
    // what the p-value was before: the complement of Φ rounds to 0 at this z
    expect(2 * (1 - normalCdf(z))).toBe(0);
  });

  it('no difference gives p = 1, and a p-value is never above 1', () => {
    const a = Float64Array.from({ length: 50 }, (_, k) => k % 3);
    expect(pairedDifference({ kind: 'mean' }, a, a).pValue).toBe(1);
    const b = Float64Array.from(a, (x, k) => x + (k % 2 ? 1e-9 : -1e-9));
    const p = pairedDifference({ kind: 'mean' }, a, b).pValue;
    expect(p).toBeGreaterThan(0.5);
    expect(p).toBeLessThanOrEqual(1);
  });
});

describe('holmLevels: the level Holm tests each hypothesis at, for intervals that agree with it', () => {
  it('gives alpha/(m − r) while every smaller p was rejected, and the first kept level after that (the @example)', () => {
    expect(holmLevels([0.001, 0.04, 0.03])).toEqual([0.05 / 3, 0.025, 0.025]);
    expect(holmLevels([0.001, 0.002, 0.2])).toEqual([0.05 / 3, 0.025, 0.05]);
  });
  it('rejects exactly where holm() does: p ≤ its level ⇔ holm rejects, on random families', () => {
    let seed = 7;
    const u = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 200; t++) {
      const ps = Array.from({ length: 1 + (t % 12) }, () => u() ** 4);
      const lv = holmLevels(ps);
      expect(ps.map((p, i) => p <= lv[i])).toEqual(holm(ps));
    }
  });
  it('leaves NaN p-values (metrics not applicable to a side) out of the family', () => {
    expect(holmLevels([0.001, NaN, 0.04])).toEqual([0.025, NaN, 0.05]);
  });
});
