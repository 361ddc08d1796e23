import { describe, expect, it } from 'vitest';
import { createMarkRule } from '../../src/engine/mark.js';

describe('mark price rules', () => {
  const prices = [100, 100, 100, 80, 100, 100]; // a one-step wick to 80
  const run = (kind: 'last' | 'ema' | 'median') => {
    const r = createMarkRule({ kind, halfLifeSteps: 2, windowSteps: 3 });
    r.reset(100);
    return prices.map((p) => {
      const m = r.onMarket(p, 100);
      r.commit();
      return m;
    });
  };
  it('last follows the market, wick included', () => {
    expect(run('last')).toEqual(prices);
  });
  it('median of the last 3 ignores a one-step wick', () => {
    expect(Math.min(...run('median'))).toBe(100);
  });
  it('EMA dampens the wick by the weight of one step, 1 − 2^(−1/half-life)', () => {
    const m = run('ema');
    const w = 1 - Math.pow(2, -1 / 2);
    expect(m[3]).toBeCloseTo(100 - 20 * w, 10);
    expect(m[3]).toBeGreaterThan(80);
  });
  it('within a step, a new market price replaces the step’s value (cascade rounds)', () => {
    const r = createMarkRule({ kind: 'ema', halfLifeSteps: 2, windowSteps: 3 });
    r.reset(100);
    r.onMarket(90, 100);
    const second = r.onMarket(95, 100);
    const fresh = createMarkRule({ kind: 'ema', halfLifeSteps: 2, windowSteps: 3 });
    fresh.reset(100);
    expect(second).toBe(fresh.onMarket(95, 100));
  });
});

describe('index-anchored marks', () => {
  const rule = (kind: 'blend' | 'index' | 'oracle', over = {}) => {
    const r = createMarkRule({ kind, halfLifeSteps: 2, ...over });
    r.reset(100);
    return r;
  };
  it('index: a move of the book alone does not move the mark', () => {
    const r = rule('index');
    expect(r.onMarket(80, 100)).toBe(100);
    expect(r.onMarket(100, 95)).toBe(95);
  });
  it('blend: a one-step book wick moves the mark by the EMA weight only; a basis that persists moves it', () => {
    const r = rule('blend');
    const w = 1 - Math.pow(2, -1 / 2);
    const wick = r.onMarket(80, 100);
    expect(wick).toBeCloseTo(100 * Math.exp(w * Math.log(0.8)), 10); // median(100, 80, 100·e^{w·log 0.8})
    r.commit();
    // the book stays 20% below the index: the smoothed basis converges to it, and so does the mark
    let m = 0;
    for (let k = 0; k < 40; k++) {
      m = r.onMarket(80, 100);
      r.commit();
    }
    expect(m).toBeCloseTo(80, 4);
  });
  it('blend: never outside [min(index, book), max(index, book)]', () => {
    const r = rule('blend');
    for (const [b, i] of [[90, 100], [110, 100], [100, 90], [95, 105]]) {
      const m = r.onMarket(b, i);
      expect(m).toBeGreaterThanOrEqual(Math.min(b, i) - 1e-9);
      expect(m).toBeLessThanOrEqual(Math.max(b, i) + 1e-9);
      r.commit();
    }
  });
  it('oracle: reports the index delaySteps ago, refreshed every updateEverySteps, each refresh clamped', () => {
    const r = createMarkRule({ kind: 'oracle', delaySteps: 2, updateEverySteps: 1 });
    r.reset(100, [98, 99, 100]); // the index before step 0
    const index = [101, 102, 103, 104];
    const out = index.map((i) => {
      const m = r.onMarket(i * 0.9, i); // the book is irrelevant
      r.commit();
      return m;
    });
    expect(out).toEqual([99, 100, 101, 102]); // step t reports index_{t−2}
    const hourly = createMarkRule({ kind: 'oracle', delaySteps: 0, updateEverySteps: 3, maxChangePerUpdate: 0.01 });
    hourly.reset(100);
    const seen = [90, 90, 90, 90, 90, 90].map((i) => {
      const m = hourly.onMarket(i, i);
      hourly.commit();
      return m;
    });
    expect(seen).toEqual([100, 100, 99, 99, 99, 99 * 0.99]); // updates at steps 3 and 6, 1% each
  });
  it('oracle: a value within a step does not change when the book moves (cascade rounds)', () => {
    const r = createMarkRule({ kind: 'oracle', delaySteps: 1 });
    r.reset(100);
    const a = r.onMarket(100, 90);
    const b = r.onMarket(50, 90);
    expect(a).toBe(b);
  });
});
