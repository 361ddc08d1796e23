/**
 * Issue 11, the engine's half: inputs that are each within their bounds but drove prices or money out
 * of what the engine represents (found by the fuzz, test/fuzz/), and the failures they caused: an
 * infinite or NaN PnL (exit 1), a conservation failure from cents beyond 2^53, NaN written to
 * results.json, a price of exactly 0 that no liquidation could close, a fraction liquidation that
 * re-liquidated to the 10,000-round cap, a socialised loss handed NaN. Each now runs to the end with
 * every number finite and money conserved, or stops the path with a named condition (haltReason)
 * and a warning — never a silent NaN.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runScenario, type Results } from '../../src/api/run.js';
import { resultsJson } from '../../src/report/write.js';
import { MAX_IMPACT_LOG } from '../../src/engine/limits.js';
import { merge, small } from '../helpers/scenarios.js';
import { SCENARIOS_DIR } from '../helpers/files.js';

/** Runs a scenario; checks money was conserved (runScenario throws otherwise) and every number written is finite. */
async function runs(sc: unknown): Promise<Results> {
  const r = await runScenario(sc as never, { workers: 0, drilldown: false });
  const text = resultsJson(r);
  expect(text).not.toMatch(/\bNaN\b|Infinity/); // (runScenario itself refuses to return a non-finite number)
  return r;
}

function file(name: string, over: unknown): unknown {
  const base = loadScenarioFile(path.join(SCENARIOS_DIR, name));
  return parseScenario(merge({ ...base, paths: 2, traders: { ...base.traders, count: 1000 } }, over), name, path.dirname(path.join(SCENARIOS_DIR, name)));
}

describe('the engine keeps its state finite and its money exact (issue 11 items 7, 10, 13, 17, 18, 19)', () => {
  it('a book far larger than the depth (depth $1e-9 per 1%): impact saturates, prices stay finite and positive', async () => {
    const r = await runs(file('default.yaml', { market: { impact: { depthUsdPerPercent: 1e-9 } } }));
    for (const x of r.paths.minImpactLog) expect(x).toBeGreaterThanOrEqual(-MAX_IMPACT_LOG - 1e-9);
    for (const x of r.paths.maxImpactLog) expect(x).toBeLessThanOrEqual(MAX_IMPACT_LOG + 1e-9);
    expect(r.paths.finalMarkUsd.every((p) => p > 0)).toBe(true);
    // item 18: a collapsed price still liquidates (it used to reach 0, where every close was postponed)
    expect(r.paths.liquidationCount.some((n) => n > 0)).toBe(true);
  });

  it('depth withdrawing to nothing in stress (stressElasticity 10, with arrivals): finite results', async () => {
    await runs(
      small({
        paths: 2,
        horizonSteps: 200,
        market: { impact: { depthUsdPerPercent: 1e-300, stressElasticity: 10 } },
        traders: { count: 200, arrivals: { perStep: 5, momentumPerStep: 5 } },
      }),
    );
    await runs(file('default.yaml', { market: { impact: { stressElasticity: 10 } } }));
  });

  it('an altcoin market one dollar deep (LUNA replay): finite results', async () => {
    await runs(file('stress/2022-05-luna-ust.yaml', { otherMarkets: [{ impact: { depthUsdPerPercent: 1 } }] }));
  });

  it('bookings beyond the ledger’s exact range stop the path with a named condition, money still balanced', async () => {
    // five shorts of $100bn collateral at 20x (the most the input bounds allow) on a market a dollar deep: the
    // first liquidation's buying drives the book to its 20× ceiling, and a short's loss there would book
    // more than 2^50 cents
    const r = await runs(
      small({
        paths: 2,
        horizonSteps: 120,
        market: { impact: { depthUsdPerPercent: 1 } },
        traders: { count: 5, longShare: 0, collateralUsd: { kind: 'lognormal', medianUsd: 1e11, sigmaLog: 0 }, leverage: { kind: 'tiers', tiers: [{ leverage: 20, weight: 1 }] }, topUp: { share: 0 } },
      }),
    );
    const halted = r.paths.haltReason.filter((x) => x === 2).length;
    expect(halted).toBeGreaterThan(0);
    expect(r.paths.haltedAtStep.filter((s) => s > 0)).toHaveLength(halted);
    expect(r.warnings?.join('\n')).toMatch(/stopped early because a booking left the ledger’s exact range/);
  });

  it('every mechanism on, on a thin market (socialised loss, ADL, backstop, liquidators, caps, grace, arrivals): finite', async () => {
    for (const waterfall of ['socialised', 'adl'] as const) {
      await runs(
        small({
          paths: 2,
          horizonSteps: 120,
          otherMarkets: [{ name: 'ALT', initialPriceUsd: 20, priceModel: { kind: 'gbm', volatilityAnnual: 3 }, impact: { depthUsdPerPercent: 1, stressElasticity: 10 } }],
          market: { impact: { depthUsdPerPercent: 10, stressElasticity: 10 } },
          traders: { count: 200, crossMarginShare: 0.6, arrivals: { perStep: 3, momentumPerStep: 3 }, takeProfit: { share: 0.2 }, volatilityDeleverage: { share: 0.3 } },
          policy: {
            liquidation: {
              kind: 'fraction',
              caps: { marketNotionalUsdPerStep: 1e5 },
              backstop: { enabled: true, capitalUsd: 1000 },
              liquidators: { enabled: true, bonusFraction: 0.01, capitalUsdPerStep: 1e4 },
              marginCall: { graceSteps: 2 },
            },
            waterfall: { afterInsuranceFund: waterfall },
          },
        }),
      );
    }
  });

  it('fraction liquidation with cooldownSteps 0 closes an account at most once a step (it looped to the 10,000-round cap)', async () => {
    const r = await runs(
      small({
        paths: 1,
        horizonSteps: 10,
        stepSeconds: 86_400,
        market: { priceModel: { kind: 'gbm', driftAnnual: -50, volatilityAnnual: 0.01 }, impact: { kind: 'none' } },
        traders: { count: 200 },
        policy: { liquidation: { kind: 'fraction', closeFraction: 0.2, cooldownSteps: 0, aboveNotionalUsd: 0 } },
      }),
    );
    expect(r.paths.liquidationCount[0]).toBeGreaterThan(0);
    expect(r.paths.liquidationCount[0]).toBeLessThanOrEqual(200 * 10);
  });

  it('an index that falls more than a trillionfold below its start stops the path (price-out-of-range), with a warning', async () => {
    const r = await runs(
      small({ paths: 2, horizonSteps: 400, stepSeconds: 86_400, market: { priceModel: { kind: 'gbm', driftAnnual: -50, volatilityAnnual: 20 }, impact: { kind: 'none' } }, traders: { count: 50 } }),
    );
    expect(r.paths.haltReason).toContain(1);
    expect(r.warnings?.join('\n')).toMatch(/an index price rose a millionfold or fell a trillionfold from its start/);
  });
  it('a collapse of 99.999999% (a hundred-millionfold, beyond the old millionfold stop) runs to the end: no halt, money conserved, longs liquidated on the way down', async () => {
    const r = await runs(
      small({
        paths: 2,
        horizonSteps: 120,
        market: { initialPriceUsd: 64, priceModel: { kind: 'scripted-drawdown', volatilityAnnual: 1, startStep: 10, legs: [{ move: -0.5, durationSteps: 30 }, { move: -0.99999998, durationSteps: 60, volatilityAnnual: 5 }] } },
        traders: { count: 300, longShare: 0.6 },
      }),
    );
    expect(Array.from(r.paths.haltReason)).toEqual([0, 0]);
    for (const p of r.paths.finalFundamentalUsd) expect(p).toBeLessThan(64 * 1e-7);
    for (const d of r.paths.maxDrawdownExogenous) expect(d).toBeGreaterThan(0.9999999);
    for (let k = 0; k < 2; k++) expect(r.paths.liquidatedLongNotionalUsd[k]).toBeGreaterThan(0);
  });
});
