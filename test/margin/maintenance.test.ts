import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bankruptcyPrice, bracketsWithAmounts, fixedMaintenance, tieredMaintenance, tieredMm } from '../../src/margin/maintenance.js';

const TIERS = [
  { notionalFloorUsd: 0, mmr: 0.004 },
  { notionalFloorUsd: 50_000, mmr: 0.005 },
  { notionalFloorUsd: 250_000, mmr: 0.01 },
  { notionalFloorUsd: 1_000_000, mmr: 0.025 },
  { notionalFloorUsd: 10_000_000, mmr: 0.05 },
];

describe('tiered MMR', () => {
  const brackets = bracketsWithAmounts(TIERS);
  it('maintenance amounts follow A_k = A_{k−1} + floor_k·(mmr_k − mmr_{k−1})', () => {
    const expected = [0, 50, 50 + 250_000 * 0.005, 50 + 1250 + 1_000_000 * 0.015, 50 + 1250 + 15_000 + 10_000_000 * 0.025];
    brackets.forEach((b, k) => expect(b.amount).toBeCloseTo(expected[k], 6));
  });
  it('MM is continuous at every bracket edge', () => {
    for (const b of brackets.slice(1)) {
      const below = tieredMm(brackets, b.floor * (1 - 1e-12));
      const at = tieredMm(brackets, b.floor);
      expect(Math.abs(at - below)).toBeLessThan(1e-6 * Math.max(1, at));
    }
  });
  it('MM is increasing in notional and its effective rate never exceeds the bracket rate', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 5e7, noNaN: true }), fc.double({ min: 1, max: 5e7, noNaN: true }), (a, b) => {
        const [lo, hi] = a < b ? [a, b] : [b, a];
        expect(tieredMm(brackets, hi)).toBeGreaterThanOrEqual(tieredMm(brackets, lo) - 1e-9);
        expect(tieredMm(brackets, hi) / hi).toBeLessThanOrEqual(0.05 + 1e-12);
      }),
      { seed: 1, numRuns: 500 },
    );
  });
});

describe('threshold (liquidation / trigger) prices', () => {
  it('fixed MMR: long liquidates at B/(1 − mmr), short at B/(1 + mmr)', () => {
    const m = fixedMaintenance(0.025);
    const B = bankruptcyPrice(1, 10, 100, 100);
    expect(m.thresholdPrice(1, 10, 100, 100, 1)).toBeCloseTo(B / (1 - 0.025), 10);
    const Bs = bankruptcyPrice(-1, 10, 100, 100);
    expect(m.thresholdPrice(-1, 10, 100, 100, 1)).toBeCloseTo(Bs / (1 + 0.025), 10);
  });
  it('equity equals k·MM exactly at the threshold, for tiered schedules, both sides (property)', () => {
    const model = tieredMaintenance(TIERS);
    fc.assert(
      fc.property(
        fc.constantFrom(1 as const, -1 as const),
        fc.double({ min: 0.01, max: 2e5, noNaN: true }), // size
        fc.double({ min: 1.1, max: 50, noNaN: true }), // leverage
        fc.double({ min: 1, max: 3, noNaN: true }), // k
        (side, size, lev, k) => {
          const entry = 100;
          const c = (size * entry) / lev;
          const p = model.thresholdPrice(side, size, entry, c, k);
          if (!(p > 0 && Number.isFinite(p))) return; // no threshold reachable
          const eq = c + side * size * (p - entry);
          const mm = k * model.mm(size * p);
          expect(Math.abs(eq - mm)).toBeLessThan(1e-6 * Math.max(1, Math.abs(mm), c));
          // just past the threshold the account is in breach; just before it is not
          const past = p * (1 - side * 1e-6);
          const before = p * (1 + side * 1e-6);
          expect(c + side * size * (past - entry)).toBeLessThan(k * model.mm(size * past));
          expect(c + side * size * (before - entry)).toBeGreaterThanOrEqual(k * model.mm(size * before));
        },
      ),
      { seed: 2, numRuns: 1000 },
    );
  });
  it('an unlevered long (B ≤ 0) can never be liquidated', () => {
    expect(fixedMaintenance(0.05).thresholdPrice(1, 1, 100, 100, 1)).toBe(0);
  });
});
