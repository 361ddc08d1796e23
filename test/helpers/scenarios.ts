/** Small scenarios for tests: few traders, short horizons, so the suite stays fast. */
import { parseScenario } from '../../src/scenario/load.js';
import type { Scenario, ScenarioInput } from '../../src/scenario/schema.js';

/** Deep-merges plain objects (arrays and scalars replace; an object with a different `kind` replaces). */
export function merge<T>(base: T, over: unknown): T {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over as T;
  const bk = (base as { kind?: unknown } | undefined)?.kind;
  const ok = (over as { kind?: unknown }).kind;
  if (ok !== undefined && bk !== undefined && ok !== bk) return over as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
    const b = out[k];
    out[k] = b && typeof b === 'object' && !Array.isArray(b) && v && typeof v === 'object' && !Array.isArray(v) ? merge(b, v) : v;
  }
  return out as T;
}

export const SMALL: ScenarioInput = {
  name: 'test-small',
  seed: 11,
  paths: 40,
  horizonSteps: 240,
  market: {
    priceModel: { kind: 'garch', longRunVolatilityAnnual: 1.5, alpha: 0.1, beta: 0.85, degreesOfFreedom: 4 },
    impact: { kind: 'linear', depthUsdPerPercent: 200_000, halfLifeSteps: 10 },
  },
  traders: { count: 400, collateralUsd: { kind: 'pareto', minUsd: 200, alpha: 1.5, maxUsd: 500_000 } },
  policy: { maxLeverage: 20, insuranceFund: { initialUsd: 5_000 } },
  output: { seriesSamplePaths: 10, seriesPoints: 60 },
};

export function small(over: unknown = {}): Scenario {
  return parseScenario(merge(SMALL, over), 'test');
}

/** One trader, or many identical ones: all long at 10x with $1,000, opened at the start price, no behaviours (closed forms). */
export const IDENTICAL_TRADERS = {
  count: 1,
  longShare: 1,
  crossMarginShare: 0,
  warmup: 'none',
  entryPriceSpreadLog: 0,
  leverage: { kind: 'tiers', tiers: [{ leverage: 10, weight: 1 }] },
  collateralUsd: { kind: 'lognormal', medianUsd: 1000, sigmaLog: 0 },
  topUp: { share: 0 },
  stopLoss: { share: 0 },
} as const;

/** One kind of trader only: GBM, no impact, no fees, no behaviours — for closed-form checks. */
export function identicalTraders(over: unknown = {}): Scenario {
  return parseScenario(
    merge(
      {
        name: 'identical',
        seed: 5,
        paths: 1000,
        stepSeconds: 60,
        horizonSteps: 1440,
        market: { initialPriceUsd: 100, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: 0.8 }, impact: { kind: 'none' } },
        traders: IDENTICAL_TRADERS,
        policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.025 }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 } },
        output: { seriesSamplePaths: 1, seriesPoints: 10 },
        // one book: the closed forms are for this one trader (a redrawn one-trader book is the same trader, but counted in blocks)
        sampling: { pathsPerBook: 'all' },
      },
      over,
    ),
    'test',
  );
}
