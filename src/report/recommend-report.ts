/**
 * What `recommend` writes for people: the verdict as a governance post (two or three plain sentences and
 * a table per market: current → recommended, the metric before and after with intervals, the leverage
 * allowed before and after, the binding scenario) — the same text in summary.md, `--json` and the page —
 * and points.parquet / points.csv of every evaluated point. Pure functions of the result.
 */
import type { RecommendationResult, MarketRecommendation } from '../sweep/recommend.js';
import type { Estimate } from '../stats/ci.js';
import type { PageOptions } from './page.js';
import { renderMetricCards, wrapTable } from './page.js';
import { SUMMARY_FORMAT, verdictHtml, type Summary, type SummaryFigure, type VerdictSentence } from './verdict.js';
import { escapeHtml, fmtDuration, fmtInt, fmtLimit, fmtUsdFull } from './format.js';
import { fmtParamValue, fmtUnit } from './study-format.js';
import { recommendPointExports } from './exports.js';

const pct = (x: number) => `${Number((100 * x).toPrecision(4))}%`;

function metricText(e: Estimate, unit: RecommendationResult['marketTarget']['unit']): string {
  const f = (x: number) => fmtUnit(x, unit);
  return `${f(e.estimate)} (${pct(e.level ?? 0.95)} CI ${fmtLimit(e.lower, f)} to ${fmtLimit(e.upper, f)}, ${fmtInt(e.n)} paths)`;
}

const lev = (x: number) => (Number.isFinite(x) ? `${Number(x.toPrecision(3))}×` : '∞');
const cmpText = (op: string) => op.replace('<=', '≤').replace('>=', '≥');

/** The binding scenario's row of a market: its metric before and after. */
function bindingRows(m: MarketRecommendation): { before: Estimate | undefined; after: Estimate | undefined } {
  const at = m.binding ?? m.after[0]?.scenario;
  return { before: m.before.find((b) => b.scenario === at)?.metric, after: m.after.find((a) => a.scenario === at)?.metric };
}

function leversText(m: MarketRecommendation): string {
  return m.levers.map((l) => `${l.param.replace(/^(market|otherMarkets\[\d+\])\./, '')} ${l.current === null ? '—' : fmtParamValue(l.param, l.current)} → ${fmtParamValue(l.param, l.recommended)}`).join('; ');
}

/** The table of the post: one row per market. */
export function recommendationTable(r: RecommendationResult): { title: string; head: string[]; rows: string[][] } | null {
  const rec = r.recommended;
  if (!rec) return null;
  const unit = r.marketTarget.unit;
  const rows = rec.markets.map((m) => {
    const b = bindingRows(m);
    return [
      m.name,
      m.searched ? leversText(m) : 'kept (not searched)',
      b.before ? metricText(b.before, unit) : '—',
      b.after ? metricText(b.after, unit) : '—',
      `${lev(m.leverageBefore.maintenanceLeverage)} → ${lev(m.leverageAfter.maintenanceLeverage)}`,
      `${lev(m.leverageBefore.maxLeverage)} → ${lev(m.leverageAfter.maxLeverage)}`,
      m.binding ?? 'none stands out',
    ];
  });
  return {
    title: `Per market: ${r.marketTarget.label} ${cmpText(r.marketTarget.op)} ${fmtUnit(r.marketTarget.value, unit)} (figures on the binding scenario)`,
    head: ['market', 'current → recommended', `${r.marketTarget.label} before`, `${r.marketTarget.label} after`, 'leverage allowed before liquidation (OI ÷ MM)', 'maximum leverage', 'binding scenario'],
    rows,
  };
}

/** The verdict (a governance post) and scorecard of a recommendation. */
export function recommendationSummary(r: RecommendationResult, out: string | null): Summary {
  const rec = r.recommended;
  const conf = pct(r.confidence);
  const mt = `${r.marketTarget.label} ${cmpText(r.marketTarget.op)} ${fmtUnit(r.marketTarget.value, r.marketTarget.unit)}`;
  const vt = r.venueTarget ? `${r.venueTarget.label} ${cmpText(r.venueTarget.op)} ${fmtUnit(r.venueTarget.value, r.venueTarget.unit)}` : null;
  const scen = r.scenarios.map((s) => s.name).join(', ');
  const sentences: VerdictSentence[] = [];
  if (rec) {
    const searched = rec.markets.filter((m) => m.searched);
    const changes = searched.map((m) => `${m.name} ${m.levers.map((l) => `${l.current === null ? '—' : fmtParamValue(l.param, l.current)} → ${fmtParamValue(l.param, l.recommended)}`).join(', ')}`);
    const fundText = rec.fund ? ` and the insurance fund ${rec.fund.current === null ? '' : `${fmtUsdFull(rec.fund.current)} → `}${fmtUsdFull(rec.fund.recommended)}` : '';
    sentences.push({
      text: `We recommend setting ${r.levers.map((l) => l.param).join(' and ')} per market (${changes.join('; ')})${fundText}: with ${conf} overall confidence every market keeps ${mt}${vt ? ` and the venue ${vt}` : ''} on all ${r.scenarios.length} scenario${r.scenarios.length === 1 ? '' : 's'} (${scen}).`,
      tone: 'neutral',
    });
    const byScenario = new Map<string, string[]>();
    for (const m of searched) if (m.binding) byScenario.set(m.binding, [...(byScenario.get(m.binding) ?? []), m.name]);
    const unbound = searched.filter((m) => !m.binding).map((m) => m.name);
    const bindText = [...[...byScenario].map(([s, ms]) => `${s} binds for ${ms.join(', ')}`), ...(unbound.length ? [`no scenario stands out for ${unbound.join(', ')} (equal bounds)`] : [])].join('; ');
    const moved = searched
      .map((m) => ({ m, d: m.leverageAfter.maintenanceLeverage / m.leverageBefore.maintenanceLeverage }))
      .filter((x) => Number.isFinite(x.d))
      .sort((a, b) => Math.abs(Math.log(b.d)) - Math.abs(Math.log(a.d)))[0];
    sentences.push({
      text: `${bindText ? `${bindText[0].toUpperCase()}${bindText.slice(1)}` : 'No scenario binds'}${rec.venueBinding ? `; the venue target binds on ${rec.venueBinding}` : r.venueTarget ? '; no scenario stands out for the venue target (equal bounds)' : ''}.${
        moved ? ` The largest change is ${moved.m.name}: leverage allowed before liquidation ${lev(moved.m.leverageBefore.maintenanceLeverage)} → ${lev(moved.m.leverageAfter.maintenanceLeverage)}.` : ''
      }`,
      tone: 'neutral',
    });
    const infeasible = rec.markets.filter((m) => m.status === 'infeasible');
    if (infeasible.length) sentences.push({ text: `${infeasible.map((m) => m.name).join(', ')} cannot meet the target in the allowed range.`, tone: 'worse' });
  } else {
    sentences.push({ text: `No set of ${r.levers.map((l) => l.param).join(' and ')}${r.fundLever ? ' and fund' : ''} in the allowed ranges meets every target (${mt}${vt ? `; venue: ${vt}` : ''}) on all of ${scen}.`, tone: 'worse' });
    sentences.push({ text: `${r.message[0].toUpperCase()}${r.message.slice(1)}.`, tone: 'neutral' });
  }
  const figures: SummaryFigure[] = [
    { key: 'marketTarget', label: 'market target', unit: r.marketTarget.unit, estimate: r.marketTarget.value, lower: null, upper: null, text: `${mt} (one-sided ${conf} overall)`, tone: 'neutral' },
    ...(vt ? [{ key: 'venueTarget', label: 'venue target', unit: r.venueTarget!.unit, estimate: r.venueTarget!.value, lower: null, upper: null, text: vt, tone: 'neutral' as const }] : []),
    ...(rec?.fund ? [{ key: 'fund', label: 'insurance fund', unit: 'usd' as const, estimate: rec.fund.recommended, lower: null, upper: null, text: `${rec.fund.current === null ? '' : `${fmtUsdFull(rec.fund.current)} → `}${fmtUsdFull(rec.fund.recommended)}`, tone: 'neutral' as const }] : []),
    ...(rec?.venue ?? []).map((v) => ({ key: `venue.${v.scenario}`, label: `${r.venueTarget!.label} on ${v.scenario}`, unit: r.venueTarget!.unit, estimate: v.after.estimate, lower: v.after.lower, upper: v.after.upper, text: `${metricText(v.before, r.venueTarget!.unit)} → ${metricText(v.after, r.venueTarget!.unit)}`, tone: 'neutral' as const })),
    { key: 'pathsSpent', label: 'paths spent', unit: 'count', estimate: r.pathsSpent, lower: null, upper: null, text: `${fmtInt(r.pathsSpent)} over ${r.evaluated.length} joint points × ${r.scenarios.length} scenarios`, tone: 'neutral' },
  ];
  const table = recommendationTable(r);
  return {
    format: SUMMARY_FORMAT,
    command: 'recommend',
    name: r.name,
    out,
    verdict: sentences.map((s) => s.text).join(' '),
    sentences,
    figures,
    warnings: [],
    seed: r.seed,
    paths: r.pathsSpent,
    computeMs: r.run.elapsedMs,
    resumed: null,
    marginlabVersion: r.marginlabVersion,
    details: { status: r.status, message: r.message, errorSpending: r.errorSpending, recommended: r.recommended, scenarios: r.scenarios },
    ...(table ? { tables: [table] } : {}),
  };
}

function tableHtml(head: string[], rows: string[][]): string {
  return wrapTable(`<table class="data"><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
}

/** The report page: the verdict, the table per market, per-scenario figures, the error spending, every evaluated point. */
export function recommendationPage(r: RecommendationResult): PageOptions {
  const summary = recommendationSummary(r, null);
  const table = recommendationTable(r);
  const unit = r.marketTarget.unit;
  const es = r.errorSpending;
  const headlineHtml =
    verdictHtml(summary) +
    renderMetricCards([
      { label: 'market target', valueHtml: escapeHtml(summary.figures[0].text) },
      ...(r.venueTarget ? [{ label: 'venue target', valueHtml: escapeHtml(summary.figures[1].text) }] : []),
      { label: 'status', valueHtml: escapeHtml(r.status), noteHtml: escapeHtml(r.message) },
      { label: 'paths spent', valueHtml: fmtInt(r.pathsSpent), noteHtml: `compute time ${escapeHtml(fmtDuration(r.run.elapsedMs))}` },
    ]) +
    (table ? `<h3>${escapeHtml(table.title)}</h3>${tableHtml(table.head, table.rows)}` : '');
  const perScenario = r.recommended
    ? r.recommended.markets.map((m) => [
        m.name,
        ...m.after.map((a, i) => `${metricText(m.before[i].metric, unit)} → ${metricText(a.metric, unit)} (${a.decision})`),
      ])
    : [];
  const sections = [
    ...(r.recommended
      ? [
          {
            id: 'scenarios',
            title: 'Every scenario',
            introHtml: `<p>The recommendation must hold on every scenario. Before: the scenario's own rules (95% intervals). After: the confirmed point, each interval at its look's level of the error spending.</p>`,
            html: tableHtml(['market', ...r.scenarios.map((s) => s.name)], perScenario) +
              (r.recommended.venue ? tableHtml(['venue', ...r.scenarios.map((s) => s.name)], [[r.venueTarget!.label, ...r.recommended.venue.map((v) => `${metricText(v.before, r.venueTarget!.unit)} → ${metricText(v.after, r.venueTarget!.unit)} (${v.decision})`)]]) : ''),
          },
        ]
      : []),
    {
      id: 'method',
      title: 'How the search works and what it guarantees',
      html: `<p>Overall one-sided confidence ${pct(r.confidence)}: the claim that the recommended set meets every target on every scenario is wrong with probability at most ${pct(es.overallAlpha)}. ${escapeHtml(es.rule)}: each joint point may spend ${escapeHtml(pct(es.perPointAlpha))}; its looks at ${fmtInt(r.settings.initialPaths)}, ${fmtInt(2 * r.settings.initialPaths)}, … paths test at two-sided levels ${es.levelPerLook.map((l) => escapeHtml(pct(l))).join(', ')}.</p><p>Each market has one dial from its levers' safe ends (0) to their efficient ends (1), bisected for all markets at once on common random numbers; the fund is searched in an outer loop, smallest first after its ends; a recommendation is always a confirmed joint point (docs/recommend.md).</p>`,
    },
    {
      id: 'points',
      title: 'Every evaluated point',
      introHtml: '<p>In the order evaluated (points.parquet holds the same rows with every market and scenario).</p>',
      html: tableHtml(
        ['#', 'phase', 'fund', 'dials', ...r.scenarios.map((s) => s.name)],
        r.evaluated.map((p) => [
          String(p.order + 1),
          p.phases.join(', '),
          p.fund === null ? '—' : fmtUsdFull(p.fund),
          p.dials.map((d) => (d === null ? '—' : d.toFixed(3))).join(' '),
          ...p.scenarios.map((s) => `${fmtInt(s.paths)} paths: ${s.markets.filter((m) => m.decision !== 'meets').length} market(s) not met${s.venue ? `, venue ${s.venue.decision}` : ''}`),
        ]),
      ),
    },
  ];
  return { title: `Recommendation: ${r.name}`, subtitle: `${r.scenarios.length} scenarios · seed ${r.seed}`, headlineHtml, sections };
}

export { recommendPointExports };
