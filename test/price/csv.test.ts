/**
 * CSV prices: parsing (one clear error per malformed file, with its line number), resampling to the
 * step grid, replay and block bootstrap, path resolution relative to the scenario file, the shipped
 * synthetic CSV and its generator.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gridLogReturns, parsePriceCsv, parseTimestamp, readPriceCsv } from '../../src/scenario/price-csv.js';
import { blockBootstrap, csvReplay } from '../../src/price/csv.js';
import { createPriceProcess, loadPriceData } from '../../src/price/process.js';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { stream } from '../../src/rng/streams.js';
import { UserError } from '../../src/errors.js';

const ROOT = path.resolve(__dirname, '../..');
const SMALL = path.join(ROOT, 'test/fixtures/prices-small.csv');
const SYNTHETIC = path.join(ROOT, 'scenarios/data/synthetic-btc-1m.csv');
const SMALL_PRICES = [100, 101, 99.5, 102, 102, 98, 97.25, 99, 100.5, 100, 103];

function tmp(): string {
  return mkdtempSync(path.join(tmpdir(), 'marginlab-csv-'));
}

describe('parsing a CSV of prices', () => {
  it('reads unix seconds and ISO-8601 (a date-time without an offset is UTC)', () => {
    expect(parseTimestamp('1584000000')).toBe(1584000000);
    expect(parseTimestamp('2020-03-12T00:00:00Z')).toBe(1583971200);
    expect(parseTimestamp('2020-03-12T00:00:00')).toBe(1583971200);
    expect(parseTimestamp('2020-03-12 01:00')).toBe(1583971200 + 3600);
    expect(parseTimestamp('2020-03-12T02:00:00+02:00')).toBe(1583971200);
    expect(parseTimestamp('2020-03-12')).toBe(1583971200);
    // by magnitude: milliseconds (Binance klines) and microseconds (Binance spot dumps since 2025); nanoseconds refused
    expect(parseTimestamp('1584000000000')).toBe(1584000000);
    expect(parseTimestamp('1584000000000000')).toBe(1584000000);
    expect(parseTimestamp('1584000000123')).toBeCloseTo(1584000000.123, 6);
    expect(parseTimestamp('1584000000000000000')).toMatch(/looks like nanoseconds/);
  });

  const cases: { name: string; text: string; expect: RegExp }[] = [
    { name: 'empty file', text: '\n\n', expect: /f\.csv line 1: the file is empty/ },
    { name: 'no header', text: '1700000000,100\n1700000060,101\n', expect: /f\.csv line 1: the header row \(2 columns\) has no column named timestamp and price — the first row must name the columns/ },
    { name: 'bad price', text: 'timestamp,price\n1700000000,100\n1700000060,abc\n', expect: /f\.csv line 3: column 2: price "abc" is not allowed — prices must be positive/ },
    { name: 'zero price', text: 'timestamp,price\n1700000000,100\n1700000060,0\n', expect: /line 3: column 2: price "0"/ },
    { name: 'bad timestamp', text: 'timestamp,price\n1700000000,100\nyesterday,101\n', expect: /line 3: column 1: timestamp "yesterday" is neither ISO-8601 .* nor unix seconds/ },
    { name: 'nanoseconds', text: 'timestamp,price\n1700000000000000000,100\n1700000060000000000,101\n', expect: /line 2: column 1: timestamp "1700000000000000000" looks like nanoseconds/ },
    { name: 'not increasing', text: 'timestamp,price\n1700000000,100\n\n1700000060,101\n1700000060,102\n', expect: /line 5: column 1: timestamp "1700000060" is not after the previous row's \(line 4\)/ },
    { name: 'missing column', text: 'timestamp,price\n1700000000,100\n1700000060\n', expect: /line 3: expected 2 comma-separated values \(timestamp,price\), found 1/ },
    { name: 'one row only', text: 'timestamp,price\n1700000000,100\n', expect: /line 2: found 1 row of prices — at least two/ },
  ];
  for (const c of cases) {
    it(`${c.name} → UserError with the file, line and what is wrong`, () => {
      expect(() => parsePriceCsv(c.text, 'f.csv')).toThrow(UserError);
      expect(() => parsePriceCsv(c.text, 'f.csv')).toThrow(c.expect);
    });
  }

  it('accepts a BOM, CRLF, quoted cells, extra columns in any order', () => {
    const csv = parsePriceCsv('\ufeffPrice,"volume",Timestamp\r\n"100",5,1700000000\r\n101,6,1700000060\r\n', 'f.csv');
    expect(Array.from(csv.prices)).toEqual([100, 101]);
    expect(Array.from(csv.timesSeconds)).toEqual([1700000000, 1700000060]);
  });
});

describe('resampling to the step grid', () => {
  const csv = readPriceCsv(SMALL);
  it('at the CSV spacing, the returns are the log differences of the prices, in order', () => {
    const r = gridLogReturns(csv, 60);
    expect(r.length).toBe(10);
    r.forEach((x, i) => expect(x).toBeCloseTo(Math.log(SMALL_PRICES[i + 1] / SMALL_PRICES[i]), 13));
  });
  it('at twice the spacing, every other price (last price at or before each step)', () => {
    const r = gridLogReturns(csv, 120);
    expect(r.length).toBe(5);
    r.forEach((x, i) => expect(x).toBeCloseTo(Math.log(SMALL_PRICES[2 * i + 2] / SMALL_PRICES[2 * i]), 13));
  });
  it('a gap in the data carries the last price forward (zero returns), then jumps', () => {
    const g = parsePriceCsv('timestamp,price\n0,100\n60,110\n240,121\n', 'g.csv');
    expect(Array.from(gridLogReturns(g, 60)).map((x) => +x.toFixed(12))).toEqual([+Math.log(1.1).toFixed(12), 0, 0, +Math.log(1.1).toFixed(12)]);
  });
});

describe('replay and block bootstrap', () => {
  const returns = Float64Array.from({ length: 500 }, (_, i) => (i + 1) * 1e-6); // value identifies the index

  it('replay from the first return gives the history in order on every path', () => {
    for (const p of [0, 1, 2]) {
      const m = csvReplay(returns, { replayStart: 'first', demean: false }, 100, stream(1, p, 'price:0'));
      for (let t = 0; t < 100; t++) expect(m.nextLogReturn(0)).toBe(returns[t]);
    }
  });

  it('replay from a random start: a contiguous window within the history, different across paths', () => {
    const starts = new Set<number>();
    for (let p = 0; p < 20; p++) {
      const m = csvReplay(returns, { replayStart: 'random', demean: false }, 100, stream(1, p, 'price:0'));
      const first = m.nextLogReturn(0);
      const i0 = Math.round(first / 1e-6) - 1;
      expect(i0).toBeGreaterThanOrEqual(0);
      expect(i0).toBeLessThanOrEqual(400);
      for (let t = 1; t < 100; t++) expect(m.nextLogReturn(0)).toBe(returns[i0 + t]);
      starts.add(i0);
    }
    expect(starts.size).toBeGreaterThan(10);
  });

  it('demean removes the sample mean: replayed returns sum to 0', () => {
    const m = csvReplay(returns, { replayStart: 'first', demean: true }, 500, stream(1, 0, 'price:0'));
    let s = 0;
    for (let t = 0; t < 500; t++) s += m.nextLogReturn(0);
    expect(Math.abs(s)).toBeLessThan(1e-15 * 500);
  });

  it('fixed blocks: the path is made of runs of L consecutive returns of the history', () => {
    const L = 25;
    const m = blockBootstrap(returns, { blockSteps: L, blocks: 'fixed', demean: false }, stream(2, 0, 'price:0'));
    const starts = new Set<number>();
    for (let b = 0; b < 40; b++) {
      const i0 = Math.round(m.nextLogReturn(0) / 1e-6) - 1;
      expect(i0).toBeLessThanOrEqual(500 - L);
      starts.add(i0);
      for (let t = 1; t < L; t++) expect(m.nextLogReturn(0)).toBe(returns[i0 + t]);
    }
    expect(starts.size).toBeGreaterThan(30);
  });

  it('stationary blocks: a new block starts with probability 1/L per step (within 3 SE), wrapping circularly', () => {
    const L = 20;
    const m = blockBootstrap(returns, { blockSteps: L, blocks: 'stationary', demean: false }, stream(3, 0, 'price:0'));
    const n = 40_000;
    let prev = Math.round(m.nextLogReturn(0) / 1e-6) - 1;
    let breaks = 0;
    for (let t = 1; t < n; t++) {
      const i = Math.round(m.nextLogReturn(0) / 1e-6) - 1;
      if (i !== (prev + 1) % 500) breaks++;
      prev = i;
    }
    // a new block that happens to start at prev + 1 is invisible: P(break) = (1/L)(1 − 1/N)
    const p = (1 / L) * (1 - 1 / 500);
    expect(Math.abs(breaks / (n - 1) - p)).toBeLessThan(3 * Math.sqrt((p * (1 - p)) / (n - 1)));
  });
});

describe('csv price model in a scenario', () => {
  function scenarioDir(csvName: string, csvText: string | undefined, yaml: string): string {
    const d = tmp();
    mkdirSync(path.join(d, 'data'));
    if (csvText !== undefined) writeFileSync(path.join(d, 'data', csvName), csvText);
    writeFileSync(path.join(d, 'sc.yaml'), yaml);
    return d;
  }
  const yaml = (pm: string, extra = '') => `stepSeconds: 60\nhorizonSteps: 8\ntraders: { count: 10 }\nmarket:\n  priceModel: ${pm}\n${extra}`;

  it('resolves file relative to the scenario file and stores the absolute path', () => {
    const d = scenarioDir('p.csv', readFileSync(SMALL, 'utf8'), yaml('{ kind: csv, file: data/p.csv, mode: replay }'));
    const sc = loadScenarioFile(path.join(d, 'sc.yaml'));
    expect(sc.market.priceModel.kind === 'csv' && sc.market.priceModel.file).toBe(path.join(d, 'data', 'p.csv'));
    // the resolved scenario re-validates from anywhere (e.g. in a worker, or with --paths)
    const again = parseScenario({ ...sc, paths: 3 }, 'again');
    const proc = createPriceProcess(again, 0, loadPriceData(again));
    const out = new Float64Array(1);
    for (let t = 0; t < 8; t++) {
      proc.next(out);
      expect(out[0]).toBeCloseTo(Math.log(SMALL_PRICES[t + 1] / SMALL_PRICES[t]), 13);
    }
  });

  const errors: { name: string; csv?: string; pm: string; extra?: string; expect: RegExp }[] = [
    { name: 'a missing file', pm: '{ kind: csv, file: data/nope.csv }', expect: /sc\.yaml: market\.priceModel\.file: .*data\/nope\.csv: price CSV file not found/ },
    { name: 'a malformed file', csv: 'timestamp,price\n0,100\n60,-1\n', pm: '{ kind: csv, file: data/p.csv }', expect: /sc\.yaml: market\.priceModel\.file: .*data\/p\.csv line 3: column 2: price "-1"/ },
    { name: 'replay of a history shorter than the horizon', csv: 'timestamp,price\n0,100\n60,101\n120,102\n', pm: '{ kind: csv, file: data/p.csv, mode: replay }', expect: /horizonSteps: 8 .*holds 2 returns.*does not wrap/ },
    { name: 'blocks longer than the history', csv: 'timestamp,price\n0,100\n60,101\n120,102\n', pm: '{ kind: csv, file: data/p.csv, blockSteps: 5 }', expect: /market\.priceModel\.blockSteps: 5 .*at most the 2 returns/ },
    { name: 'steps finer than the data', csv: 'timestamp,price\n0,100\n3600,101\n7200,102\n', pm: '{ kind: csv, file: data/p.csv, blockSteps: 1 }', expect: /stepSeconds: 60 .*median spacing .*3600 s/ },
  ];
  for (const c of errors) {
    it(`${c.name} is a UserError at load time`, () => {
      const d = scenarioDir('p.csv', c.csv, yaml(c.pm, c.extra));
      expect(() => loadScenarioFile(path.join(d, 'sc.yaml'))).toThrow(UserError);
      expect(() => loadScenarioFile(path.join(d, 'sc.yaml'))).toThrow(c.expect);
    });
  }

  it('the CLI exits 2 with one line naming the file and line of a malformed CSV, and writes nothing', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'sc.yaml'), yaml(`{ kind: csv, file: ${path.join(ROOT, 'test/fixtures/prices-malformed.csv')} }`));
    const out = path.join(d, 'out');
    // the file lies outside the scenario's folder: allowed only with --allow-any-path
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist/cli/main.js'), 'run', path.join(d, 'sc.yaml'), '--out', out, '--paths', '2', '--allow-any-path'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/prices-malformed\.csv line 4: column 2: price "-7940\.25" is not allowed/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('the shipped synthetic CSV', () => {
  it('is what scripts/make-synthetic-csv.mjs generates, byte for byte', () => {
    const out = path.join(tmp(), 'x.csv');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/make-synthetic-csv.mjs'), out], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(SYNTHETIC, 'utf8'));
  });
  it('loads: two days of one-minute prices, annualised volatility between 30% and 120%', () => {
    const r = gridLogReturns(readPriceCsv(SYNTHETIC), 60);
    expect(r.length).toBe(2880);
    const vol = Math.sqrt((r.reduce((a, b) => a + b * b, 0) / r.length) * 525_600);
    expect(vol).toBeGreaterThan(0.3);
    expect(vol).toBeLessThan(1.2);
  });
});
