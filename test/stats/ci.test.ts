import { describe, expect, it } from 'vitest';
import { expectedShortfallCiSorted, meanCi, normalCdf, normalQuantile, proportionCi, quantileCiSorted } from '../../src/stats/ci.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';

describe('confidence intervals', () => {
  it('meanCi: example from the doc comment', () => {
    const e = meanCi([1, 2, 3]);
    expect(e.estimate).toBe(2);
    expect(e.standardError).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(e.upper - e.estimate).toBeCloseTo(1.959963984540054 / Math.sqrt(3), 12);
  });
  it('Wilson interval matches a textbook value (k = 0, n = 100 → upper ≈ 3.70%)', () => {
    const e = proportionCi(0, 100);
    expect(e.lower).toBe(0);
    expect(e.upper).toBeCloseTo(0.037, 3);
    const f = proportionCi(50, 100);
    expect(f.lower).toBeCloseTo(0.4038, 3);
    expect(f.upper).toBeCloseTo(0.5962, 3);
  });
  it('normal CDF and quantile are inverse to each other', () => {
    for (const p of [0.001, 0.025, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
  });
  it('quantile and ES intervals cover the true values of a normal sample at a fixed seed', () => {
    const z = normalSampler(stream(1, 0, 'ci'));
    const xs = Array.from({ length: 20_000 }, z).sort((a, b) => a - b);
    const v = quantileCiSorted(xs, 0.99);
    const trueVar = normalQuantile(0.99);
    expect(v.lower).toBeLessThanOrEqual(trueVar);
    expect(v.upper).toBeGreaterThanOrEqual(trueVar);
    const es = expectedShortfallCiSorted(xs, 0.99);
    const trueEs = Math.exp(-0.5 * trueVar * trueVar) / Math.sqrt(2 * Math.PI) / 0.01;
    expect(es.lower).toBeLessThanOrEqual(trueEs);
    expect(es.upper).toBeGreaterThanOrEqual(trueEs);
  });
  it('empty input throws a readable RangeError', () => {
    expect(() => meanCi([])).toThrow(/at least one observation/);
    expect(() => quantileCiSorted([], 0.5)).toThrow(RangeError);
  });
});
