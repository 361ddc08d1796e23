/**
 * Running one point of a study on path indices [0, n), in chunks that are saved as they finish and
 * reused when the study is resumed. Adding paths to a point runs only the new indices [n, n′): path k
 * is the same path whatever the total, so the point's first n paths never change — and every point
 * of a study sees the same price shocks on path k (common random numbers).
 */
import type { Scenario } from '../scenario/schema.js';
import { pathsPerBookOf } from '../scenario/sampling.js';
import type { PathSummary } from '../engine/path.js';
import type { Piscina } from 'piscina';
import { createWorkerPool, defaultWorkers, runPaths, runPathsSerial } from '../mc/runner.js';
import { aggregate, type Aggregates } from '../stats/aggregate.js';
import { concatColumns, CHUNK_FORMAT, pointKey, type StudyFolder } from './store.js';
import type { PathColumns } from './metrics.js';

/** Runs paths [start, end) of a scenario somewhere else; returns their summaries in path order. */
export type RemoteRunner = (scenario: Scenario, range: { start: number; end: number }, onProgress?: (done: number) => void) => Promise<{ summaries: PathSummary[]; workers: number }>;

export interface EvalOptions {
  /** Where finished chunks are saved and looked up; none = keep in memory only. */
  folder?: StudyFolder;
  /** Worker threads (0 = this thread). */
  workers?: number;
  /** A worker pool shared by the points of a study (overrides `workers`); see `withPool`. */
  pool?: LazyPool;
  /** Runs path ranges elsewhere (a worker fleet: src/api/fleet.ts `fleetRunner`) instead of on this machine's threads. */
  remote?: RemoteRunner;
  /** Called with the number of paths just finished (run or read from disk). */
  onPaths?: (done: number, fromDisk: boolean) => void;
}

/** A point of a study and the paths run for it so far. */
export class PointRuns {
  readonly key: string;
  readonly traders: number;
  private chunks: PathColumns[] = [];
  private merged: PathColumns | undefined;
  /** Paths [0, have) are available. */
  have = 0;
  /** Milliseconds spent running this point's paths in this process (0 when all came from disk). */
  elapsedMs = 0;
  /** Paths read back from disk rather than run. */
  pathsFromDisk = 0;

  constructor(
    readonly scenario: Scenario,
    readonly label: string,
  ) {
    this.key = pointKey(scenario);
    this.traders = scenario.traders.count;
  }

  /** Makes paths [0, n) available: reads saved chunks, runs what is missing. */
  async extendTo(n: number, opts: EvalOptions): Promise<void> {
    if (n <= this.have) return;
    const start = this.have;
    const saved = opts.folder?.readChunk(this.key, start, n);
    let columns: PathColumns;
    if (saved) {
      columns = saved.columns;
      this.pathsFromDisk += n - start;
      opts.onPaths?.(n - start, true);
    } else {
      const t0 = performance.now();
      let reported = 0;
      const onProgress = (done: number) => {
        opts.onPaths?.(done - reported, false);
        reported = done;
      };
      const mc = opts.remote
        ? await opts.remote(this.scenario, { start, end: n }, onProgress)
        : await runPaths(this.scenario, { workers: opts.workers, pool: opts.pool?.get(), pathRange: { start, end: n }, series: false, onProgress });
      const ms = performance.now() - t0;
      this.elapsedMs += ms;
      columns = columnsOf(mc.summaries);
      opts.folder?.writeChunk({
        format: CHUNK_FORMAT,
        pointKey: this.key,
        label: this.label,
        start,
        end: n,
        traders: this.traders,
        elapsedMs: Math.round(ms),
        workers: mc.workers,
        columns,
      });
    }
    this.chunks.push(columns);
    this.merged = undefined;
    this.have = n;
  }

  /** Per-path records of paths [0, have). */
  columns(): PathColumns {
    if (this.have === 0) throw new Error(`point ${this.label} has no paths yet`);
    return (this.merged ??= concatColumns(this.chunks));
  }

  /** The aggregates `results.json` would hold for paths [0, have) (95% intervals). */
  aggregates(): Aggregates {
    return aggregate(rowsOf(this.columns()), this.traders, { pathsPerBook: pathsPerBookOf(this.scenario) });
  }
}

export function columnsOf(summaries: PathSummary[]): PathColumns {
  const out = {} as Record<string, unknown[]>;
  for (const k of Object.keys(summaries[0])) out[k] = summaries.map((s) => s[k as keyof PathSummary]);
  return out as PathColumns;
}

export function rowsOf(c: PathColumns): PathSummary[] {
  const keys = Object.keys(c) as (keyof PathSummary)[];
  const n = c.badDebtUsd.length;
  const rows: PathSummary[] = [];
  for (let k = 0; k < n; k++) {
    const r = {} as Record<string, unknown>;
    for (const key of keys) r[key] = c[key]![k];
    rows.push(r as unknown as PathSummary);
  }
  return rows;
}

/** The per-path fields a run of `scenario` records (runs path 0 for one step). */
export function pathFields(scenario: Scenario): string[] {
  const probe = { ...scenario, horizonSteps: 1, paths: 1 } as Scenario;
  return Object.keys(runPathsSerial(probe, [0])[0].summary);
}

/** A worker pool started on first use. */
export interface LazyPool {
  get(): Piscina | undefined;
}

/**
 * Runs `f` with one worker pool shared by every point of a study — threads start once, not once per
 * point — started only if some point actually needs computing, and none when `workers` is 0.
 */
export async function withPool<T>(workers: number | undefined, f: (pool: LazyPool) => Promise<T>): Promise<T> {
  const n = workers ?? defaultWorkers();
  let pool: Piscina | undefined;
  try {
    return await f({ get: () => (n === 0 ? undefined : (pool ??= createWorkerPool(n))) });
  } finally {
    await pool?.destroy();
  }
}
