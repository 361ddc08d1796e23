/**
 * `marginlab sensitivity <scenario> [--lever <path>[=step] …] [--metric KEY]`: the headline metric's change
 * for a step down and a step up in each policy lever, every variant on the same paths (common random
 * numbers); writes sensitivity.json, index.html (a tornado chart and the table), summary.md (the same
 * numbers), points.parquet / points.csv (one row per variant, as `compare` writes) and figures/ into --out;
 * prints the verdict, or with --json the summary every command prints (src/report/verdict.ts `Summary`).
 * The variants' runs are saved under variants/ as `compare` saves them, so rerunning the same command reuses them.
 */
import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/files.js';
import { terminalSafe } from '../../errors.js';
import { loadForCommand } from '../load.js';
import { parseScenario } from '../../scenario/load.js';
import { refusePrecisionInStudy } from '../../scenario/sampling.js';
import { leversFromFlags, runSensitivity, DEFAULT_LEVERS, DEFAULT_RELATIVE_STEP, DEFAULT_SENSITIVITY_METRIC, MAX_LEVERS, type SensitivityResult } from '../../sweep/sensitivity.js';
import { comparisonPointExports } from '../../report/exports.js';
import { sensitivityPage, sensitivitySummary } from '../../report/sensitivity-page.js';
import { emitSummary, emitWarnings } from '../emit.js';
import { studyLifecycle, studyOutDir, studyOutputs, studyProgress, writeStudy, wroteLine } from './study-common.js';
import { allowAnyPathOption, collect, intArg, noFiguresOption, seedOption, workersOption, summaryJsonOption } from '../args.js';

const OUTPUTS = [...studyOutputs('sensitivity.json'), 'points.parquet', 'points.csv'];

interface SensitivityFlags {
  lever?: string[];
  metric?: string;
  out?: string;
  paths?: number;
  seed?: number;
  workers?: number;
  fresh?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  json?: boolean;
}

export function registerSensitivity(program: Command): void {
  program
    .command('sensitivity')
    .description('the headline metric\'s change for a step down and up in each policy lever, on common random numbers: a tornado chart, the table in summary.md')
    .argument('<scenario>', 'scenario file (.yaml or .json)')
    .option(
      '--lever <path[=step]>',
      `a lever and its step, absolute (policy.maintenance.mmr=0.005) or a percentage of its value (policy.insuranceFund.initialUsd=50%); repeatable, at most ${MAX_LEVERS}; default: ${DEFAULT_LEVERS.join(', ')} (those with a non-zero value), each ±${DEFAULT_RELATIVE_STEP * 100}%`,
      collect,
    )
    .option('--metric <key>', `the metric whose change is measured (default ${DEFAULT_SENSITIVITY_METRIC})`)
    .option('--out <dir>', 'output folder, also used to reuse finished variants (default: reports/<scenario name>-sensitivity)')
    .option('--paths <n>', 'paths per variant (overrides the scenario)', intArg('--paths', 1, 10_000_000))
    .addOption(seedOption())
    .addOption(workersOption())
    .option('--fresh', 'discard variants saved in --out by an earlier run instead of reusing them')
    .addOption(noFiguresOption())
    .addOption(summaryJsonOption())
    .addOption(allowAnyPathOption())
    .action(async (file: string, opts: SensitivityFlags) => {
      const loaded = loadForCommand(file, opts);
      const scenario = opts.seed !== undefined ? parseScenario({ ...loaded, seed: opts.seed }, file) : loaded;
      const levers = leversFromFlags(scenario, opts.lever);
      refusePrecisionInStudy(scenario, 'sensitivity', file);
      const { out, note } = studyOutDir(scenario.name, '-sensitivity', 'sensitivity.json', opts.out);
      checkOutputFolder(out, [...OUTPUTS, 'variants', 'manifest.json']);
      const bar = studyProgress();
      const life = studyLifecycle('sensitivity', scenario.name, out, note);
      let r: SensitivityResult;
      try {
        r = await life.run(() => runSensitivity(scenario, { levers, metric: opts.metric, paths: opts.paths, workers: opts.workers, out, fresh: opts.fresh, onProgress: bar.update, onStart: life.onStart }));
      } finally {
        bar.stop();
      }
      const summary = sensitivitySummary(r, out);
      const written = wroteLine(await writeStudy(out, 'sensitivity.json', r, async () => sensitivityPage(r), summary, opts.figures !== false, comparisonPointExports(r.comparison)));
      if (opts.json) emitSummary(summary, true, written);
      else {
        // in words: the verdict alone (the lever table is in summary.md and on the page)
        process.stdout.write(`${terminalSafe(summary.verdict)}\n`);
        emitWarnings(summary, written); // the comparison's warnings on stderr, as every study command writes them
      }
    });
}
