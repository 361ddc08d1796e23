#!/usr/bin/env node
/**
 * Liquidations a path by hour, at the scenario's default sampling: runs the scenario for 1, 2, … H
 * hours (a path's first hours do not depend on its horizon) and prints the mean liquidation count a
 * path in each hour. Usage (after `npm run build`):
 *
 *   node scripts/liquidations-by-hour.mjs scenarios/high-leverage-retail.yaml [PATHS=200] [HOURS=6]
 */
import { loadScenarioFile, parseScenario } from '../dist/index.js';
import { runPaths } from '../dist/mc/runner.js';

const [file, pathsArg, hoursArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/liquidations-by-hour.mjs <scenario.yaml> [PATHS] [HOURS]');
  process.exit(2);
}
const base = loadScenarioFile(file);
const P = Number(pathsArg ?? 200);
const perHour = Math.round(3600 / base.stepSeconds);
const H = Math.min(Number(hoursArg ?? 6), Math.floor(base.horizonSteps / perHour));
const prev = new Float64Array(P);
const out = [];
for (let h = 1; h <= H; h++) {
  const r = await runPaths(parseScenario({ ...base, paths: P, horizonSteps: h * perHour }), { workers: 0, series: false });
  let c = 0;
  r.summaries.forEach((s, i) => {
    c += s.liquidationCount - prev[i];
    prev[i] = s.liquidationCount;
  });
  out.push(c / P);
}
console.log(`${file}, ${P} paths: liquidations a path by hour: ${out.map((x) => x.toFixed(1)).join(', ')}`);
