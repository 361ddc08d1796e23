#!/usr/bin/env node
// The day's largest 15- and 60-minute moves of a scenario's price process alone (market 0, 1,440 one-minute
// steps per path, no engine, no warm-up: a GARCH starts at its long-run variance), as docs/price-models.md quotes
// them. Run after `npm run build`:
//   node scripts/price-extremes.mjs scenarios/default.yaml [paths=1000] ['{"degreesOfFreedom":3,...}'] [--trace PATH]
// The optional JSON is merged into market.priceModel (e.g. the pre-calibration default:
//   '{"longRunVolatilityAnnual":0.8,"alpha":0.08,"beta":0.9,"degreesOfFreedom":3,"varianceCapMultiple":1e9}').
// --trace PATH prints that path's steps where the GARCH variance exceeds 20× its long-run level or |u| > 8.
import { loadScenarioFile } from '../dist/scenario/load.js';
import { createPriceProcess, loadPriceData } from '../dist/price/process.js';
import { dayMoves } from '../dist/validate/calm-extremes.js';

const args = process.argv.slice(2);
const traceAt = args.indexOf('--trace');
const trace = traceAt >= 0 ? Number(args.splice(traceAt, 2)[1]) : undefined;
const [file, pathsArg = '1000', over] = args;
if (!file) {
  process.stderr.write('usage: node scripts/price-extremes.mjs <scenario.yaml> [paths] [priceModel JSON] [--trace PATH]\n');
  process.exit(2);
}
let sc = loadScenarioFile(file);
if (over) sc = { ...sc, market: { ...sc.market, priceModel: { ...sc.market.priceModel, ...JSON.parse(over) } } };
if (sc.stepSeconds !== 60) {
  process.stderr.write(`${file}: stepSeconds ${sc.stepSeconds} — the day's 15- and 60-minute moves are measured on one-minute steps (stepSeconds 60)\n`);
  process.exit(2);
}
const paths = Number(pathsArg);
const data = loadPriceData(sc);
const r = new Float64Array(1 + sc.otherMarkets.length);
const pm = sc.market.priceModel;
const longRun = pm.kind === 'garch' ? pm.longRunVolatilityAnnual ** 2 * (sc.stepSeconds / (365 * 24 * 3600)) : undefined;
const days = [];
for (let p = 0; p < paths; p++) {
  const proc = createPriceProcess({ ...sc, horizonSteps: Math.max(sc.horizonSteps, 1440) }, p, data);
  const px = new Float64Array(1441);
  px[0] = sc.market.initialPriceUsd;
  for (let t = 1; t <= 1440; t++) {
    proc.next(r);
    px[t] = px[t - 1] * Math.exp(r[0]);
    if (p === trace && longRun) {
      const v = proc.snapshot()[0][0];
      // the snapshot after a step holds the variance that step's return was drawn with
      const u = r[0] / Math.sqrt(v);
      if (v / longRun > 20 || Math.abs(u) > 8) console.log(`path ${p} step ${t}: price ${px[t].toFixed(2)}, return ${(r[0] * 100).toFixed(2)}%, variance ${(v / longRun).toFixed(1)}× long-run, u ${u.toFixed(2)}`);
    }
  }
  days.push({ p, ...dayMoves(px) });
}
const q = (x, p) => {
  const s = [...x].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const pct = (x) => `${(x * 100).toFixed(2)}%`;
console.log(`${file}: ${paths} one-day paths of the price process (${pm.kind})`);
for (const k of ['fall15', 'rise15', 'fall60', 'rise60', 'range']) {
  const xs = days.map((d) => Math.abs(d[k]));
  const worst = days.reduce((a, d) => (Math.abs(d[k]) > Math.abs(a[k]) ? d : a));
  console.log(`  ${k.padEnd(7)} median ${pct(q(xs, 0.5))}  p90 ${pct(q(xs, 0.9))}  p99 ${pct(q(xs, 0.99))}  max ${pct(Math.abs(worst[k]))} (path ${worst.p})`);
}
