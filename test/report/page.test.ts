import { describe, expect, it } from 'vitest';
import { renderFigures, renderPage, renderSvg } from '../../src/report/page.js';
import { fmtPct, usdFormat } from '../../src/report/format.js';

const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
  data: { values: [{ x: 1, y: 2000 }, { x: 2, y: 3e6 }] },
  mark: 'line',
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative', axis: { formatType: 'usd' } } },
};

describe('renderPage', () => {
  const html = renderPage({
    title: 'A <title>',
    subtitle: 'sub & title',
    headlineHtml: '<p class="lead">answer first</p>',
    sections: [
      { id: 'one', title: 'One', introHtml: '<p>intro</p>', charts: [{ id: 'c1', spec, caption: 'a caption' }] },
      { id: 'two', title: 'Two', html: '<pre>x</pre>' },
    ],
  });

  it('inlines the vega, vega-lite and vega-embed bundles and loads nothing from outside the file', () => {
    expect(html.includes('vegaEmbed')).toBe(true);
    expect(html.includes('vegaLite')).toBe(true);
    // the markup outside the inlined scripts references no file or URL
    const markup = html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '<script></script>');
    expect(markup.length).toBeLessThan(20_000);
    expect(markup).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/i);
    expect(markup).not.toMatch(/<(link|img|iframe)\b/i);
    expect((html.match(/<script\b[^>]*\bsrc=/gi) ?? []).length).toBe(0);
  });

  it('escapes plain-text titles and keeps trusted HTML as given, in section order', () => {
    expect(html).toContain('<h1>A &lt;title&gt;</h1>');
    expect(html).toContain('sub &amp; title');
    const order = ['id="headline"', 'id="one"', 'id="chart-c1"', 'a caption', 'id="two"'].map((s) => html.indexOf(s));
    expect(order.every((p) => p > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('embeds each chart spec as JSON that cannot close its script element', () => {
    const m = html.match(/<script type="application\/json" id="marginlab-charts">([\s\S]*?)<\/script>/);
    expect(m).not.toBeNull();
    const data = JSON.parse(m![1]);
    expect(data.charts.map((c: { id: string }) => c.id)).toEqual(['c1']);
    const evil = renderPage({ title: 't', sections: [{ id: 's', title: 's', charts: [{ id: 'c', spec: { ...spec, title: '</script><b>' } }] }] });
    expect(evil.includes('</script><b>')).toBe(false);
  });

  it('rejects duplicate or malformed ids', () => {
    expect(() => renderPage({ title: 't', sections: [{ id: 'a', title: 'a' }, { id: 'a', title: 'b' }] })).toThrow(/duplicate/);
    expect(() => renderPage({ title: 't', sections: [{ id: 'a b', title: 'a' }] })).toThrow(/must match/);
    expect(() => renderPage({ title: 't', sections: [{ id: 'a', title: 'a', charts: [{ id: 'x', spec }, { id: 'x', spec }] }] })).toThrow(/duplicate/);
  });
});

describe('renderSvg', () => {
  it('renders a spec to SVG with the usd axis format applied', async () => {
    const svg = await renderSvg(spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('mark-line');
    expect(svg).toContain('$3M');
  });

  it('renderFigures names one SVG file per chart', async () => {
    const figs = await renderFigures([{ id: 's', title: 's', charts: [{ id: 'c1', spec }, { id: 'c2', spec }] }]);
    expect(Object.keys(figs)).toEqual(['figures/c1.svg', 'figures/c2.svg']);
  });
});

describe('formats', () => {
  it('usdFormat prints compact dollars with about three significant digits', () => {
    expect(usdFormat(1234567)).toBe('$1.23M');
    expect(usdFormat(0)).toBe('$0');
    expect(usdFormat(0.456)).toBe('$0.46');
    expect(usdFormat(250000)).toBe('$250k');
    expect(usdFormat(999_999)).toBe('$1M');
    expect(usdFormat(2.5e9)).toBe('$2.5B');
    expect(usdFormat(-1500)).toBe('\u2212$1.5k');
    expect(usdFormat(12.5)).toBe('$12.50');
  });
  it('fmtPct keeps small probabilities visible', () => {
    expect(fmtPct(0)).toBe('0%');
    expect(fmtPct(0.0004)).toBe('0.040%');
    expect(fmtPct(0.1234)).toBe('12.3%');
  });
});
