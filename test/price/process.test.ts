/**
 * The multi-market price process: correlated shocks (sample correlations against the matrix, with
 * Fisher-z standard errors), stream layout and determinism, and the loader's checks of `correlation`.
 */
import { pearson } from '../../src/stats/fit/correlation.js';
import { describe, expect, it } from 'vitest';
import { createPriceProcess, loadPriceData } from '../../src/price/process.js';
import { gbm } from '../../src/price/models.js';
import { parseScenario } from '../../src/scenario/load.js';
import { choleskyPsd } from '../../src/scenario/correlation.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { UserError } from '../../src/errors.js';

const gbmMarket = (name: string, vol = 0.8) => ({ name, priceModel: { kind: 'gbm', volatilityAnnual: vol } });

function scenario(over: Record<string, unknown>) {
  return parseScenario({ seed: 5, horizonSteps: 100, traders: { count: 10 }, market: gbmMarket('A'), ...over }, 'test');
}

/** Runs `steps` steps of path `p` and returns each market's returns. */
function simulate(sc: ReturnType<typeof scenario>, p: number, steps: number): Float64Array[] {
  const proc = createPriceProcess(sc, p, loadPriceData(sc));
  const out = new Float64Array(proc.markets);
  const cols = Array.from({ length: proc.markets }, () => new Float64Array(steps));
  for (let t = 0; t < steps; t++) {
    proc.next(out);
    for (let m = 0; m < proc.markets; m++) cols[m][t] = out[m];
  }
  return cols;
}


describe('correlated markets', () => {
  const C = [
    [1, 0.6, -0.3],
    [0.6, 1, 0.2],
    [-0.3, 0.2, 1],
  ];
  const sc = scenario({ otherMarkets: [gbmMarket('B', 1.2), gbmMarket('C', 0.4)], correlation: C });

  it('sample correlation of each pair of markets’ returns matches the matrix within 3 Fisher-z SE', () => {
    const n = 40_000;
    const cols = simulate(sc, 0, n);
    const se = 1 / Math.sqrt(n - 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < i; j++) {
        const r = pearson(cols[i], cols[j]);
        expect(Math.abs(Math.atanh(r) - Math.atanh(C[i][j])), `pair (${i},${j}): sample ${r}, target ${C[i][j]}`).toBeLessThan(3 * se);
      }
    }
  });

  it('each market keeps its own GBM variance σ²Δt within 3 SE', () => {
    const n = 40_000;
    const cols = simulate(sc, 1, n);
    const dt = 60 / (365 * 24 * 3600);
    [0.8, 1.2, 0.4].forEach((vol, m) => {
      const x = cols[m];
      const mean = x.reduce((a, b) => a + b, 0) / n;
      const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
      const s2 = vol ** 2 * dt;
      expect(Math.abs(v - s2)).toBeLessThan(3 * s2 * Math.sqrt(2 / (n - 1)));
    });
  });

  it('a single market is exactly its model driven by the normals of stream (seed, path, "price")', () => {
    const one = scenario({});
    const got = simulate(one, 7, 50)[0];
    const model = gbm({ driftAnnual: 0, volatilityAnnual: 0.8 }, 60 / (365 * 24 * 3600));
    const z = normalSampler(stream(5, 7, 'price'));
    for (let t = 0; t < 50; t++) expect(got[t]).toBe(model.nextLogReturn(z()));
  });

  it('is deterministic in (seed, path) and differs across paths', () => {
    const a = simulate(sc, 3, 20);
    const b = simulate(sc, 3, 20);
    const c = simulate(sc, 4, 20);
    for (let m = 0; m < 3; m++) expect(Array.from(b[m])).toEqual(Array.from(a[m]));
    expect(c[0][0]).not.toBe(a[0][0]);
  });

  it('adding a market at the end leaves the earlier markets’ paths unchanged (common random numbers)', () => {
    const two = scenario({ otherMarkets: [gbmMarket('B', 1.2)], correlation: [[1, 0.6], [0.6, 1]] });
    const a = simulate(two, 2, 30);
    const b = simulate(sc, 2, 30);
    for (let m = 0; m < 2; m++) for (let t = 0; t < 30; t++) expect(b[m][t]).toBeCloseTo(a[m][t], 15);
    const alone = simulate(scenario({}), 2, 30);
    expect(Array.from(a[0])).toEqual(Array.from(alone[0]));
  });

  it('accepts a semi-definite matrix: two markets with correlation 1 and the same model move together', () => {
    const s = scenario({ otherMarkets: [gbmMarket('B')], correlation: [[1, 1], [1, 1]] });
    const [a, b] = simulate(s, 0, 100);
    for (let t = 0; t < 100; t++) expect(b[t]).toBeCloseTo(a[t], 14);
  });

  it('other randomness (jumps, χ²) of each market comes from its own stream: a Merton market and a GARCH market run side by side', () => {
    const s = scenario({
      market: { name: 'A', priceModel: { kind: 'merton', jumpsPerYear: 5000, jumpMeanLog: -0.01, jumpStdLog: 0.01 } },
      otherMarkets: [{ name: 'B', priceModel: { kind: 'garch' } }],
      correlation: [[1, 0.5], [0.5, 1]],
    });
    const [a, b] = simulate(s, 0, 2000);
    expect(a.every(Number.isFinite) && b.every(Number.isFinite)).toBe(true);
    expect(pearson(a, b)).toBeGreaterThan(0.2);
  });
});

describe('correlation matrix checks (UserError naming correlation[i][j])', () => {
  const three = { otherMarkets: [gbmMarket('B'), gbmMarket('C')] };
  const cases: { name: string; correlation: unknown; expect: RegExp }[] = [
    { name: 'wrong number of rows', correlation: [[1, 0], [0, 1]], expect: /correlation: "2 rows" is not allowed — must be a 3×3 matrix.*\[A, B, C\]/ },
    { name: 'short row', correlation: [[1, 0, 0], [0, 1], [0, 0, 1]], expect: /correlation\[1\]: .* 3 entries/ },
    { name: 'diagonal not 1', correlation: [[1, 0, 0], [0, 0.9, 0], [0, 0, 1]], expect: /correlation\[1\]\[1\]: 0\.9 .*diagonal must be 1/ },
    { name: 'asymmetric', correlation: [[1, 0.2, 0], [0.3, 1, 0], [0, 0, 1]], expect: /correlation\[1\]\[0\]: 0\.3 .*symmetric/ },
    {
      name: 'not positive semi-definite',
      correlation: [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]],
      expect: /correlation\[2\]\[[01]\]: .*positive semi-definite/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let err: unknown;
      try {
        scenario({ ...three, correlation: c.correlation });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(c.expect);
    });
  }

  it('Cholesky factor reproduces the matrix: L·Lᵀ = C', () => {
    const C = [
      [1, 0.6, -0.3],
      [0.6, 1, 0.2],
      [-0.3, 0.2, 1],
    ];
    const r = choleskyPsd(C);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += r.lower[i * 3 + k] * r.lower[j * 3 + k];
        expect(s).toBeCloseTo(C[i][j], 14);
      }
    }
  });
});
