/**
 * The scripted stress replays move like the record: each replay states, in its comments, two-sided bands
 * (`# record-band: <figure> <lo> <hi>`) for the one-minute figures of src/validate/replay-shape.ts (drawdown on
 * closes and intrabar, worst 15 and 45 minutes, largest one-minute moves, widest range, rebound at 30 and 120
 * minutes, leg durations). The test computes the record's figures from the real one-minute candles in
 * ../shared/data (skipped cleanly where the data is absent) and checks that every band holds the record's value
 * and the replay's median over 60 exogenous paths, and that at least 80% of the paths fall inside each band.
 *
 * The bands (also in the scenario files, which the test reads):
 *   10 Oct 2025 (record → band)                     12 Mar 2020 (record → band)
 *   drawdown-close     −13.3% → [−15.5%, −12.0%]    −53.5% → [−58%, −51%]
 *   drawdown-intrabar  −14.9% → [−17.0%, −13.5%]    −54.6% → [−58%, −51%] (one-minute steps: = closes)
 *   worst-15m          −10.1% → [−11.5%, −9.0%]     −20.9% → [−24%, −18%]
 *   worst-45m          −11.6% → [−13.0%, −10.5%]    −23.7% → [−27%, −20%]
 *   worst-45m-minutes  36 → [25, 45]                 —
 *   largest-1m-fall    −5.0% → [−6.0%, −4.0%]       −7.1% → [−9%, −6%]
 *   largest-1m-rise    +2.1% → [1.5%, 3.0%]          +7.3% → [6%, 9%]
 *   widest-1m-range    7.2% → [5.0%, 9.0%]           19.2% → not reproduced (one-minute steps)
 *   rebound-30m        63% → [50%, 75%]              34% → [25%, 45%]
 *   rebound-120m       66% → [55%, 85%]              41% → [30%, 55%]
 *   fast-fall-minutes  —                             14 → [10, 15]
 *   leg1               —                             −29.5% → [−33%, −26%]
 *   plateau-minutes    —                             683 → [550, 800]
 *   leg2, its minutes  —                             −37.5% → [−42%, −33%]; 246 → [180, 300]
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { readCandleCsv } from '../../src/scenario/candle-csv.js';
import { bandsOf, minuteCandles, replayFigures, replayShapeRows, shapeFigures, type ShapeFigure } from '../../src/validate/replay-shape.js';
import { HAS_REAL_DATA, REAL } from '../helpers/real-data.js';

const ROOT = path.resolve(__dirname, '../..');
const PATHS = 60;
/** Share of paths that must fall inside each band. */
const MOST = 0.8;

const REPLAYS = [
  {
    file: 'scenarios/stress/2025-10-10-tariff-crash.yaml',
    record: REAL.oct2025,
    group: '10 Oct 2025 scripted replay',
    figures: ['drawdown-close', 'drawdown-intrabar', 'worst-15m', 'worst-45m', 'worst-45m-minutes', 'largest-1m-fall', 'largest-1m-rise', 'widest-1m-range', 'rebound-30m', 'rebound-120m'],
  },
  {
    file: 'scenarios/stress/2020-03-12-black-thursday.yaml',
    record: REAL.mar2020,
    group: '12 Mar 2020 scripted replay',
    figures: ['drawdown-close', 'drawdown-intrabar', 'worst-15m', 'worst-45m', 'largest-1m-fall', 'largest-1m-rise', 'rebound-30m', 'rebound-120m', 'fast-fall-minutes', 'leg1', 'plateau-minutes', 'leg2', 'leg2-minutes'],
  },
] as const satisfies readonly { file: string; record: string; group: string; figures: readonly ShapeFigure[] }[];

describe('one-minute candles of a model path', () => {
  it('a 15-second path: four points a minute, the open included in the range; closes every fourth step', () => {
    const px = [100, 101, 99, 102, 98, 97, 97, 97, 96];
    const c = minuteCandles(px, 15);
    expect(Array.from(c.close)).toEqual([100, 98, 96]);
    expect(Array.from(c.high)).toEqual([100, 102, 98]);
    expect(Array.from(c.low)).toEqual([100, 98, 96]);
  });
  it('a one-minute path: the candle is the step (intrabar = closes, range = the move)', () => {
    const c = minuteCandles([100, 90, 95], 60);
    expect(Array.from(c.close)).toEqual([100, 90, 95]);
    expect(Array.from(c.low)).toEqual([100, 90, 90]);
  });
  it('refuses a step that does not divide a minute', () => {
    expect(() => minuteCandles([1, 2, 3], 900)).toThrow(/does not divide a minute/);
  });
  it('two-leg figures on a hand-made path: leg 1, plateau, leg 2', () => {
    // a slide 100 → 97 over 20 minutes, −20% in 2 minutes (trough at 22), a plateau at 78 with a local high of
    // 82 at minute 52, leg 2 from it to 60 over 20 minutes (trough at 72), a rebound
    const close: number[] = [];
    for (let i = 0; i <= 20; i++) close.push(100 - (3 * i) / 20);
    close.push(87, 77.6);
    for (let i = 23; i < 52; i++) close.push(i % 2 ? 78 : 78.5);
    close.push(82);
    for (let i = 1; i <= 20; i++) close.push(82 - (22 * i) / 20);
    close.push(65, 66);
    const c = Float64Array.from(close);
    const f = shapeFigures({ close: c, high: c, low: c });
    expect(f['leg1']).toBeCloseTo(77.6 / 100 - 1, 12);
    expect(f['fast-fall-minutes']).toBe(15);
    expect(f['plateau-minutes']).toBe(52 - 22);
    expect(f['leg2']).toBeCloseTo(60 / 82 - 1, 12);
    expect(f['leg2-minutes']).toBe(20);
    expect(f['drawdown-close']).toBeCloseTo(60 / 100 - 1, 12);
  });
});

describe.skipIf(!HAS_REAL_DATA)('scripted replays against the record (../shared/data)', () => {
  // a skipped describe's body still runs to collect its tests: read nothing where the data is absent
  if (!HAS_REAL_DATA) return;
  for (const r of REPLAYS) {
    describe(r.file, () => {
      const text = readFileSync(path.join(ROOT, r.file), 'utf8');
      const bands = bandsOf(text);
      const record = readCandleCsv(r.record);
      const perPath = replayFigures(loadScenarioFile(path.join(ROOT, r.file)), PATHS);
      const rows = replayShapeRows(r.group, record, perPath, bands);

      it('states a two-sided band for each figure it claims, and each band holds the record', () => {
        expect(bands.map((b) => b.figure).sort()).toEqual([...r.figures].sort());
        const real = shapeFigures(record);
        for (const b of bands) {
          expect(b.lo, b.figure).toBeLessThan(b.hi);
          expect(real[b.figure], `record's ${b.figure}`).toBeGreaterThanOrEqual(b.lo);
          expect(real[b.figure], `record's ${b.figure}`).toBeLessThanOrEqual(b.hi);
        }
      });

      it(`the replay's median over ${PATHS} paths is inside every band, and at least ${MOST * 100}% of paths are`, () => {
        for (const [k, row] of rows.entries()) {
          const { figure, lo, hi } = bands[k];
          expect(row.pass, `${figure}: median ${row.simulated}, band [${lo}, ${hi}], record ${row.real}`).toBe(true);
          const inside = perPath.filter((f) => f[figure] >= lo && f[figure] <= hi).length;
          expect(inside / PATHS, `${figure}: ${inside} of ${PATHS} paths in [${lo}, ${hi}]`).toBeGreaterThanOrEqual(MOST);
        }
      });
    });
  }
});
