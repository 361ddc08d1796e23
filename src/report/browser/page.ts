/**
 * The script that embeds a report's charts (every page renderPage writes: run, sweep, calibration,
 * comparison). Bundled by `npm run build` (scripts/build-browser.mjs) into dist/report/browser/page.js,
 * which renderPage inlines after the vega, vega-lite and vega-embed bundles: no request of any kind.
 *
 * It reads the chart specs and the theme from `<script type="application/json" id="marginlab-charts">`
 * ({ config, charts: [{ id, spec }] }), embeds each into `#chart-<id>`, and marks `<html data-charts>`
 * with "ready" (every chart embedded) or "error" when done, for tests and for anyone scripting the page.
 *
 * Widths follow the window: a single or layered chart is drawn at the width of its container
 * (vega-lite `width: "container"`, autosize fit-x; its figure's CSS caps it at its designed width); a
 * concatenated chart (side-by-side panels) is drawn at its designed widths and, when it is wider than
 * the card, redrawn with every panel narrowed by the same factor. Titles are wrapped to the width they
 * have. Every chart is redrawn when the window's width changes; `<html data-layout-width>` says for
 * which window width the layout was last made. `window.marginlabEmbed(el, spec)` embeds a spec the
 * same way (the what-if panel uses it).
 */
import type { EmbedOptions, VisualizationSpec } from 'vega-embed';
import type { EmbedFn } from './globals.js';
import { copy, isConcat, rowWidth, scaleWidths, wrapTitles, type SpecNode } from './fit.js';
import { usdFormat } from '../format.js';
import { distinctTicks } from './ticks.js';

interface ChartsData {
  config: object;
  charts: { id: string; spec: SpecNode }[];
}

/** Width available to a chart: its card's row of charts (or its parent), less 2 px, at least 200. */
function available(el: HTMLElement): number {
  const box = el.closest('.charts') || el.parentElement!;
  return Math.max(200, box.clientWidth - 2);
}

function svgWidth(el: HTMLElement): number {
  const svg = el.querySelector('svg');
  return svg ? svg.getBoundingClientRect().width : 0;
}

/** Starts the page: embeds every chart, registers `window.marginlabEmbed` and the redraw on resize. */
function main(): void {
  vega.expressionFunction('usd', usdFormat);
  const data = JSON.parse(document.getElementById('marginlab-charts')!.textContent!) as ChartsData;
  const options: EmbedOptions = {
    renderer: 'svg',
    config: data.config,
    tooltip: { theme: 'light' },
    // axes whose tick labels are all different (the same patch renderSvg applies in Node)
    patch: distinctTicks,
    actions: { export: true, source: false, compiled: false, editor: false },
  };
  const views = new Map<HTMLElement, { finalize(): void }>();

  function draw(el: HTMLElement, spec: SpecNode): Promise<unknown> {
    const old = views.get(el);
    if (old) old.finalize();
    return vegaEmbed(el, spec as unknown as VisualizationSpec, options).then((res) => {
      views.set(el, res);
      return res;
    });
  }

  /** Embeds spec in el at a width that fits its card; resolves when drawn. */
  const embed: EmbedFn = (el, spec0) => {
    const avail = available(el);
    /** The spec with every panel narrowed by f and its titles wrapped to fit. */
    const prepare = (f: number): SpecNode => {
      const s = copy(spec0);
      if (f < 1) scaleWidths(s, f);
      wrapTitles(s, Math.min(avail, rowWidth(s) + 60) - 48);
      return s;
    };
    const spec = prepare(1);
    el.dataset.fitWidth = String(avail);
    if (!isConcat(spec) && typeof spec.width === 'number') {
      spec.width = 'container';
      spec.autosize = { type: 'fit-x', contains: 'padding' };
      return draw(el, spec);
    }
    if (!isConcat(spec)) return draw(el, spec);
    const row0 = rowWidth(spec);
    // draw, measure, narrow every panel by the factor that removes the excess; at most three tries
    const fit = (s: SpecNode, tries: number): Promise<unknown> =>
      draw(el, s).then(() => {
        const total = svgWidth(el);
        const row = rowWidth(s);
        if (total <= avail || tries === 0 || !(row > 0)) return undefined;
        let f = (row - (total - avail) - 4) / row0;
        if (!(f > 0.2)) f = 0.2;
        return fit(prepare(f), tries - 1);
      });
    return fit(spec, 3);
  };
  window.marginlabEmbed = embed;

  const specs = new Map<HTMLElement, SpecNode>();
  const jobs = data.charts.map((c) => {
    const el = document.getElementById('chart-' + c.id)!;
    specs.set(el, c.spec);
    return embed(el, c.spec).catch((err: unknown) => {
      el.className += ' chart-error';
      const message = (err as { message?: unknown } | null)?.message;
      el.textContent = 'This chart could not be drawn: ' + String(message ? message : err);
      console.error('marginlab chart ' + c.id + ':', err);
      throw err;
    });
  });
  const root = document.documentElement;
  void Promise.allSettled(jobs).then((rs) => {
    const failed = rs.filter((r) => r.status === 'rejected').length;
    root.setAttribute('data-charts', failed ? 'error' : 'ready');
    root.setAttribute('data-layout-width', String(window.innerWidth));
  });

  // when the window's width changes, charts are redrawn for it (titles rewrapped, panels narrowed or
  // widened); <html data-layout-width> says for which window width the layout was last made
  let timer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const refits: Promise<unknown>[] = [];
      specs.forEach((spec, el) => {
        if (!el.dataset.fitWidth) return;
        if (Math.abs(available(el) - Number(el.dataset.fitWidth)) > 24) refits.push(embed(el, spec).catch((e: unknown) => console.error(e)));
      });
      void Promise.all(refits).then(() => root.setAttribute('data-layout-width', String(window.innerWidth)));
    }, 200);
  });
}

main();
