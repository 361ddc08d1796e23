/**
 * Generations per cascade: the share of cascades whose liquidations ran for g rounds within their
 * step (a round's price impact triggering the next). Bars with the share printed on top; the last
 * histogram bin holds "that many or more".
 */
import { COLORS } from '../theme.js';
import { FULL_WIDTH, VL_SCHEMA, emptyChart, sig } from './common.js';

export interface GenerationsInput {
  generations: number[];
  count: number[];
  width?: number;
}

export function cascadeGenerationsSpec(input: GenerationsInput): object {
  const total = input.count.reduce((a, b) => a + b, 0);
  if (total === 0) return emptyChart('Generations per cascade', 'No cascades.', input.width ?? FULL_WIDTH);
  let last = 0;
  input.count.forEach((c, k) => {
    if (c > 0) last = k;
  });
  const lastIsOpen = last === input.count.length - 1;
  const rows = input.count.slice(0, last + 1).map((c, k) => ({
    generation: lastIsOpen && k === last ? `${input.generations[k]}+` : String(input.generations[k]),
    count: c,
    share: sig(c / total),
  }));
  return {
    $schema: VL_SCHEMA,
    title: { text: 'Generations per cascade', subtitle: 'Rounds of liquidation within one step, each triggered by the last one’s price impact.' },
    width: input.width ?? FULL_WIDTH,
    height: 180,
    data: { values: rows },
    encoding: {
      x: { field: 'generation', type: 'ordinal', title: 'Generations', sort: null, axis: { labelAngle: 0 } },
      y: { field: 'share', type: 'quantitative', title: 'Share of cascades', axis: { format: '.0%' } },
    },
    layer: [
      {
        mark: { type: 'bar', color: COLORS.fund, cornerRadiusEnd: 2 },
        encoding: {
          tooltip: [
            { field: 'generation', type: 'ordinal', title: 'Generations' },
            { field: 'count', type: 'quantitative', title: 'Cascades', format: ',d' },
            { field: 'share', type: 'quantitative', title: 'Share', format: '.2~%' },
          ],
        },
      },
      {
        mark: { type: 'text', dy: -6, fontSize: 10, color: '#3a4350' },
        encoding: { text: { field: 'share', type: 'quantitative', format: '.0%' }, opacity: { condition: { test: 'datum.share >= 0.005', value: 1 }, value: 0 } },
      },
    ],
  };
}
