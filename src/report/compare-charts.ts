/**
 * Vega-lite chart specs for comparison reports: a forest plot of paired differences, price and
 * liquidation bands overlaid per policy, per-policy estimates, and bad-debt tail quantiles.
 * Pure functions; every spec is compiled and schema-checked by test/sweep/charts.test.ts.
 */
import type { Unit } from '../sweep/metrics.js';
import { capOpenLimits, diffAxisFormat, HALF, sig, unitFormat, VL_SCHEMA, WIDE } from './sweep-charts.js';
import { fmtDiff } from './study-format.js';

/** Colours for up to 12 policies (the first is the baseline). */
const VARIANT_COLORS = ['#222b38', '#d95f02', '#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#4c78a8', '#b2182b', '#17becf', '#8c564b'];

function variantScale(names: string[]) {
  return { domain: names, range: VARIANT_COLORS.slice(0, names.length) };
}

export interface ForestRow {
  variant: string;
  estimate: number;
  /** The interval drawn: Holm-adjusted (simultaneous) where the comparison has it. */
  lower: number;
  upper: number;
  /** Which way the effect goes for the venue: one of EFFECT_DOMAIN (the verdict's colours). */
  effect: string;
  /** One of SIGNIFICANCE_DOMAIN. */
  significance: string;
  pValue: number;
  /** The interval's confidence in words ("Holm-adjusted 99.7%"). */
  level: string;
}

/** The colour of a difference is the direction of its effect, as in the verdict (green better, red worse); significance is the mark's opacity. */
export const EFFECT_DOMAIN = ['better', 'worse', 'no better or worse direction'];
const EFFECT_RANGE = ['#1b7a43', '#b2182b', '#5b6573'];
export const SIGNIFICANCE_DOMAIN = ['significant after Holm correction', 'not significant after Holm correction'];

/**
 * Forest plot: for each metric, each policy's paired difference from the baseline with its interval,
 * and a zero line. One small chart per metric (units differ), stacked.
 */
export function forestSpec(input: { title: string; subtitle?: string; baseline: string; metrics: { key: string; label: string; unit: Unit; rows: ForestRow[] }[]; width?: number }): object {
  const variants = [...new Set(input.metrics.flatMap((m) => m.rows.map((r) => r.variant)))];
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    vconcat: input.metrics.map((m) => {
      const fmt = diffAxisFormat(m.unit);
      const rows = m.rows.map((r) => ({
        ...r,
        estimate: sig(r.estimate),
        lower: sig(r.lower),
        upper: sig(r.upper),
        pValue: sig(r.pValue, 3),
        tEstimate: fmtDiff(r.estimate, m.unit),
        tInterval: `${fmtDiff(r.lower, m.unit)} to ${fmtDiff(r.upper, m.unit)}`,
      }));
      return {
        title: { text: `${m.label}: difference vs ${input.baseline}${m.unit === 'probability' || m.unit === 'fraction' ? ' (percentage points)' : ''}`, fontSize: 12 },
        width: input.width ?? 560,
        height: Math.max(24, 22 * variants.length),
        layer: [
          { data: { values: [{ x: 0 }] }, mark: { type: 'rule', color: '#5b6573', strokeDash: [3, 3] }, encoding: { x: { field: 'x', type: 'quantitative' } } },
          {
            data: { values: rows },
            encoding: {
              y: { field: 'variant', type: 'nominal', title: null, sort: variants },
              color: { field: 'effect', type: 'nominal', title: null, scale: { domain: EFFECT_DOMAIN, range: EFFECT_RANGE }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 320 } },
              opacity: { field: 'significance', type: 'ordinal', sort: SIGNIFICANCE_DOMAIN, title: null, scale: { domain: SIGNIFICANCE_DOMAIN, range: [1, 0.4] }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 320 } },
            },
            layer: [
              { mark: { type: 'rule', strokeWidth: 2.5 }, encoding: { x: { field: 'lower', type: 'quantitative', title: null, axis: fmt }, x2: { field: 'upper' } } },
              {
                mark: { type: 'point', filled: true, size: 60, shape: 'diamond' },
                encoding: {
                  x: { field: 'estimate', type: 'quantitative' },
                  tooltip: [
                    { field: 'variant', type: 'nominal', title: 'policy' },
                    { field: 'tEstimate', type: 'nominal', title: 'difference' },
                    { field: 'tInterval', type: 'nominal', title: 'interval' },
                    { field: 'level', type: 'nominal', title: 'confidence' },
                    { field: 'pValue', type: 'quantitative', title: 'p-value' },
                    { field: 'effect', type: 'nominal', title: 'effect' },
                    { field: 'significance', type: 'nominal', title: 'significance' },
                  ],
                },
              },
            ],
          },
        ],
      };
    }),
  };
}

export interface VariantBandRow {
  t: number;
  variant: string;
  p05: number;
  p50: number;
  p95: number;
}

/**
 * Quantile bands of a series over time, one small panel per policy (stacked, sharing both axes): the
 * policy's 5–95% band shaded and its median as a line in its own colour, and in every other panel the
 * baseline's (first policy's) median as a dark dashed reference. Overlaid in one panel, bands that common
 * random numbers make nearly identical would merge into one blot of mixed colour.
 */
export function variantBandsSpec(input: { title: string; subtitle?: string; xTitle: string; yTitle: string; unit: 'usd' | 'price'; rows: VariantBandRow[]; variants: string[]; width?: number; height?: number; zero?: boolean }): object {
  const fmt = input.unit === 'usd' ? { formatType: 'usd' } : { format: '$,.4~r' };
  const rows = input.rows.map((r) => ({ ...r, t: sig(r.t), p05: sig(r.p05), p50: sig(r.p50), p95: sig(r.p95) }));
  const baseline = input.variants[0];
  const baseRows = rows.filter((r) => r.variant === baseline).map((r) => ({ t: r.t, p50: r.p50 }));
  const n = input.variants.length;
  const panelHeight = input.height ?? (n <= 1 ? 240 : Math.max(90, Math.round(360 / n)));
  const x = (last: boolean) => ({ field: 't', type: 'quantitative', title: last ? input.xTitle : null, scale: { nice: false }, axis: last ? {} : { labels: false, ticks: true } });
  const panel = (v: string, k: number, colour: string) => {
    const last = k === n - 1;
    const y = { type: 'quantitative', title: input.yTitle, scale: { zero: input.zero ?? false }, axis: { ...fmt, tickCount: 4 } };
    return {
      title: { text: v === baseline && n > 1 ? `${v} (baseline)` : v, fontSize: 12, color: colour },
      width: input.width ?? WIDE,
      height: panelHeight,
      data: { values: rows.filter((r) => r.variant === v) },
      encoding: { x: x(last) },
      layer: [
        { mark: { type: 'area', opacity: 0.28, color: colour }, encoding: { y: { field: 'p05', ...y }, y2: { field: 'p95' } } },
        ...(v === baseline ? [] : [{ data: { values: baseRows }, mark: { type: 'line', strokeWidth: 1.2, strokeDash: [4, 3], color: '#222b38' }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'p50', type: 'quantitative' } } }]),
        { mark: { type: 'line', strokeWidth: 2, color: colour }, encoding: { y: { field: 'p50', type: 'quantitative' } } },
        {
          mark: { type: 'point', opacity: 0, size: 30 },
          encoding: {
            y: { field: 'p50', type: 'quantitative' },
            tooltip: [
              { field: 'variant', type: 'nominal', title: 'policy' },
              { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
              { field: 'p05', type: 'quantitative', title: '5th percentile', ...fmt },
              { field: 'p50', type: 'quantitative', title: 'median', ...fmt },
              { field: 'p95', type: 'quantitative', title: '95th percentile', ...fmt },
            ],
          },
        },
      ],
    };
  };
  const colours = variantScale(input.variants).range;
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle || n > 1 ? { subtitle: input.subtitle ?? `One panel per policy: median (line) and 5–95% of paths (shaded); dashed: ${baseline}’s median.` } : {}) },
    spacing: 8,
    resolve: { scale: { x: 'shared', y: 'shared' } },
    vconcat: input.variants.map((v, k) => panel(v, k, colours[k])),
  };
}

/** Each policy's estimate of one metric with its confidence interval (bars). */
export function variantEstimateSpec(input: { title: string; subtitle?: string; unit: Unit; rows: { variant: string; estimate: number; lower: number | null; upper: number | null }[]; variants: string[]; width?: number }): object {
  const fmt = unitFormat(input.unit);
  const rows = capOpenLimits(input.rows).map((r) => ({ ...r, estimate: sig(r.estimate), lower: sig(r.lower), upper: sig(r.upper) }));
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? HALF,
    height: Math.max(40, 26 * input.variants.length),
    data: { values: rows },
    encoding: { y: { field: 'variant', type: 'nominal', title: null, sort: input.variants } },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.75, height: { band: 0.6 } },
        encoding: {
          x: { field: 'estimate', type: 'quantitative', title: null, axis: fmt, scale: { zero: true } },
          color: { field: 'variant', type: 'nominal', legend: null, scale: variantScale(input.variants) },
          tooltip: [
            { field: 'variant', type: 'nominal', title: 'policy' },
            { field: 'estimate', type: 'quantitative', title: 'estimate', ...fmt },
            { field: 'lower', type: 'quantitative', title: 'CI lower', ...fmt },
            { field: 'upper', type: 'quantitative', title: 'CI upper', ...fmt },
            { field: 'limit', type: 'nominal', title: 'CI limits' },
          ],
        },
      },
      { mark: { type: 'rule', color: '#1d2430', strokeWidth: 1.5 }, encoding: { x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
    ],
  };
}

/** Upper-tail quantiles of a per-path quantity (e.g. bad debt), one step line per policy. */
export function tailQuantileSpec(input: { title: string; subtitle?: string; yTitle: string; rows: { p: number; variant: string; value: number }[]; variants: string[]; fromP?: number; width?: number; height?: number }): object {
  const from = input.fromP ?? 0.9;
  const rows = input.rows.filter((r) => r.p >= from - 1e-12).map((r) => ({ ...r, p: sig(r.p), value: sig(r.value) }));
  return {
    $schema: VL_SCHEMA,
    title: { text: input.title, ...(input.subtitle ? { subtitle: input.subtitle } : {}) },
    width: input.width ?? HALF,
    height: input.height ?? 240,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, point: { size: 14, filled: true } },
    encoding: {
      x: { field: 'p', type: 'quantitative', title: 'Quantile level (share of paths below)', scale: { domain: [from, 1] }, axis: { format: '.1~%' } },
      y: { field: 'value', type: 'quantitative', title: input.yTitle, axis: { formatType: 'usd' } },
      color: { field: 'variant', type: 'nominal', title: null, scale: variantScale(input.variants) },
      tooltip: [
        { field: 'variant', type: 'nominal', title: 'policy' },
        { field: 'p', type: 'quantitative', title: 'quantile', format: '.1~%' },
        { field: 'value', type: 'quantitative', title: input.yTitle, formatType: 'usd' },
      ],
    },
  };
}
