/**
 * One step of the model, in the order of docs/design.md §2 — the whole step reads top to bottom here, each
 * phase a function of the path state in its own file.
 */
import type { PathState } from './state.js';
import type { PathRecorder } from './records.js';
import { exogenousMove } from './price-move.js';
import { observeMarkets, updateMarkets } from './market.js';
import { fundingAndSettlement } from './funding.js';
import { traderDecisions } from './decisions.js';
import { arrivals } from './arrivals.js';
import { maintenanceCheck } from './maintenance-check.js';
import { beginLiquidations, endLiquidations, liquidationRound, MAX_GENERATIONS_PER_STEP } from './liquidation.js';
import { accrueLending, endLending, lendingCheck } from './lending.js';

export function step(st: PathState, rec: PathRecorder): void {
  exogenousMove(st); //       1. fundamental (index) prices of all markets, correlated shocks
  updateMarkets(st); //       2. impact decay → market price → mark price; liquidity in stress
  fundingAndSettlement(st); //   funding between longs and shorts; variation margin and withdrawals
  accrueLending(st); //          interest on lending positions' debt
  traderDecisions(st); //     3. top-ups due, stops / take-profits / top-up triggers, spike deleveraging
  arrivals(st); //            3. new entries, checked against the initial margin
  beginLiquidations(st); //   4–6. the cascade, one generation per round:
  for (let gen = 0; gen < MAX_GENERATIONS_PER_STEP; gen++) {
    const n = maintenanceCheck(st, gen); // 4. accounts in breach (triggers crossed, due checks, caps, grace)
    const nl = lendingCheck(st); //         4. borrowers with a health factor below 1
    if (n === 0 && nl === 0) break;
    liquidationRound(st, gen, n, nl); //   5. close with impact (lending: repay, seize, sell); 6. loss waterfall
  }
  endLiquidations(st);
  endLending(st);
  observeMarkets(st); //      7. mark history, volatility estimate, adaptive MMR
  rec.recordStep(st); //      7. records: cascades, drawdowns, series
}
