/**
 * Phase 0, the start of a step: the per-step counters start again (each fund's payouts against its
 * per-step cap, each market's liquidated notional against its cap, the liquidators' capital used),
 * a fund below its recapitalisation threshold receives the venue's injection, and each fund an ADL
 * drawdown trigger watches records its balance.
 */
import type { PathState } from './state.js';
import { recapitaliseFunds } from './fees.js';
import { recordFundPeaks } from './waterfall.js';

export function beginStep(st: PathState): void {
  st.books.beginStep();
  st.mkt.marketLiqUsed.fill(0);
  st.mkt.liquidatorUsed.fill(0);
  recapitaliseFunds(st);
  recordFundPeaks(st);
}
