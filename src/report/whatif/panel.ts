/**
 * The run report's live what-if panel: sliders for the main policy levers (levers.ts) and, as the
 * reader moves one, the headline figures and the bad-debt distribution recomputed in a Web Worker on
 * the first few hundred paths — the same path indices, so the same price shocks, as the saved run —
 * beside the saved full-run figures, labelled as a quick estimate with its interval.
 *
 *   whatIfPanel(results) → { section, scripts } | null   (null: no panel, with the reason in `unavailable`)
 *
 * The page carries the browser bundle of the engine (dist/report/whatif/engine-worker.js, built by
 * `npm run build`) as text and starts it from a Blob URL: no file or network request, so it works from
 * file://. The page's own script (below) only wires sliders to the worker and formats what it posts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Results } from '../../api/run.js';
import type { PageSection } from '../page.js';
import { escapeHtml, fmtEstimateHtml, fmtInt, fmtPct, fmtUsd, usdFormat } from '../format.js';
import { leversOf, type Lever } from './levers.js';
import { whatIfFigures, type WhatIfColumns } from './estimate.js';

/** Paths the what-if runs by default (at most the saved run's), and the choices offered. */
export const WHATIF_PATHS = 200;
export const WHATIF_PATH_CHOICES = [50, 100, 200, 400];

const BUNDLE = fileURLToPath(new URL('../../../dist/report/whatif/engine-worker.js', import.meta.url));
let bundleCache: string | null = null;

/** The engine's browser bundle, read once. Throws when it has not been built (`npm run build`). */
export function engineBundle(): string {
  if (bundleCache !== null) return bundleCache;
  if (!existsSync(BUNDLE)) throw new Error(`the what-if engine bundle ${BUNDLE} is missing — run npm run build (it bundles the engine for the browser with esbuild)`);
  bundleCache = readFileSync(BUNDLE, 'utf8');
  return bundleCache;
}

/** Why a run's report has no what-if panel, or null when it has one. */
export function whatIfUnavailable(r: Results): string | null {
  const s = r.scenario;
  if ([s.market, ...(s.otherMarkets ?? [])].some((m) => m.priceModel.kind === 'csv')) {
    return 'its price model reads a CSV file, which the page does not carry';
  }
  if ([s.market, ...(s.otherMarkets ?? [])].some((m) => m.impact.kind === 'curve')) {
    return 'its price impact reads a depth table, which the page does not carry';
  }
  if (s.traders.snapshot !== undefined) return 'its book is read from a position snapshot, which the page does not carry';
  const p = r.paths as unknown as Record<string, unknown[] | undefined>;
  for (const k of ['badDebtUsd', 'fundExhausted', 'tradersLiquidated', 'arrivals', 'liquidatedNotionalUsd']) {
    if (!Array.isArray(p[k])) return `its results.json has no per-path ${k} column (written by an older version)`;
  }
  return null;
}

/** The saved per-path values of the first `k` paths, as the worker compares them. */
export function savedColumns(r: Results, k: number): WhatIfColumns {
  const p = r.paths as unknown as Record<string, unknown[]>;
  const num = (key: string) => p[key].slice(0, k).map((x) => Number(x));
  return {
    badDebtUsd: num('badDebtUsd'),
    fundExhausted: p.fundExhausted.slice(0, k).map((x) => (x ? 1 : 0)),
    tradersLiquidated: num('tradersLiquidated'),
    arrivals: num('arrivals'),
    liquidatedNotionalUsd: num('liquidatedNotionalUsd'),
  };
}

function leverValueText(l: Lever, x: number): string {
  if (l.unit === 'percent') return fmtPct(x);
  if (l.unit === 'usd') return usdFormat(x);
  return `${Number(x.toPrecision(4))}×`;
}

/** What the page's script needs: the scenario, levers, saved values and full-run figures. */
export interface WhatIfConfig {
  scenario: Results['scenario'];
  levers: Lever[];
  traders: number;
  defaultPaths: number;
  pathChoices: number[];
  savedPaths: number;
  saved: WhatIfColumns;
}

export function whatIfPanel(r: Results): { section: PageSection; scripts: { id: string; type: string; content: string }[] } {
  const a = r.aggregates;
  const why = whatIfUnavailable(r);
  if (why) {
    return {
      section: { id: 'whatif', title: 'What-if', introHtml: `<p>The live what-if is not available for this run: ${escapeHtml(why)}. Run <code>marginlab sweep</code> or <code>marginlab compare</code> to study a policy change.</p>` },
      scripts: [],
    };
  }
  const n = a.paths;
  const choices = [...new Set([...WHATIF_PATH_CHOICES.filter((c) => c < n), Math.min(n, 400)])].sort((x, y) => x - y);
  const defaultPaths = Math.min(WHATIF_PATHS, n);
  const maxPaths = Math.max(...choices);
  const levers = leversOf(r.scenario, r.population.openInterestUsd);
  const saved = savedColumns(r, maxPaths);
  const config: WhatIfConfig = { scenario: r.scenario, levers, traders: r.population.traders, defaultPaths, pathChoices: choices, savedPaths: n, saved };
  // the saved settings on the first defaultPaths paths, so the table is filled before anything runs
  const first = whatIfFigures(savedColumns(r, defaultPaths), saved, r.population.traders);
  const full: Record<string, { e: (typeof a)['probBadDebt']; f: (x: number) => string }> = {
    probBadDebt: { e: a.probBadDebt, f: fmtPct },
    'badDebtUsd.mean': { e: a.badDebtUsd.mean, f: fmtUsd },
    probFundExhausted: { e: a.probFundExhausted, f: fmtPct },
    'fractionTradersLiquidated.mean': { e: a.fractionTradersLiquidated.mean, f: fmtPct },
    'liquidatedNotionalUsd.mean': { e: a.liquidatedNotionalUsd.mean, f: fmtUsd },
  };
  const sliders = levers
    .map(
      (l) => `<div class="whatif-lever"><label for="whatif-${l.key}">${escapeHtml(l.label)} <output id="whatif-${l.key}-value" for="whatif-${l.key}">${escapeHtml(leverValueText(l, l.value))}</output></label>
<input type="range" id="whatif-${l.key}" data-lever="${l.key}" min="${l.min}" max="${l.max}" step="${l.step}" value="${l.value}">
<div class="whatif-note">saved: ${escapeHtml(leverValueText(l, l.value))} · ${escapeHtml(l.note)}</div></div>`,
    )
    .join('\n');
  const rows = first
    .map(
      (f) =>
        `<tr data-key="${f.key}"><td>${escapeHtml(f.label)}</td><td>${fmtEstimateHtml(full[f.key].e, full[f.key].f)}</td><td class="wi-saved">${fmtEstimateHtml(f.saved, full[f.key].f)}</td><td class="wi-whatif">${fmtEstimateHtml(
          f.whatIf,
          full[f.key].f,
        )}</td><td class="wi-change">—</td></tr>`,
    )
    .join('');
  const html = `<div class="whatif" id="whatif-panel" data-state="idle">
<div class="whatif-levers">${sliders}
<div class="whatif-lever"><label for="whatif-paths">paths to run</label> <select id="whatif-paths">${choices
    .map((c) => `<option value="${c}"${c === defaultPaths ? ' selected' : ''}>${fmtInt(c)}</option>`)
    .join('')}</select> <button type="button" id="whatif-reset">Back to the saved settings</button></div></div>
<p class="whatif-status" id="whatif-status" aria-live="polite">Move a lever: the figures below are recomputed in your browser on the first <span class="wi-k">${fmtInt(defaultPaths)}</span> paths.</p>
<div class="table-wrap"><table class="data" id="whatif-table"><thead><tr><th>Measure</th><th>Saved full run (${fmtInt(n)} paths)</th><th>Saved settings, first <span class="wi-k">${fmtInt(
    defaultPaths,
  )}</span> paths</th><th>Your settings, quick estimate</th><th>Change (paired, same paths)</th></tr></thead><tbody>${rows}</tbody></table></div>
<figure class="chart-figure" style="flex:1 1 720px;max-width:720px"><div class="chart" id="whatif-chart" role="img" aria-label="Bad debt per path at your settings and at the saved settings"></div><figcaption>Bad debt per path, worst first, at your settings (red) and at the saved settings (grey), on the same paths. Quick estimate: few paths, so its tail is rough — the full run above is the reference.</figcaption></figure>
</div>`;
  return {
    section: {
      id: 'whatif',
      title: 'What-if: move a policy lever (quick estimate)',
      introHtml: `<p><b>What would another setting change?</b> This page carries a small build of the simulation engine and this scenario. Move a lever and your browser re-runs the first few hundred of the ${fmtInt(
        n,
      )} paths with the new setting — the same price shocks path by path (common random numbers), a new book seasoned under the new rules — in a background worker, without any network request. The <b>quick estimate</b> has wide intervals; the <b>change</b> column pairs each path with itself at the saved settings, so it is much tighter. The saved full run stays the reference: for a decision, run <code>marginlab sweep</code> or <code>marginlab calibrate</code>.</p>`,
      html,
    },
    scripts: [
      { id: 'marginlab-engine', type: 'text/plain', content: engineBundle() },
      { id: 'marginlab-whatif', type: 'application/json', content: JSON.stringify(config) },
      { id: 'marginlab-whatif-ui', type: 'text/javascript', content: whatIfScript() },
    ],
  };
}

/** The page's script: sliders → a fresh worker per setting → the table, the status line and the chart. */
export function whatIfScript(): string {
  return `(function () {
  'use strict';
  var panel = document.getElementById('whatif-panel');
  if (!panel) return;
  var usd = ${usdFormat.toString()};
  var cfg = JSON.parse(document.getElementById('marginlab-whatif').textContent);
  var engine = document.getElementById('marginlab-engine').textContent;
  var url = URL.createObjectURL(new Blob([engine], { type: 'text/javascript' }));
  var MINUS = '\\u2212';
  function pct(x) {
    if (!isFinite(x)) return String(x);
    if (Math.abs(x) < 1e-12) return '0%';
    var p = 100 * x, a = Math.abs(p);
    return (p < 0 ? MINUS : '') + a.toFixed(a >= 10 ? 1 : a >= 0.1 ? 2 : 3) + '%';
  }
  function pp(d) {
    var p = 100 * d, a = Math.abs(p);
    if (a < 5e-10) return '0 pp';
    return (p > 0 ? '+' : MINUS) + a.toFixed(a >= 0.995 ? 1 : a >= 0.0995 ? 2 : 3) + ' pp';
  }
  function signedUsd(x) { return x === 0 ? '$0' : (x > 0 ? '+' : MINUS) + usd(Math.abs(x)); }
  function fmt(unit, x) { return unit === 'usd' ? usd(x) : pct(x); }
  function diff(unit, x) { return unit === 'usd' ? signedUsd(x) : pp(x); }
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function lim(unit, x) { return x === null || x === undefined ? 'open' : fmt(unit, x); }
  function est(unit, e) { return esc(fmt(unit, e.estimate)) + ' <span class="ci">[' + esc(lim(unit, e.lower)) + ', ' + esc(lim(unit, e.upper)) + ']</span>'; }
  var levers = {};
  cfg.levers.forEach(function (l) { levers[l.key] = l; });
  function leverText(l, x) { return l.unit === 'percent' ? pct(x) : l.unit === 'usd' ? usd(x) : (Math.round(x * 100) / 100) + '\\u00d7'; }
  var inputs = Array.prototype.slice.call(panel.querySelectorAll('input[data-lever]'));
  var pathsSel = document.getElementById('whatif-paths');
  var status = document.getElementById('whatif-status');
  var chartEl = document.getElementById('whatif-chart');
  var worker = null, timer = null, run = 0;
  var state = window.marginlabWhatIf = { last: null, runs: 0 };
  function setState(s) { panel.setAttribute('data-state', s); }
  function values() {
    var v = {};
    inputs.forEach(function (el) { v[el.dataset.lever] = Number(el.value); });
    return v;
  }
  function changed(v) {
    return cfg.levers.some(function (l) { return Math.abs(v[l.key] - l.value) > 1e-12 * Math.max(1, Math.abs(l.value)); });
  }
  function paths() { return Number(pathsSel.value); }
  function setK(k) { Array.prototype.forEach.call(panel.querySelectorAll('.wi-k'), function (el) { el.textContent = k.toLocaleString('en-US'); }); }
  function chart(m) {
    var rows = [];
    [['your settings', m.badDebtUsd.whatIf], ['saved settings', m.badDebtUsd.saved]].forEach(function (p) {
      var xs = p[1].filter(function (x) { return x > 0; }).sort(function (a, b) { return b - a; });
      xs.forEach(function (x, i) { rows.push({ setting: p[0], share: (i + 1) / m.done, usd: x }); });
    });
    var spec = rows.length ? {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'Bad debt per path, worst first (quick estimate, ' + m.done + ' paths)', subtitle: 'Only paths with bad debt are drawn; the same paths at both settings.' },
      width: 600, height: 200,
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-before', point: { size: 18, filled: true } },
      encoding: {
        x: { field: 'share', type: 'quantitative', title: 'Share of paths with at least this much bad debt', axis: { format: '.1~%' }, scale: { zero: true } },
        y: { field: 'usd', type: 'quantitative', title: 'Bad debt per path (USD)', axis: { formatType: 'usd' } },
        color: { field: 'setting', type: 'nominal', title: null, scale: { domain: ['your settings', 'saved settings'], range: ['#b2182b', '#8a94a6'] } },
        tooltip: [{ field: 'setting', type: 'nominal', title: 'Setting' }, { field: 'usd', type: 'quantitative', title: 'Bad debt', formatType: 'usd' }, { field: 'share', type: 'quantitative', title: 'Share of paths at least this bad', format: '.1~%' }]
      }
    } : {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { text: 'Bad debt per path (quick estimate, ' + m.done + ' paths)' },
      width: 600, height: 50, data: { values: [{ t: 'No path ended with bad debt at either setting.' }] },
      mark: { type: 'text', align: 'left', x: 8, y: 25, fontSize: 13, color: '#5b6573' }, encoding: { text: { field: 't' } }, view: { stroke: null }
    };
    return window.marginlabEmbed ? window.marginlabEmbed(chartEl, spec) : Promise.resolve();
  }
  function show(m) {
    state.last = m;
    setK(m.done);
    m.figures.forEach(function (f) {
      var tr = panel.querySelector('tr[data-key="' + f.key + '"]');
      if (!tr) return;
      tr.querySelector('.wi-saved').innerHTML = est(f.unit, f.saved);
      tr.querySelector('.wi-whatif').innerHTML = est(f.unit, f.whatIf);
      var c = f.change;
      var tone = c.upper < 0 ? 'lower' : c.lower > 0 ? 'higher' : 'unclear';
      tr.querySelector('.wi-change').innerHTML = '<span data-direction="' + tone + '">' + esc(diff(f.unit, c.estimate)) + '</span> <span class="ci">[' + esc(diff(f.unit, c.lower)) + ', ' + esc(diff(f.unit, c.upper)) + ']</span>';
    });
    return chart(m);
  }
  function start() {
    var v = values();
    run++;
    var mine = run;
    if (worker) worker.terminate();
    worker = new Worker(url);
    setState('running');
    status.textContent = 'Recomputing on the first ' + paths().toLocaleString('en-US') + ' paths\\u2026';
    worker.onmessage = function (e) {
      if (mine !== run) return;
      var m = e.data;
      if (m.type === 'error') {
        setState('error');
        status.textContent = 'The quick estimate failed: ' + m.message;
        console.error('marginlab what-if:', m.message);
        return;
      }
      show(m).then(function () {
        if (mine !== run) return;
        if (m.type === 'done') {
          state.runs++;
          setState(changed(v) ? 'done' : 'saved');
          status.textContent = 'Quick estimate: ' + m.done.toLocaleString('en-US') + ' paths in ' + (m.elapsedMs / 1000).toFixed(1) + ' s' +
            (m.rateCapped ? '; the maintenance rate was capped at 95% of the initial margin rate (1 / maximum leverage)' : '') +
            '. Intervals are 95%; the change is paired path by path with the saved settings.';
        } else {
          status.textContent = 'Recomputing\\u2026 ' + m.done.toLocaleString('en-US') + ' of ' + m.total.toLocaleString('en-US') + ' paths';
        }
      });
    };
    worker.onerror = function (e) {
      setState('error');
      status.textContent = 'The quick estimate failed: ' + (e.message || 'worker error');
      console.error('marginlab what-if worker:', e.message);
    };
    worker.postMessage({ scenario: cfg.scenario, levers: v, paths: paths(), traders: cfg.traders, saved: cfg.saved });
  }
  function schedule() {
    inputs.forEach(function (el) { document.getElementById(el.id + '-value').textContent = leverText(levers[el.dataset.lever], Number(el.value)); });
    clearTimeout(timer);
    timer = setTimeout(start, 250);
  }
  // before any lever moves: the saved settings on the first paths (no worker runs)
  var k0 = cfg.defaultPaths;
  chart({ done: k0, badDebtUsd: { whatIf: cfg.saved.badDebtUsd.slice(0, k0), saved: cfg.saved.badDebtUsd.slice(0, k0) } }).catch(function (e) { console.error(e); });
  inputs.forEach(function (el) { el.addEventListener('input', schedule); el.addEventListener('change', schedule); });
  pathsSel.addEventListener('change', schedule);
  document.getElementById('whatif-reset').addEventListener('click', function () {
    inputs.forEach(function (el) { el.value = String(levers[el.dataset.lever].value); });
    schedule();
  });
})();`;
}
