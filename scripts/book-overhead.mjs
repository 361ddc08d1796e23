#!/usr/bin/env node
/**
 * What redrawing books per block costs a whole run: times a scenario with one book for every path
 * (`sampling.pathsPerBook: all`) and with its default blocks (`auto`), alternating, twice each, and
 * prints both and the ratio of the fastest runs. Usage (after `npm run build`):
 *
 *   node scripts/book-overhead.mjs scenarios/default.yaml [PATHS=1000] [WORKERS=2]
 */
import { loadScenarioFile, runPaths } from '../dist/index.js';
import { pathsPerBookOf } from '../dist/scenario/sampling.js';

const [file, pathsArg, workersArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/book-overhead.mjs <scenario.yaml> [PATHS] [WORKERS]');
  process.exit(2);
}
const s = { ...loadScenarioFile(file), paths: Number(pathsArg ?? 1000) };
const workers = Number(workersArg ?? 2);
const t = { all: [], auto: [] };
for (const k of ['all', 'auto', 'all', 'auto']) {
  const t0 = performance.now();
  await runPaths({ ...s, sampling: { ...s.sampling, pathsPerBook: k } }, { workers, series: false });
  t[k].push((performance.now() - t0) / 1000);
}
const n = pathsPerBookOf({ ...s, sampling: { ...s.sampling, pathsPerBook: 'auto' } });
const fmt = (xs) => xs.map((x) => `${x.toFixed(1)} s`).join(' / ');
console.log(`${file}, ${s.paths} paths, ${workers === 0 ? 'serial' : `${workers} workers`}: one book ${fmt(t.all)}; ${Math.ceil(s.paths / n)} books of ${n} ${fmt(t.auto)}; ratio of the fastest ${(Math.min(...t.auto) / Math.min(...t.all)).toFixed(2)}`);
