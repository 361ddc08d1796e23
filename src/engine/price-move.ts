/**
 * Phase 1, the exogenous price move: the path's price process draws every market's next fundamental
 * (index) log return, correlated across markets.
 */
import type { PathState } from './state.js';
import { HaltReason, MAX_INDEX_FALL, MAX_INDEX_MOVE, PathHalt } from './limits.js';

const LOG_MAX_RISE = Math.log(MAX_INDEX_MOVE);
const LOG_MAX_FALL = Math.log(MAX_INDEX_FALL);

export function exogenousMove(st: PathState): void {
  const { mkt } = st;
  st.prices.next(mkt.ret);
  // a move that would take an index out of range (or make it no number) stops the path before it is applied
  for (let m = 0; m < st.K; m++) {
    const next = mkt.logF[m] + mkt.ret[m];
    const d = next - mkt.logF0[m];
    if (!(d <= LOG_MAX_RISE && d >= -LOG_MAX_FALL)) throw new PathHalt(Number.isFinite(next) ? HaltReason.PriceOutOfRange : HaltReason.NonFinite);
  }
  for (let m = 0; m < st.K; m++) {
    mkt.logF[m] += mkt.ret[m];
    mkt.indexPx[m] = Math.exp(mkt.logF[m]);
  }
}
