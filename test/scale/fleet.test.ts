/**
 * The worker fleet on BullMQ + Redis gives the local run's results: a redis-server on 127.0.0.1 on a
 * free port (started and stopped here; traffic stays on loopback), three `marginlab worker` processes,
 * one SIGKILLed mid-run — its job is retried by the others after its lock expires — and results.json
 * equals the local run's apart from `run`. A missing Redis exits 2 with one line. Skipped, saying
 * why, when redis-server is not installed — except under CI, where it must run (.ci/run installs it).
 */
import { expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeFleet, started, startRedis } from '../helpers/redis.js';
import { withoutTiming } from '../helpers/files.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { FLEET_JOB_TTL_SECONDS, jobId, planRanges, QUEUE_NAME } from '../../src/api/fleet.js';
import { resolveForRun, scenarioHash } from '../../src/api/shard.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');




describeFleet('worker fleet (BullMQ on Redis)', () => {

  it('three workers, one SIGKILLed mid-run, give the local run’s results.json (a sweep the local sweep.json); a job that keeps failing ends the run naming it; a missing Redis exits 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fleet-'));
    const { url, process: redis } = await startRedis();
    const local = await cli('run', SCENARIO, '--out', path.join(dir, 'local'), '--workers', '0', '--no-figures');
    expect(local.status, local.stderr).toBe(0);

    const logs: string[] = ['', '', ''];
    const workers = [0, 1, 2].map((i) => {
      const w = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--workers', '1', '--lock-ms', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
      w.stderr!.on('data', (d) => (logs[i] += String(d)));
      started.push(w);
      return w;
    });
    // SIGKILL worker 0 right after its first job: it has already taken its next one
    let killed = false;
    workers[0].stderr!.on('data', () => {
      if (!killed && /done in/.test(logs[0])) {
        killed = true;
        workers[0].kill('SIGKILL');
      }
    });
    const coordinator = spawn(process.execPath, [CLI, 'run', SCENARIO, '--redis', url, '--job-paths', '3', '--out', path.join(dir, 'fleet'), '--no-figures'], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.push(coordinator);
    let err = '';
    coordinator.stderr!.on('data', (d) => (err += String(d)));
    const code = await new Promise<number | null>((res) => coordinator.on('exit', (c) => res(c)));
    expect(code, err).toBe(0);
    expect(killed, 'worker 0 was killed mid-run').toBe(true);
    expect(withoutTiming(path.join(dir, 'fleet', 'results.json'))).toBe(withoutTiming(path.join(dir, 'local', 'results.json')));
    expect(readFileSync(path.join(dir, 'fleet', 'paths.parquet')).equals(readFileSync(path.join(dir, 'local', 'paths.parquet')))).toBe(true);
    // the surviving workers did the work, and one job was taken back from the killed worker
    expect(/done in/.test(logs[1]) && /done in/.test(logs[2])).toBe(true);
    {
      const conn = new Redis(url, { maxRetriesPerRequest: null });
      const queue = new Queue(QUEUE_NAME, { connection: conn });
      const jobs = await queue.getJobs(['completed']);
      expect(jobs.length).toBe(8);
      // finished jobs expire (issue 25 item 8): kept a week for reruns, then removed as newer jobs finish
      for (const j of jobs) expect(j.opts.removeOnComplete).toEqual({ age: FLEET_JOB_TTL_SECONDS });
      expect(jobs.some((j) => j.stalledCounter > 0 || j.attemptsStarted > 1), 'a job stalled with the killed worker and was run again').toBe(true);
      await queue.close();
      conn.disconnect();
    }
    // the same run again with --force: the folder is replaced and the run says the 8 finished jobs were reused
    const rerun = spawnSync(process.execPath, [CLI, 'run', SCENARIO, '--redis', url, '--job-paths', '3', '--out', path.join(dir, 'fleet'), '--no-figures', '--force'], { encoding: 'utf8' });
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/--force replaced the output folder; 8 of 8 jobs were already finished in Redis for this same work and were reused, not recomputed/);
    expect(withoutTiming(path.join(dir, 'fleet', 'results.json'))).toBe(withoutTiming(path.join(dir, 'local', 'results.json')));
    // a sweep on the fleet (each point's paths as jobs) equals the local sweep
    const P = ['--param', 'policy.maintenance.mmr=0.02,0.03', '--no-figures'];
    expect((await cli('sweep', SCENARIO, ...P, '--workers', '1', '--out', path.join(dir, 'sweep-local'))).status).toBe(0);
    const sweep = spawnSync(process.execPath, [CLI, 'sweep', SCENARIO, ...P, '--redis', url, '--job-paths', '8', '--out', path.join(dir, 'sweep-fleet')], { encoding: 'utf8' });
    expect(sweep.status, sweep.stderr).toBe(0);
    const strip = (f: string) => {
      const x = JSON.parse(readFileSync(f, 'utf8'));
      delete x.run;
      for (const p of x.points) delete p.run;
      return JSON.stringify(x);
    };
    expect(strip(path.join(dir, 'sweep-fleet', 'sweep.json'))).toBe(strip(path.join(dir, 'sweep-local', 'sweep.json')));
    // a job that keeps failing ends the run with one line naming it: a job poisoned with another
    // version's data under the id the coordinator will use for its first range (duplicates are not
    // re-added), delayed so that it fails while the coordinator waits on it
    const other = path.join(dir, 'other.yaml');
    writeFileSync(other, readFileSync(SCENARIO, 'utf8').replace('seed: 21', 'seed: 22'));
    const resolved = resolveForRun(loadScenarioFile(other));
    const first = planRanges(0, resolved.paths, 12)[0];
    const id = jobId(scenarioHash(resolved), first);
    const conn = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection: conn });
    await queue.add('range', { marginlabVersion: '0.0.0-other', scenarioHash: 'x', scenario: resolved, range: first }, { jobId: id, delay: 2000 });
    await queue.close();
    conn.disconnect();
    const failing = await cli('run', other, '--redis', url, '--job-paths', '12', '--out', path.join(dir, 'failing'));
    expect(isOneLineUserError(failing, new RegExp(`fleet: job ${id} \\(paths \\[0, ${first.end}\\)`), /failed 1 time/, /made by 0\.0\.0-other/), failing.stderr).toBe(true);
    expect(existsSync(path.join(dir, 'failing'))).toBe(false);
    for (const w of workers.slice(1)) w.kill('SIGTERM');
    redis.kill('SIGTERM');
    await new Promise((r) => redis.on('exit', r));

    const missing = await cli('run', SCENARIO, '--redis', url, '--out', path.join(dir, 'none'));
    expect(isOneLineUserError(missing, /--redis redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis/), missing.stderr).toBe(true);
    expect(existsSync(path.join(dir, 'none'))).toBe(false);
    const badUrl = await cli('worker', '--redis', 'http://example');
    expect(isOneLineUserError(badUrl, /--redis: "http:\/\/example" is not allowed/), badUrl.stderr).toBe(true);
  }, 60_000);
});
