import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adlScore, adlScoreOf, allocateProRata, heapifyByScore, popRanked, rankAdl, type AdlCandidate, type AdlRankingKind } from '../../src/liquidation/waterfall.js';
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

describe("each venue's ADL ranking, by hand (issue 21 item 3)", () => {
  // Three profitable shorts at mark 85, one position per account, fixed MMR 5%:
  //   A short 10 @ 100, wallet 100: PnL 150, equity 250, notional 850, MM 42.5
  //   B short 40 @ 90, wallet 1,000: PnL 200, equity 1,200, notional 3,400, MM 170
  //   C short 2 @ 170, wallet 20: PnL 170, equity 190, notional 170, MM 8.5
  const cand = (size: number, entry: number, wallet: number, mmUsd = 0.05 * size * 85): AdlCandidate => {
    const u = size * (entry - 85);
    return { side: -1, size, entry, mark: 85, walletUsd: wallet, equityUsd: wallet + u, unrealisedUsd: u, notionalUsd: size * 85, maintenanceUsd: mmUsd };
  };
  const A = cand(10, 100, 100);
  const B = cand(40, 90, 1_000);
  const C = cand(2, 170, 20);
  const order = (ranking: AdlRankingKind, cs: AdlCandidate[] = [A, B, C], seed = 1) => {
    const n = cs.length;
    const out = new Int32Array(n);
    rankAdl(Int32Array.from(cs, (_, k) => k), Float64Array.from(cs, (c) => adlScore(ranking, c)), n, ranking, stream(seed, 0, 't'), new Int32Array(n), out);
    return [...out].map((k) => 'ABCDEFG'[k]).join('');
  };

  it('profit-leverage: (PnL / wallet) × (notional / equity) — C 8.5 × 0.895 = 7.61, A 1.5 × 3.4 = 5.1, B 0.2 × 2.83 = 0.57', () => {
    expect(adlScore('profit-leverage', A)).toBeCloseTo(5.1, 12);
    expect(adlScore('profit-leverage', B)).toBeCloseTo(0.2 * (3_400 / 1_200), 12);
    expect(adlScore('profit-leverage', C)).toBeCloseTo(8.5 * (170 / 190), 12);
    expect(order('profit-leverage')).toBe('CAB');
  });

  it('hyperliquid: (entry / mark for a short) × (notional / account value) — A 1.176 × 3.4 = 4, B 1.059 × 2.83 = 3, C 2 × 0.895 = 1.79', () => {
    expect(adlScore('hyperliquid', A)).toBeCloseTo(4, 12);
    expect(adlScore('hyperliquid', B)).toBeCloseTo(3, 12);
    expect(adlScore('hyperliquid', C)).toBeCloseTo(2 * (170 / 190), 12);
    expect(order('hyperliquid')).toBe('ABC');
    // a long: mark / entry
    expect(adlScore('hyperliquid', { ...A, side: 1, entry: 80, unrealisedUsd: 50, equityUsd: 150 })).toBeCloseTo((85 / 80) * (850 / 150), 12);
  });

  it('binance-leverage-pnl: max(0, uPnL) / max(1, wallet) × MM / (wallet + uPnL) — C 8.5 × 0.0447 = 0.380, A 1.5 × 0.17 = 0.255, B 0.2 × 0.142 = 0.028', () => {
    expect(adlScore('binance-leverage-pnl', A)).toBeCloseTo(1.5 * (42.5 / 250), 12);
    expect(adlScore('binance-leverage-pnl', B)).toBeCloseTo(0.2 * (170 / 1_200), 12);
    expect(adlScore('binance-leverage-pnl', C)).toBeCloseTo(8.5 * (8.5 / 190), 12);
    expect(order('binance-leverage-pnl')).toBe('CAB');
    // where it parts from profit-leverage: a wallet below 1 (D: wallet 0.5, uPnL 10 on 100 notional: 10 / 1 × 5 / 10.5 = 4.76, not (10 / 0.5) × (100 / 10.5) = 190)
    const D: AdlCandidate = { side: -1, size: 1, entry: 95, mark: 85, walletUsd: 0.5, equityUsd: 10.5, unrealisedUsd: 10, notionalUsd: 85, maintenanceUsd: 4.25 };
    expect(adlScore('binance-leverage-pnl', D)).toBeCloseTo(10 * (4.25 / 10.5), 12);
    expect(adlScore('profit-leverage', D)).toBeCloseTo(20 * (85 / 10.5), 12);
    // B with the MM of a 45% bracket (1,530 + 0.1): ahead of A (0.2 × 1,530.1 / 1,200 = 0.255 01 > 0.255)
    expect(order('binance-leverage-pnl', [A, cand(40, 90, 1_000, 1_530.1), C])).toBe('CBA');
    // an account whose wallet + uPnL ≤ 0 scores 0
    expect(adlScore('binance-leverage-pnl', { ...D, walletUsd: -20, equityUsd: -10 })).toBe(0);
  });

  it('bybit and bitmex: price return × |MV| / (MV − BV) — A 0.15 × 3.4 = 0.51, C 0.5 × 0.895 = 0.447, B 0.0556 × 2.83 = 0.157', () => {
    for (const r of ['bybit', 'bitmex'] as const) {
      expect(adlScore(r, A)).toBeCloseTo(0.15 * (850 / 250), 12);
      expect(adlScore(r, B)).toBeCloseTo((1 - 85 / 90) * (3_400 / 1_200), 12);
      expect(adlScore(r, C)).toBeCloseTo(0.5 * (170 / 190), 12);
      expect(order(r)).toBe('ACB');
    }
    // |MV| / (MV − BV) with BV at the bankruptcy price (equity 0): A's B = 85 + 250 / 10 = 110, 850 / (1,100 − 850) = 3.4
    expect(850 / (10 * 110 - 850)).toBeCloseTo(850 / 250, 12);
  });

  it('dydx: every candidate in id order from a random start (one draw, wrapping round)', () => {
    const D = { ...A, entry: 80, unrealisedUsd: -50, equityUsd: 50 }; // a losing short is a candidate too
    const cs = [A, B, C, D];
    const seen = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const o = order('dydx', cs, seed);
      expect(['ABCD', 'BCDA', 'CDAB', 'DABC']).toContain(o);
      seen.add(o);
    }
    expect(seen.size).toBe(4);
  });
});

describe('the lazy scored ranking (heapifyByScore, popRanked)', () => {
  it('gives the same order as rankAdl, ties (many equal scores, ±0, ±Infinity) by index, and refuses NaN scores', () => {
    const score = fc.oneof(fc.constantFrom(0, -0, 1, 2, Infinity, -Infinity), fc.double({ noNaN: true, min: -5, max: 5 }));
    fc.assert(
      fc.property(fc.array(score, { maxLength: 200 }), (xs) => {
        const n = xs.length;
        const scores = Float64Array.from(xs);
        const ids = Int32Array.from(xs, (_, k) => 3 * k + 1);
        const full = new Int32Array(n);
        rankAdl(ids, scores, n, 'profit-leverage', stream(1, 0, 't'), new Int32Array(n), full);
        const heap = new Int32Array(n);
        expect(heapifyByScore(scores, n, heap)).toBe(true);
        const lazy: number[] = [];
        for (let size = n; size > 0; size--) lazy.push(ids[popRanked(scores, heap, size)]);
        expect(lazy).toEqual([...full]);
      }),
      { seed: 26, numRuns: 300 },
    );
    expect(heapifyByScore(Float64Array.of(1, NaN), 2, new Int32Array(2))).toBe(false);
  });
});
