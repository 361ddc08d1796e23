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

import { sizeScaledMaintenance, volatilityAdaptiveMaintenance, createMaintenanceModel } from '../../src/margin/maintenance.js';

describe('size-scaled MMR', () => {
  it('linear: MMR = base + slope·Q, capped', () => {
    const m = sizeScaledMaintenance({ mode: 'linear', baseMmr: 0.01, slopePerUnitSize: 1e-5, baseMultiplier: 1, sqrtCoefficient: 0, maxMmr: 0.05 });
    expect(m.mm(10_000, 100)).toBeCloseTo(10_000 * (0.01 + 1e-3), 9);
    expect(m.rateFor(1e7)).toBe(0.05);
  });
  it('sqrt: MMR = max(base, multiplier·base + c·√Q); its threshold price is where eq = MM', () => {
    const m = sizeScaledMaintenance({ mode: 'sqrt', baseMmr: 0.01, slopePerUnitSize: 0, baseMultiplier: 0.5, sqrtCoefficient: 0.001, maxMmr: 0.5 });
    expect(m.rateFor(4)).toBe(0.01); // 0.005 + 0.002 < base
    expect(m.rateFor(400)).toBeCloseTo(0.005 + 0.02, 12);
    const p = m.thresholdPrice(1, 400, 100, 4000, 1);
    expect(4000 + 400 * (p - 100)).toBeCloseTo(m.mm(400 * p, 400), 6);
  });
});

describe('MMR as a fraction of IMR', () => {
  it('MMR = k / maxLeverage', () => {
    const m = createMaintenanceModel({ kind: 'fraction-of-imr', fraction: 0.5 }, { maxLeverage: 40, nominalVolPerStep: 0.001, stepsPerYear: 525_600 });
    expect(m.mm(1000)).toBeCloseTo(1000 * 0.5 / 40, 12);
  });
});

describe('volatility-adaptive MMR', () => {
  const cfg = { ewmaHalfLifeSteps: 10, holdingHorizonSteps: 60, confidence: 0.99, floorMmr: 0.005, maxMmr: 0.3, stressedVolatilityAnnual: 0, stressedWeight: 0 };
  it('starts at z·σ·√h from the nominal volatility and rises after a volatility spike', () => {
    const sigma = 0.001;
    const m = volatilityAdaptiveMaintenance(cfg, sigma, 525_600);
    const z = 2.3263478740408408;
    expect(m.rate()).toBeCloseTo(z * sigma * Math.sqrt(60), 6);
    const before = m.rate();
    for (let i = 0; i < 10; i++) m.observe(i % 2 ? 0.01 : -0.01); // ten 1% moves: a spike
    expect(m.rate()).toBeGreaterThan(3 * before);
    expect(m.mm(1000)).toBeCloseTo(1000 * m.rate(), 9);
    for (let i = 0; i < 200; i++) m.observe(0); // calm returns: it decays back to the floor
    expect(m.rate()).toBe(cfg.floorMmr);
  });
  it('a stressed floor keeps margins from falling back all the way (anti-procyclicality)', () => {
    const m = volatilityAdaptiveMaintenance({ ...cfg, stressedVolatilityAnnual: 1.5, stressedWeight: 0.25 }, 0.001, 525_600);
    for (let i = 0; i < 300; i++) m.observe(0);
    expect(m.rate()).toBeCloseTo(0.25 * 2.3263478740408408 * (1.5 / Math.sqrt(525_600)) * Math.sqrt(60), 6);
  });
});
