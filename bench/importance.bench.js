// Importance sampling of the price shocks (scenario `sampling.importance`): the variance-reduction
// factor against plain Monte Carlo on a rare event with a closed form, and what it means in paths.
//
// One isolated 10x long (MMR 2.5%) on GBM at 40% volatility over a day of one-minute steps: it is
// liquidated with probability p ≈ 1.3e−4 (first-passage closed form with the BGK shift). Plain Monte
// Carlo's variance per path is p(1 − p); importance sampling's is measured from its weighted paths.
// VRF = p(1 − p) / (n · SE²). Paths for a relative half-width of 20% (95%): plain 1.96²(1 − p)/(0.2² p),
// IS 1.96² · n · SE² / (0.2 p)². Run: `npm run bench -- importance` (BENCH_IS_PATHS to change n).
import { parseScenario } from '../dist/index.js';
import { contextFor } from '../dist/mc/chunk.js';
import { simulatePath } from '../dist/engine/path.js';
import { aggregate } from '../dist/stats/aggregate.js';
import { normalCdfAccurate as Phi } from '../dist/math/special.js';

const N = Number(process.env.BENCH_IS_PATHS ?? 4000);
const SIGMA = 0.4;
const STEP = 60;
const STEPS = 1440;

const scenario = (over = {}) =>
  parseScenario({
    name: 'is-bench',
    seed: 101,
    paths: N,
    stepSeconds: STEP,
    horizonSteps: STEPS,
    market: { initialPriceUsd: 100, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: SIGMA }, impact: { kind: 'none' } },
    traders: {
      count: 1,
      longShare: 1,
      crossMarginShare: 0,
      warmup: 'none',
      entryPriceSpreadLog: 0,
      leverage: { kind: 'tiers', tiers: [{ leverage: 10, weight: 1 }] },
      collateralUsd: { kind: 'lognormal', medianUsd: 1000, sigmaLog: 0 },
      topUp: { share: 0 },
      stopLoss: { share: 0 },
    },
    policy: { maxLeverage: 20, maintenance: { kind: 'fixed', mmr: 0.025 }, liquidation: { kind: 'full', feeRate: 0 }, insuranceFund: { initialUsd: 0 } },
    output: { seriesSamplePaths: 1, seriesPoints: 2 },
    ...over,
  });

// closed form: P(min S ≤ L), L the liquidation price moved by the BGK discrete-monitoring shift
const dt = STEP / (365 * 86400);
const T = STEPS * dt;
const L = (100 * 0.9) / 0.975 / Math.exp(0.5826 * SIGMA * Math.sqrt(dt));
const nu = -0.5 * SIGMA * SIGMA;
const b = Math.log(L / 100);
const sT = SIGMA * Math.sqrt(T);
const p = Phi((b - nu * T) / sT) + Math.exp((2 * nu * b) / (SIGMA * SIGMA)) * Phi((b + nu * T) / sT);

function run(sc) {
  const { ctx, buffers } = contextFor(sc);
  const t0 = performance.now();
  const out = [];
  for (let k = 0; k < N; k++) out.push(simulatePath(ctx, k, buffers, false).summary);
  return { summaries: out, ms: performance.now() - t0, shift: ctx.importanceShift };
}

const z = 1.959963984540054;
const plainNeeded = (z * z * (1 - p)) / (0.2 * 0.2 * p);
console.log(`one 10x long on GBM σ = ${SIGMA}, ${STEPS} one-minute steps: P(liquidation) = ${p.toExponential(4)} (closed form)`);

const is = run(scenario({ sampling: { importance: { shiftPerStep: 'auto' } } }));
const e = aggregate(is.summaries, 1).fractionTradersLiquidated.mean;
const se = e.standardError;
const vrf = (p * (1 - p)) / (N * se * se);
const isNeeded = (z * z * N * se * se) / (0.2 * p) ** 2;
const hits = is.summaries.filter((s) => s.liquidationCount > 0).length;
console.log(
  `importance sampling (auto shift θ = ${is.shift[0].toFixed(4)} per step), ${N} paths in ${(is.ms / 1000).toFixed(1)} s: ` +
    `${e.estimate.toExponential(4)} ± ${se.toExponential(2)} (${((e.estimate - p) / se).toFixed(2)} SE from the closed form), 95% CI [${e.lower.toExponential(3)}, ${e.upper.toExponential(3)}], ` +
    `relative half-width ${((100 * (e.upper - e.lower)) / 2 / e.estimate).toFixed(1)}%; ${hits} of ${N} paths liquidated`,
);
const plain = run(scenario());
const pe = aggregate(plain.summaries, 1).fractionTradersLiquidated.mean;
console.log(`plain Monte Carlo, the same ${N} paths' budget in ${(plain.ms / 1000).toFixed(1)} s: ${pe.estimate.toExponential(3)}, 95% CI [${pe.lower.toExponential(3)}, ${pe.upper.toExponential(3)}] (${Math.round(pe.estimate * N)} liquidated)`);
console.log(
  `variance-reduction factor ${vrf.toFixed(0)}×; paths for a 20% relative half-width: plain ${Math.round(plainNeeded).toLocaleString('en-US')}, ` +
    `importance sampling ${Math.round(isNeeded).toLocaleString('en-US')} (1/${Math.round(plainNeeded / isNeeded)} of plain; the target is ≤ 1/20)`,
);
if (!(Math.abs(e.estimate - p) < 3 * se && isNeeded <= plainNeeded / 20)) {
  console.error('importance sampling missed its target');
  process.exitCode = 1;
}
