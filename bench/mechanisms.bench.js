// Cost of the issue-3 mechanisms on the standard book (bench/standard.yaml: 100,000 traders, 1,440
// one-minute steps, GARCH, impact on), per path in one thread once the book is drawn: the baseline with everything off, then ADL (against
// the same thin, fund-less market without it), cross margin across 3 markets, arrivals of new traders
// during the path, and the volatility-adaptive MMR, one at a time.
import { loadScenarioFile, parseScenario } from '../dist/index.js';
import { contextFor } from '../dist/mc/chunk.js';
import { simulatePath } from '../dist/engine/path.js';

const PATHS = Number(process.env.BENCH_PATHS ?? 24);
const base = loadScenarioFile(new URL('./standard.yaml', import.meta.url).pathname);
const other = (name, price) => ({ ...base.market, name, initialPriceUsd: price });
const variants = {
  'baseline (mechanisms off)': {},
  // ADL only costs something when there are deficits: a thinner market and no insurance fund
  'thin depth, no fund: bad debt': {
    market: { ...base.market, impact: { ...base.market.impact, depthUsdPerPercent: 5_000_000 } },
    policy: { ...base.policy, insuranceFund: { ...base.policy.insuranceFund, initialUsd: 0 } },
  },
  'thin depth, no fund: ADL': {
    market: { ...base.market, impact: { ...base.market.impact, depthUsdPerPercent: 5_000_000 } },
    policy: { ...base.policy, insuranceFund: { ...base.policy.insuranceFund, initialUsd: 0 }, waterfall: { ...base.policy.waterfall, afterInsuranceFund: 'adl' } },
  },
  'cross margin across 3 markets': {
    otherMarkets: [other('ETH-PERP', 50), other('SOL-PERP', 20)],
    correlation: [[1, 0.8, 0.7], [0.8, 1, 0.75], [0.7, 0.75, 1]],
    traders: { ...base.traders, crossMarginShare: 0.3, crossMarketsPerAccount: 3 },
  },
  // new entries during the path: 70 a step, about 100,000 a path (as many as the book) — each a deposit, an entry and a heap key
  'arrivals, 70 a step': { traders: { ...base.traders, arrivals: { ...base.traders.arrivals, perStep: 70 } } },
  'volatility-adaptive MMR': { policy: { ...base.policy, maintenance: { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.1, holdingHorizonSteps: 60, confidence: 0.99, ewmaHalfLifeSteps: 30 } } },
};

console.log(`standard book, ${PATHS} paths per variant, 1 thread; the book is drawn (and seasoned) once per run, shown apart`);
let baseline = 0;
for (const [name, patch] of Object.entries(variants)) {
  const sc = parseScenario({ ...base, ...patch, paths: PATHS });
  const tb = performance.now();
  const { ctx, buffers } = contextFor(sc);
  const book = performance.now() - tb;
  for (let p = 0; p < 3; p++) simulatePath(ctx, PATHS + p, buffers, false); // warm-up (JIT, heaps) — not counted
  const t0 = performance.now();
  let liq = 0;
  let adl = 0;
  for (let p = 0; p < PATHS; p++) {
    const r = simulatePath(ctx, p, buffers, false);
    liq += r.summary.liquidationCount / PATHS;
    adl += r.summary.adlAccounts / PATHS;
  }
  const secs = (performance.now() - t0) / 1000;
  const perPath = (secs / PATHS) * 1000;
  if (!baseline) baseline = perPath;
  const ts = (sc.traders.count * sc.horizonSteps * PATHS) / secs;
  console.log(
    `${name.padEnd(32)} ${perPath.toFixed(1).padStart(7)} ms/path  ${(ts / 1e6).toFixed(0).padStart(6)} M trader-steps/s  ×${(perPath / baseline).toFixed(2)} baseline  (${liq.toFixed(0)} liquidations, ${adl.toFixed(0)} ADL accounts per path; book ${book.toFixed(0)} ms)`,
  );
}
