/**
 * The validation page (`marginlab validate`): the model against the market's record, figure by figure — the
 * real value, the simulated one, the band and pass or fail — one section per comparison, one table per group.
 * `validationPage(r)` gives the page options (`renderPage` renders them: one self-contained, offline file);
 * `validationSummaryMd(r)` the summary.md beside it; `validationVerdict(r)` the one line both start with.
 */
import type { PageOptions, PageSection } from './page.js';
import { renderMetricCards } from './page.js';
import { escapeHtml, fmtInt, minus } from './format.js';
import type { ValidationResult } from '../validate/registry.js';
import type { ValidationRow, ValidationUnit } from '../validate/rows.js';

/** A row's value in its unit: 0.101 → "10.1%" (pct, share), minutes, seconds, dollars, a count or a ratio. */
export function fmtValidationValue(x: number | null, unit: ValidationUnit): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  switch (unit) {
    case 'pct':
      return minus(`${(x * 100).toFixed(Math.abs(x) < 0.1 ? 2 : 1)}%`);
    case 'share':
      return minus(`${(x * 100).toFixed(0)}%`);
    case 'minutes':
      return minus(`${x.toFixed(x < 10 ? 1 : 0)} min`);
    case 'seconds':
      return minus(`${x.toFixed(0)} s`);
    case 'usd':
      return minus(`$${Math.round(x).toLocaleString('en-US')}`);
    case 'count':
      return minus(Math.round(x).toLocaleString('en-US'));
    case 'ratio':
      return minus(`${x.toFixed(2)}×`);
  }
}

/** "41 of 60 rows pass (68%) against the record in DIR". */
export function validationVerdict(r: ValidationResult): string {
  const share = r.total ? Math.round((100 * r.passed) / r.total) : 0;
  return `${r.passed} of ${r.total} rows pass (${share}%) against the record in ${r.data}`;
}

function bandText(row: ValidationRow): string {
  return `${fmtValidationValue(row.band.lo, row.unit)} … ${fmtValidationValue(row.band.hi, row.unit)}`;
}

function groupsOf(rows: readonly ValidationRow[]): [string, ValidationRow[]][] {
  const m = new Map<string, ValidationRow[]>();
  for (const r of rows) {
    const g = m.get(r.group);
    if (g) g.push(r);
    else m.set(r.group, [r]);
  }
  return [...m];
}

function rowsTable(rows: readonly ValidationRow[]): string {
  const head = ['figure', 'real', 'simulated', 'band', 'result', 'how'];
  const body = rows
    .map((r) => {
      const verdict = r.pass ? '<span class="tone-better">pass</span>' : '<span class="tone-worse">fail</span>';
      const cells = [
        escapeHtml(r.figure),
        escapeHtml(fmtValidationValue(r.real, r.unit)),
        escapeHtml(fmtValidationValue(r.simulated, r.unit)),
        escapeHtml(bandText(r)),
        verdict,
        `<span class="note">${escapeHtml(r.note ?? '')}</span>`,
      ];
      return `<tr>${cells.map((c, i) => `<td${i > 0 && i < 5 ? ' style="white-space:nowrap"' : i === 5 ? ' style="text-align:left"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** The page: a verdict, then one section per comparison with a table per group. */
export function validationPage(r: ValidationResult): PageOptions {
  let at = 0;
  const sections: PageSection[] = r.comparisons.map((c) => {
    const rows = r.rows.slice(at, at + c.rows);
    at += c.rows;
    const tables = groupsOf(rows)
      .map(([g, rs]) => `<h3>${escapeHtml(g)} — ${rs.filter((x) => x.pass).length} of ${rs.length} pass</h3>${rowsTable(rs)}`)
      .join('\n');
    return {
      id: c.id,
      title: `${c.title} (${c.passed} of ${c.rows} pass)`,
      introHtml: `<p>Files: ${c.files.map((f) => `<code>${escapeHtml(f)}</code>`).join(', ')}.</p>`,
      html: tables,
    };
  });
  sections.push({
    id: 'how',
    title: 'How to read and rerun this page',
    html: `<p>Each row is one figure of the market's record (<b>real</b>, computed from the files above) beside the model's (<b>simulated</b>: a median or percentile over simulated paths, as the figure says), with the band the simulated value must fall in, stated before the run (src/validate/). A row fails when the simulated value is outside its band, or when the model cannot produce the figure (n/a).</p>
<p>Rerun on your own data: <code>marginlab validate --data DIR --out DIR</code> (files named as in the data folder's README); <code>--paths N</code> sets the simulated paths per comparison. Options of this run: ${fmtInt(r.options.calmPaths)} simulated days per calm scenario, ${fmtInt(r.options.crisisPaths)} paths per stress replay.</p>`,
  });
  const fails = r.total - r.passed;
  return {
    title: 'marginlab — checked against the market',
    subtitle: validationVerdict(r),
    headlineHtml: renderMetricCards([
      { label: 'rows that pass', valueHtml: `${fmtInt(r.passed)} of ${fmtInt(r.total)}` },
      { label: 'rows that fail', valueHtml: fmtInt(fails), noteHtml: fails ? 'the model is outside the band the record sets' : undefined },
      ...r.comparisons.map((c) => ({ label: c.title, valueHtml: `${c.passed} / ${c.rows}` })),
    ]),
    sections,
  };
}

/** summary.md: the verdict line, then every row in a markdown table per comparison. */
export function validationSummaryMd(r: ValidationResult): string {
  const out = [`# Checked against the market`, '', validationVerdict(r), ''];
  let at = 0;
  for (const c of r.comparisons) {
    const rows = r.rows.slice(at, at + c.rows);
    at += c.rows;
    out.push(`## ${c.title}: ${c.passed} of ${c.rows} pass`, '', '| group | figure | real | simulated | band | result |', '| --- | --- | --- | --- | --- | --- |');
    for (const x of rows) {
      const cells = [x.group, x.figure, fmtValidationValue(x.real, x.unit), fmtValidationValue(x.simulated, x.unit), bandText(x), x.pass ? 'pass' : '**fail**'];
      out.push(`| ${cells.map((s) => s.replace(/\|/g, '\\|')).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
