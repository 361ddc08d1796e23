/**
 * The loss waterfall across paths (issue 14, part 2): every stage's mean and share of all shortfall,
 * paths paying, and the distribution given a shortfall — on hand-built paths (every number checked),
 * and on real runs of the mechanism matrix, where the shares of all stages add up to one whenever
 * there was a shortfall (shortfall = backstop + fund + ADL + socialised + bad debt on every path).
 */
import { describe, expect, it } from 'vitest';
import { lossWaterfall, lossWaterfallOfColumns, WATERFALL_STAGES } from '../../src/stats/waterfall.js';
import { runScenario } from '../../src/api/run.js';
import { MECHANISM_CASES, mechanismCase } from '../helpers/mechanism-matrix.js';

const row = (shortfall: number, parts: Partial<Record<(typeof WATERFALL_STAGES)[number]['key'], number>>, fees = 10) => ({
  shortfallUsd: shortfall,
  liquidationFeesUsd: fees,
  backstopCoveredUsd: 0,
  fundPaidUsd: 0,
  adlProfitTakenUsd: 0,
  socialisedLossUsd: 0,
  badDebtUsd: 0,
  ...parts,
});

describe('lossWaterfall', () => {
  it('a stress run that ADLs most of the shortfall and leaves some bad debt shows both, in USD and as shares', () => {
    const w = lossWaterfall([
      row(0, {}),
      row(300, { fundPaidUsd: 100, adlProfitTakenUsd: 150, badDebtUsd: 50 }),
      row(100, { fundPaidUsd: 100 }),
      row(0, {}),
    ]);
    expect(w.pathsWithShortfall).toBe(2);
    expect(w.shortfallUsd.mean.estimate).toBe(100);
    expect(w.stages.fundPaidUsd.shareOfShortfall).toBeCloseTo(0.5, 12);
    expect(w.stages.adlProfitTakenUsd.shareOfShortfall).toBeCloseTo(0.375, 12);
    expect(w.stages.badDebtUsd.shareOfShortfall).toBeCloseTo(0.125, 12);
    expect(w.stages.adlProfitTakenUsd.mean.estimate).toBeCloseTo(37.5, 12);
    expect(w.stages.adlProfitTakenUsd.pathsPaying).toBe(1);
    expect(w.stages.fundPaidUsd.pathsPaying).toBe(2);
    // given a shortfall (2 paths): the fund paid 100 on both
    expect(w.stages.fundPaidUsd.quantilesGivenShortfall.p50).toBe(100);
    expect(w.stages.badDebtUsd.max).toBe(50);
    expect(w.liquidationFeesUsd.mean.estimate).toBe(10);
    // means never have a negative lower bound
    for (const s of WATERFALL_STAGES) expect(w.stages[s.key].mean.lower).toBeGreaterThanOrEqual(0);
  });
  it('no shortfall anywhere: every share is 0 and no stage paid', () => {
    const w = lossWaterfall([row(0, {}), row(0, {})]);
    expect(w.pathsWithShortfall).toBe(0);
    for (const s of WATERFALL_STAGES) expect([w.stages[s.key].shareOfShortfall, w.stages[s.key].pathsPaying]).toEqual([0, 0]);
  });
  it('reads results.json columns, and says null when an older file lacks them', () => {
    expect(lossWaterfallOfColumns({ shortfallUsd: [1] })).toBeNull();
    const w = lossWaterfallOfColumns({ shortfallUsd: [10, 0], liquidationFeesUsd: [1, 1], backstopCoveredUsd: [0, 0], fundPaidUsd: [4, 0], adlProfitTakenUsd: [0, 0], socialisedLossUsd: [0, 0], badDebtUsd: [6, 0] });
    expect(w!.stages.badDebtUsd.shareOfShortfall).toBeCloseTo(0.6, 12);
  });
  it('on the mechanism matrix (backstop, fund, ADL, socialised loss), the stages’ shares add up to one', async () => {
    let withShortfall = 0;
    for (let k = 0; k < MECHANISM_CASES; k += 6) {
      const r = await runScenario(mechanismCase(k), { workers: 0, drilldown: false });
      const w = r.aggregates.lossWaterfall;
      if (w.pathsWithShortfall === 0) continue;
      withShortfall++;
      const total = WATERFALL_STAGES.reduce((a, s) => a + w.stages[s.key].shareOfShortfall, 0);
      expect(total, `case ${k}`).toBeCloseTo(1, 9);
    }
    expect(withShortfall).toBeGreaterThan(0);
  }, 120_000);
});
