/**
 * Path drill-down: two stored paths side by side (by default the worst path by bad debt and the
 * median path), each with price (exogenous vs realised), liquidated notional per interval (longs and
 * shorts, and by cascade generation 1, 2, 3, 4+), insurance fund and open interest on a shared time
 * axis, and the notional liquidated by cascade generation over the whole path. Two selectors pick any stored path for either column; drag
 * across the overview strip at the top to zoom every time panel to that range (double-click resets).
 * Only the ≈10 stored paths are shipped, never every path's series.
 */
import type { DrilldownPath } from '../../api/run.js';
import { COLORS } from '../theme.js';
import { usdFormat } from '../format.js';
import { PRICE_FORMAT, VL_SCHEMA, emptyChart, sig } from './common.js';

export interface DrilldownInput {
  paths: DrilldownPath[];
  perStep: number;
  xTitle: string;
  /** Label shown first in the left column (default: the first worst path, else the first path). */
  left?: string;
  /** Label shown first in the right column (default: "median", else the second path). */
  right?: string;
  panelWidth?: number;
}

/** One option per stored path: value = label, shown as "worst-1 · path 51 · bad debt $1.2M". */
export function drilldownOptions(paths: DrilldownPath[]): { options: string[]; labels: string[] } {
  return {
    options: paths.map((p) => p.label),
    labels: paths.map((p) => `${p.label} · path ${p.pathIndex} · bad debt ${usdFormat(p.summary.badDebtUsd)} · liquidated ${usdFormat(p.summary.liquidatedNotionalUsd)}`),
  };
}

function timeRows(paths: DrilldownPath[], perStep: number) {
  const rows: Record<string, number | string>[] = [];
  for (const p of paths) {
    const s = p.series;
    for (let k = 0; k < s.steps.length; k++) {
      rows.push({
        label: p.label,
        t0: sig((k === 0 ? s.steps[0] : s.steps[k - 1]) * perStep),
        t: sig(s.steps[k] * perStep),
        fundamental: sig(s.fundamentalUsd[k]),
        mark: sig(s.markUsd[k]),
        liqLong: sig(s.liquidatedLongUsd[k]),
        liqShort: sig(s.liquidatedShortUsd[k]),
        fund: sig(s.insuranceFundUsd[k]),
        oi: sig(s.openInterestUsd[k]),
        gen1: sig(s.liquidatedByGenerationClassUsd?.[0]?.[k] ?? 0),
        gen2: sig(s.liquidatedByGenerationClassUsd?.[1]?.[k] ?? 0),
        gen3: sig(s.liquidatedByGenerationClassUsd?.[2]?.[k] ?? 0),
        gen4: sig(s.liquidatedByGenerationClassUsd?.[3]?.[k] ?? 0),
      });
    }
  }
  return rows;
}

function generationRows(paths: DrilldownPath[]) {
  return paths.flatMap((p) => {
    const rows = p.series.liquidatedByGenerationUsd.map((v, g) => ({ label: p.label, generation: g + 1, notional: sig(v) })).filter((r) => r.notional > 0);
    // a path with no liquidation keeps one zero row: an empty selection would give the stacked scale an infinite extent
    return rows.length > 0 ? rows : [{ label: p.label, generation: 1, notional: 0 }];
  });
}

export function drilldownSpec(input: DrilldownInput): object {
  const paths = input.paths;
  if (paths.length === 0) return emptyChart('Path drill-down', 'No paths were stored for drill-down (run with drill-down enabled).');
  const labels = paths.map((p) => p.label);
  const left = input.left && labels.includes(input.left) ? input.left : (labels.find((l) => l.startsWith('worst')) ?? labels[0]);
  const right = input.right && labels.includes(input.right) ? input.right : labels.includes('median') ? 'median' : (labels.find((l) => l !== left) ?? left);
  const { options, labels: optionLabels } = drilldownOptions(paths);
  const W = input.panelWidth ?? 420;
  const x = (title: string | null, field = 't') => ({
    field,
    type: 'quantitative',
    title,
    scale: { domain: { param: 'brush', encoding: 'x' }, nice: false },
  });
  const which = (side: 'left' | 'right') => (side === 'left' ? 'pathLeft' : 'pathRight');
  const only = (side: 'left' | 'right') => ({ filter: `datum.label == ${which(side)}` });
  const small = (text: string | { expr: string }) => ({ text, fontSize: 12, fontWeight: 600, anchor: 'start', offset: 4 });
  const usdAxis = { formatType: 'usd', tickCount: 4 };

  const price = (side: 'left' | 'right') => ({
    title: small({ expr: `'Price — ' + ${which(side)}` }),
    width: W,
    height: 170,
    data: { name: 'ts' },
    transform: [only(side), { fold: ['fundamental', 'mark'], as: ['series', 'price'] }],
    mark: { type: 'line', clip: true, strokeWidth: 1.8 },
    encoding: {
      x: x(null),
      y: { field: 'price', type: 'quantitative', title: 'Price', scale: { zero: false }, axis: { format: PRICE_FORMAT, tickCount: 5 } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: ['fundamental', 'mark'], range: [COLORS.exogenous, COLORS.realised] },
        legend: { orient: 'top', labelExpr: "datum.label == 'fundamental' ? 'Exogenous (fundamental)' : 'Realised mark'", symbolType: 'stroke' },
      },
      strokeDash: { field: 'series', type: 'nominal', scale: { domain: ['fundamental', 'mark'], range: [[4, 2], [1, 0]] }, legend: null },
      tooltip: [
        { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
        { field: 'series', type: 'nominal', title: 'Series' },
        { field: 'price', type: 'quantitative', title: 'Price', format: PRICE_FORMAT },
      ],
    },
  });

  const liquidations = (side: 'left' | 'right') => ({
    title: small('Liquidated notional per interval'),
    width: W,
    height: 110,
    data: { name: 'ts' },
    transform: [only(side), { fold: ['liqLong', 'liqShort'], as: ['side', 'notional'] }],
    mark: { type: 'bar', clip: true },
    encoding: {
      x: { ...x(null, 't0'), bin: 'binned' },
      x2: { field: 't' },
      y: { field: 'notional', type: 'quantitative', title: 'Notional', stack: 'zero', axis: usdAxis },
      color: {
        field: 'side',
        type: 'nominal',
        title: null,
        scale: { domain: ['liqLong', 'liqShort'], range: [COLORS.long, COLORS.short] },
        legend: { orient: 'top', labelExpr: "datum.label == 'liqLong' ? 'Longs liquidated' : 'Shorts liquidated'" },
      },
      tooltip: [
        { field: 't0', type: 'quantitative', title: 'From', format: ',.2~f' },
        { field: 't', type: 'quantitative', title: 'To', format: ',.2~f' },
        { field: 'side', type: 'nominal', title: 'Side' },
        { field: 'notional', type: 'quantitative', title: 'Notional', formatType: 'usd' },
      ],
    },
  });

  const GEN_LABELS = "{gen1: 'Generation 1', gen2: 'Generation 2', gen3: 'Generation 3', gen4: 'Generation 4 and later'}";
  const byGeneration = (side: 'left' | 'right') => ({
    title: small('Liquidated notional per interval, by cascade generation'),
    width: W,
    height: 90,
    data: { name: 'ts' },
    transform: [only(side), { fold: ['gen1', 'gen2', 'gen3', 'gen4'], as: ['generation', 'notional'] }],
    mark: { type: 'bar', clip: true },
    encoding: {
      x: { ...x(null, 't0'), bin: 'binned' },
      x2: { field: 't' },
      y: { field: 'notional', type: 'quantitative', title: null, stack: 'zero', axis: usdAxis },
      color: {
        field: 'generation',
        type: 'nominal',
        title: null,
        scale: { domain: ['gen1', 'gen2', 'gen3', 'gen4'], range: ['#fdae6b', '#f16913', '#d94801', '#7f2704'] },
        legend: { orient: 'top', labelExpr: `${GEN_LABELS}[datum.label]` },
      },
      tooltip: [
        { field: 't0', type: 'quantitative', title: 'From', format: ',.2~f' },
        { field: 't', type: 'quantitative', title: 'To', format: ',.2~f' },
        { field: 'generation', type: 'nominal', title: 'Generation class' },
        { field: 'notional', type: 'quantitative', title: 'Notional', formatType: 'usd' },
      ],
    },
  });

  const line = (side: 'left' | 'right', field: string, title: string, color: string, xTitle: string | null) => ({
    title: small(title),
    width: W,
    height: 90,
    data: { name: 'ts' },
    transform: [only(side)],
    mark: { type: 'area', clip: true, line: { color, strokeWidth: 1.6 }, color, opacity: 0.18 },
    encoding: {
      x: x(xTitle),
      y: { field, type: 'quantitative', title: null, axis: usdAxis },
      tooltip: [
        { field: 't', type: 'quantitative', title: input.xTitle, format: ',.2~f' },
        { field, type: 'quantitative', title, formatType: 'usd' },
      ],
    },
  });

  const generations = (side: 'left' | 'right') => ({
    title: small('Liquidated notional by cascade generation (whole path)'),
    width: W,
    height: 100,
    data: { name: 'gen' },
    transform: [only(side)],
    mark: { type: 'bar', color: COLORS.fund },
    encoding: {
      x: { field: 'generation', type: 'ordinal', title: 'Generation', axis: { labelAngle: 0 } },
      y: { field: 'notional', type: 'quantitative', title: null, axis: usdAxis },
      tooltip: [
        { field: 'generation', type: 'ordinal', title: 'Generation' },
        { field: 'notional', type: 'quantitative', title: 'Notional', formatType: 'usd' },
      ],
    },
  });

  const pair = (f: (side: 'left' | 'right') => object, shareY = true) => ({
    hconcat: [f('left'), f('right')],
    spacing: 36,
    resolve: { scale: { y: shareY ? 'shared' : 'independent', color: 'shared' }, legend: { color: 'shared' } },
  });

  const overview = {
    title: small('Overview: drag to zoom every time panel below (double-click to reset)'),
    width: 2 * W + 110,
    height: 46,
    data: { name: 'ts' },
    transform: [
      { filter: 'datum.label == pathLeft || datum.label == pathRight' },
      { calculate: "datum.label == pathLeft ? 'left' : 'right'", as: 'column' },
    ],
    params: [{ name: 'brush', select: { type: 'interval', encodings: ['x'] } }],
    mark: { type: 'line', strokeWidth: 1.4 },
    encoding: {
      x: { field: 't', type: 'quantitative', title: null, scale: { nice: false } },
      y: { field: 'mark', type: 'quantitative', title: null, scale: { zero: false }, axis: { format: PRICE_FORMAT, tickCount: 2 } },
      color: {
        field: 'column',
        type: 'nominal',
        title: null,
        scale: { domain: ['left', 'right'], range: [COLORS.pathA, COLORS.pathB] },
        legend: { orient: 'top', labelLimit: 400, labelExpr: "datum.label == 'left' ? 'Left: ' + pathLeft : 'Right: ' + pathRight" },
      },
    },
  };

  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Path drill-down',
      subtitle: 'Mark price in the overview; per-path panels below share its time axis. Pick paths with the selectors under the chart.',
    },
    params: [
      { name: 'pathLeft', value: left, bind: { input: 'select', options, labels: optionLabels, name: 'Left column: ' } },
      { name: 'pathRight', value: right, bind: { input: 'select', options, labels: optionLabels, name: 'Right column: ' } },
    ],
    datasets: { ts: timeRows(paths, input.perStep), gen: generationRows(paths) },
    vconcat: [
      overview,
      pair(price),
      pair(liquidations),
      pair(byGeneration),
      pair((s) => line(s, 'fund', 'Insurance fund', COLORS.fund, null)),
      pair((s) => line(s, 'oi', 'Open interest', COLORS.openInterest, input.xTitle)),
      pair(generations),
    ],
    spacing: 22,
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
}
