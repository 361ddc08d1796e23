/**
 * Crisis shapes against the record: a scripted stress replay's price path (its own price process, market 0,
 * resampled to one-minute closes) against the real one-minute candles of the same day, figure by figure with
 * `crashShape` — drawdown on closes and intrabar, worst 15 and 45 minutes, largest one-minute fall, widest
 * one-minute range, share of the fall regained within 30 and 120 minutes. The simulated figure is the median over
 * paths.
 *
 * Bands (stated here once, relative to the record's figure x):
 * - drawdowns (closes and intrabar) and worst 15 and 45 minutes: within ±20% of x (0.8x … 1.2x);
 * - the largest one-minute fall and the widest one-minute range: within 0.5x … 1.5x (a single minute is noisy);
 * - rebounds at 30 and 120 minutes: within ±0.15 of x (shares of the fall).
 * A replay without intrabar extremes (a scripted path has closes only) cannot produce the intrabar figures:
 * those rows show no simulated value and fail, which is what they should do until replays carry candles.
 */
import path from 'node:path';
import { quantileSorted } from 'simple-statistics';
import { UserError } from '../errors.js';
import { readCandleCsv } from '../scenario/candle-csv.js';
import { loadScenarioFile } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { createPriceProcess, loadPriceData } from '../price/process.js';
import { crashShape, type CrashShape } from '../stats/path-shape.js';
import { validationRow, type ValidationRow, type ValidationUnit } from './rows.js';

/** The one-minute closes of market 0 over one path of a scenario's price process (every k-th step when a step divides a minute). */
export function minuteCloses(sc: Scenario, pathIndex: number, data = loadPriceData(sc)): Float64Array {
  if (!(sc.stepSeconds <= 60 && 60 % sc.stepSeconds === 0)) throw new UserError(`${sc.name}: stepSeconds ${sc.stepSeconds} — one-minute closes need a step that divides a minute`);
  const proc = createPriceProcess(sc, pathIndex, data);
  const perMinute = 60 / sc.stepSeconds;
  const r = new Float64Array(1 + sc.otherMarkets.length);
  const out = new Float64Array(Math.floor(sc.horizonSteps / perMinute) + 1);
  let px = sc.market.initialPriceUsd;
  out[0] = px;
  for (let t = 1; t <= sc.horizonSteps; t++) {
    proc.next(r);
    px *= Math.exp(r[0]);
    if (t % perMinute === 0) out[t / perMinute] = px;
  }
  return out;
}

interface ShapeFigure {
  figure: string;
  unit: ValidationUnit;
  /** The figure of a crash shape; null when closes alone cannot give it. */
  of: (s: CrashShape, intrabar: boolean) => number | null;
  band: (x: number) => { lo: number; hi: number };
}

const relative = (k: number) => (x: number) => {
  const a = x * (1 - k);
  const b = x * (1 + k);
  return { lo: Math.min(a, b), hi: Math.max(a, b) };
};
const absolute = (d: number) => (x: number) => ({ lo: x - d, hi: x + d });

export const SHAPE_FIGURES: readonly ShapeFigure[] = [
  { figure: 'peak-to-trough fall on closes', unit: 'pct', of: (s) => s.drawdownClose.move, band: relative(0.2) },
  { figure: 'peak-to-trough fall intrabar', unit: 'pct', of: (s, ib) => (ib ? s.drawdownIntrabar.move : null), band: relative(0.2) },
  { figure: 'worst 15 minutes', unit: 'pct', of: (s) => s.worst15.move, band: relative(0.2) },
  { figure: 'worst 45 minutes', unit: 'pct', of: (s) => s.worst45.move, band: relative(0.2) },
  { figure: 'largest one-minute fall', unit: 'pct', of: (s) => s.stepMoves.down, band: relative(0.5) },
  { figure: 'widest one-minute range', unit: 'pct', of: (s, ib) => (ib ? s.widestRange : null), band: relative(0.5) },
  { figure: 'share of the fall regained within 30 minutes', unit: 'share', of: (s) => s.rebound30, band: absolute(0.15) },
  { figure: 'share of the fall regained within 120 minutes', unit: 'share', of: (s) => s.rebound120, band: absolute(0.15) },
];

/** Rows of one replay: `scenarioFile` run for `paths` paths against the candles in `candleFile`. */
export function crisisRows(group: string, scenarioFile: string, candleFile: string, paths: number): ValidationRow[] {
  const c = readCandleCsv(candleFile);
  const real = crashShape(c.close, c.high, c.low);
  const sc = loadScenarioFile(scenarioFile);
  const data = loadPriceData(sc);
  const shapes = Array.from({ length: paths }, (_, p) => crashShape(minuteCloses(sc, p, data)));
  const source = `${path.basename(scenarioFile)} (${paths} paths, price process alone) vs ${path.basename(candleFile)}`;
  return SHAPE_FIGURES.map((f) => {
    const x = f.of(real, true) as number;
    const values = shapes.map((s) => f.of(s, false)).filter((v): v is number => v !== null);
    const simulated = values.length ? quantileSorted([...values].sort((a, b) => a - b), 0.5) : null;
    return validationRow({
      group,
      figure: f.figure,
      real: x,
      simulated,
      unit: f.unit,
      band: f.band(x),
      note: simulated === null ? `${source}: the scripted replay has closes only, no intrabar extremes` : `${source}: median over paths`,
    });
  });
}
