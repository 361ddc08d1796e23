/**
 * The page script's chart fitting (src/report/browser/fit.ts), on specs alone: the part of the browser
 * code that needs no DOM. The page itself is driven in chromium by test/report/browser.test.ts; this
 * checks that the report inlines the bundles built from src/report/browser/ (npm run build).
 */
import { describe, expect, it } from 'vitest';
import { copy, isConcat, rowWidth, scaleWidths, wrap, wrapTitles, type SpecNode } from '../../src/report/browser/fit.js';
import { browserScript, renderPage } from '../../src/report/page.js';

describe('chart fitting (browser/fit.ts)', () => {
  it('wrap breaks at spaces into lines of at most n characters, and loses no word', () => {
    const text = 'Bad debt per path, worst first (quick estimate, 200 paths) at your settings';
    for (const n of [10, 16, 25, 80]) {
      const lines = wrap(text, n);
      expect(lines.join(' ')).toBe(text);
      expect(lines.every((l) => l.length <= n || !l.includes(' '))).toBe(true);
    }
    expect(wrap('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
  });

  it('isConcat: panels, facets and step heights cannot follow the container; a plain chart can', () => {
    expect(isConcat({ width: 600, height: 200 })).toBe(false);
    expect(isConcat({ hconcat: [{ width: 300 }] })).toBe(true);
    expect(isConcat({ facet: { field: 'x' }, spec: { width: 100 } })).toBe(true);
    expect(isConcat({ width: 600, height: { step: 12 } })).toBe(true);
  });

  it('rowWidth adds side-by-side panels, takes the widest of stacked ones, and reads a facet’s inner spec', () => {
    expect(rowWidth({ width: 640 })).toBe(640);
    expect(rowWidth({ hconcat: [{ width: 300 }, { width: 200 }, { vconcat: [{ width: 100 }, { width: 250 }] }] })).toBe(750);
    expect(rowWidth({ repeat: ['a'], spec: { width: 120 } })).toBe(120);
    expect(rowWidth({ width: 'container' })).toBe(0);
  });

  it('scaleWidths narrows every numeric width by one factor, down to 90 px, in panels, layers and inner specs', () => {
    const s: SpecNode = { hconcat: [{ width: 400, layer: [{ width: 400 }] }, { width: 100 }, { spec: { width: 300 } }] };
    scaleWidths(s, 0.5);
    expect(s).toEqual({ hconcat: [{ width: 200, layer: [{ width: 200 }] }, { width: 90 }, { spec: { width: 150 } }] });
  });

  it('wrapTitles wraps text and subtitle to the width, each panel to its own, and leaves an expression alone', () => {
    const long = 'Liquidated notional per step across all paths, longs and shorts';
    const s: SpecNode = { title: long, hconcat: [{ width: 100, title: { text: long, subtitle: long } }, { title: { text: { signal: 'x' } } }] };
    const before = copy(s);
    wrapTitles(s, 300);
    const top = s.title as { text: string[] };
    expect(top.text.join(' ')).toBe(long);
    expect(top.text.every((l) => l.length <= Math.floor(300 / (14 * 0.56)))).toBe(true);
    const panel = s.hconcat![0].title as { text: string[]; subtitle: string[] };
    expect(panel.text.length).toBeGreaterThan(top.text.length);
    expect(panel.subtitle.join(' ')).toBe(long);
    expect(s.hconcat![1].title).toEqual({ text: { signal: 'x' } });
    expect(before.title).toBe(long);
  });
});

describe('the page scripts are the bundles of src/report/browser/', () => {
  it('renderPage inlines the page bundle, which carries format.ts’s usdFormat instead of a copy of its source', () => {
    const script = browserScript('page');
    const html = renderPage({ title: 't', sections: [{ id: 's', title: 's' }] });
    expect(html).toContain(script);
    expect(script).toContain('expressionFunction("usd"');
    expect(script).toContain('marginlabEmbed');
    // minified by esbuild: no TypeScript left, no comment text
    expect(script).not.toMatch(/: (string|number|SpecNode)\b|\/\*\*/);
    expect(browserScript('whatif')).toContain('marginlab-whatif');
  });
});
