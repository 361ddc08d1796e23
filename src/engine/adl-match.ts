/**
 * ADL before the trade (docs/methodology.md §8): an account with one position that the maintenance
 * check finds bankrupt at the mark, in a market whose waterfall is `adl`, is not sent to the market
 * when its fund will not cover the deficit. The ranked winners take the position at its bankruptcy
 * price — or, with waterfall.adlPrice previous-mark (Hyperliquid), at the previous step's mark when that
 * covers the deficit (`autoDeleverage`, src/engine/waterfall.ts); the matched part closes with no market
 * trade and is recorded as liquidated; only what the winners cannot take goes to the market, as a full close.
 */
import type { PathState } from './state.js';
import { closePositions, Route } from './close.js';
import { autoDeleverage, fundAvailableCents, lossWaterfall } from './waterfall.js';
import { holdsCollateral } from './collateral.js';
import { SERIES_GENERATION_CLASSES } from './results.js';

/**
 * Whether account a (equity `eq` at the mark) is matched before the trade: bankrupt, one position,
 * no volatile collateral, its market's waterfall `adl`, and its fund's available amount for it (caps,
 * the fund's takeover limit) below −eq.
 */
export function matchesBeforeTrade(st: PathState, a: number, eq: number): boolean {
  const { b } = st;
  if (!(eq < 0) || b.nPos[a] !== 1 || (st.collateralAssets > 0 && holdsCollateral(st, a))) return false;
  const m = b.posMarket[b.firstPos[a]];
  const q = b.firstPos[a];
  return st.ctx.rules[m].waterfall.afterInsuranceFund === 'adl' && fundAvailableCents(st, m, a, b.size[q] * st.mkt.markPx[m]) < Math.round(-eq * 100);
}

/**
 * ADL of bankrupt account a (its one position, `deficitUsd` = −equity at the mark): the ranked winners
 * take the position at its bankruptcy price, the matched part closes at the mark plus the winners'
 * haircuts (Route.Adl), then its loss waterfall runs; the match is recorded as liquidated in
 * generation `gen`.
 */
export function adlMatch(st: PathState, a: number, deficitUsd: number, gen: number): void {
  const { b, mkt, stepLiq, events } = st;
  const q = b.firstPos[a];
  const m = b.posMarket[q];
  const S = b.size[q];
  const side = b.posSide[q] as 1 | -1;
  // the match's price: the bankruptcy price, or (previous-mark, Hyperliquid) the previous step's mark
  // when it lies at or beyond it — each unit then gives up the whole move since, not only the deficit
  const deficitCents = Math.round(deficitUsd * 100);
  let perUnit = deficitUsd / S;
  let atPrevious = false;
  if (st.ctx.rules[m].waterfall.adlPrice === 'previous-mark') {
    const gap = side * (mkt.prevMark[m] - mkt.markPx[m]);
    if (gap > perUnit) {
      perUnit = gap;
      atPrevious = true;
    }
  }
  const covered = autoDeleverage(st, atPrevious ? Math.round(perUnit * S * 100) : deficitCents, m, side, perUnit);
  let M = Math.min(S, st.adlMatchedQty);
  if (!(M > 0)) return;
  if (M >= S * (1 - 1e-12)) M = S;
  const v = M * mkt.markPx[m];
  stepLiq.byMarketUsd[m] += v;
  stepLiq.byMarketPositions[m]++;
  if (side === 1) stepLiq.longUsd += v;
  else stepLiq.shortUsd += v;
  stepLiq.notionalUsd += v;
  stepLiq.byGeneration[Math.min(gen, stepLiq.byGeneration.length - 1)] += v;
  stepLiq.byClass[Math.min(gen, SERIES_GENERATION_CLASSES - 1)] += v;
  stepLiq.accounts++;
  stepLiq.generations = Math.max(stepLiq.generations, gen + 1);
  events.adlMatchedNotionalUsd += v;
  if (!b.liquidated[a]) {
    b.liquidated[a] = 1;
    events.tradersLiquidated++;
  }
  b.closeSize[q] = M;
  // at the previous mark the credit is more than the deficit: only the deficit's share of it covered a
  // shortfall (and counts as ADL's stage of the waterfall); the rest is the trade price, kept by the account
  const coveredShortfall = atPrevious ? Math.min(deficitCents, Math.round((covered * deficitUsd) / S / perUnit)) : covered;
  if (atPrevious) events.adlProfitTakenUsd -= (covered - coveredShortfall) / 100;
  closePositions(st, a, q, Route.Adl, { adlCreditCents: covered, adlShortfallCents: coveredShortfall });
  lossWaterfall(st);
  if (b.graceUntil[a] >= 0) b.graceUntil[a] = -1;
}
