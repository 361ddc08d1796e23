/**
 * The in-page what-if (issue 14, part 6), in Node:
 * - the levers set what they say on every maintenance schedule, keep the rate below the initial margin
 *   rate, and cap the book's leverage at a lower maximum;
 * - the browser bundle (dist/report/whatif/engine-worker.js, built by `npm run build`), run as a worker
 *   would run it (a vm context with only `self`), reproduces the saved run's per-path values exactly at
 *   the saved settings — the common random numbers the panel's paired change rests on — and moves them
 *   the expected way: a larger fund never leaves more bad debt on any path;
 * - the bundle holds no Node built-in and stays small; the report page carries it and starts it from a
 *   Blob URL, never a file or network address.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { parseScenario } from '../../src/scenario/load.js';
import { runScenario, type Results } from '../../src/api/run.js';
import { applyLevers, headlineRate, leversOf, maxRateAt } from '../../src/report/whatif/levers.js';
import { savedColumns, whatIfPanel } from '../../src/report/whatif/panel.js';
import { whatIfFigures } from '../../src/report/whatif/estimate.js';
import type { WhatIfProgress, WhatIfRequest } from '../../src/report/whatif/worker.js';
import { renderHtml } from '../../src/report/html.js';

const ROOT = path.resolve(__dirname, '../..');
const BUNDLE = path.join(ROOT, 'dist/report/whatif/engine-worker.js');

const SMALL = {
  name: 'whatif-small',
  seed: 5,
  paths: 30,
  horizonSteps: 240,
  traders: { count: 400 },
  market: { impact: { kind: 'linear', depthUsdPerPercent: 200_000 } },
  policy: { insuranceFund: { initialUsd: 1_000 } },
};

describe('levers', () => {
  const base = parseScenario(SMALL);
  it('read the scenario and set each value (a copy; the scenario is untouched)', () => {
    const ls = leversOf(base, 1e7);
    expect(ls.map((l) => l.key)).toEqual(['mmr', 'feeRate', 'fundUsd', 'maxLeverage']);
    expect(ls.map((l) => l.value)).toEqual([0.025, 0.005, 1000, 20]);
    for (const l of ls) expect(l.min <= l.value && l.value <= l.max, l.key).toBe(true);
    const { scenario } = applyLevers(base, { mmr: 0.03, feeRate: 0.01, fundUsd: 5000, maxLeverage: 25 });
    expect([scenario.policy.maintenance, scenario.policy.liquidation.feeRate, scenario.policy.insuranceFund.initialUsd, scenario.policy.maxLeverage]).toEqual([{ kind: 'fixed', mmr: 0.03 }, 0.01, 5000, 25]);
    expect(base.policy.maintenance).toEqual({ kind: 'fixed', mmr: 0.025 });
  });
  it('move every rate of a schedule in proportion, whatever its kind', () => {
    const tiered = parseScenario({ ...SMALL, policy: { maintenance: { kind: 'tiered', tiers: [{ notionalFloorUsd: 0, mmr: 0.01 }, { notionalFloorUsd: 1e5, mmr: 0.02 }] } } });
    const t = applyLevers(tiered, { mmr: 0.015 }).scenario.policy.maintenance;
    expect(t.kind === 'tiered' && t.tiers.map((x) => x.mmr)).toEqual([0.015, 0.03]);
    const frac = parseScenario({ ...SMALL, policy: { maintenance: { kind: 'fraction-of-imr', fraction: 0.5 } } });
    expect(headlineRate(frac.policy.maintenance, 20)).toBe(0.025);
    const f = applyLevers(frac, { mmr: 0.03 }).scenario.policy.maintenance;
    expect(f.kind === 'fraction-of-imr' && f.fraction).toBeCloseTo(0.6, 12);
    const vol = parseScenario({ ...SMALL, policy: { maintenance: { kind: 'volatility-adaptive', floorMmr: 0.01, maxMmr: 0.05 } } });
    const v = applyLevers(vol, { mmr: 0.02 }).scenario.policy.maintenance;
    expect(v.kind === 'volatility-adaptive' && v.floorMmr).toBe(0.02);
  });
  it('keep the rate below the initial margin rate, and cap the book’s leverage at a lower maximum', () => {
    const r = applyLevers(parseScenario(SMALL), { maxLeverage: 10, mmr: 0.2 });
    expect(r.rateCapped).toBe(true);
    expect(r.scenario.policy.maintenance).toEqual({ kind: 'fixed', mmr: maxRateAt(10) });
    const lev = r.scenario.traders.leverage;
    expect(lev.kind === 'tiers' && Math.max(...lev.tiers.map((x) => x.leverage))).toBe(10);
    // the result is a scenario the schema accepts
    expect(() => parseScenario(r.scenario)).not.toThrow();
  });
});

/** Runs the bundle as a Web Worker would: a fresh context whose only global of note is `self`. */
function runBundle(req: WhatIfRequest): WhatIfProgress[] {
  const posted: WhatIfProgress[] = [];
  const self = { importScripts() {}, postMessage: (m: WhatIfProgress) => posted.push(m), onmessage: null as null | ((e: { data: WhatIfRequest }) => void) };
  const ctx = vm.createContext({ self, console });
  vm.runInContext(readFileSync(BUNDLE, 'utf8'), ctx);
  expect(typeof self.onmessage).toBe('function');
  self.onmessage!({ data: JSON.parse(JSON.stringify(req)) });
  return posted;
}

describe('the browser bundle of the engine', () => {
  let r: Results;
  let req: WhatIfRequest;
  beforeAll(async () => {
    r = await runScenario(parseScenario(SMALL), { workers: 0 });
    req = { scenario: r.scenario, levers: {}, paths: 30, traders: r.population.traders, saved: savedColumns(r, 30) };
  }, 60_000);

  it('is built, small and free of Node built-ins', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    expect(statSync(BUNDLE).size).toBeLessThan(400 * 1024);
    expect(text).not.toMatch(/require\(["']node:|from["']node:/);
  });
  it('reproduces the saved run path by path at the saved settings (common random numbers)', () => {
    const posted = runBundle(req);
    const last = posted[posted.length - 1];
    expect(last.type).toBe('done');
    expect(last.done).toBe(30);
    expect(last.badDebtUsd.whatIf).toEqual(r.paths.badDebtUsd.slice(0, 30));
    for (const f of last.figures) expect([f.key, f.change.estimate]).toEqual([f.key, 0]);
  });
  it('a larger insurance fund never leaves more bad debt on any path; another MMR changes the run', () => {
    const fund = runBundle({ ...req, levers: { fundUsd: 50_000 } }).at(-1)!;
    const saved = r.paths.badDebtUsd.slice(0, 30);
    fund.badDebtUsd.whatIf.forEach((x, i) => expect(x).toBeLessThanOrEqual(saved[i]));
    expect(fund.figures.find((f) => f.key === 'badDebtUsd.mean')!.change.estimate).toBeLessThanOrEqual(0);
    // the book is reseasoned under the new rate, so its direction is not guaranteed on 30 paths: only that it moves
    const mmr = runBundle({ ...req, levers: { mmr: 0.045 } }).at(-1)!;
    expect(mmr.figures.find((f) => f.key === 'fractionTradersLiquidated.mean')!.change.estimate).not.toBe(0);
  });
  it('the figures at the saved settings equal those computed from results.json', () => {
    const figs = whatIfFigures(savedColumns(r, 30), savedColumns(r, 30), r.population.traders);
    expect(figs.find((f) => f.key === 'probBadDebt')!.saved.estimate).toBe(r.aggregates.probBadDebt.estimate);
  });
  it('the run report carries the bundle, the scenario and the sliders, and starts the worker from a Blob URL', () => {
    const html = renderHtml(r);
    expect(html).toContain('id="marginlab-engine"');
    expect(html).toContain('id="whatif-mmr"');
    // the panel's script (the minified bundle of src/report/browser/whatif.ts) makes the worker's URL from a Blob
    expect(html).toMatch(/URL\.createObjectURL\(new Blob\(\[\w+\],\s*\{\s*type:\s*"text\/javascript"/);
    expect(html).not.toMatch(/new Worker\(['"]/);
    expect(whatIfPanel(r).scripts.map((s) => s.id)).toEqual(['marginlab-engine', 'marginlab-whatif', 'marginlab-whatif-ui']);
  });
  it('a scenario whose price model reads a CSV file gets a note instead of sliders', () => {
    const csv = { ...r, scenario: { ...r.scenario, market: { ...r.scenario.market, priceModel: { kind: 'csv', file: 'data/x.csv' } } } } as unknown as Results;
    const p = whatIfPanel(csv);
    expect(p.scripts).toEqual([]);
    expect(p.section.introHtml).toContain('reads a CSV file');
  });
});
