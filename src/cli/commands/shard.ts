/**
 * Sharded runs: `marginlab run <scenario> --shard i/N` writes a shard folder (shard.json, paths.bin:
 * src/api/shard.ts) for path indices [⌊iP/N⌋, ⌊(i+1)P/N⌋); `marginlab merge <shard folders…> --out DIR`
 * checks that the shards are of one scenario and cover every path once, and writes what `marginlab run`
 * writes for the whole scenario — results.json identical apart from `run` (timing), the report, the
 * per-path exports. Drill-down paths are re-simulated locally (they are deterministic).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { Scenario } from '../../scenario/schema.js';
import { checkShardSet, encodeShard, mergedRunsOf, parseShardFlag, parseShardHeader, runShard, shardWidth, type Shard, type ShardHeader } from '../../api/shard.js';
import { leanResultsOf, resultsOf, type Results } from '../../api/run.js';
import { PathTable } from '../../mc/table.js';
import { MAX_PATHS_IN_PROCESS } from '../../mc/runner.js';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { UserError } from '../../errors.js';
import { checkOutputFolder, commitOutputFolder, MIB, readBoundedFile, rethrowFs, utf8 } from '../../io/files.js';
import { RUN_OUTPUTS, writeLeanRunOutputs, writeRunOutputs } from '../../report/write.js';
import { runSummary, summaryMarkdown } from '../../report/verdict.js';
import { emitSummary } from '../emit.js';
import { createProgress } from '../progress.js';
import { defaultOutDir, noFiguresOption, summaryJsonOption } from '../args.js';
import { fmtInt } from '../../report/format.js';
import { joinSweepShards, STUDY_SHARD_FORMAT, type CompareShardHeader, type StudyShardHeader, type SweepShardHeader } from '../../sweep/shard.js';
import { runComparison } from '../../sweep/compare.js';
import { StudyFolder } from '../../sweep/store.js';
import { comparisonSummary } from '../../report/verdict.js';
import { comparisonPointExports } from '../../report/exports.js';
import { finishSweep } from './sweep.js';
import { studyOutputs, writeStudy, wroteLine } from './study-common.js';

export interface RunFlags {
  out?: string;
  force?: boolean;
  paths?: number;
  seed?: number;
  workers?: number;
  json?: boolean;
  figures?: boolean;
  allowAnyPath?: boolean;
  shard?: string;
  redis?: string;
  jobPaths?: number;
  /** `--set path=value`, in the order given. */
  set?: string[];
  /** false with --no-inline-paths: per-path columns only in paths.parquet and paths.csv. */
  inlinePaths?: boolean;
  /** `--precision h`: run to a relative half-width h (sampling.precision.relativeHalfWidth). */
  precision?: number;
  /** `--series-parquet`: also write series.parquet. */
  seriesParquet?: boolean;
}

/** What a shard folder holds. */
const SHARD_OUTPUTS = ['shard.json', 'paths.bin'] as const;
/** Largest shard.json (sampled series and the scenario) and paths.bin read. */
const MAX_HEADER_BYTES = 256 * MIB;

function holdsShard(dir: string): boolean {
  return existsSync(path.join(dir, 'shard.json'));
}

/** `run --shard i/N`: runs the shard's paths and writes its folder. */
export async function runShardCommand(scenario: Scenario, opts: RunFlags): Promise<void> {
  const { index, count } = parseShardFlag(opts.shard!, scenario.paths);
  const out = opts.out ?? defaultOutDir(`${scenario.name}-shard-${index}-of-${count}`);
  checkOutputFolder(out, SHARD_OUTPUTS);
  if (!opts.force && holdsShard(out)) throw new UserError(`--out ${out}: holds an earlier shard — pass --force to replace it, or choose another --out`);
  const start = Math.floor((index * scenario.paths) / count);
  const end = Math.floor(((index + 1) * scenario.paths) / count);
  const progress = createProgress(end - start);
  let shard: Shard;
  try {
    shard = await runShard(scenario, index, count, { workers: opts.workers, onProgress: progress.update });
  } finally {
    progress.stop();
  }
  const written = commitOutputFolder(out, encodeShard(shard), { replace: SHARD_OUTPUTS });
  const line = `shard ${index}/${count} of ${scenario.name}: paths [${fmtInt(start)}, ${fmtInt(end)}) of ${fmtInt(scenario.paths)}, scenario hash ${shard.header.scenarioHash}; wrote ${written.join(', ')}`;
  if (opts.json) process.stdout.write(JSON.stringify({ command: 'run', shard: shard.header.shard, scenarioHash: shard.header.scenarioHash, out }) + '\n');
  else process.stdout.write(line + '\n');
}

/** Reads a shard folder's header and checks that its records file has the size the header says. @throws UserError naming the folder */
function readShardHeader(dir: string): ShardHeader {
  const headerFile = path.join(dir, 'shard.json');
  if (!existsSync(headerFile)) throw new UserError(`merge: ${dir} is not a shard folder (no shard.json) — pass folders written by "marginlab run … --shard i/N"`);
  const header = parseShardHeader(utf8(readBoundedFile(headerFile, MAX_HEADER_BYTES, 'shard header')), dir);
  const bin = path.join(dir, 'paths.bin');
  const want = shardWidth(header) * header.n * 8;
  let size: number;
  try {
    size = statSync(bin).size;
  } catch (e) {
    return rethrowFs(e, dir, 'cannot read paths.bin');
  }
  if (size !== want) throw new UserError(`${dir}: paths.bin holds ${size} bytes, expected ${want} (${header.n} paths × ${shardWidth(header)} columns × 8) — the shard is truncated or damaged`);
  return header;
}

/**
 * Reads checked shards' records straight into one table of all P paths: column j of a shard is a
 * contiguous run of n little-endian float64s in its paths.bin, read into place (no copy of a shard is
 * held), so merging needs the table (8 bytes × columns × paths) and little else.
 */
function readMergedTable(shards: { where: string; header: ShardHeader }[], paths: number): PathTable {
  const fields = shards[0].header.fields;
  const sig = JSON.stringify(fields);
  for (const s of shards) {
    if (JSON.stringify(s.header.fields) !== sig) throw new UserError(`merge: ${s.where} records other fields than ${shards[0].where} — shards of one marginlab version and scenario only`);
  }
  const width = shardWidth(shards[0].header);
  const columns = Array.from({ length: width }, () => new Float64Array(paths));
  const le = endianness() === 'LE';
  for (const s of shards) {
    const { n, shard } = s.header;
    const file = path.join(s.where, 'paths.bin');
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      return rethrowFs(e, s.where, 'cannot read paths.bin');
    }
    try {
      for (let j = 0; j < width; j++) {
        const into = new Uint8Array(columns[j].buffer, shard.start * 8, n * 8);
        let got = 0;
        while (got < n * 8) {
          const k = readSync(fd, into, got, n * 8 - got, j * n * 8 + got);
          if (k === 0) throw new UserError(`${s.where}: paths.bin ended early — the shard is truncated or damaged`);
          got += k;
        }
        if (!le) {
          const v = new DataView(into.buffer, into.byteOffset, into.byteLength);
          for (let i = 0; i < n; i++) columns[j][shard.start + i] = v.getFloat64(i * 8, true);
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  return new PathTable(fields, columns, paths);
}

/** A study shard's header (sweep or comparison), or undefined for a run shard. @throws UserError when the folder holds no shard */
function peekStudyShard(dir: string): StudyShardHeader | undefined {
  const file = path.join(dir, 'shard.json');
  if (!existsSync(file)) throw new UserError(`merge: ${dir} is not a shard folder (no shard.json) — pass folders written by "marginlab run|sweep|compare … --shard i/N"`);
  let h: { format?: string };
  try {
    h = JSON.parse(utf8(readBoundedFile(file, MAX_HEADER_BYTES, 'shard header')));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${dir}: shard.json is not valid JSON — not a marginlab shard folder`);
  }
  return h?.format === STUDY_SHARD_FORMAT ? (h as StudyShardHeader) : undefined;
}

/** merge of study shards: sweeps join each point's ranges into `--out`'s study folder, comparisons merge each variant's run shards into its saved results; then the study finishes there (every point or variant resumed). */
async function mergeStudyShards(shards: { where: string; header: StudyShardHeader }[], opts: { out: string; json?: boolean; figures?: boolean }): Promise<void> {
  const kind = shards[0].header.kind;
  if (kind === 'sweep') {
    checkOutputFolder(opts.out, [...studyOutputs('sweep.json'), 'manifest.json', 'points']);
    if (existsSync(path.join(opts.out, 'sweep.json'))) throw new UserError(`--out ${opts.out}: holds an earlier sweep — choose another --out`);
    const args = joinSweepShards(shards as { where: string; header: SweepShardHeader }[], opts.out);
    await finishSweep(args.scenario, { params: args.params, paths: args.paths, metrics: args.metrics, out: opts.out, workers: 0 }, opts.out, opts);
    return;
  }
  if (kind !== 'compare') throw new UserError(`merge: ${shards[0].where} is a ${String(kind)} shard, which this version cannot merge`);
  checkOutputFolder(opts.out, [...studyOutputs('comparison.json'), 'manifest.json', 'variants']);
  if (existsSync(path.join(opts.out, 'comparison.json'))) throw new UserError(`--out ${opts.out}: holds an earlier comparison — choose another --out`);
  const sorted = checkShardSet(shards as { where: string; header: CompareShardHeader }[], (h) => h.paths);
  const first = sorted[0].header;
  const saved: { file: string; results: Results }[] = [];
  for (const vdir of first.variantDirs) {
    const parts = sorted.map((s) => ({ where: path.join(s.where, vdir), header: readShardHeader(path.join(s.where, vdir)) }));
    const runs = checkShardSet(parts, (h) => h.scenario.paths);
    const h = runs[0].header;
    const table = readMergedTable(runs, h.scenario.paths);
    const merged = mergedRunsOf(
      runs.map((r) => r.header),
      table,
    );
    saved.push({ file: `${vdir}.json`, results: resultsOf(h.scenario, h.shown, merged, { drilldown: false }) });
  }
  const folder = StudyFolder.open(opts.out, first.identity);
  for (const s of saved) folder.writeJson(s.file, s.results);
  const r = await runComparison(first.args.variants, { ...first.args.options, out: opts.out, workers: 0 });
  const summary = comparisonSummary(r, opts.out);
  const written = await writeStudy(opts.out, 'comparison.json', r, async () => (await import('../../report/study-pages.js')).comparisonPage(r), summary, opts.figures !== false, comparisonPointExports(r));
  emitSummary(summary, opts.json, `merged ${shards.length} comparison shards (${first.variantDirs.length} variants × ${fmtInt(first.paths)} paths)\n${wroteLine(written)}`);
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the shard folders of a run (written by run --shard i/N) into what run writes for the whole scenario')
    .argument('<shards...>', 'shard folders')
    .requiredOption('--out <dir>', 'output folder')
    .option('--force', 'replace an earlier run in the output folder')
    .addOption(summaryJsonOption())
    .option('--no-inline-paths', 'leave the per-path columns out of results.json (paths.parquet and paths.csv hold them) and write no index.html: for runs of millions of paths')
    .addOption(noFiguresOption())
    .action(async (dirs: string[], opts: { out: string; force?: boolean; json?: boolean; figures?: boolean; inlinePaths?: boolean }) => {
      checkOutputFolder(opts.out, RUN_OUTPUTS);
      if (!opts.force && existsSync(path.join(opts.out, 'results.json'))) throw new UserError(`--out ${opts.out}: holds an earlier run — pass --force to replace it, or choose another --out`);
      const kinds = dirs.map((d) => ({ where: d, study: peekStudyShard(d) }));
      if (kinds.some((k) => k.study)) {
        const studies = kinds.filter((k): k is { where: string; study: StudyShardHeader } => k.study !== undefined);
        if (studies.length < kinds.length) {
          const run = kinds.find((k) => !k.study)!;
          throw new UserError(`merge: ${run.where} is a run shard but ${studies[0].where} is a ${studies[0].study.kind} shard — merge shards of one command`);
        }
        return mergeStudyShards(
          studies.map((s) => ({ where: s.where, header: s.study })),
          opts,
        );
      }
      const headers = dirs.map((d) => ({ where: d, header: readShardHeader(d) }));
      const sorted = checkShardSet(headers, (h) => h.scenario.paths);
      const h = sorted[0].header;
      // inline per-path columns in results.json (and the page drawn from them) hold every path in memory
      if (opts.inlinePaths !== false && h.scenario.paths > MAX_PATHS_IN_PROCESS) {
        throw new UserError(
          `merge: ${fmtInt(h.scenario.paths)} paths — at most ${fmtInt(MAX_PATHS_IN_PROCESS)} with the per-path columns inline in results.json; add --no-inline-paths (paths.parquet and paths.csv hold them)`,
        );
      }
      const table = readMergedTable(sorted, h.scenario.paths);
      const runs = mergedRunsOf(
        sorted.map((s) => s.header),
        table,
      );
      const note = `merged ${dirs.length} shards (${fmtInt(h.scenario.paths)} paths)`;
      if (opts.inlinePaths === false) {
        const lean = leanResultsOf(h.scenario, h.shown, runs);
        const summary = runSummary({ ...lean, paths: {} } as Results, opts.out);
        const written = writeLeanRunOutputs(opts.out, lean, table, summaryMarkdown(summary));
        emitSummary(summary, opts.json, `${note}; per-path columns only in paths.parquet and paths.csv, no index.html (--no-inline-paths)\nwrote ${written.join(', ')}`);
        return;
      }
      const results = resultsOf(h.scenario, h.shown, runs);
      const written = await writeRunOutputs(opts.out, results, { figures: opts.figures !== false, table });
      emitSummary(runSummary(results, opts.out), opts.json, `${note}\nwrote ${written.join(', ')}`);
    });
}
