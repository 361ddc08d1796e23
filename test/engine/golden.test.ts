/**
 * Golden outputs: the engine's results at fixed seeds, frozen in test/golden/. A refactor of the engine
 * must keep them byte-identical; a change that moves results updates them in its own, explained commit
 * (`npx vitest run test/engine/golden.test.ts -u`, then read the diff).
 *
 * Two sets:
 * - every scenario file in scenarios/ at 4 paths: results.json minus its timing block (`run`), the
 *   repository's own path replaced by `<repo>` so a checkout anywhere gives the same bytes;
 * - a matrix of small books exercising every mechanism together (multi-market cross margin, every
 *   maintenance schedule, mark rule, liquidation style, caps, grace, liquidators, backstop, ADL
 *   rankings, socialised loss, arrivals, take-profit, deleveraging): every per-path summary,
 *   histogram and series at full float64 precision, so even a change in the last bit is seen.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import seedrandom from 'seedrandom';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';
import { compactJson, resultsJson } from '../../src/report/write.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { small } from '../helpers/scenarios.js';
import { scenarioFiles } from '../helpers/files.js';

const ROOT = path.resolve(__dirname, '../..');
const GOLDEN = path.join(ROOT, 'test/golden');

describe('golden outputs: scenario files', () => {
  for (const f of scenarioFiles()) {
    const rel = path.relative(path.join(ROOT, 'scenarios'), f);
    it(`${rel} at 4 paths gives the frozen results.json (minus timing)`, async () => {
      const sc = loadScenarioFile(f);
      const r = await runScenario(parseScenario({ ...sc, paths: 4 }), { workers: 0 });
      const json = JSON.parse(resultsJson(r)) as Record<string, unknown>;
      delete json.run;
      const text = compactJson(json).split(ROOT).join('<repo>') + '\n';
      await expect(text).toMatchFileSnapshot(path.join(GOLDEN, 'scenarios', rel.replace(/\.ya?ml$/, '.json')));
    });
  }
});

/** The mechanism matrix: case k draws its options from a seeded stream, so the list is fixed. */
function mechanismCase(k: number) {
  const rng = seedrandom(`golden-mechanisms-${k}`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const markets = pick([1, 1, 2, 3]);
  const maintenance = pick([
    { kind: 'fixed', mmr: 0.02 },
    { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 20_000, mmr: 0.03 }] },
    { kind: 'size-scaled', mode: 'sqrt', baseMmr: 0.01, sqrtCoefficient: 0.001 },
    { kind: 'size-scaled', mode: 'linear', baseMmr: 0.01, slopePerUnitSize: 0.0001 },
    { kind: 'fraction-of-imr', fraction: 0.5 },
    { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.04 },
  ]);
  const other = Array.from({ length: markets - 1 }, (_, j) => ({
    name: `M${j + 1}`,
    initialPriceUsd: 50 * (j + 1),
    priceModel: { kind: 'gbm', volatilityAnnual: 1.5 },
    impact: { depthUsdPerPercent: 1e5 },
  }));
  const rho = 0.5;
  const correlation = markets > 1 ? Array.from({ length: markets }, (_, i) => Array.from({ length: markets }, (_, j) => (i === j ? 1 : rho))) : undefined;
  const cap = pick([undefined, undefined, 2e4, 2e5]);
  const arrivals = pick([0, 0.3, 1]);
  return small({
    seed: 1000 + k,
    paths: 2,
    horizonSteps: 120,
    market: { priceModel: { longRunVolatilityAnnual: pick([1.5, 4]) }, impact: { depthUsdPerPercent: pick([2e4, 2e5]) } },
    otherMarkets: other,
    correlation,
    traders: {
      count: 150,
      crossMarginShare: pick([0, 0.3, 0.8]),
      arrivals: { perStep: arrivals, momentumPerStep: arrivals },
      takeProfit: { share: pick([0, 0.2]) },
      stopLoss: { share: pick([0, 0.3]) },
      volatilityDeleverage: { share: pick([0, 0.2]) },
      topUp: { share: pick([0, 0.5]), actProbabilityPerStep: pick([0.5, 1]) },
    },
    policy: {
      maintenance,
      markPrice: { kind: pick(['last', 'ema', 'median']) },
      liquidation: {
        kind: pick(['full', 'partial', 'fraction']),
        aboveNotionalUsd: 5_000,
        caps: cap === undefined ? {} : { marketNotionalUsdPerStep: cap, perAccountNotionalUsdPerStep: cap / 3 },
        backstop: { enabled: rng() < 0.4, capitalUsd: 2_000 },
        liquidators: { enabled: rng() < 0.4, bonusFraction: pick([0.002, 0.02]), capitalUsdPerStep: pick([5_000, 50_000]) },
        marginCall: { graceSteps: pick([0, 0, 3]) },
      },
      insuranceFund: { initialUsd: pick([0, 500, 50_000]), maxShareOfFundPerEvent: pick([1, 0.5]), maxPayoutUsdPerStep: pick([undefined, 5_000]) },
      waterfall: { afterInsuranceFund: pick(['none', 'adl', 'socialised']), adlRanking: pick(['profit-leverage', 'random', 'pro-rata']), socialisedBasis: pick(['open-interest', 'winners']) },
    },
  });
}

/** Typed arrays as plain arrays, so JSON keeps every bit (shortest round-trip form of each double). */
function plain(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

describe('golden outputs: every mechanism at full precision', () => {
  const CASES = 60;
  it(`${CASES} mechanism cases give the frozen per-path summaries, histograms and series`, async () => {
    const out: unknown[] = [];
    for (let k = 0; k < CASES; k++) {
      const sc = mechanismCase(k);
      const ctx = createRunContext(sc);
      const buf = new PathBuffers(ctx);
      const paths = Array.from({ length: sc.paths }, (_, p) => plain(simulatePath(ctx, p, buf, true)));
      out.push({ case: k, paths });
    }
    const text = JSON.stringify(out) + '\n';
    await expect(text).toMatchFileSnapshot(path.join(GOLDEN, 'mechanisms.json'));
  });
});
