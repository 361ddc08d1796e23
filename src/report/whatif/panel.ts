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
 * file://. The panel's own script, src/report/browser/whatif.ts (bundled by `npm run build`, inlined
 * here), only wires sliders to the worker and formats what it posts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Results } from '../../api/run.js';
import { browserScript, type PageSection } from '../page.js';
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
      { id: 'marginlab-whatif-ui', type: 'text/javascript', content: browserScript('whatif') },
    ],
  };
}
