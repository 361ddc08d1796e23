/**
 * `marginlab calibrate <scenario> --param <path> --range lo..hi --target "<metric> <= <value>"`: the
 * most capital-efficient value whose metric meets the target with the stated confidence. Writes
 * calibration.json, index.html and figures/ into --out; finished chunks of paths are saved under
 * points/ so that rerunning the same command resumes.
 */
import { UserError } from '../../errors.js';
import { fleetOptions, studyRemote } from './fleet.js';
import { InvalidArgumentError, type Command } from 'commander';
import { parseScenario } from '../../scenario/load.js';
import { checkOutputFolder } from '../../io/files.js';
import { loadForCommand } from '../load.js';
import { refusePrecisionInStudy } from '../../scenario/sampling.js';
import { runCalibration } from '../../sweep/calibrate.js';
import { calibrationStopText, calibrationSummary } from '../../report/verdict.js';
import { fmtDuration } from '../../report/format.js';
import { calibrationPointExports } from '../../report/exports.js';
import { emitSummary } from '../emit.js';
import { studyLifecycle, studyOutDir, studyOutputs, studyProgress, writeStudy, wroteLine } from './study-common.js';
import { allowAnyPathOption, intArg, numberArg, rangeArg, noFiguresOption, seedOption, workersOption, summaryJsonOption } from '../args.js';

interface CalibrateFlags {
  param?: string;
  range?: [number, number];
  target?: string;
  confidence?: number;
  prefer?: 'low' | 'high';
  paths?: number;
  maxPaths?: number;
  budget?: number;
  tolerance?: number;
  grid?: number;
  out?: string;
  seed?: number;
  workers?: number;
  fresh?: boolean;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  redis?: string;
  jobPaths?: number;
}

export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('find the most capital-efficient parameter value whose risk metric meets a target with a confidence bound')
    .argument('<scenario>', 'scenario file (.yaml or .json); its calibrate: block supplies anything not given as a flag')
    .option('--param <path>', 'dotted path of the numeric field to calibrate, e.g. policy.maintenance.mmr')
    .option('--range <lo..hi>', 'search interval, e.g. 0.005..0.05', rangeArg)
    .option('--target <text>', 'risk target "<metric> <= <value>" (or <, >=, >), e.g. "badDebtUsd.var99 <= 50000" or "probBadDebt <= 1%"')
    .option('--confidence <c>', 'overall one-sided confidence the recommendation meets the target with (default 0.95)', numberArg('--confidence', (x) => x > 0.5 && x < 1, 'a probability between 0.5 and 1, e.g. 0.95'))
    .option('--prefer <low|high>', 'which end of the range is more capital-efficient (default: high for maxLeverage, else low)', (v: string) => {
      if (v !== 'low' && v !== 'high') throw new InvalidArgumentError(`--prefer: ${JSON.stringify(v)} is not allowed — low or high`);
      return v;
    })
    .option('--paths <n>', 'paths at each newly evaluated value (default: the scenario\'s paths)', intArg('--paths', 10, 10_000_000))
    .option('--max-paths <n>', 'most paths at one value while its decision is unclear (default 16 × --paths)', intArg('--max-paths', 10, 100_000_000))
    .option('--budget <n>', 'total path budget of the calibration (default 100 × --paths)', intArg('--budget', 10, 1_000_000_000))
    .option('--tolerance <x>', 'stop when the bracket is this narrow (default (hi − lo)/100)', numberArg('--tolerance', (x) => x > 0, 'a number > 0'))
    .option('--grid <n>', 'evenly spaced values evaluated before bisection (default 5)', intArg('--grid', 2, 101))
    .option('--out <dir>', 'output folder, also used to resume (default: reports/<scenario name>-calibrate)')
    .addOption(seedOption())
    .addOption(workersOption())
    .option('--fresh', 'discard paths saved in --out by an earlier run instead of resuming')
    .addOption(noFiguresOption())
    .addOption(summaryJsonOption())
    .addOption(allowAnyPathOption())
    .option('--shard <i/N>', 'not supported (see the message)')
    .addOption(fleetOptions()[0])
    .addOption(fleetOptions()[1])
    .action(async (file: string, opts: CalibrateFlags) => {
      if ((opts as { shard?: string }).shard !== undefined) throw new UserError('calibrate --shard: not supported — a calibration is adaptive (its next value and how many paths it adds depend on the last evaluation), so its paths cannot be split in advance; run it on one machine, where every evaluation uses all cores, or with --redis, where a worker fleet runs the paths of each evaluation');
      const loaded = loadForCommand(file, opts);
      const scenario = opts.seed !== undefined ? parseScenario({ ...loaded, seed: opts.seed }, file) : loaded;
      refusePrecisionInStudy(scenario, 'calibrate', file);
      const { out, note } = studyOutDir(scenario.name, '-calibrate', 'calibration.json', opts.out);
      checkOutputFolder(out, studyOutputs('calibration.json'));
      const remote = await studyRemote(opts);
      const bar = studyProgress();
      let r;
      const life = studyLifecycle('calibrate', scenario.name, out, note);
      try {
        r = await life.run(() => runCalibration(scenario, {
          source: file,
          remote,
          param: opts.param,
          range: opts.range,
          target: opts.target,
          confidence: opts.confidence,
          prefer: opts.prefer,
          initialPaths: opts.paths,
          maxPathsPerPoint: opts.maxPaths,
          pathBudget: opts.budget,
          tolerance: opts.tolerance,
          gridPoints: opts.grid,
          workers: opts.workers,
          out,
          fresh: opts.fresh,
          onProgress: bar.update,
          onStart: life.onStart,
        }));
      } finally {
        bar.stop();
      }
      const summary = calibrationSummary(r, out);
      const written = await writeStudy(out, 'calibration.json', r, async () => (await import('../../report/study-pages.js')).calibrationPage(r), summary, opts.figures !== false, calibrationPointExports(r));
      emitSummary(
        summary,
        opts.json,
        `search: ${calibrationStopText(r)}\nmonotonicity: ${r.monotonicity.message}\n` +
          `${r.evaluated.length} values, ${r.pathsSpent} paths (${r.run.pathsFromDisk} resumed from ${out}/points) in ${fmtDuration(r.run.elapsedMs)}\n${wroteLine(written)}`,
      );
    });
}
