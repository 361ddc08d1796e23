/**
 * The correlation of markets' log returns estimated from their price histories (src/stats/fit/correlation.ts,
 * `marginlab fit --markets`): on correlated GBM series the estimate is within a few standard errors
 * (1 − ρ²)/√n of the truth; it uses only the timestamps every file shares, one step apart; pairwise overlaps
 * that make the matrix indefinite are repaired to a valid correlation matrix with a warning (or refused).
 */
import { describe, expect, it } from 'vitest';
import { correlatedGbm } from '../helpers/correlated-gbm.js';
import { estimateCorrelation, nearestCorrelation, symmetricEigen, type MarketHistory } from '../../src/stats/fit/correlation.js';
import { correlationProblem } from '../../src/scenario/correlation.js';
import { userErrorOf } from '../helpers/user-error.js';

const STEP = 300;
const T0 = 1_700_000_000;

const history = (name: string, logs: Float64Array, keep: (t: number) => boolean = () => true, price0 = 100): MarketHistory => {
  const idx = [...logs.keys()].filter(keep);
  return { name, file: `${name}.csv`, timesSeconds: Float64Array.from(idx, (t) => T0 + STEP * t), prices: Float64Array.from(idx, (t) => price0 * Math.exp(logs[t])) };
};

describe('correlation of log returns from price histories', () => {
  const RHO = [
    [1, 0.7, 0.3],
    [0.7, 1, -0.2],
    [0.3, -0.2, 1],
  ];
  const N = 4000;

  it('on correlated GBM series each estimate is within 4 standard errors (1 − ρ²)/√n of the truth, and the reported standard error is that', () => {
    const logs = correlatedGbm(RHO, [0.5, 0.9, 1.4], N, 21);
    const est = estimateCorrelation(['A', 'B', 'C'].map((n, i) => history(n, logs[i])));
    expect(est.stepSeconds).toBe(STEP);
    expect(est.repaired).toBe(false);
    expect(est.minEigenvalue).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < i; j++) {
        expect(est.observations[i][j]).toBe(N);
        const se = (1 - RHO[i][j] ** 2) / Math.sqrt(N);
        expect(est.standardErrors[i][j]).toBeCloseTo((1 - est.estimated[i][j] ** 2) / Math.sqrt(N), 12);
        expect(Math.abs(est.estimated[i][j] - RHO[i][j]), `ρ[${i}][${j}] = ${est.estimated[i][j]} vs ${RHO[i][j]} (se ${se})`).toBeLessThan(4 * se);
      }
    }
    expect(correlationProblem(est.matrix, 3, est.names)).toBeUndefined();
  });

  it('the stated standard error is the estimate\'s spread: over 400 replications (n = 500, ρ = 0.6) the sd of ρ̂ is (1 − ρ²)/√n within 10%, and ρ ± 1.96·se covers the truth 93–97% of the time', () => {
    const n = 500;
    const rho = 0.6;
    const est: number[] = [];
    let covered = 0;
    for (let rep = 0; rep < 400; rep++) {
      const logs = correlatedGbm([[1, rho], [rho, 1]], [0.6, 0.9], n, 1000 + rep);
      const e = estimateCorrelation([history('A', logs[0]), history('B', logs[1])]);
      est.push(e.estimated[0][1]);
      if (Math.abs(e.estimated[0][1] - rho) <= 1.96 * e.standardErrors[0][1]) covered++;
    }
    const mean = est.reduce((a, b) => a + b, 0) / est.length;
    const sd = Math.sqrt(est.reduce((a, b) => a + (b - mean) ** 2, 0) / (est.length - 1));
    const se = (1 - rho * rho) / Math.sqrt(n);
    expect(Math.abs(sd / se - 1), `sd ${sd} vs (1 − ρ²)/√n ${se}`).toBeLessThan(0.1);
    expect(Math.abs(mean - rho)).toBeLessThan(3 * (se / Math.sqrt(400)) + 0.002);
    console.log(`correlation se check: sd ${sd.toFixed(5)} vs ${se.toFixed(5)}, mean ${mean.toFixed(4)}, coverage ${covered / 400}`);
    expect(covered / 400).toBeGreaterThanOrEqual(0.93);
    expect(covered / 400).toBeLessThanOrEqual(0.97);
  });

  it('independent markets give estimates within 4/√n of 0 (and not all exactly 0: the estimate is computed, not assumed)', () => {
    const logs = correlatedGbm([[1, 0], [0, 1]], [0.6, 0.6], N, 5);
    const est = estimateCorrelation([history('A', logs[0]), history('B', logs[1])]);
    expect(Math.abs(est.matrix[0][1])).toBeLessThan(4 / Math.sqrt(N));
    expect(est.matrix[0][1]).not.toBe(0);
  });

  it('uses only the timestamps every file shares, one step apart: a gap in one file drops the returns across it rather than stretching them', () => {
    const logs = correlatedGbm(RHO, [0.5, 0.9, 1.4], 1000, 8);
    // B misses every 10th row; C starts 100 steps later
    const est = estimateCorrelation([history('A', logs[0]), history('B', logs[1], (t) => t % 10 !== 5), history('C', logs[2], (t) => t >= 100)]);
    // C's 900 returns, less the two returns around each of B's 90 missing rows in that range
    expect(est.observations[1][0]).toBe(900 - 2 * 90);
    expect(est.stepSeconds).toBe(STEP);
  });

  it('histories that share too few timestamps (different periods, or sampled at different times) are one UserError naming both markets and their spans', () => {
    const logs = correlatedGbm([[1, 0.5], [0.5, 1]], [0.5, 0.5], 400, 3);
    const e1 = userErrorOf(() => estimateCorrelation([history('A', logs[0], (t) => t < 200), history('B', logs[1], (t) => t >= 200)]));
    expect(e1).toMatch(/A and B share 0 timestamps/);
    expect(e1).toMatch(/A=A\.csv: 200 rows, 2023-11-14T22:13:20Z to/);
    const shifted = { ...history('B', logs[1]), timesSeconds: Float64Array.from(history('B', logs[1]).timesSeconds, (t) => t + 30) };
    expect(userErrorOf(() => estimateCorrelation([history('A', logs[0]), shifted]))).toMatch(/share 0 timestamps and 0 returns one step apart — at least 30 are needed/);
    expect(userErrorOf(() => estimateCorrelation([history('A', logs[0])]))).toMatch(/1 market given — a correlation needs at least two/);
  });

  it('pairwise overlaps that make the matrix indefinite: repaired to a valid correlation matrix near the estimate with a warning, or refused with repair off', () => {
    // X,Y move together in the first third, Y,Z in the second, X,Z against each other in the last: no one
    // matrix has ρ_XY ≈ ρ_YZ ≈ 0.95 and ρ_XZ ≈ −0.95
    const n = 600;
    const a = correlatedGbm([[1, 0.95], [0.95, 1]], [0.6, 0.6], n, 1);
    const b = correlatedGbm([[1, 0.95], [0.95, 1]], [0.6, 0.6], n, 2);
    const c = correlatedGbm([[1, -0.95], [-0.95, 1]], [0.6, 0.6], n, 3);
    const glue = (parts: [Float64Array, number][]): Float64Array => {
      const out = new Float64Array(3 * (n + 1));
      for (const [p, third] of parts) for (let t = 0; t <= n; t++) out[third * (n + 1) + t] = p[t];
      return out;
    };
    const inThirds = (thirds: number[]) => (t: number) => thirds.includes(Math.floor(t / (n + 1)));
    const X = history('X', glue([[a[0], 0], [c[0], 2]]), inThirds([0, 2]));
    const Y = history('Y', glue([[a[1], 0], [b[0], 1]]), inThirds([0, 1]));
    const Z = history('Z', glue([[b[1], 1], [c[1], 2]]), inThirds([1, 2]));
    expect(userErrorOf(() => estimateCorrelation([X, Y, Z]))).toMatch(/share 0 timestamps/);
    const est = estimateCorrelation([X, Y, Z], { pairwise: true });
    expect(est.observations[1][0]).toBe(n);
    expect(est.observations.map((r, i) => r[i])).toEqual([n, n, n]);
    expect(est.minEigenvalue).toBeLessThan(0);
    expect(est.repaired).toBe(true);
    expect(est.warnings.join(' ')).toMatch(/not positive semi-definite \(smallest eigenvalue -0\.\d+/);
    expect(correlationProblem(est.estimated, 3, est.names)).toBeDefined();
    expect(correlationProblem(est.matrix, 3, est.names)).toBeUndefined();
    expect(est.matrix[0][0]).toBe(1);
    // the signs survive the repair
    expect(est.matrix[1][0]).toBeGreaterThan(0);
    expect(est.matrix[2][1]).toBeGreaterThan(0);
    expect(est.matrix[2][0]).toBeLessThan(0);
    expect(userErrorOf(() => estimateCorrelation([X, Y, Z], { pairwise: true, repair: false }))).toMatch(/not positive semi-definite \(smallest eigenvalue -0\.\d+\) — the pairs were estimated on different overlaps/);
  });
});

describe('nearestCorrelation and symmetricEigen', () => {
  it('eigenvalues of a known matrix; the repair of an indefinite one is positive definite with unit diagonal, and a valid matrix is left as it is', () => {
    const ev = symmetricEigen([[2, 1], [1, 2]]).values.sort((x, y) => x - y);
    expect(ev[0]).toBeCloseTo(1, 12);
    expect(ev[1]).toBeCloseTo(3, 12);
    const bad = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]];
    const fixed = nearestCorrelation(bad);
    expect(Math.min(...symmetricEigen(fixed).values)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect(fixed[i][i]).toBe(1);
    const good = [[1, 0.5], [0.5, 1]];
    const same = nearestCorrelation(good);
    expect(same[0][1]).toBeCloseTo(0.5, 12);
  });
});

describe('the shipped synthetic venue histories (scenarios/data/synthetic-venue-*-5m.csv)', () => {
  it('are what scripts/make-synthetic-markets.mjs generates, byte for byte, and fit --markets on them gives the figures docs/price-models.md quotes', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = (await import('node:path')).default;
    const { cli } = await import('../helpers/cli.js');
    const ROOT = path.resolve(__dirname, '../..');
    const out = mkdtempSync(path.join(tmpdir(), 'marginlab-venuecsv-'));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/make-synthetic-markets.mjs'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const names = ['btc', 'eth', 'sol'];
    for (const n of names) {
      const f = `synthetic-venue-${n}-5m.csv`;
      expect(readFileSync(path.join(out, f), 'utf8'), f).toBe(readFileSync(path.join(ROOT, 'scenarios/data', f), 'utf8'));
    }
    const list = names.map((n) => `${n.toUpperCase()}-PERP=${path.join(ROOT, 'scenarios/data', `synthetic-venue-${n}-5m.csv`)}`).join(',');
    const fit = await cli('fit', '--markets', list, '--model', 'gbm');
    expect(fit.status, fit.stderr).toBe(0);
    const doc = readFileSync(path.join(ROOT, 'docs/price-models.md'), 'utf8');
    for (const line of ['#   BTC-PERP / ETH-PERP: 0.8008 ± 0.0070636 (n = 2579)', '#   BTC-PERP / SOL-PERP: 0.6492 ± 0.011392 (n = 2579)', '#   ETH-PERP / SOL-PERP: 0.7046 ± 0.0099153 (n = 2579)', '# positive semi-definite: yes (smallest eigenvalue 0.19274)', '  - [1, 0.8008, 0.6492]']) {
      expect(fit.stdout).toContain(line);
      expect(doc).toContain(line);
    }
  }, 30_000);
});
