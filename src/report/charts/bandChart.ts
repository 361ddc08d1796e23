/**
 * A quantile-band chart of one series over time: shaded 5–95% and 25–75% of paths, the median as a
 * line and the mean dashed; hovering shows the values at the nearest time point. Used for the
 * insurance fund, cumulative liquidations and open interest; other reports can reuse it.
 */
import { FULL_WIDTH, VL_SCHEMA, type BandRow, hoverRule } from './common.js';

export interface BandChartInput {
  title: string;
  subtitle?: string | string[];
  rows: BandRow[];
  /** Base colour; the band shades are tints of it. */
  color: string;
  yTitle: string;
  xTitle: string;
  /** d3 format, or 'usd' for compact dollars (default). */
  yFormat?: string;
  width?: number;
  height?: number;
  /** Extra layers drawn on top (e.g. a reference rule); they may use their own data. */
  extraLayers?: object[];
  /** Start the y axis at zero (default true). */
  zero?: boolean;
}

/** Mixes `hex` with white: t = 0 gives the colour, t = 1 white. */
function tint(hex: string, t: number): string {
  const n = parseInt(hex.slice(1), 16);
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => Math.round(c + (255 - c) * t));
  return '#' + ch.map((c) => c.toString(16).padStart(2, '0')).join('');
}

export const BAND_LABELS = { outer: '5–95% of paths', inner: '25–75% of paths', median: 'Median', mean: 'Mean' } as const;

/** Axis/tooltip format properties for a y format ('usd' is a custom format type). */
function formatProps(f: string | undefined): { format?: string; formatType?: string } {
  return !f || f === 'usd' ? { formatType: 'usd' } : { format: f };
}

export function bandChartSpec(input: BandChartInput): object {
  const fmt = formatProps(input.yFormat);
  const domain = [BAND_LABELS.outer, BAND_LABELS.inner, BAND_LABELS.median, BAND_LABELS.mean];
  // Each layer names what it draws in a constant field, so one colour legend explains all four.
  const named = (label: string) => ({ calculate: JSON.stringify(label), as: 'band' });
  const color = {
    field: 'band',
    type: 'nominal',
    title: null,
    scale: { domain, range: [tint(input.color, 0.78), tint(input.color, 0.5), input.color, '#222b38'] },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 300 },
  };
  const x = { field: 't', type: 'quantitative', title: input.xTitle, scale: { nice: false } };
  const yScale = { zero: input.zero ?? true };
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? FULL_WIDTH,
    height: input.height ?? 240,
    data: { values: input.rows },
    layer: [
      {
        transform: [named(BAND_LABELS.outer)],
        mark: { type: 'area', opacity: 0.9 },
        encoding: {
          x,
          y: { field: 'p05', type: 'quantitative', title: input.yTitle, scale: yScale, axis: { ...fmt } },
          y2: { field: 'p95' },
          color,
        },
      },
      {
        transform: [named(BAND_LABELS.inner)],
        mark: { type: 'area', opacity: 0.9 },
        encoding: { x, y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' }, color },
      },
      {
        transform: [named(BAND_LABELS.median)],
        mark: { type: 'line', strokeWidth: 2 },
        encoding: { x, y: { field: 'p50', type: 'quantitative' }, color },
      },
      {
        transform: [named(BAND_LABELS.mean)],
        mark: { type: 'line', strokeWidth: 1.5, strokeDash: [5, 3] },
        encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
      },
      ...(input.extraLayers ?? []),
      hoverRule([
        { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
        { field: 'p95', type: 'quantitative', title: '95th percentile', ...fmt },
        { field: 'p75', type: 'quantitative', title: '75th percentile', ...fmt },
        { field: 'p50', type: 'quantitative', title: 'Median', ...fmt },
        { field: 'mean', type: 'quantitative', title: 'Mean', ...fmt },
        { field: 'p25', type: 'quantitative', title: '25th percentile', ...fmt },
        { field: 'p05', type: 'quantitative', title: '5th percentile', ...fmt },
      ], x),
    ],
  };
}
