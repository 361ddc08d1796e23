/**
 * One on-disk format for per-path records: a study's point chunk (points/<h>-<a>-<b>.json + .bin)
 * holds its columns exactly as a run shard's paths.bin does, reads back bit for bit, and a chunk that
 * is truncated, damaged or of the older JSON format is not used (it is recomputed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { runRange, encodeShard, shardRange } from '../../src/api/shard.js';
import { StudyFolder } from '../../src/sweep/store.js';
import { chunkHeader } from '../../src/sweep/evaluate.js';
import { resolveSampling } from '../../src/mc/chunk.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-chunks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('study chunks share the run shard format', () => {
  it("a chunk's .bin is byte for byte the paths.bin of a shard of the same paths, and reads back exactly", async () => {
    const sc = resolveSampling(parseScenario({ name: 'c', paths: 12, horizonSteps: 60, traders: { count: 60 }, sampling: { pathsPerBook: 4 } }));
    const shard = await runRange(sc, shardRange(sc.paths, 1, 3), { workers: 0 });
    const { table } = shard;
    const folder = StudyFolder.open(path.join(dir, 'a'), { command: 'sweep', inputs: {} });
    const header = chunkHeader({ key: 'abc', label: 'x', traders: 60 }, 4, 8, 1, 0, table);
    folder.writeChunk({ header, table });
    const bin = readFileSync(path.join(dir, 'a', 'points', 'abc-4-8.bin'));
    expect(Buffer.compare(bin, Buffer.from(encodeShard(shard)['paths.bin']))).toBe(0);
    expect(header.fields).toEqual(shard.header.fields);
    const back = folder.readChunk('abc', 4, 8)!;
    expect(back.header).toEqual(header);
    expect(back.table.fields).toEqual(table.fields);
    expect(back.table.columns).toEqual(table.columns);
    expect(back.table.row(2)).toEqual(table.row(2));
  });

  it('a truncated .bin, a damaged header or a chunk of the older JSON format is not read (recomputed instead)', async () => {
    const sc = parseScenario({ name: 'c', paths: 4, horizonSteps: 30, traders: { count: 30 } });
    const { table } = await runRange(sc, shardRange(4, 0, 1), { workers: 0 });
    const folder = StudyFolder.open(path.join(dir, 'b'), { command: 'sweep', inputs: {} });
    const points = path.join(dir, 'b', 'points');
    folder.writeChunk({ header: chunkHeader({ key: 'k', label: 'x', traders: 30 }, 0, 4, 1, 0, table), table });
    expect(folder.readChunk('k', 0, 4)).toBeDefined();
    const bin = readFileSync(path.join(points, 'k-0-4.bin'));
    writeFileSync(path.join(points, 'k-0-4.bin'), bin.subarray(0, bin.length - 8));
    expect(folder.readChunk('k', 0, 4)).toBeUndefined();
    writeFileSync(path.join(points, 'k-0-4.bin'), bin);
    expect(folder.readChunk('k', 0, 4)).toBeDefined();
    writeFileSync(path.join(points, 'k-0-4.json'), JSON.stringify({ format: 'marginlab.paths/1', pointKey: 'k', start: 0, end: 4, columns: { badDebtUsd: [0, 0, 0, 0] } }));
    expect(folder.readChunk('k', 0, 4)).toBeUndefined();
  });
});
