/**
 * Shards merge exactly: a run split into shards (`run --shard i/N`) and merged (`merge`) writes the
 * results.json a single run writes, byte for byte apart from `run` (timing), and the same report
 * files; shards of another scenario, overlapping shards and missing ranges are refused with one line.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, existsSync, cpSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { withoutTiming } from '../helpers/files.js';
import { shardRange } from '../../src/api/shard.js';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { parse, stringify } from 'yaml';

const SCENARIO = path.resolve(__dirname, '../fixtures/shard-small.yaml');


describe('shards and merge', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-shards-'));
  const shard = (i: number, n = 3, extra: string[] = []) => path.join(dir, `s${i}of${n}${extra.join('')}`);

  beforeAll(async () => {
    const single = await cli('run', SCENARIO, '--out', path.join(dir, 'single'), '--workers', '2', '--no-figures');
    expect(single.status, single.stderr).toBe(0);
    for (let i = 0; i < 3; i++) {
      const r = await cli('run', SCENARIO, '--shard', `${i}/3`, '--out', shard(i), '--workers', String(i === 1 ? 0 : 1));
      expect(r.status, r.stderr).toBe(0);
    }
  }, 60_000);

  it('shard i of N covers [⌊iP/N⌋, ⌊(i+1)P/N⌋) and the shards tile 0 … P − 1', () => {
    expect([0, 1, 2].map((i) => shardRange(23, i, 3))).toEqual([
      { index: 0, count: 3, start: 0, end: 7 },
      { index: 1, count: 3, start: 7, end: 15 },
      { index: 2, count: 3, start: 15, end: 23 },
    ]);
    const h = JSON.parse(readFileSync(path.join(shard(1), 'shard.json'), 'utf8'));
    expect(h.shard).toEqual({ index: 1, count: 3, start: 7, end: 15 });
    expect(h.fields.map((f: { key: string }) => f.key)).toContain('likelihoodRatio');
  });

  it('three shards merged (given in any order) equal the single run: results.json minus timing, summary.md and index.html', async () => {
    const out = path.join(dir, 'merged');
    const r = await cli('merge', shard(2), shard(0), shard(1), '--out', out, '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const single = path.join(dir, 'single');
    expect(withoutTiming(path.join(out, 'results.json'))).toBe(withoutTiming(path.join(single, 'results.json')));
    const merged = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    expect(merged.aggregates.sampling.design).toBe('importance+books');
    expect(merged.paths.pathIndex).toEqual(Array.from({ length: 23 }, (_, k) => k));
    expect(readdirSync(out).sort()).toEqual(readdirSync(single).sort());
    for (const f of ['paths.parquet', 'paths.csv']) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(single, f))), f).toBe(true);
    const md = (d: string) => readFileSync(path.join(d, 'summary.md'), 'utf8').replace(/compute time [^·\n]*/g, '').replaceAll(d, 'DIR');
    expect(md(out)).toBe(md(single));
  }, 30_000);

  it('shards carry every series the engine records: a run with volatile collateral and funding merges to the single run (collateral and funding bands included)', async () => {
    const sc = parse(readFileSync(path.resolve(__dirname, '../../scenarios/flows/btc-margined.yaml'), 'utf8'));
    Object.assign(sc, { name: 'shard-flows', paths: 6, horizonSteps: 180 });
    sc.traders.count = 300;
    sc.policy.funding = { intervalSeconds: 3600, interestRatePerInterval: 0.0001, clamp: 0.0005, capPerInterval: 0.0075 };
    sc.output = { seriesSamplePaths: 6, seriesPoints: 30 };
    const file = path.join(dir, 'shard-flows.yaml');
    writeFileSync(file, stringify(sc));
    const single = await cli('run', file, '--out', path.join(dir, 'flows-single'), '--workers', '1', '--no-figures');
    expect(single.status, single.stderr).toBe(0);
    for (let i = 0; i < 2; i++) {
      const r = await cli('run', file, '--shard', `${i}/2`, '--out', path.join(dir, `flows-s${i}`), '--workers', '1');
      expect(r.status, r.stderr).toBe(0);
    }
    const out = path.join(dir, 'flows-merged');
    const m = await cli('merge', path.join(dir, 'flows-s1'), path.join(dir, 'flows-s0'), '--out', out, '--no-figures');
    expect(m.status, m.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8'));
    for (const k of ['collateralCoverage', 'fundingPaidByLongsUsd']) expect(Object.keys(merged.series), k).toContain(k);
    expect(withoutTiming(path.join(out, 'results.json'))).toBe(withoutTiming(path.join(dir, 'flows-single', 'results.json')));
  }, 60_000);

  it('merge --no-inline-paths writes results.json without `paths` (every other field the same), the exports and summary.md, and no index.html', async () => {
    const out = path.join(dir, 'lean');
    const r = await cli('merge', shard(0), shard(1), shard(2), '--out', out, '--no-inline-paths');
    expect(r.status, r.stderr).toBe(0);
    const strip = (f: string) => {
      const x = JSON.parse(readFileSync(f, 'utf8'));
      delete x.run;
      delete x.paths;
      return JSON.stringify(x);
    };
    expect(strip(path.join(out, 'results.json'))).toBe(strip(path.join(dir, 'single', 'results.json')));
    expect(readdirSync(out).sort()).toEqual(['paths.csv', 'paths.parquet', 'results.json', 'summary.md']);
    expect(readFileSync(path.join(out, 'paths.parquet')).equals(readFileSync(path.join(dir, 'single', 'paths.parquet')))).toBe(true);
  });

  it('refuses a missing range, overlapping shards and a shard of another scenario, naming them, writing nothing', async () => {
    const out = path.join(dir, 'refused');
    const missing = await cli('merge', shard(0), shard(2), '--out', out);
    expect(isOneLineUserError(missing, /paths \[7, 15\) of 23 are missing/, /s0of3/, /s2of3/), missing.stderr).toBe(true);
    const tail = await cli('merge', shard(0), shard(1), '--out', out);
    expect(isOneLineUserError(tail, /paths \[15, 23\) of 23 are missing after .*s1of3/), tail.stderr).toBe(true);
    const half = path.join(dir, 'half0');
    expect((await cli('run', SCENARIO, '--shard', '0/2', '--out', half, '--workers', '0')).status).toBe(0);
    const overlap = await cli('merge', shard(0), half, shard(1), shard(2), '--out', out);
    expect(isOneLineUserError(overlap, /overlaps/, /half0/, /s0of3/), overlap.stderr).toBe(true);
    const other = path.join(dir, 'other');
    expect((await cli('run', SCENARIO, '--shard', '1/3', '--seed', '5', '--out', other, '--workers', '0')).status).toBe(0);
    const foreign = await cli('merge', shard(0), other, shard(2), '--out', out);
    expect(isOneLineUserError(foreign, /different scenario/, /other/, /s0of3/), foreign.stderr).toBe(true);
    const notShard = await cli('merge', shard(0), path.join(dir, 'single'), '--out', out);
    expect(isOneLineUserError(notShard, /not a shard folder/), notShard.stderr).toBe(true);
    // a damaged shard is named, never merged
    const damaged = path.join(dir, 'damaged');
    cpSync(shard(1), damaged, { recursive: true });
    writeFileSync(path.join(damaged, 'paths.bin'), readFileSync(path.join(damaged, 'paths.bin')).subarray(0, 100));
    const bad = await cli('merge', shard(0), damaged, shard(2), '--out', out);
    expect(isOneLineUserError(bad, /damaged.*paths\.bin holds 100 bytes/), bad.stderr).toBe(true);
    expect(existsSync(out)).toBe(false);
  }, 30_000);

  it('a sweep in 2 shards merged equals the single sweep (sweep.json minus run fields); run and sweep shards are not mixed', async () => {
    const P = ['--param', 'policy.maintenance.mmr=0.02,0.03', '--workers', '1'];
    expect((await cli('sweep', SCENARIO, ...P, '--out', path.join(dir, 'sweep-single'), '--no-figures')).status).toBe(0);
    for (const i of [0, 1]) expect((await cli('sweep', SCENARIO, ...P, '--shard', `${i}/2`, '--out', path.join(dir, `sweep-s${i}`))).status).toBe(0);
    const r = await cli('merge', path.join(dir, 'sweep-s1'), path.join(dir, 'sweep-s0'), '--out', path.join(dir, 'sweep-merged'), '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const strip = (f: string) => {
      const x = JSON.parse(readFileSync(f, 'utf8'));
      delete x.run;
      for (const p of x.points) delete p.run;
      return JSON.stringify(x);
    };
    expect(strip(path.join(dir, 'sweep-merged', 'sweep.json'))).toBe(strip(path.join(dir, 'sweep-single', 'sweep.json')));
    // points.parquet: one row per point × metric, the estimates of sweep.json
    const sw = JSON.parse(readFileSync(path.join(dir, 'sweep-single', 'sweep.json'), 'utf8'));
    const rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, 'sweep-single', 'points.parquet')) })) as Record<string, unknown>[];
    expect(rows.length).toBe(sw.points.length * sw.metrics.length);
    for (const row of rows) {
      const p = sw.points[row.point as number];
      expect(row['policy.maintenance.mmr']).toBe(p.values['policy.maintenance.mmr']);
      expect(row.estimate).toBe(p.estimates[row.metric as string].estimate);
      expect(row.upper).toBe(p.estimates[row.metric as string].upper ?? NaN);
    }
    expect(readFileSync(path.join(dir, 'sweep-merged', 'points.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'sweep-single', 'points.csv'), 'utf8'));
    const mixed = await cli('merge', path.join(dir, 'sweep-s0'), shard(1), '--out', path.join(dir, 'mixed'));
    expect(isOneLineUserError(mixed, /run shard but .*sweep-s0 is a sweep shard/), mixed.stderr).toBe(true);
    const gap = await cli('merge', path.join(dir, 'sweep-s1'), '--out', path.join(dir, 'mixed'));
    expect(isOneLineUserError(gap, /paths \[0, 11\) of 23 are missing/), gap.stderr).toBe(true);
    const cal = await cli('calibrate', SCENARIO, '--shard', '0/2');
    expect(isOneLineUserError(cal, /calibrate --shard/, /depend on the last evaluation/), cal.stderr).toBe(true);
  }, 30_000);

  it('a comparison in 2 shards merged equals the single comparison (comparison.json minus run)', async () => {
    const b = path.join(dir, 'b.yaml');
    writeFileSync(b, readFileSync(SCENARIO, 'utf8').replace('name: shard-small', 'name: shard-small-b').replace('maxLeverage: 20', 'maxLeverage: 20\n  maintenance: { kind: fixed, mmr: 0.03 }'));
    const V = [SCENARIO, b, '--workers', '1'];
    expect((await cli('compare', ...V, '--out', path.join(dir, 'cmp-single'), '--no-figures')).status).toBe(0);
    for (const i of [0, 1]) expect((await cli('compare', ...V, '--shard', `${i}/2`, '--out', path.join(dir, `cmp-s${i}`))).status).toBe(0);
    const r = await cli('merge', path.join(dir, 'cmp-s1'), path.join(dir, 'cmp-s0'), '--out', path.join(dir, 'cmp-merged'), '--no-figures');
    expect(r.status, r.stderr).toBe(0);
    const strip = (f: string) => {
      const x = JSON.parse(readFileSync(f, 'utf8'));
      delete x.run;
      return JSON.stringify(x);
    };
    expect(strip(path.join(dir, 'cmp-merged', 'comparison.json'))).toBe(strip(path.join(dir, 'cmp-single', 'comparison.json')));
    expect(readFileSync(path.join(dir, 'cmp-merged', 'points.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'cmp-single', 'points.csv'), 'utf8'));
    const foreign = await cli('merge', path.join(dir, 'cmp-s0'), path.join(dir, 'sweep-s1'), '--out', path.join(dir, 'cmp-x'));
    expect(isOneLineUserError(foreign, /sweep shard but .*cmp-s0 is a compare shard/), foreign.stderr).toBe(true);
  }, 30_000);

  it('refuses a malformed --shard with one line naming the flag and what is allowed', async () => {
    for (const v of ['3/3', '1', 'a/b', '0/0', '0/24']) {
      const r = await cli('run', SCENARIO, '--shard', v, '--out', path.join(dir, 'x'));
      expect(isOneLineUserError(r, /--shard/, new RegExp(v.replace('/', '\\/'))), `${v}: ${r.stderr}`).toBe(true);
    }
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
