// Where a heavy-cascade path spends its time, and how much of it is garbage collection: the numpy
// peer's model (../shared/peers/peer-equivalent.yaml, about 43% of 100,000 traders liquidated a day;
// falls back to bench/standard.yaml with a thin book if the peer is absent), 12 paths in this thread
// after the book is drawn and the JIT is warm, under V8's sampling CPU profiler (node:inspector, the
// same profiler as `node --cpu-prof`). Prints the share of samples in the garbage collector and the
// top functions by self time.
import { Session } from 'node:inspector/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile, parseScenario } from '../dist/index.js';
import { contextFor } from '../dist/mc/chunk.js';
import { simulatePath } from '../dist/engine/path.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const peer = path.resolve(here, '../../shared/peers/peer-equivalent.yaml');
const PATHS = Number(process.env.BENCH_GC_PATHS ?? 12);
let sc;
if (existsSync(peer)) {
  const f = loadScenarioFile(peer);
  sc = parseScenario({ ...f, traders: { ...f.traders, warmup: 'none' }, market: { ...f.market, impact: { ...f.market.impact, arbitrageUsdPerStep: 0 } }, policy: { ...f.policy, markPrice: { kind: 'last' } } });
} else {
  const f = loadScenarioFile(path.join(here, 'standard.yaml'));
  sc = parseScenario({ ...f, traders: { ...f.traders, warmup: 'none' }, market: { ...f.market, impact: { ...f.market.impact, depthUsdPerPercent: 2e6 } } });
}
const { ctx, buffers } = contextFor(sc);
let liq = 0;
for (let p = 0; p < 3; p++) simulatePath(ctx, 1000 + p, buffers, false);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const t0 = performance.now();
for (let p = 0; p < PATHS; p++) liq += simulatePath(ctx, p, buffers, false).summary.liquidationCount;
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const n = byId.get(id);
  const key = n.callFrame.functionName || `(${n.callFrame.url ? 'anonymous' : 'program'})`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
const gc = self.get('(garbage collector)') ?? 0;
console.log(`${path.basename(existsSync(peer) ? peer : 'standard.yaml')}: ${PATHS} paths, ${(ms / PATHS).toFixed(1)} ms a path, ${(liq / PATHS).toFixed(0)} liquidations a path`);
console.log(`garbage collection: ${((100 * gc) / total).toFixed(2)}% of profile samples (target: an allocation-free hot loop)`);
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 8);
console.log(`top functions by self time: ${top.map(([k, t]) => `${k} ${((100 * t) / total).toFixed(1)}%`).join(', ')}`);
