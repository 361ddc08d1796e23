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
  it('gives every holder the same cents as the previous implementation (its reference copy below), ties and caps included (property)', () => {
    // weights drawn from few values so that equal remainders (ties, decided by index) are common
    const weight = fc.oneof(fc.constantFrom(0, 1, 2, 3, 7, 1e6), fc.double({ min: 0, max: 1e6, noNaN: true }));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.array(fc.tuple(weight, fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1e8 }))), { minLength: 1, maxLength: 60 }),
        (total, holders) => {
          const w = holders.map((h) => h[0]);
          const caps = holders.map((h) => h[1]);
          expect([...allocateProRata(total, w, caps)]).toEqual([...allocateProRataBefore(total, w, caps)]);
        },
      ),
      { seed: 2121, numRuns: 2000 },
    );
  });
  it('rejects fractional totals', () => {
    expect(() => allocateProRata(1.5, [1], [10])).toThrow(RangeError);
  });
});

/**
 * The allocation as it was before the leftover cents were placed by a threshold (commit 5c7899f): the
 * reference the faster one must equal, holder by holder.
 */
function allocateProRataBefore(totalCents: number, weights: ArrayLike<number>, caps: ArrayLike<number>): Float64Array {
  if (!Number.isSafeInteger(totalCents) || totalCents < 0) throw new RangeError(`total must be whole non-negative cents, got ${totalCents}`);
  if (weights.length !== caps.length) throw new RangeError('weights and caps must have the same length');
  const n = weights.length;
  const out = new Float64Array(n);
  let capacity = 0;
  for (let k = 0; k < n; k++) {
    if (!Number.isSafeInteger(caps[k]) || caps[k] < 0) throw new RangeError(`caps must be whole non-negative cents, got ${caps[k]}`);
    if (weights[k] > 0) capacity += caps[k];
  }
  let remaining = Math.min(totalCents, capacity);
  const open = new Uint8Array(n);
  for (let k = 0; k < n; k++) open[k] = weights[k] > 0 && caps[k] > 0 ? 1 : 0;
  while (remaining > 0) {
    let wsum = 0;
    for (let k = 0; k < n; k++) if (open[k]) wsum += weights[k];
    if (wsum <= 0) break;
    const share = new Float64Array(n);
    let given = 0;
    let capped = false;
    for (let k = 0; k < n; k++) {
      if (!open[k]) continue;
      const room = caps[k] - out[k];
      const ideal = (remaining * weights[k]) / wsum;
      if (ideal >= room) {
        share[k] = room;
        open[k] = 0;
        capped = true;
      } else share[k] = Math.floor(ideal);
      given += share[k];
    }
    if (!capped) {
      // largest remainders get the leftover cents
      let left = remaining - given;
      const order: number[] = [];
      for (let k = 0; k < n; k++) if (open[k]) order.push(k);
      order.sort((a, b) => {
        const ra = (remaining * weights[a]) / wsum - share[a];
        const rb = (remaining * weights[b]) / wsum - share[b];
        return rb - ra || a - b;
      });
      for (let i = 0; left > 0 && i < order.length; i++) {
        const k = order[i];
        if (share[k] < caps[k] - out[k]) {
          share[k]++;
          left--;
        }
      }
      given = remaining - left;
    }
    for (let k = 0; k < n; k++) out[k] += share[k];
    remaining -= given;
    if (!capped) break;
  }
  return out;
}
