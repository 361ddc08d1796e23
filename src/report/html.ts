/**
 * A minimal, self-contained HTML summary of a run (headline numbers with confidence intervals and the
 * resolved scenario). The full report with charts replaces this.
 */
import { stringify } from 'yaml';
import type { Results } from '../api/run.js';
import type { Estimate } from '../stats/ci.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function fmtUsd(x: number): string {
  const a = Math.abs(x);
  const s = a >= 1e9 ? `${(a / 1e9).toFixed(2)}B` : a >= 1e6 ? `${(a / 1e6).toFixed(2)}M` : a >= 1e3 ? `${(a / 1e3).toFixed(1)}k` : a.toFixed(2);
  return `${x < 0 ? '−' : ''}$${s}`;
}

export function fmtPct(x: number): string {
  return `${(100 * x).toFixed(x < 0.001 && x > 0 ? 3 : 2)}%`;
}

function ci(e: Estimate, f: (x: number) => string): string {
  return `${f(e.estimate)} <span class="ci">[${f(e.lower)}, ${f(e.upper)}]</span>`;
}

export function renderHtml(r: Results): string {
  const a = r.aggregates;
  const rows: [string, string][] = [
    ['Mean bad debt', ci(a.badDebtUsd.mean, fmtUsd)],
    ['P(bad debt > 0)', ci(a.probBadDebt, fmtPct)],
    ['Bad-debt VaR 99%', ci(a.badDebtUsd.var99, fmtUsd)],
    ['Bad-debt ES 99%', ci(a.badDebtUsd.es99, fmtUsd)],
    ['P(insurance fund exhausted)', ci(a.probFundExhausted, fmtPct)],
    ['Traders liquidated (mean fraction)', ci(a.fractionTradersLiquidated.mean, fmtPct)],
    ['Liquidated notional (mean)', ci(a.liquidatedNotionalUsd.mean, fmtUsd)],
    ['Largest cascade notional (mean)', ci(a.largestCascade.notionalUsd.mean, fmtUsd)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>marginlab — ${escapeHtml(r.scenario.name)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:900px;margin:2em auto;color:#222}
td{padding:4px 12px;border-bottom:1px solid #eee}.ci{color:#777;font-size:90%}pre{background:#f6f6f6;padding:1em;overflow:auto}</style>
</head><body>
<h1>${escapeHtml(r.scenario.name)}</h1>
<p>${escapeHtml(r.scenario.description)}</p>
<p>${a.paths.toLocaleString('en-US')} paths × ${a.traders.toLocaleString('en-US')} traders · seed ${r.seed} · marginlab ${escapeHtml(r.marginlabVersion)} · 95% confidence intervals in brackets</p>
<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('')}</table>
<h2>Scenario</h2>
<pre>${escapeHtml(stringify(r.scenario))}</pre>
</body></html>
`;
}
