/**
 * Issue 16 part 1: the opening book from a position snapshot (`traders.snapshot`). A drawn book
 * written as a snapshot loads back as the same book bit for bit (seasoned or not), and an unseasoned
 * book's runs are identical, for any worker count; behaviours the file leaves empty are drawn from the
 * scenario's distributions; every bad row is one line naming the file, the line and the column;
 * incompatible options are refused; the book-health panel measures the snapshot's own distances.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRunContext } from '../../src/engine/context.js';
import { snapshotCsv } from '../../src/agents/snapshot.js';
import { parseSnapshotCsv } from '../../src/scenario/snapshot-csv.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runPaths } from '../../src/mc/runner.js';
import { runScenario } from '../../src/api/run.js';
import { bookHealth } from '../../src/api/book-health.js';
import type { Population } from '../../src/agents/population.js';
import { merge, SMALL } from '../helpers/scenarios.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-snapshot-'));
const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return name;
};
const parse = (over: unknown) => parseScenario(merge(SMALL, over), 'test', { baseDir: dir });

/** Two markets, cross accounts, every behaviour switched on: a book that exercises every column. */
const RICH = {
  otherMarkets: [{ name: 'ETH-PERP', initialPriceUsd: 3000, priceModel: { kind: 'gbm', volatilityAnnual: 1 }, impact: { kind: 'linear', depthUsdPerPercent: 300_000 } }],
  traders: {
    count: 300,
    crossMarginShare: 0.3,
    stopLoss: { share: 0.4 },
    takeProfit: { share: 0.3 },
    topUp: { share: 0.5 },
    volatilityDeleverage: { share: 0.2 },
    arrivals: { perStep: 0.2 },
  },
};

const ARRAYS = ['acctCross', 'acctMargin', 'acctReserve', 'acctTopUp', 'acctTopUpTrigger', 'acctDeleverage', 'acctFirstPos', 'acctNPos', 'acctLeverage', 'posAccount', 'posMarket', 'posSide', 'posSize', 'posEntry', 'posStop', 'posTakeProfit'] as const;
function expectSameBook(a: Population, b: Population): void {
  expect(b.accounts).toBe(a.accounts);
  expect(b.positions).toBe(a.positions);
  expect(b.depositsCents).toBe(a.depositsCents);
  for (const k of ARRAYS) {
    const n = k.startsWith('acct') ? a.accounts : a.positions;
    expect(Array.from(b[k].subarray(0, n)), k).toEqual(Array.from(a[k].subarray(0, n)));
  }
}

describe('snapshot round trip: draw a book, write it as a snapshot, load it', () => {
  it('a seasoned two-market book with cross accounts and every behaviour loads back bit for bit', () => {
    const drawn = parse(RICH);
    expect(drawn.traders.warmup.kind).toBe('history');
    const ctx = createRunContext(drawn);
    expect(ctx.population.acctCross.subarray(0, ctx.population.accounts).some((x) => x === 1)).toBe(true);
    const file = write('rich.csv', snapshotCsv(ctx.population, ['PERP', 'ETH-PERP']));
    const loaded = createRunContext(parse(merge(RICH, { traders: { snapshot: file, count: undefined } })));
    expectSameBook(ctx.population, loaded.population);
  });

  it('an unseasoned book: identical per-path results, histograms and series at the same seed, with 0 or 2 workers', async () => {
    // one book for every path: the snapshot is one book (the default would redraw the drawn side per block)
    const base = merge(RICH, { traders: { warmup: 'none' }, paths: 8, sampling: { pathsPerBook: 'all' } });
    const drawn = parse(base);
    const file = write('plain.csv', snapshotCsv(createRunContext(drawn).population, ['PERP', 'ETH-PERP']));
    const fromFile = parse(merge(base, { traders: { snapshot: file } }));
    expect(fromFile.traders.count).toBe(drawn.traders.count);
    const a = await runPaths(drawn, { workers: 0 });
    const b = await runPaths(fromFile, { workers: 0 });
    const c = await runPaths(fromFile, { workers: 2 });
    expect(a.summaries.some((s) => s.liquidationCount > 0)).toBe(true);
    for (const x of [b, c]) {
      expect(JSON.stringify(x.summaries)).toBe(JSON.stringify(a.summaries));
      expect(JSON.stringify(x.histograms)).toBe(JSON.stringify(a.histograms));
      expect(JSON.stringify(x.series)).toBe(JSON.stringify(a.series));
    }
  });
});

describe('snapshot: behaviours the file leaves empty are drawn from the scenario', () => {
  const rows = [
    'account,market,side,size,entryPrice,margin,marginMode,reserve,stopPrice,topUpTrigger,deleverage',
    ...Array.from({ length: 200 }, (_, i) => `u${i},PERP,${i % 2 ? 'short' : 'long'},10,100,${100 + i},isolated,50,,,`),
    'x1,PERP,long,10,100,200,isolated,50,none,none,0',
    'x2,PERP,long,10,100,200,isolated,50,80,1.7,1',
    'c1,PERP,long,5,100,500,cross,,,,',
  ];
  const file = write('partial.csv', rows.join('\n') + '\n');
  const book = (over: unknown) => createRunContext(parse({ traders: { snapshot: file, count: undefined, ...(over as object) } })).population;

  it('shares of 1 give every empty cell the behaviour, shares of 0 none; given cells are kept', () => {
    const all = book({ stopLoss: { share: 1 }, topUp: { share: 1 }, volatilityDeleverage: { share: 1 } });
    const none = book({ stopLoss: { share: 0 }, topUp: { share: 0 }, volatilityDeleverage: { share: 0 } });
    expect(all.accounts).toBe(203);
    for (let a = 0; a < 200; a++) {
      expect(Number.isNaN(all.posStop[a])).toBe(false);
      expect(all.acctTopUp[a]).toBe(1);
      expect(all.acctTopUpTrigger[a]).toBeGreaterThan(1);
      expect(all.acctDeleverage[a]).toBe(1);
      expect(Number.isNaN(none.posStop[a])).toBe(true);
      expect(none.acctTopUp[a]).toBe(0);
      // a long's stop lies below the entry, a short's above
      expect(Math.sign(100 - all.posStop[a])).toBe(all.posSide[a]);
    }
    for (const pop of [all, none]) {
      expect(Number.isNaN(pop.posStop[200])).toBe(true);
      expect(pop.acctTopUp[200]).toBe(0);
      expect(pop.acctDeleverage[200]).toBe(0);
      expect(pop.posStop[201]).toBe(80);
      expect(pop.acctTopUpTrigger[201]).toBe(1.7);
      expect(pop.acctDeleverage[201]).toBe(1);
      expect(pop.acctTopUp[202]).toBe(0); // cross accounts never top up
    }
    // the margins map exactly (cents); the leverage defaults to notional / margin
    expect(all.acctMargin[5]).toBe(10_500);
    expect(all.acctReserve[5]).toBe(5_000);
    expect(all.acctLeverage[202]).toBe(1);
  });
});

describe('snapshot: bad rows are one line naming the file, line and column', () => {
  const H = 'account,market,side,size,entryPrice,margin,marginMode,reserve';
  const cases: [string, RegExp][] = [
    ['', /s\.csv line 1: the file is empty/],
    ['account,market,side,size\n', /s\.csv line 1: the header row has no column named entryPrice, margin/],
    [`${H}\na,PERP,long,1,100,10,isolated,0\nb,BTC,long,1,100,10,isolated,0\n`, /s\.csv line 3: column 2 \(market\): "BTC" is not allowed — the market must be one of the scenario's markets \(PERP\)/],
    [`${H}\na,PERP,up,1,100,10,isolated,0\n`, /s\.csv line 2: column 3 \(side\): "up" is not allowed — side is long or short/],
    [`${H}\na,PERP,long,-1,100,10,isolated,0\n`, /line 2: column 4 \(size\): "-1" is not allowed/],
    [`${H}\na,PERP,long,1,0,10,isolated,0\n`, /line 2: column 5 \(entryPrice\): "0" is not allowed/],
    [`${H}\na,PERP,long,1,100,1e13,isolated,0\n`, /line 2: column 6 \(margin\): "1e13" is not allowed/],
    [`${H}\na,PERP,long,1,100,10,portfolio,0\n`, /line 2: column 7 \(marginMode\): "portfolio" is not allowed/],
    [`${H}\na,PERP,long,1,100,10,cross,5\n`, /line 2: column 8 \(reserve\): "5" is not allowed — a cross account's balance/],
    [`${H}\na,PERP,long,1,100,10,cross,\na,PERP,short,1,100,10,cross,\n`, /line 3: column 2 \(market\): "PERP" is not allowed — account a already holds a position in PERP/],
    [`${H}\na b,PERP,long,1,100,10,isolated,0\n`, /line 2: column 1 \(account\): "a b" is not allowed/],
    [`${H}\na,PERP,long,1,100\n`, /line 2: expected 8 comma-separated values/],
    [`${H}\na,PERP,long,1\u0007,100,10,isolated,0\n`, /line 2: column 4 \(size\): "1\\x07" is not allowed/],
    [`${H}\n`, /line 1: the snapshot has no positions/],
  ];
  for (const [text, re] of cases) it(`refused: ${re.source.slice(0, 70)}`, () => expect(() => parseSnapshotCsv(text, 's.csv', ['PERP'])).toThrow(re));

  it('at the command line: exit 2, one line naming the field, file, line and column; nothing run', async () => {
    write('bad.csv', `${H}\na,PERP,long,1,100,10,isolated,0\nb,PERP,long,1,100,ten,isolated,0\n`);
    const sc = path.join(dir, 'bad.yaml');
    writeFileSync(sc, 'name: bad\npaths: 2\nhorizonSteps: 5\ntraders: { snapshot: bad.csv }\n');
    const r = await cli('run', sc, '--out', path.join(dir, 'out'), '--workers', '0');
    expect(isOneLineUserError(r, /traders\.snapshot: .*bad\.csv line 3: column 6 \(margin\): "ten" is not allowed/), r.stderr).toBe(true);
  });
});

describe('snapshot: options that contradict it are refused', () => {
  const file = write('one.csv', 'account,market,side,size,entryPrice,margin\na,PERP,long,1,100,10\nb,PERP,short,1,100,10\n');
  it('a warm-up, books redrawn per block, a different count, a path outside the folder', () => {
    expect(() => parse({ traders: { snapshot: file, warmup: { kind: 'history' } } })).toThrow(/traders\.warmup: .* is not allowed — with traders\.snapshot .* not re-seasoned/);
    expect(() => parse({ traders: { snapshot: file }, sampling: { pathsPerBook: 5 } })).toThrow(/sampling\.pathsPerBook: 5 is not allowed — traders\.snapshot is one book/);
    expect(() => parse({ traders: { snapshot: file, count: 3 } })).toThrow(/traders\.count: 3 is not allowed — the snapshot holds 2 accounts/);
    expect(() => parse({ traders: { snapshot: '../x.csv' } })).toThrow(/traders\.snapshot: "\.\.\/x\.csv" is not allowed — a data file must be given by a path relative/);
    const ok = parse({ traders: { snapshot: file, count: 2, warmup: 'none' } });
    expect(ok.traders.count).toBe(2);
    expect(ok.traders.warmup.kind).toBe('none');
  });
});

describe("snapshot: the book-health panel measures the snapshot's own distance to liquidation", () => {
  it('three isolated longs: distances are the closed form 1 − (E − C/Q)/(1 − MMR)/P₀ of each row', async () => {
    // P₀ = 100, fixed MMR 2.5%: liquidation price (E − C/Q)/(1 − MMR)
    const csv = ['account,market,side,size,entryPrice,margin', 'a,PERP,long,100,100,1000', 'b,PERP,long,100,104,1000', 'c,PERP,long,100,98,1000'];
    const file = write('three.csv', csv.join('\n') + '\n');
    const sc = parse({ paths: 2, horizonSteps: 5, traders: { snapshot: file, count: undefined, stopLoss: { share: 0 } }, policy: { maintenance: { kind: 'fixed', mmr: 0.025 } } });
    const h = bookHealth(createRunContext(sc));
    const r = await runScenario(sc, { workers: 0 }); // what results.json, and so the report's panel, carries
    // distances 3.59% (entry 104), 7.69% (100), 9.74% (98): one account within 5%, all three within 10%
    const dist = (E: number) => 1 - (E - 1000 / 100) / (1 - 0.025) / 100;
    const at = (m: number) => h.withinMove.find((w) => w.move === m)!;
    expect(at(0.02).accounts).toBe(0);
    expect(at(0.05).accounts).toBe(1);
    expect(at(0.05).shareOfOpenInterest).toBeCloseTo(1 / 3, 12);
    expect(at(0.1).accounts).toBe(3);
    const rows = h.distance.filter((d) => d.side === 'long');
    expect(rows.reduce((s, d) => s + d.accounts, 0)).toBe(3);
    // leverage at step 0: 10x (entry 100) and 16.7x (104) in the 10–20x bucket, 8.3x (98) in 5–10x
    const row = (b: string) => rows.find((d) => d.leverage === b)!;
    expect(row('5–10x').accounts).toBe(1);
    expect(row('5–10x').p50).toBeCloseTo(dist(98), 12);
    expect(row('10–20x').accounts).toBe(2);
    expect(row('10–20x').p50).toBeCloseTo((dist(104) + dist(100)) / 2, 12);
    expect(Math.min(...r.population.bookHealth!.distance.map((d) => d.p10))).toBeCloseTo(dist(104) + 0.1 * (dist(100) - dist(104)), 3);
  });
});

describe('the shipped synthetic snapshot', () => {
  it('is what scripts/make-synthetic-snapshot.mjs generates (from the build), byte for byte, and loads', async () => {
    const { spawnSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const ROOT = path.resolve(__dirname, '../..');
    const out = path.join(dir, 'gen.csv');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/make-synthetic-snapshot.mjs'), out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const shipped = path.join(ROOT, 'scenarios/data/synthetic-positions.csv');
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(shipped, 'utf8'));
    const snap = parseSnapshotCsv(readFileSync(shipped, 'utf8'), 'synthetic-positions.csv', ['BTC-PERP', 'ETH-PERP']);
    expect(snap.accounts.length).toBe(400);
    expect(snap.accounts.some((a) => a.cross && a.market.length === 2)).toBe(true);
    expect(snap.accounts.some((a) => Number.isNaN(a.topUpTrigger))).toBe(true);
  });
});
