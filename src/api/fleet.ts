/**
 * A fleet of workers on BullMQ (a job queue on Redis). The coordinator (`run … --redis URL`) splits a
 * resolved scenario's paths into ranges and enqueues one job per range, its id the scenario hash and
 * the range (`<hash>-<start>-<end>`), so enqueuing twice, or a job completing twice, counts once. Any
 * number of `marginlab worker --redis URL` processes, on any machines, take jobs, run the range
 * (src/api/shard.ts `runRange`, on a piscina pool) and return its shard; the coordinator collects
 * shards as they complete and builds the results exactly as `merge` does — the same results.json as a
 * local run, apart from `run`.
 *
 * Loss: a worker that dies mid-job stops renewing its lock; after `lockMs` another worker's stalled-job
 * check puts the job back in the queue. A job that throws is retried (`attempts`); one that keeps
 * failing ends the run with a message naming its range and the last error.
 *
 * bullmq and ioredis are loaded when a fleet is used (`queueLibrary`, from the entry points
 * `checkRedis`, `runOnFleet`, `fleetRunner`'s runner and `startFleetWorker`), not when this module or
 * the library is: a user who never runs a fleet never loads them.
 */
import type { Queue as BullQueue } from 'bullmq';
import type { Redis as RedisClient } from 'ioredis';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Scenario } from '../scenario/schema.js';
import { dataFilesOf, withDataFilesAt, type DataFileRef } from '../scenario/data-files.js';
import { createWorkerPool } from '../mc/runner.js';
import { terminalSafe, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { decodeShard, encodeShard, mergedRuns, runRange, scenarioHash, type Shard, type ShardRange } from './shard.js';
import { resultsOf, type Results, type RunOptions } from './run.js';
import type { PathTable } from '../mc/table.js';

export const QUEUE_NAME = 'marginlab-paths';

export interface RangeJob {
  marginlabVersion: string;
  scenarioHash: string;
  scenario: Scenario;
  range: ShardRange;
  /** The data files the scenario reads, by content: a worker uses its own copy at `path` when the bytes match, else the copy the coordinator left in Redis (`dataFileKey`), else refuses. */
  files?: DataFileRef[];
}

/** What a job returns: the shard header and its records (paths.bin) in base64. */
export interface RangeResult {
  header: string;
  bin: string;
}

export interface FleetTuning {
  /** How long a worker's lock on a job lasts without renewal; a dead worker's job is retried after about this long. Default 30 s. */
  lockMs?: number;
  /** Times a job that throws is tried in all. Default 3. */
  attempts?: number;
}

/**
 * A Redis URL as messages show it: a password replaced by ***, at most 200 characters, control
 * characters escaped — a URL may carry credentials, and it is the user's text.
 */
export function shownRedisUrl(url: string): string {
  let shown = url;
  try {
    const u = new URL(url);
    if (u.password) {
      u.password = '***';
      shown = u.toString();
    }
  } catch {
    shown = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
  shown = shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

/** bullmq's classes and ioredis's client, loaded on first use (Node caches the modules after that). */
async function queueLibrary() {
  const [{ Queue, Worker, Job, UnrecoverableError }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
  return { Queue, Worker, Job, UnrecoverableError, Redis };
}

/** Checks the URL and that a Redis answers there. @throws UserError naming the flag, the URL and the reason */
export async function checkRedis(url: string): Promise<void> {
  if (!/^rediss?:\/\/[^\s]+$/.test(url)) throw new UserError(`--redis: ${JSON.stringify(shownRedisUrl(url))} is not allowed — expected a Redis URL such as redis://127.0.0.1:6379 (or rediss:// for TLS)`);
  const { Redis } = await queueLibrary();
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5000, retryStrategy: () => null, enableOfflineQueue: false });
  let last: Error | undefined;
  client.on('error', (e: Error) => (last = e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const why = (last ?? (e as Error)).message.split('\n')[0];
    throw new UserError(`--redis ${shownRedisUrl(url)}: cannot reach Redis (${why}) — start redis-server there or pass the URL of a running one`);
  } finally {
    client.disconnect();
  }
}

function connection(lib: { Redis: typeof RedisClient }, url: string): RedisClient {
  return new lib.Redis(url, { maxRetriesPerRequest: null });
}

/** Job id of a range: the scenario hash and the range, so the same work is one job. */
/**
 * How long a finished (or failed) job and its records stay in Redis: a week, so a rerun of the same work within it
 * reuses them, and a queue left alone does not grow without bound (BullMQ removes older finished jobs as new ones
 * finish). One sweep left about 52 MB behind when jobs were kept for ever.
 */
export const FLEET_JOB_TTL_SECONDS = 7 * 24 * 3600;

/** Redis key of a data file's bytes, by their SHA-256; kept as long as the jobs that name it. */
export function dataFileKey(sha256: string): string {
  return `marginlab:file:${sha256}`;
}

/** Leaves each data file's bytes in Redis for workers on other machines (once per content; the expiry refreshed). */
export async function storeDataFiles(conn: RedisClient, files: readonly DataFileRef[]): Promise<void> {
  for (const f of files) {
    const key = dataFileKey(f.sha256);
    if ((await conn.expire(key, FLEET_JOB_TTL_SECONDS)) === 1) continue;
    const bytes = readFileSync(f.path);
    if (sha256Of(bytes) !== f.sha256) throw new UserError(`${terminalSafe(f.shown)}: the data file changed while the run started — run the command again`);
    await conn.set(key, bytes, 'EX', FLEET_JOB_TTL_SECONDS);
  }
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a local file, or undefined when it cannot be read; remembered by size and modification time. */
const localSha = new Map<string, { key: string; sha: string }>();
function localSha256(file: string): string | undefined {
  try {
    const st = statSync(file);
    const key = `${st.size}/${st.mtimeMs}/${st.ino}`;
    const hit = localSha.get(file);
    if (hit?.key === key) return hit.sha;
    const sha = sha256Of(readFileSync(file));
    localSha.set(file, { key, sha });
    return sha;
  } catch {
    return undefined;
  }
}

/**
 * A job's scenario with its data files where this worker holds their bytes: its own file at the coordinator's path
 * when the bytes match, else the coordinator's copy from Redis written under `cacheDir/<sha256>/` (checked), else
 * a one-line refusal naming the file — a worker never runs on other bytes than the coordinator's.
 */
export async function scenarioOnThisWorker(job: RangeJob, conn: RedisClient, cacheDir: string, refuse: (msg: string) => Error): Promise<Scenario> {
  const files = job.files ?? [];
  if (files.length === 0) return job.scenario;
  const at = new Map<string, DataFileRef & { at: string }>();
  for (const f of files) {
    if (localSha256(f.path) === f.sha256) {
      at.set(f.path, { ...f, at: f.path });
      continue;
    }
    const copy = path.join(cacheDir, f.sha256, path.basename(f.path));
    if (!existsSync(copy)) {
      const bytes = await conn.getBuffer(dataFileKey(f.sha256));
      if (!bytes || sha256Of(bytes) !== f.sha256) {
        throw refuse(`data file ${terminalSafe(f.shown)} (sha256 ${f.sha256.slice(0, 12)}…) is not on this worker with the coordinator's bytes and Redis no longer holds a copy — give the worker the same file, or run the command again`);
      }
      mkdirSync(path.dirname(copy), { recursive: true });
      const part = `${copy}.${process.pid}.part`;
      writeFileSync(part, bytes);
      renameSync(part, copy);
    }
    at.set(f.path, { ...f, at: copy });
  }
  return withDataFilesAt(job.scenario, at);
}

export function jobId(hash: string, r: { start: number; end: number }): string {
  return `${hash}-${r.start}-${r.end}`;
}

/** Ranges of about `jobPaths` paths covering [start, end), in order. */
export function planRanges(start: number, end: number, jobPaths: number): ShardRange[] {
  const P = end - start;
  const count = Math.max(1, Math.ceil(P / jobPaths));
  return Array.from({ length: count }, (_, i) => ({ index: i, count, start: start + Math.floor((i * P) / count), end: start + Math.floor(((i + 1) * P) / count) }));
}

export interface FleetRunOptions extends FleetTuning {
  /** Paths per job (default: ⌈P/64⌉, at least 1). */
  jobPaths?: number;
  /** Called as jobs complete: paths done, total, workers seen. */
  onProgress?: (done: number, total: number, workers: number) => void;
  /** Give up when no job completes for this long (ms). Default: none. */
  idleTimeoutMs?: number;
  /** Called once the jobs are queued: how many of them were already finished in Redis (the same work, reused, not recomputed). */
  onReused?: (finishedJobs: number, jobs: number) => void;
}

/** Runs a resolved scenario on the fleet and returns the merged records, as `merge` builds them. */
export async function runOnFleet(
  url: string,
  scenario: Scenario,
  shown: Scenario,
  opts: FleetRunOptions & Pick<RunOptions, 'drilldown'> = {},
): Promise<{ results: Results; table: PathTable }> {
  const shards = await fleetShards(url, scenario, { start: 0, end: scenario.paths }, opts);
  const runs = mergedRuns(shards);
  return { results: resultsOf(scenario, shown, runs, { drilldown: opts.drilldown }), table: runs.table };
}

/**
 * A runner of path ranges on the fleet, for studies (src/sweep/evaluate.ts `RemoteRunner`): the
 * range [start, end) of a resolved scenario as per-path records (a column table) in path order.
 */
export function fleetRunner(url: string, opts: FleetRunOptions = {}) {
  return async (scenario: Scenario, range: { start: number; end: number }, onProgress?: (done: number) => void) => {
    const shards = await fleetShards(url, scenario, range, { ...opts, onProgress: (done) => onProgress?.(done) });
    const t = shards.length === 1 ? shards[0].table : mergedRuns(shards).table;
    return { table: t, workers: shards.reduce((m, s) => m + s.header.workers, 0) };
  };
}

/** Runs [range.start, range.end) of a resolved scenario as fleet jobs; returns their shards in path order. */
async function fleetShards(url: string, scenario: Scenario, range: { start: number; end: number }, opts: FleetRunOptions = {}): Promise<Shard[]> {
  await checkRedis(url);
  const lib = await queueLibrary();
  const { Job } = lib;
  const hash = scenarioHash(scenario);
  const files = dataFilesOf(scenario);
  const total = range.end - range.start;
  const ranges = planRanges(range.start, range.end, opts.jobPaths ?? Math.max(1, Math.ceil(total / 64)));
  const conn = connection(lib, url);
  conn.on('error', () => {});
  const queue: BullQueue<RangeJob, RangeResult> = new lib.Queue<RangeJob, RangeResult>(QUEUE_NAME, { connection: conn });
  queue.on('error', () => {});
  const attempts = opts.attempts ?? 3;
  const got = new Map<string, Shard>();
  let done = 0;
  try {
    let reused = 0;
    for (const r of ranges) {
      const id = jobId(hash, r);
      const old = await Job.fromId<RangeJob, RangeResult>(queue, id);
      // a finished job of the same work is reused; a failed one is tried again
      const state = old ? await old.getState() : null;
      if (old && state === 'failed') await old.remove();
      if (state === 'completed') reused++;
    }
    await storeDataFiles(conn, files);
    opts.onReused?.(reused, ranges.length);
    await queue.addBulk(
      ranges.map((r) => ({
        name: 'range',
        data: { marginlabVersion: VERSION, scenarioHash: hash, scenario, range: r, files },
        opts: { jobId: jobId(hash, r), attempts, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: { age: FLEET_JOB_TTL_SECONDS }, removeOnFail: { age: FLEET_JOB_TTL_SECONDS } },
      })),
    );
    let lastProgress = Date.now();
    while (got.size < ranges.length) {
      for (const r of ranges) {
        const id = jobId(hash, r);
        if (got.has(id)) continue;
        const state = await queue.getJobState(id);
        if (state === 'unknown') throw new UserError(`fleet: job ${id} (paths [${r.start}, ${r.end})) disappeared from the queue on ${shownRedisUrl(url)} — was the queue cleared? Run the command again`);
        if (state === 'completed') {
          // read after the state: a job loaded while active has no return value yet
          const job = await Job.fromId<RangeJob, RangeResult>(queue, id);
          const rv = job?.returnvalue;
          if (!rv) continue;
          const shard = decodeShard(rv.header, Buffer.from(rv.bin, 'base64'), `fleet job ${id}`);
          if (shard.header.scenarioHash !== hash || shard.header.shard.start !== r.start || shard.header.shard.end !== r.end) {
            throw new UserError(`fleet: job ${id} returned paths [${shard.header.shard.start}, ${shard.header.shard.end}) of scenario ${shard.header.scenarioHash} — a worker of another marginlab version? (this is ${VERSION})`);
          }
          got.set(id, shard);
          done += r.end - r.start;
          lastProgress = Date.now();
          opts.onProgress?.(done, total, (await queue.getWorkersCount().catch(() => 0)) as number);
        } else if (state === 'failed') {
          const job = await Job.fromId<RangeJob, RangeResult>(queue, id);
          if (!job) continue;
          throw new UserError(`fleet: job ${id} (paths [${r.start}, ${r.end}) of ${scenario.name}) failed ${job.attemptsMade} time${job.attemptsMade === 1 ? '' : 's'}: ${job.failedReason} — the run stops; fix the cause and run again (finished jobs are reused)`);
        }
      }
      if (got.size < ranges.length) {
        if (opts.idleTimeoutMs !== undefined && Date.now() - lastProgress > opts.idleTimeoutMs) {
          throw new UserError(`fleet: no job finished for ${Math.round(opts.idleTimeoutMs / 1000)} s on ${shownRedisUrl(url)} — are any "marginlab worker --redis ${shownRedisUrl(url)}" processes running?`);
        }
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  } finally {
    await queue.close().catch(() => {});
    conn.disconnect();
  }
  return ranges.map((r) => got.get(jobId(hash, r))!);
}

export interface FleetWorkerOptions extends FleetTuning {
  /** Threads per worker process (a piscina pool). Default: available cores. */
  threads: number;
  /** Jobs run at once by this process. Default 1. */
  concurrency?: number;
  onJob?: (id: string, range: ShardRange, ms: number) => void;
  /** Where copies of the coordinator's data files are kept (by SHA-256). Default: <tmpdir>/marginlab-fleet-data. */
  dataDir?: string;
}

/** Starts a worker process's BullMQ worker; resolves to a function that closes it. */
export async function startFleetWorker(url: string, opts: FleetWorkerOptions): Promise<{ close: () => Promise<void>; closed: Promise<void> }> {
  await checkRedis(url);
  const lib = await queueLibrary();
  const { UnrecoverableError } = lib;
  const conn = connection(lib, url);
  conn.on('error', () => {});
  const pool = createWorkerPool(opts.threads);
  const cacheDir = opts.dataDir ?? path.join(tmpdir(), 'marginlab-fleet-data');
  const worker = new lib.Worker<RangeJob, RangeResult>(
    QUEUE_NAME,
    async (job) => {
      const d = job.data;
      if (d.marginlabVersion !== VERSION) {
        throw new UnrecoverableError(`this worker runs marginlab ${VERSION}, the job was made by ${terminalSafe(String(d.marginlabVersion))} (scenario hash ${terminalSafe(String(d.scenarioHash))}) — run workers of the coordinator's version`);
      }
      const scenario = await scenarioOnThisWorker(d, conn, cacheDir, (msg) => new UnrecoverableError(msg));
      if (scenarioHash(scenario) !== d.scenarioHash) {
        throw new UnrecoverableError(`this worker computes scenario hash ${scenarioHash(scenario)} for a job of ${terminalSafe(String(d.scenarioHash))} — its data files or marginlab build differ from the coordinator's`);
      }
      const t0 = performance.now();
      const shard = await runRange(scenario, d.range, { pool });
      const files = encodeShard(shard);
      opts.onJob?.(job.id ?? '', d.range, performance.now() - t0);
      return { header: files['shard.json'], bin: Buffer.from(files['paths.bin']).toString('base64') };
    },
    { connection: conn, concurrency: opts.concurrency ?? 1, lockDuration: opts.lockMs ?? 30_000, stalledInterval: Math.min(30_000, opts.lockMs ?? 30_000), maxStalledCount: 3, drainDelay: 1 },
  );
  worker.on('error', () => {});
  let resolveClosed!: () => void;
  const closed = new Promise<void>((res) => (resolveClosed = res));
  const close = async () => {
    await worker.close().catch(() => {});
    await pool.destroy().catch(() => {});
    conn.disconnect();
    resolveClosed();
  };
  return { close, closed };
}
