/**
 * A comparison's verdict on live, small fixed-seed comparisons (issue 23 items 1 and 2): a clean win, a
 * clean loss, no difference and the trade-off of scenarios/comparison-example.yaml; the opening book
 * held fixed across policies (positions a policy would not admit counted, not redrawn) unless
 * `redrawBook`; a fund metric degenerate for one side shown as "n/a: no fund" and left out of the Holm
 * family; and the intervals quoted beside the verdict agree with it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/load.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { runComparison, variantsFromBlock, type ComparisonResult } from '../../src/sweep/compare.js';
import { comparisonSummary, type Summary } from '../../src/report/verdict.js';
import { comparisonPage } from '../../src/report/study-pages.js';
import { comparisonPointExports } from '../../src/report/exports.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SMALL = {
  name: 'cmp-small',
  seed: 11,
  paths: 40,
  horizonSteps: 180,
  traders: { count: 300 },
  market: { priceModel: { kind: 'gbm', volatilityAnnual: 1.2 }, impact: { kind: 'linear', depthUsdPerPercent: 300_000, arbitrageUsdPerStep: 300_000 } },
  policy: { insuranceFund: { initialUsd: 2_000 } },
};

async function compare(base: object, variants: { name: string; override: object }[], opts: { redrawBook?: boolean } = {}): Promise<ComparisonResult> {
  const s = parseScenario({ ...base, variants });
  return runComparison(variantsFromBlock(s, 'inline'), { workers: 0, ...opts });
}

/** Every figure's shown interval excludes 0 exactly when the figure is marked better or worse. */
function expectAgreement(s: Summary): void {
  for (const f of s.figures) {
    if (f.lower === null || f.upper === null) continue;
    expect(f.lower > 0 || f.upper < 0, `${f.label}: ${f.text} (${f.tone})`).toBe(f.tone === 'better' || f.tone === 'worse');
  }
}

describe('comparison verdicts on small fixed-seed comparisons', () => {
  const r: Record<string, ComparisonResult> = {};
  beforeAll(async () => {
    // depth and the arbitrage capacity (whose default follows the depth) given together, so each override is the whole market
    const thin = { kind: 'linear', depthUsdPerPercent: 20_000, arbitrageUsdPerStep: 20_000 };
    r.loss = await compare(SMALL, [{ name: 'deep', override: {} }, { name: 'thin', override: { market: { impact: thin } } }]);
    r.win = await compare({ ...SMALL, market: { ...SMALL.market, impact: thin } }, [{ name: 'thin', override: {} }, { name: 'deep', override: { market: { impact: SMALL.market.impact } } }]);
    r.same = await compare(SMALL, [{ name: 'base', override: {} }, { name: 'copy', override: {} }]);
    r.noFund = await compare(SMALL, [{ name: 'fund', override: {} }, { name: 'no-fund', override: { policy: { insuranceFund: { initialUsd: 0 } } } }]);
    const lev = { ...SMALL, paths: 8, traders: { count: 300, leverage: { kind: 'lognormal', median: 4, sigmaLog: 0.6 } } };
    r.held = await compare(lev, [{ name: 'lev20', override: {} }, { name: 'lev5', override: { policy: { maxLeverage: 5 } } }]);
    r.redrawn = await compare(lev, [{ name: 'lev20', override: {} }, { name: 'lev5', override: { policy: { maxLeverage: 5 } } }], { redrawBook: true });
    // the trade-off of the README's comparison example: fixed 2.5% MMR against tiered brackets, fewer paths
    const ex = loadScenarioFile('scenarios/comparison-example.yaml');
    const pair = variantsFromBlock(ex, 'scenarios/comparison-example.yaml').filter((v) => v.name === 'fixed-2.5pct' || v.name === 'tiered');
    r.tradeOff = await runComparison(pair, { workers: 0, paths: 300 });
  }, 600_000);

  it('a clean loss: thinner depth is worse on what it changes, and not better on anything', () => {
    const s = comparisonSummary(r.loss, null);
    expect(s.sentences[0].text).toMatch(/^thin is worse than deep on .+ \(Holm-adjusted CI [^)]+\)(,| and \d+ more,) and nothing is significantly better/);
    expect(s.sentences[0].tone).toBe('worse');
    expectAgreement(s);
  });
  it('a clean win: deeper depth is better, and nothing is significantly worse', () => {
    const s = comparisonSummary(r.win, null);
    expect(s.sentences[0].text).toMatch(/^deep is better than thin on .+ \(Holm-adjusted CI [^)]+\)(,| and \d+ more,) and nothing is significantly worse/);
    expect(s.sentences[0].tone).toBe('better');
    expectAgreement(s);
  });
  it('no difference: an identical policy differs on nothing', () => {
    const s = comparisonSummary(r.same, null);
    expect(s.sentences[0]).toEqual({ text: 'copy and base do not differ significantly on any metric after Holm correction.', tone: 'neutral' });
    expectAgreement(s);
  });
  it('the trade-off of comparison-example.yaml: tiered is not called better while the fund pays significantly more', () => {
    const s = comparisonSummary(r.tradeOff, null);
    const t = s.sentences[0];
    expect(t.text, t.text).toMatch(/^tiered is a trade-off against fixed-2\.5pct: better on mean fraction of traders liquidated −[\d.]+ pp \(Holm-adjusted CI −[\d.]+ pp to −[\d.]+ pp\)( and \d+ more)?, but worse on mean insurance fund paid out \+\$[\d.,k]+ \(Holm-adjusted CI \+\$[\d.,k]+ to \+\$[\d.,k]+\)/);
    expect(t.tone).toBe('mixed');
    expect(s.verdict).not.toMatch(/tiered is better/);
    expectAgreement(s);
  });
  it('Holm-adjusted intervals are at least as wide as the unadjusted 95% ones and sit at the level Holm tests them at', () => {
    for (const c of Object.values(r)) {
      for (const d of c.differences) {
        for (const x of Object.values(d.metrics)) {
          if (!x.holm) continue;
          expect(x.holm.confidence).toBeGreaterThanOrEqual(0.95);
          expect(x.holm.lower).toBeLessThanOrEqual(x.lower + 1e-9 * Math.abs(x.lower));
          expect(x.holm.upper).toBeGreaterThanOrEqual(x.upper - 1e-9 * Math.abs(x.upper));
          expect(x.significantHolm).toBe(x.holm.lower > 0 || x.holm.upper < 0);
        }
      }
    }
  });
  it('a fund metric with no fund on one side is "n/a: no fund", left out of the Holm family and never a difference', () => {
    const d = r.noFund.differences[0].metrics;
    expect(d.probFundExhausted).toMatchObject({ notApplicable: 'no fund', significantHolm: false });
    expect(d.probFundExhausted.holm).toBeUndefined();
    expect(d['fundPaidUsd.mean'].notApplicable).toBe('no fund');
    const s = comparisonSummary(r.noFund, null);
    expect(s.figures.find((f) => f.key === 'no-fund.probFundExhausted')).toMatchObject({ text: 'n/a: no fund', tone: 'neutral' });
    expect(s.verdict).not.toMatch(/insurance fund (exhausted|paid out)/);
    // the family is the other metrics: its smallest level is 0.05 / (metrics − 2)
    const levels = Object.values(d).filter((x) => x.holm).map((x) => 1 - x.holm!.confidence);
    expect(Math.min(...levels)).toBeCloseTo(0.05 / (r.noFund.metrics.length - 2), 12);
  });
  it('the opening book is held fixed: no account differs, and the positions the tighter rules would not admit are counted and said', () => {
    expect(r.held.bookHeld).toBe(true);
    const b = r.held.bookDifferences![0];
    expect(b.difference!.accountsDiffering).toBe(0);
    expect(b.inadmissible!.positions).toBeGreaterThan(50);
    expect(b.inadmissible!.notionalUsd).toBeGreaterThan(0);
    expect(b.inadmissible!.notionalUsd).toBeLessThan(b.inadmissible!.openInterestUsd);
    expect(r.held.warnings.some((w) => /different opening book/.test(w))).toBe(false);
    const s = comparisonSummary(r.held, null);
    expect(s.sentences.at(-1)!.text).toMatch(/^Every policy faced lev20's opening book \(\$[\d.,kM]+ open interest\); [\d,]+ positions \(\$[\d.,kM]+\) under lev5's initial margin would not have been admitted and were kept\.$/);
    // the same book under the baseline's own rules admits everything
    expect(comparisonSummary(r.loss, null).sentences.at(-1)!.text).toMatch(/every position in it passes each policy's initial margin\.$/);
  });
  it('--redraw-book draws each policy its own book under its own rules, with the warning', () => {
    expect(r.redrawn.bookHeld).toBe(false);
    expect(r.redrawn.bookDifferences![0].difference!.accountsDiffering).toBeGreaterThan(0);
    expect(r.redrawn.bookDifferences![0].inadmissible).toBeUndefined();
    expect(r.redrawn.warnings.some((w) => /lev5 faces a different opening book from lev20/.test(w))).toBe(true);
    expect(comparisonSummary(r.redrawn, null).sentences.at(-1)!.text).toMatch(/drew its own opening book/);
  });
  it('the forest plot colours by the direction of the effect, as the verdict, and draws the Holm-adjusted intervals', () => {
    const page = comparisonPage(r.tradeOff);
    const forest = page.sections!.find((x) => x.id === 'forest')!.charts![0].spec as { vconcat: { layer: { data: { values: Record<string, unknown>[] } }[] }[] };
    const rows = (i: number) => forest.vconcat[i].layer[1].data.values;
    const idx = (k: string) => r.tradeOff.metrics.findIndex((m) => m.key === k);
    const fund = rows(idx('fundPaidUsd.mean'))[0];
    const frac = rows(idx('fractionTradersLiquidated.mean'))[0];
    const d = r.tradeOff.differences[0].metrics;
    expect(fund).toMatchObject({ effect: 'worse', significance: 'significant after Holm correction' });
    expect(frac).toMatchObject({ effect: 'better', significance: 'significant after Holm correction' });
    expect(fund.lower).toBeCloseTo(d['fundPaidUsd.mean'].holm!.lower, 2);
    expect(fund.upper).toBeCloseTo(d['fundPaidUsd.mean'].holm!.upper, 2);
    // the verdict box marks the sentence a trade-off, and the metrics table colours the fund's difference red, the fraction's green
    expect(page.headlineHtml).toContain('<p class="mixed">tiered is a trade-off');
    const table = page.sections!.find((x) => x.id === 'metrics')!.html!;
    expect(table).toMatch(/<span class="tone-worse">\+\$[\d.,k]+<\/span>/);
    expect(table).toMatch(/<span class="tone-better">−[\d.]+ pp<\/span>/);
  });
  it('points.csv carries the Holm-adjusted interval beside the Holm significance, and no difference for a metric not applicable to a side', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-cmp-')), 'points.csv');
    comparisonPointExports(r.noFund)['points.csv'](file);
    const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => head.indexOf(name);
    const row = (metric: string) => lines.find((l) => l[col('label')] === 'no-fund' && l[col('metric')] === metric)!;
    const d = r.noFund.differences[0].metrics;
    for (const k of Object.keys(d)) {
      const l = row(k);
      if (d[k].notApplicable) {
        expect([l[col('differenceLower')], l[col('differenceSignificant')]], k).toEqual(['', expect.stringMatching(/^(0|false)$/)]);
        continue;
      }
      expect(Number(l[col('differenceLower')]), k).toBeCloseTo(d[k].holm!.lower, 4);
      expect(Number(l[col('differenceUpper')]), k).toBeCloseTo(d[k].holm!.upper, 4);
    }
  });
});
