/**
 * The what-if panel's script (src/report/whatif/panel.ts renders the panel and its data): sliders → a
 * fresh Web Worker per setting → the table, the status line and the chart. Bundled by `npm run build`
 * (scripts/build-browser.mjs) into dist/report/browser/whatif.js, which the run report inlines after
 * the page script (page.ts, whose `window.marginlabEmbed` draws the chart).
 *
 * It reads the panel's configuration from `<script type="application/json" id="marginlab-whatif">`
 * (`WhatIfConfig`) and the engine bundle's text from `<script type="text/plain" id="marginlab-engine">`,
 * which it starts as a worker from a Blob URL: no file or network request, so it works from file://.
 * `window.marginlabWhatIf` holds the last figures shown and the finished runs, for tests.
 */
import type { WhatIfConfig } from '../whatif/panel.js';
import type { Lever } from '../whatif/levers.js';
import type { WhatIfFigure } from '../whatif/estimate.js';
import type { WhatIfError, WhatIfProgress, WhatIfRequest } from '../whatif/worker.js';
import type { WhatIfState } from './globals.js';
import type { SpecNode } from './fit.js';
import { escapeHtml, fmtInterval, fmtPct, fmtPp, fmtSigned, usdFormat } from '../format.js';

type Unit = WhatIfFigure['unit'];

function fmt(unit: Unit, x: number): string {
  return unit === 'usd' ? usdFormat(x) : fmtPct(x);
}

/** A paired change: signed dollars, or percentage points for a rate. */
function diff(unit: Unit, x: number): string {
  return unit === 'usd' ? fmtSigned(x, usdFormat) : fmtPp(x);
}

/** An estimate and its interval as HTML: `value <span class="ci">[lower, upper]</span>`, "open" for a missing limit. */
function est(unit: Unit, e: WhatIfFigure['saved']): string {
  const f = (x: number) => fmt(unit, x);
  return escapeHtml(f(e.estimate)) + ' <span class="ci">' + escapeHtml(fmtInterval(e, f)) + '</span>';
}

/** A lever's value as its label shows it while the reader moves it. */
function leverText(l: Lever, x: number): string {
  return l.unit === 'percent' ? fmtPct(x) : l.unit === 'usd' ? usdFormat(x) : Math.round(x * 100) / 100 + '\u00d7';
}

/** The bad-debt chart of a result: per path, worst first, at both settings (or a line saying there is none). */
function chartSpec(m: Pick<WhatIfProgress, 'done' | 'badDebtUsd'>): SpecNode {
  const rows: { setting: string; share: number; usd: number }[] = [];
  for (const [setting, values] of [
    ['your settings', m.badDebtUsd.whatIf],
    ['saved settings', m.badDebtUsd.saved],
  ] as const) {
    const xs = values.filter((x) => x > 0).sort((a, b) => b - a);
    xs.forEach((x, i) => rows.push({ setting, share: (i + 1) / m.done, usd: x }));
  }
  if (!rows.length) {
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'Bad debt per path (quick estimate, ' + m.done + ' paths)' },
      width: 600,
      height: 50,
      data: { values: [{ t: 'No path ended with bad debt at either setting.' }] },
      mark: { type: 'text', align: 'left', x: 8, y: 25, fontSize: 13, color: '#5b6573' },
      encoding: { text: { field: 't' } },
      view: { stroke: null },
    };
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: 'Bad debt per path, worst first (quick estimate, ' + m.done + ' paths)', subtitle: 'Only paths with bad debt are drawn; the same paths at both settings.' },
    width: 600,
    height: 200,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-before', point: { size: 18, filled: true } },
    encoding: {
      x: { field: 'share', type: 'quantitative', title: 'Share of paths with at least this much bad debt', axis: { format: '.1~%' }, scale: { zero: true } },
      y: { field: 'usd', type: 'quantitative', title: 'Bad debt per path (USD)', axis: { formatType: 'usd' } },
      color: { field: 'setting', type: 'nominal', title: null, scale: { domain: ['your settings', 'saved settings'], range: ['#b2182b', '#8a94a6'] } },
      tooltip: [
        { field: 'setting', type: 'nominal', title: 'Setting' },
        { field: 'usd', type: 'quantitative', title: 'Bad debt', formatType: 'usd' },
        { field: 'share', type: 'quantitative', title: 'Share of paths at least this bad', format: '.1~%' },
      ],
    },
  };
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function main(): void {
  const panel = byId<HTMLElement>('whatif-panel');
  if (!panel) return;
  const cfg = JSON.parse(byId('marginlab-whatif').textContent!) as WhatIfConfig;
  const engine = byId('marginlab-engine').textContent!;
  const url = URL.createObjectURL(new Blob([engine], { type: 'text/javascript' }));
  const levers: Record<string, Lever> = {};
  for (const l of cfg.levers) levers[l.key] = l;
  const inputs = Array.from(panel.querySelectorAll<HTMLInputElement>('input[data-lever]'));
  const pathsSel = byId<HTMLSelectElement>('whatif-paths');
  const status = byId('whatif-status');
  const chartEl = byId('whatif-chart');
  let worker: Worker | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let run = 0;
  const state: WhatIfState = (window.marginlabWhatIf = { last: null, runs: 0 });

  const setState = (s: string) => panel.setAttribute('data-state', s);
  const values = (): Record<string, number> => {
    const v: Record<string, number> = {};
    for (const el of inputs) v[el.dataset.lever!] = Number(el.value);
    return v;
  };
  const changed = (v: Record<string, number>) => cfg.levers.some((l) => Math.abs(v[l.key] - l.value) > 1e-12 * Math.max(1, Math.abs(l.value)));
  const paths = () => Number(pathsSel.value);
  const setK = (k: number) => panel.querySelectorAll('.wi-k').forEach((el) => (el.textContent = k.toLocaleString('en-US')));
  const chart = (m: Pick<WhatIfProgress, 'done' | 'badDebtUsd'>): Promise<unknown> =>
    window.marginlabEmbed ? window.marginlabEmbed(chartEl, chartSpec(m)) : Promise.resolve();

  function show(m: WhatIfProgress): Promise<unknown> {
    state.last = m;
    setK(m.done);
    for (const f of m.figures) {
      const tr = panel.querySelector('tr[data-key="' + f.key + '"]');
      if (!tr) continue;
      tr.querySelector('.wi-saved')!.innerHTML = est(f.unit, f.saved);
      tr.querySelector('.wi-whatif')!.innerHTML = est(f.unit, f.whatIf);
      const c = f.change;
      const tone = c.upper < 0 ? 'lower' : c.lower > 0 ? 'higher' : 'unclear';
      tr.querySelector('.wi-change')!.innerHTML =
        '<span data-direction="' + tone + '">' + escapeHtml(diff(f.unit, c.estimate)) + '</span> <span class="ci">[' + escapeHtml(diff(f.unit, c.lower)) + ', ' + escapeHtml(diff(f.unit, c.upper)) + ']</span>';
    }
    return chart(m);
  }

  function start(): void {
    const v = values();
    run++;
    const mine = run;
    if (worker) worker.terminate();
    const w = (worker = new Worker(url));
    setState('running');
    status.textContent = 'Recomputing on the first ' + paths().toLocaleString('en-US') + ' paths\u2026';
    w.onmessage = (e: MessageEvent<WhatIfProgress | WhatIfError>) => {
      if (mine !== run) return;
      const m = e.data;
      if (m.type === 'error') {
        setState('error');
        status.textContent = 'The quick estimate failed: ' + m.message;
        console.error('marginlab what-if:', m.message);
        return;
      }
      void show(m).then(() => {
        if (mine !== run) return;
        if (m.type === 'done') {
          state.runs++;
          setState(changed(v) ? 'done' : 'saved');
          status.textContent =
            'Quick estimate: ' +
            m.done.toLocaleString('en-US') +
            ' paths in ' +
            (m.elapsedMs / 1000).toFixed(1) +
            ' s' +
            (m.rateCapped ? '; the maintenance rate was capped at 95% of the initial margin rate (1 / maximum leverage)' : '') +
            '. Intervals are 95%; the change is paired path by path with the saved settings.';
        } else {
          status.textContent = 'Recomputing\u2026 ' + m.done.toLocaleString('en-US') + ' of ' + m.total.toLocaleString('en-US') + ' paths';
        }
      });
    };
    w.onerror = (e: ErrorEvent) => {
      setState('error');
      status.textContent = 'The quick estimate failed: ' + (e.message || 'worker error');
      console.error('marginlab what-if worker:', e.message);
    };
    const request: WhatIfRequest = { scenario: cfg.scenario, levers: v, paths: paths(), traders: cfg.traders, saved: cfg.saved };
    w.postMessage(request);
  }

  function schedule(): void {
    for (const el of inputs) byId(el.id + '-value').textContent = leverText(levers[el.dataset.lever!], Number(el.value));
    clearTimeout(timer);
    timer = setTimeout(start, 250);
  }

  // before any lever moves: the saved settings on the first paths (no worker runs)
  const k0 = cfg.defaultPaths;
  chart({ done: k0, badDebtUsd: { whatIf: cfg.saved.badDebtUsd.slice(0, k0), saved: cfg.saved.badDebtUsd.slice(0, k0) } }).catch((e: unknown) => console.error(e));
  for (const el of inputs) {
    el.addEventListener('input', schedule);
    el.addEventListener('change', schedule);
  }
  pathsSel.addEventListener('change', schedule);
  byId('whatif-reset').addEventListener('click', () => {
    for (const el of inputs) el.value = String(levers[el.dataset.lever!].value);
    schedule();
  });
}

main();
