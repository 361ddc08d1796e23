/**
 * Sharded studies. `sweep … --shard i/N` runs every point of the sweep on path indices
 * [⌊iP/N⌋, ⌊(i+1)P/N⌋) and writes a shard folder: shard.json (kind `sweep`, the study's identity and its
 * hash, the range, the command's inputs) and points/<point>-<a>-<b>.json and .bin, the per-path records
 * each point's run saves anyway (the columns in a run shard's paths.bin format). `merge` of sweep shards joins each point's ranges into the chunk
 * [0, P) of a fresh study folder — exactly the file a single-machine sweep saves, path k being path k
 * whatever the split — and re-runs the sweep there: every point resumes from disk, nothing is
 * simulated, and sweep.json equals the single-machine sweep's apart from its `run` fields.
 *
 * Comparisons shard the same way (`kind: compare`): every variant's run is sharded as a run is
 * (src/api/shard.ts) under variants/<name>-<hash>/, and `merge` merges each variant, saves its
 * results where a comparison saves them (without drill-downs, as a comparison runs them), and re-runs
 * the comparison there, which resumes every variant.
 *
 * Calibration is not sharded: its next value (and how many paths it adds) depends on the last
 * evaluation, so there is no fixed set of ranges to split; `calibrate --shard` is refused.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import type { Scenario } from '../scenario/schema.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { runPaths } from '../mc/runner.js';
import { resolveSampling } from '../mc/chunk.js';
import { scenarioIdentity } from '../scenario/data-files.js';
import { checkShardSet, encodeShard, parseShardFlag, resolveForRun, runRange, shardRange, type ShardRange } from '../api/shard.js';
import { prepareComparison, variantFile, type CompareOptions, type VariantInput } from './compare.js';
import { chunkHeader, withPool } from './evaluate.js';
import { canonicalJson, pointKey, StudyFolder, type StudyIdentity } from './store.js';
import { PathTable } from '../mc/table.js';
import { checkMetrics, planSweep, type SweepOptions } from './sweep.js';
import { stripStudy, type ParamSpec } from './params.js';
import { HEADLINE_METRICS } from './metrics.js';

export const STUDY_SHARD_FORMAT = 'marginlab.study-shard/1';

export interface SweepShardHeader {
  format: typeof STUDY_SHARD_FORMAT;
  kind: 'sweep';
  marginlabVersion: string;
  /** Hash of the study's identity (scenario, parameters, paths, version): shards of one sweep share it. */
  scenarioHash: string;
  identity: StudyIdentity;
  shard: ShardRange;
  /** What `merge` re-runs the sweep with. */
  args: { scenario: Scenario; params: ParamSpec[]; paths: number; metrics?: string[] };
}

function hash(v: unknown): string {
  return createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 16);
}

/** The identity a sweep's study folder records (as runSweep opens it). */
function sweepIdentity(input: Scenario, params: ParamSpec[], paths: number): StudyIdentity {
  const base = resolveSampling(stripStudy(input));
  return { command: 'sweep', inputs: { scenario: scenarioIdentity(base), params, paths, marginlabVersion: VERSION } };
}

/** Runs shard `range` of every point of a sweep into the folder `dir` (created); returns its header (also written as shard.json). */
export async function runSweepShard(input: Scenario, opts: SweepOptions, range: ShardRange, dir: string): Promise<SweepShardHeader> {
  const base = resolveSampling(stripStudy(input));
  const paths = opts.paths ?? input.sweep?.paths ?? input.paths;
  checkMetrics(opts.metrics ?? [...HEADLINE_METRICS], base);
  const planned = planSweep(base, opts.params, paths);
  const identity = sweepIdentity(input, opts.params, paths);
  const folder = StudyFolder.open(dir, identity, { fresh: true });
  let done = 0;
  await withPool(opts.workers, async (pool) => {
    for (const p of planned) {
      const t0 = performance.now();
      const mc = await runPaths(p.scenario, { workers: opts.workers, pool: pool.get(), pathRange: { start: range.start, end: range.end }, series: false });
      const table = mc.table;
      const point = { key: pointKey(p.scenario), label: p.label, traders: p.scenario.traders.count };
      folder.writeChunk({ header: chunkHeader(point, range.start, range.end, Math.round(performance.now() - t0), mc.workers, table), table });
      done++;
      opts.onProgress?.({ pointsDone: done, points: planned.length, pathsDone: done * (range.end - range.start), pathsTotal: planned.length * (range.end - range.start), label: p.label });
    }
  });
  const header: SweepShardHeader = {
    format: STUDY_SHARD_FORMAT,
    kind: 'sweep',
    marginlabVersion: VERSION,
    scenarioHash: hash(identity),
    identity,
    shard: range,
    args: { scenario: input, params: opts.params, paths, ...(opts.metrics ? { metrics: opts.metrics } : {}) },
  };
  folder.writeJson('shard.json', header);
  return header;
}

/**
 * Joins checked sweep shards (in path order) into the study folder `out`: for every point, its chunks
 * [a, b) from each shard concatenated into [0, P). Returns the sweep's inputs for re-running it there.
 */
export function joinSweepShards(shards: { where: string; header: SweepShardHeader }[], out: string): SweepShardHeader['args'] {
  const sorted = checkShardSet(shards, (h) => h.args.paths);
  const first = sorted[0].header;
  const folder = StudyFolder.open(out, first.identity);
  const keys = new Map<string, string>();
  const pointsDir = path.join(sorted[0].where, 'points');
  const re = new RegExp(`^([0-9a-f]+)-${first.shard.start}-${first.shard.end}\\.json$`);
  for (const f of existsSync(pointsDir) ? readdirSync(pointsDir) : []) {
    const m = re.exec(f);
    if (m) keys.set(m[1], f);
  }
  for (const key of keys.keys()) {
    const parts = sorted.map((s) => {
      const c = StudyFolder.open(s.where, s.header.identity).readChunk(key, s.header.shard.start, s.header.shard.end);
      if (!c) throw new UserError(`merge: ${s.where} lacks point ${key} (paths [${s.header.shard.start}, ${s.header.shard.end})) or holds it damaged — rerun that shard`);
      return c;
    });
    folder.writeChunk({
      header: {
        ...parts[0].header,
        start: 0,
        end: first.args.paths,
        elapsedMs: parts.reduce((s, p) => s + p.header.elapsedMs, 0),
        workers: parts.reduce((s, p) => s + p.header.workers, 0),
      },
      table: PathTable.concat(parts.map((p) => p.table)),
    });
  }
  return first.args;
}

export interface CompareShardHeader {
  format: typeof STUDY_SHARD_FORMAT;
  kind: 'compare';
  marginlabVersion: string;
  /** Hash of the comparison's identity (every variant's scenario, version): shards of one comparison share it. */
  scenarioHash: string;
  identity: StudyIdentity;
  shard: ShardRange;
  /** Paths every variant runs. */
  paths: number;
  /** Per variant, the run shard's folder under this one (`variants/<name>-<hash>`), as the comparison names its saved results. */
  variantDirs: string[];
  /** What `merge` re-runs the comparison with. */
  args: { variants: VariantInput[]; options: Pick<CompareOptions, 'paths' | 'seed' | 'baseline' | 'metrics' | 'redrawBook'> };
}

/** The identity a comparison's study folder records (as runComparison opens it). */
function compareIdentity(variants: VariantInput[]): StudyIdentity {
  return { command: 'compare', inputs: { variants: variants.map((v) => ({ name: v.name, scenario: scenarioIdentity(v.scenario) })), marginlabVersion: VERSION } };
}

/**
 * Runs shard i of N of every variant of a comparison (prepared as runComparison prepares them: one
 * seed, one path count, a shared tilt); returns the files of its shard folder (shard.json and, per
 * variant, variants/<name>-<hash>/shard.json and paths.bin).
 */
export async function runCompareShard(
  variantsIn: VariantInput[],
  options: Pick<CompareOptions, 'paths' | 'seed' | 'baseline' | 'metrics' | 'redrawBook' | 'workers' | 'onProgress'>,
  index: number,
  count: number,
): Promise<{ header: CompareShardHeader; files: Record<string, string | Uint8Array> }> {
  const prep = prepareComparison(variantsIn, options);
  const { index: i, count: n } = parseShardFlag(`${index}/${count}`, prep.paths);
  const range = shardRange(prep.paths, i, n);
  const files: Record<string, string | Uint8Array> = {};
  const variantDirs: string[] = [];
  let done = 0;
  for (const v of prep.variants) {
    const shard = await runRange(resolveForRun(v.scenario), range, { workers: options.workers });
    const vdir = variantFile(v).replace(/\.json$/, '');
    variantDirs.push(vdir);
    for (const [name, content] of Object.entries(encodeShard(shard))) files[`${vdir}/${name}`] = content;
    done++;
    options.onProgress?.({ pointsDone: done, points: prep.variants.length, pathsDone: done * (range.end - range.start), pathsTotal: prep.variants.length * (range.end - range.start), label: v.name });
  }
  const identity = compareIdentity(prep.variants);
  const header: CompareShardHeader = {
    format: STUDY_SHARD_FORMAT,
    kind: 'compare',
    marginlabVersion: VERSION,
    scenarioHash: hash(identity),
    identity,
    shard: range,
    paths: prep.paths,
    variantDirs,
    args: { variants: variantsIn, options: { paths: options.paths, seed: options.seed, baseline: options.baseline, metrics: options.metrics, ...(options.redrawBook ? { redrawBook: true } : {}) } },
  };
  files['shard.json'] = JSON.stringify(header) + '\n';
  return { header, files };
}

export type StudyShardHeader = SweepShardHeader | CompareShardHeader;
