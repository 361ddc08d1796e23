/**
 * Calm days against the record: the largest 15- and 60-minute moves of a simulated day (falls and rises) and
 * the day's range, from a scenario's own price process, against one-minute BTCUSDT of March 2023 and the
 * daily BTCUSD file, with the crash of 10 Oct 2025 as the ceiling no calm day may reach.
 *
 * The record (files in the data folder, read, never copied):
 * - calm days: 4-8 March 2023 (the data README's calm window) of `binanceus_BTCUSDT_1m_20230301_20230321.csv`;
 *   the window: all 21 days of that file (1-21 March 2023: Silvergate on the 3rd, the SVB/USDC weekend
 *   10-13 March — turbulent, but no crash);
 * - the crash: `btcusdt_perp_1m_2025-10-10T1634_2025-10-11T0159.csv` (10 Oct 2025, worst 15 minutes −10.1%);
 * - the day scale: `coinbase_BTCUSD_1d_2011-2025-09-24.csv`, days from 1 Jan 2023 (daily volatility about 0.45 a
 *   year, the level the calm scenarios are fitted to).
 *
 * Bands (stated here once; the test and the validation page use these rows):
 * - the median over paths of each figure lies within the calm days' range (min … max over 4-8 March 2023), widened
 *   by `CALM_MARGIN` (10%) on either side: with five days, [min, max] is only a 94% interval for the calm days'
 *   median (1 − 2·2⁻⁵), so an exactly right model would fail it one time in sixteen per figure;
 * - its 99th percentile (1st for falls) is no worse than the worst day of 1-21 March 2023;
 * - its 99.9th percentile is no larger in size than 10 Oct 2025's worst fall over the same window (−10.1% in 15
 *   minutes, −11.6% in 60), for rises as for falls: fewer than one calm day in a thousand may move like the crash;
 * - the median of the day's range (max / min − 1 of one-minute closes) lies within the interquartile range of the
 *   daily file's days since 2023 (daily high / low − 1; intrabar, so a little wider than closes give).
 *
 * Simulated days run the price process alone (no engine, no liquidation impact), market 0, 1,440 one-minute
 * steps from the scenario's initial state (a GARCH at its long-run variance, a regime chain from its initial
 * state), whatever the scenario's horizon: the figures are about a calendar day of the price model. The scenario
 * must have one-minute steps.
 */
import path from 'node:path';
import { quantileSorted } from 'simple-statistics';
import { UserError } from '../errors.js';
import { readCandleCsv, type Candles } from '../scenario/candle-csv.js';
import type { Scenario } from '../scenario/schema.js';
import { createPriceProcess, loadPriceData } from '../price/process.js';
import { largestRiseWithin, worstFallWithin } from '../stats/path-shape.js';
import { validationRow, type ValidationRow } from './rows.js';

export const CALM_FILES = {
  march2023: 'binanceus_BTCUSDT_1m_20230301_20230321.csv',
  oct2025: 'btcusdt_perp_1m_2025-10-10T1634_2025-10-11T0159.csv',
  daily: 'coinbase_BTCUSD_1d_2011-2025-09-24.csv',
} as const;

/** The calm days of the March 2023 file (UTC dates, inclusive). */
export const CALM_DAYS = { from: '2023-03-04', to: '2023-03-08' } as const;
/** Days of the daily file that set the day-scale band (from this date to the file's end). */
export const DAILY_FROM = '2023-01-01';

const DAY_STEPS = 1440;
/** The calm days' range is widened by this share on either side for the median's band (five days' sampling error). */
export const CALM_MARGIN = 0.1;

/** A day's largest moves within 15 and 60 minutes, on one-minute closes (falls ≤ 0, rises ≥ 0), and its range. */
export interface DayMoves {
  fall15: number;
  rise15: number;
  fall60: number;
  rise60: number;
  /** max close / min close − 1 */
  range: number;
}

export const MOVE_KEYS = ['fall15', 'rise15', 'fall60', 'rise60'] as const;
type MoveKey = (typeof MOVE_KEYS)[number];

const MOVE_WORDS: Record<MoveKey, string> = {
  fall15: 'largest 15-minute fall',
  rise15: 'largest 15-minute rise',
  fall60: 'largest 60-minute fall',
  rise60: 'largest 60-minute rise',
};

/** The figures of one day of one-minute closes. O(n·60). */
export function dayMoves(close: ArrayLike<number>): DayMoves {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < close.length; i++) {
    lo = Math.min(lo, close[i]);
    hi = Math.max(hi, close[i]);
  }
  return {
    fall15: worstFallWithin(close, 15).move,
    rise15: largestRiseWithin(close, 15).move,
    fall60: worstFallWithin(close, 60).move,
    rise60: largestRiseWithin(close, 60).move,
    range: hi / lo - 1,
  };
}

/** Per UTC day of one-minute candles: the date and its figures (each day's closes preceded by the day before's last close). */
export function recordDays(c: Candles): { date: string; moves: DayMoves }[] {
  const byDay = new Map<string, number[]>();
  for (let i = 0; i < c.close.length; i++) {
    const d = new Date(c.timesSeconds[i] * 1000).toISOString().slice(0, 10);
    let idx = byDay.get(d);
    if (!idx) byDay.set(d, (idx = []));
    idx.push(i);
  }
  return [...byDay].map(([date, idx]) => {
    const first = Math.max(0, idx[0] - 1);
    return { date, moves: dayMoves(c.close.subarray(first, idx[idx.length - 1] + 1)) };
  });
}

/**
 * The scenario's simulated days: `paths` one-day paths of market 0's price process (path indices 0 … paths−1, the
 * run's own price streams). O(paths · 1,440 · 60).
 */
export function simulatedDays(sc: Scenario, paths: number): DayMoves[] {
  // a GARCH's α and β, a regime's durations are per step: the one-minute figures need one-minute steps
  if (sc.stepSeconds !== 60) throw new UserError(`${sc.name}: stepSeconds ${sc.stepSeconds} — the calm-day figures are measured on one-minute steps (stepSeconds 60)`);
  const data = loadPriceData(sc);
  const out: DayMoves[] = [];
  const r = new Float64Array(1 + sc.otherMarkets.length);
  const px = new Float64Array(DAY_STEPS + 1);
  for (let p = 0; p < paths; p++) {
    const proc = createPriceProcess({ ...sc, horizonSteps: Math.max(sc.horizonSteps, DAY_STEPS) }, p, data);
    px[0] = 1;
    for (let t = 1; t <= DAY_STEPS; t++) {
      proc.next(r);
      px[t] = px[t - 1] * Math.exp(r[0]);
    }
    out.push(dayMoves(px));
  }
  return out;
}

/** The record's figures the bands come from. */
export interface CalmRecord {
  /** Per figure, over the calm days: min, median, max. */
  calm: Record<MoveKey, { min: number; median: number; max: number }>;
  /** Per figure, the worst day of the whole March 2023 file (most negative fall, largest rise). */
  window: Record<MoveKey, number>;
  /** 10 Oct 2025's worst fall within 15 and 60 minutes (≤ 0). */
  crash: { within15: number; within60: number };
  /** The daily file's days since DAILY_FROM: high / low − 1, quartiles. */
  dailyRange: { p25: number; median: number; p75: number; days: number };
  calmDays: number;
  windowDays: number;
}

function sorted(x: number[]): number[] {
  return [...x].sort((a, b) => a - b);
}

/** Reads the record's figures from `dataDir`. @throws UserError if a file is missing or malformed */
export function calmRecord(dataDir: string): CalmRecord {
  const days = recordDays(readCandleCsv(path.join(dataDir, CALM_FILES.march2023)));
  const calmDays = days.filter((d) => d.date >= CALM_DAYS.from && d.date <= CALM_DAYS.to);
  if (calmDays.length === 0) throw new UserError(`${path.join(dataDir, CALM_FILES.march2023)}: no day between ${CALM_DAYS.from} and ${CALM_DAYS.to} — expected the 1-21 March 2023 one-minute file`);
  const calm = {} as CalmRecord['calm'];
  const window = {} as CalmRecord['window'];
  for (const k of MOVE_KEYS) {
    const s = sorted(calmDays.map((d) => d.moves[k]));
    calm[k] = { min: s[0], median: quantileSorted(s, 0.5), max: s[s.length - 1] };
    const all = days.map((d) => d.moves[k]);
    window[k] = k.startsWith('fall') ? Math.min(...all) : Math.max(...all);
  }
  const oct = readCandleCsv(path.join(dataDir, CALM_FILES.oct2025)).close;
  const daily = readCandleCsv(path.join(dataDir, CALM_FILES.daily));
  const from = Date.parse(`${DAILY_FROM}T00:00:00Z`) / 1000;
  const ranges: number[] = [];
  for (let i = 0; i < daily.close.length; i++) if (daily.timesSeconds[i] >= from) ranges.push(daily.high[i] / daily.low[i] - 1);
  if (ranges.length < 30) throw new UserError(`${path.join(dataDir, CALM_FILES.daily)}: ${ranges.length} days from ${DAILY_FROM} — expected the daily BTCUSD file to 2025`);
  const r = sorted(ranges);
  return {
    calm,
    window,
    crash: { within15: worstFallWithin(oct, 15).move, within60: worstFallWithin(oct, 60).move },
    dailyRange: { p25: quantileSorted(r, 0.25), median: quantileSorted(r, 0.5), p75: quantileSorted(r, 0.75), days: r.length },
    calmDays: calmDays.length,
    windowDays: days.length,
  };
}

/** [lo, hi] widened by CALM_MARGIN of each end's size, away from the middle. */
function widen(lo: number, hi: number): { lo: number; hi: number } {
  return { lo: lo - CALM_MARGIN * Math.abs(lo), hi: hi + CALM_MARGIN * Math.abs(hi) };
}

/** The rows of one scenario's simulated days against the record. */
export function calmRows(group: string, sim: DayMoves[], rec: CalmRecord): ValidationRow[] {
  const rows: ValidationRow[] = [];
  const n = sim.length;
  for (const k of MOVE_KEYS) {
    const fall = k.startsWith('fall');
    const s = sorted(sim.map((d) => d[k]));
    const tail = (p: number) => quantileSorted(s, fall ? 1 - p : p);
    const words = MOVE_WORDS[k];
    const crash = k.endsWith('15') ? rec.crash.within15 : rec.crash.within60;
    rows.push(
      validationRow({
        group,
        figure: `${words} of the day: median over ${n} days`,
        real: rec.calm[k].median,
        simulated: quantileSorted(s, 0.5),
        unit: 'pct',
        band: widen(rec.calm[k].min, rec.calm[k].max),
        note: `real: median of the ${rec.calmDays} calm days ${CALM_DAYS.from} … ${CALM_DAYS.to}; band: their range, ${CALM_MARGIN * 100}% wider each side`,
      }),
      validationRow({
        group,
        figure: `${words} of the day: ${fall ? '1st' : '99th'} percentile over ${n} days`,
        real: rec.window[k],
        simulated: tail(0.99),
        unit: 'pct',
        band: fall ? { lo: rec.window[k], hi: 0 } : { lo: 0, hi: rec.window[k] },
        note: `real: the worst of the ${rec.windowDays} days of 1-21 March 2023 (SVB weekend included); one calm day in a hundred may be as bad, not worse`,
      }),
      validationRow({
        group,
        figure: `${words} of the day: ${fall ? '0.1st' : '99.9th'} percentile over ${n} days`,
        real: fall ? crash : -crash,
        simulated: tail(0.999),
        unit: 'pct',
        band: fall ? { lo: crash, hi: 0 } : { lo: 0, hi: -crash },
        note: `real: ${fall ? '' : 'the size of '}10 Oct 2025's worst fall within ${k.endsWith('15') ? 15 : 60} minutes; a calm day in a thousand stays smaller than the crash`,
      }),
    );
  }
  const range = sorted(sim.map((d) => d.range));
  rows.push(
    validationRow({
      group,
      figure: `the day's range (max / min − 1): median over ${n} days`,
      real: rec.dailyRange.median,
      simulated: quantileSorted(range, 0.5),
      unit: 'pct',
      band: { lo: rec.dailyRange.p25, hi: rec.dailyRange.p75 },
      note: `real: median daily high / low − 1 of ${rec.dailyRange.days} days from ${DAILY_FROM} (daily BTCUSD); band: their quartiles`,
    }),
  );
  return rows;
}

/** The shipped calm scenarios checked against the record (scenario files, relative to the scenarios folder). */
export const CALM_SCENARIOS = ['default.yaml', 'calm-market.yaml', 'high-leverage-retail.yaml', 'regime-switching.yaml'] as const;
