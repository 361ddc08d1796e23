// marginlab against the numpy peer on the peer's own model, in one run on one machine (issue 8).
// The model (../shared/peers/peer-equivalent.yaml): GBM 80%, 1-minute steps, 100,000 isolated traders
// at 2x–50x, MMR 0.5%, full liquidation, permanent linear impact; about 45% of the book is liquidated
// in a day, so this measures the engine when the book is liquidating. Both run 100,000 traders ×
// 1,440 steps × 8 paths; marginlab on 1 worker (pool start-up, book draw and JIT warm-up included, as
// a user would time it), the peer with python3 + numpy (skipped with a message when absent).
// PEER_DIR overrides where the peer lives; BENCH_PEER_PATHS changes the path count for both.
// The peer's model, not marginlab's defaults: the YAML leaves out marginlab's newer mechanisms, so the
// bench sets them to what the peer does — every position opened at the start price (warmup: none),
// the mark is the traded price (markPrice: last), and no arbitrage toward an index.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { loadScenarioFile, parseScenario, runPaths } from '../dist/index.js';
import { contextFor } from '../dist/mc/chunk.js';
import { simulatePath } from '../dist/engine/path.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const peerDir = process.env.PEER_DIR ?? path.resolve(here, '../../shared/peers');
const PATHS = Number(process.env.BENCH_PEER_PATHS ?? 8);
const yaml = path.join(peerDir, 'peer-equivalent.yaml');
const script = path.join(peerDir, 'numpy_baseline.py');
if (!existsSync(yaml) || !existsSync(script)) {
  console.log(`peer not found at ${peerDir} (set PEER_DIR): skipped`);
  process.exit(0);
}
const file = loadScenarioFile(yaml);
const s = parseScenario({
  ...file,
  paths: PATHS,
  traders: { ...file.traders, warmup: 'none' },
  market: { ...file.market, impact: { ...file.market.impact, arbitrageUsdPerStep: 0 } },
  policy: { ...file.policy, markPrice: { kind: 'last' } },
  // the numpy peer runs every path on one population (np.tile of one draw): one book, as before books were
  // redrawn per block of paths by default (issue 22)
  sampling: { ...file.sampling, pathsPerBook: 'all' },
});
const scenario = s;
const T = s.traders.count;
const H = s.horizonSteps;
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
console.log(`model: ${T.toLocaleString('en-US')} traders × ${H} steps × ${PATHS} paths (${path.relative(process.cwd(), yaml)})`);

// marginlab, 1 worker, whole run
const t0 = performance.now();
const out = await runPaths(scenario, { workers: 1 });
const ml = (performance.now() - t0) / 1000;
const liq = out.summaries.reduce((a, x) => a + x.liquidationCount, 0) / PATHS;
// the engine's steady per-path cost: the same paths in this thread, after the book is drawn and the JIT is warm
const { ctx, buffers } = contextFor(scenario);
for (let p = 0; p < 3; p++) simulatePath(ctx, PATHS + p, buffers, false);
const t1 = performance.now();
for (let p = 0; p < PATHS; p++) simulatePath(ctx, p, buffers, false);
const warm = (performance.now() - t1) / 1000 / PATHS;
console.log(
  `marginlab: ${ml.toFixed(2)} s on 1 worker (${((T * H * PATHS) / ml / 1e6).toFixed(0)} M agent-steps/s; ${liq.toFixed(0)} liquidations a path); ` +
    `${(warm * 1000).toFixed(0)} ms a path once warm`,
);

// the numpy peer
const py = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
if (py.error || py.status !== 0) {
  console.log('numpy peer: skipped (python3 with numpy not found)');
  process.exit(0);
}
const r = spawnSync('python3', [script, String(T), String(H), String(PATHS)], { encoding: 'utf8' });
if (r.status !== 0) {
  console.log(`numpy peer: failed (${r.stderr.trim().split('\n').pop()})`);
  process.exit(1);
}
const peer = JSON.parse(r.stdout.trim().split('\n').pop());
console.log(`numpy peer: ${peer.seconds.toFixed(2)} s (${(peer.agent_steps_per_s / 1e6).toFixed(0)} M agent-steps/s; ${peer.mean_liquidations.toFixed(0)} liquidations a path)`);
const ratio = peer.seconds / ml;
console.log(`marginlab is ${ratio.toFixed(1)}× the numpy peer on its own model (target ≥ 20×) → ${ratio >= 20 ? 'met' : 'NOT met'}`);
