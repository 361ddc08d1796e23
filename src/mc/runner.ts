/**
 * Monte Carlo runners. `runPaths` splits the run into chunks of consecutive path indices and executes
 * them on a piscina pool of worker_threads (or serially in this thread with `workers: 0`, for tests
 * and debugging). Chunks come back in any order; results are placed by path index, so the output is
 * identical for any worker count.
 */
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Scenario } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import type { PathHistograms, PathSeries, PathSummary } from '../engine/path.js';
import { addHistograms, emptyHistograms, runChunk, sharedBookFor, type ChunkResult, type ChunkTask } from './chunk.js';
import { bookOf } from '../engine/context.js';
import { columnNames, PathTable, tableFieldsOf } from './table.js';
import { UserError } from '../errors.js';

/**
 * The most paths one process runs (a run, a shard, a study point, a fleet job): their per-path records
 * and the inline per-path columns of results.json are held in memory — measured on bench/small.yaml,
 * about 1.2 GiB of peak RSS at 100,000 paths and 2.4 GiB at 250,000, and a 1,000,000-path run ran out
 * of its 4 GiB heap after 2 min 40 s. Larger runs are split by path range (--shard i/N, then
 * `merge --no-inline-paths`, which merges 1,000,000 paths in about 0.8 GiB) and are refused here up
 * front, with one line, rather than failing after minutes with nothing written.
 */
export const MAX_PATHS_IN_PROCESS = 300_000;
/**
 * Most paths of one process whose records are kept only as columns (`run --no-inline-paths`, `merge --no-inline-paths`):
 * about 600 bytes a path for 75 fields, so 2,000,000 paths hold about 1.2 GB. Beyond, shards.
 */
export const MAX_PATHS_AS_COLUMNS = 2_000_000;

/** Refuses (UserError, exit 2) a path range larger than MAX_PATHS_IN_PROCESS, naming what to do instead. */
export function checkPathsInProcess(paths: number, what = 'paths'): void {
  if (paths <= MAX_PATHS_IN_PROCESS) return;
  const n = (x: number) => x.toLocaleString('en-US');
  throw new UserError(
    `${what}: ${n(paths)} paths in one process with the per-path columns inline in results.json — at most ${n(MAX_PATHS_IN_PROCESS)}; add --no-inline-paths (paths.parquet and paths.csv hold them; up to ${n(MAX_PATHS_AS_COLUMNS)} paths), or split the run with --shard i/N and join the shards with merge --no-inline-paths`,
  );
}

/** Refuses a path range larger than MAX_PATHS_AS_COLUMNS (the records of one process, as columns). */
function checkPathsAsColumns(paths: number): void {
  if (paths <= MAX_PATHS_AS_COLUMNS) return;
  const n = (x: number) => x.toLocaleString('en-US');
  throw new UserError(`paths: ${n(paths)} paths in one process — at most ${n(MAX_PATHS_AS_COLUMNS)} (their records are held as columns: about 600 bytes a path); split the run with --shard i/N into shards and join them with merge --no-inline-paths`);
}

export interface RunPathsOptions {
  /** Worker threads; 0 = run serially in this thread. Default: available cores. */
  workers?: number;
  /** Called after each chunk with paths done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Paths per task; default chosen from the run size. */
  chunkSize?: number;
  /** Extra path indices whose full series should be returned. */
  seriesFor?: number[];
  /**
   * Run only path indices [start, end) instead of 0 … scenario.paths − 1 (e.g. to add paths to an
   * earlier run: paths are keyed by index, so [0, n) then [n, 2n) equals [0, 2n)). Default: all paths.
   */
  pathRange?: { start: number; end: number };
  /** Return the sampled paths' time series (indices < output.seriesSamplePaths). Default true. */
  series?: boolean;
  /**
   * Run on this pool (from `createWorkerPool`) instead of starting and stopping one for this call, so
   * many short runs (the points of a sweep) share the workers; the caller destroys it. Overrides `workers`.
   */
  pool?: Piscina;
}

export interface MonteCarloOutput {
  /** Every path's record, in path order, as columns (filled as chunks arrive: about 8 bytes a field a path). */
  table: PathTable;
  /**
   * One summary per path, ordered by path index: rebuilt from `table` on first use (exactly: same keys, same
   * numbers), for callers that want objects. Large runs should read `table`: objects cost ~1–2 KB a path.
   */
  readonly summaries: PathSummary[];
  /** Cascade histograms summed over all paths. */
  histograms: PathHistograms;
  /** Series of the sampled paths (indices < scenario.output.seriesSamplePaths), by path index. */
  series: { pathIndex: number; series: PathSeries }[];
  workers: number;
  elapsedMs: number;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Location of the compiled worker (tests run from src/ and use the build in dist/). */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'worker.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  const dist = path.resolve(path.dirname(here), '../../dist/mc/worker.js');
  if (!existsSync(dist)) throw new Error(`compiled worker not found at ${dist}: run \`npm run build\` first`);
  return dist;
}

/** The path indices [start, end) a run covers: `opts.pathRange`, checked, or all of the scenario's. */
function pathRangeOf(scenario: Scenario, opts: RunPathsOptions): { start: number; end: number } {
  const r = opts.pathRange ?? { start: 0, end: scenario.paths };
  if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end) || r.start < 0 || r.end <= r.start) {
    throw new RangeError(`pathRange must be whole numbers with 0 ≤ start < end, got [${r.start}, ${r.end})`);
  }
  return r;
}

/**
 * Splits the path range into chunks of `size` paths. With books redrawn per block, chunks never cross
 * a book boundary and a block of up to 512 paths is one chunk (so a book is drawn by one thread, once).
 */
function planChunks(scenario: Scenario, workers: number, opts: RunPathsOptions): ChunkTask[] {
  const { start: first, end: last } = pathRangeOf(scenario, opts);
  const P = last - first;
  const perBook = pathsPerBookOf(scenario);
  const size = opts.chunkSize ?? (perBook ? Math.min(512, perBook) : Math.max(1, Math.min(64, Math.ceil(P / Math.max(1, workers * 8)))));
  const seriesBelow = opts.series === false ? 0 : scenario.output.seriesSamplePaths;
  const tasks: ChunkTask[] = [];
  for (let start = first; start < last; ) {
    let end = Math.min(last, start + size);
    if (perBook) end = Math.min(end, (Math.floor(start / perBook) + 1) * perBook);
    const extra = opts.seriesFor?.filter((p) => p >= start && p < end);
    tasks.push({ scenario, start, end, seriesBelow, seriesFor: extra?.length ? extra : undefined });
    start = end;
  }
  return tasks;
}

/**
 * Collects chunk results as they arrive: each chunk's columns are copied into the run's table at its offset and
 * dropped, so no thread holds per-path objects and the coordinator holds one column per field.
 */
class Assembler {
  private readonly histograms = emptyHistograms();
  private readonly series: MonteCarloOutput['series'] = [];

  /** `table`: the run's records, which the chunks write themselves (ChunkTask.into) or `add` copies in. */
  constructor(
    private readonly first: number,
    private readonly n: number,
    private table: PathTable | undefined,
  ) {}

  add(r: ChunkResult): void {
    const at = r.start - this.first;
    if (at < 0 || at + r.n > this.n) throw new Error(`internal error: chunk [${r.start}, ${r.start + r.n}) outside the run's paths`);
    if (r.records) {
      const { fields, columns } = r.records;
      this.table ??= new PathTable(fields, columns.map(() => new Float64Array(this.n)), this.n);
      if (this.table.columns.length !== columns.length) throw new Error(`internal error: a chunk has ${columns.length} columns, the run ${this.table.columns.length}`);
      columns.forEach((c, j) => this.table!.columns[j].set(c, at));
    } else if (!this.table) throw new Error('internal error: a chunk wrote into no table');
    addHistograms(this.histograms, r.histograms);
    for (const s of r.series) this.series.push(s);
  }

  output(workers: number, t0: number): MonteCarloOutput {
    const table = this.table;
    if (!table) throw new Error('internal error: a run with no paths');
    this.series.sort((a, b) => a.pathIndex - b.pathIndex);
    let rows: PathSummary[] | undefined;
    return {
      table,
      get summaries() {
        rows ??= Array.from({ length: table.n }, (_, i) => table.row(i));
        return rows;
      },
      histograms: this.histograms,
      series: this.series,
      workers,
      elapsedMs: performance.now() - t0,
    };
  }
}

/** A pool of `workers` threads running the path worker, for `RunPathsOptions.pool`. Destroy it when done. */
export function createWorkerPool(workers: number): Piscina {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new RangeError(`createWorkerPool: workers must be a whole number ≥ 1, got ${workers}`);
  return new Piscina({ filename: workerFile(), minThreads: workers, maxThreads: workers, idleTimeout: 1000 });
}

/** Runs every path of `scenario` (or the paths in `opts.pathRange`). */
export async function runPaths(scenario: Scenario, opts: RunPathsOptions = {}): Promise<MonteCarloOutput> {
  const workers = opts.pool ? opts.pool.options.maxThreads : (opts.workers ?? defaultWorkers());
  const t0 = performance.now();
  const tasks = planChunks(scenario, workers, opts);
  const range = pathRangeOf(scenario, opts);
  const total = range.end - range.start;
  checkPathsAsColumns(total);
  let done = 0;
  // the run's table, in shared memory: each chunk writes its records into it where the threads run it
  const fields = tableFieldsOf(scenario);
  const table = new PathTable(
    fields,
    fields.flatMap(columnNames).map(() => new Float64Array(workers > 0 ? new SharedArrayBuffer(8 * total) : new ArrayBuffer(8 * total))),
    total,
  );
  for (const task of tasks) task.into = { names: table.names, columns: table.columns, first: range.start };
  const out = new Assembler(range.start, total, table);
  if (workers === 0) {
    for (const task of tasks) {
      out.add(runChunk(task));
      done += task.end - task.start;
      opts.onProgress?.(done, total);
    }
    return out.output(0, t0);
  }
  const pool = opts.pool ?? createWorkerPool(workers);
  // one book for every path (or every path in book 0): the threads start while this one draws it once,
  // in shared memory, for all of them. Books redrawn per block: each block's book is drawn by the thread
  // that runs the block (book 0 too — drawing it here would hold every thread back until it is drawn)
  const perBook = pathsPerBookOf(scenario);
  if (!perBook || bookOf(range.end - 1, perBook) === 0) {
    const population = sharedBookFor(scenario);
    for (const task of tasks) task.population = population;
  }
  try {
    await Promise.all(
      tasks.map(async (task) => {
        out.add((await pool.run(task)) as ChunkResult);
        done += task.end - task.start;
        opts.onProgress?.(done, total);
      }),
    );
  } finally {
    if (!opts.pool) await pool.destroy();
  }
  return out.output(workers, t0);
}

/** Runs the given paths serially with their full series (for drill-downs and debugging). */
export function runPathsSerial(scenario: Scenario, pathIndices: number[]): { pathIndex: number; summary: PathSummary; series: PathSeries }[] {
  return pathIndices.map((p) => {
    const r = runChunk({ scenario, start: p, end: p + 1, seriesBelow: 0, seriesFor: [p] });
    return { pathIndex: p, summary: new PathTable(r.records!.fields, r.records!.columns, r.records!.n).row(0), series: r.series[0].series };
  });
}
