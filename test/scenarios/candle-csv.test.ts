/** OHLC candle CSVs: the layouts users download (header or Binance klines without one, ms/µs/ISO times) and one-line refusals. */
import { describe, expect, it } from 'vitest';
import { parseCandleCsv, readCandleCsv } from '../../src/scenario/candle-csv.js';
import { parseTimestamp } from '../../src/scenario/price-csv.js';
import { userErrorOf } from '../helpers/user-error.js';
import { HAS_REAL_DATA, REAL } from '../helpers/real-data.js';

const fails = (text: string) => userErrorOf(() => parseCandleCsv(text, 'c.csv'));

describe('candle CSVs', () => {
  it('reads a header layout with millisecond open times', () => {
    const c = parseCandleCsv('open_time,open,high,low,close,volume\n1583971200000,10,11,9,10.5,1\n1583971260000,10.5,12,10,11,2\n', 'c.csv');
    expect(Array.from(c.timesSeconds)).toEqual([1583971200, 1583971260]);
    expect(Array.from(c.low)).toEqual([9, 10]);
  });
  it('reads Binance kline rows without a header, and microsecond times', () => {
    const row = (t: number, o: number) => `${t},${o},${o + 1},${o - 1},${o},5,${t + 59999},0,1,0,0,0`;
    const c = parseCandleCsv(`${row(1735689600000000, 100)}\n${row(1735689660000000, 101)}\n`, 'k.csv');
    expect(Array.from(c.timesSeconds)).toEqual([1735689600, 1735689660]);
    expect(Array.from(c.high)).toEqual([101, 102]);
  });
  it('reads ISO times with an offset', () => {
    const c = parseCandleCsv('time,open,high,low,close\n2023-03-01 00:00:00+00:00,1,1,1,1\n2023-03-01 00:01:00+00:00,1,2,1,2\n', 'c.csv');
    expect(c.timesSeconds[1] - c.timesSeconds[0]).toBe(60);
  });
  it('refuses a candle whose low is above its close, naming the line', () => {
    expect(fails('open_time,open,high,low,close\n1,10,11,10.6,10.5\n2,1,1,1,1\n')).toMatch(/^c\.csv line 2: low 10\.6.*low ≤ open, close ≤ high$/);
  });
  it('refuses a missing column, times that do not increase, and a non-positive price', () => {
    expect(fails('open_time,open,high,close\n1,1,1,1\n')).toMatch(/line 1: the header row has no low/);
    expect(fails('open_time,open,high,low,close\n2,1,1,1,1\n2,1,1,1,1\n')).toMatch(/line 3: .*strictly increase/);
    expect(fails('open_time,open,high,low,close\n1,1,1,0,1\n2,1,1,1,1\n')).toMatch(/line 2: column 4: low "0" is not allowed/);
  });
  it('refuses a calendar date that does not exist (Date.parse would roll 30 February into March)', () => {
    expect(parseTimestamp('2023-02-30T00:00:00Z')).toMatch(/not a calendar date/);
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29) / 1000);
    expect(fails('date,open,high,low,close\n2023-02-30,1,1,1,1\n2023-03-01,1,1,1,1\n')).toMatch(/line 2: column 1: timestamp "2023-02-30" is not a calendar date/);
  });
  it('times are read by magnitude in every CSV reader: seconds, milliseconds, microseconds; nanoseconds refused', () => {
    expect(parseTimestamp('1583971200')).toBe(1583971200);
    expect(parseTimestamp('1583971200000')).toBe(1583971200);
    expect(parseTimestamp('1583971200000000')).toBe(1583971200);
    expect(parseTimestamp('1583971200000000000')).toMatch(/looks like nanoseconds/);
  });
});

describe.skipIf(!HAS_REAL_DATA)('the real candle files in ../shared/data parse', () => {
  it('10 Oct 2025 (566 one-minute bars), 12 Mar 2020 (1,680) and March 2023 (30,240, ISO times)', () => {
    expect(readCandleCsv(REAL.oct2025).close.length).toBe(566);
    expect(readCandleCsv(REAL.mar2020).close.length).toBe(1680);
    const calm = readCandleCsv(REAL.calmMar2023);
    expect(calm.close.length).toBe(30240);
    expect(calm.timesSeconds[1] - calm.timesSeconds[0]).toBe(60);
  });
});
