/**
 * The worker fleet (src/api/fleet.ts): `marginlab worker --redis URL` takes path-range jobs until
 * stopped (SIGTERM or SIGINT finish the job in hand, then exit); `marginlab run <scenario> --redis URL`
 * enqueues a scenario's ranges, shows fleet progress and writes what a local run writes.
 */
import type { Command } from 'commander';
import type { Scenario } from '../../scenario/schema.js';
import { checkRedis, FLEET_JOB_TTL_SECONDS, fleetRunner, runOnFleet, shownRedisUrl, startFleetWorker } from '../../api/fleet.js';
import type { RemoteRunner } from '../../sweep/evaluate.js';
import type { Results } from '../../api/run.js';
import { Option } from 'commander';
import { resolveForRun } from '../../api/shard.js';
import { portableScenario } from '../../scenario/data-files.js';
import { writeRunOutputs } from '../../report/write.js';
import { runSummary } from '../../report/verdict.js';
import { emitSummary } from '../emit.js';
import { createProgress } from '../progress.js';
import { intArg, workersOption } from '../args.js';
import { fmtInt } from '../../report/format.js';
import { defaultWorkers } from '../../mc/runner.js';

/** `run --redis URL`: the scenario's paths on the fleet; writes `out` as a local run does. */
export async function runFleetCommand(scenario: Scenario, out: string, note: string | null, opts: { redis: string; jobPaths?: number; json?: boolean; figures?: boolean; force?: boolean }): Promise<void> {
  const resolved = resolveForRun(scenario);
  const progress = createProgress(resolved.paths);
  let workersSeen = 0;
  let reuse = '';
  let run;
  try {
    run = await runOnFleet(opts.redis, resolved, portableScenario(resolved), {
      jobPaths: opts.jobPaths,
      // what --force means on a fleet: the folder is replaced, the finished jobs of the same work in Redis are reused
      onReused: (n, jobs) => {
        if (n > 0 || opts.force) {
          reuse = `${opts.force ? '--force replaced the output folder; ' : ''}${n} of ${jobs} job${jobs === 1 ? '' : 's'} ${n === 1 ? 'was' : 'were'} already finished in Redis for this same work and ${
            n === 1 ? 'was' : 'were'
          } reused, not recomputed (finished jobs are kept ${FLEET_JOB_TTL_SECONDS / 86400} days; they give the same records)`;
        }
      },
      onProgress: (done, _total, workers) => {
        workersSeen = Math.max(workersSeen, workers);
        progress.update(done, resolved.paths);
      },
    });
  } finally {
    progress.stop();
  }
  const written = await writeRunOutputs(out, run.results, { figures: opts.figures !== false, table: run.table });
  emitSummary(
    runSummary(run.results, out),
    opts.json,
    `${note ? `${note}\n` : ''}${reuse ? `${reuse}\n` : ''}fleet on ${shownRedisUrl(opts.redis)}: ${fmtInt(resolved.paths)} paths from up to ${workersSeen} worker${workersSeen === 1 ? '' : 's'}\nwrote ${written.join(', ')}`,
  );
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('join a fleet: take path-range jobs from the BullMQ queue on Redis until stopped (SIGTERM/SIGINT)')
    .requiredOption('--redis <url>', 'Redis URL, e.g. redis://127.0.0.1:6379')
    .addOption(workersOption())
    .option('--concurrency <n>', 'jobs run at once by this process', intArg('--concurrency', 1, 64), 1)
    .option('--lock-ms <ms>', 'job lock duration: a job of a worker that died is retried after about this long', intArg('--lock-ms', 1000, 3_600_000), 30_000)
    .action(async (opts: { redis: string; workers?: number; concurrency: number; lockMs: number }) => {
      const threads = Math.max(1, opts.workers ?? defaultWorkers());
      const w = await startFleetWorker(opts.redis, {
        threads,
        concurrency: opts.concurrency,
        lockMs: opts.lockMs,
        onJob: (id, r, ms) => process.stderr.write(`marginlab worker: job ${id} (paths [${r.start}, ${r.end})) done in ${Math.round(ms)} ms\n`),
      });
      process.stderr.write(`marginlab worker: taking jobs from ${shownRedisUrl(opts.redis)} with ${threads} thread${threads === 1 ? '' : 's'}\n`);
      const stop = () => void w.close();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await w.closed;
    });
}

/** `--redis` and `--job-paths` for the study commands. */
export function fleetOptions(): Option[] {
  return [
    new Option('--redis <url>', 'run the paths on a fleet of `marginlab worker --redis <url>` processes (BullMQ on Redis)'),
    new Option('--job-paths <n>', 'with --redis: paths per job (default ⌈paths/64⌉)').argParser(intArg('--job-paths', 1, 10_000_000)),
  ];
}

/** A study's runner of path ranges on the fleet (`--redis`), or undefined to run here; checks the Redis first. */
export async function studyRemote(opts: { redis?: string; jobPaths?: number }): Promise<RemoteRunner | undefined> {
  if (opts.redis === undefined) return undefined;
  await checkRedis(opts.redis);
  return fleetRunner(opts.redis, { jobPaths: opts.jobPaths });
}

/** A comparison's runner of one variant on the fleet (`--redis`), or undefined to run here; checks the Redis first. */
export async function compareRemote(opts: { redis?: string; jobPaths?: number }): Promise<((scenario: Scenario, onProgress: (done: number) => void) => Promise<Results>) | undefined> {
  if (opts.redis === undefined) return undefined;
  const url = opts.redis;
  await checkRedis(url);
  return async (scenario, onProgress) => {
    const resolved = resolveForRun(scenario);
    return (await runOnFleet(url, resolved, portableScenario(resolved), { jobPaths: opts.jobPaths, drilldown: false, onProgress: (done) => onProgress(done) })).results;
  };
}
