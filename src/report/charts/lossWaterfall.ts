/**
 * The loss waterfall: who paid the shortfalls liquidated accounts left behind — backstop vault,
 * insurance fund, auto-deleveraging, socialised loss — and what was left as bad debt.
 *
 * - `waterfallPathsSpec`: the paths with the largest shortfall, one stacked bar each, coloured by who
 *   paid (so a stress run that ADLs $256M and leaves $32M of bad debt shows both on its worst paths);
 * - `waterfallSharesSpec`: each stage's share of all shortfall (Σ over paths), one bar per stage, the
 *   share and the mean per path written in the row label (labels never sit on the bars, so they can
 *   neither overlap nor be clipped).
 */
import { WATERFALL_STAGES, type LossWaterfall, type WaterfallStageKey } from '../../stats/waterfall.js';
import { WATERFALL_COLORS } from '../theme.js';
import { usdFormat, fmtInt } from '../format.js';
import { FULL_WIDTH, HALF_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';

export interface WaterfallColumns {
  pathIndex: number[];
  shortfallUsd: number[];
  backstopCoveredUsd: number[];
  fundPaidUsd: number[];
  adlProfitTakenUsd: number[];
  socialisedLossUsd: number[];
  badDebtUsd: number[];
}

/** Stages a policy can use: the backstop only when enabled, ADL / socialised loss only when chosen; fund and bad debt always. */
export function stagesInPlay(policy: { liquidation: { backstop: { enabled: boolean } }; waterfall: { afterInsuranceFund: string } }, w: LossWaterfall | null): WaterfallStageKey[] {
  return WATERFALL_STAGES.map((s) => s.key).filter((k) => {
    if (w && w.stages[k].pathsPaying > 0) return true;
    if (k === 'backstopCoveredUsd') return policy.liquidation.backstop.enabled;
    if (k === 'adlProfitTakenUsd') return policy.waterfall.afterInsuranceFund === 'adl';
    if (k === 'socialisedLossUsd') return policy.waterfall.afterInsuranceFund === 'socialised';
    return true;
  });
}

const LABEL: Record<WaterfallStageKey, string> = Object.fromEntries(WATERFALL_STAGES.map((s) => [s.key, s.label])) as Record<WaterfallStageKey, string>;

/** The `top` paths with the largest shortfall as stacked bars of who paid. */
export function waterfallPathsSpec(input: { columns: WaterfallColumns; stages: WaterfallStageKey[]; top?: number; width?: number }): object {
  const c = input.columns;
  const n = c.shortfallUsd.length;
  const withShortfall = c.shortfallUsd.map((x, k) => ({ x, k })).filter((r) => r.x > 0);
  const title = 'Who paid the shortfall on the worst paths';
  if (withShortfall.length === 0) return emptyChart(title, `No path of ${fmtInt(n)} had a shortfall: every liquidated account's margin covered its loss.`, input.width ?? FULL_WIDTH);
  const top = withShortfall.sort((a, b) => b.x - a.x || a.k - b.k).slice(0, input.top ?? 30);
  const rows = top.flatMap((r, rank) =>
    input.stages.map((s, order) => ({
      path: `#${c.pathIndex[r.k]}`,
      rank,
      stage: LABEL[s],
      order,
      usd: sig(c[s][r.k]),
      share: sig(c[s][r.k] / r.x),
      shortfall: sig(r.x),
    })),
  );
  return {
    $schema: VL_SCHEMA,
    title: {
      text: title,
      subtitle: `The ${top.length} paths with the largest shortfall (of ${fmtInt(withShortfall.length)} with any, out of ${fmtInt(n)}), largest first; each bar is one path's shortfall split by who paid it.`,
    },
    width: input.width ?? FULL_WIDTH,
    height: 240,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'path', type: 'nominal', title: 'Path (by shortfall, largest first)', sort: { field: 'rank', order: 'ascending' }, axis: { labelAngle: 0, labelOverlap: 'greedy' } },
      y: { field: 'usd', type: 'quantitative', title: 'Paid per path (USD)', stack: 'zero', axis: { formatType: 'usd' } },
      color: {
        field: 'stage',
        type: 'nominal',
        title: null,
        sort: input.stages.map((s) => LABEL[s]),
        scale: { domain: input.stages.map((s) => LABEL[s]), range: input.stages.map((s) => WATERFALL_COLORS[s]) },
        legend: { orient: 'top', direction: 'horizontal', labelLimit: 220 },
      },
      order: { field: 'order', type: 'quantitative' },
      tooltip: [
        { field: 'path', type: 'nominal', title: 'Path' },
        { field: 'stage', type: 'nominal', title: 'Paid by' },
        { field: 'usd', type: 'quantitative', title: 'Amount', formatType: 'usd' },
        { field: 'share', type: 'quantitative', title: 'Share of the path’s shortfall', format: '.1~%' },
        { field: 'shortfall', type: 'quantitative', title: 'Path’s shortfall', formatType: 'usd' },
      ],
    },
  };
}

/** Each stage's share of all shortfall, with the share and mean per path in the row label. */
export function waterfallSharesSpec(input: { waterfall: LossWaterfall; stages: WaterfallStageKey[]; width?: number }): object {
  const w = input.waterfall;
  const title = 'Share of all shortfall, by who paid';
  if (w.pathsWithShortfall === 0) return emptyChart(title, 'No shortfall on any path.', input.width ?? HALF_WIDTH);
  const pct = (x: number) => `${x >= 0.1 ? (100 * x).toFixed(0) : x >= 0.001 ? (100 * x).toFixed(1) : x > 0 ? '<0.1' : '0'}%`;
  const rows = input.stages.map((s, order) => {
    const st = w.stages[s];
    return {
      row: `${LABEL[s]}: ${pct(st.shareOfShortfall)} · ${usdFormat(st.mean.estimate)} a path`,
      stage: LABEL[s],
      order,
      share: sig(st.shareOfShortfall),
      mean: sig(st.mean.estimate),
      lower: sig(st.mean.lower ?? 0),
      // an open upper limit (too few paths paying) is drawn as the largest amount any path paid
      upper: sig(st.mean.upper ?? st.max),
      paths: st.pathsPaying,
    };
  });
  return {
    $schema: VL_SCHEMA,
    title: { text: title, subtitle: `Σ over all paths of what each stage paid ÷ Σ shortfall (${usdFormat(w.shortfallUsd.mean.estimate)} a path on average).` },
    width: input.width ?? HALF_WIDTH,
    height: Math.max(60, 28 * rows.length),
    data: { values: rows },
    mark: { type: 'bar', height: { band: 0.7 } },
    encoding: {
      y: { field: 'row', type: 'nominal', title: null, sort: { field: 'order', order: 'ascending' }, axis: { labelLimit: 320, labelFontSize: 11.5 } },
      x: { field: 'share', type: 'quantitative', title: 'Share of all shortfall', scale: { domain: [0, 1] }, axis: { format: '.0%', values: [0, 0.25, 0.5, 0.75, 1] } },
      color: { field: 'stage', type: 'nominal', legend: null, scale: { domain: input.stages.map((s) => LABEL[s]), range: input.stages.map((s) => WATERFALL_COLORS[s]) } },
      tooltip: [
        { field: 'stage', type: 'nominal', title: 'Paid by' },
        { field: 'share', type: 'quantitative', title: 'Share of all shortfall', format: '.2~%' },
        { field: 'mean', type: 'quantitative', title: 'Mean per path', formatType: 'usd' },
        { field: 'lower', type: 'quantitative', title: '95% CI lower', formatType: 'usd' },
        { field: 'upper', type: 'quantitative', title: '95% CI upper', formatType: 'usd' },
        { field: 'paths', type: 'quantitative', title: 'Paths where it paid', format: ',d' },
      ],
    },
  };
}
