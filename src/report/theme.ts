/**
 * The look of every chart: one vega-lite `config` applied by `renderPage` (in the browser) and by
 * `renderSvg` (in Node), so chart specs stay about data and encodings. Colours are named by meaning
 * so every chart uses the same colour for the same thing.
 */

const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Colours by meaning (colour-blind-safe pairs: blue/orange, teal/purple). */
export const COLORS = {
  exogenous: '#4c78a8',
  realised: '#e45756',
  long: '#d95f02',
  short: '#1b9e77',
  fund: '#7570b3',
  openInterest: '#5f6b7a',
  badDebt: '#b2182b',
  neutral: '#8a94a6',
  accent: '#222b38',
  pathA: '#c0392b',
  pathB: '#4c78a8',
} as const;

/** Who paid a shortfall (the loss-waterfall charts), in the order the engine pays. */
export const WATERFALL_COLORS = {
  backstopCoveredUsd: '#66a61e',
  fundPaidUsd: COLORS.fund,
  adlProfitTakenUsd: '#e6ab02',
  socialisedLossUsd: '#a6761d',
  badDebtUsd: COLORS.badDebt,
} as const;

/** The shared vega-lite config. */
export const THEME = {
  font: FONT,
  background: '#ffffff',
  padding: 6,
  customFormatTypes: true,
  view: { stroke: '#d9dee7', continuousWidth: 640, continuousHeight: 260 },
  title: { anchor: 'start', fontSize: 14, fontWeight: 600, color: '#1d2430', subtitleFontSize: 11.5, subtitleColor: '#5b6573', offset: 10 },
  axis: {
    labelFontSize: 11,
    titleFontSize: 11.5,
    titleFontWeight: 600,
    labelColor: '#3a4350',
    titleColor: '#1d2430',
    gridColor: '#edf0f4',
    domainColor: '#8a94a6',
    tickColor: '#8a94a6',
    labelOverlap: true,
    // axis labels closer than this are thinned out (labelOverlap), so neighbouring labels never touch
    labelSeparation: 6,
    titlePadding: 8,
  },
  axisY: { minExtent: 44 },
  legend: { labelFontSize: 11, titleFontSize: 11.5, titleFontWeight: 600, labelColor: '#3a4350', symbolStrokeWidth: 2, orient: 'top' },
  header: { labelFontSize: 12, labelFontWeight: 600, titleFontSize: 12 },
  range: { category: [COLORS.exogenous, COLORS.realised, COLORS.short, COLORS.long, COLORS.fund, COLORS.openInterest, '#e7298a', '#66a61e'] },
  line: { strokeWidth: 1.8 },
  area: { line: false },
  bar: { binSpacing: 0 },
  rule: { color: COLORS.accent },
  text: { fontSize: 11 },
  concat: { spacing: 18 },
} as const;
