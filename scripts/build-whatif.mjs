#!/usr/bin/env node
/**
 * Bundles the engine for the browser: src/report/whatif/worker.ts and everything it imports (the
 * engine, the book, price models, levers, estimates) into one minified script,
 * dist/report/whatif/engine-worker.js, that every run report carries inline and starts as a Web
 * Worker from a Blob URL (docs/report.md, "What-if"). Run by `npm run build` after tsc.
 *
 * The engine never reads files, except a csv price model's data (src/scenario/market-csv.ts,
 * price-csv.ts and candle-csv.ts, reached through src/scenario/price-checks.ts and data-files.ts, which
 * use node:fs, node:path and node:crypto), a depth curve (depth-csv.ts) and a position snapshot (snapshot-csv.ts). Those modules
 * are replaced here by stubs that throw if called; the report offers no what-if for a scenario that
 * reads any of these files. Any other Node built-in reaching the
 * bundle is an error, so a new file read in the engine cannot slip into the page unnoticed.
 */
import * as esbuild from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/report/whatif/engine-worker.js');
const STUBBED = /[\\/]src[\\/]scenario[\\/](price-csv|candle-csv|market-csv|data-files|depth-csv|snapshot-csv)\.(ts|js)$/;

/** Replaces the data-file modules by stubs exporting the same names, each throwing when used. */
const dataFileStubs = {
  name: 'data-file-stubs',
  setup(build) {
    build.onLoad({ filter: STUBBED }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const names = [...src.matchAll(/^export (?:async )?(?:function|const|let|class) (\w+)/gm)].map((m) => m[1]);
      const body = names.map((n) => `export const ${n} = unavailable;`).join('\n');
      return { contents: `function unavailable() { throw new Error('data files cannot be read in the browser'); }\n${body}\n`, loader: 'js' };
    });
    build.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} imported by ${path.relative(ROOT, args.importer)} would reach the browser bundle` }] }));
  },
};

const result = await esbuild.build({
  entryPoints: [path.join(ROOT, 'src/report/whatif/worker.ts')],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  outfile: OUT,
  plugins: [dataFileStubs],
  logLevel: 'warning',
  metafile: true,
});
const kb = statSync(OUT).size / 1024;
if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
console.log(`what-if engine bundle: ${path.relative(ROOT, OUT)} (${kb.toFixed(0)} KiB)`);
