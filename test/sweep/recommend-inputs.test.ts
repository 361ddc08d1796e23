/**
 * A recommend venue from the inputs a risk team has (issue 24): per-market price histories
 * (`marginlab fit --markets` fits each market and estimates their correlation from the same files), a position
 * snapshot (`traders.snapshot`) and a depth table (`impact: { kind: curve, file }`). The fixtures
 * (test/fixtures/recommend-inputs: venue.yaml, positions.csv, depth-b.csv) are synthetic.
 *
 * End to end: the fitted block pasted into the venue in place of its prices runs under `recommend` (exit 0,
 * recommendation.json naming both markets), the snapshot is the book, and the depth table is read and
 * matters (the thin table's market needs more margin than the deep linear one; a deeper table changes it).
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { correlatedGbm } from '../helpers/correlated-gbm.js';

const FIXTURES = path.resolve(__dirname, '../fixtures/recommend-inputs');
const STEP = 300;
const T0 = 1_700_000_000;

/** A folder with the venue's snapshot and depth table, and price histories of A-PERP and B-PERP (GBM, ρ = 0.6). */
function workspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-recin-'));
  for (const f of ['venue.yaml', 'positions.csv', 'depth-b.csv']) copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
  const logs = correlatedGbm([[1, 0.6], [0.6, 1]], [0.6, 1.2], 2000, 13);
  const write = (name: string, p0: number, l: Float64Array, keep: (t: number) => boolean) => {
    const rows = [...l.keys()].filter(keep).map((t) => `${T0 + STEP * t},${(p0 * Math.exp(l[t] - l[l.length - 1])).toPrecision(10)}`);
    writeFileSync(path.join(dir, name), `timestamp,price\n${rows.join('\n')}\n`);
  };
  // B's history starts later and has a hole: the correlation uses only the shared times
  write('a.csv', 100, logs[0], () => true);
  write('b.csv', 20, logs[1], (t) => t >= 300 && (t < 900 || t > 950));
  return dir;
}

describe('recommend on a venue built from price histories, a position snapshot and a depth table', () => {
  it('fit --markets prints market/otherMarkets/correlation that, pasted into the venue with its snapshot and depth file, recommend runs end to end', async () => {
    const dir = workspace();
    const fit = await cli('fit', '--markets', `A-PERP=${path.join(dir, 'a.csv')},B-PERP=${path.join(dir, 'b.csv')}`, '--model', 'gbm');
    expect(fit.status, fit.stderr).toBe(0);
    expect(fit.stdout).toMatch(/^# marginlab fit --markets A-PERP=a\.csv,B-PERP=b\.csv --model gbm/);
    // 1700 shared returns less the 52 across B's hole; the standard error printed beside the estimate
    expect(fit.stdout).toMatch(/# {3}A-PERP \/ B-PERP: 0\.\d+ ± 0\.0\d+ \(n = 1648\)/);
    expect(fit.stdout).toMatch(/# positive semi-definite: yes/);
    const block = parse(fit.stdout) as { market: Record<string, unknown>; otherMarkets: Record<string, unknown>[]; correlation: number[][] };
    expect(block.market.name).toBe('A-PERP');
    expect(block.market.initialPriceUsd).toBe(100);
    expect(block.otherMarkets.map((m) => m.name)).toEqual(['B-PERP']);
    expect(Math.abs(block.correlation[0][1] - 0.6)).toBeLessThan(4 * (1 - 0.36) / Math.sqrt(1648));
    const vol = (m: Record<string, unknown>) => (m.priceModel as { volatilityAnnual: number }).volatilityAnnual;
    expect(Math.abs(vol(block.market) - 0.6)).toBeLessThan(0.05);
    expect(Math.abs(vol(block.otherMarkets[0]) - 1.2)).toBeLessThan(0.1);

    // paste: the fitted prices and correlation replace the venue's; each market keeps its impact (the depth file)
    const venue = parse(readFileSync(path.join(dir, 'venue.yaml'), 'utf8')) as Record<string, any>;
    venue.market = { ...venue.market, ...block.market };
    venue.otherMarkets = [{ ...venue.otherMarkets[0], ...block.otherMarkets[0] }];
    venue.correlation = block.correlation;
    writeFileSync(path.join(dir, 'fitted.yaml'), stringify(venue));
    const out = path.join(dir, 'rec');
    const r = await cli('recommend', path.join(dir, 'fitted.yaml'), '--out', out, '--workers', '0');
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(readFileSync(path.join(out, 'recommendation.json'), 'utf8'));
    expect(rec.status).toBe('found');
    expect(rec.recommended.markets.map((m: { name: string }) => m.name)).toEqual(['A-PERP', 'B-PERP']);
    expect(readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/B-PERP/);
  }, 60_000);

  it('the snapshot is the book and the depth table is read: the thin-table market needs more margin than the deep one, and a 20x deeper table changes its figures', async () => {
    const dir = workspace();
    const run = async (label: string) => {
      const out = path.join(dir, label);
      const r = await cli('recommend', path.join(dir, 'venue.yaml'), '--out', out, '--workers', '0');
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(path.join(out, 'recommendation.json'), 'utf8'));
    };
    const thin = await run('thin');
    const [a, b] = thin.recommended.markets;
    const mmr = (m: { levers: { recommended: number }[] }) => m.levers[0].recommended;
    expect(mmr(b)).toBeGreaterThan(mmr(a));
    // the figures docs/recommend.md quotes ("A venue from your own data")
    expect([a.levers[0].current, mmr(a), b.levers[0].current, mmr(b)]).toEqual([0.01, 0.005, 0.01, 0.02]);
    const before = b.before[0].metric;
    expect([before.estimate, Number((100 * before.lower).toFixed(1)), Number((100 * before.upper).toFixed(1)), before.n]).toEqual([0.325, 18.6, 49.1, 40]);
    expect(readFileSync(path.resolve(__dirname, '../../docs/recommend.md'), 'utf8')).toContain('P(a shortfall) 32.5% [18.6%, 49.1%] on 40 paths at 1%');
    // scale the table's depth 20x: B's shortfalls (liquidations walking the thin book past bankruptcy) change
    const depth = readFileSync(path.join(dir, 'depth-b.csv'), 'utf8').trim().split('\n');
    writeFileSync(path.join(dir, 'depth-b.csv'), `${[depth[0], ...depth.slice(1).map((l) => l.split(',').map((c, i) => (i === 0 ? c : String(Number(c) * 20))).join(','))].join('\n')}\n`);
    const deep = await run('deep');
    const figures = (rec: any) => JSON.stringify(rec.evaluated.map((p: any) => p.scenarios.map((s: any) => s.markets[1].metric.estimate)));
    expect(figures(deep)).not.toEqual(figures(thin));
    // a snapshot naming a market the venue does not have is one line, exit 2
    writeFileSync(path.join(dir, 'positions.csv'), `${readFileSync(path.join(dir, 'positions.csv'), 'utf8')}x1,C-PERP,long,1,10,100,isolated\n`);
    const bad = await cli('recommend', path.join(dir, 'venue.yaml'), '--out', path.join(dir, 'bad'), '--workers', '0');
    expect(isOneLineUserError(bad, /positions\.csv line 26/, /C-PERP/), bad.stderr).toBe(true);
  }, 60_000);
});

describe('fit --markets: bad input is one line, exit 2', () => {
  it('one market, a malformed entry, histories sampled at different times, and an indefinite matrix with --no-repair', async () => {
    const dir = workspace();
    const a = path.join(dir, 'a.csv');
    const one = await cli('fit', '--markets', `A-PERP=${a}`, '--model', 'gbm');
    expect(isOneLineUserError(one, /--markets: 1 market given — a venue block needs at least two/), one.stderr).toBe(true);
    const malformed = await cli('fit', '--markets', `A-PERP=${a},B-PERP`, '--model', 'gbm');
    expect(isOneLineUserError(malformed, /--markets: "B-PERP" is not allowed — expected NAME=FILE/), malformed.stderr).toBe(true);
    const twice = await cli('fit', '--markets', `A=${a},A=${a}`, '--model', 'gbm');
    expect(isOneLineUserError(twice, /the market A is named twice/), twice.stderr).toBe(true);
    // the same prices half a step later: no shared timestamps
    const shifted = readFileSync(a, 'utf8').replace(/^(\d+),/gm, (_, t) => `${Number(t) + 150},`);
    writeFileSync(path.join(dir, 's.csv'), shifted);
    const mism = await cli('fit', '--markets', `A=${a},S=${path.join(dir, 's.csv')}`, '--model', 'gbm');
    expect(isOneLineUserError(mism, /A and S share 0 timestamps and 0 returns one step apart — at least 30 are needed/), mism.stderr).toBe(true);
    const neither = await cli('fit', '--model', 'gbm');
    expect(isOneLineUserError(neither, /no price file given/), neither.stderr).toBe(true);
    const both = await cli('fit', a, '--markets', `A=${a},B=${a}`, '--model', 'gbm');
    expect(isOneLineUserError(both, /pass one file or --markets, not both/), both.stderr).toBe(true);
    const missing = await cli('fit', '--markets', `A=${a},B=${path.join(dir, 'nope.csv')}`, '--model', 'gbm');
    expect(isOneLineUserError(missing, /nope\.csv: price CSV file not found/), missing.stderr).toBe(true);
    // pairwise overlaps that cannot coexist: X,Y together early, Y,Z together in the middle, X,Z opposed late
    const n = 300;
    const parts = [correlatedGbm([[1, 0.95], [0.95, 1]], [0.6, 0.6], n, 1), correlatedGbm([[1, 0.95], [0.95, 1]], [0.6, 0.6], n, 2), correlatedGbm([[1, -0.95], [-0.95, 1]], [0.6, 0.6], n, 3)];
    const file = (name: string, pieces: [Float64Array, number][]) => {
      const rows = pieces.flatMap(([l, third]) => [...l].map((x, t) => `${T0 + STEP * (third * (n + 1) + t)},${(100 * Math.exp(x)).toPrecision(10)}`));
      writeFileSync(path.join(dir, `${name}.csv`), `timestamp,price\n${rows.join('\n')}\n`);
      return `${name}=${path.join(dir, `${name}.csv`)}`;
    };
    const list = [file('X', [[parts[0][0], 0], [parts[2][0], 2]]), file('Y', [[parts[0][1], 0], [parts[1][0], 1]]), file('Z', [[parts[1][1], 1], [parts[2][1], 2]])].join(',');
    const strict = await cli('fit', '--markets', list, '--model', 'gbm', '--pairwise', '--no-repair');
    expect(isOneLineUserError(strict, /not positive semi-definite \(smallest eigenvalue -0\.\d+\)/), strict.stderr).toBe(true);
    const repaired = await cli('fit', '--markets', list, '--model', 'gbm', '--pairwise', '--json');
    expect(repaired.status, repaired.stderr).toBe(0);
    expect(repaired.stderr).toMatch(/warning: the estimated correlation matrix is not positive semi-definite/);
    const j = JSON.parse(repaired.stdout);
    expect(j.correlation.repaired).toBe(true);
    expect(j.correlation.observations[1][0]).toBe(n);
  }, 60_000);
});
