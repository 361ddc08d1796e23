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
import { decodeShard, encodeShard, parseShardFlag, runShard, type Shard, mergeShards } from '../../api/shard.js';
import { UserError } from '../../errors.js';
import { checkOutputFolder, commitOutputFolder, MIB, readBoundedFile, utf8 } from '../../io/files.js';
import { RUN_OUTPUTS, writeRunOutputs } from '../../report/write.js';
import { runSummary } from '../../report/verdict.js';
import { emitSummary } from '../emit.js';
import { createProgress } from '../progress.js';
import { defaultOutDir, noFiguresOption } from '../args.js';
import { fmtInt } from '../../report/format.js';

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
}

/** What a shard folder holds. */
export const SHARD_OUTPUTS = ['shard.json', 'paths.bin'] as const;
/** Largest shard.json (sampled series and the scenario) and paths.bin read. */
const MAX_HEADER_BYTES = 256 * MIB;
const MAX_BIN_BYTES = 2048 * MIB;

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

/** Reads a shard folder. @throws UserError naming the folder */
export function readShardFolder(dir: string): Shard {
  const headerFile = path.join(dir, 'shard.json');
  if (!existsSync(headerFile)) throw new UserError(`merge: ${dir} is not a shard folder (no shard.json) — pass folders written by "marginlab run … --shard i/N"`);
  const header = utf8(readBoundedFile(headerFile, MAX_HEADER_BYTES, 'shard header'));
  const bin = readBoundedFile(path.join(dir, 'paths.bin'), MAX_BIN_BYTES, 'shard records file');
  return decodeShard(header, bin, dir);
}

export function registerMerge(program: Command): void {
  program
    .command('merge')
    .description('merge the shard folders of a run (written by run --shard i/N) into what run writes for the whole scenario')
    .argument('<shards...>', 'shard folders')
    .requiredOption('--out <dir>', 'output folder')
    .option('--force', 'replace an earlier run in the output folder')
    .option('--json', 'print the verdict and scorecard as JSON on stdout (the same fields for every command)')
    .addOption(noFiguresOption())
    .action(async (dirs: string[], opts: { out: string; force?: boolean; json?: boolean; figures?: boolean }) => {
      checkOutputFolder(opts.out, RUN_OUTPUTS);
      if (!opts.force && existsSync(path.join(opts.out, 'results.json'))) throw new UserError(`--out ${opts.out}: holds an earlier run — pass --force to replace it, or choose another --out`);
      const shards = dirs.map((d) => ({ where: d, shard: readShardFolder(d) }));
      const { results, table } = mergeShards(shards);
      const written = await writeRunOutputs(opts.out, results, { figures: opts.figures !== false, table });
      emitSummary(runSummary(results, opts.out), opts.json, `merged ${dirs.length} shards (${fmtInt(results.aggregates.paths)} paths)\nwrote ${written.join(', ')}`);
    });
}
