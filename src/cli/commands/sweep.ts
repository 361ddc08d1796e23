/**
 * `marginlab sweep <scenario> --param <path>=<values> [--param …]`: one or more parameters (two or more: a grid of every combination), every
 * point on the same paths; writes sweep.json, index.html and figures/ into --out, saving each finished
 * point under points/ so that rerunning the same command resumes.
 */
import type { Command } from 'commander';
import { parseScenario } from '../../scenario/load.js';
import { checkOutputFolder } from '../../io/files.js';
import { loadForCommand } from '../load.js';
import { refusePrecisionInStudy } from '../../scenario/sampling.js';
import { UserError } from '../../errors.js';
import { checkParamPath, parseParamFlag, paramsFromSweepBlock } from '../../sweep/params.js';
import { paramsOfPoints, runSweep, type SweepOptions } from '../../sweep/sweep.js';
import { runSweepShard } from '../../sweep/shard.js';
import { fleetOptions, studyRemote } from './fleet.js';
import { sweepPointExports } from '../../report/exports.js';
import { parseShardFlag, shardRange } from '../../api/shard.js';
import type { Scenario } from '../../scenario/schema.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sweepSummary } from '../../report/verdict.js';
import { fmtDuration } from '../../report/format.js';
import { emitSummary } from '../emit.js';
import { studyLifecycle, studyOutDir, studyOutputs, studyProgress, writeStudy, wroteLine } from './study-common.js';
import { allowAnyPathOption, collect, defaultOutDir, intArg, noFiguresOption, seedOption, workersOption, summaryJsonOption } from '../args.js';

interface SweepFlags {
  param?: string[];
  point?: string[];
  metric?: string[];
  out?: string;
  paths?: number;
  seed?: number;
  workers?: number;
  fresh?: boolean;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  shard?: string;
  redis?: string;
  jobPaths?: number;
}

/** What a study's shard folder holds. */
const STUDY_SHARD_OUTPUTS = ['shard.json', 'manifest.json', 'points', 'variants'] as const;

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a scenario over one parameter or a grid of several (every combination) on common random numbers; write sweep.json and index.html')
    .argument('<scenario>', 'scenario file (.yaml or .json); its sweep: block is used when no --param is given')
    .option('--param <path=values>', 'parameter and values: a list (policy.maxLeverage=10,20,50) or start:stop:step (policy.maintenance.mmr=0.01:0.05:0.005); repeat for a grid', collect)
    .option('--point <path=value,…>', 'one point of a list (instead of a grid): every parameter and its value, e.g. policy.maintenance.mmr=0.02,policy.insuranceFund.initialUsd=1e6; repeat for each point', collect)
    .option('--metric <key>', 'metric to report and difference (repeatable; default: the headline risk metrics)', collect)
    .option('--out <dir>', 'output folder, also used to resume (default: reports/<scenario name>-sweep)')
    .option('--paths <n>', 'paths per point (overrides the scenario)', intArg('--paths', 1, 10_000_000))
    .addOption(seedOption())
    .addOption(workersOption())
    .option('--fresh', 'discard points saved in --out by an earlier run instead of resuming')
    .addOption(noFiguresOption())
    .addOption(summaryJsonOption())
    .addOption(allowAnyPathOption())
    .option('--shard <i/N>', 'run only paths [⌊iP/N⌋, ⌊(i+1)P/N⌋) of every point and write a shard folder for `marginlab merge`')
    .addOption(fleetOptions()[0])
    .addOption(fleetOptions()[1])
    .action(async (file: string, opts: SweepFlags) => {
      const loaded = loadForCommand(file, opts);
      const scenario = opts.seed !== undefined ? parseScenario({ ...loaded, seed: opts.seed }, file) : loaded;
      refusePrecisionInStudy(scenario, 'sweep', file);
      if (opts.point?.length && opts.param?.length) throw new UserError('--point and --param: pass one — --param makes a grid of every combination, --point lists the points to run');
      if (opts.point?.length && opts.shard !== undefined) throw new UserError('--point: not with --shard — shard a grid (--param), or run the list on one machine or with --redis');
      const points = opts.point?.length ? opts.point.map((p, i) => parsePointFlag(scenario, p, i)) : undefined;
      const params = points ? paramsOfPoints(points) : opts.param?.length ? opts.param.map((p) => parseParamFlag(scenario, p)) : paramsFromSweepBlock(scenario, file);
      if (params.length === 0) throw new UserError(`${file}: nothing to sweep — pass --param <path>=<values> (e.g. policy.maintenance.mmr=0.01:0.05:0.005) or add a sweep: block`);
      if (opts.shard !== undefined) {
        const paths = opts.paths ?? scenario.sweep?.paths ?? scenario.paths;
        const { index, count } = parseShardFlag(opts.shard, paths);
        const out = opts.out ?? defaultOutDir(`${scenario.name}-sweep-shard-${index}-of-${count}`);
        checkOutputFolder(out, [...STUDY_SHARD_OUTPUTS]);
        if (existsSync(path.join(out, 'shard.json')) && !opts.fresh) throw new UserError(`--out ${out}: holds an earlier shard — pass --fresh to replace it, or choose another --out`);
        const bar = studyProgress();
        let header;
        try {
          header = await runSweepShard(scenario, { params, paths: opts.paths, workers: opts.workers, metrics: opts.metric, onProgress: bar.update }, shardRange(paths, index, count), out);
        } finally {
          bar.stop();
        }
        process.stdout.write(`sweep shard ${index}/${count} of ${scenario.name}: paths [${header.shard.start}, ${header.shard.end}) of every point, study hash ${header.scenarioHash}; wrote ${out}\n`);
        return;
      }
      const { out, note } = studyOutDir(scenario.name, '-sweep', 'sweep.json', opts.out);
      checkOutputFolder(out, studyOutputs('sweep.json'));
      const remote = await studyRemote(opts);
      await finishSweep(scenario, { params, points, paths: opts.paths, workers: opts.workers, out, fresh: opts.fresh, metrics: opts.metric, remote }, out, { ...opts, note });
    });
}

/** Runs (or resumes) a sweep into `out` and writes sweep.json, the page and summary.md; prints the verdict. */
export async function finishSweep(scenario: Scenario, sweepOpts: SweepOptions, out: string, opts: { json?: boolean; figures?: boolean; note?: string | null }): Promise<void> {
  const bar = studyProgress();
  const life = studyLifecycle('sweep', scenario.name, out, opts.note ?? null);
  let result;
  try {
    result = await life.run(() => runSweep(scenario, { ...sweepOpts, onProgress: bar.update, onStart: life.onStart }));
  } finally {
    bar.stop();
  }
  const summary = sweepSummary(result, out);
  const written = await writeStudy(out, 'sweep.json', result, async () => (await import('../../report/study-pages.js')).sweepPage(result), summary, opts.figures !== false, sweepPointExports(result));
  emitSummary(
    summary,
    opts.json,
    `sweep ${scenario.name}: ${result.points.length} points × ${result.paths} paths; compute time ${fmtDuration(summary.computeMs)} ` +
      `(${result.run.pointsResumed} resumed from ${out}/points, ${result.run.pointsComputed} computed)\n${wroteLine(written)}`,
  );
}

/** One `--point path=value,path=value`: canonical paths and finite numbers. @throws UserError naming the point */
function parsePointFlag(scenario: Scenario, text: string, i: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    const v = Number(part.slice(eq + 1).trim());
    if (eq <= 0 || part.slice(eq + 1).trim() === '' || !Number.isFinite(v)) {
      throw new UserError(`--point ${i + 1} ${JSON.stringify(text)}: expected <path>=<number>[,<path>=<number>…], e.g. policy.maintenance.mmr=0.02,policy.insuranceFund.initialUsd=1e6`);
    }
    const key = checkParamPath(scenario, part.slice(0, eq), '--point');
    if (key in out) throw new UserError(`--point ${i + 1} ${JSON.stringify(text)}: names ${key} twice`);
    out[key] = v;
  }
  return out;
}
