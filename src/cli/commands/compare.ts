/**
 * `marginlab compare <a.yaml> <b.yaml> […]`, `marginlab compare <scenario with variants:>`, or
 * `marginlab compare <run folder> <run folder> […]`: every policy on the same seed and paths;
 * per-policy metrics, paired differences against the baseline with confidence intervals and
 * significance; writes comparison.json, index.html, summary.md and figures/ into --out. Saved runs
 * (folders written by `marginlab run`, or their results.json) are compared without re-simulating when
 * they share a seed, their paths, the price model and the trader book.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadForCommand } from '../load.js';
import { checkOutputFolder, commitOutputFolder } from '../../io/files.js';
import { terminalSafe, UserError } from '../../errors.js';
import { runCompareShard } from '../../sweep/shard.js';
import { compareRemote, fleetOptions } from './fleet.js';
import type { VariantInput } from '../../sweep/compare.js';
import { comparisonPointExports } from '../../report/exports.js';
import { compareSavedRuns, runComparison, variantsFromBlock, variantsFromFiles, type ComparisonResult } from '../../sweep/compare.js';
import { comparisonSummary } from '../../report/verdict.js';
import { emitSummary } from '../emit.js';
import { loadSaved } from '../saved.js';
import { studyLifecycle, studyOutDir, studyOutputs, studyProgress, writeStudy, wroteLine } from './study-common.js';
import { allowAnyPathOption, collect, defaultOutDir, intArg, noFiguresOption, seedOption, workersOption, summaryJsonOption } from '../args.js';

interface CompareFlags {
  out?: string;
  paths?: number;
  seed?: number;
  baseline?: string;
  metric?: string[];
  workers?: number;
  fresh?: boolean;
  redrawBook?: boolean;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  shard?: string;
  redis?: string;
  jobPaths?: number;
}

/** A saved run given as its folder or its results.json (a .json file whose first 4 KiB name the results format; a scenario may be .json too). */
function isSavedRun(arg: string): boolean {
  try {
    if (statSync(arg).isDirectory()) return existsSync(path.join(arg, 'results.json'));
    if (!/\.json$/i.test(arg) || !statSync(arg).isFile()) return false;
    const fd = openSync(arg, 'r');
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      return /"format"\s*:\s*"marginlab\.results\//.test(head.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run policies on identical shocks (or pair saved runs) and report paired differences with confidence intervals')
    .argument('<inputs...>', 'two or more scenario files, one scenario with a variants: block, or two or more saved run folders (or their results.json)')
    .option('--baseline <name>', 'variant the others are compared with (default: the first)')
    .option('--metric <key>', 'metric to compare (repeatable; default: the headline risk metrics)', collect)
    .option('--out <dir>', 'output folder (default: reports/<first scenario name>-compare)')
    .option('--paths <n>', 'paths for every policy (default: the baseline\'s)', intArg('--paths', 1, 10_000_000))
    .addOption(seedOption("seed for every policy (default: the baseline's)"))
    .addOption(workersOption())
    .option('--fresh', 'discard policies saved in --out by an earlier run instead of reusing them')
    .option('--redraw-book', "draw each policy's opening book under its own rules (default: every policy faces the baseline's book; positions a policy's rules would not admit are kept and reported)")
    .addOption(noFiguresOption())
    .addOption(summaryJsonOption())
    .addOption(allowAnyPathOption())
    .option('--shard <i/N>', 'run only paths [⌊iP/N⌋, ⌊(i+1)P/N⌋) of every variant and write a shard folder for `marginlab merge`')
    .addOption(fleetOptions()[0])
    .addOption(fleetOptions()[1])
    .action(async (inputs: string[], opts: CompareFlags) => {
      const saved = inputs.map(isSavedRun);
      let r: ComparisonResult;
      let out: string;
      if (opts.redis !== undefined && saved.some(Boolean)) throw new UserError('--redis: not allowed with saved runs — they are compared as they were run, without simulating');
      if (opts.shard !== undefined && saved.some(Boolean)) throw new UserError('--shard: not allowed with saved runs — they are compared as they were run, without simulating');
      if (saved.some(Boolean)) {
        if (!saved.every(Boolean)) {
          const i = saved.indexOf(false);
          throw new UserError(`compare: ${inputs[i]} is a scenario file while ${inputs[saved.indexOf(true)]} is a saved run — compare either scenario files or saved runs (folders written by marginlab run)`);
        }
        for (const [flag, v] of [['--paths', opts.paths], ['--seed', opts.seed], ['--fresh', opts.fresh], ['--redraw-book', opts.redrawBook]] as const) {
          if (v !== undefined) throw new UserError(`${flag}: not allowed with saved runs — they are compared as they were run, without simulating`);
        }
        const runs = inputs.map((f) => {
          const s = loadSaved(f);
          if (s.kind !== 'run') throw new UserError(`compare: ${f} holds a ${s.kind}, not a run — give folders written by marginlab run`);
          return { results: s.data, source: f };
        });
        const dest = studyOutDir(runs[0].results.scenario.name, '-compare', 'comparison.json', opts.out);
        out = dest.out;
        if (dest.note) process.stderr.write(`${terminalSafe(dest.note)}\n`);
        checkOutputFolder(out, studyOutputs('comparison.json'));
        r = compareSavedRuns(runs, { baseline: opts.baseline, metrics: opts.metric });
      } else {
        // loaded as every command loads a scenario: its study blocks (sweep:, calibrate:, recommend:) checked too
        const loaded = inputs.map((f) => ({ scenario: loadForCommand(f, opts), source: f }));
        const variants =
          loaded.length === 1
            ? variantsFromBlock(loaded[0].scenario, inputs[0], { baseDir: path.dirname(path.resolve(inputs[0])), allowAnyPath: opts.allowAnyPath })
            : variantsFromFiles(loaded);
        if (opts.shard !== undefined) return compareShardCommand(variants, loaded[0].scenario.name, opts);
        const dest = studyOutDir(loaded[0].scenario.name, '-compare', 'comparison.json', opts.out);
        out = dest.out;
        checkOutputFolder(out, studyOutputs('comparison.json'));
        const runVariant = await compareRemote(opts);
        const bar = studyProgress();
        const life = studyLifecycle('compare', loaded[0].scenario.name, out, dest.note);
        try {
          r = await life.run(() =>
            runComparison(variants, { runVariant, paths: opts.paths, seed: opts.seed, baseline: opts.baseline, metrics: opts.metric, workers: opts.workers, out, fresh: opts.fresh, redrawBook: opts.redrawBook, onProgress: bar.update, onStart: life.onStart }),
          );
        } finally {
          bar.stop();
        }
      }
      const summary = comparisonSummary(r, out);
      const written = await writeStudy(out, 'comparison.json', r, async () => (await import('../../report/study-pages.js')).comparisonPage(r), summary, opts.figures !== false, comparisonPointExports(r));
      emitSummary(summary, opts.json, wroteLine(written)); // the warnings (different books, seeds) on stderr
    });
}

/** `compare … --shard i/N`: every variant's shard of paths, written as one shard folder. */
async function compareShardCommand(variants: VariantInput[], name: string, opts: CompareFlags): Promise<void> {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(opts.shard!);
  if (!m) throw new UserError(`--shard: ${JSON.stringify(opts.shard)} is not allowed — expected i/N with whole numbers 0 ≤ i < N (shard 0/3, 1/3 and 2/3 make three shards)`);
  const out = opts.out ?? defaultOutDir(`${name}-compare-shard-${m[1]}-of-${m[2]}`);
  checkOutputFolder(out, ['shard.json', 'variants']);
  if (existsSync(path.join(out, 'shard.json')) && !opts.fresh) throw new UserError(`--out ${out}: holds an earlier shard — pass --fresh to replace it, or choose another --out`);
  const bar = studyProgress();
  let shard;
  try {
    shard = await runCompareShard(variants, { paths: opts.paths, seed: opts.seed, baseline: opts.baseline, metrics: opts.metric, redrawBook: opts.redrawBook, workers: opts.workers, onProgress: bar.update }, Number(m[1]), Number(m[2]));
  } finally {
    bar.stop();
  }
  commitOutputFolder(out, shard.files, { replace: ['shard.json', 'variants'] });
  const h = shard.header;
  process.stdout.write(`compare shard ${h.shard.index}/${h.shard.count}: paths [${h.shard.start}, ${h.shard.end}) of ${h.variantDirs.length} variants, study hash ${h.scenarioHash}; wrote ${out}\n`);
}
