import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adlScoreOf, allocateProRata, rankAdl, type AdlRankingKind } from '../../src/liquidation/waterfall.js';
import { stream } from '../../src/rng/streams.js';

/** Ranks candidates (id, pnl, margin, notional, equity) with the engine's own functions, as src/engine/waterfall.ts does. */
function ranked(book: [number, number, number, number, number][], ranking: AdlRankingKind, seed = 1): number[] {
  const n = book.length;
  const ids = Int32Array.from(book, (c) => c[0]);
  const scores = Float64Array.from(book, (c) => adlScoreOf(c[1], c[2], c[3], c[4]));
  const out = new Int32Array(n);
  rankAdl(ids, scores, n, ranking, stream(seed, 0, 't'), new Int32Array(n), out);
  return [...out];
}

describe('ADL ranking', () => {
  // a hand-built book of profitable shorts, in increasing id order (as the engine lists them)
  const book: [number, number, number, number, number][] = [
    [0, 100, 1000, 10_000, 1100], // +10% profit, 9.1x → 0.91
    [1, 500, 1000, 20_000, 1500], // +50%, 13.3x → 6.67
    [2, 50, 100, 5_000, 150], //     +50%, 33.3x → 16.7
    [3, 900, 10_000, 50_000, 10_900], // +9%, 4.6x → 0.41
    [4, 200, 1000, 10_000, 1200], // +20%, 8.3x → 1.67
  ];
  it('scores profit % × effective leverage; no margin or no equity ranks first', () => {
    expect(adlScoreOf(500, 1000, 20_000, 1500)).toBeCloseTo(0.5 * (20_000 / 1500), 12);
    expect(adlScoreOf(500, 0, 20_000, 1500)).toBe(Infinity);
    expect(adlScoreOf(500, 1000, 20_000, 0)).toBe(Infinity);
  });
  it('deleverages the highest profit-leverage first, ties by id', () => {
    expect(ranked(book, 'profit-leverage')).toEqual([2, 1, 4, 0, 3]);
    expect(ranked([[5, 10, 100, 1000, 110], [7, 10, 100, 1000, 110], [9, 20, 100, 1000, 120]], 'profit-leverage')).toEqual([9, 5, 7]);
  });
  it('random order is a seeded permutation; pro-rata keeps every candidate in id order', () => {
    const r1 = ranked(book, 'random');
    expect(ranked(book, 'random')).toEqual(r1);
    expect([...r1].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(ranked(book, 'pro-rata')).toEqual([0, 1, 2, 3, 4]);
    expect(ranked(book, 'pro-rata-pnl')).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('socialised-loss allocation', () => {
  it('sums to the deficit exactly, pro rata, in whole cents', () => {
    const out = allocateProRata(1_000_01, [1, 1, 1], [1e9, 1e9, 1e9]);
    expect(out.reduce((a, b) => a + b, 0)).toBe(1_000_01);
    expect(Math.max(...out) - Math.min(...out)).toBeLessThanOrEqual(1);
  });
  it('never exceeds a holder’s cap and redistributes what a capped holder cannot take (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 1e8 })), { minLength: 1, maxLength: 30 }),
        (total, holders) => {
          const w = holders.map((h) => h[0]);
          const caps = holders.map((h) => h[1]);
          const out = allocateProRata(total, w, caps);
          const capacity = holders.reduce((a, [wk, ck]) => a + (wk > 0 ? ck : 0), 0);
          expect(out.reduce((a, b) => a + b, 0)).toBe(Math.min(total, capacity));
          out.forEach((x, k) => {
            expect(Number.isInteger(x)).toBe(true);
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(caps[k]);
            if (w[k] === 0) expect(x).toBe(0);
          });
        },
      ),
      { seed: 31, numRuns: 500 },
    );
  });
  it('rejects fractional totals', () => {
    expect(() => allocateProRata(1.5, [1], [10])).toThrow(RangeError);
  });
});
