/**
 * Vega-lite chart specs for sweep and calibration reports. Pure functions: plain rows in, a spec out
 * (data inlined, numbers rounded to 6 significant digits). Every spec is compiled and checked against
 * the vega-lite JSON schema by test/sweep/charts.test.ts.
 */
import type { Unit } from '../sweep/metrics.js';

export const VL_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
export const WIDE = 820;
export const HALF = 380;

/**
 * Colours of a sweep's second parameter: an ordered (sequential) scheme, so its values read low → high
 * and never borrow a colour that means something else in the reports (blue exogenous, red realised).
 */
const GROUP_SCALE = { scheme: { name: 'viridis', extent: [0, 0.85] } } as const;

/** Study colours: meets / undecided / fails, and the target line. */
export const DECISION_COLORS = { meets: '#1b9e77', undecided: '#e6ab02', fails: '#b2182b' } as const;
const TARGET_COLOR = '#b2182b';

/** Rounds to 6 significant digits so pages do not carry 17-digit floats. */
export function sig(x: number, digits = 6): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/** `sig`, passing null (an open confidence limit) through. */
function sigOrNull(x: number | null, digits = 6): number | null {
  return x === null ? null : sig(x, digits);
}

/**
 * Rows whose confidence limit is open (null: too few tail paths to give one) drawn honestly: the
 * interval runs to the edge of what the chart shows (the largest estimate or limit of any row, the
 * smallest for an open lower limit) and `limit` says "open" for the tooltip. A chart cannot draw a
 * missing limit, and a field that is null on every row leaves its scale with no extent.
 */
export function capOpenLimits<T extends { estimate: number; lower: number | null; upper: number | null }>(rows: T[]): (T & { lower: number; upper: number; limit: string })[] {
  let top = -Infinity;
  let bottom = Infinity;
  for (const r of rows) {
    for (const v of [r.estimate, r.lower, r.upper]) {
      if (v === null || !Number.isFinite(v)) continue;
      top = Math.max(top, v);
      bottom = Math.min(bottom, v);
    }
  }
  return rows.map((r) => ({
    ...r,
    lower: r.lower ?? bottom,
    upper: r.upper ?? top,
    limit: r.upper === null ? 'upper limit open (too few tail paths): drawn to the chart’s top' : r.lower === null ? 'lower limit open: drawn to the chart’s bottom' : 'both limits',
  }));
}

/** Axis / tooltip format for a metric unit. */
export function unitFormat(unit: Unit | 'usd' | 'ratio' | null | undefined): { format?: string; formatType?: string } {
  switch (unit) {
    case 'usd':
      return { formatType: 'usd' };
    case 'probability':
    case 'fraction':
      return { format: '.3~%' };
    case 'log':
      return { format: '.4~f' };
    default:
      return { format: ',.4~r' };
  }
}

/** Number format for parameter values (4 significant digits, trailing zeros dropped). */
const PARAM_FORMAT = ',.4~r';

/** An axis / tooltip format: a d3 format or a custom format type. */
export type AxisFormat = { format: string } | { formatType: string };

/**
 * Axis and tooltip format of a *difference* of a metric: rates (probabilities, fractions) in
 * percentage points ("+1.7 pp" is the change from 2.0% to 3.7%), anything else as the metric.
 */
export function diffAxisFormat(unit: Unit | 'usd' | 'ratio' | null | undefined): object {
  if (unit === 'probability' || unit === 'fraction') return { labelExpr: "format(datum.value * 100, '~r') + ' pp'" };
  return unitFormat(unit);
}

/**
 * Which point labels to draw so that no two overlap, and none covers a reference label: greedy in the
 * given order, a label is dropped when its box (about 6.2 px a character × 13 px, right of and above its
 * point, plus a 3 px margin) would overlap one already kept or a `reserved` label. Positions are
 * estimated from the data's range (`yRange` when the axis spans more, e.g. intervals and a target) at
 * the chart's designed size.
 */
function nonOverlappingLabels(
  rows: { x: number; y: number; text: string }[],
  width: number,
  height: number,
  opts: { yRange?: [number, number]; reserved?: { x: number | 'left'; y: number; text: string }[] } = {},
): boolean[] {
  const xs = rows.map((r) => r.x).filter(Number.isFinite);
  const ys = rows.map((r) => r.y).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = opts.yRange ?? [Math.min(...ys), Math.max(...ys)];
  const px = (x: number) => (x1 > x0 ? ((x - x0) / (x1 - x0)) * width : width / 2);
  const py = (y: number) => (y1 > y0 ? height - ((y - y0) / (y1 - y0)) * height : height / 2);
  const box = (left: number, y: number, text: string) => ({ l: left - 3, r: left + 6.2 * text.length + 7, t: py(y) - 23, b: py(y) - 1 });
  const kept = (opts.reserved ?? []).map((r) => box(r.x === 'left' ? 4 : px(r.x) + 4, r.y, r.text));
  return rows.map((row) => {
    if (!row.text || !Number.isFinite(row.x) || !Number.isFinite(row.y)) return false;
    const b = box(px(row.x) + 6, row.y, row.text);
    if (b.r > width + 40) return false;
    if (kept.some((k) => b.l < k.r && k.l < b.r && b.t < k.b && k.t < b.b)) return false;
    kept.push(b);
    return true;
  });
}

export interface IntervalRow {
  x: number;
  estimate: number;
  /** Confidence limits; null = open (not drawn). */
  lower: number | null;
  upper: number | null;
  /** Optional grouping (colour), e.g. the second sweep parameter or a decision. */
  group?: string;
  /** Text shown in the tooltip. */
  label?: string;
}

export interface MetricLineInput {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  unit: Unit;
  rows: IntervalRow[];
  groupTitle?: string;
  /** Horizontal reference (a target). */
  target?: { value: number; label: string };
  /** Vertical reference (a recommended value). */
  marker?: { x: number; label: string };
  width?: number;
  height?: number;
  /** Log x axis (all x > 0). */
  logX?: boolean;
  /** Format of the x axis (default: a plain number, PARAM_FORMAT). */
  xFormat?: AxisFormat;
}

function roundRows(rows: IntervalRow[]): IntervalRow[] {
  return capOpenLimits(rows).map((r) => ({ ...r, x: sig(r.x), estimate: sig(r.estimate), lower: sig(r.lower), upper: sig(r.upper) }));
}

/** True when x lies in the right 45% of the rows' x range (a label there is drawn to its left, so it is not clipped). */
function onRight(x: number, rows: { x: number }[]): boolean {
  const xs = rows.map((r) => r.x).filter(Number.isFinite);
  const lo = Math.min(...xs, x);
  const hi = Math.max(...xs, x);
  return hi > lo && (x - lo) / (hi - lo) > 0.55;
}

function referenceLayers(input: { target?: { value: number; label: string }; marker?: { x: number; label: string }; rows?: { x: number }[] }): object[] {
  const right = input.marker && input.rows ? onRight(input.marker.x, input.rows) : false;
  const out: object[] = [];
  if (input.target) {
    out.push({
      data: { values: [{ y: sig(input.target.value), label: input.target.label }] },
      layer: [
        { mark: { type: 'rule', color: TARGET_COLOR, strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, color: TARGET_COLOR, fontSize: 11 },
          encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    });
  }
  if (input.marker) {
    out.push({
      data: { values: [{ x: sig(input.marker.x), label: input.marker.label }] },
      layer: [
        { mark: { type: 'rule', color: '#222b38', strokeDash: [2, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: right ? 'right' : 'left', baseline: 'top', dx: right ? -4 : 4, dy: 4, color: '#222b38', fontSize: 11 },
          encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label', type: 'nominal' } },
        },
      ],
    });
  }
  return out;
}

/**
 * A metric against a parameter: the estimate as a line with points and its confidence interval as a
 * shaded band; one line per group (e.g. the second parameter of a grid).
 */
export function metricLineSpec(input: MetricLineInput): object {
  const fmt = unitFormat(input.unit);
  const grouped = input.rows.some((r) => r.group !== undefined);
  const color = grouped ? { color: { field: 'group', type: 'nominal', title: input.groupTitle ?? null, sort: null, scale: GROUP_SCALE, legend: { labelLimit: 200, titleLimit: 300 } } } : {};
  const xf = input.xFormat ?? { format: PARAM_FORMAT };
  const x = { field: 'x', type: 'quantitative', title: input.xTitle, scale: { zero: false, nice: false, ...(input.logX ? { type: 'log' } : {}) }, axis: xf };
  const tooltip = [
    { field: 'x', type: 'quantitative', title: input.xTitle, ...xf },
    ...(grouped ? [{ field: 'group', type: 'nominal', title: input.groupTitle ?? 'group' }] : []),
    { field: 'estimate', type: 'quantitative', title: input.yTitle, ...fmt },
    { field: 'lower', type: 'quantitative', title: 'CI lower', ...fmt },
    { field: 'upper', type: 'quantitative', title: 'CI upper', ...fmt },
    { field: 'limit', type: 'nominal', title: 'CI limits' },
  ];
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? HALF,
    height: input.height ?? 220,
    layer: [
      {
        data: { values: roundRows(input.rows) },
        encoding: { x, ...color },
        layer: [
          { mark: { type: 'area', opacity: grouped ? 0.14 : 0.22, ...(grouped ? {} : { color: '#4c78a8' }) }, encoding: { y: { field: 'lower', type: 'quantitative', title: input.yTitle, axis: fmt }, y2: { field: 'upper' } } },
          { mark: { type: 'line', strokeWidth: 2, ...(grouped ? {} : { color: '#4c78a8' }) }, encoding: { y: { field: 'estimate', type: 'quantitative' } } },
          { mark: { type: 'point', filled: true, size: 36, ...(grouped ? {} : { color: '#4c78a8' }) }, encoding: { y: { field: 'estimate', type: 'quantitative' }, tooltip } },
        ],
      },
      ...referenceLayers({ ...input, rows: input.rows }),
    ],
  };
}

export interface HeatmapInput {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  unit: Unit;
  rows: { x: number; y: number; estimate: number; lower: number | null; upper: number | null }[];
  width?: number;
  height?: number;
  xFormat?: AxisFormat;
  yFormat?: AxisFormat;
}

/** A two-parameter grid: one cell per point, coloured by the estimate, labelled with it. */
export function heatmapSpec(input: HeatmapInput): object {
  const fmt = unitFormat(input.unit);
  const xs = [...new Set(input.rows.map((r) => sig(r.x)))].sort((a, b) => a - b);
  const ys = [...new Set(input.rows.map((r) => sig(r.y)))].sort((a, b) => b - a);
  const rows = input.rows.map((r) => ({ x: sig(r.x), y: sig(r.y), estimate: sig(r.estimate), lower: sigOrNull(r.lower), upper: sigOrNull(r.upper) }));
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? Math.min(HALF, 46 * xs.length),
    height: input.height ?? Math.min(300, 30 * ys.length),
    data: { values: rows },
    encoding: {
      x: { field: 'x', type: 'ordinal', title: input.xTitle, sort: xs, axis: { ...ordinalFormat(input.xFormat), labelAngle: 0, labelOverlap: 'greedy' } },
      y: { field: 'y', type: 'ordinal', title: input.yTitle, sort: ys, axis: ordinalFormat(input.yFormat) },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1 },
        encoding: {
          color: { field: 'estimate', type: 'quantitative', title: null, scale: { scheme: 'orangered' }, legend: { ...fmt, orient: 'right', direction: 'vertical' } },
          tooltip: [
            { field: 'x', type: 'quantitative', title: input.xTitle, ...(input.xFormat ?? { format: PARAM_FORMAT }) },
            { field: 'y', type: 'quantitative', title: input.yTitle, ...(input.yFormat ?? { format: PARAM_FORMAT }) },
            { field: 'estimate', type: 'quantitative', title: 'estimate', ...fmt },
            { field: 'lower', type: 'quantitative', title: 'CI lower', ...fmt },
            { field: 'upper', type: 'quantitative', title: 'CI upper', ...fmt },
          ],
        },
      },
      { mark: { type: 'text', fontSize: 10, color: '#1d2430' }, encoding: { text: { field: 'estimate', type: 'quantitative', ...fmt } } },
    ],
  };
}

/** An ordinal axis of numbers formatted like a quantitative one. */
function ordinalFormat(f: AxisFormat | undefined): object {
  if (f && 'formatType' in f) return f;
  return { format: f?.format ?? PARAM_FORMAT, formatType: 'number' };
}

export interface PairedDiffRow {
  x: number;
  estimate: number;
  /** Paired (common random numbers) interval. */
  lower: number;
  upper: number;
  /** The interval the same difference would have from independent runs (estimate ± z·unpaired SE). */
  unpairedLower: number;
  unpairedUpper: number;
  group?: string;
  label: string;
}

/**
 * Differences between neighbouring points: the paired interval (dark) drawn over the interval two
 * independent runs would give (light), so the gain from common random numbers is visible.
 */
export function pairedDifferenceSpec(input: { title: string; subtitle?: string; xTitle: string; yTitle: string; unit: Unit; rows: PairedDiffRow[]; width?: number; height?: number; xFormat?: AxisFormat; diffText?: (x: number) => string }): object {
  const axisFmt = diffAxisFormat(input.unit);
  const txt = input.diffText ?? ((x: number) => String(sig(x, 4)));
  const rows = input.rows.map((r) => ({
    ...r,
    x: sig(r.x),
    estimate: sig(r.estimate),
    lower: sig(r.lower),
    upper: sig(r.upper),
    unpairedLower: sig(r.unpairedLower),
    unpairedUpper: sig(r.unpairedUpper),
    tEstimate: txt(r.estimate),
    tPaired: `${txt(r.lower)} to ${txt(r.upper)}`,
    tUnpaired: `${txt(r.unpairedLower)} to ${txt(r.unpairedUpper)}`,
  }));
  const grouped = rows.some((r) => r.group !== undefined);
  const x = { field: 'x', type: 'quantitative', title: input.xTitle, scale: { zero: false, nice: false }, axis: input.xFormat ?? { format: PARAM_FORMAT } };
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? HALF,
    height: input.height ?? 200,
    layer: [
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#8a94a6' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
      {
        data: { values: rows },
        encoding: { x },
        layer: [
          {
            mark: { type: 'rule', strokeWidth: 7, opacity: 0.35, color: '#8a94a6', strokeCap: 'round' },
            encoding: { y: { field: 'unpairedLower', type: 'quantitative', title: input.yTitle, axis: axisFmt }, y2: { field: 'unpairedUpper' } },
          },
          { mark: { type: 'rule', strokeWidth: 2.2, ...(grouped ? {} : { color: '#222b38' }) }, encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, ...(grouped ? { color: { field: 'group', type: 'nominal', title: null, sort: null, scale: GROUP_SCALE } } : {}) } },
          {
            mark: { type: 'point', filled: true, size: 30, ...(grouped ? {} : { color: '#222b38' }) },
            encoding: {
              y: { field: 'estimate', type: 'quantitative' },
              ...(grouped ? { color: { field: 'group', type: 'nominal', title: null, sort: null, scale: GROUP_SCALE } } : {}),
              tooltip: [
                { field: 'label', type: 'nominal', title: 'step' },
                { field: 'tEstimate', type: 'nominal', title: 'difference' },
                { field: 'tPaired', type: 'nominal', title: 'paired 95% CI' },
                { field: 'tUnpaired', type: 'nominal', title: 'independent-runs 95% CI' },
              ],
            },
          },
        ],
      },
    ],
  };
}

export interface ScatterRow extends IntervalRow {
  /** Text label drawn next to the point (e.g. the parameter value). */
  text?: string;
}

/**
 * Points with vertical interval bars, optionally connected in x order and coloured by a category:
 * the risk/efficiency frontier (x = capital measure) and a calibration's search (x = parameter).
 */
export function intervalScatterSpec(input: {
  title: string;
  subtitle?: string;
  xTitle: string;
  xUnit?: 'usd' | 'ratio' | 'param';
  yTitle: string;
  unit: Unit;
  rows: ScatterRow[];
  categoryTitle?: string;
  categories?: { domain: string[]; range: string[] };
  connect?: boolean;
  target?: { value: number; label: string };
  marker?: { x: number; label: string };
  width?: number;
  height?: number;
  xFormat?: AxisFormat;
}): object {
  const fmt = unitFormat(input.unit);
  const xFmt = input.xFormat ?? (input.xUnit === 'usd' ? { formatType: 'usd' } : { format: PARAM_FORMAT });
  const lows = input.rows.map((r) => r.lower ?? r.estimate).concat(input.target ? [input.target.value] : []);
  const highs = input.rows.map((r) => r.upper ?? r.estimate).concat(input.target ? [input.target.value] : []);
  const keep = nonOverlappingLabels(
    input.rows.map((r) => ({ x: r.x, y: r.estimate, text: r.text ?? '' })),
    input.width ?? HALF,
    input.height ?? 240,
    {
      yRange: [Math.min(...lows.filter(Number.isFinite)), Math.max(...highs.filter(Number.isFinite))],
      reserved: input.target ? [{ x: 'left', y: input.target.value, text: input.target.label }] : [],
    },
  );
  const rows = roundRows(input.rows).map((r, i) => ({ ...r, text: keep[i] ? (input.rows[i].text ?? '') : '' }));
  const x = { field: 'x', type: 'quantitative', title: input.xTitle, scale: { zero: false, nice: true }, axis: xFmt };
  const color = input.categories
    ? { color: { field: 'group', type: 'nominal', title: input.categoryTitle ?? null, scale: { domain: input.categories.domain, range: input.categories.range } } }
    : {};
  const tooltip = [
    { field: 'label', type: 'nominal', title: 'point' },
    { field: 'x', type: 'quantitative', title: input.xTitle, ...xFmt },
    { field: 'estimate', type: 'quantitative', title: input.yTitle, ...fmt },
    { field: 'lower', type: 'quantitative', title: 'CI lower', ...fmt },
    { field: 'upper', type: 'quantitative', title: 'CI upper', ...fmt },
    { field: 'limit', type: 'nominal', title: 'CI limits' },
    ...(input.categories ? [{ field: 'group', type: 'nominal', title: input.categoryTitle ?? 'category' }] : []),
  ];
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? HALF,
    height: input.height ?? 240,
    layer: [
      {
        data: { values: rows },
        encoding: { x },
        layer: [
          ...(input.connect ? [{ mark: { type: 'line', color: '#8a94a6', strokeWidth: 1.2 }, encoding: { y: { field: 'estimate', type: 'quantitative' }, order: { field: 'x', type: 'quantitative' } } }] : []),
          { mark: { type: 'rule', strokeWidth: 2, ...(input.categories ? {} : { color: '#4c78a8' }) }, encoding: { y: { field: 'lower', type: 'quantitative', title: input.yTitle, axis: fmt }, y2: { field: 'upper' }, ...color } },
          { mark: { type: 'point', filled: true, size: 48, ...(input.categories ? {} : { color: '#4c78a8' }) }, encoding: { y: { field: 'estimate', type: 'quantitative' }, ...color, tooltip } },
          { mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 10, color: '#5b6573' }, encoding: { y: { field: 'estimate', type: 'quantitative' }, text: { field: 'text', type: 'nominal' } } },
        ],
      },
      ...referenceLayers({ ...input, rows: input.rows }),
    ],
  };
}
