/** The scenario's `sampling` block: defaults, and bad input refused with one line naming the field. */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { isUserError } from '../../src/errors.js';
import { small } from '../helpers/scenarios.js';
import { autoPathsPerBook, pathsPerBookOf } from '../../src/scenario/sampling.js';
import { runPaths } from '../../src/mc/runner.js';
import { aggregate } from '../../src/stats/aggregate.js';
import { runSummary } from '../../src/report/verdict.js';
import { runScenario } from '../../src/api/run.js';

const refused = (over: unknown): string => {
  try {
    small(over);
  } catch (e) {
    expect(isUserError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('scenario sampling block', () => {
  it('defaults to books redrawn per block (pathsPerBook: auto), no importance sampling, and fills the importance defaults when given', () => {
    expect(small().sampling).toEqual({ pathsPerBook: 'auto' });
    expect(small({ sampling: { importance: {} } }).sampling!.importance).toEqual({ kind: 'shift', shiftPerStep: 'auto', target: 'liquidation', shareOfOpenInterest: 0 });
  });
  it('refuses a shift list of the wrong length, a csv model with importance sampling, and a zero block size, naming the field', () => {
    expect(refused({ sampling: { importance: { shiftPerStep: [-0.1, -0.2] } } })).toMatch(/sampling\.importance\.shiftPerStep: .*one shift per market \(1/);
    expect(refused({ sampling: { pathsPerBook: 0 } })).toMatch(/sampling\.pathsPerBook/);
    expect(refused({ sampling: { pathsPerBook: 'fixed' } })).toMatch(/sampling\.pathsPerBook/);
    expect(refused({ sampling: { importance: { shiftPerStep: 9 } } })).toMatch(/sampling\.importance\.shiftPerStep/);
    const csv = { horizonSteps: 5, market: { priceModel: { kind: 'csv', file: 'test/fixtures/prices-small.csv', mode: 'block-bootstrap' } }, sampling: { importance: {} } };
    expect(() => parseScenario({ ...small(), ...csv }, 'x', { baseDir: process.cwd() })).toThrow(/csv model draws none/);
  });
});

describe('books per block by default: a run averages over market states', () => {
  it('auto: max(2, min(⌊P/50⌋, ⌈√P⌉)) paths a book — at least 50 books from 100 to 2,500 paths, √P above, never under 2 paths a book', () => {
    const cases: [number, number][] = [[1, 2], [3, 2], [30, 2], [107, 2], [149, 2], [150, 3], [100, 2], [192, 3], [1_000, 20], [2_500, 50], [10_000, 100], [100_000, 317]];
    for (const [P, n] of cases) expect(autoPathsPerBook(P), `P = ${P}`).toBe(n);
    for (let P = 100; P <= 2_500; P += 7) expect(Math.ceil(P / autoPathsPerBook(P))).toBeGreaterThanOrEqual(50);
    for (let P = 2; P <= 200_000; P = Math.ceil(P * 1.3)) expect(autoPathsPerBook(P)).toBeGreaterThanOrEqual(2);
  });

  it('resolves auto from the path count, all to one book, a number to itself; a snapshot under auto holds its one book', () => {
    expect(pathsPerBookOf(small({ paths: 1_000 }))).toBe(20);
    expect(pathsPerBookOf(small({ paths: 1_000, sampling: { pathsPerBook: 'all' } }))).toBeUndefined();
    expect(pathsPerBookOf(small({ sampling: { pathsPerBook: 7 } }))).toBe(7);
    const snap = { ...small({ paths: 1_000 }), traders: { ...small().traders, snapshot: 'x.csv' } };
    expect(pathsPerBookOf(snap)).toBeUndefined();
  });

  it('the default run draws a book per block (paths of one block share the opening, blocks differ); all holds one book for every path', async () => {
    const sc = small({ paths: 8, horizonSteps: 30 }); // auto: 4 books of 2
    const byBook = await runPaths(sc, { workers: 0, series: false });
    const one = await runPaths(small({ paths: 8, horizonSteps: 30, sampling: { pathsPerBook: 'all' } }), { workers: 0, series: false });
    const a = aggregate(byBook.summaries, sc.traders.count, { pathsPerBook: pathsPerBookOf(sc) });
    expect(a.sampling).toMatchObject({ design: 'books', books: 4, pathsPerBook: 2, marketStates: 'averaged over books' });
    const b = aggregate(one.summaries, sc.traders.count, {});
    expect(b.sampling).toMatchObject({ design: 'plain', books: 1, pathsPerBook: null, marketStates: 'conditioned on one book' });
    // book 0 is the one book a run with pathsPerBook: all uses: paths 0 and 1 are the same path either way
    for (const k of [0, 1]) expect(byBook.summaries[k]).toEqual(one.summaries[k]);
    // later blocks run on other books: the same price shocks on another book give another path
    expect(byBook.summaries.slice(2).some((s, i) => JSON.stringify(s) !== JSON.stringify(one.summaries[i + 2]))).toBe(true);
  });

  it('the verdict says which the figures are: averaged over N market states, M paths each — or conditioned on one book', async () => {
    const averaged = runSummary(await runScenario(small({ paths: 9, horizonSteps: 20 }), { workers: 0, drilldown: false }), null);
    expect(averaged.verdict).toMatch(/Averaged over 5 market states \(books\), 2 paths each \(the last 1\)\./);
    expect(averaged.figures.find((f) => f.key === 'openInterestUsd')?.label).toBe('open interest at the start (book 0 of 5)');
    const one = runSummary(await runScenario(small({ paths: 4, horizonSteps: 20, sampling: { pathsPerBook: 'all' } }), { workers: 0, drilldown: false }), null);
    expect(one.verdict).toMatch(/Conditioned on one book: one market state and one set of positions, shared by every path\./);
  });
});
