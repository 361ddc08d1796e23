#!/usr/bin/env node
/**
 * Bundles the code that runs in a report's browser, with esbuild; run by `npm run build` after tsc.
 * The bundles are inlined into every report's HTML (no file or network request: reports open from
 * file://, offline).
 *
 * 1. The page scripts, src/report/browser/page.ts (embeds the charts, fits them to their card) and
 *    src/report/browser/whatif.ts (the what-if panel), into dist/report/browser/page.js and whatif.js.
 *    They are type-checked with the DOM library by `npm run typecheck` (tsconfig.browser.json). At run
 *    time they may use only src/report/browser/ and src/report/format.ts (type imports are erased): any
 *    other module reaching these bundles is an error here, as test/architecture.test.ts checks on the
 *    source.
 * 2. The engine for the what-if panel: src/report/whatif/worker.ts and everything it imports (the
 *    engine, the book, price models, levers, estimates) into dist/report/whatif/engine-worker.js, which
 *    the page starts as a Web Worker from a Blob URL (docs/report.md, "What-if").
 *
 * The engine never reads files, except a csv price model's data (src/scenario/market-csv.ts, price-csv.ts and candle-csv.ts, reached
 * through src/scenario/price-checks.ts and data-files.ts, which use node:fs, node:path and
 * node:crypto), a depth curve (depth-csv.ts) and a position snapshot (snapshot-csv.ts). Those modules
 * are replaced here by stubs that throw if called; the report offers no what-if for a scenario that
 * reads any of these files. Any other Node built-in reaching a bundle is an error, so a new file read
 * in the engine cannot slip into the page unnoticed.
 *
 *   node scripts/build-browser.mjs [--analyze]   (--analyze prints what each bundle is made of)
 */
import * as esbuild from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STUBBED = /[\\/]src[\\/]scenario[\\/](price-csv|candle-csv|market-csv|data-files|depth-csv|snapshot-csv)\.(ts|js)$/;
/** What the page scripts may bundle (relative to the repository, '/' separators). */
const PAGE_ALLOWED = [/^src\/report\/browser\/[\w-]+\.ts$/, /^src\/report\/format\.ts$/];

/** Refuses Node built-ins: a bundle runs in the browser. */
const noNodeBuiltins = {
  name: 'no-node-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} imported by ${path.relative(ROOT, args.importer)} would reach the browser bundle` }] }));
  },
};

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
  },
};

const common = { bundle: true, platform: 'browser', format: 'iife', target: 'es2020', minify: true, legalComments: 'none', logLevel: 'warning', metafile: true };

const pages = await esbuild.build({
  ...common,
  entryPoints: { page: path.join(ROOT, 'src/report/browser/page.ts'), whatif: path.join(ROOT, 'src/report/browser/whatif.ts') },
  outdir: path.join(ROOT, 'dist/report/browser'),
  plugins: [noNodeBuiltins],
});
const strays = Object.keys(pages.metafile.inputs)
  .map((f) => path.relative(ROOT, path.resolve(process.cwd(), f)).split(path.sep).join('/'))
  .filter((f) => !PAGE_ALLOWED.some((re) => re.test(f)));
if (strays.length) {
  console.error(`build-browser: the page scripts may bundle only src/report/browser/ and src/report/format.ts at run time; these reached them: ${strays.join(', ')}`);
  process.exit(1);
}

const engine = await esbuild.build({
  ...common,
  entryPoints: [path.join(ROOT, 'src/report/whatif/worker.ts')],
  outfile: path.join(ROOT, 'dist/report/whatif/engine-worker.js'),
  plugins: [noNodeBuiltins, dataFileStubs],
});

for (const result of [pages, engine]) {
  if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
  for (const out of Object.keys(result.metafile.outputs)) {
    console.log(`browser bundle: ${path.relative(ROOT, path.resolve(process.cwd(), out))} (${(statSync(path.resolve(process.cwd(), out)).size / 1024).toFixed(1)} KiB)`);
  }
}
