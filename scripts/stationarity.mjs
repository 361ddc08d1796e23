#!/usr/bin/env node
/**
 * Is the first hour of a path like any other hour, averaged over books? For BOOKS book seeds (each
 * seed draws its own warm-up history and seasoned book) and PATHS paths each, counts liquidations per
 * hour and prints, per book, the first hour's count over the later hours' mean, and the pooled hourly
 * counts. Usage (after `npm run build`):
 *
 *   node scripts/stationarity.mjs scenarios/default.yaml [BOOKS=40] [PATHS=8] [JSON overrides]
 *
 * e.g. the old set-up: node scripts/stationarity.mjs scenarios/default.yaml 40 8 \
 *   '{"traders":{"warmup":"none"},"policy":{"markPrice":{"kind":"last"}}}'
 */
import { loadScenarioFile, parseScenario } from '../dist/index.js';
import { createRunContext } from '../dist/engine/context.js';
import { PathBuffers } from '../dist/engine/book.js';
import { PathState } from '../dist/engine/state.js';
import { PathRecorder } from '../dist/engine/records.js';
import { openBook } from '../dist/engine/open.js';
import { step } from '../dist/engine/step.js';

const [file, booksArg, pathsArg, overArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/stationarity.mjs <scenario.yaml> [books] [paths] [JSON overrides]');
  process.exit(2);
}
const BOOKS = Number(booksArg ?? 40);
const PATHS = Number(pathsArg ?? 8);
const over = overArg ? JSON.parse(overArg) : {};
const merge = (a, b) => {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return b;
  const o = { ...a };
  for (const [k, v] of Object.entries(b)) o[k] = a && typeof a[k] === 'object' && !Array.isArray(a[k]) ? merge(a[k], v) : v;
  return o;
};
const base = loadScenarioFile(file);
let hourly;
const ratios = [];
for (let b = 0; b < BOOKS; b++) {
  const sc = parseScenario(merge({ ...base, seed: base.seed + 1000 + b, paths: PATHS }, over));
  const ctx = createRunContext(sc);
  const buf = new PathBuffers(ctx);
  const perHour = Math.round(3600 / sc.stepSeconds);
  const hours = Math.floor(sc.horizonSteps / perHour);
  hourly ??= new Float64Array(hours);
  const mine = new Float64Array(hours);
  for (let p = 0; p < PATHS; p++) {
    const st = new PathState(ctx, p, buf);
    const rec = new PathRecorder(st, false);
    openBook(st);
    rec.recordStep(st);
    for (st.t = 1; st.t <= st.H; st.t++) {
      const before = st.events.liquidations;
      step(st, rec);
      const h = Math.floor((st.t - 1) / perHour);
      if (h < hours) mine[h] += st.events.liquidations - before;
    }
    buf.usedAccounts = st.nAccounts;
    buf.usedPositions = st.nPositions;
  }
  const later = mine.slice(1).reduce((x, y) => x + y, 0) / (hours - 1);
  ratios.push(later > 0 ? mine[0] / later : NaN);
  mine.forEach((c, h) => (hourly[h] += c));
}
const later = hourly.slice(1).reduce((x, y) => x + y, 0) / (hourly.length - 1);
const sorted = ratios.filter((r) => Number.isFinite(r)).sort((x, y) => x - y);
console.log(`${file}: ${BOOKS} books × ${PATHS} paths${overArg ? ` with ${overArg}` : ''}`);
console.log(`first hour / later hours' mean, per book: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
console.log(`median over books ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}; pooled ${(hourly[0] / later).toFixed(2)}`);
console.log(`pooled liquidations by hour: ${Array.from(hourly, (x) => x.toFixed(0)).join(' ')}`);
