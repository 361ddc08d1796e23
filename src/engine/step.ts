/**
 * One step of the model, in the order of docs/design.md §2 — the whole step reads top to bottom here:
 * every phase that moves money or state is one line, a function of the path state in its own file.
 * `liquidationRound` below is one round (generation) of the cascade, written out the same way.
 */
import type { PathState } from './state.js';
import type { PathRecorder } from './records.js';
import { beginStep } from './begin-step.js';
import { exogenousMove } from './price-move.js';
import { observeMarkets, updateMarkets } from './market.js';
import { fundingAndSettlement } from './funding.js';
import { traderDecisions } from './decisions.js';
import { arrivals } from './arrivals.js';
import { maintenanceCheck } from './maintenance-check.js';
import { afterLiquidation, beginLiquidations, closeLiquidation, endLiquidations, MAX_GENERATIONS_PER_STEP, planLiquidations, tradeRound } from './liquidation.js';
import { lossWaterfall, socialisedLoss } from './waterfall.js';
import { anyFillableBound, boundFills } from './fillable-price.js';
import { accrueLending, endLending, executeLending, lendingCheck, planLending } from './lending.js';

export function step(st: PathState, rec: PathRecorder): void {
  beginStep(st); //           0. per-step caps start again; fund recapitalisation; fund peaks (ADL drawdown trigger)
  exogenousMove(st); //       1. fundamental (index) prices of all markets, correlated shocks
  updateMarkets(st); //       2. impact decay → market price → mark price; liquidity in stress
  fundingAndSettlement(st); //   funding between longs and shorts; variation margin and withdrawals
  accrueLending(st); //          interest on lending positions' debt
  traderDecisions(st); //     3. top-ups due, stops / take-profits / top-up triggers, spike deleveraging (each close then its loss waterfall)
  arrivals(st); //            3. new entries, checked against the initial margin
  beginLiquidations(st); //   4–6. the cascade, one generation per round:
  for (let gen = 0; gen < MAX_GENERATIONS_PER_STEP; gen++) {
    const n = maintenanceCheck(st, gen); // 4. accounts in breach (triggers crossed, due checks, caps, grace)
    const nl = lendingCheck(st); //         4. borrowers with a health factor below 1
    if (n === 0 && nl === 0) break;
    liquidationRound(st, gen, n, nl); //   5–6. below
  }
  endLiquidations(st);
  endLending(st);
  observeMarkets(st); //      7. mark history, volatility estimate, adaptive MMR
  rec.recordStep(st); //      7. records: cascades, drawdowns, series
}

/**
 * One round of the cascade (generation `gen`): the n accounts the maintenance check listed and the
 * nLending borrowers the lending check listed.
 */
export function liquidationRound(st: PathState, gen: number, n: number, nLending = 0): void {
  let nClose = planLiquidations(st, gen, n); //   5. each account's fate: spared, grace, ADL match (and its waterfall), wait, or a close (style's size, caps, route)
  if (nLending > 0) planLending(st, nLending); // 5. borrowers: their liquidators' sales join the round's flow
  if (nClose > 0 && anyFillableBound(st)) nClose = boundFills(st, gen, nClose); // 5. orders fill within their fillable price (dYdX); the rest waits
  tradeRound(st); //                             5. the round's net flow moves each market once: the fills
  for (let k = 0; k < nClose; k++) {
    closeLiquidation(st, gen, k); //             5. close at the fill: PnL, fee, forfeit, the rest to the trader
    lossWaterfall(st); //                        6. its shortfall: vault (takeovers) → fund → ADL or socialised → bad debt
    afterLiquidation(st, k); //                     a liquidation ends a margin call
  }
  socialisedLoss(st); //                         6. the round's deficits beyond the funds, socialised once (socialised waterfall)
  if (nLending > 0) executeLending(st, gen, nLending); // 5. lending: repay, seize, sell
}
