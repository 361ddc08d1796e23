// Engine throughput on the standard scenario (bench/standard.yaml: 100,000 traders, 1,440 one-minute
// steps, GARCH, impact on): trader-steps per second per worker, and the speedup with 2 workers.
// Targets (issue 2): ≥ 300 million trader-steps/s per worker; speedup ≥ 1.7.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { loadScenarioFile, runPaths } from '../dist/index.js';

const PATHS = Number(process.env.BENCH_PATHS ?? 384);
const s = loadScenarioFile(new URL('./standard.yaml', import.meta.url).pathname);
const scenario = { ...s, paths: PATHS };
const traderSteps = s.traders.count * s.horizonSteps * PATHS;

async function timed(workers) {
  const t0 = performance.now();
  const out = await runPaths(scenario, { workers });
  const secs = (performance.now() - t0) / 1000;
  const liq = out.summaries.reduce((a, x) => a + x.liquidationCount, 0) / PATHS;
  return { secs, liq };
}

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
console.log(`scenario: ${s.traders.count.toLocaleString('en-US')} traders × ${s.horizonSteps} steps × ${PATHS} paths = ${(traderSteps / 1e9).toFixed(2)} G trader-steps`);
await timed(1); // warm the page cache and JIT of the build (not counted)
const one = await timed(1);
const two = await timed(2);
const perWorker1 = traderSteps / one.secs / 1;
const perWorker2 = traderSteps / two.secs / 2;
console.log(`1 worker : ${one.secs.toFixed(2)} s  ${(perWorker1 / 1e6).toFixed(0)} M trader-steps/s per worker  (mean ${one.liq.toFixed(0)} liquidations per path)`);
console.log(`2 workers: ${two.secs.toFixed(2)} s  ${(perWorker2 / 1e6).toFixed(0)} M trader-steps/s per worker`);
const speedup = one.secs / two.secs;
console.log(`speedup with 2 workers: ${speedup.toFixed(2)}x (whole run, including pool start-up)`);

// The machine's own ceiling: the same fixed arithmetic loop on 1 thread, then on 2 threads at once.
// On a VM whose two vCPUs share a physical core (or are throttled), this is well below 2.
async function spin(threads) {
  const code = `const { parentPort } = await import('node:worker_threads');
    const t0 = performance.now(); let x = 0;
    for (let i = 0; i < 4e8; i++) x += Math.sqrt(i) * 1e-9;
    parentPort.postMessage([performance.now() - t0, x]);`;
  const times = await Promise.all(
    Array.from({ length: threads }, () => new Promise((res) => {
      const w = new Worker(code, { eval: true });
      w.on('message', (m) => { w.terminate(); res(m[0]); });
    })),
  );
  return Math.max(...times);
}
const s1 = await spin(1);
const s2 = await spin(2);
console.log(`machine ceiling: a pure-arithmetic loop runs ${(s2 / s1).toFixed(2)}x slower per thread when 2 threads run at once → best possible speedup ≈ ${((2 * s1) / s2).toFixed(2)}x`);
console.log(`targets: ≥ 300 M trader-steps/s per worker → ${perWorker1 >= 3e8 ? 'met' : 'NOT met'}; speedup ≥ 1.7 → ${speedup >= 1.7 ? 'met' : 'NOT met'}`);
