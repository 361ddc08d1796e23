/**
 * `marginlab run --series-parquet` (issue 23 item 8): every sampled path's key series as Parquet, one row per
 * path × series point — the paths below output.seriesSamplePaths, each from step 0 to the horizon, starting at
 * the scenario's price, its liquidations adding up to the path's record in paths.parquet; the same bytes for 1
 * and 2 workers; absent without the flag; refused with --shard (one line, exit 2).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { SERIES_COLUMNS } from '../../src/report/exports.js';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');
const read = async (f: string) => (await parquetReadObjects({ file: await asyncBufferFromFile(f) })) as Record<string, number>[];

describe('marginlab run --series-parquet', () => {
  it('writes one row per sampled path × point, path by path, consistent with paths.parquet, identical for any worker count', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-series-'));
    try {
      const args = ['run', SCENARIO, '--paths', '12', '--series-parquet', '--no-figures', '--set', 'output.seriesSamplePaths=10', '--set', 'output.seriesPoints=25'];
      const r = await cli(...args, '--out', path.join(dir, 'a'), '--workers', '1');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/series\.parquet/);
      const rows = await read(path.join(dir, 'a', 'series.parquet'));
      expect(Object.keys(rows[0])).toEqual(['pathIndex', 'step', 'timeSeconds', ...SERIES_COLUMNS]);
      const paths = [...new Set(rows.map((x) => x.pathIndex))];
      expect(paths).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // the sampled paths, not the two beyond
      const records = await read(path.join(dir, 'a', 'paths.parquet'));
      for (const k of paths) {
        const mine = rows.filter((x) => x.pathIndex === k);
        expect(mine.length).toBeGreaterThan(10);
        expect(mine[0].step).toBe(0);
        expect(mine[mine.length - 1].step).toBe(120); // horizonSteps
        expect(mine[0].markUsd).toBe(100); // the default initial price
        expect(mine[0].timeSeconds).toBe(0);
        expect(mine[1].timeSeconds).toBe(mine[1].step * 60);
        // the liquidations of the intervals add up to the path's totals
        const rec = records.find((x) => x.pathIndex === k)!;
        const longs = mine.reduce((a, x) => a + x.liquidatedLongUsd, 0);
        const shorts = mine.reduce((a, x) => a + x.liquidatedShortUsd, 0);
        expect(longs).toBeCloseTo(rec.liquidatedLongNotionalUsd, 2);
        expect(shorts).toBeCloseTo(rec.liquidatedShortNotionalUsd, 2);
      }
      const b = await cli(...args, '--out', path.join(dir, 'b'), '--workers', '2');
      expect(b.status, b.stderr).toBe(0);
      expect(readFileSync(path.join(dir, 'b', 'series.parquet')).equals(readFileSync(path.join(dir, 'a', 'series.parquet')))).toBe(true);

      // without the flag: no series.parquet, and --force replaces the earlier one rather than leaving it beside a new run
      const c = await cli('run', SCENARIO, '--paths', '12', '--no-figures', '--out', path.join(dir, 'a'), '--force');
      expect(c.status, c.stderr).toBe(0);
      expect(existsSync(path.join(dir, 'a', 'series.parquet'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with --shard: one line, exit 2', async () => {
    const r = await cli('run', SCENARIO, '--series-parquet', '--shard', '0/2', '--out', path.join(tmpdir(), 'marginlab-series-no'));
    expect(isOneLineUserError(r, /--series-parquet: not with --shard/), r.stderr).toBe(true);
  });
});
