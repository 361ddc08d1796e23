/**
 * Pages that fit (issue 23 item 7), the parts decided in Node: axes whose tick labels are all different
 * (browser/ticks.ts, applied by renderSvg and, in the page, by vega-embed), the distance-to-liquidation log axis (positive,
 * readable ticks), comparison bands one panel and one colour per policy, and signs joined to their numbers
 * in page text. The rendered pages are checked in chromium by test/report/browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { distinctTicks, formatResolution } from '../../src/report/browser/ticks.js';
import { renderPage, renderSvg } from '../../src/report/page.js';
import { THEME } from '../../src/report/theme.js';
import { distanceSpec } from '../../src/report/charts/bookHealth.js';
import { variantBandsSpec } from '../../src/report/compare-charts.js';
import { joinSigns } from '../../src/report/format.js';
import type { BookHealth } from '../../src/api/book-health.js';
import { schemaErrors } from './vl-schema.js';

/** The x axis's label texts of an SVG vega rendered (the chart's only labelled axis). */
function axisLabels(svg: string): string[] {
  const group = /<g class="mark-text role-axis-label"[^>]*>([\s\S]*?)<\/g>/.exec(svg);
  return group ? [...group[1].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]) : [];
}

async function rawSvg(spec: object): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec, { config: THEME as never }).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A strip of points from 0 to 0.15%, its x axis in percent with one decimal: the "0%, 0%, 0.1%, 0.1%". */
const narrowPercent = {
  width: 600,
  height: 40,
  data: { values: [0, 0.0003, 0.0007, 0.0011, 0.0015].map((x) => ({ x })) },
  mark: 'point',
  encoding: { x: { field: 'x', type: 'quantitative', axis: { format: '.1~%', labelOverlap: false } } },
};

describe('axes whose tick labels are all different (browser/ticks.ts)', () => {
  it('formatResolution is one unit of the format’s last digit, null where the format has none', () => {
    expect(formatResolution('.1~%')).toBeCloseTo(0.001, 15);
    expect(formatResolution('.0%')).toBeCloseTo(0.01, 15);
    expect(formatResolution(',.2~f')).toBeCloseTo(0.01, 15);
    expect(formatResolution('+.1f')).toBeCloseTo(0.1, 15);
    expect(formatResolution(',d')).toBe(1);
    expect(formatResolution('+d')).toBe(1);
    for (const f of ['$,.4~r', '~s', '%', '.2e', 'garbage!']) expect(formatResolution(f)).toBeNull();
  });

  it('without a tick step the narrow percent axis repeats labels; with distinctTicks (as every page renders) each label is new', async () => {
    const before = axisLabels(await rawSvg(narrowPercent));
    expect(new Set(before).size).toBeLessThan(before.length); // the defect, reproduced
    const after = axisLabels(await renderSvg(narrowPercent));
    expect(after.length).toBeGreaterThan(1);
    expect(new Set(after).size).toBe(after.length);
  });

  it('distinctTicks sets the step on every fixed-precision axis of a linear scale, in nested groups, and keeps explicit values, steps, log scales and custom formats', () => {
    const vg = {
      scales: [{ name: 'x', type: 'linear' }, { name: 'lx', type: 'log' }],
      axes: [
        { scale: 'x', format: ',d' },
        { scale: 'x', format: '.0%', tickMinStep: 0.5 },
        { scale: 'lx', format: '.1f' },
        { scale: 'x', format: '.1f', values: [1, 2] },
        { scale: 'x', format: 'usd', formatType: 'usd' },
      ],
      marks: [{ type: 'group', scales: [{ name: 'concat_1_y', type: 'linear' }], axes: [{ scale: 'concat_1_y', format: '.2~%' }] }],
    };
    const out = distinctTicks(vg);
    expect(out.axes.map((a) => (a as { tickMinStep?: number }).tickMinStep)).toEqual([1, 0.5, undefined, undefined, undefined]);
    expect((out.marks[0].axes[0] as { tickMinStep?: number }).tickMinStep).toBeCloseTo(1e-4, 15);
  });

  it('every chart of a page is patched the same way in the browser: the page bundle carries distinctTicks as vega-embed’s patch', () => {
    const html = renderPage({ title: 't', sections: [{ id: 's', title: 's', charts: [{ id: 'c', spec: narrowPercent }] }] });
    expect(html).toMatch(/patch:/);
    expect(html).toContain('tickMinStep');
  });
});

describe('distance to liquidation: a log axis with positive, readable ticks', () => {
  const row = (side: 'long' | 'short', leverage: string, q: number[]) => ({ side, leverage, accounts: 10, notionalUsd: 1e6, p10: q[0], p25: q[1], p50: q[2], p75: q[3], p90: q[4] });
  const health = (rows: ReturnType<typeof row>[]): BookHealth => ({ priceMove: [], longNotionalUsd: [], shortNotionalUsd: [], withinMove: [], distance: rows, farAccounts: 0 });

  it('an account already at its liquidation price (distance 0) is drawn at the axis floor; no tick reads 0, every tick is a distinct positive number', async () => {
    const spec = distanceSpec(health([row('long', '20–50x', [0, 0.002, 0.01, 0.02, 0.05]), row('short', '<2x', [0.3, 0.5, 0.8, 0.9, 1.2])]));
    expect(schemaErrors(spec)).toEqual([]);
    const labels = axisLabels(await renderSvg(spec));
    expect(labels).toEqual(['0.1', '0.2', '0.5', '1', '2', '5', '10', '20', '50', '100']);
    // the tooltip still reads the true distance
    expect((spec as { data: { values: { p10: number; x10: number }[] } }).data.values[0]).toMatchObject({ p10: 0, x10: 0.1 });
  });

  it('a book with every account at least 1% away starts its axis at 1', async () => {
    const spec = distanceSpec(health([row('long', '5–10x', [0.05, 0.07, 0.1, 0.12, 0.15])]));
    expect(axisLabels(await renderSvg(spec))).toEqual(['1', '2', '5', '10', '20', '50', '100']);
  });
});

describe('comparison bands: one panel, one colour per policy', () => {
  it('four policies give four stacked panels sharing both axes, each band in its own colour, the baseline median dashed in the others', () => {
    const variants = ['base', 'b', 'c', 'd'];
    const rows = variants.flatMap((variant) => [0, 1, 2].map((t) => ({ t, variant, p05: 90, p50: 100, p95: 110 })));
    const spec = variantBandsSpec({ title: 'Mark price', xTitle: 'Time', yTitle: 'Price', unit: 'price', rows, variants }) as {
      vconcat: { title: { text: string }; data: { values: { variant: string }[] }; layer: { mark: { type: string; color: string; strokeDash?: number[] } }[] }[];
      resolve: unknown;
    };
    expect(schemaErrors(spec)).toEqual([]);
    expect(spec.vconcat.map((p) => p.title.text)).toEqual(['base (baseline)', 'b', 'c', 'd']);
    expect(spec.resolve).toEqual({ scale: { x: 'shared', y: 'shared' } });
    const areaColours = spec.vconcat.map((p) => p.layer.find((l) => l.mark.type === 'area')!.mark.color);
    expect(new Set(areaColours).size).toBe(4);
    spec.vconcat.forEach((p, k) => {
      expect(new Set(p.data.values.map((r) => r.variant))).toEqual(new Set([variants[k]]));
      expect(p.layer.some((l) => l.mark.strokeDash)).toBe(k > 0);
    });
  });
});

describe('signs joined to their numbers in page text', () => {
  it('joinSigns puts a word joiner between a sign and a currency sign, and nowhere else', () => {
    expect(joinSigns('[\u2212$35.2k, +$3k] \u22121.2% a-b $5')).toBe('[\u2212\u2060$35.2k, +\u2060$3k] \u22121.2% a-b $5');
  });

  it('renderPage joins them in the headline, intros and section HTML', () => {
    const html = renderPage({ title: 't', headlineHtml: '<p>\u2212$1k</p>', sections: [{ id: 's', title: 's', introHtml: '<p>+$2k</p>', html: '<p>[\u2212$3k]</p>' }] });
    expect(html).toContain('\u2212\u2060$1k');
    expect(html).toContain('+\u2060$2k');
    expect(html).toContain('[\u2212\u2060$3k]');
    expect(html).not.toMatch(/\u2212\$/);
  });
});
