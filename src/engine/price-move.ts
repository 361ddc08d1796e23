/**
 * Phase 1, the exogenous price move: the path's price process draws every market's next fundamental
 * (index) log return, correlated across markets.
 */
import type { PathState } from './state.js';
import { HaltReason, MAX_INDEX_MOVE, PathHalt } from './limits.js';

const LOG_MAX_MOVE = Math.log(MAX_INDEX_MOVE);

export function exogenousMove(st: PathState): void {
  const { mkt } = st;
  st.prices.next(mkt.ret);
  // a move that would take an index out of range (or make it no number) stops the path before it is applied
  for (let m = 0; m < st.K; m++) {
    const next = mkt.logF[m] + mkt.ret[m];
    if (!(Math.abs(next - mkt.logF0[m]) <= LOG_MAX_MOVE)) throw new PathHalt(Number.isFinite(next) ? HaltReason.PriceOutOfRange : HaltReason.NonFinite);
  }
  for (let m = 0; m < st.K; m++) {
    mkt.logF[m] += mkt.ret[m];
    mkt.indexPx[m] = Math.exp(mkt.logF[m]);
  }
}
