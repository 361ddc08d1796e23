/**
 * Path-shape statistics: hand-computed cases, and the record's figures for 10 Oct 2025 and 12 Mar 2020 computed
 * from the real one-minute candles in ../shared/data (skipped where the data is absent).
 */
import { describe, expect, it } from 'vitest';
import { crashShape, largestRiseWithin, largestStepMoves, maxDrawdown, reboundWithin, widestStepRange, worstFallWithin } from '../../src/stats/path-shape.js';
import { readCandleCsv } from '../../src/scenario/candle-csv.js';
import { HAS_REAL_DATA, REAL } from '../helpers/real-data.js';

describe('path-shape statistics on hand-computed series', () => {
  const close = [100, 90, 95, 80, 120, 60, 66];
  it('max drawdown on closes: the deepest peak-to-later-trough fall (120 → 60)', () => {
    expect(maxDrawdown(close)).toEqual({ peak: 4, trough: 5, move: 60 / 120 - 1 });
    expect(maxDrawdown([1, 2, 3]).move).toBe(0);
  });
  it('intrabar drawdown counts a step whose own low follows its high', () => {
    expect(maxDrawdown([10, 12], [9, 6]).move).toBeCloseTo(6 / 12 - 1, 15);
  });
  it('worst fall within k steps: 100 → 80 takes 3 steps, so k = 2 finds 95 → 80 instead', () => {
    expect(worstFallWithin(close, 3).move).toBeCloseTo(-0.5, 15);
    expect(worstFallWithin(close.slice(0, 4), 2)).toEqual({ peak: 2, trough: 3, move: 80 / 95 - 1 });
    expect(worstFallWithin(close.slice(0, 4), 3)).toEqual({ peak: 0, trough: 3, move: 80 / 100 - 1 });
  });
  it('largest rise within k steps and step moves', () => {
    expect(largestRiseWithin(close, 1)).toEqual({ from: 3, to: 4, move: 0.5 });
    expect(largestStepMoves(close)).toEqual({ down: -0.5, up: 0.5 });
  });
  it('widest range and rebound', () => {
    expect(widestStepRange([10, 12], [9, 6])).toBe(1);
    expect(reboundWithin(close, { peak: 4, trough: 5, move: -0.5 }, 1)).toBeCloseTo(0.1, 15);
  });
  it('refuses fewer than two prices and windows below 1', () => {
    expect(() => maxDrawdown([1])).toThrow(RangeError);
    expect(() => worstFallWithin(close, 0)).toThrow(RangeError);
  });
});

describe.skipIf(!HAS_REAL_DATA)('the record (real Binance BTCUSDT perpetual one-minute candles, ../shared/data)', () => {
  it('10 Oct 2025: −13.3% on closes, −14.9% intrabar, worst 15 min −10.1%, worst 45 min −11.6% in 36 min, largest minute −5.0%, widest range 7.2%', () => {
    const c = readCandleCsv(REAL.oct2025);
    const s = crashShape(c.close, c.high, c.low);
    expect(s.drawdownClose.move).toBeCloseTo(-0.1331, 4);
    expect(s.drawdownIntrabar.move).toBeCloseTo(-0.1494, 4);
    expect(s.worst15.move).toBeCloseTo(-0.1006, 4);
    expect(s.worst45.move).toBeCloseTo(-0.1159, 4);
    expect(s.worst45.trough - s.worst45.peak).toBe(36);
    expect(s.stepMoves.down).toBeCloseTo(-0.05, 3);
    expect(s.widestRange).toBeCloseTo(0.0722, 4);
    expect(s.rebound30).toBeGreaterThan(0.6);
    expect(s.rebound30).toBeLessThan(0.65);
  });
  it('12–13 Mar 2020: total −53.5% on closes, worst 15 min −20.9%, largest minutes −7.1% and +7.3%, widest range 19.2%', () => {
    const c = readCandleCsv(REAL.mar2020);
    const s = crashShape(c.close, c.high, c.low);
    expect(s.drawdownClose.move).toBeCloseTo(-0.5346, 4);
    expect(s.worst15.move).toBeCloseTo(-0.2089, 4);
    expect(s.stepMoves.down).toBeCloseTo(-0.0708, 4);
    expect(s.stepMoves.up).toBeCloseTo(0.0729, 4);
    expect(s.widestRange).toBeCloseTo(0.1921, 4);
  });
});
