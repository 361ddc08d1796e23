/** Metric functionals, paired differences and targets. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';
import { aggregate } from '../../src/stats/aggregate.js';
import { estimateAt, estimatePaths, METRICS, parseTarget } from '../../src/sweep/metrics.js';
import { holm, pairedDifference } from '../../src/stats/paired.js';
import { kthSmallest as select } from '../../src/math/select.js';
import { evaluateFunctional } from '../../src/stats/metrics.js';
import { PathTable } from '../../src/mc/table.js';
import { reportedMetrics } from '../../src/sweep/calibrate.js';

describe('metric functionals', () => {
  it('every metric in the table exists in aggregates and recomputes it exactly at 95%', async () => {
    const s = parseScenario(
      {
        name: 'm',
        seed: 3,
        paths: 80,
        horizonSteps: 240,
        market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.5 }, impact: { kind: 'linear', depthUsdPerPercent: 100_000 } },
        traders: { count: 300, arrivals: { perStep: 0.2 } }, // arrivals: the fraction liquidated must count them as aggregate() does
        policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.01 }, insuranceFund: { initialUsd: 2000 } },
        output: { seriesSamplePaths: 1, seriesPoints: 2 },
      },
      'test',
    );
    const out = await runPaths(s, { workers: 0, series: false });
    const agg = aggregate(out.summaries, s.traders.count);
    expect(agg.probBadDebt.estimate).toBeGreaterThan(0.05); // the tail metrics are exercised
    expect(agg.probBadDebt.estimate).toBeLessThan(0.95);
    const c = PathTable.fromSummaries(out.summaries);
    const inAggregates = estimatePaths(agg);
    for (const [key, m] of METRICS) {
      expect(inAggregates, key).toContain(key);
      const mine = evaluateFunctional(m.functional, m.values(c, s.traders.count), 0.95, undefined, m.kind);
      const theirs = estimateAt(agg, key)!;
      expect(mine.estimate, key).toBeCloseTo(theirs.estimate, 9);
      expect(mine.method, key).toBe(theirs.method);
      // open limits are open in both
      expect(mine.lower === null, key).toBe(theirs.lower === null);
      expect(mine.upper === null, key).toBe(theirs.upper === null);
      if (mine.lower !== null) expect(mine.lower, key).toBeCloseTo(theirs.lower!, 9);
      if (mine.upper !== null) expect(mine.upper, key).toBeCloseTo(theirs.upper!, 9);
    }
    expect(reportedMetrics()).toEqual(expect.arrayContaining([...METRICS.keys()]));
  });

  it('select puts the k-th smallest at k (property, fixed seed)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.nat(), (xs, k0) => {
        const k = k0 % xs.length;
        const a = Float64Array.from(xs);
        const sorted = Float64Array.from(xs).sort();
        expect(select(a, k)).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]);
        for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]);
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });
});

describe('paired differences', () => {
  const rnd = (n: number, seed: number) => {
    let x = seed;
    return Float64Array.from({ length: n }, () => ((x = (x * 16807) % 2147483647) / 2147483647) * 1000);
  };
  const a = rnd(500, 7);

  it('identical samples differ by exactly 0 and are not significant', () => {
    for (const key of ['badDebtUsd.mean', 'probBadDebt', 'badDebtUsd.var99', 'badDebtUsd.es99']) {
      const d = pairedDifference(METRICS.get(key)!.functional, a, a);
      expect([d.estimate, d.lower, d.upper, d.standardError, d.significant]).toEqual([0, 0, 0, 0, false]);
    }
  });

  it('a constant shift c on every path gives a difference of exactly c with zero paired SE (mean, VaR, ES)', () => {
    const b = a.map((x) => x + 25);
    for (const key of ['badDebtUsd.mean', 'badDebtUsd.var99', 'badDebtUsd.es99']) {
      const d = pairedDifference(METRICS.get(key)!.functional, a, b);
      expect(d.estimate, key).toBeCloseTo(25, 9);
      expect(d.standardError, key).toBeCloseTo(0, 9);
      expect(d.unpairedStandardError, key).toBeGreaterThan(1); // independent runs would not see it this sharply
      expect(d.significant, key).toBe(true);
    }
  });

  it('paired mean difference is mean(B) − mean(A) with SE sd(d)/√n; bootstrap is deterministic', () => {
    const b = rnd(500, 11);
    const d = pairedDifference({ kind: 'mean' }, a, b);
    const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
    const diffs = b.map((x, k) => x - a[k]);
    const md = mean(diffs);
    const sd = Math.sqrt(diffs.reduce((s, v) => s + (v - md) ** 2, 0) / (diffs.length - 1));
    expect(d.estimate).toBeCloseTo(mean(b) - mean(a), 9);
    expect(d.standardError).toBeCloseTo(sd / Math.sqrt(500), 9);
    const v1 = pairedDifference({ kind: 'var', q: 0.99 }, a, b, { seed: 1, key: 'k' });
    const v2 = pairedDifference({ kind: 'var', q: 0.99 }, a, b, { seed: 1, key: 'k' });
    expect(v1).toEqual(v2);
    expect(v1.lower).toBeLessThanOrEqual(v1.estimate);
    expect(v1.upper).toBeGreaterThanOrEqual(v1.estimate);
  });

  it('pairs only the common prefix of two runs of different lengths', () => {
    const d = pairedDifference({ kind: 'mean' }, a, a.subarray(0, 100));
    expect(d.n).toBe(100);
    expect(d.estimate).toBe(0);
  });

  it('Holm–Bonferroni keeps the smallest p-values while they pass α/(m − rank)', () => {
    expect(holm([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true]);
    expect(holm([0.2, 0.3])).toEqual([false, false]);
  });
});

describe('targets', () => {
  const allowed = [...METRICS.keys()];
  it('parses metric, operator and value, with % and ≤', () => {
    expect(parseTarget('probBadDebt <= 1%', allowed)).toEqual({ metric: 'probBadDebt', op: '<=', value: 0.01 });
    expect(parseTarget(' badDebtUsd.var99≤5e4 ', allowed)).toEqual({ metric: 'badDebtUsd.var99', op: '<=', value: 50000 });
    expect(parseTarget('fractionTradersLiquidated.mean > 0.2', allowed)).toEqual({ metric: 'fractionTradersLiquidated.mean', op: '>', value: 0.2 });
  });
  it('rejects unknown metrics (listing the allowed) and malformed targets', () => {
    expect(() => parseTarget('badDebt <= 1', allowed)).toThrow(/allowed metrics/);
    expect(() => parseTarget('badDebtUsd <= 1', allowed)).toThrow(/a group; pick one of its estimates, e\.g\. badDebtUsd\.mean/);
    expect(() => parseTarget('probBadDebt == 1', allowed)).toThrow(/expected "<metric> <= <value>"/);
  });
});
