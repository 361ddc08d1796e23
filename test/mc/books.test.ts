/**
 * Books redrawn per block of paths (scenario `sampling.pathsPerBook`): path k runs on book
 * ⌊k / pathsPerBook⌋, drawn and seasoned from the seed's book streams (path index −1 − b). Protects:
 * every path gets the right book whatever the worker count; book 0 is the run's one book (so a block
 * as long as the run changes nothing); book b is the same under policies that share the maintenance
 * schedule (common random numbers for books); and the variance decomposition recovers a known split.
 */
import { describe, expect, it } from 'vitest';
import { runPaths } from '../../src/mc/runner.js';
import { runScenario } from '../../src/api/run.js';
import { resultsJson } from '../../src/report/write.js';
import { createRunContext } from '../../src/engine/context.js';
import { varianceDecomposition, designEffect } from '../../src/stats/design.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { small } from '../helpers/scenarios.js';

const books = (over: unknown = {}) => small({ paths: 23, horizonSteps: 60, traders: { count: 150 }, sampling: { pathsPerBook: 5 }, ...(over as object) });

function withoutTiming(json: string): unknown {
  const r = JSON.parse(json);
  delete r.run;
  return r;
}

describe('books redrawn per block of paths', () => {
  it('each path runs on its block’s book whatever the worker count: results.json (minus timing) is identical serially and on 2 workers', async () => {
    const sc = books();
    const serial = resultsJson(await runScenario(sc, { workers: 0 }));
    const two = resultsJson(await runScenario(sc, { workers: 2 }));
    expect(JSON.stringify(withoutTiming(two))).toBe(JSON.stringify(withoutTiming(serial)));
    const r = JSON.parse(serial);
    expect(r.aggregates.sampling).toMatchObject({ design: 'books', books: 5, pathsPerBook: 5 });
    expect(r.aggregates.bookVariance.badDebtUsd.bookMeans).toHaveLength(5);
  });

  it('book 0 is the run’s one book: the first block’s paths equal a run on one book (pathsPerBook: all), later blocks differ', async () => {
    const plain = await runPaths(small({ paths: 10, horizonSteps: 60, traders: { count: 150 }, sampling: { pathsPerBook: 'all' } }), { workers: 0, series: false });
    const blocked = await runPaths(books({ paths: 10 }), { workers: 0, series: false });
    expect(blocked.summaries.slice(0, 5)).toEqual(plain.summaries.slice(0, 5));
    expect(blocked.summaries.slice(5).map((s) => s.liquidatedNotionalUsd)).not.toEqual(plain.summaries.slice(5).map((s) => s.liquidatedNotionalUsd));
  });

  it('book b is drawn from (seed, b) only: the same under two policies with the same maintenance schedule, different from book 0', () => {
    const a = createRunContext(books(), undefined, 3);
    const b = createRunContext(books({ policy: { liquidation: { feeRate: 0.01 }, insuranceFund: { initialUsd: 9_000 } } }), undefined, 3);
    const zero = createRunContext(books(), undefined, 0);
    expect(Array.from(b.population.posSize.subarray(0, b.population.positions))).toEqual(Array.from(a.population.posSize.subarray(0, a.population.positions)));
    expect(Array.from(b.population.acctMargin.subarray(0, 150))).toEqual(Array.from(a.population.acctMargin.subarray(0, 150)));
    expect(a.population.depositsCents).not.toBe(zero.population.depositsCents);
  });

  it('the variance decomposition recovers a known split (σ²_book = 4, σ²_path = 9, 40 books of 50 paths, fixed seed)', () => {
    const z = normalSampler(stream(9, 0, 'books'));
    const B = 40;
    const m = 50;
    const y = new Float64Array(B * m);
    const blocks = new Int32Array(B * m);
    for (let b = 0; b < B; b++) {
      const mu = 2 * z();
      for (let k = 0; k < m; k++) {
        y[b * m + k] = 10 + mu + 3 * z();
        blocks[b * m + k] = b;
      }
    }
    const d = varianceDecomposition(y, blocks)!;
    expect(d.withinBookVariance).toBeGreaterThan(8);
    expect(d.withinBookVariance).toBeLessThan(10);
    expect(d.betweenBookVariance).toBeGreaterThan(2);
    expect(d.betweenBookVariance).toBeLessThan(7);
    expect(d.shareFromBooks).toBeCloseTo(d.betweenBookVariance / (d.betweenBookVariance + d.withinBookVariance), 12);
    // the design effect of the mean is about 1 + (m − 1)·ICC = 1 + 49 · 4/13 ≈ 16
    expect(d.designEffect).toBeGreaterThan(8);
    expect(d.designEffect).toBeLessThan(30);
    // with no book effect it is about 1
    const flat = Float64Array.from(y, (_, i) => 10 + 3 * z() + 0 * i);
    expect(designEffect(flat, blocks)).toBeLessThan(2);
  });

  it('with books the intervals count the between-book variance: P(bad debt) and the mean are at least as wide as with one book', async () => {
    const r = await runScenario(books({ paths: 40, sampling: { pathsPerBook: 8 } }), { workers: 0, drilldown: false });
    const a = r.aggregates;
    const n = a.paths;
    expect(a.liquidatedNotionalUsd.mean.effectivePaths!).toBeLessThanOrEqual(n);
    expect(a.bookVariance!.liquidatedNotionalUsd.designEffect).toBeGreaterThanOrEqual(1);
    expect(a.bookVariance!.books).toBe(5);
  });
});
