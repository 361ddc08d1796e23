/**
 * The page machinery every marginlab report uses (run, sweep, compare): one self-contained HTML file
 * with the vega, vega-lite and vega-embed bundles inlined from node_modules, the chart specs as JSON,
 * and a small script that embeds them (src/report/browser/page.ts, a TypeScript module bundled by
 * `npm run build` and inlined here: `browserScript`). The page makes no network request of any kind
 * and opens from disk. `renderSvg` renders the same specs to SVG in Node (vega's headless renderer)
 * for documents.
 *
 *   renderPage({ title, subtitle?, headlineHtml?, sections: [{ id, title, introHtml?, charts?, html? }] })
 *   renderSvg(spec) → Promise<svg text>
 *   renderFigures(sections) → Promise<{ 'figures/<chart id>.svg': svg text, … }>
 *
 * All `*Html` fields are trusted HTML (escape user text with `escapeHtml`); titles and captions are
 * plain text and are escaped here. Chart and section ids must be unique, `[A-Za-z][A-Za-z0-9_-]*`.
 * The vega-lite config in `theme.ts` is applied to every chart, and `formatType: 'usd'` is available
 * in any spec (compact dollars, see `usdFormat`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { escapeHtml, joinSigns, usdFormat } from './format.js';
import { THEME } from './theme.js';
import { distinctTicks } from './browser/ticks.js';

export interface PageChart {
  /** Unique on the page; the container is `#chart-<id>` and the SVG export `figures/<id>.svg`. */
  id: string;
  /** A vega-lite top-level spec. */
  spec: object;
  /** Plain text shown under the chart. */
  caption?: string;
}

export interface PageSection {
  id: string;
  title: string;
  /** Trusted HTML shown under the section title, before the charts. */
  introHtml?: string;
  charts?: PageChart[];
  /** Trusted HTML shown after the charts. */
  html?: string;
}

export interface PageOptions {
  title: string;
  subtitle?: string;
  /** Trusted HTML shown first, before the sections (key numbers). */
  headlineHtml?: string;
  sections: PageSection[];
  /**
   * Further script elements, placed after the chart script: JavaScript (`text/javascript`), data read
   * by a script (`application/json`, `text/plain`). Made safe to sit inside a script element here.
   */
  scripts?: { id: string; type: string; content: string }[];
}

const ID = /^[A-Za-z][A-Za-z0-9_-]*$/;

// ---------------------------------------------------------------- bundles

const require = createRequire(import.meta.url);
let bundleCache: { vega: string; vegaLite: string; vegaEmbed: string } | null = null;

/** The minified UMD builds of vega, vega-lite and vega-embed, read once from node_modules. */
export function vegaBundles(): { vega: string; vegaLite: string; vegaEmbed: string } {
  if (bundleCache) return bundleCache;
  const read = (pkg: string, file: string) => readFileSync(path.join(path.dirname(require.resolve(pkg)), file), 'utf8');
  bundleCache = {
    vega: read('vega', 'vega.min.js'),
    vegaLite: read('vega-lite', 'vega-lite.min.js'),
    vegaEmbed: read('vega-embed', 'vega-embed.min.js'),
  };
  return bundleCache;
}

/** Makes script text safe to place inside a `<script>` element. */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** JSON for a `<script type="application/json">` element (no `<` can close the element). */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// ---------------------------------------------------------------- SVG export

vega.expressionFunction('usd', usdFormat);

/** Compiles a vega-lite spec with the shared theme to a vega spec (every fixed-precision axis given a tick step its format can show: browser/ticks.ts). */
export function compileSpec(spec: object): vega.Spec {
  return distinctTicks(compile(spec as TopLevelSpec, { config: THEME as never }).spec);
}

/**
 * Renders a vega-lite spec to SVG text with vega's headless renderer (no browser, no canvas), with
 * the shared theme. Interactive parameters take their initial values.
 */
export async function renderSvg(spec: object): Promise<string> {
  const view = new vega.View(vega.parse(compileSpec(spec)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG files for every chart of `sections`: `{ 'figures/<chart id>.svg': svg }`. */
export async function renderFigures(sections: PageSection[], dir = 'figures'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const s of sections) for (const c of s.charts ?? []) out[`${dir}/${c.id}.svg`] = await renderSvg(c.spec);
  return out;
}

// ---------------------------------------------------------------- page

/** Key numbers as a grid of cards. `valueHtml` and `noteHtml` are trusted HTML. */
export function renderMetricCards(items: { label: string; valueHtml: string; noteHtml?: string }[]): string {
  return `<div class="metrics">${items
    .map(
      (m) =>
        `<div class="metric"><div class="metric-label">${escapeHtml(m.label)}</div><div class="metric-value">${m.valueHtml}</div>${
          m.noteHtml ? `<div class="metric-note">${m.noteHtml}</div>` : ''
        }</div>`,
    )
    .join('')}</div>`;
}

/** A table inside a box that scrolls sideways within its card when the table is wider than the card. */
export function wrapTable(tableHtml: string): string {
  return `<div class="table-wrap">${tableHtml}</div>`;
}

function checkIds(opts: PageOptions): void {
  const seen = new Set<string>(opts.headlineHtml ? ['headline'] : []);
  const check = (id: string, what: string) => {
    if (!ID.test(id)) throw new Error(`renderPage: ${what} id ${JSON.stringify(id)} must match ${ID}`);
    if (seen.has(id)) throw new Error(`renderPage: duplicate id ${JSON.stringify(id)}`);
    seen.add(id);
  };
  for (const s of opts.sections) {
    check(s.id, 'section');
    for (const c of s.charts ?? []) check(`chart-${c.id}`, 'chart');
  }
}

const CSS = `
:root{--ink:#1d2430;--muted:#5b6573;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;--accent:#b2182b}
*{box-sizing:border-box}
html{scroll-behavior:smooth}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
.wrap{max-width:1180px;margin:0 auto;padding:0 28px}
.page-header{background:#1d2430;color:#fff;padding:26px 0 22px}
.page-header .kicker{margin:0 0 4px;font-size:12px;letter-spacing:.08em;text-transform:uppercase;color:#aab4c3}
.page-header h1{margin:0;font-size:28px;line-height:1.2;font-weight:650}
.page-header .subtitle{margin:8px 0 0;max-width:900px;color:#d5dbe4}
nav.toc{position:sticky;top:0;z-index:10;background:rgba(255,255,255,.96);border-bottom:1px solid var(--line);backdrop-filter:blur(4px)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:8px;padding-bottom:8px;font-size:13.5px}
nav.toc a{color:var(--muted);text-decoration:none}
nav.toc a:hover{color:var(--ink);text-decoration:underline}
main{padding:20px 0 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:20px 24px 22px;margin:0 0 20px;scroll-margin-top:48px}
section h2{margin:0 0 6px;font-size:19px;font-weight:650}
.intro{color:var(--muted);max-width:920px;margin:0 0 10px}
.intro p{margin:0 0 6px}
.charts{display:flex;flex-wrap:wrap;gap:18px 28px;align-items:flex-start}
figure.chart-figure{margin:0;min-width:0;max-width:100%}
.chart{min-height:120px;width:100%}
.chart-wrap{overflow-x:auto;max-width:100%}
.chart.vega-embed{display:block}
figcaption{font-size:13px;color:var(--muted);max-width:700px;margin-top:2px}
figcaption a{color:var(--muted)}
.chart-error{color:var(--accent);font-weight:600;padding:12px;border:1px dashed var(--accent)}
.metrics{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(290px,100%),1fr));gap:12px;margin:10px 0 6px}
.metric{border:1px solid var(--line);border-radius:6px;padding:10px 14px;background:#fbfcfd}
.metric-label{font-size:12.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
.metric-value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;margin-top:2px}
.metric-value .ci{display:block;font-size:12.5px;font-weight:400;color:var(--muted)}
.metric-note{font-size:12px;color:var(--muted);margin-top:2px}
.ci{color:var(--muted);font-variant-numeric:tabular-nums}
.note{color:var(--muted)}
.thin{display:inline-block;font-size:11px;font-weight:600;color:#8a4b00;background:#fff4e5;border:1px solid #f0c27b;border-radius:3px;padding:0 4px;margin-left:4px;vertical-align:middle;white-space:nowrap}
.facts{display:flex;flex-wrap:wrap;gap:4px 22px;font-size:13.5px;color:var(--muted);margin:8px 0 0;padding:0;list-style:none}
.facts b{color:var(--ink);font-weight:600}
.method-note{font-size:13.5px;color:var(--muted);margin:8px 0 0}
.lead{font-size:16.5px;max-width:960px;margin:4px 0 8px}
.table-wrap{overflow-x:auto;max-width:100%;margin:8px 0}
table.data{border-collapse:collapse;font-size:13.5px;font-variant-numeric:tabular-nums;margin:0}
table.data th,table.data td{padding:4px 12px 4px 0;border-bottom:1px solid var(--line);text-align:right;vertical-align:top}
table.data th:first-child,table.data td:first-child{text-align:left;min-width:9em;position:sticky;left:0;z-index:1;background:var(--card);box-shadow:inset -1px 0 0 var(--line)}
table.data td:first-child+td,table.data th:first-child+th{padding-left:10px}
table.data .ci,table.data .num,.wi-saved,.wi-whatif,.wi-change{white-space:nowrap}
table.data .ci:has(.ci){white-space:normal}
table.data th{color:var(--muted);font-weight:600}
.verdict{border-left:4px solid var(--ink);background:#f3f5f8;padding:12px 16px;margin:0 0 14px;border-radius:0 6px 6px 0;font-size:16.5px;max-width:980px}
.verdict p{margin:0 0 6px}
.verdict p:last-child{margin:0}
.verdict p.better{color:#14532d}
.verdict p.worse{color:#7f1d1d}
.verdict p.better::before,.verdict p.worse::before,.verdict p.mixed::before,.verdict p.unclear::before{display:inline-block;font-size:11.5px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;border-radius:4px;padding:1px 7px;margin-right:8px;vertical-align:2px;color:#fff}
.verdict p.better::before{content:'better';background:#1b7a43}
.verdict p.worse::before{content:'worse';background:#b2182b}
.verdict p.mixed::before{content:'trade-off';background:#8a5a00}
.verdict p.unclear::before{content:'unclear';background:#8a94a6}
.tone-better{color:#1b7a43;font-weight:650}
.tone-worse{color:#b2182b;font-weight:650}
.verdict-kicker{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 4px}
.warning-box{border:1px solid #f0c27b;background:#fff8ec;border-radius:6px;padding:8px 14px;margin:10px 0}
.warning-box p{margin:4px 0}
.whatif-levers{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(250px,100%),1fr));gap:10px 22px;margin:8px 0}
.whatif-lever label{display:block;font-weight:600;font-size:13.5px}
.whatif-lever output{font-variant-numeric:tabular-nums;color:#b2182b;margin-left:6px}
.whatif-lever input[type=range]{width:100%}
.whatif-note{font-size:12px;color:var(--muted)}
.whatif-status{font-size:13.5px;color:var(--muted);margin:6px 0}
.whatif[data-state=running] .wi-whatif,.whatif[data-state=running] .wi-change{opacity:.55}
.whatif button{font:inherit;font-size:13px;padding:2px 10px;margin-left:8px}
.whatif select{font:inherit;font-size:13px}
pre.yaml{background:#f3f5f8;border:1px solid var(--line);border-radius:6px;padding:14px 16px;overflow:auto;font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:640px}
.vega-bindings{font-size:13px;margin:6px 0 0}
.vega-bind{display:inline-block;margin-right:18px}
.vega-bind-name{font-weight:600;margin-right:6px}
.vega-bind select{font:inherit;padding:2px 4px}
footer{color:var(--muted);font-size:12.5px;padding:0 0 30px}
noscript p{background:#fff4e5;border:1px solid #f0c27b;padding:10px 14px;border-radius:6px}
@media (max-width:700px){.wrap{padding:0 14px}section{padding:16px 14px}.metrics{grid-template-columns:1fr}}
@media print{nav.toc{display:none}pre.yaml{max-height:none}.vega-embed details,.vega-bindings{display:none}.chart svg.marks{max-width:100%;height:auto}figure.chart-figure{overflow:visible}body{background:#fff}section{break-inside:avoid;border:none;padding:0 0 16px}.page-header{background:#fff;color:var(--ink)}.page-header .subtitle,.page-header .kicker{color:var(--muted)}}
`;

/** The browser bundles `npm run build` writes (scripts/build-browser.mjs), from src/report/browser/. */
const BROWSER_DIST = new URL('../../dist/report/browser/', import.meta.url);
const browserCache = new Map<string, string>();

/**
 * A page script bundled from src/report/browser/<name>.ts (`page`: embeds the charts and fits them to
 * their card; `whatif`: the what-if panel), read once. Throws when it has not been built (`npm run build`).
 */
export function browserScript(name: 'page' | 'whatif'): string {
  const cached = browserCache.get(name);
  if (cached !== undefined) return cached;
  const file = fileURLToPath(new URL(`${name}.js`, BROWSER_DIST));
  if (!existsSync(file)) throw new Error(`the report's ${name} script ${file} is missing — run npm run build (it bundles src/report/browser/ with esbuild)`);
  const text = readFileSync(file, 'utf8');
  browserCache.set(name, text);
  return text;
}

/** Designed width of a chart in pixels (plotting width plus room for axes), for its figure's CSS. */
export function designedWidth(spec: object): number {
  const s = spec as { width?: unknown; hconcat?: object[]; vconcat?: object[]; concat?: object[]; spacing?: number };
  if (s.hconcat) return s.hconcat.reduce((a: number, c) => a + designedWidth(c), 0) + (s.spacing ?? 18) * (s.hconcat.length - 1);
  if (s.vconcat || s.concat) return Math.max(...(s.vconcat ?? s.concat)!.map(designedWidth));
  return (typeof s.width === 'number' ? s.width : 640) + 110;
}

/** Renders a complete, self-contained HTML page (see the module comment). */
export function renderPage(opts: PageOptions): string {
  checkIds(opts);
  const b = vegaBundles();
  const charts = opts.sections.flatMap((s) => (s.charts ?? []).map((c) => ({ id: c.id, spec: c.spec })));
  const toc = opts.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const sections = opts.sections
    .map((s) => {
      const figs = (s.charts ?? [])
        .map(
          (c) =>
            `<figure class="chart-figure" style="flex:1 1 ${designedWidth(c.spec)}px;max-width:${designedWidth(c.spec)}px"><div class="chart" id="chart-${c.id}" data-chart-id="${c.id}" role="img" aria-label="${escapeHtml(
              c.caption ?? c.id,
            )}"></div>${c.caption ? `<figcaption>${escapeHtml(c.caption)}</figcaption>` : ''}</figure>`,
        )
        .join('\n');
      return `<section id="${s.id}">
<h2>${escapeHtml(s.title)}</h2>
${s.introHtml ? `<div class="intro">${joinSigns(s.introHtml)}</div>` : ''}
${figs ? `<div class="charts">\n${figs}\n</div>` : ''}
${joinSigns(s.html ?? '')}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="marginlab">
<title>${escapeHtml(opts.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="page-header"><div class="wrap">
<p class="kicker">marginlab report</p>
<h1>${escapeHtml(opts.title)}</h1>
${opts.subtitle ? `<p class="subtitle">${escapeHtml(opts.subtitle)}</p>` : ''}
</div></header>
<nav class="toc" aria-label="Sections"><div class="wrap">${opts.headlineHtml ? '<a href="#headline">Headline</a>' : ''}${toc}</div></nav>
<main class="wrap">
<noscript><p>The charts need JavaScript. The same figures are saved as SVG files in the <code>figures/</code> folder next to this page.</p></noscript>
${opts.headlineHtml ? `<section id="headline" class="headline">${joinSigns(opts.headlineHtml)}</section>` : ''}
${sections}
</main>
<footer class="wrap">Generated by marginlab. This page is self-contained: it works offline and makes no network requests.</footer>
<script>${scriptSafe(b.vega)}</script>
<script>${scriptSafe(b.vegaLite)}</script>
<script>${scriptSafe(b.vegaEmbed)}</script>
<script type="application/json" id="marginlab-charts">${jsonForScript({ config: THEME, charts })}</script>
<script>${scriptSafe(browserScript('page'))}</script>
${(opts.scripts ?? [])
  .map((x) => `<script type="${escapeHtml(x.type)}" id="${escapeHtml(x.id)}">${x.type === 'application/json' ? x.content.replace(/</g, '\\u003c') : scriptSafe(x.content)}</script>`)
  .join('\n')}
</body>
</html>
`;
}
