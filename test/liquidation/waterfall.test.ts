import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adlOrder, adlScore, allocateProRata, type AdlCandidate } from '../../src/liquidation/waterfall.js';
import { stream } from '../../src/rng/streams.js';

const cand = (id: number, pnlUsd: number, marginUsd: number, notionalUsd: number, equityUsd: number): AdlCandidate => ({ id, pnlUsd, marginUsd, notionalUsd, equityUsd, size: notionalUsd / 100 });

describe('ADL ranking', () => {
  // a hand-built book of profitable shorts
  const book = [
    cand(0, 100, 1000, 10_000, 1100), // +10% profit, 9.1x → 0.91
    cand(1, 500, 1000, 20_000, 1500), // +50%, 13.3x → 6.67
    cand(2, 50, 100, 5_000, 150), //     +50%, 33.3x → 16.7
    cand(3, 900, 10_000, 50_000, 10_900), // +9%, 4.6x → 0.41
    cand(4, 200, 1000, 10_000, 1200), // +20%, 8.3x → 1.67
  ];
  it('scores profit % × effective leverage', () => {
    expect(adlScore(book[1])).toBeCloseTo(0.5 * (20_000 / 1500), 12);
  });
  it('deleverages the highest profit-leverage first', () => {
    expect(adlOrder(book, 'profit-leverage', stream(1, 0, 't')).map((c) => c.id)).toEqual([2, 1, 4, 0, 3]);
  });
  it('random order is a seeded permutation; pro-rata keeps every candidate', () => {
    const r1 = adlOrder(book, 'random', stream(1, 0, 't')).map((c) => c.id);
    const r2 = adlOrder(book, 'random', stream(1, 0, 't')).map((c) => c.id);
    expect(r1).toEqual(r2);
    expect([...r1].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(adlOrder(book, 'pro-rata', stream(1, 0, 't')).map((c) => c.id)).toEqual([0, 1, 2, 3, 4]);
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
