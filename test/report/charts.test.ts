import { describe, expect, it } from 'vitest';
import { schemaErrors, compileWarnings } from './vl-schema.js';
import { syntheticResults } from './fixture.js';
import { reportSections } from '../../src/report/html.js';
import { renderSvg } from '../../src/report/page.js';
import { bandRows, sig, timeAxis } from '../../src/report/charts/common.js';
import { histogram, logHistogram, niceStep } from '../../src/report/charts/histogram.js';
import { priceFanSpec, PRICE_SERIES } from '../../src/report/charts/priceFan.js';
import { bandChartSpec, BAND_LABELS } from '../../src/report/charts/bandChart.js';
import { liquidationsOverTimeSpec, SIDES } from '../../src/report/charts/liquidationsOverTime.js';
import { cumulativeLiquidationsSpec } from '../../src/report/charts/cumulativeLiquidations.js';
import { insuranceFundSpec } from '../../src/report/charts/insuranceFund.js';
import { cascadeCcdfSpec, ccdfRows, decades } from '../../src/report/charts/cascadeCcdf.js';
import { cascadeGenerationsSpec } from '../../src/report/charts/cascadeGenerations.js';
import { cascadeImpactSpec } from '../../src/report/charts/cascadeImpact.js';
import { badDebtHistogramSpec } from '../../src/report/charts/badDebtHistogram.js';
import { drilldownSpec } from '../../src/report/charts/drilldown.js';
import { downsampleDrilldown, flowBandMax, levelBand, strideIndices } from '../../src/report/charts/downsample.js';
import type { Band } from '../../src/stats/aggregate.js';

// ---------------------------------------------------------------- helpers for looking inside specs

type Json = Record<string, unknown>;

/** Every object in a spec tree (depth-first). */
function nodes(x: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(x)) x.forEach((v) => nodes(v, out));
  else if (x && typeof x === 'object') {
    out.push(x as Json);
    Object.values(x).forEach((v) => nodes(v, out));
  }
  return out;
}
/** Inline data rows of every `data.values` and `datasets` entry. */
function rowsOf(spec: object): Json[] {
  const rows: Json[] = [];
  for (const n of nodes(spec)) {
    if (n.data && Array.isArray((n.data as Json).values)) rows.push(...((n.data as Json).values as Json[]));
    if (n.datasets) for (const v of Object.values(n.datasets as Json)) rows.push(...(v as Json[]));
  }
  return rows;
}
const fieldsOf = (spec: object) => new Set(nodes(spec).flatMap((n) => (typeof n.field === 'string' ? [n.field] : [])));
const marksOf = (spec: object) => new Set(nodes(spec).flatMap((n) => (typeof n.mark === 'string' ? [n.mark] : n.mark && typeof (n.mark as Json).type === 'string' ? [(n.mark as Json).type as string] : [])));
const paramsOf = (spec: object) => nodes(spec).flatMap((n) => (Array.isArray(n.params) ? (n.params as Json[]) : []));

function expectValid(spec: object) {
  expect(schemaErrors(spec)).toEqual([]);
  expect(compileWarnings(spec)).toEqual([]);
}

const band = (n: number, f: (k: number) => number): Band => ({
  p05: Array.from({ length: n }, (_, k) => f(k) - 2),
  p25: Array.from({ length: n }, (_, k) => f(k) - 1),
  p50: Array.from({ length: n }, (_, k) => f(k)),
  p75: Array.from({ length: n }, (_, k) => f(k) + 1),
  p95: Array.from({ length: n }, (_, k) => f(k) + 2),
  mean: Array.from({ length: n }, (_, k) => f(k) + 0.1),
});
const steps = Array.from({ length: 25 }, (_, k) => k * 60);
const rows = (f: (k: number) => number) => bandRows(steps, band(25, f), 1 / 60);

// ---------------------------------------------------------------- pure helpers

describe('chart helpers', () => {
  it('niceStep picks 1, 2, 2.5 or 5 × 10^k at or above the raw width', () => {
    expect(niceStep(0.3)).toBe(0.5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(2.2)).toBe(2.5);
    expect(niceStep(1000)).toBe(1000);
    expect(() => niceStep(0)).toThrow(RangeError);
  });

  it('histogram counts every finite value once, on contiguous edges, within maxBins', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 37 + i / 50);
    const h = histogram([...xs, NaN, Infinity], 25);
    expect(h.reduce((a, b) => a + b.count, 0)).toBe(1000);
    expect(h.length).toBeLessThanOrEqual(25);
    for (let k = 1; k < h.length; k++) expect(h[k].x0).toBeCloseTo(h[k - 1].x1, 9);
    expect(h[0].x0).toBeLessThanOrEqual(Math.min(...xs));
    expect(h[h.length - 1].x1).toBeGreaterThan(Math.max(...xs));
    expect(histogram([], 10)).toEqual([]);
    expect(histogram([5, 5, 5])).toEqual([{ x0: 4.75, x1: 5.25, count: 3 }]);
  });

  it('logHistogram bins positive values on quarter decades and skips zeros', () => {
    const h = logHistogram([0, 0, 1, 1.5, 10, 99, 1000]);
    expect(h.reduce((a, b) => a + b.count, 0)).toBe(5);
    expect(h[0].x0).toBe(1);
    expect(h[h.length - 1].x0).toBe(1000);
    expect(h.find((b) => b.x0 === 10)!.count).toBe(1);
  });

  it('timeAxis picks minutes, hours or days from the horizon', () => {
    expect(timeAxis(60, 120)).toMatchObject({ unit: 'minutes', perStep: 1 });
    expect(timeAxis(60, 1440)).toMatchObject({ unit: 'hours', title: 'Time (hours)' });
    expect(timeAxis(3600, 24 * 30).unit).toBe('days');
  });

  it('sig rounds to significant digits and keeps zero and integers', () => {
    expect(sig(0.1 + 0.2)).toBe(0.3);
    expect(sig(123456)).toBe(123456);
    expect(sig(0)).toBe(0);
  });

  it('strideIndices keeps the first and last point and at most max points', () => {
    expect(strideIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
    const idx = strideIndices(10_001, 1000);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(10_000);
    expect(idx.length).toBeLessThanOrEqual(1000);
  });

  it('downsampling keeps total liquidated notional of a drill-down path exact and caps band points', () => {
    const r = syntheticResults({ paths: 20, points: 2500, samplePaths: 20 });
    const p = r.drilldown[0];
    const d = downsampleDrilldown(p, 500);
    expect(d.series.steps.length).toBeLessThanOrEqual(500);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(d.series.liquidatedLongUsd)).toBeCloseTo(sum(p.series.liquidatedLongUsd), 6);
    expect(d.series.markUsd[d.series.markUsd.length - 1]).toBe(p.series.markUsd[p.series.markUsd.length - 1]);
    const idx = strideIndices(2500, 500);
    const b = r.series!.liquidatedLongUsd;
    expect(Math.max(...flowBandMax(b, idx).p95)).toBe(Math.max(...b.p95));
    expect(levelBand(r.series!.markUsd, idx).p50.length).toBe(idx.length);
  });
});

// ---------------------------------------------------------------- chart builders

describe('priceFanSpec', () => {
  const spec = priceFanSpec({ fundamental: rows((k) => 100 + k), mark: rows((k) => 99 + k), xTitle: 'Time (hours)' });
  it('is a valid vega-lite spec that compiles without warnings', () => expectValid(spec));
  it('carries both series with every band quantile, a legend toggle and a hover tooltip', () => {
    const data = rowsOf(spec);
    expect(new Set(data.map((r) => r.series))).toEqual(new Set([PRICE_SERIES.exogenous, PRICE_SERIES.realised, undefined]));
    for (const f of ['p05', 'p25', 'p50', 'p75', 'p95']) expect(fieldsOf(spec).has(f)).toBe(true);
    expect(data.filter((r) => r.series === PRICE_SERIES.realised)).toHaveLength(25);
    const params = paramsOf(spec);
    expect(params.find((p) => p.name === 'series')?.bind).toBe('legend');
    expect(params.find((p) => p.name === 'hover')).toBeDefined();
    expect(nodes(spec).some((n) => Array.isArray(n.tooltip) && (n.tooltip as Json[]).some((t) => t.field === 'realP05'))).toBe(true);
  });
});

describe('bandChartSpec and its users', () => {
  it('draws 5–95% and 25–75% areas, median and mean lines, with a legend naming them', () => {
    const spec = bandChartSpec({ title: 'OI', rows: rows((k) => 1e6 + k), color: '#336699', yTitle: 'USD', xTitle: 'Time' });
    expectValid(spec);
    const named = nodes(spec).flatMap((n) => (n.as === 'band' ? [JSON.parse(n.calculate as string)] : []));
    expect(new Set(named)).toEqual(new Set(Object.values(BAND_LABELS)));
    expect(rowsOf(spec)).toHaveLength(25);
  });
  it('insurance fund adds the starting balance as a reference line', () => {
    const spec = insuranceFundSpec({ rows: rows((k) => 250_000 - 1000 * k), initialUsd: 250_000, xTitle: 'Time' });
    expectValid(spec);
    expect(rowsOf(spec).some((r) => r.y === 250_000 && r.label === 'starting balance')).toBe(true);
  });
  it('cumulative liquidations is valid', () => expectValid(cumulativeLiquidationsSpec({ rows: rows((k) => 1e5 * k), xTitle: 'Time' })));
});

describe('liquidationsOverTimeSpec', () => {
  const spec = liquidationsOverTimeSpec({ long: rows((k) => 1000 * k), short: rows((k) => 10 * k), xTitle: 'Time', bucketLabel: 'per 6-minute interval' });
  it('is valid', () => expectValid(spec));
  it('shows longs and shorts in two facet rows on one y scale', () => {
    const sides = new Set(rowsOf(spec).map((r) => r.side));
    expect(sides).toEqual(new Set([SIDES.long, SIDES.short]));
    expect((spec as Json).facet).toMatchObject({ row: { field: 'side' } });
    expect((spec as Json).resolve).toEqual({ scale: { y: 'shared' } });
    expect(JSON.stringify((spec as Json).title)).toContain('per 6-minute interval');
  });
});

describe('cascade charts', () => {
  it('ccdfRows: P(S ≥ edge) from bin counts, dropping bins past the largest cascade', () => {
    const r = ccdfRows({ lowerBound: [1, 2, 4, 8, 16], count: [3, 1, 0, 1, 0] });
    expect(r.map((x) => x.ccdf)).toEqual([1, 0.4, 0.2, 0.2]);
    expect(r.map((x) => x.atLeast)).toEqual([5, 2, 1, 1]);
    expect(ccdfRows({ lowerBound: [1, 2], count: [0, 0] })).toEqual([]);
    expect(decades(0.0003, 1)).toEqual([0.0001, 0.001, 0.01, 0.1, 1]);
  });
  it('CCDF chart has log-log scales for accounts and notional', () => {
    const r = syntheticResults({ paths: 50 });
    const spec = cascadeCcdfSpec({ accounts: r.cascadeHistograms.accounts, notionalUsd: r.cascadeHistograms.notionalUsd });
    expectValid(spec);
    const logScales = nodes(spec).filter((n) => n.scale && (n.scale as Json).type === 'log');
    expect(logScales.length).toBe(4);
    expect(rowsOf(spec).every((x) => (x.ccdf as number) > 0 && (x.ccdf as number) <= 1)).toBe(true);
  });
  it('with no cascades the chart says so instead of drawing empty axes', () => {
    const spec = cascadeCcdfSpec({ accounts: { lowerBound: [1, 2], count: [0, 0] }, notionalUsd: { lowerBound: [100], count: [0] } });
    expectValid(spec);
    expect(JSON.stringify(spec)).toContain('No liquidation happened');
  });
  it('generations: shares sum to 1, trailing empty bins dropped, open last bin marked "+"', () => {
    const spec = cascadeGenerationsSpec({ generations: [1, 2, 3, 4], count: [6, 3, 0, 0] });
    expectValid(spec);
    const data = rowsOf(spec);
    expect(data.map((r) => r.generation)).toEqual(['1', '2']);
    expect(data.reduce((a, r) => a + (r.share as number), 0)).toBeCloseTo(1, 9);
    const open = rowsOf(cascadeGenerationsSpec({ generations: [1, 2, 3], count: [5, 0, 2] }));
    expect(open.map((r) => r.generation)).toEqual(['1', '2', '3+']);
  });
  it('impact: two histograms whose counts add up to the paths, each with a median rule', () => {
    const move = Array.from({ length: 300 }, (_, i) => -Math.abs(Math.sin(i)));
    const extra = Array.from({ length: 400 }, (_, i) => Math.cos(i) ** 2);
    const spec = cascadeImpactSpec({ largestCascadeMovePct: move, extraDrawdownPct: extra });
    expectValid(spec);
    const panels = (spec as Json).hconcat as Json[];
    expect(panels).toHaveLength(2);
    const count = (p: Json) => rowsOf(p).reduce((a, r) => a + ((r.count as number) ?? 0), 0);
    expect(count(panels[0])).toBe(300);
    expect(count(panels[1])).toBe(400);
    expect(rowsOf(spec).filter((r) => 'median' in r)).toHaveLength(2);
  });
});

describe('badDebtHistogramSpec', () => {
  const r = syntheticResults({ paths: 2000, badDebtShare: 0.3 });
  const a = r.aggregates;
  const spec = badDebtHistogramSpec({ badDebtUsd: r.paths.badDebtUsd, var95: a.badDebtUsd.var95, var99: a.badDebtUsd.var99, es99: a.badDebtUsd.es99, probBadDebt: a.probBadDebt });
  it('is valid', () => expectValid(spec));
  it('bins every path with bad debt (in Node) and draws VaR 95/99 and ES 99 with their intervals', () => {
    const bins = rowsOf(spec).filter((x) => 'x0' in x);
    const positive = r.paths.badDebtUsd.filter((x) => x > 0).length;
    expect(bins.reduce((s, b) => s + (b.count as number), 0)).toBe(positive);
    expect(bins.length).toBeLessThan(60);
    const lines = rowsOf(spec).filter((x) => 'label' in x && 'value' in x);
    expect(lines.map((l) => l.label)).toEqual(['VaR 95%', 'VaR 99%', 'ES 99%']);
    const es = lines.find((l) => l.label === 'ES 99%')!;
    expect(es.value).toBe(sig(a.badDebtUsd.es99.estimate));
    if (a.badDebtUsd.es99.upper !== null) expect(es.upper).toBe(sig(a.badDebtUsd.es99.upper));
    else expect(es.open).toMatch(/open/);
    expect(marksOf(spec).has('rule')).toBe(true);
  });
  it('switches to a log x axis for heavy tails and says so', () => {
    expect(JSON.stringify(spec)).toContain('log scale');
  });
  it('with no bad debt it states the upper confidence bound instead of an empty histogram', () => {
    const z = syntheticResults({ paths: 300, badDebtShare: 0 });
    const s = badDebtHistogramSpec({ badDebtUsd: z.paths.badDebtUsd, var95: z.aggregates.badDebtUsd.var95, var99: z.aggregates.badDebtUsd.var99, es99: z.aggregates.badDebtUsd.es99, probBadDebt: z.aggregates.probBadDebt });
    expectValid(s);
    expect(JSON.stringify(s)).toMatch(/No path ended with bad debt \(0 of 300\).*at most 1\.2/);
  });
});

describe('drilldownSpec', () => {
  const r = syntheticResults({ paths: 50, points: 60 });
  const spec = drilldownSpec({ paths: r.drilldown, perStep: 1 / 60, xTitle: 'Time (hours)' });
  it('is valid', () => expectValid(spec));
  it('starts on the worst and the median path, offers every stored path, and has a brush', () => {
    const params = paramsOf(spec);
    const left = params.find((p) => p.name === 'pathLeft')!;
    const right = params.find((p) => p.name === 'pathRight')!;
    expect(left.value).toBe('worst-1');
    expect(right.value).toBe('median');
    expect((left.bind as Json).options).toEqual(r.drilldown.map((p) => p.label));
    expect(params.find((p) => p.name === 'brush')?.select).toMatchObject({ type: 'interval', encodings: ['x'] });
  });
  it('ships only the stored paths: one row per path and time point, plus generations', () => {
    const ds = (spec as Json).datasets as Record<string, Json[]>;
    expect(ds.ts).toHaveLength(r.drilldown.length * 60);
    for (const f of ['fundamental', 'mark', 'liqLong', 'liqShort', 'fund', 'oi', 'gen1', 'gen2', 'gen3', 'gen4']) expect(f in ds.ts[0]).toBe(true);
    expect(ds.gen.length).toBeGreaterThan(0);
    // every time panel (price, liquidations by side, by generation, fund, open interest — two columns) follows the brush
    const brushed = nodes(spec).filter((n) => n.domain && (n.domain as Json).param === 'brush');
    expect(brushed.length).toBe(10);
  });
  it('with no stored paths says so', () => expect(JSON.stringify(drilldownSpec({ paths: [], perStep: 1, xTitle: 't' }))).toContain('No paths were stored'));
});

// ---------------------------------------------------------------- the whole report

describe('reportSections', () => {
  const r = syntheticResults({ paths: 400, badDebtShare: 0.2 });
  const { headlineHtml, sections } = reportSections(r);

  it('has the sections in the order the issue asks for', () => {
    expect(sections.map((s) => s.id)).toEqual(['price', 'liquidations', 'cascades', 'bad-debt', 'waterfall', 'whatif', 'drilldown', 'scenario']);
  });

  it('headline gives every key number with its interval, and the sample size, seed, version and run time', () => {
    for (const k of ['Mean bad debt', 'P(bad debt &gt; 0)', 'Bad-debt VaR 99%', 'Bad-debt ES 99%', 'P(insurance fund exhausted)', 'Traders liquidated']) {
      expect(headlineHtml).toContain(k);
    }
    expect((headlineHtml.match(/class="ci"/g) ?? []).length).toBeGreaterThanOrEqual(6);
    expect(headlineHtml).toContain('Paths <b>400</b>');
    expect(headlineHtml).toContain(`Seed <b>${r.seed}</b>`);
    expect(headlineHtml).toContain('0.0.0-test');
    expect(headlineHtml).toContain('Compute time <b>1.2 s');
    // the verdict comes first
    expect(headlineHtml.startsWith('<div class="verdict"')).toBe(true);
  });

  it('says how many paths each band comes from', () => {
    const text = JSON.stringify(sections);
    expect(text).toContain('Bands from 200 of 400 paths');
  });

  it('every chart is schema-valid, compiles without warnings and renders to SVG with marks', async () => {
    const charts = sections.flatMap((s) => s.charts ?? []);
    expect(charts.map((c) => c.id)).toEqual([
      'price-fan',
      'liquidations-over-time',
      'cumulative-liquidations',
      'cascade-ccdf',
      'cascade-generations',
      'cascade-impact',
      'bad-debt-histogram',
      'insurance-fund',
      'waterfall-paths',
      'waterfall-shares',
      'drilldown',
    ]);
    for (const c of charts) {
      expect({ id: c.id, errors: schemaErrors(c.spec) }).toEqual({ id: c.id, errors: [] });
      expect({ id: c.id, warnings: compileWarnings(c.spec) }).toEqual({ id: c.id, warnings: [] });
      const svg = await renderSvg(c.spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/class="mark-(area|line|rect|symbol|text|rule)/);
    }
  }, 60_000);

  it('the scenario section holds the resolved scenario as YAML', () => {
    const html = sections.find((s) => s.id === 'scenario')!.html!;
    expect(html).toContain('horizonSteps: 1440');
    expect(html).toContain(`seed: ${r.seed}`);
  });
});
