// Paired, same-process CPU-time comparison of the engine of two (or more) built trees:
//   node scripts/engine-ab.mjs <peer|engine|adl|cross|vol> <paths a rep> <reps> <treeA> <treeB> [...]
// Each tree's dist/ is loaded into this one process; each builds its context for the model (peer: the
// numpy peer's model as bench/peer.bench.js sets it, ../shared/peers/peer-equivalent.yaml; engine:
// bench/standard.yaml as bench/engine.bench.js runs it; adl, cross, vol: bench/mechanisms.bench.js's variants of
// it — thin depth and no fund ending in ADL, cross margin over 3 markets, volatility-adaptive MMR) and warms up on 3 paths; then the trees take turns,
// order reversed every rep, each running the same paths 0 … n−1. Prints each tree's CPU ms a path per
// rep, the medians, and each tree against the first (ratio of medians, median of the paired ratios).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [model, pathsS, repsS, ...trees] = process.argv.slice(2);
const MECHANISMS = ['adl', 'cross', 'vol'];
if (!['peer', 'engine', ...MECHANISMS].includes(model) || trees.length < 2) {
  console.error('usage: node scripts/engine-ab.mjs <peer|engine|adl|cross|vol> <paths a rep> <reps> <treeA> <treeB> [...]');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const peerYaml = process.env.PEER_DIR ? path.join(process.env.PEER_DIR, 'peer-equivalent.yaml') : path.resolve(here, '../../shared/peers/peer-equivalent.yaml');
const PATHS = Number(pathsS);
const REPS = Number(repsS);
const sims = [];
for (const tree of trees) {
  const dist = path.resolve(tree, 'dist') + '/';
  const { loadScenarioFile, parseScenario } = await import(dist + 'index.js');
  const { contextFor } = await import(dist + 'mc/chunk.js');
  const { simulatePath } = await import(dist + 'engine/path.js');
  let s;
  if (model === 'peer') {
    const file = loadScenarioFile(peerYaml);
    s = parseScenario({
      ...file,
      paths: 1000,
      traders: { ...file.traders, warmup: 'none' },
      market: { ...file.market, impact: { ...file.market.impact, arbitrageUsdPerStep: 0 } },
      policy: { ...file.policy, markPrice: { kind: 'last' } },
    });
  } else if (MECHANISMS.includes(model)) {
    // as bench/mechanisms.bench.js
    const base = loadScenarioFile(path.resolve(tree, 'bench/standard.yaml'));
    const other = (name, price) => ({ ...base.market, name, initialPriceUsd: price });
    const patch = {
      adl: {
        market: { ...base.market, impact: { ...base.market.impact, depthUsdPerPercent: 5_000_000 } },
        policy: { ...base.policy, insuranceFund: { ...base.policy.insuranceFund, initialUsd: 0 }, waterfall: { ...base.policy.waterfall, afterInsuranceFund: 'adl' } },
      },
      cross: {
        otherMarkets: [other('ETH-PERP', 50), other('SOL-PERP', 20)],
        correlation: [[1, 0.8, 0.7], [0.8, 1, 0.75], [0.7, 0.75, 1]],
        traders: { ...base.traders, crossMarginShare: 0.3, crossMarketsPerAccount: 3 },
      },
      vol: { policy: { ...base.policy, maintenance: { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.1, holdingHorizonSteps: 60, confidence: 0.99, ewmaHalfLifeSteps: 30 } } },
    }[model];
    s = parseScenario({ ...base, ...patch, paths: 1000 });
  } else s = { ...loadScenarioFile(path.resolve(tree, 'bench/standard.yaml')), paths: 1000 };
  const { ctx, buffers } = contextFor(s);
  for (let p = 0; p < 3; p++) simulatePath(ctx, 500 + p, buffers, false);
  sims.push({ tree, run: (p) => simulatePath(ctx, p, buffers, false), ms: [] });
}
for (let r = 0; r < REPS; r++) {
  for (const s of r % 2 ? [...sims].reverse() : sims) {
    const c0 = process.cpuUsage();
    for (let p = 0; p < PATHS; p++) s.run(p);
    const c = process.cpuUsage(c0);
    s.ms.push((c.user + c.system) / 1000 / PATHS);
  }
}
const median = (a) => {
  const x = [...a].sort((u, v) => u - v);
  return x.length % 2 ? x[x.length >> 1] : (x[x.length / 2 - 1] + x[x.length / 2]) / 2;
};
console.log(`${model}: ${PATHS} paths a rep, ${REPS} reps, CPU ms a path`);
for (const s of sims) console.log(`${s.tree}: ${s.ms.map((x) => x.toFixed(1)).join(' ')}  median ${median(s.ms).toFixed(2)}`);
const base = sims[0];
for (const s of sims.slice(1)) {
  console.log(`${s.tree} / ${base.tree}: ratio of medians ${(median(s.ms) / median(base.ms)).toFixed(3)}, median paired ratio ${median(s.ms.map((x, i) => x / base.ms[i])).toFixed(3)}`);
}
