/**
 * The opening book's fragility (src/api/book-health.ts): the liquidation map — the notional that a
 * market-wide price move of x% would make liquidatable, longs for falls and shorts for rises — and
 * the distance to liquidation by side and leverage (median, interquartile range and 10–90% whiskers).
 */
import { COLORS } from '../theme.js';
import { FULL_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';
import type { BookHealth } from '../../api/book-health.js';

export function liquidationMapSpec(h: BookHealth, width = FULL_WIDTH): object {
  const rows: { move: number; x0: number; x1: number; side: string; usd: number }[] = [];
  const half = h.priceMove.length > 1 ? 40 * (h.priceMove[1] - h.priceMove[0]) : 0.2; // bars 80% of the grid step (in %)
  h.priceMove.forEach((x, k) => {
    if (x === 0) return;
    const m = sig(100 * x);
    rows.push({ move: m, x0: sig(m - half), x1: sig(m + half), side: x < 0 ? 'longs' : 'shorts', usd: sig(h.longNotionalUsd[k] + h.shortNotionalUsd[k]) });
  });
  if (rows.every((r) => r.usd === 0)) return emptyChart('Liquidation map', 'No account is liquidated by a market-wide move of up to ±30%.', width);
  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Liquidation map: notional liquidatable by a price move',
      subtitle: 'Every market’s price moved by the same percentage from its opening level; each bar is the open interest (at opening prices) of the accounts in breach at that move.',
    },
    width,
    height: 220,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'x0', type: 'quantitative', title: 'Price move from the opening level (%)', scale: { domain: [-30, 30] }, axis: { format: '+d', tickCount: 12 } },
      x2: { field: 'x1' },
      y: { field: 'usd', type: 'quantitative', title: 'Liquidatable open interest (USD)', axis: { formatType: 'usd' } },
      y2: { datum: 0 },
      color: { field: 'side', type: 'nominal', title: null, scale: { domain: ['longs', 'shorts'], range: [COLORS.long, COLORS.short] }, legend: { orient: 'top', direction: 'horizontal' } },
      tooltip: [
        { field: 'move', type: 'quantitative', title: 'Price move (%)', format: '+.1f' },
        { field: 'usd', type: 'quantitative', title: 'Liquidatable open interest (USD)', formatType: 'usd' },
        { field: 'side', type: 'nominal', title: 'Side liquidated' },
      ],
    },
  };
}

export function distanceSpec(h: BookHealth, width = FULL_WIDTH): object {
  if (h.distance.length === 0) return emptyChart('Distance to liquidation', 'No open account can be liquidated by a move of up to 100%.', width);
  const rows = h.distance.map((r) => ({
    group: `${r.side} ${r.leverage}`,
    side: r.side,
    accounts: r.accounts,
    notional: sig(r.notionalUsd),
    p10: sig(100 * r.p10),
    p25: sig(100 * r.p25),
    p50: sig(100 * r.p50),
    p75: sig(100 * r.p75),
    p90: sig(100 * r.p90),
  }));
  // a log axis starts above 0: moves below its first tick (already in breach, or nearly) are drawn at it
  const floor = rows.some((r) => r.p10 < 1) ? 0.1 : 1;
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].filter((t) => t >= floor);
  const plotted = rows.map((r) => ({ ...r, x10: Math.max(floor, r.p10), x25: Math.max(floor, r.p25), x50: Math.max(floor, r.p50), x75: Math.max(floor, r.p75), x90: Math.max(floor, r.p90) }));
  const order = rows.map((r) => r.group);
  const y = { field: 'group', type: 'nominal', title: 'Side and leverage at the start (notional / equity)', sort: order };
  const tooltip = [
    { field: 'group', type: 'nominal', title: 'Side, leverage' },
    { field: 'accounts', type: 'quantitative', title: 'Accounts', format: ',d' },
    { field: 'notional', type: 'quantitative', title: 'Notional (USD)', formatType: 'usd' },
    { field: 'p10', type: 'quantitative', title: '10th percentile (%)', format: '.2f' },
    { field: 'p50', type: 'quantitative', title: 'Median (%)', format: '.2f' },
    { field: 'p90', type: 'quantitative', title: '90th percentile (%)', format: '.2f' },
  ];
  const color = { field: 'side', type: 'nominal', title: null, scale: { domain: ['long', 'short', 'mixed'], range: [COLORS.long, COLORS.short, COLORS.neutral] }, legend: null };
  return {
    $schema: VL_SCHEMA,
    title: {
      text: 'Distance to liquidation',
      subtitle: 'The market-wide price move that would liquidate each account: median (tick), 25–75% (bar) and 10–90% (line) of the accounts in each group.',
    },
    width,
    height: { step: 22 },
    data: { values: plotted },
    encoding: { y },
    layer: [
      {
        mark: { type: 'rule' },
        encoding: {
          x: {
            field: 'x10',
            type: 'quantitative',
            title: `Price move that liquidates (%, log scale${floor < 1 ? '; below 0.1% drawn at 0.1%' : '; below 1% drawn at 1%'})`,
            scale: { type: 'log', domain: [floor, 100], clamp: true },
            axis: { values: ticks, format: '~g' },
          },
          x2: { field: 'x90' },
          color,
          tooltip,
        },
      },
      { mark: { type: 'bar', height: 10, opacity: 0.55 }, encoding: { x: { field: 'x25', type: 'quantitative' }, x2: { field: 'x75' }, color, tooltip } },
      { mark: { type: 'tick', thickness: 2, size: 14, color: COLORS.accent }, encoding: { x: { field: 'x50', type: 'quantitative' }, tooltip } },
    ],
  };
}
