/**
 * Engine behaviour on small books. Every path of every run here ends with the ledger's exact
 * conservation check (a violation throws and fails the test).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runPaths } from '../../src/mc/runner.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { small } from '../helpers/scenarios.js';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('engine', () => {
  it('without impact every cascade has one generation and the realised path equals the exogenous one', async () => {
    const out = await runPaths(small({ market: { impact: { kind: 'none' } } }), { workers: 0 });
    expect(sum(out.summaries.map((s) => s.liquidationCount))).toBeGreaterThan(0);
    for (const s of out.summaries) {
      expect(s.largestCascadeGenerations).toBeLessThanOrEqual(1);
      expect(s.maxDrawdownRealised).toBeCloseTo(s.maxDrawdownExogenous, 12);
    }
  });

  it('with thin depth, liquidation flow causes multi-generation cascades and deepens drawdowns', async () => {
    const out = await runPaths(small({ market: { impact: { kind: 'linear', depthUsdPerPercent: 50_000 } } }), { workers: 0 });
    expect(Math.max(...out.summaries.map((s) => s.largestCascadeGenerations))).toBeGreaterThan(1);
    const extra = sum(out.summaries.map((s) => s.maxDrawdownRealised - s.maxDrawdownExogenous));
    expect(extra).toBeGreaterThan(0);
    expect(out.histograms.cascadeGenerations.slice(1).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('top-ups from reserves reduce liquidations on the same shocks', async () => {
    const base = { traders: { crossMarginShare: 0, stopLoss: { share: 0 } } };
    const none = await runPaths(small({ ...base, traders: { ...base.traders, topUp: { share: 0 } } }), { workers: 0 });
    const all = await runPaths(
      small({ ...base, traders: { ...base.traders, topUp: { share: 1, reactionDelaySteps: 0, actProbabilityPerStep: 1, reserveMultipleOfCollateral: 3 } } }),
      { workers: 0 },
    );
    expect(sum(all.summaries.map((s) => s.topUpCount))).toBeGreaterThan(0);
    expect(sum(all.summaries.map((s) => s.liquidationCount))).toBeLessThan(sum(none.summaries.map((s) => s.liquidationCount)));
  });

  it('stop-losses close positions before liquidation (no impact, so stops cannot push others over)', async () => {
    const noImpact = { market: { impact: { kind: 'none' } } };
    const none = await runPaths(small({ ...noImpact, traders: { stopLoss: { share: 0 } } }), { workers: 0 });
    const all = await runPaths(small({ ...noImpact, traders: { stopLoss: { share: 1, lossFractionOfCollateralMin: 0.2, lossFractionOfCollateralMax: 0.3 } } }), { workers: 0 });
    expect(sum(all.summaries.map((s) => s.stopLossCount))).toBeGreaterThan(0);
    expect(sum(all.summaries.map((s) => s.liquidationCount))).toBeLessThan(sum(none.summaries.map((s) => s.liquidationCount)));
  });

  it('partial liquidation liquidates less notional than full liquidation on the same shocks', async () => {
    const full = await runPaths(small({ policy: { liquidation: { kind: 'full' } } }), { workers: 0 });
    const partial = await runPaths(small({ policy: { liquidation: { kind: 'partial', bufferFraction: 0.2 } } }), { workers: 0 });
    expect(sum(partial.summaries.map((s) => s.liquidatedNotionalUsd))).toBeLessThan(sum(full.summaries.map((s) => s.liquidatedNotionalUsd)));
  });

  it('bad debt appears only when the insurance fund ran dry', async () => {
    const out = await runPaths(small({ market: { impact: { depthUsdPerPercent: 30_000 } }, policy: { insuranceFund: { initialUsd: 100 } } }), { workers: 0 });
    expect(out.summaries.some((s) => s.badDebtUsd > 0)).toBe(true);
    for (const s of out.summaries) {
      expect(s.fundExhausted).toBe(s.badDebtUsd > 0);
      if (s.badDebtUsd > 0) expect(s.fundPaidUsd).toBeGreaterThanOrEqual(s.fundStartUsd); // the whole seed capital went first
    }
  });

  it('the same path gives the same result run alone or after other paths (no state leaks between paths)', () => {
    const sc = small({
      traders: { arrivals: { perStep: 0.5, momentumPerStep: 0.3 }, takeProfit: { share: 0.3 } },
      policy: { liquidation: { marginCall: { graceSteps: 3 }, caps: { perAccountNotionalUsdPerStep: 20_000 } } },
    });
    const ctx = createRunContext(sc);
    const buf = new PathBuffers(ctx);
    const alone = simulatePath(ctx, 7, new PathBuffers(ctx), true);
    for (let p = 0; p < 7; p++) simulatePath(ctx, p, buf, false);
    const after = simulatePath(ctx, 7, buf, true);
    expect(after.summary).toEqual(alone.summary);
    expect(after.series).toEqual(alone.series);
  });

  it('money is conserved on every path of randomised scenarios (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          kind: fc.constantFrom('gbm', 'merton', 'garch'),
          impact: fc.constantFrom('none', 'linear', 'sqrt'),
          depth: fc.double({ min: 1e4, max: 1e7, noNaN: true }),
          liq: fc.constantFrom('full', 'partial'),
          mmr: fc.double({ min: 0.005, max: 0.045, noNaN: true }),
          fee: fc.double({ min: 0, max: 0.02, noNaN: true }),
          fund: fc.double({ min: 0, max: 1e5, noNaN: true }),
          cross: fc.double({ min: 0, max: 1, noNaN: true }),
          topUp: fc.double({ min: 0, max: 1, noNaN: true }),
          stop: fc.double({ min: 0, max: 1, noNaN: true }),
          delay: fc.integer({ min: 0, max: 5 }),
          tiered: fc.boolean(),
        }),
        (p) => {
          const sc = small({
            seed: p.seed,
            paths: 3,
            horizonSteps: 120,
            market: { priceModel: { kind: p.kind }, impact: { kind: p.impact, depthUsdPerPercent: p.depth } },
            traders: { count: 150, crossMarginShare: p.cross, topUp: { share: p.topUp, reactionDelaySteps: p.delay }, stopLoss: { share: p.stop } },
            policy: {
              maintenance: p.tiered
                ? { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: p.mmr / 2 }, { notionalFloorUsd: 10_000, mmr: p.mmr }] }
                : { kind: 'fixed', mmr: p.mmr },
              liquidation: { kind: p.liq, feeRate: p.fee },
              insuranceFund: { initialUsd: Math.round(p.fund) },
            },
          });
          const ctx = createRunContext(sc);
          const buf = new PathBuffers(ctx);
          for (let k = 0; k < sc.paths; k++) simulatePath(ctx, k, buf, false); // throws on any violation
        },
      ),
      { seed: 20261121, numRuns: 60 },
    );
  });
});

describe('the book under different margin policies', () => {
  const book = (over: unknown) => createRunContext(small(over)).population;
  const same = (a: ReturnType<typeof book>, b: ReturnType<typeof book>, acct: number) => {
    if (a.acctMargin[acct] !== b.acctMargin[acct] || a.acctNPos[acct] !== b.acctNPos[acct] || a.acctAgeSteps[acct] !== b.acctAgeSteps[acct]) return false;
    for (let k = 0; k < a.acctNPos[acct]; k++) {
      const p = a.acctFirstPos[acct] + k;
      const q = b.acctFirstPos[acct] + k;
      if (a.posEntry[p] !== b.posEntry[q] || a.posSize[p] !== b.posSize[q] || !Object.is(a.posStop[p], b.posStop[q]) || a.posSide[p] !== b.posSide[q]) return false;
    }
    return true;
  };

  it('without a warm-up, is identical (entries, sizes, orders) when only the maintenance rule changes — common random numbers', () => {
    const a = book({ traders: { warmup: 'none' }, policy: { maintenance: { kind: 'fixed', mmr: 0.01 } } });
    const b = book({ traders: { warmup: 'none' }, policy: { maintenance: { kind: 'fixed', mmr: 0.024 } } });
    const c = book({ traders: { warmup: 'none' }, policy: { maintenance: { kind: 'volatility-adaptive', floorMmr: 0.005, maxMmr: 0.02 } } });
    for (const other of [b, c]) {
      expect(Array.from(other.posEntry)).toEqual(Array.from(a.posEntry));
      expect(Array.from(other.posSize)).toEqual(Array.from(a.posSize));
      expect(Array.from(other.posStop)).toEqual(Array.from(a.posStop));
      expect(Array.from(other.acctMargin)).toEqual(Array.from(a.acctMargin));
    }
  });

  it('seasoned: identical when the policy changes nothing the warm-up judges survival by (fees, fund, waterfall, liquidation style, mark)', () => {
    const a = book({});
    const b = book({ policy: { liquidation: { kind: 'partial', feeRate: 0.002 }, insuranceFund: { initialUsd: 0 }, waterfall: { afterInsuranceFund: 'adl' }, markPrice: { kind: 'index' } } });
    expect(Array.from(b.posEntry)).toEqual(Array.from(a.posEntry));
    expect(Array.from(b.posSize)).toEqual(Array.from(a.posSize));
    expect(Array.from(b.acctMargin)).toEqual(Array.from(a.acctMargin));
  });

  it('seasoned: under a stricter maintenance rate, every slot the warm-up neither renewed nor topped up under either policy holds the identical account', () => {
    const a = book({ policy: { maintenance: { kind: 'fixed', mmr: 0.01 } } });
    const b = book({ policy: { maintenance: { kind: 'fixed', mmr: 0.024 } } });
    let untouched = 0;
    let differs = 0;
    for (let acct = 0; acct < a.accounts; acct++) {
      // a trader who tops up does so at a trigger that is a multiple of the maintenance margin: their top-ups differ
      if (a.acctRenewals[acct] === 0 && b.acctRenewals[acct] === 0 && !a.acctTopUp[acct]) {
        untouched++;
        expect(same(a, b, acct), `slot ${acct}`).toBe(true);
      } else if (!same(a, b, acct)) differs++;
    }
    expect(untouched).toBeGreaterThan(0.4 * a.accounts);
    expect(differs).toBeGreaterThan(0); // the stricter rule did renew some slots differently
    // a stricter rule renews at least as many slots in the warm-up
    expect(b.warmup!.liquidated).toBeGreaterThanOrEqual(a.warmup!.liquidated);
  });
});

describe('series by cascade generation', () => {
  it('per-interval generation classes add up to the liquidated notional of the interval', () => {
    // the book-price mark and no arbitrage: one round's impact reaches the next round's mark in full
    const sc = small({ market: { impact: { kind: 'linear', depthUsdPerPercent: 50_000, arbitrageUsdPerStep: 0 } }, policy: { markPrice: { kind: 'last' } } });
    const ctx = createRunContext(sc);
    const r = simulatePath(ctx, 3, new PathBuffers(ctx), true);
    const s = r.series!;
    let multi = 0;
    for (let j = 0; j < s.steps.length; j++) {
      const classes = s.liquidatedByGenerationClassUsd.reduce((a, c) => a + c[j], 0);
      expect(classes).toBeCloseTo(s.liquidatedLongUsd[j] + s.liquidatedShortUsd[j], 6);
      multi += s.liquidatedByGenerationClassUsd[1][j];
    }
    expect(multi).toBeGreaterThan(0); // thin depth: some liquidations are second-generation
  });
});
