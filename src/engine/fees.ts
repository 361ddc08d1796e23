/**
 * Trading fees and the venue's recapitalisation of its insurance funds (issue 13): taker fees on
 * entries and voluntary closes go to the venue or to the market's fund, a share of the venue's part
 * goes to the fund when its recapitalisation rule says so, and a fund below its threshold is topped
 * up from outside within a budget.
 */
import type { PathState } from './state.js';

/** Charges account a a trading fee of `cents` (already capped by its margin) on a trade in market m. */
export function chargeTradingFee(st: PathState, a: number, cents: number, m: number): void {
  if (cents <= 0) return;
  const rules = st.ctx.rules[m];
  if (rules.policy.tradingFees.recipient === 'insurance-fund') st.books.tradingFee(a, cents, rules.fund);
  else {
    const share = st.ctx.funds[rules.fund].recapitalisation?.feeShare ?? 0;
    const toFund = Math.floor(cents * share);
    st.books.tradingFee(a, cents - toFund, -1);
    st.books.tradingFee(a, toFund, rules.fund);
    st.events.fundFromFeesCents += toFund;
  }
  st.events.tradingFeesCents += cents;
}

/** At the start of a step: each fund below its recapitalisation threshold receives the venue's injection, while its budget lasts. */
export function recapitaliseFunds(st: PathState): void {
  const funds = st.ctx.funds;
  for (let f = 0; f < funds.length; f++) {
    const r = funds[f].recapitalisation;
    if (!r || r.injectUsd <= 0) continue;
    if (st.books.fundCentsOf(f) >= Math.round(r.belowUsd * 100)) continue;
    const left = Math.round(r.budgetUsd * 100) - st.fundInjected[f];
    const c = Math.min(Math.round(r.injectUsd * 100), left);
    if (c <= 0) continue;
    st.books.recapitalise(f, c);
    st.fundInjected[f] += c;
    st.events.fundInjectedCents += c;
  }
}
