#!/usr/bin/env node
/**
 * What a book costs against a path (docs/methodology.md, book uncertainty): for each scenario file,
 * the mean time to draw and season books 1 … BOOKS (`createRunContext`, after book 0 warms the JIT)
 * and the mean time of a path on one of them (paths 0 … PATHS − 1, after 3 warm-up paths). Usage (after `npm run build`):
 *
 *   node scripts/book-cost.mjs scenarios/default.yaml bench/standard.yaml [BOOKS=6] [PATHS=100]
 */
import { loadScenarioFile } from '../dist/index.js';
import { createRunContext } from '../dist/engine/context.js';
import { PathBuffers, simulatePath } from '../dist/engine/path.js';

const files = process.argv.slice(2).filter((a) => !/^\d+$/.test(a));
const [books = 6, paths = 100] = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
if (files.length === 0) {
  console.error('usage: node scripts/book-cost.mjs <scenario.yaml> … [BOOKS] [PATHS]');
  process.exit(2);
}
for (const f of files) {
  const s = loadScenarioFile(f);
  createRunContext(s, undefined, 0);
  let t0 = performance.now();
  let ctx;
  for (let b = 1; b <= books; b++) ctx = createRunContext(s, undefined, b);
  const bookMs = (performance.now() - t0) / books;
  const buf = new PathBuffers(ctx);
  for (let p = 0; p < 3; p++) simulatePath(ctx, 1000 + p, buf, false);
  t0 = performance.now();
  for (let p = 0; p < paths; p++) simulatePath(ctx, p, buf, false);
  const pathMs = (performance.now() - t0) / paths;
  console.log(`${f}: ${s.traders.count} traders, a book ${bookMs.toFixed(1)} ms, a path ${pathMs.toFixed(1)} ms (a book = ${(bookMs / pathMs).toFixed(1)} paths)`);
}
