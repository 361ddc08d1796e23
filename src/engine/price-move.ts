/**
 * Phase 1, the exogenous price move: the path's price process draws every market's next fundamental
 * (index) log return, correlated across markets.
 */
import type { PathState } from './state.js';

export function exogenousMove(st: PathState): void {
  const { mkt } = st;
  st.prices.next(mkt.ret);
  for (let m = 0; m < st.K; m++) {
    mkt.logF[m] += mkt.ret[m];
    mkt.indexPx[m] = Math.exp(mkt.logF[m]);
  }
}
