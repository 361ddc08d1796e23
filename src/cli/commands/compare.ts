/**
 * `marginlab compare <a.yaml> <b.yaml> […]` or `marginlab compare <scenario with variants:>`: every
 * policy on the same seed and paths; per-policy metrics, paired differences against the baseline with
 * confidence intervals and significance; writes comparison.json, index.html and figures/ into --out.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadScenarioFile } from '../../scenario/load.js';
import { checkOutputFolder } from '../../io/files.js';
import { runComparison, variantsFromBlock, variantsFromFiles } from '../../sweep/compare.js';
import { fmtUnit } from '../../report/study-format.js';
import { fmtDuration } from '../../report/format.js';
import { studyProgress, writeStudy } from './study-common.js';
import { allowAnyPathOption, collect, defaultOutDir, intArg, noFiguresOption, seedOption, workersOption } from '../args.js';

interface CompareFlags {
  out?: string;
  paths?: number;
  seed?: number;
  baseline?: string;
  metric?: string[];
  workers?: number;
  fresh?: boolean;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('run policies on identical shocks and report paired differences with confidence intervals')
    .argument('<scenarios...>', 'two or more scenario files, or one scenario with a variants: block')
    .option('--baseline <name>', 'variant the others are compared with (default: the first)')
    .option('--metric <key>', 'metric to compare (repeatable; default: the headline risk metrics)', collect)
    .option('--out <dir>', 'output folder (default: reports/<first scenario name>-compare)')
    .option('--paths <n>', 'paths for every policy (default: the baseline\'s)', intArg('--paths', 1, 10_000_000))
    .addOption(seedOption("seed for every policy (default: the baseline's)"))
    .addOption(workersOption())
    .option('--fresh', 'discard policies saved in --out by an earlier run instead of reusing them')
    .addOption(noFiguresOption())
    .option('--json', 'print the differences as JSON on stdout')
    .addOption(allowAnyPathOption())
    .action(async (files: string[], opts: CompareFlags) => {
      const loaded = files.map((f) => ({ scenario: loadScenarioFile(f, { allowAnyPath: opts.allowAnyPath }), source: f }));
      const variants =
        loaded.length === 1
          ? variantsFromBlock(loaded[0].scenario, files[0], { baseDir: path.dirname(path.resolve(files[0])), allowAnyPath: opts.allowAnyPath })
          : variantsFromFiles(loaded);
      const out = opts.out ?? defaultOutDir(loaded[0].scenario.name, '-compare');
      checkOutputFolder(out, ['comparison.json', 'index.html', 'figures']);
      const bar = studyProgress();
      let r;
      try {
        r = await runComparison(variants, { paths: opts.paths, seed: opts.seed, baseline: opts.baseline, metrics: opts.metric, workers: opts.workers, out, fresh: opts.fresh, onProgress: bar.update });
      } finally {
        bar.stop();
      }
      const written = await writeStudy(out, 'comparison.json', r, async () => (await import('../../report/study-pages.js')).comparisonPage(r), opts.figures !== false);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ out, baseline: r.baseline, seed: r.seed, paths: r.paths, warnings: r.warnings, differences: r.differences, crnPrecisionGain: r.crnPrecisionGain }, null, 2) + '\n');
      }
      const lines = r.differences.flatMap((d) =>
        r.metrics
          .filter((m) => d.metrics[m.key].significant)
          .map((m) => {
            const x = d.metrics[m.key];
            const s = (v: number) => (v > 0 ? '+' : '') + fmtUnit(v, m.unit);
            return `  ${d.variant} − ${r.baseline}: ${m.label} ${s(x.estimate)} [${s(x.lower)}, ${s(x.upper)}]${x.significantHolm ? ' (significant after Holm correction)' : ' (significant uncorrected)'}\n`;
          }),
      );
      process.stderr.write(
        r.warnings.map((w) => `warning: ${w}\n`).join('') +
          `compare ${r.variants.map((v) => v.name).join(' vs ')}: ${r.paths} paths each (seed ${r.seed}) in ${fmtDuration(r.run.elapsedMs)}\n` +
          (lines.length ? `significant differences:\n${lines.join('')}` : 'no significant differences\n') +
          `wrote ${written.files.join(', ')}${written.figures ? ` and ${written.figures} figures` : ''}\n`,
      );
    });
}
