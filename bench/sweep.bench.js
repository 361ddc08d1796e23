// Sweep throughput (issue 5): 20 maintenance-margin values × 1,000 paths × 10,000 traders × 1,440
// one-minute steps on 2 workers, every point on the same paths (common random numbers), each finished
// point saved to disk as a resumable sweep does. Target: under 2 minutes of wall time.
// BENCH_SWEEP_PATHS / BENCH_SWEEP_POINTS shrink it for a quick look.
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadScenarioFile, parseScenario, runSweep } from '../dist/index.js';

const PATHS = Number(process.env.BENCH_SWEEP_PATHS ?? 1000);
const POINTS = Number(process.env.BENCH_SWEEP_POINTS ?? 20);
const WORKERS = 2;
const TARGET_SECONDS = 120;

const standard = loadScenarioFile(new URL('./standard.yaml', import.meta.url).pathname);
const scenario = parseScenario(
  { ...standard, name: 'bench-sweep', paths: PATHS, traders: { ...standard.traders, count: 10_000 }, policy: { ...standard.policy, insuranceFund: { initialUsd: 250_000 } } },
  'bench-sweep',
);
// 0.005, 0.006, …, 0.024: all below 1/(2·maxLeverage) = 0.025, so the book is the same at every point
const values = Array.from({ length: POINTS }, (_, i) => Number((0.005 + 0.001 * i).toFixed(3)));
const out = mkdtempSync(path.join(os.tmpdir(), 'marginlab-bench-sweep-'));

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
console.log(
  `sweep: ${values.length} values of policy.maintenance.mmr (${values[0]} … ${values[values.length - 1]}) × ${PATHS.toLocaleString('en-US')} paths × ` +
    `${scenario.traders.count.toLocaleString('en-US')} traders × ${scenario.horizonSteps.toLocaleString('en-US')} steps of ${scenario.stepSeconds} s, ${WORKERS} workers`,
);
try {
  const t0 = performance.now();
  const r = await runSweep(scenario, { params: [{ path: 'policy.maintenance.mmr', values }], paths: PATHS, workers: WORKERS, out });
  const secs = (performance.now() - t0) / 1000;
  const traderSteps = values.length * PATHS * scenario.traders.count * scenario.horizonSteps;
  const first = r.points[0].aggregates;
  const last = r.points[r.points.length - 1].aggregates;
  console.log(`wall time: ${secs.toFixed(1)} s (${(secs / values.length).toFixed(2)} s per point, ${((values.length * PATHS) / secs).toFixed(0)} paths/s, ${(traderSteps / secs / 1e9).toFixed(2)} G trader-steps/s)`);
  console.log(
    `P(bad debt > 0): ${(100 * first.probBadDebt.estimate).toFixed(1)}% at MMR ${values[0]} → ${(100 * last.probBadDebt.estimate).toFixed(1)}% at ${values[values.length - 1]}; ` +
      `CRN: paired intervals ${(r.crnPrecisionGain['fractionTradersLiquidated.mean'] ?? NaN).toFixed(1)}× narrower for the fraction liquidated`,
  );
  console.log(`target: under ${TARGET_SECONDS} s → ${secs < TARGET_SECONDS ? 'met' : 'NOT met'}${PATHS !== 1000 || POINTS !== 20 ? ' (reduced run: not the benchmark size)' : ''}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
