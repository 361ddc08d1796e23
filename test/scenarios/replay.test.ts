/**
 * The replay scenarios (scenarios/replay/, issue 22 part 3 c): real Binance one-minute candles that the user
 * supplies. Where the file is absent, loading the scenario is one line naming the field, the path and where to
 * get the data (exit 2 from the CLI). On the same candles in ../shared/data (skipped where absent), the
 * simulated index reproduces the record's figures exactly — drawdown on closes and intrabar, worst 15 and 45
 * minutes, largest one-minute moves, widest range, rebound — computed by `crashShape` on both, and the wicks
 * liquidate the long-heavy book in the fall.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { readCandleCsv } from '../../src/scenario/candle-csv.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { crashShape, maxDrawdown } from '../../src/stats/path-shape.js';
import { userErrorOf } from '../helpers/user-error.js';
import { SCENARIOS_DIR, USER_DATA_SCENARIOS, loadShippedScenario } from '../helpers/files.js';
import { cli, isOneLineUserError } from '../helpers/cli.js';

const REPLAY = path.join(SCENARIOS_DIR, 'replay');
const files = Object.keys(USER_DATA_SCENARIOS).map((rel) => path.join(SCENARIOS_DIR, rel));

describe('replay scenarios', () => {
  it('every scenario in scenarios/replay/ names the ../shared/data file the tests run it on', () => {
    const shipped = readdirSync(REPLAY).filter((f) => /\.ya?ml$/.test(f)).map((f) => `replay/${f}`);
    expect(shipped.sort()).toEqual(Object.keys(USER_DATA_SCENARIOS).sort());
  });
  for (const f of files) {
    const name = path.basename(f);
    const expected = path.join(REPLAY, 'data', name.startsWith('2025') ? 'BTCUSDT-1m-2025-10.csv' : 'BTCUSDT-1m-2020-03.csv');
    it.skipIf(existsSync(expected))(`${name} without its data: one line naming market.priceModel.file, the path and where to get it (exit 2)`, async () => {
      const msg = userErrorOf(() => loadScenarioFile(f));
      expect(msg).toContain(`market.priceModel.file: ${expected}: price CSV file not found — this scenario replays data you supply: download https://data.binance.vision/`);
      const r = await cli('run', f, '--out', path.join(REPLAY, 'data', 'never-written'), '--workers', '0');
      expect(isOneLineUserError(r, /market\.priceModel\.file: .*BTCUSDT-1m-20\d\d-\d\d\.csv: price CSV file not found — this scenario replays data you supply/)).toBe(true);
      expect(existsSync(path.join(REPLAY, 'data', 'never-written'))).toBe(false);
    });
  }
});

/** One path of the scenario with every step's index kept (a small book: the exogenous path does not depend on it). */
function indexSeries(f: string): { series: Float64Array; liquidatedLong: number; liquidated: number } {
  const sc = loadShippedScenario(f)!;
  const small = parseScenario({ ...sc, paths: 1, traders: { ...sc.traders, count: 500 }, output: { ...sc.output, seriesSamplePaths: 1, seriesPoints: sc.horizonSteps + 1 } });
  const ctx = createRunContext(small);
  const r = simulatePath(ctx, 0, new PathBuffers(ctx), true);
  return { series: r.series!.fundamentalUsd, liquidatedLong: r.summary.liquidatedLongNotionalUsd, liquidated: r.summary.liquidatedNotionalUsd };
}

describe.each(files.map((f) => [path.relative(SCENARIOS_DIR, f), f]))('%s on ../shared/data', (_, f) => {
  const data = USER_DATA_SCENARIOS[path.relative(SCENARIOS_DIR, f).split(path.sep).join('/')];
  it.skipIf(!existsSync(data))('the simulated index reproduces the record: crashShape of the replayed candles equals crashShape of the file, figure by figure', () => {
    const c = readCandleCsv(data);
    const { series, liquidatedLong, liquidated } = indexSeries(f);
    const n = c.close.length;
    expect(series.length).toBe(3 * n + 1);
    // the candles the engine's index visited: three steps per candle (first extreme, second extreme, close)
    const close = new Float64Array(n);
    const high = new Float64Array(n);
    const low = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const a = series[3 * i + 1];
      const b = series[3 * i + 2];
      close[i] = series[3 * i + 3];
      high[i] = Math.max(a, b);
      low[i] = Math.min(a, b);
    }
    const sim = crashShape(close, high, low);
    const rec = crashShape(c.close, c.high, c.low);
    for (const k of ['drawdownClose', 'drawdownIntrabar', 'worst15', 'worst45'] as const) {
      expect(sim[k].peak, k).toBe(rec[k].peak);
      expect(sim[k].trough, k).toBe(rec[k].trough);
      expect(sim[k].move, k).toBeCloseTo(rec[k].move, 10);
    }
    expect(sim.stepMoves.down).toBeCloseTo(rec.stepMoves.down, 10);
    expect(sim.stepMoves.up).toBeCloseTo(rec.stepMoves.up, 10);
    expect(sim.widestRange).toBeCloseTo(rec.widestRange, 10);
    expect(sim.rebound30).toBeCloseTo(rec.rebound30, 10);
    expect(sim.rebound120).toBeCloseTo(rec.rebound120, 10);
    // the engine's step prices hold every wick: their own drawdown is the record's intrabar one
    expect(maxDrawdown(series).move).toBeCloseTo(rec.drawdownIntrabar.move, 10);
    // the record's figures (issue 22 §3), so a wrong window cannot pass
    if (path.basename(f).startsWith('2025')) {
      expect(rec.drawdownClose.move).toBeCloseTo(-0.1331, 4);
      expect(rec.drawdownIntrabar.move).toBeCloseTo(-0.1494, 4);
      expect(rec.worst15.move).toBeCloseTo(-0.1006, 4);
      expect(rec.worst45.move).toBeCloseTo(-0.1159, 4);
      expect(rec.widestRange).toBeCloseTo(0.0722, 4);
    } else {
      expect(rec.drawdownClose.move).toBeCloseTo(-0.5346, 4);
      expect(rec.worst15.move).toBeCloseTo(-0.2089, 4);
      expect(rec.stepMoves.down).toBeCloseTo(-0.0708, 4);
      expect(rec.stepMoves.up).toBeCloseTo(0.0729, 4);
      expect(rec.widestRange).toBeCloseTo(0.1921, 4);
    }
    // the long-heavy book is liquidated in the fall, mostly longs (on 10 Oct 2025 the record's long share is
    // 0.87 of notional across venues, 0.93 of Hyperliquid's BTC positions by count; the 28 hours of 2020 also
    // squeeze the momentum shorts that pile into its falls)
    expect(liquidated).toBeGreaterThan(0);
    expect(liquidatedLong / liquidated).toBeGreaterThan(path.basename(f).startsWith('2025') ? 0.8 : 0.5);
  });
});
