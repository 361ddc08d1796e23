/**
 * The csv price model on OHLC candles (src/scenario/market-csv.ts): each candle is three steps that visit its
 * low and high (low first when close ≥ open, high first otherwise), so a wick liquidates as on the venue;
 * `candles: closes` replays the closes alone; `replayFrom` starts at a given time; a Binance kline file
 * without a header is read as downloaded; bad combinations are one-line errors naming the field.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { csvLayout } from '../../src/scenario/market-csv.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { runPaths } from '../../src/mc/runner.js';
import { loadPriceData } from '../../src/price/process.js';
import { warmupHistory } from '../../src/price/warmup.js';
import { parseScenario } from '../../src/scenario/load.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { userErrorOf } from '../helpers/user-error.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'marginlab-candles-'));
const T0 = 1760126400; // 2025-10-10T20:00:00Z
/** Candle rows [open, high, low, close], one a minute from T0, in Binance's kline layout (ms, no header). */
const klines = (rows: number[][], gapAfter = -1) =>
  rows.map(([o, h, l, c], i) => `${(T0 + 60 * (i + (gapAfter >= 0 && i > gapAfter ? 1 : 0))) * 1000},${o},${h},${l},${c},12.5,${(T0 + 60 * i + 59) * 1000},0,1,0,0,0`).join('\n') + '\n';

/** A 3-candle file: the middle candle wicks to 93 and closes at 98. */
const WICK = [
  [100, 101, 99.5, 100.5],
  [100.5, 101, 93, 98],
  [98, 99, 97.5, 98.5],
];

/** A folder with data/c.csv and s.yaml: one isolated 10x long from 100 (liquidation price 90 / (1 − 0.04) = 93.75). */
function scenario(csv: string, pm: string, stepSeconds: number, horizonSteps: number): string {
  const dir = tmp();
  writeFileSync(path.join(dir, 'c.csv'), csv);
  writeFileSync(
    path.join(dir, 'pos.csv'),
    'account,market,side,size,entryPrice,margin,marginMode,reserve,leverage,stopPrice,takeProfitPrice,topUpTrigger,deleverage\na,BTC-PERP,long,1,100,10,isolated,0,10,none,none,none,0\n',
  );
  writeFileSync(
    path.join(dir, 's.yaml'),
    [
      'name: wick',
      'paths: 1',
      `stepSeconds: ${stepSeconds}`,
      `horizonSteps: ${horizonSteps}`,
      'market:',
      '  name: BTC-PERP',
      '  initialPriceUsd: 100',
      `  priceModel: { kind: csv, file: c.csv, mode: replay${pm} }`,
      '  impact: { kind: none }',
      'traders: { snapshot: pos.csv, warmup: none }',
      'policy:',
      '  maxLeverage: 20',
      '  maintenance: { kind: fixed, mmr: 0.04 }',
      '  markPrice: { kind: index }',
      `output: { seriesSamplePaths: 1, seriesPoints: ${horizonSteps + 1} }`,
    ].join('\n') + '\n',
  );
  return path.join(dir, 's.yaml');
}

function run(file: string) {
  const ctx = createRunContext(loadScenarioFile(file));
  return simulatePath(ctx, 0, new PathBuffers(ctx), true);
}

describe('candles replayed intrabar', () => {
  it('visit open → low → high → close for a candle that closes up, open → high → low → close for one that closes down', () => {
    const r = run(scenario(klines(WICK), '', 20, 9));
    const f = Array.from(r.series!.fundamentalUsd);
    const expected = [100, 99.5, 101, 100.5, 101, 93, 98, 97.5, 99, 98.5];
    expect(f).toHaveLength(expected.length);
    f.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 10));
  });
  it('a wick below a long’s liquidation price liquidates it with candles, not with the closes alone', () => {
    const intrabar = run(scenario(klines(WICK), '', 20, 9));
    expect(intrabar.summary.liquidationCount).toBe(1);
    expect(intrabar.summary.liquidatedLongNotionalUsd).toBeGreaterThan(90);
    const closes = run(scenario(klines(WICK), ', candles: closes', 60, 3));
    expect(Array.from(closes.series!.fundamentalUsd)).toEqual([100, 100.5, 98, 98.5].map((x) => expect.closeTo(x, 10)));
    expect(closes.summary.liquidationCount).toBe(0);
  });
  it('a missing minute is three flat steps; the next candle starts from the last close', () => {
    const r = run(scenario(klines([...WICK, [98.5, 99, 98, 98.2]], 0), '', 20, 15));
    const f = Array.from(r.series!.fundamentalUsd);
    [100, 99.5, 101, 100.5, 100.5, 100.5, 100.5, 101, 93, 98, 97.5, 99, 98.5, 99, 98, 98.2].forEach((x, i) => expect(f[i]).toBeCloseTo(x, 10));
  });
  it('replayFrom starts at the first candle at or after the given time', () => {
    const r = run(scenario(klines(WICK), ', replayFrom: "2025-10-10T20:00:30Z"', 20, 6));
    const f = Array.from(r.series!.fundamentalUsd);
    // from the second candle's open (100.5), scaled to initialPriceUsd 100
    [100.5, 101, 93, 98, 97.5, 99, 98.5].forEach((x, i) => expect(f[i]).toBeCloseTo((x * 100) / 100.5, 10));
  });
  it('replayFrom in unix seconds, written as a YAML number, is the same time', () => {
    const a = run(scenario(klines(WICK), ', replayFrom: "2025-10-10T20:00:30Z"', 20, 6)).series!.fundamentalUsd;
    const b = run(scenario(klines(WICK), `, replayFrom: ${T0 + 30}`, 20, 6)).series!.fundamentalUsd;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
  it('replayFrom on a file of prices starts at the first price at or after it', () => {
    const csv = `timestamp,price\n${[100, 101, 99, 98, 102].map((p, i) => `${T0 + 20 * i},${p}`).join('\n')}\n`;
    const r = run(scenario(csv, ', replayFrom: "2025-10-10T20:00:30Z"', 20, 2));
    Array.from(r.series!.fundamentalUsd).forEach((x, i) => expect(x).toBeCloseTo(([99, 98, 102][i] * 100) / 99, 10));
  });
  it('a header layout with extra columns (Binance klines as published since 2022) reads the same', () => {
    const header = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n';
    const a = run(scenario(klines(WICK), '', 20, 9)).series!.fundamentalUsd;
    const b = run(scenario(header + klines(WICK), '', 20, 9)).series!.fundamentalUsd;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});

describe('which files are candles', () => {
  it('rows without a header, or a header naming open, high, low and close, are candles; timestamp,price is prices', () => {
    expect(csvLayout('1760126400000,1,2,0.5,1,3\n')).toBe('candles');
    expect(csvLayout('\ufeffOpen_Time,Open,High,Low,Close\n')).toBe('candles');
    expect(csvLayout('timestamp,price\n0,1\n')).toBe('prices');
    expect(csvLayout('garbage\n')).toBe('prices');
  });
});

describe('bad candle scenarios are one-line errors naming the field', () => {
  const refusals: { name: string; pm: string; step: number; horizon: number; csv?: string; expect: RegExp }[] = [
    { name: 'stepSeconds that is not the candle interval / 3', pm: '', step: 60, horizon: 3, expect: /stepSeconds: 60 is not allowed — must be the candle interval \/ 3 = 20 s: .* 60-second candles.*candles: closes/ },
    { name: 'closes on a grid finer than the candles', pm: ', candles: closes', step: 20, horizon: 3, expect: /stepSeconds: 20 is not allowed — must be at least the median spacing of the candles/ },
    { name: 'candles: on a file of prices', pm: ', candles: closes', step: 60, horizon: 1, csv: 'timestamp,price\n0,1\n60,2\n', expect: /market\.priceModel\.candles: "closes" is not allowed — is read only with a file of OHLC candles/ },
    { name: 'replayFrom with a random start', pm: ', replayStart: random, replayFrom: "2025-10-10T20:00:00Z"', step: 20, horizon: 3, expect: /market\.priceModel\.replayFrom: .* is read only with mode: replay and replayStart: first/ },
    { name: 'replayFrom that is not a time', pm: ', replayFrom: "soon"', step: 20, horizon: 3, expect: /market\.priceModel\.replayFrom: "soon" is not allowed — must be a time in ISO-8601/ },
    { name: 'replayFrom after the file', pm: ', replayFrom: "2030-01-01T00:00:00Z"', step: 20, horizon: 3, expect: /market\.priceModel\.replayFrom: .* before the file's last row: .* spans 2025-10-10T20:00:00Z to 2025-10-10T20:02:00Z/ },
    { name: 'a candle off the interval grid', pm: '', step: 20, horizon: 3, csv: klines(WICK) + `${(T0 + 210) * 1000},98.5,99,98,98.2,1,0,0,1,0,0,0\n`, expect: /market\.priceModel\.file: "2025-10-10T20:03:30Z" is not allowed — every candle must open a whole number of intervals \(60 s/ },
    { name: 'a horizon beyond the candles', pm: '', step: 20, horizon: 10, expect: /horizonSteps: 10 is not allowed — .*holds 9 returns/ },
  ];
  for (const c of refusals) {
    it(c.name, () => {
      const f = scenario(c.csv ?? klines(WICK), c.pm, c.step, c.horizon);
      expect(userErrorOf(() => loadScenarioFile(f))).toMatch(c.expect);
    });
  }
  it('a named pipe as the file is refused without being opened (no hang)', () => {
    const f = scenario(klines(WICK), '', 20, 3);
    const fifo = path.join(path.dirname(f), 'c.csv');
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    expect(() => loadScenarioFile(f)).toThrow(/market\.priceModel\.file: .*c\.csv: is not a regular file/);
  });
  it('the CLI: stepSeconds inconsistent with the candles, and a missing file with a source, exit 2 with one line', async () => {
    const bad = scenario(klines(WICK), '', 30, 3);
    const out = path.join(path.dirname(bad), 'out');
    expect(isOneLineUserError(await cli('run', bad, '--out', out, '--workers', '0'), /stepSeconds: 30 is not allowed — must be the candle interval \/ 3 = 20 s/)).toBe(true);
    const missing = scenario(klines(WICK), ', source: "download BTCUSDT-1m-2025-10.zip from data.binance.vision and unzip it here"', 20, 3).replace(/s\.yaml$/, 'm.yaml');
    writeFileSync(missing, (await import('node:fs')).readFileSync(missing.replace(/m\.yaml$/, 's.yaml'), 'utf8').replace('file: c.csv', 'file: data/none.csv'));
    expect(
      isOneLineUserError(
        await cli('run', missing, '--out', out, '--workers', '0'),
        /market\.priceModel\.file: .*data\/none\.csv: price CSV file not found — this scenario replays data you supply: download BTCUSDT-1m-2025-10\.zip/,
      ),
    ).toBe(true);
  });
});

/** 120 one-minute candles of a zig-zag with wicks (deterministic, no randomness needed). */
const LONG = Array.from({ length: 120 }, (_, i) => {
  const o = 100 + 5 * Math.sin(i / 7);
  const c = 100 + 5 * Math.sin((i + 1) / 7);
  return [o, Math.max(o, c) + 0.4 + (i % 5) * 0.1, Math.min(o, c) - 0.3 - (i % 3) * 0.2, c];
});

describe('candles in a full run', () => {
  const book = (pm: string) => {
    const raw = {
      name: 'candles-book',
      paths: 6,
      seed: 11,
      stepSeconds: 20,
      horizonSteps: 90,
      market: { name: 'BTC-PERP', initialPriceUsd: 100, priceModel: { kind: 'csv', file: '', mode: 'replay', ...JSON.parse(pm) }, impact: { kind: 'linear', depthUsdPerPercent: 200000 } },
      traders: { count: 300, warmup: { meanHoldingHours: 2 } },
      output: { seriesSamplePaths: 6, seriesPoints: 91 },
    };
    const dir = tmp();
    writeFileSync(path.join(dir, 'c.csv'), klines(LONG));
    raw.market.priceModel.file = path.join(dir, 'c.csv');
    return parseScenario(raw);
  };
  it('a random replay start lands on a candle: every path opens with a candle’s first extreme over the previous close', async () => {
    const sc = book('{ "replayStart": "random", "warmupVolatilityAnnual": 0.5 }');
    const out = await runPaths(sc, { workers: 0 });
    const firsts = LONG.map(([o, h, l, c], i) => (c >= o ? l : h) / (i === 0 ? o : LONG[i - 1][3]));
    const starts = new Set<number>();
    expect(out.series).toHaveLength(6);
    for (const { series: ser } of out.series) {
      const r = ser.fundamentalUsd[1] / ser.fundamentalUsd[0];
      const k = firsts.findIndex((x) => Math.abs(x - r) < 1e-12);
      expect(k).toBeGreaterThanOrEqual(0);
      starts.add(k);
    }
    expect(starts.size).toBeGreaterThan(1);
  });
  it('same seed, identical per-path results with 0 or 2 workers', async () => {
    const sc = book('{ "replayStart": "random", "warmupVolatilityAnnual": 0.5 }');
    const a = await runPaths(sc, { workers: 0 });
    const b = await runPaths(sc, { workers: 2 });
    expect(a.summaries.some((x) => x.liquidationCount > 0)).toBe(true);
    expect(JSON.stringify(b.summaries)).toBe(JSON.stringify(a.summaries));
    expect(JSON.stringify(b.series)).toBe(JSON.stringify(a.series));
  });
  it('warmupVolatilityAnnual: the book is seasoned on a driftless GBM at that volatility (the same history a GBM market draws)', () => {
    const sc = book('{ "warmupVolatilityAnnual": 0.5 }');
    const gbmSc = parseScenario({ ...sc, market: { ...sc.market, priceModel: { kind: 'gbm', driftAnnual: 0, volatilityAnnual: 0.5 } } });
    const w = warmupHistory(sc, loadPriceData(sc), 500);
    const g = warmupHistory(gbmSc, loadPriceData(gbmSc), 500);
    expect(Array.from(w.prices[0])).toEqual(Array.from(g.prices[0]));
    // without it, the warm-up bootstraps the replayed returns: another history
    const boot = book('{}');
    expect(Array.from(warmupHistory(boot, loadPriceData(boot), 500).prices[0])).not.toEqual(Array.from(g.prices[0]));
  });
});
