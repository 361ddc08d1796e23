// Cost of the issue-3 mechanisms on the standard book (bench/standard.yaml: 100,000 traders, 1,440
// one-minute steps, GARCH, impact on), 1 worker: the baseline with everything off, then ADL (against
// the same thin, fund-less market without it), cross margin across 3 markets, and the
// volatility-adaptive MMR, one at a time.
import { loadScenarioFile, parseScenario, runPaths } from '../dist/index.js';

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
  'volatility-adaptive MMR': { policy: { ...base.policy, maintenance: { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.1, holdingHorizonSteps: 60, confidence: 0.99, ewmaHalfLifeSteps: 30 } } },
};

console.log(`standard book, ${PATHS} paths per variant, 1 worker`);
let baseline = 0;
for (const [name, patch] of Object.entries(variants)) {
  const sc = parseScenario({ ...base, ...patch, paths: PATHS });
  await runPaths({ ...sc, paths: 2 }, { workers: 0 }); // warm-up (JIT, book) — not counted
  const t0 = performance.now();
  const out = await runPaths(sc, { workers: 0 });
  const secs = (performance.now() - t0) / 1000;
  const perPath = (secs / PATHS) * 1000;
  if (!baseline) baseline = perPath;
  const ts = (sc.traders.count * sc.horizonSteps * PATHS) / secs;
  const liq = out.summaries.reduce((a, s) => a + s.liquidationCount, 0) / PATHS;
  const adl = out.summaries.reduce((a, s) => a + s.adlAccounts, 0) / PATHS;
  console.log(
    `${name.padEnd(32)} ${perPath.toFixed(1).padStart(7)} ms/path  ${(ts / 1e6).toFixed(0).padStart(6)} M trader-steps/s  ×${(perPath / baseline).toFixed(2)} baseline  (${liq.toFixed(0)} liquidations, ${adl.toFixed(0)} ADL accounts per path)`,
  );
}
