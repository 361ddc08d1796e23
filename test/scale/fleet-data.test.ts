/**
 * Data files on a fleet (issue 25 item 8): a job carries each data file by its SHA-256, the coordinator leaves the
 * bytes in Redis, and a worker runs on the coordinator's bytes — its own file when it matches, else the copy from
 * Redis — or refuses with one line naming the file. A fleet run of a scenario reading `data/btc.csv` equals the local
 * run (before, a worker process computed another scenario hash for any data file in a subfolder and every job
 * failed). Skipped, saying why, when redis-server is not installed — except under CI (.ci/run installs it).
 */
import { expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeFleet, started, startRedis } from '../helpers/redis.js';
import { withoutTiming } from '../helpers/files.js';
import { Redis } from 'ioredis';
import { cli } from '../helpers/cli.js';
import { dataFileKey, FLEET_JOB_TTL_SECONDS, scenarioOnThisWorker, storeDataFiles, type RangeJob } from '../../src/api/fleet.js';
import { resolveForRun, scenarioHash } from '../../src/api/shard.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { dataFilesOf } from '../../src/scenario/data-files.js';
import { VERSION } from '../../src/version.js';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');

const SCENARIO = `name: fleet-data
seed: 5
paths: 8
horizonSteps: 60
market:
  priceModel: { kind: csv, file: data/btc.csv, mode: block-bootstrap, blockSteps: 30, blocks: fixed, demean: true }
  impact: { kind: linear, depthUsdPerPercent: 2000000, halfLifeSteps: 10 }
traders:
  count: 120
  collateralUsd: { kind: pareto, minUsd: 200, alpha: 1.5, maxUsd: 200000 }
policy:
  maxLeverage: 20
  insuranceFund: { initialUsd: 5000 }
`;




describeFleet('data files on a fleet', () => {

  it("a worker runs on the coordinator's bytes (its own file or Redis's copy) or refuses naming the file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fleet-data-'));
    mkdirSync(path.join(dir, 'data'));
    copyFileSync(path.join(ROOT, 'scenarios/data/synthetic-btc-1m.csv'), path.join(dir, 'data/btc.csv'));
    const file = path.join(dir, 's.yaml');
    writeFileSync(file, SCENARIO);
    const { url, process: redis } = await startRedis();
    const conn = new Redis(url, { maxRetriesPerRequest: null });
    try {
      // end to end: a worker process on the same files gives the local results
      const local = await cli('run', file, '--out', path.join(dir, 'local'), '--workers', '0', '--no-figures');
      expect(local.status, local.stderr).toBe(0);
      const worker = spawn(process.execPath, [CLI, 'worker', '--redis', url, '--workers', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: path.join(dir, 'wtmp') } });
      started.push(worker);
      const run = spawnSync(process.execPath, [CLI, 'run', file, '--redis', url, '--job-paths', '3', '--out', path.join(dir, 'fleet'), '--no-figures'], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(withoutTiming(path.join(dir, 'fleet', 'results.json'))).toBe(withoutTiming(path.join(dir, 'local', 'results.json')));
      worker.kill('SIGTERM');

      // the coordinator left the file's bytes in Redis, expiring with the jobs
      const resolved = resolveForRun(loadScenarioFile(file));
      const hash = scenarioHash(resolved);
      const files = dataFilesOf(resolved);
      expect(files.map((f) => f.shown)).toEqual(['data/btc.csv']);
      const key = dataFileKey(files[0].sha256);
      expect((await conn.getBuffer(key))!.equals(readFileSync(path.join(dir, 'data/btc.csv')))).toBe(true);
      const ttl = await conn.ttl(key);
      expect(ttl).toBeGreaterThan(FLEET_JOB_TTL_SECONDS - 60);

      // a worker on another machine: the coordinator's path does not exist there
      const elsewhere = path.join(dir, 'not-on-this-machine', 'data', 'btc.csv');
      const moved = structuredClone(resolved);
      (moved.market.priceModel as { file: string }).file = elsewhere;
      const job: RangeJob = { marginlabVersion: VERSION, scenarioHash: hash, scenario: moved, range: { index: 0, count: 1, start: 0, end: 2 }, files: [{ ...files[0], path: elsewhere }] };
      const refuse = (msg: string) => new Error(msg);
      const there = await scenarioOnThisWorker(job, conn, path.join(dir, 'cache'), refuse);
      const copy = (there.market.priceModel as { file: string }).file;
      expect(copy).toBe(path.join(dir, 'cache', files[0].sha256, 'btc.csv'));
      expect(readFileSync(copy).equals(readFileSync(path.join(dir, 'data/btc.csv')))).toBe(true);
      expect(scenarioHash(there)).toBe(hash);

      // a worker whose file at that path has other bytes uses Redis's copy, not its own
      mkdirSync(path.dirname(elsewhere), { recursive: true });
      writeFileSync(elsewhere, readFileSync(path.join(dir, 'data/btc.csv'), 'utf8').replace('60000.00', '60001.00'));
      const other = await scenarioOnThisWorker(job, conn, path.join(dir, 'cache'), refuse);
      expect((other.market.priceModel as { file: string }).file).toBe(copy);

      // neither its own bytes nor a copy in Redis: one line naming the file
      await conn.del(key);
      await expect(scenarioOnThisWorker(job, conn, path.join(dir, 'cache-2'), refuse)).rejects.toThrow(/^data file data\/btc\.csv \(sha256 [0-9a-f]{12}…\) is not on this worker with the coordinator's bytes and Redis no longer holds a copy/);
      // the coordinator puts it back on the next run
      await storeDataFiles(conn, files);
      expect(await conn.exists(key)).toBe(1);
    } finally {
      conn.disconnect();
      redis.kill('SIGTERM');
    }
  }, 60_000);
});
