/**
 * Running one point of a study on path indices [0, n), in chunks that are saved as they finish and
 * reused when the study is resumed. Adding paths to a point runs only the new indices [n, n′): path k
 * is the same path whatever the total, so the point's first n paths never change — and every point
 * of a study sees the same price shocks on path k (common random numbers).
 */
import { pathsPerBookOf } from '../scenario/sampling.js';
import type { Scenario } from '../scenario/schema.js';
import type { Piscina } from 'piscina';
import { createWorkerPool, defaultWorkers, runPaths } from '../mc/runner.js';
import { fieldsOfScenario } from '../engine/fields.js';
import { aggregateTable, type Aggregates } from '../stats/aggregate.js';
import { PathTable } from '../mc/table.js';
import { CHUNK_FORMAT, pointKey, type ChunkHeader, type StudyFolder } from './store.js';

/** Runs paths [start, end) of a scenario somewhere else; returns their records in path order. */
export type RemoteRunner = (scenario: Scenario, range: { start: number; end: number }, onProgress?: (done: number) => void) => Promise<{ table: PathTable; workers: number }>;

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
  private chunks: PathTable[] = [];
  private merged: PathTable | undefined;
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
    let table: PathTable;
    if (saved) {
      table = saved.table;
      this.pathsFromDisk += n - start;
      opts.onPaths?.(n - start, true);
    } else {
      const t0 = performance.now();
      let reported = 0;
      const onProgress = (done: number) => {
        opts.onPaths?.(done - reported, false);
        reported = done;
      };
      let workers: number;
      if (opts.remote) {
        ({ table, workers } = await opts.remote(this.scenario, { start, end: n }, onProgress));
      } else {
        const mc = await runPaths(this.scenario, { workers: opts.workers, pool: opts.pool?.get(), pathRange: { start, end: n }, series: false, onProgress });
        table = mc.table;
        workers = mc.workers;
      }
      const ms = performance.now() - t0;
      this.elapsedMs += ms;
      opts.folder?.writeChunk({ header: chunkHeader(this, start, n, Math.round(ms), workers, table), table });
    }
    this.chunks.push(table);
    this.merged = undefined;
    this.have = n;
  }

  /** Per-path records of paths [0, have). */
  table(): PathTable {
    if (this.have === 0) throw new Error(`point ${this.label} has no paths yet`);
    return (this.merged ??= PathTable.concat(this.chunks));
  }

  /** The aggregates `results.json` would hold for paths [0, have) (95% intervals). */
  aggregates(): Aggregates {
    return aggregateTable(this.table(), this.traders, { pathsPerBook: pathsPerBookOf(this.scenario) });
  }
}

/** The header of a point's chunk of paths [start, end). */
export function chunkHeader(point: { key: string; label: string; traders: number }, start: number, end: number, elapsedMs: number, workers: number, table: PathTable): ChunkHeader {
  return { format: CHUNK_FORMAT, pointKey: point.key, label: point.label, start, end, traders: point.traders, elapsedMs, workers, fields: table.fields.map((f) => ({ ...f })) };
}

/** The per-path fields a run of `scenario` records (from the field registry, src/engine/fields.ts). */
export function pathFields(scenario: Scenario): string[] {
  return fieldsOfScenario(scenario).map((f) => f.name);
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
