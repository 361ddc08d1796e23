#!/usr/bin/env node
/**
 * The `marginlab` command line: a thin layer over the library. Exit 0 on success, 2 for a user's
 * mistake (one line on stderr, nothing written), 1 for an internal failure.
 */
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { isUserError, terminalSafe, UserError } from '../errors.js';
import { existsSync } from 'node:fs';
import { parseScenario } from '../scenario/load.js';
import { scenarioWithSettings } from '../sweep/params.js';
import { checkPathsInProcess } from '../mc/runner.js';
import { runScenarioLean, runScenarioRecords, type Results } from '../api/run.js';
import { RUN_OUTPUTS, writeLeanRunOutputs, writeRunOutputs } from '../report/write.js';
import { checkOutputFolder } from '../io/files.js';
import { runSummary, summaryMarkdown } from '../report/verdict.js';
import { emitSummary } from './emit.js';
import { VERSION } from '../version.js';
import { createProgress } from './progress.js';
import { precisionStageLine, withPrecisionTarget } from './precision.js';
import { allowAnyPathOption, defaultOutDir, intArg, noFiguresOption, numberArg, seedOption, workersOption, summaryJsonOption } from './args.js';
import { loadForCommand } from './load.js';
import { registerReport } from './commands/report.js';
import { registerSweep } from './commands/sweep.js';
import { registerCalibrate } from './commands/calibrate.js';
import { registerRecommend } from './commands/recommend.js';
import { registerCompare } from './commands/compare.js';
import { registerFit } from './commands/fit.js';
import { registerValidate } from './commands/validate.js';
import { registerSensitivity } from './commands/sensitivity.js';
import { registerList } from './commands/list.js';
import { registerMerge, runShardCommand, type RunFlags } from './commands/shard.js';
import { registerWorker, runFleetCommand } from './commands/fleet.js';

/** True when `dir` holds an earlier run's output (its results.json or its page). */
function holdsRun(dir: string): boolean {
  return existsSync(path.join(dir, 'results.json')) || existsSync(path.join(dir, 'index.html'));
}

/**
 * The folder a run writes: `--out` as given (refused when it holds an earlier run, unless --force);
 * by default reports/<name>, or the first free reports/<name>-2, -3, … when that holds an earlier run
 * (--force replaces reports/<name> instead). A run never silently overwrites another.
 */
function runOutDir(name: string, out: string | undefined, force: boolean | undefined): { out: string; note: string | null } {
  if (out !== undefined) {
    // what else is in the way (a file, another program's folder) is refused first, by checkOutputFolder
    checkOutputFolder(out, RUN_OUTPUTS);
    if (!force && holdsRun(out)) throw new UserError(`--out ${out}: holds an earlier run — pass --force to replace it, or choose another --out (marginlab list shows saved runs)`);
    return { out, note: null };
  }
  const base = defaultOutDir(name);
  if (force || !holdsRun(base)) return { out: base, note: null };
  for (let k = 2; k < 10_000; k++) {
    const cand = defaultOutDir(`${name}-${k}`);
    if (!existsSync(cand)) return { out: cand, note: `${base} holds an earlier run; writing ${cand} (--force replaces ${base})` };
  }
  throw new UserError(`${base}: 10,000 earlier runs of this name — pass --out or --force`);
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('marginlab')
    .description('Agent-based Monte Carlo simulator of liquidation cascades and bad debt under margin policies')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(terminalSafe(s, { keepNewlines: true })) });

  program
    .command('run')
    .description('run a scenario and write results.json and index.html')
    .argument('<scenario>', 'scenario file (.yaml or .json)')
    .option('--out <dir>', 'output folder (default: reports/<scenario name>, or reports/<name>-2, -3, … when that holds an earlier run)')
    .option('--force', 'replace an earlier run in the output folder instead of refusing (--out) or numbering a new folder')
    .option('--paths <n>', 'number of Monte Carlo paths (overrides the scenario)', intArg('--paths', 1, 10_000_000))
    .addOption(seedOption())
    .addOption(workersOption())
    .addOption(summaryJsonOption())
    .addOption(noFiguresOption())
    .addOption(allowAnyPathOption())
    .option('--shard <i/N>', 'run only shard i of N (path indices [⌊iP/N⌋, ⌊(i+1)P/N⌋)) and write a shard folder for `marginlab merge`')
    .option('--redis <url>', 'run the paths on a fleet of `marginlab worker --redis <url>` processes (BullMQ on Redis)')
    .option('--job-paths <n>', 'with --redis: paths per job (default ⌈paths/64⌉)', intArg('--job-paths', 1, 10_000_000))
    .option('--no-inline-paths', 'leave the per-path columns out of results.json (paths.parquet and paths.csv hold them) and write no index.html: for runs of up to 2,000,000 paths in one process')
    .option('--series-parquet', 'also write series.parquet: one row per sampled path × series point (paths below output.seriesSamplePaths) with the key series')
    .option('--set <path=value>', 'set any scenario field for this run, e.g. --set policy.maintenance.mmr=0.02 (repeatable; the value is read as YAML)', (v: string, acc: string[] = []) => [...acc, v])
    .option(
      '--precision <h>',
      'add paths until every headline figure is known to ±h of itself (95% CI, relative half-width, e.g. 0.1) and none is thin, or a budget ends (sampling.precision: maxPaths, maxSeconds); --paths is the first batch',
      numberArg('--precision', (x) => x > 0 && x <= 1, 'expected a relative half-width above 0 and at most 1, e.g. 0.1 for ±10%'),
    )
    .action(async (file: string, opts: RunFlags) => {
      // --precision first, so --set can give its budgets (sampling.precision.maxPaths, maxSeconds)
      const base = loadForCommand(file, opts);
      const withPrecision = scenarioWithSettings(opts.precision === undefined ? base : withPrecisionTarget(base, opts.precision), opts.set ?? [], file);
      const scenario = parseScenario(
        { ...withPrecision, ...(opts.paths !== undefined ? { paths: opts.paths } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
        file,
      );
      if (opts.shard !== undefined && opts.redis !== undefined) throw new UserError('--shard and --redis: pass one — a shard runs here, --redis runs every path on the fleet');
      if (scenario.sampling.precision && (opts.shard !== undefined || opts.redis !== undefined)) {
        throw new UserError(`${opts.shard !== undefined ? '--shard' : '--redis'}: not with a precision target (--precision or sampling.precision) — a run to a precision decides its path count as it goes; run it here, or give --paths to ${opts.shard !== undefined ? 'shard' : 'the fleet'}`);
      }
      if (opts.seriesParquet && (opts.shard !== undefined || opts.redis !== undefined)) {
        throw new UserError(`--series-parquet: not with ${opts.shard !== undefined ? '--shard' : '--redis'} — only a run on this machine keeps every sampled path's series; run without it`);
      }
      if (opts.shard !== undefined) return runShardCommand(scenario, opts);
      const { out, note } = runOutDir(scenario.name, opts.out, opts.force);
      // before simulating: a file where the folder should be, a read-only disk, another program's folder
      checkOutputFolder(out, RUN_OUTPUTS);
      if (opts.redis !== undefined) {
        // the coordinator holds every path's record and writes them inline in results.json
        checkPathsInProcess(scenario.paths);
        return runFleetCommand(scenario, out, note, { redis: opts.redis, jobPaths: opts.jobPaths, json: opts.json, figures: opts.figures, force: opts.force });
      }
      if (opts.inlinePaths === false) {
        const progress = createProgress(scenario.paths);
        let lean;
        try {
          lean = await runScenarioLean(scenario, { workers: opts.workers, onProgress: progress.update });
        } finally {
          progress.stop();
        }
        const summary = runSummary({ ...lean.results, paths: {} } as Results, out);
        const written = writeLeanRunOutputs(out, lean.results, lean.table, summaryMarkdown(summary), opts.seriesParquet ? lean.series : undefined);
        emitSummary(summary, opts.json, `${note ? `${note}\n` : ''}per-path columns only in paths.parquet and paths.csv, no index.html (--no-inline-paths)\nwrote ${written.join(', ')}`);
        return;
      }
      const target = scenario.sampling.precision;
      let total = scenario.paths;
      let progress = createProgress(total);
      let run;
      try {
        run = await runScenarioRecords(scenario, {
          workers: opts.workers,
          onProgress: (d, t) => {
            // a run to a precision grows its count batch by batch: one bar per batch
            if (t !== total) {
              progress.stop();
              total = t;
              progress = createProgress(t);
            }
            progress.update(d, t);
          },
          onPrecisionStage: target
            ? (stage, check) => {
                progress.stop();
                process.stderr.write(`${terminalSafe(precisionStageLine(stage, check, target.relativeHalfWidth))}\n`);
              }
            : undefined,
        });
      } finally {
        progress.stop();
      }
      const { results, table, series } = run;
      const written = await writeRunOutputs(out, results, { figures: opts.figures !== false, table, ...(opts.seriesParquet ? { series } : {}) });
      emitSummary(runSummary(results, out), opts.json, `${note ? `${note}\n` : ''}wrote ${written.join(', ')}`);
    });
  registerMerge(program);
  registerWorker(program);
  registerSweep(program);
  registerCalibrate(program);
  registerRecommend(program);
  registerCompare(program);
  registerSensitivity(program);
  registerReport(program);
  registerList(program);
  registerFit(program);
  registerValidate(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    process.stderr.write(`marginlab: no command given\n${program.helpInformation()}`);
    return 2;
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      // commander already printed its one-line message
      return 2;
    }
    if (isUserError(e)) {
      process.stderr.write(`marginlab: ${(e as UserError).message}\n`);
      return 2;
    }
    process.stderr.write(`marginlab: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]));
if (invokedDirectly || process.argv[1]?.endsWith('marginlab')) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
