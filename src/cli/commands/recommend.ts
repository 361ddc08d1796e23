/**
 * `marginlab recommend <venue scenario> [--also <scenario> …]`: every market's rules and the insurance
 * fund, searched together for the most capital-efficient set that meets the scenario's `recommend:`
 * targets on every scenario named, with a stated overall confidence. Writes recommendation.json,
 * index.html, summary.md (the governance post), points.parquet and points.csv into --out.
 */
import { UserError } from '../../errors.js';
import type { Command } from 'commander';
import { parseScenario } from '../../scenario/load.js';
import { checkOutputFolder } from '../../io/files.js';
import { loadForCommand } from '../load.js';
import { runRecommendation } from '../../sweep/recommend.js';
import { recommendationPage, recommendationSummary, recommendPointExports } from '../../report/recommend-report.js';
import { fmtDuration } from '../../report/format.js';
import { emitSummary } from '../emit.js';
import { fleetOptions, studyRemote } from './fleet.js';
import { studyOutputs, studyProgress, writeStudy, wroteLine } from './study-common.js';
import { allowAnyPathOption, defaultOutDir, intArg, numberArg, noFiguresOption, seedOption, workersOption, summaryJsonOption } from '../args.js';

interface RecommendFlags {
  also?: string[];
  confidence?: number;
  paths?: number;
  maxPaths?: number;
  budget?: number;
  out?: string;
  seed?: number;
  workers?: number;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  redis?: string;
  jobPaths?: number;
  shard?: string;
}

export function registerRecommend(program: Command): void {
  program
    .command('recommend')
    .description("search every market's rules and the insurance fund together for the most capital-efficient set that meets the recommend: targets on every scenario")
    .argument('<scenario>', 'venue scenario file with a recommend: block (markets, their targets and levers; the venue target and fund)')
    .option('--also <scenario>', 'a further scenario the recommendation must hold on (same markets); repeat for several', (v: string, prev: string[] = []) => [...prev, v])
    .option('--confidence <c>', 'overall one-sided confidence (default: the block\'s, else 0.95)', numberArg('--confidence', (x) => x > 0.5 && x < 1, 'a probability between 0.5 and 1, e.g. 0.95'))
    .option('--paths <n>', "paths at each newly evaluated point of each scenario (default: the block's initialPaths, else the scenario's paths)", intArg('--paths', 10, 10_000_000))
    .option('--max-paths <n>', 'most paths at one point while a decision is unclear (default 8 × --paths)', intArg('--max-paths', 10, 100_000_000))
    .option('--budget <n>', 'total path budget over every scenario (default 400 × --paths)', intArg('--budget', 10, 1_000_000_000))
    .option('--out <dir>', 'output folder (default: reports/<scenario name>-recommend)')
    .addOption(seedOption())
    .addOption(workersOption())
    .addOption(noFiguresOption())
    .addOption(summaryJsonOption())
    .addOption(allowAnyPathOption())
    .option('--shard <i/N>', 'not supported (see the message)')
    .addOption(fleetOptions()[0])
    .addOption(fleetOptions()[1])
    .action(async (file: string, opts: RecommendFlags) => {
      if (opts.shard !== undefined) {
        throw new UserError('recommend --shard: not supported — the search is adaptive (each joint point and how many paths it gets depend on the last), so its paths cannot be split in advance; run it on one machine, or with --redis, where a worker fleet runs the paths of each point');
      }
      const loaded = loadForCommand(file, opts);
      const scenario = opts.seed !== undefined ? parseScenario({ ...loaded, seed: opts.seed }, file) : loaded;
      if (!scenario.recommend) throw new UserError(`${file}: no recommend: block — add one with markets.target and markets.levers (docs/recommend.md)`);
      const also = (opts.also ?? []).map((f) => ({ source: f, scenario: loadForCommand(f, opts) }));
      const out = opts.out ?? defaultOutDir(scenario.name, '-recommend');
      checkOutputFolder(out, [...studyOutputs('recommendation.json'), 'points.parquet', 'points.csv']);
      const remote = await studyRemote(opts);
      const bar = studyProgress();
      let r;
      try {
        r = await runRecommendation(scenario, {
          source: file,
          also,
          allowAnyPath: opts.allowAnyPath,
          remote,
          confidence: opts.confidence,
          initialPaths: opts.paths,
          maxPathsPerPoint: opts.maxPaths,
          pathBudget: opts.budget,
          workers: opts.workers,
          onProgress: bar.update,
        });
      } finally {
        bar.stop();
      }
      const summary = recommendationSummary(r, out);
      const written = await writeStudy(out, 'recommendation.json', r, async () => recommendationPage(r), summary, opts.figures !== false, recommendPointExports(r));
      emitSummary(summary, opts.json, `${r.evaluated.length} joint points × ${r.scenarios.length} scenarios, ${r.pathsSpent} paths in ${fmtDuration(r.run.elapsedMs)}\n${wroteLine(written)}`);
    });
}
