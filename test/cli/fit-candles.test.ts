/**
 * `marginlab fit` on candle files as users download them (issue 23 item 5, issue 22 part 3): Binance klines
 * with or without a header and millisecond times are fitted on their closes, giving the same fit as the
 * closes written as timestamp,price; `--from`/`--to` fit a window; on the real March 2023 file (skipped where
 * ../shared/data is absent) the calm week's GARCH-t fit is the issue's α 0.073, β 0.920, ν 3.6.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gbm } from '../../src/price/models.js';
import { stream } from '../../src/rng/streams.js';
import { normalSampler } from '../../src/rng/distributions.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';
import { HAS_REAL_DATA, REAL } from '../helpers/real-data.js';

const T0 = 1678233600; // 2023-03-08T00:00:00Z
const N = 600;

/** N one-minute candles of a GBM (60% a year) at a fixed seed: open = previous close, wicks around both. */
function candles(): { o: number; h: number; l: number; c: number }[] {
  const model = gbm({ driftAnnual: 0, volatilityAnnual: 0.6 }, 60 / (365 * 24 * 3600));
  const z = normalSampler(stream(7, 0, 'price'));
  let p = 20_000;
  return Array.from({ length: N }, () => {
    const o = p;
    p = o * Math.exp(model.nextLogReturn(z()));
    return { o, h: Math.max(o, p) * 1.001, l: Math.min(o, p) * 0.999, c: p };
  });
}

function files(): { dir: string; prices: string; klines: string; headed: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fitc-'));
  const cs = candles();
  const rows = cs.map((k, i) => `${(T0 + 60 * i) * 1000},${k.o},${k.h},${k.l},${k.c},1.5,${(T0 + 60 * i + 59) * 1000},0,3,0,0,0`);
  const w = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  return {
    dir,
    prices: w('p.csv', `timestamp,price\n${cs.map((k, i) => `${T0 + 60 * (i + 1)},${k.c}`).join('\n')}\n`),
    klines: w('k.csv', `${rows.join('\n')}\n`),
    headed: w('h.csv', `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n${rows.join('\n')}\n`),
  };
}

const estimates = (stdout: string) => (JSON.parse(stdout) as { parameters: { name: string; estimate: number }[]; observations: number }).parameters.map((p) => [p.name, p.estimate]);

describe('fit reads candle files', () => {
  it('Binance klines without a header, and with one, fit on their closes exactly as the closes as timestamp,price', async () => {
    const f = files();
    const p = await cli('fit', f.prices, '--model', 'gbm', '--json');
    const k = await cli('fit', f.klines, '--model', 'gbm', '--json');
    const h = await cli('fit', f.headed, '--model', 'gbm', '--json');
    for (const r of [p, k, h]) expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(k.stdout) as { observations: number }).observations).toBe(N - 1);
    expect(estimates(k.stdout)).toEqual(estimates(p.stdout));
    expect(estimates(h.stdout)).toEqual(estimates(p.stdout));
    const vol = estimates(k.stdout).find(([n]) => n === 'volatilityAnnual')![1] as number;
    expect(vol).toBeGreaterThan(0.5);
    expect(vol).toBeLessThan(0.7);
  });
  it('--from/--to fit a window of open times; a window with fewer than two rows or a bad time is one line, exit 2', async () => {
    const f = files();
    const r = await cli('fit', f.klines, '--model', 'gbm', '--json', '--from', '2023-03-08T01:00:00Z', '--to', String(T0 + 3 * 3600));
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { observations: number }).observations).toBe(119);
    expect(isOneLineUserError(await cli('fit', f.klines, '--model', 'gbm', '--from', '2024-01-01'), /--from\/--to: the window holds 0 rows .* spans 2023-03-08T00:00:00Z to 2023-03-08T09:59:00Z/)).toBe(true);
    expect(isOneLineUserError(await cli('fit', f.klines, '--model', 'gbm', '--to', 'yesterday'), /--to: "yesterday" is not allowed — expected a time in ISO-8601/)).toBe(true);
  });
});

describe.skipIf(!HAS_REAL_DATA)('fit on the real March 2023 file (../shared/data, Binance.US one-minute candles, ISO times)', () => {
  it('GARCH-t on the calm week 4–8 March: α ≈ 0.073, β ≈ 0.920, ν ≈ 3.6, long-run volatility ≈ 0.36 (issue 22 §2)', async () => {
    const r = await cli('fit', REAL.calmMar2023, '--model', 'garch', '--json', '--from', '2023-03-04', '--to', '2023-03-09');
    expect(r.status, r.stderr).toBe(0);
    const e = Object.fromEntries(estimates(r.stdout)) as Record<string, number>;
    expect(e.alpha).toBeGreaterThan(0.06);
    expect(e.alpha).toBeLessThan(0.085);
    expect(e.beta).toBeGreaterThan(0.9);
    expect(e.beta).toBeLessThan(0.94);
    expect(e.degreesOfFreedom).toBeGreaterThan(3.3);
    expect(e.degreesOfFreedom).toBeLessThan(4);
    expect(e.longRunVolatilityAnnual).toBeGreaterThan(0.3);
    expect(e.longRunVolatilityAnnual).toBeLessThan(0.42);
  });
});
