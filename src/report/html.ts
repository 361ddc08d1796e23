/**
 * The run report: turns a `Results` object into the page's sections and charts, in the order a risk
 * committee reads them — headline numbers with confidence intervals, price fan, liquidations over
 * time, cascade anatomy, bad debt and the insurance fund, a path drill-down, and the scenario as YAML.
 *
 *   reportSections(results) → { headlineHtml, sections }   (pure: all aggregation happens here, in Node)
 *   renderHtml(results)     → the self-contained index.html
 *   renderReportFiles(results) → { 'index.html', 'figures/<chart>.svg', … }
 *
 * Only bands, bins and the ≈10 stored drill-down paths reach the page: its size does not grow with
 * the number of paths (beyond the per-path values binned here).
 */
import { stringify } from 'yaml';
import type { Results } from '../api/run.js';
import type { Band } from '../stats/aggregate.js';
import type { Estimate } from '../stats/ci.js';
import { escapeHtml, fmtDuration, fmtEstimateHtml, fmtInt, fmtInterval, fmtLimit, fmtPct, fmtTail, fmtUsd, thinMarkHtml, usdFormat } from './format.js';
import { MIN_TAIL_PATHS } from '../stats/ci.js';
import { renderFigures, renderMetricCards, renderPage, wrapTable, type PageSection } from './page.js';
import { runSummary, runWaterfall, verdictHtml, summaryMarkdown } from './verdict.js';
import { stagesInPlay, waterfallPathsSpec, waterfallSharesSpec, type WaterfallColumns } from './charts/lossWaterfall.js';
import { WATERFALL_STAGES } from '../stats/waterfall.js';
import { whatIfPanel } from './whatif/panel.js';
import { bandRows, bandsNote, emptyChart, timeAxis, type BandRow } from './charts/common.js';
import { priceFanSpec } from './charts/priceFan.js';
import { liquidationsOverTimeSpec } from './charts/liquidationsOverTime.js';
import { cumulativeLiquidationsSpec } from './charts/cumulativeLiquidations.js';
import { cascadeCcdfSpec } from './charts/cascadeCcdf.js';
import { cascadeGenerationsSpec } from './charts/cascadeGenerations.js';
import { cascadeImpactSpec } from './charts/cascadeImpact.js';
import { badDebtHistogramSpec } from './charts/badDebtHistogram.js';
import { insuranceFundSpec } from './charts/insuranceFund.js';
import { drilldownSpec } from './charts/drilldown.js';
import { distanceSpec, liquidationMapSpec } from './charts/bookHealth.js';
import { collateralValueSpec, fundingBySideSpec } from './charts/collateralFunding.js';
import { downsampleDrilldown, flowBandMax, levelBand, strideIndices } from './charts/downsample.js';

export { escapeHtml, fmtPct, fmtUsd } from './format.js';

/** "1 day", "6 hours", "90 minutes", "2.5 days". */
function fmtHorizon(seconds: number): string {
  const plural = (x: number, unit: string) => `${Number(x.toFixed(2))} ${unit}${x === 1 ? '' : 's'}`;
  if (seconds < 2 * 3600) return plural(seconds / 60, 'minute');
  if (seconds < 2 * 86400 && seconds !== 86400) return plural(seconds / 3600, 'hour');
  return plural(seconds / 86400, 'day');
}

/** With several markets: which one the price charts show and what the other series cover. */
function marketsNote(s: Results['scenario']): string {
  const others = s.otherMarkets ?? [];
  if (others.length === 0) return '';
  return `<p>This scenario has ${others.length + 1} markets (${[s.market, ...others].map((m) => escapeHtml(m.name)).join(', ')}). Price charts show the first, <b>${escapeHtml(
    s.market.name,
  )}</b>; liquidations, open interest, the insurance fund and bad debt cover all markets.</p>`;
}

function ciCard(label: string, e: Estimate, f: (x: number) => string, note?: string) {
  return { label, valueHtml: fmtEstimateHtml(e, f), noteHtml: note ? escapeHtml(note) : undefined };
}

function headline(r: Results): string {
  const a = r.aggregates;
  const s = r.scenario;
  const horizon = fmtHorizon(s.horizonSteps * s.stepSeconds);
  const bd = a.badDebtUsd;
  const cards = renderMetricCards([
    ciCard('Mean bad debt', bd.mean, fmtUsd, `per path; ${fmtTail(bd.mean, 'nonzero')} with bad debt`),
    ciCard('P(bad debt > 0)', a.probBadDebt, fmtPct, `share of paths; ${fmtTail(a.probBadDebt, 'event')}`),
    ciCard('Bad-debt VaR 99%', bd.var99, fmtUsd, `99th percentile of bad debt; ${fmtTail(bd.var99)}`),
    ciCard('Bad-debt ES 99%', bd.es99, fmtUsd, `mean of the worst 1% of paths; ${fmtTail(bd.es99)}`),
    ciCard('P(insurance fund exhausted)', a.probFundExhausted, fmtPct, `fund starts at ${fmtUsd(s.policy.insuranceFund.initialUsd)}; ${fmtTail(a.probFundExhausted, 'event')}`),
    ciCard('Traders liquidated', a.fractionTradersLiquidated.mean, fmtPct, `mean share of ${fmtInt(a.traders)} traders`),
  ]);
  const facts: [string, string][] = [
    ['Paths', fmtInt(a.paths)],
    ['Traders', fmtInt(a.traders)],
    ['Horizon', `${horizon} (${fmtInt(s.horizonSteps)} steps of ${s.stepSeconds} s)`],
    ['Seed', String(r.seed)],
    ['marginlab', r.marginlabVersion],
    ['Compute time', `${fmtDuration(r.run.elapsedMs)} on ${r.run.workers} worker${r.run.workers === 1 ? '' : 's'}`],
    ['Started', r.run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')],
  ];
  const sampling = a.sampling;
  if (sampling && sampling.books > 1) facts.splice(2, 0, ['Books', `${fmtInt(sampling.books)} (${fmtInt(sampling.pathsPerBook ?? 0)} paths each)`]);
  if (sampling?.design?.startsWith('importance')) facts.splice(1, 0, ['Effective sample size', fmtInt(sampling.effectiveSampleSize)]);
  return `${verdictHtml(runSummary(r, null))}
${cards}
<ul class="facts">${facts.map(([k, v]) => `<li>${escapeHtml(k)} <b>${escapeHtml(v)}</b></li>`).join('')}</ul>
<p class="method-note">Brackets are 95% confidence intervals over the ${fmtInt(a.paths)} paths: Clopper–Pearson (exact) for probabilities, exact order statistics for VaR, a two-part interval (frequency × size) for means of mostly-zero quantities such as bad debt and for ES, an ordinary mean interval (clipped at 0) where most paths are non-zero${
    sampling?.design?.startsWith('importance') ? ', every estimator weighted by the paths\' likelihood ratios' : ''
  }${sampling && sampling.books > 1 ? ', with the variance between books counted' : ''}. Each tail figure says how many paths it rests on; <span class="thin">thin</span> marks one resting on fewer than ${MIN_TAIL_PATHS} tail or non-zero paths, or whose upper limit is <i>open</i> (the sample cannot bound it), with the paths a run would need.${
    !sampling || sampling.books <= 1
      ? ' The trader book is one draw, held fixed (one market state): the figures are conditioned on it and the intervals cover the uncertainty of the market paths given that book (sampling.pathsPerBook: auto redraws it per block of paths, averages over market states and counts its uncertainty).'
      : ` The figures average over ${fmtInt(sampling.books)} market states: the trader book and its warm-up history are redrawn every ${fmtInt(sampling.pathsPerBook ?? 0)} paths.`
  }</p>`;
}

function estimateTable(rows: [string, Estimate, (x: number) => string][]): string {
  return wrapTable(`<table class="data"><thead><tr><th>Measure</th><th>Estimate</th><th>95% CI lower</th><th>95% CI upper</th><th>Rests on</th><th>Method</th></tr></thead><tbody>${rows
    .map(
      ([k, e, f]) =>
        `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(f(e.estimate))}</td><td>${escapeHtml(fmtLimit(e.lower, f))}</td><td>${escapeHtml(fmtLimit(e.upper, f))}${thinMarkHtml(e)}</td><td>${escapeHtml(
          e.tail ? (/^(var|es)/.test(k.toLowerCase()) ? fmtTail(e) : `${fmtInt(e.tail.nonZero)} non-zero of ${fmtInt(e.n)}`) : `${fmtInt(e.n)} paths`,
        )}</td><td>${escapeHtml(e.method ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`);
}

function drilldownTable(r: Results): string {
  if (r.drilldown.length === 0) return '';
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const head = ['Path', 'Index', 'Bad debt', 'Liquidated', 'Liquidations', 'Largest cascade', 'Generations', 'Max drawdown exog.', 'Max drawdown realised', 'Fund at end'];
  const rows = r.drilldown.map((p) => {
    const s = p.summary;
    return [
      p.label,
      String(p.pathIndex),
      usdFormat(s.badDebtUsd),
      usdFormat(s.liquidatedNotionalUsd),
      fmtInt(s.liquidationCount),
      usdFormat(s.largestCascadeNotionalUsd),
      String(s.largestCascadeGenerations),
      pct(s.maxDrawdownExogenous),
      pct(s.maxDrawdownRealised),
      usdFormat(s.fundEndUsd),
    ];
  });
  return wrapTable(`<table class="data"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`);
}

/** The loss waterfall section: who paid the shortfalls, path by path and in total (absent for a results.json without the columns). */
function waterfallSection(r: Results): PageSection[] {
  const w = runWaterfall(r);
  const p = r.paths as unknown as Partial<WaterfallColumns>;
  if (!w || !p.shortfallUsd || !p.pathIndex) return [];
  const stages = stagesInPlay(r.scenario.policy, w);
  const a = r.aggregates;
  const q = (x: Record<string, number>) => `${fmtUsd(x.p50)} / ${fmtUsd(x.p95)} / ${fmtUsd(x.p99)}`;
  const label = Object.fromEntries(WATERFALL_STAGES.map((x) => [x.key, x.label])) as Record<string, string>;
  const rows = [
    `<tr><td>liquidation fees collected (into the fund, before any shortfall)</td><td>${fmtEstimateHtml(w.liquidationFeesUsd.mean, fmtUsd)}</td><td>—</td><td>—</td><td>—</td><td>${escapeHtml(fmtUsd(w.liquidationFeesUsd.max))}</td></tr>`,
    `<tr><td><b>shortfall</b> (what liquidated accounts' margin could not pay)</td><td>${fmtEstimateHtml(w.shortfallUsd.mean, fmtUsd)}</td><td>100%</td><td>${fmtInt(w.pathsWithShortfall)}</td><td>${escapeHtml(
      q(w.shortfallUsd.quantilesGivenShortfall),
    )}</td><td>${escapeHtml(fmtUsd(w.shortfallUsd.max))}</td></tr>`,
    ...stages.map((k) => {
      const st = w.stages[k];
      return `<tr><td>${k === 'badDebtUsd' ? '→ left as <b>bad debt</b>' : `→ paid by ${escapeHtml(label[k])}`}</td><td>${fmtEstimateHtml(st.mean, fmtUsd)}</td><td>${escapeHtml(fmtPct(st.shareOfShortfall))}</td><td>${fmtInt(
        st.pathsPaying,
      )}</td><td>${escapeHtml(q(st.quantilesGivenShortfall))}</td><td>${escapeHtml(fmtUsd(st.max))}</td></tr>`;
    }),
  ];
  const table = wrapTable(
    `<table class="data"><thead><tr><th>Stage, in the order it pays</th><th>Mean per path [95% CI]</th><th>Share of all shortfall</th><th>Paths where it paid</th><th>Median / 95th / 99th pct. on paths with a shortfall</th><th>Largest</th></tr></thead><tbody>${rows.join(
      '',
    )}</tbody></table>`,
  );
  const off = WATERFALL_STAGES.filter((x) => !stages.includes(x.key)).map((x) => x.label);
  return [
    {
      id: 'waterfall',
      title: 'Loss waterfall',
      introHtml: `<p><b>Who paid for the losses liquidations could not cover?</b> When a liquidated account's margin does not cover its loss, the shortfall is paid, in this order, by the backstop vault (when it took the position over), the insurance fund, then auto-deleveraging of profitable opposite positions or a loss socialised across accounts; what is left is bad debt. On every path shortfall = backstop + fund + ADL + socialised loss + bad debt. ${fmtInt(
        w.pathsWithShortfall,
      )} of ${fmtInt(a.paths)} paths had a shortfall.${off.length ? ` Not in this policy: ${escapeHtml(off.join(', '))}.` : ''}</p>`,
      charts: [
        { id: 'waterfall-paths', spec: waterfallPathsSpec({ columns: p as WaterfallColumns, stages }) },
        { id: 'waterfall-shares', spec: waterfallSharesSpec({ waterfall: w, stages }) },
      ],
      html: table,
    },
  ];
}

/** The page content for a run: headline HTML, the sections with their chart specs, and the what-if panel's scripts. */
export function reportSections(r: Results): { headlineHtml: string; sections: PageSection[]; scripts: { id: string; type: string; content: string }[] } {
  const whatIf = whatIfPanel(r);
  const s = r.scenario;
  const a = r.aggregates;
  const time = timeAxis(s.stepSeconds, s.horizonSteps);
  const series = r.series;
  const note = series ? bandsNote(series.samplePaths, a.paths) : '';
  // At most MAX_POINTS time points reach the page (see charts/downsample.ts).
  const idx = series ? strideIndices(series.steps.length) : [];
  const downsampled = series !== null && idx.length < series.steps.length;
  const steps = series ? idx.map((i) => series.steps[i]) : [];
  const rows = (b: Band) => bandRows(steps, levelBand(b, idx), time.perStep);
  const flowRows = (b: Band) => bandRows(steps, downsampled ? flowBandMax(b, idx) : b, time.perStep);
  const flowNote = downsampled
    ? ` Shown at ${idx.length} of ${series!.steps.length} time points: each point is the largest per-interval value in its window.`
    : '';
  const noSeries = (title: string) => emptyChart(title, 'No time series were stored for this run.');
  const bucketSteps = series && series.steps.length > 1 ? series.steps[1] - series.steps[0] : 1;
  const bucketLabel = `per ${fmtHorizon(bucketSteps * s.stepSeconds).replace(/s$/, '').replace(' ', '-')} interval`;

  const paths = r.paths;
  const n = paths.badDebtUsd.length;
  const extraDrawdownPct: number[] = [];
  const largestMovePct: number[] = [];
  for (let k = 0; k < n; k++) {
    extraDrawdownPct.push(100 * (paths.maxDrawdownRealised[k] - paths.maxDrawdownExogenous[k]));
    if (paths.cascadeCount[k] > 0) largestMovePct.push(100 * Math.expm1(paths.largestCascadeImpactLog[k]));
  }

  const sections: PageSection[] = [
    ...bookSection(r),
    ...samplingSection(r),
    {
      id: 'price',
      title: 'Price',
      introHtml: `<p><b>How much of the fall did the liquidations cause?</b> The exogenous price is what the price model alone produces; the realised mark price adds the impact of liquidation flow on finite depth (${escapeHtml(
        s.market.impact.kind,
      )} impact, ${s.market.impact.kind === 'curve' ? `depth table ${escapeHtml(s.market.impact.file ?? '')}` : `${usdFormat(s.market.impact.depthUsdPerPercent)} per 1%`}, half-life ${s.market.impact.halfLifeSteps} steps). The gap between the two bands is the price move the liquidations themselves caused. ${escapeHtml(note)}.</p>${marketsNote(s)}`,
      charts: [
        {
          id: 'price-fan',
          spec: series
            ? priceFanSpec({
                fundamental: rows(series.fundamentalUsd),
                mark: rows(series.markUsd),
                xTitle: time.title,
                subtitle: [
                  'Blue shading: exogenous 5–95% and 25–75% of paths; blue dashed line on top: exogenous median. Red: realised median (thick), 25/75% (thin), 5/95% (dashed).',
                  `${note}. Click a legend entry to highlight it.`,
                ],
              })
            : noSeries('Price across paths'),
          caption: 'Quantile bands of the exogenous and realised price across paths; hover for values.',
        },
      ],
    },
    {
      id: 'liquidations',
      title: 'Liquidations over time',
      introHtml: `<p>Liquidated notional ${escapeHtml(bucketLabel)}, longs and shorts on the same scale, and the running total. Across all ${fmtInt(
        a.paths,
      )} paths the mean liquidated notional per path was ${fmtEstimateHtml(a.liquidatedNotionalUsd.mean, fmtUsd)} (longs ${fmtUsd(
        a.liquidatedLongNotionalUsd.mean.estimate,
      )}, shorts ${fmtUsd(a.liquidatedShortNotionalUsd.mean.estimate)}). ${escapeHtml(note)}.</p>`,
      charts: [
        {
          id: 'liquidations-over-time',
          spec: series
            ? liquidationsOverTimeSpec({
                long: flowRows(series.liquidatedLongUsd),
                short: flowRows(series.liquidatedShortUsd),
                xTitle: time.title,
                bucketLabel,
                subtitle: `Shading: 5–95% and 25–75% of paths; line: mean across paths. ${note}.${flowNote}`,
              })
            : noSeries('Liquidated notional over time'),
          caption:
            'Per-interval liquidated notional across paths; hover for values. Where the mean line runs above the shaded 95% band, liquidations in that interval are rare but large: fewer than 5% of paths have any, and those few dominate the average.',
        },
        {
          id: 'cumulative-liquidations',
          spec: series
            ? cumulativeLiquidationsSpec({ rows: rows(series.cumulativeLiquidatedUsd), xTitle: time.title, subtitle: `${note}.` })
            : noSeries('Cumulative liquidated notional'),
        },
      ],
    },
    {
      id: 'cascades',
      title: 'Cascade anatomy',
      introHtml: `<p>A cascade is every liquidation in one step: a first round of breaches, whose sales move the price and trigger the next generation, until no account breaches. The largest cascade per path averaged ${fmtEstimateHtml(
        a.largestCascade.notionalUsd.mean,
        fmtUsd,
      )} over ${fmtEstimateHtml(a.largestCascade.accounts.mean, (x) => x.toFixed(1))} accounts and ${fmtEstimateHtml(
        a.largestCascade.generations.mean,
        (x) => x.toFixed(2),
      )} generations. Histograms count every cascade on every path (${fmtInt(a.paths)} paths).</p>`,
      charts: [
        { id: 'cascade-ccdf', spec: cascadeCcdfSpec({ accounts: r.cascadeHistograms.accounts, notionalUsd: r.cascadeHistograms.notionalUsd }) },
        { id: 'cascade-generations', spec: cascadeGenerationsSpec(r.cascadeHistograms.generations) },
        { id: 'cascade-impact', spec: cascadeImpactSpec({ largestCascadeMovePct: largestMovePct, extraDrawdownPct }) },
      ],
    },
    {
      id: 'bad-debt',
      title: 'Bad debt and insurance fund',
      introHtml: `<p>Bad debt is the shortfall left after the liquidation fee and the insurance fund (starting at ${fmtUsd(
        s.policy.insuranceFund.initialUsd,
      )}) have paid what they can. The histogram is binned in Node from all ${fmtInt(n)} paths.</p>`,
      charts: [
        {
          id: 'bad-debt-histogram',
          spec: badDebtHistogramSpec({
            badDebtUsd: paths.badDebtUsd,
            var95: a.badDebtUsd.var95,
            var99: a.badDebtUsd.var99,
            es99: a.badDebtUsd.es99,
            probBadDebt: a.probBadDebt,
          }),
        },
        {
          id: 'insurance-fund',
          spec: series
            ? insuranceFundSpec({
                rows: rows(series.insuranceFundUsd),
                initialUsd: s.policy.insuranceFund.initialUsd,
                xTitle: time.title,
                subtitle: `Exhausted on ${fmtPct(a.probFundExhausted.estimate)} of all paths (95% CI ${fmtInterval(a.probFundExhausted, fmtPct)}). ${note}.`,
              })
            : noSeries('Insurance fund over time'),
        },
      ],
      html: estimateTable([
        ['Mean bad debt', a.badDebtUsd.mean, fmtUsd],
        ['P(bad debt > 0)', a.probBadDebt, fmtPct],
        ['VaR 95%', a.badDebtUsd.var95, fmtUsd],
        ['VaR 99%', a.badDebtUsd.var99, fmtUsd],
        ['VaR 99.9%', a.badDebtUsd.var999, fmtUsd],
        ['ES 95%', a.badDebtUsd.es95, fmtUsd],
        ['ES 99%', a.badDebtUsd.es99, fmtUsd],
        ['ES 99.9%', a.badDebtUsd.es999, fmtUsd],
        ['P(insurance fund exhausted)', a.probFundExhausted, fmtPct],
        ['Mean paid by the fund', a.fundPaidUsd.mean, fmtUsd],
      ]),
    },
    ...waterfallSection(r),
    ...flowsSection(series, rows, time.title, note),
    whatIf.section,
    {
      id: 'drilldown',
      title: 'Path drill-down',
      introHtml: `<p>Full series of ${r.drilldown.length} stored paths: the worst by bad debt (then liquidated notional), the median, the best and a random sample. Left column starts on the worst path, right column on the median path; change either with the selectors below the chart, and drag across the overview strip to zoom in time.</p>`,
      charts: [{ id: 'drilldown', spec: drilldownSpec({ paths: r.drilldown.map((p) => downsampleDrilldown(p)), perStep: time.perStep, xTitle: time.title }) }],
      html: drilldownTable(r),
    },
    {
      id: 'scenario',
      title: 'Scenario',
      introHtml: `<p>The fully resolved scenario (every default filled in) that produced this report. Save it as a file and run <code>marginlab run scenario.yaml</code> to reproduce these numbers exactly (seed ${r.seed}, ${fmtInt(
        s.paths,
      )} paths).</p>`,
      html: scenarioHtml(r),
    },
  ];
  return { headlineHtml: headline(r), sections, scripts: whatIf.scripts };
}

/**
 * How the paths were sampled, when not plainly: importance sampling (shifts, effective sample size,
 * the weights' range) and books redrawn per block (the variance split into market paths and books).
 */
function samplingSection(r: Results): PageSection[] {
  const a = r.aggregates;
  const smp = a.sampling;
  if (!smp || smp.design === 'plain') return [];
  const parts: string[] = [];
  const imp = r.scenario.sampling?.importance;
  if (smp.design.startsWith('importance') && imp) {
    const shifts = Array.isArray(imp.shiftPerStep) ? imp.shiftPerStep : [imp.shiftPerStep];
    const lr = smp.likelihoodRatio;
    parts.push(
      `<p><b>Importance sampling.</b> Each step's price shock was drawn from N(θ, 1) instead of N(0, 1), θ = ${escapeHtml(
        shifts.map((x) => (typeof x === 'number' ? x.toFixed(4) : String(x))).join(', '),
      )} per step, to make the adverse moves that cause liquidations and bad debt common; each path carries its likelihood ratio, and every figure in this report is weighted by it. The weights' effective sample size is ${fmtInt(
        smp.effectiveSampleSize,
      )} of ${fmtInt(a.paths)} paths${lr ? ` (ratios ${lr.min.toPrecision(3)} to ${lr.max.toPrecision(3)}, mean ${lr.mean.toPrecision(3)})` : ''}; tail estimates state their own effective paths, which can far exceed the run's when the tilt fits the event. The histograms (cascade sizes and generations, bad debt per path) and the drill-down show the paths as drawn, unweighted: under the tilt they over-represent adverse paths — read probabilities and tail figures from the weighted estimates.</p>`,
    );
  }
  const bv = a.bookVariance;
  if (bv) {
    const rows: [string, keyof Omit<NonNullable<typeof bv>, 'books' | 'pathsPerBook'>, (x: number) => string][] = [
      ['Bad debt per path', 'badDebtUsd', fmtUsd],
      ['P(bad debt > 0)', 'probBadDebt', fmtPct],
      ['Liquidated notional per path', 'liquidatedNotionalUsd', fmtUsd],
      ['Share of traders liquidated', 'fractionTradersLiquidated', fmtPct],
    ];
    const sd = (v: number, f: (x: number) => string) => f(Math.sqrt(v));
    const table = `<table class="data"><thead><tr><th>Quantity</th><th>Book means (min – max)</th><th>SD from market paths</th><th>SD from books</th><th>Share of variance from books</th><th>Design effect</th></tr></thead><tbody>${rows
      .map(([label, key, f]) => {
        const d = bv[key];
        const lo = Math.min(...d.bookMeans);
        const hi = Math.max(...d.bookMeans);
        return `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(`${f(lo)} – ${f(hi)}`)}</td><td>${escapeHtml(sd(d.withinBookVariance, f))}</td><td>${escapeHtml(sd(d.betweenBookVariance, f))}</td><td>${escapeHtml(fmtPct(d.shareFromBooks))}</td><td>${escapeHtml(d.designEffect.toFixed(2))}</td></tr>`;
      })
      .join('')}</tbody></table>`;
    parts.push(
      `<p><b>Book uncertainty.</b> The trader book was redrawn and seasoned ${fmtInt(bv.books)} times, once per block of ${fmtInt(
        bv.pathsPerBook,
      )} paths (the same books under every policy on this seed). A path's variance splits into what the market paths contribute (within a book) and what the draw of the book contributes (between books, one-way random effects). The design effect is how much the books widen the intervals' variance compared with independent paths; every interval above counts it.</p>${table}`,
    );
  }
  return [{ id: 'sampling', title: 'Sampling and uncertainty', introHtml: parts.join('') }];
}

/** The opening book's fragility, before any path runs (absent from results written before it existed). */
function bookSection(r: Results): PageSection[] {
  const h = r.population.bookHealth;
  if (!h) return [];
  const w = r.population.warmup;
  const seasoning = w
    ? `The book is seasoned: its positions were opened over a ${fmtHorizon(w.steps * r.scenario.stepSeconds)} warm-up history of the price model (mean age ${fmtHorizon(
        w.meanAgeSteps * r.scenario.stepSeconds,
      )}), and ${fmtInt(w.liquidated)} accounts the history liquidated (${fmtInt(w.stoppedOut + w.tookProfit)} stopped out or took profit) were replaced by new entries, so it holds the survivors a running venue holds.`
    : r.scenario.traders.snapshot
      ? `The book is the venue's own, read from the position snapshot ${r.scenario.traders.snapshot} (${fmtInt(r.population.traders)} accounts, not drawn and not re-seasoned): the distances below are its positions' own.`
      : 'The book is not seasoned (warmup: none): every position opened near the initial price.';
  const within = h.withinMove
    .map((x) => `${fmtPct(x.shareOfOpenInterest)} of open interest within a ${Math.round(100 * x.move)}% move`)
    .join(', ');
  const smp = r.aggregates.sampling;
  const books = smp?.books ?? 1;
  const n = smp?.pathsPerBook ?? r.aggregates.paths;
  // with books redrawn per block, this is one book of many: say which, and that the others differ
  const which =
    books > 1
      ? `This panel shows book 0 — the book paths 0 to ${fmtInt(Math.min(n, r.aggregates.paths) - 1)} open on — one of the ${fmtInt(books)} books the run averages over; each block of ${fmtInt(n)} paths opens on its own book, drawn and seasoned the same way on its own warm-up history, so its figures differ from book to book. `
      : '';
  return [
    {
      id: 'book',
      title: books > 1 ? `Opening book (book 0 of ${fmtInt(books)})` : 'Opening book',
      introHtml: `<p><b>How fragile is the book before anything happens?</b> ${escapeHtml(which)}${escapeHtml(seasoning)} At the start${books > 1 ? ' of book 0' : ''}, ${escapeHtml(within)}.</p>`,
      charts: [
        { id: 'liquidation-map', spec: liquidationMapSpec(h), caption: 'Bars to the left: longs liquidated by a fall of that size; to the right: shorts liquidated by a rise. Static: no cascade, no top-ups.' },
        { id: 'distance-to-liquidation', spec: distanceSpec(h) },
      ],
    },
  ];
}

function scenarioHtml(r: Results): string {
  const yaml = stringify(r.scenario);
  const p = r.population;
  const pop: [string, string][] = [
    ['Traders', `${fmtInt(p.traders)} (${fmtInt(p.longs)} long, ${fmtInt(p.shorts)} short, ${fmtInt(p.crossMargin)} cross-margin)`],
    ['Mean leverage', `${p.meanLeverage.toFixed(2)}×`],
    ['Capped by initial margin', fmtInt(p.cappedByInitialMargin)],
    ['Deposits', fmtUsd(p.depositsUsd)],
    [(r.aggregates.sampling?.books ?? 1) > 1 ? 'Open interest at start (book 0)' : 'Open interest at start', fmtUsd(p.openInterestUsd)],
  ];
  if (p.positions !== undefined && p.positions !== p.traders) pop.splice(1, 0, ['Positions', fmtInt(p.positions)]);
  const markets = [r.scenario.market, ...(r.scenario.otherMarkets ?? [])];
  if (markets.length > 1 && p.openInterestByMarketUsd?.length === markets.length) {
    pop.push(['Open interest by market', markets.map((m, k) => `${m.name} ${fmtUsd(p.openInterestByMarketUsd[k])}`).join(', ')]);
  }
  return `${wrapTable(`<table class="data"><tbody>${pop.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`)}
<p><a download="${escapeHtml(r.scenario.name)}.yaml" href="data:text/yaml;charset=utf-8,${encodeURIComponent(yaml)}">Download this scenario as YAML</a></p>
<pre class="yaml">${escapeHtml(yaml)}</pre>`;
}

/** The self-contained report page for a run. */
export function renderHtml(r: Results): string {
  const { headlineHtml, sections, scripts } = reportSections(r);
  return renderPage({ title: r.scenario.name, subtitle: r.scenario.description || undefined, headlineHtml, sections, scripts });
}

/**
 * Every file of a run's report, rendered in memory: `index.html`, `summary.md` (the verdict and
 * scorecard; `out` is the folder it names) and `figures/<chart>.svg`.
 */
export async function renderReportFiles(r: Results, opts: { figures?: boolean; out?: string | null } = {}): Promise<Record<string, string>> {
  const { headlineHtml, sections, scripts } = reportSections(r);
  const html = renderPage({ title: r.scenario.name, subtitle: r.scenario.description || undefined, headlineHtml, sections, scripts });
  return { 'index.html': html, 'summary.md': summaryMarkdown(runSummary(r, opts.out ?? null)), ...(opts.figures === false ? {} : await renderFigures(sections)) };
}

/**
 * Issue 13's panels, when the run stored their series: collateral value vs position value (volatile
 * collateral or lending positions), funding paid by side (funding). None otherwise.
 */
function flowsSection(series: Results['series'], rows: (b: Band) => BandRow[], xTitle: string, note: string): PageSection[] {
  if (!series) return [];
  const charts: NonNullable<PageSection['charts']> = [];
  if (series.collateralValueUsd && series.positionValueUsd && series.collateralCoverage) {
    const c = series.collateralValueUsd.p50;
    const v = series.positionValueUsd.p50;
    charts.push({
      id: 'collateral-value',
      spec: collateralValueSpec({
        coverage: rows(series.collateralCoverage),
        xTitle,
        subtitle: [
          `What backs open positions (cash margin, volatile collateral at its haircut value, borrowers' collateral at the mark) over what they are worth (open interest at the mark plus borrowers' debt).`,
          `Median collateral ${fmtUsd(c[0])} → ${fmtUsd(c[c.length - 1])}; median position value ${fmtUsd(v[0])} → ${fmtUsd(v[v.length - 1])}. ${note}.`,
        ],
      }),
    });
  }
  if (series.fundingPaidByLongsUsd) {
    charts.push({
      id: 'funding-by-side',
      spec: fundingBySideSpec({ rows: rows(series.fundingPaidByLongsUsd), xTitle, subtitle: `Above zero longs paid more funding than they received, below it less (all markets, cumulative). ${note}.` }),
    });
  }
  if (charts.length === 0) return [];
  return [{ id: 'flows', title: 'Collateral and funding', charts }];
}

