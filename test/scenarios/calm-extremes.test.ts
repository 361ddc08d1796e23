/**
 * The shipped calm scenarios' price paths against the record (issue 22 part 2): each scenario's distribution of
 * the day's largest 15- and 60-minute falls and rises, over 500 simulated one-minute days of its price process
 * alone, must sit inside the real record's envelope — two-sided — and below the crash of 10 Oct 2025:
 * - the median over days within the range of the calm days 4-8 March 2023 (one-minute BTCUSDT), 10% wider;
 * - the 99th percentile no worse than the worst day of 1-21 March 2023 (SVB weekend included);
 * - the 99.9th percentile smaller than 10 Oct 2025's worst fall over the same window (−10.1% in 15 minutes);
 * - the median day's range within the quartiles of the daily BTCUSD file's days since 2023.
 * The bands are src/validate/calm-extremes.ts's (the validation page shows the same rows). Reads ../shared/data;
 * skipped where it is absent.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { CALM_SCENARIOS, calmRecord, calmRows, dayMoves, simulatedDays } from '../../src/validate/calm-extremes.js';
import { HAS_REAL_DATA, REAL_DATA_DIR } from '../helpers/real-data.js';
import { SCENARIOS_DIR } from '../helpers/files.js';

const DAYS = 500;

describe('dayMoves', () => {
  it('finds the largest falls and rises within 15 and 60 steps, and the range', () => {
    // flat at 100, a 2% fall over 10 steps, flat, then a 5% rise over 50 steps
    const px = [...Array(20).fill(100), ...Array.from({ length: 10 }, (_, i) => 100 - 0.2 * (i + 1)), ...Array(20).fill(98), ...Array.from({ length: 50 }, (_, i) => 98 * (1 + (0.05 * (i + 1)) / 50))];
    const m = dayMoves(px);
    expect(m.fall15).toBeCloseTo(-0.02, 12);
    expect(m.fall60).toBeCloseTo(-0.02, 12);
    expect(m.rise15).toBeCloseTo(0.05 * (15 / 50), 12);
    expect(m.rise60).toBeCloseTo(0.05, 12);
    expect(m.range).toBeCloseTo((98 * 1.05) / 98 - 1, 12);
  });
});

describe.skipIf(!HAS_REAL_DATA)('calm scenarios against the record (../shared/data)', () => {
  const rec = HAS_REAL_DATA ? calmRecord(REAL_DATA_DIR) : undefined;

  it('the record: calm days are calmer than the window, and the window calmer than the crash', () => {
    const r = rec!;
    expect(r.calmDays).toBe(5);
    expect(r.windowDays).toBe(21);
    expect(r.crash.within15).toBeCloseTo(-0.1006, 3);
    for (const k of ['fall15', 'fall60'] as const) {
      expect(r.calm[k].min).toBeGreaterThanOrEqual(r.window[k]);
      expect(r.window[k]).toBeGreaterThan(k === 'fall15' ? r.crash.within15 : r.crash.within60);
    }
    for (const k of ['rise15', 'rise60'] as const) expect(r.calm[k].max).toBeLessThanOrEqual(r.window[k]);
  });

  for (const f of CALM_SCENARIOS) {
    it(`${f}: the day's largest 15- and 60-minute moves stay inside the record's envelope and below the crash`, () => {
      const sc = loadScenarioFile(path.join(SCENARIOS_DIR, f));
      const rows = calmRows(f, simulatedDays(sc, DAYS), rec!);
      expect(rows).toHaveLength(13);
      const failed = rows.filter((r) => !r.pass).map((r) => `${r.figure}: ${r.simulated} outside [${r.band.lo}, ${r.band.hi}]`);
      expect(failed).toEqual([]);
    });
  }

  it('the bands can fail: the pre-calibration default (GARCH-t ν = 3 at 80%, uncapped) leaves the envelope', () => {
    const sc = loadScenarioFile(path.join(SCENARIOS_DIR, 'default.yaml'));
    const old = { ...sc, market: { ...sc.market, priceModel: { kind: 'garch' as const, driftAnnual: 0, longRunVolatilityAnnual: 0.8, alpha: 0.08, beta: 0.9, degreesOfFreedom: 3, varianceCapMultiple: 1e9 } } };
    const rows = calmRows('old default', simulatedDays(old, DAYS), rec!);
    const failed = rows.filter((r) => !r.pass).map((r) => r.figure);
    expect(failed).toContain(`largest 15-minute rise of the day: 99.9th percentile over ${DAYS} days`);
    expect(failed).toContain(`largest 15-minute fall of the day: 1st percentile over ${DAYS} days`);
    expect(failed.length).toBeGreaterThanOrEqual(8);
  });
});
