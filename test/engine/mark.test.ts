import { describe, expect, it } from 'vitest';
import { createMarkRule } from '../../src/engine/mark.js';

describe('mark price rules', () => {
  const prices = [100, 100, 100, 80, 100, 100]; // a one-step wick to 80
  const run = (kind: 'last' | 'ema' | 'median') => {
    const r = createMarkRule({ kind, halfLifeSteps: 2, windowSteps: 3 });
    r.reset(100);
    return prices.map((p) => {
      const m = r.onMarket(p);
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
    r.onMarket(90);
    const second = r.onMarket(95);
    const fresh = createMarkRule({ kind: 'ema', halfLifeSteps: 2, windowSteps: 3 });
    fresh.reset(100);
    expect(second).toBe(fresh.onMarket(95));
  });
});
