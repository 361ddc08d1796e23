/**
 * Shards: a run split by path range. Shard i of N covers path indices [⌊iP/N⌋, ⌊(i+1)P/N⌋); its
 * records (every PathSummary field at full precision, likelihood ratios and book-boundary path
 * indices included), summed histograms and the series of its sampled paths are exactly what the same
 * paths give in a single-machine run, so `mergeShards` of shards covering 0 … P − 1 once each builds
 * the same results as `runScenario`, byte for byte apart from `run` (timing). Paths are keyed by index
 * (every random stream comes from the seed, the path index and a stream name), never by who ran them.
 *
 * A shard on disk is a folder:
 *   shard.json   the header below: format, kind, scenario (resolved, as run) and its hash, range,
 *                field list, histograms, the sampled paths' series, timing
 *   paths.bin    the per-path columns, little-endian float64, column after column (n values each)
 */
import { createHash } from 'node:crypto';
import type { Scenario, ScenarioInput } from '../scenario/schema.js';
import { parseScenario } from '../scenario/load.js';
import { portableScenario, scenarioIdentity } from '../scenario/data-files.js';
import { runPaths, type RunPathsOptions } from '../mc/runner.js';
import { resolveSampling } from '../mc/chunk.js';
import { addHistograms, emptyHistograms } from '../mc/chunk.js';
import { decodeColumns, encodeColumns, PathTable, tableWidth, type FieldSpec } from '../mc/table.js';
import type { PathHistograms, PathSeries } from '../engine/path.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { resultsOf, type PathRuns, type Results, type RunOptions } from './run.js';

const SHARD_FORMAT = 'marginlab.shard/1';

/** What a shard covers: part `index` (0-based) of `count`, path indices [start, end) of `paths`. */
export interface ShardRange {
  index: number;
  count: number;
  start: number;
  end: number;
}

/** A series as JSON arrays (float64 values round-trip exactly through JSON). */
type PlainSeries = { [K in keyof PathSeries]: K extends 'liquidatedByGenerationClassUsd' ? number[][] : undefined extends PathSeries[K] ? number[] | undefined : number[] };

export interface ShardHeader {
  format: typeof SHARD_FORMAT;
  /** What was sharded (a run; studies write their own kinds). */
  kind: 'run';
  marginlabVersion: string;
  /** SHA-256 (16 hex digits) of the resolved scenario's identity (data files by content) and the version. */
  scenarioHash: string;
  /** The resolved scenario as run (data files by absolute path: a merge on another machine needs them at the same place only to re-run drill-downs). */
  scenario: Scenario;
  /** The scenario as results.json shows it. */
  shown: Scenario;
  shard: ShardRange;
  /** Paths in this shard (end − start). */
  n: number;
  fields: FieldSpec[];
  histograms: { cascadeAccounts: number[]; cascadeNotional: number[]; cascadeGenerations: number[] };
  series: { pathIndex: number; series: PlainSeries }[];
  workers: number;
  elapsedMs: number;
  startedAt: string;
}

/** A shard in memory: its header and its columns. */
export interface Shard {
  header: ShardHeader;
  table: PathTable;
}

/** JSON with object keys sorted, so equal values give equal text. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, (x as Record<string, unknown>)[k]]));
    return x;
  });
}

/** The hash that identifies a resolved scenario across machines: its identity (data files by content) and the engine version. */
export function scenarioHash(resolved: Scenario): string {
  return createHash('sha256')
    .update(canonical({ scenario: scenarioIdentity(resolved), marginlabVersion: VERSION }))
    .digest('hex')
    .slice(0, 16);
}

/** Path indices [⌊iP/N⌋, ⌊(i+1)P/N⌋) of shard i of N. */
export function shardRange(paths: number, index: number, count: number): ShardRange {
  const start = Math.floor((index * paths) / count);
  const end = Math.floor(((index + 1) * paths) / count);
  return { index, count, start, end };
}

/** Parses `--shard i/N` (0 ≤ i < N, N ≤ paths). */
export function parseShardFlag(v: string, paths: number): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(i) || !Number.isSafeInteger(n) || n < 1 || i >= n) {
    throw new UserError(`--shard: ${JSON.stringify(v)} is not allowed — expected i/N with whole numbers 0 ≤ i < N (shard 0/3, 1/3 and 2/3 make a run of three shards)`);
  }
  if (n > paths) throw new UserError(`--shard: ${JSON.stringify(v)} is not allowed — ${n} shards of ${paths} paths would leave a shard empty; use at most ${paths} shards`);
  return { index: i, count: n };
}

/**
 * A path's series as plain arrays for a shard file or a fleet job, every field the engine recorded
 * (the optional collateral and funding series included), and back.
 */
function plainPathSeries(s: PathSeries): PlainSeries {
  const out: Record<string, number[] | number[][]> = {};
  for (const [k, v] of Object.entries(s) as [string, Float64Array | Int32Array | Float64Array[] | undefined][]) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((a) => Array.from(a)) : Array.from(v);
  }
  return out as PlainSeries;
}

function typedPathSeries(s: PlainSeries): PathSeries {
  const out: Record<string, Float64Array | Int32Array | Float64Array[]> = {};
  for (const [k, v] of Object.entries(s) as [string, number[] | number[][] | undefined][]) {
    if (v === undefined) continue;
    out[k] = k === 'steps' ? Int32Array.from(v as number[]) : k === 'liquidatedByGenerationClassUsd' ? (v as number[][]).map((a) => Float64Array.from(a)) : Float64Array.from(v as number[]);
  }
  return out as unknown as PathSeries;
}

/** The resolved scenario of a run input (importance-sampling shifts resolved on book 0, as `runScenario` does). */
export function resolveForRun(input: Scenario | ScenarioInput): Scenario {
  return resolveSampling(parseScenario(input));
}

/** Runs path indices [start, end) of a resolved scenario and returns them as a shard. */
export async function runRange(
  scenario: Scenario,
  range: ShardRange,
  options: Pick<RunPathsOptions, 'workers' | 'onProgress' | 'chunkSize' | 'pool'> = {},
): Promise<Shard> {
  const startedAt = new Date().toISOString();
  const mc = await runPaths(scenario, { ...options, pathRange: { start: range.start, end: range.end } });
  const table = mc.table;
  const h = mc.histograms;
  return {
    header: {
      format: SHARD_FORMAT,
      kind: 'run',
      marginlabVersion: VERSION,
      scenarioHash: scenarioHash(scenario),
      scenario,
      shown: portableScenario(scenario),
      shard: range,
      n: table.n,
      fields: table.fields.map((f) => ({ ...f })),
      histograms: { cascadeAccounts: Array.from(h.cascadeAccounts), cascadeNotional: Array.from(h.cascadeNotional), cascadeGenerations: Array.from(h.cascadeGenerations) },
      series: mc.series.map((s) => ({ pathIndex: s.pathIndex, series: plainPathSeries(s.series) })),
      workers: mc.workers,
      elapsedMs: Math.round(mc.elapsedMs),
      startedAt,
    },
    table,
  };
}

/** Shard i of N of a scenario. */
export async function runShard(input: Scenario | ScenarioInput, index: number, count: number, options: Pick<RunPathsOptions, 'workers' | 'onProgress' | 'chunkSize'> = {}): Promise<Shard> {
  const scenario = resolveForRun(input);
  return runRange(scenario, shardRange(scenario.paths, index, count), options);
}

/** A shard's files: shard.json and paths.bin (the columns, src/mc/table.ts `encodeColumns`, the format study chunks share). */
export function encodeShard(s: Shard): { 'shard.json': string; 'paths.bin': Uint8Array } {
  return { 'shard.json': JSON.stringify(s.header) + '\n', 'paths.bin': encodeColumns(s.table) };
}

/** A shard from its files; `where` names it in messages. @throws UserError when the files do not make a shard */
export function decodeShard(headerText: string, bin: Uint8Array, where: string): Shard {
  const header = parseShardHeader(headerText, where);
  try {
    return { header, table: decodeColumns(header.fields, header.n, bin) };
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(`${where}: paths.bin ${e.message} — the shard is truncated or damaged`);
    throw e;
  }
}

/** Shards of one run that cover 0 … P − 1 exactly once, in path order. @throws UserError naming what does not fit */
export function checkShardSet<H extends { scenarioHash: string; kind: string; shard: ShardRange }>(shards: { where: string; header: H }[], paths: (h: H) => number): { where: string; header: H }[] {
  if (shards.length === 0) throw new UserError('merge: no shard folders given');
  const first = shards[0];
  for (const s of shards.slice(1)) {
    if (s.header.kind !== first.header.kind) throw new UserError(`merge: ${s.where} is a ${s.header.kind} shard but ${first.where} is a ${first.header.kind} shard — merge shards of one command`);
    if (s.header.scenarioHash !== first.header.scenarioHash) {
      throw new UserError(`merge: ${s.where} is a shard of a different scenario than ${first.where} (scenario hash ${s.header.scenarioHash} ≠ ${first.header.scenarioHash}) — merge shards of one scenario, seed and path count`);
    }
  }
  const P = paths(first.header);
  const sorted = [...shards].sort((a, b) => a.header.shard.start - b.header.shard.start || a.header.shard.end - b.header.shard.end);
  let at = 0;
  let prev: { where: string; header: H } | undefined;
  for (const s of sorted) {
    const { start, end } = s.header.shard;
    if (start < at) throw new UserError(`merge: ${s.where} (paths [${start}, ${end})) overlaps ${prev!.where} (paths [${prev!.header.shard.start}, ${prev!.header.shard.end})) — give each path range once`);
    if (start > at) throw new UserError(`merge: paths [${at}, ${start}) of ${P} are missing${prev ? ` between ${prev.where} and ${s.where}` : ` before ${s.where}`} — add the shard that covers them`);
    at = end;
    prev = s;
  }
  if (at !== P) throw new UserError(`merge: paths [${at}, ${P}) of ${P} are missing after ${prev!.where} — add the shard that covers them`);
  return sorted;
}

/** The merged records of shards already checked and in path order. */
export function mergedRuns(shards: Shard[]): PathRuns {
  return mergedRunsOf(
    shards.map((s) => s.header),
    PathTable.concat(shards.map((s) => s.table)),
  );
}

/** The merged records from the shards' headers (checked, in path order) and their columns already joined into one table. */
export function mergedRunsOf(headers: ShardHeader[], table: PathTable): PathRuns {
  const histograms: PathHistograms = emptyHistograms();
  const series: PathRuns['series'] = [];
  for (const h of headers) {
    const g = h.histograms;
    addHistograms(histograms, { cascadeAccounts: Uint32Array.from(g.cascadeAccounts), cascadeNotional: Uint32Array.from(g.cascadeNotional), cascadeGenerations: Uint32Array.from(g.cascadeGenerations) });
    for (const x of h.series) series.push({ pathIndex: x.pathIndex, series: typedPathSeries(x.series) });
  }
  return {
    table,
    histograms,
    series,
    workers: headers.reduce((m, h) => m + h.workers, 0),
    elapsedMs: headers.reduce((m, h) => m + h.elapsedMs, 0),
    startedAt: headers.map((h) => h.startedAt).sort()[0],
  };
}

/** Parses and checks a shard.json; `where` names the folder in messages. @throws UserError */
export function parseShardHeader(text: string, where: string): ShardHeader {
  let header: ShardHeader;
  try {
    header = JSON.parse(text) as ShardHeader;
  } catch {
    throw new UserError(`${where}: shard.json is not valid JSON — not a marginlab shard folder`);
  }
  if (header?.format !== SHARD_FORMAT) throw new UserError(`${where}: shard.json has format ${JSON.stringify(header?.format)}, expected ${SHARD_FORMAT} — not a marginlab shard folder`);
  if (header.marginlabVersion !== VERSION) throw new UserError(`${where}: a shard of marginlab ${header.marginlabVersion}; this is ${VERSION} — merge shards with the version that wrote them`);
  return header;
}

/** Columns (flat) of a shard's records. */
export function shardWidth(h: ShardHeader): number {
  return tableWidth(h.fields);
}

/**
 * Results of a run from its shards (any order): refuses shards of different scenarios and
 * overlapping or missing ranges; otherwise the results `runScenario` gives, apart from `run`, whose
 * `workers` and `elapsedMs` are the shards' sums and `startedAt` the earliest.
 */
export function mergeShards(shards: { where: string; shard: Shard }[], options: Pick<RunOptions, 'drilldown' | 'drilldownWorst'> = {}): { results: Results; table: PathTable } {
  const sorted = checkShardSet(
    shards.map((s) => ({ where: s.where, header: s.shard.header, shard: s.shard })),
    (h) => h.scenario.paths,
  ) as { where: string; header: ShardHeader; shard: Shard }[];
  const h = sorted[0].header;
  const runs = mergedRuns(sorted.map((s) => s.shard));
  return { results: resultsOf(h.scenario, h.shown, runs, options), table: runs.table };
}
