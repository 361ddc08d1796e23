/**
 * paths.parquet and paths.csv hold every path's record: read back with hyparquet (the writer's own
 * reader), every column equals results.json's per-path column (after results.json's rounding), has
 * the documented physical type, and the CSV holds the same numbers. Python's pyarrow, when installed,
 * reads the file too (skipped, with a note, when it is not).
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { cli } from '../helpers/cli.js';
import { roundPathValue } from '../../src/api/run.js';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');

describe('per-path exports (paths.parquet, paths.csv)', () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-exports-')), 'run');
  let results: { paths: Record<string, unknown[]>; scenario: { paths: number; sampling: { pathsPerBook: number } } };
  let rows: Record<string, unknown>[];
  let types: Record<string, string>;

  beforeAll(async () => {
    const r = await cli('run', SCENARIO, '--out', out, '--workers', '0', '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    const file = await asyncBufferFromFile(path.join(out, 'paths.parquet'));
    const meta = await parquetMetadataAsync(file);
    types = Object.fromEntries(meta.schema.slice(1).map((e) => [e.name, e.type!]));
    rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  }, 30_000);

  it('has one row per path and every column of results.json, per-market arrays one column per market, and a book column', () => {
    expect(rows.length).toBe(results.scenario.paths);
    const expected = Object.entries(results.paths).flatMap(([k, v]) => (Array.isArray(v[0]) ? (v[0] as unknown[]).map((_, m) => `${k}_${m}`) : [k]));
    expect(Object.keys(types).filter((k) => k !== 'book').sort()).toEqual(expected.sort());
    expect(types.book).toBe('INT32');
    expect(rows.map((r) => r.book)).toEqual(rows.map((r) => Math.floor((r.pathIndex as number) / results.scenario.sampling.pathsPerBook)));
  });

  it('every column equals results.json (rounded as results.json rounds), with the documented types', () => {
    let checked = 0;
    for (const [key, col] of Object.entries(results.paths)) {
      const usd = key.endsWith('Usd');
      col.forEach((v, i) => {
        if (Array.isArray(v)) {
          v.forEach((x, m) => expect(roundPathValue(rows[i][`${key}_${m}`] as number, usd), `${key}_${m}[${i}]`).toBe(x));
        } else if (typeof v === 'boolean') {
          expect(types[key]).toBe('BOOLEAN');
          expect(rows[i][key]).toBe(v);
        } else {
          expect(roundPathValue(rows[i][key] as number, usd), `${key}[${i}]`).toBe(v);
        }
        checked++;
      });
    }
    expect(checked).toBe(Object.keys(results.paths).length * results.scenario.paths);
    for (const k of ['pathIndex', 'liquidationCount', 'haltedAtStep', 'liquidatedPositionsByMarket_0']) expect(types[k], k).toBe('INT32');
    for (const k of ['badDebtUsd', 'likelihoodRatio', 'maxDrawdownRealised', 'liquidatedNotionalByMarketUsd_0']) expect(types[k], k).toBe('DOUBLE');
  });

  it('paths.csv holds the same values as paths.parquet, full precision', () => {
    const [header, ...lines] = readFileSync(path.join(out, 'paths.csv'), 'utf8').trimEnd().split('\n');
    const names = header.split(',');
    expect(names).toEqual(Object.keys(types));
    expect(lines.length).toBe(rows.length);
    lines.forEach((line, i) => {
      line.split(',').forEach((cell, j) => {
        const v = rows[i][names[j]];
        expect(typeof v === 'boolean' ? cell === 'true' : Number(cell), `${names[j]}[${i}]`).toBe(v);
      });
    });
  });

  it('Python pyarrow reads paths.parquet (skipped when pyarrow is not installed; .ci/run installs it)', (ctx) => {
    const probe = spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      ctx.skip();
      return;
    }
    const py = spawnSync('python3', ['-c', 'import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); print(t.num_rows, t.column("badDebtUsd").to_pylist()[3])', path.join(out, 'paths.parquet')], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    // Python prints a float as 0.0 where JavaScript prints 0: compare the numbers, not their spelling.
    const [n, v] = py.stdout.trim().split(' ');
    expect(Number(n)).toBe(rows.length);
    expect(Number(v)).toBe(rows[3].badDebtUsd);
  });
});

describe('the library writes the per-path exports too (issue 23 item 9)', () => {
  it('writeRunOutputs without a table writes paths.parquet and paths.csv from results.json, one row per path', async () => {
    const { runScenario } = await import('../../src/api/run.js');
    const { writeRunOutputs } = await import('../../src/report/write.js');
    const { loadScenarioFile } = await import('../../src/scenario/load.js');
    const results = await runScenario({ ...loadScenarioFile(SCENARIO), paths: 5 }, { workers: 0 });
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-lib-')), 'run');
    const written = await writeRunOutputs(dir, results, { figures: false });
    expect(written.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['paths.parquet', 'paths.csv']));
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, 'paths.parquet')) });
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => Number(r.badDebtUsd))).toEqual(results.paths.badDebtUsd);
    expect(readFileSync(path.join(dir, 'paths.csv'), 'utf8').trim().split('\n')).toHaveLength(6);
  });
});
