/**
 * The interval functions of src/stats/ci.ts: documented examples, exact coverage where it can be
 * computed by enumeration (proportions, order statistics), open bounds where the sample cannot give
 * one, and the special functions they rest on. Simulated coverage against the engine is in
 * coverage.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  expectedShortfallCiSorted,
  meanCi,
  MIN_NONZERO_FOR_BOUND,
  normalCdf,
  normalQuantile,
  orderStatisticRanks,
  pathsForQuantileUpperBound,
  proportionCi,
  quantileCiSorted,
  twoPartMeanCi,
  wilsonCi,
} from '../../src/stats/ci.js';
import { binomialCdf, erfc, inverseRegularizedBeta, logGamma, normalCdfAccurate, regularizedBeta, studentTQuantile } from '../../src/math/special.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';

/** P(K = k) for K ~ Binomial(n, p), by logs. */
function binomPmf(k: number, n: number, p: number): number {
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  return Math.exp(logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** Exact coverage of a proportion interval at (n, p): Σ_k P(K = k)·1{p ∈ CI(k, n)}. */
function exactCoverage(ci: (k: number, n: number) => { lower: number | null; upper: number | null }, n: number, p: number): number {
  let c = 0;
  for (let k = 0; k <= n; k++) {
    const e = ci(k, n);
    if (e.lower! <= p && p <= e.upper!) c += binomPmf(k, n, p);
  }
  return c;
}

describe('special functions', () => {
  it('log-gamma, the incomplete beta, the binomial CDF, erfc and the t quantile match known values', () => {
    expect(Math.exp(logGamma(5))).toBeCloseTo(24, 10);
    expect(Math.exp(2 * logGamma(0.5))).toBeCloseTo(Math.PI, 10);
    expect(regularizedBeta(0.5, 2, 2)).toBeCloseTo(0.5, 12);
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 12);
    expect(binomialCdf(3, 10, 0.5)).toBeCloseTo(176 / 1024, 12);
    expect(inverseRegularizedBeta(0.975, 1, 100)).toBeCloseTo(1 - Math.pow(0.025, 1 / 100), 10);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 12);
    expect(normalCdfAccurate(-4.264890793922825) / 1e-5).toBeCloseTo(1, 8);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736, 6);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138852, 6);
    expect(studentTQuantile(0.025, 30)).toBeCloseTo(-2.042272456, 6);
  });
  it('normal CDF and quantile are inverse to each other', () => {
    for (const p of [0.001, 0.025, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
  });
});

describe('proportions: Clopper–Pearson', () => {
  it('matches textbook values (k = 0, n = 100 → upper = 1 − 0.025^(1/100) ≈ 3.62%; k = 50, n = 100 → [39.8%, 60.2%])', () => {
    const e = proportionCi(0, 100);
    expect(e.lower).toBe(0);
    expect(e.upper).toBeCloseTo(0.0362, 4);
    expect(e.method).toBe('clopper-pearson');
    expect(e.level).toBe(0.95);
    const f = proportionCi(50, 100);
    expect(f.lower).toBeCloseTo(0.3983, 4);
    expect(f.upper).toBeCloseTo(0.6017, 4);
    expect(f.tail).toMatchObject({ paths: 100, nonZero: 50 });
  });
  it('covers at least 95% for every p on a fine grid at n = 30, 50 and 200 (exact enumeration), where Wilson dips below', () => {
    let wilsonMin = 1;
    for (const n of [30, 50, 200]) {
      for (let i = 1; i < 250; i++) {
        const p = i / 250;
        expect(exactCoverage(proportionCi, n, p), `n ${n}, p ${p}`).toBeGreaterThanOrEqual(0.95 - 1e-9);
        wilsonMin = Math.min(wilsonMin, exactCoverage(wilsonCi, n, p));
      }
    }
    // the reason results use Clopper–Pearson: Wilson's coverage falls below 93% for some rare-event p
    expect(wilsonMin).toBeLessThan(0.93);
  });
});

describe('quantiles: exact order-statistic ranks', () => {
  it('cover the quantile with probability ≥ 95% by the binomial law, and the upper rank exists only from n ≥ ln(0.025)/ln(q)', () => {
    for (const q of [0.5, 0.95, 0.99]) {
      for (const n of [20, 50, 72, 200, 1000]) {
        const { lower: l, upper: u } = orderStatisticRanks(n, q);
        const up = Math.min(u, n + 1);
        // P(l ≤ K ≤ u − 1), K ~ Bin(n, q); an open end counts as covering
        const p = binomialCdf(up - 1, n, q) - (l >= 1 ? binomialCdf(l - 1, n, q) : 0);
        expect(p, `q ${q}, n ${n}`).toBeGreaterThanOrEqual(0.95 - 1e-9);
        expect(u <= n, `q ${q}, n ${n}`).toBe(n >= pathsForQuantileUpperBound(q));
      }
    }
    expect(pathsForQuantileUpperBound(0.95)).toBe(72);
    expect(pathsForQuantileUpperBound(0.99)).toBe(368);
  });
  it('a VaR the sample cannot bound reports upper: null with the paths needed, not the sample maximum', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const v = quantileCiSorted(xs, 0.99);
    expect(v.upper).toBeNull();
    expect(v.note).toMatch(/needs ≥ 368 paths/);
    expect(v.tail).toMatchObject({ paths: 1, thin: true });
    expect(v.tail!.pathsNeeded).toBeGreaterThanOrEqual(1000);
  });
  it('the quantile and ES intervals cover the true values of a normal sample at a fixed seed', () => {
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
});

describe('zero-inflated means and ES', () => {
  it('the two-part mean needs 5 non-zero paths for an upper limit; with a known bound it uses bound × the rate', () => {
    const few = [...Array(96).fill(0), 3, 5, 7, 9];
    const open = twoPartMeanCi(few);
    expect(open.upper).toBeNull();
    expect(open.tail).toMatchObject({ nonZero: 4, thin: true });
    expect(MIN_NONZERO_FOR_BOUND).toBe(5);
    const bounded = twoPartMeanCi(few.map((x) => x / 10), 0.95, { bound: 1 });
    expect(bounded.upper).toBeCloseTo(proportionCi(4, 100).upper!, 12);
    const enough = twoPartMeanCi([...Array(90).fill(0), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(enough.upper).not.toBeNull();
    expect(enough.lower!).toBeGreaterThan(0);
    expect(enough.estimate).toBeCloseTo(0.55, 12);
    expect(enough.method).toBe('two-part');
  });
  it('a 0/1 quantity with bound 1 is a proportion: the Clopper–Pearson interval exactly', () => {
    const xs = [...Array(27).fill(0), 1, 1, 1];
    const e = twoPartMeanCi(xs, 0.95, { bound: 1 });
    const p = proportionCi(3, 30);
    expect(e.lower).toBe(p.lower);
    expect(e.upper).toBe(p.upper);
    expect(e.method).toBe('clopper-pearson');
  });
  it('the ES lower limit is not clipped to the smallest tail value (the true ES can lie below it) but at 0 for a non-negative sample', () => {
    // tail of 10 values far above the body: the sample ES is 1,000; its lower limit must be able to go below 1,000
    const xs = [...Array(190).fill(0), ...Array(10).fill(1000)].map((x, i) => (x ? x + i : 0)).sort((a, b) => a - b);
    const es = expectedShortfallCiSorted(xs, 0.95);
    expect(es.lower!).toBeLessThan(xs[190]);
    expect(es.lower!).toBeGreaterThanOrEqual(0);
    expect(es.method).toBe('es-two-part');
    expect(es.tail).toMatchObject({ paths: 10, nonZero: 10 });
  });
  it('meanCi: example from the doc comment', () => {
    const e = meanCi([1, 2, 3]);
    expect(e.estimate).toBe(2);
    expect(e.standardError).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(e.upper! - e.estimate).toBeCloseTo(1.959963984540054 / Math.sqrt(3), 12);
  });
  it('empty input throws a readable RangeError', () => {
    expect(() => meanCi([])).toThrow(/at least one observation/);
    expect(() => quantileCiSorted([], 0.5)).toThrow(RangeError);
    expect(() => twoPartMeanCi([-1, 2])).toThrow(/non-negative/);
  });
});
