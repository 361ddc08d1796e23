/**
 * Multi-market accounts are checked only when a mark leaves their price box (src/engine/triggers.ts
 * `scheduleMulti`). The box must be a valid bound: skipping the checks it proves safe may change no
 * result. Random small books over 2–4 markets of different volatilities, longs and shorts in one account,
 * every static schedule, a volatility-adaptive rate (also in one market only, beside static ones), and
 * volatile collateral in a traded market or in an untraded one; each path run with the boxes and with
 * a check at every price change, and the whole path result compared.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, setExhaustiveMultiChecks, simulatePath, type PathResult } from '../../src/engine/path.js';
import { small } from '../helpers/scenarios.js';

const SEED = 26_2612;

const schedules = [
  { kind: 'fixed', mmr: 0.03 },
  { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 5_000, mmr: 0.04 }, { notionalFloorUsd: 50_000, mmr: 0.08 }] },
  { kind: 'size-scaled', mode: 'sqrt', baseMmr: 0.01, sqrtCoefficient: 0.002, maxMmr: 0.09 },
  { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.1, holdingHorizonSteps: 30, ewmaHalfLifeSteps: 10 },
] as const;

const caseArb = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  markets: fc.integer({ min: 2, max: 4 }),
  vols: fc.array(fc.constantFrom(0.5, 2, 6), { minLength: 4, maxLength: 4 }),
  rho: fc.constantFrom(-0.3, 0, 0.6, 0.9),
  schedule: fc.integer({ min: 0, max: schedules.length - 1 }),
  /** −1: every market under `schedule`; else this market under another one */
  otherSchedule: fc.integer({ min: -1, max: schedules.length - 1 }),
  longShare: fc.constantFrom(0, 0.5, 1),
  crossShare: fc.constantFrom(0.5, 1),
  collateral: fc.constantFrom('none', 'traded', 'untraded'),
  mark: fc.constantFrom('last', 'ema', 'median'),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function scenario(c: Case) {
  const K = c.markets;
  const names = ['PERP', 'M1', 'M2', 'M3'];
  const otherMarkets = Array.from({ length: K - 1 }, (_, j) => ({
    name: names[j + 1],
    initialPriceUsd: 30 * (j + 1),
    priceModel: { kind: 'gbm', volatilityAnnual: c.vols[j + 1] },
    impact: { depthUsdPerPercent: 1e5 },
    ...(c.otherSchedule >= 0 && j === 0 ? { policy: { maintenance: schedules[c.otherSchedule] } } : {}),
  }));
  // the last market carries no traders' positions when collateral is 'untraded' (weight 0)
  const marketWeights = Array.from({ length: K }, (_, m) => (c.collateral === 'untraded' && m === K - 1 ? 0 : 1));
  const collateralMarket = c.collateral === 'untraded' ? names[K - 1] : names[1];
  return small({
    seed: c.seed,
    paths: 2,
    horizonSteps: 240,
    market: { priceModel: { kind: 'gbm', volatilityAnnual: c.vols[0] } },
    otherMarkets,
    correlation: Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 1 : c.rho < 0 && K > 2 ? 0 : c.rho))),
    traders: {
      count: 200,
      longShare: c.longShare,
      crossMarginShare: c.crossShare,
      crossMarketsPerAccount: K - (c.collateral === 'untraded' ? 1 : 0),
      marketWeights,
      leverage: { kind: 'tiers', tiers: [{ leverage: 5, weight: 0.3 }, { leverage: 12, weight: 0.4 }, { leverage: 20, weight: 0.3 }] },
      ...(c.collateral === 'none'
        ? {}
        : { collateral: { accountShare: 0.5, assets: [{ market: collateralMarket, marginShare: 0.6, haircutTiers: [{ unitsFloor: 0, haircut: 0.9 }, { unitsFloor: 20, haircut: 0.7 }] }] } }),
    },
    policy: { maxLeverage: 20, maintenance: schedules[c.schedule], markPrice: { kind: c.mark } },
  });
}

/** Both paths on one set of buffers (the second path copies the opening schedules the first built). */
function run(c: Case, exhaustive: boolean): PathResult[] {
  setExhaustiveMultiChecks(exhaustive);
  try {
    const sc = scenario(c);
    const ctx = createRunContext(sc);
    const buf = new PathBuffers(ctx);
    return [0, 1].map((p) => simulatePath(ctx, p, buf, true));
  } finally {
    setExhaustiveMultiChecks(false);
  }
}

describe('price boxes of multi-market accounts (property, seed ' + SEED + ')', () => {
  it('skipping the checks a price box proves safe changes no path result (vs a check at every price change), on random books with mixed sides, schedules and collateral', () => {
    let liquidations = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const boxed = run(c, false);
        const full = run(c, true);
        expect(JSON.stringify(boxed)).toBe(JSON.stringify(full));
        liquidations += boxed.reduce((n, r) => n + r.summary.liquidationCount, 0);
      }),
      { seed: SEED, numRuns: 24, endOnFailure: true },
    );
    // the books liquidate: a bound that came too late would have had something to miss
    expect(liquidations).toBeGreaterThan(100);
  });
});
