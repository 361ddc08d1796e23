/**
 * Phase 6, the loss waterfall, run after each close (`lossWaterfall`, called by the phase that closed):
 * the close's shortfall (`st.loss`, left by src/engine/close.ts after the fee) is paid by the backstop
 * vault when it took the account over, then by the insurance fund (within its caps), then by
 * auto-deleveraging profitable opposite positions or by a socialised loss across open accounts; what
 * is left is bad debt. A socialised loss is spread once per round (or per block of voluntary closes):
 * each close's deficit beyond the fund waits in the books (`deferToSocialised`), and `socialisedLoss` spreads
 * the round's total after its last close. ADL closes its winners through `closePositions` at the mark (Route.Adl), each
 * paying its haircut from its own account: they leave no shortfall, so the waterfall never re-enters itself.
 */
import type { PathState } from './state.js';
import { adlScore, allocateProRata, heapifyByScore, popRanked, rankAdl, ranksByScore, type AdlCandidate } from '../liquidation/waterfall.js';
import { equity, isOpen, maintenance, notional, unrealisedPnl } from './account.js';
import { collateralValue } from './collateral.js';
import { closePositions, Route } from './close.js';
import { retrigger } from './triggers.js';

/**
 * The loss waterfall of the last close (st.loss): a takeover's vault pays first (and its PnL on the
 * takeover is recorded), then `coverShortfall`. Does nothing when no close is waiting.
 */
export function lossWaterfall(st: PathState): void {
  if (st.loss.pending) runWaterfall(st); // (most closes leave nothing: this check is inlined into the caller's loop)
}

function runWaterfall(st: PathState): void {
  const loss = st.loss;
  loss.pending = false;
  const { books, events } = st;
  let rest = loss.shortfall;
  const { market, side, units, account } = loss;
  if (loss.takeover) {
    if (rest > 0) {
      const covered = books.backstopCover(rest);
      events.backstopCoveredCents += covered;
      rest -= covered;
    }
    events.backstopPnlUsd += (books.backstopCents - loss.vaultBefore) / 100;
  }
  if (rest > 0) coverShortfall(st, rest, market, side, units > 0 ? rest / 100 / units : 0, account, units * st.mkt.markPx[market]);
}

/**
 * Covers a shortfall of `shortfallCents` left by a position of `side` in market m (`perUnitUsd`:
 * shortfall per unit of it) of account a (−1: none named), `notionalUsd` of it closed at the mark.
 */
export function coverShortfall(st: PathState, shortfallCents: number, m: number, side: 1 | -1, perUnitUsd: number, a = -1, notionalUsd = 0): void {
  const { books, events, b } = st;
  events.shortfallByMarketCents[m] = (events.shortfallByMarketCents[m] ?? 0) + shortfallCents;
  // the fund of the market the shortfall arose in, within its caps
  const rules = st.ctx.rules[m];
  const f = rules.fund;
  const fromFund = Math.min(fundAvailableCents(st, m, a, notionalUsd), shortfallCents);
  if (fromFund > 0) {
    books.fundCover(f, fromFund);
    events.fundPaidUsd += fromFund / 100;
    if (a >= 0) {
      if (b.fundPaidStep[a] !== st.t) {
        b.fundPaidStep[a] = st.t;
        b.fundPaidThisStep[a] = 0;
      }
      b.fundPaidThisStep[a] += fromFund;
    }
  }
  let rest = shortfallCents - fromFund;
  if (rest <= 0) return;
  if (books.fundCentsOf(f) === 0) events.fundExhausted = true; // ran dry (as opposed to held back by its caps)
  const wf = rules.waterfall.afterInsuranceFund;
  if (wf === 'adl') rest -= autoDeleverage(st, rest, m, side, perUnitUsd);
  else if (wf === 'socialised') {
    // spread with the rest of the round's deficits, after its last close (`socialisedLoss`)
    books.deferToSocialised(m, rest, st.K);
    return;
  }
  if (rest > 0) {
    books.badDebt(rest);
    events.badDebtByMarketCents[m] = (events.badDebtByMarketCents[m] ?? 0) + rest;
  }
}

/**
 * Phase 6, the socialised loss of a round: each market's deficits left beyond its fund by the round's
 * closes (waiting in the books) are spread in one allocation over the accounts open after the round
 * (`socialise`); what they cannot bear is bad debt. Markets in index order. Once per round instead of
 * once per close, so its cost is O(rounds × accounts), not O(closes × accounts) (issue 21 item 6).
 */
export function socialisedLoss(st: PathState): void {
  const deficits = st.books.takeSocialisedDeficits();
  if (!deficits) return;
  for (let m = 0; m < st.K; m++) {
    if (deficits[m] <= 0) continue;
    const rest = deficits[m] - socialise(st, deficits[m], m);
    if (rest > 0) {
      st.books.badDebt(rest);
      st.events.badDebtByMarketCents[m] = (st.events.badDebtByMarketCents[m] ?? 0) + rest;
    }
  }
}

/**
 * What market m's insurance fund may pay towards one shortfall now (cents): its balance times the
 * per-event share, within its per-step payout cap and — for account a (−1: none named) — within what
 * the per-account cap (liquidation.caps.fundPayoutUsdPerAccountPerStep) leaves it this step; nothing
 * when the position (`notionalUsd` at the mark) is larger than the fund may take over
 * (adlTrigger.takeoverMaxShareOfFund × its balance); and — when ADL follows it — no lower than its ADL
 * trigger's floor: fundFloorUsd, or (1 − fraction) × its highest balance over the drawdown window.
 */
export function fundAvailableCents(st: PathState, m: number, a = -1, notionalUsd = 0): number {
  const rules = st.ctx.rules[m];
  const f = rules.fund;
  const cfg = st.ctx.funds[f];
  const bal = st.books.fundCentsOf(f);
  if (bal <= 0) return 0; // an empty fund pays nothing, whatever its caps (every bound below is then ≤ 0)
  let avail = Math.floor(bal * cfg.maxShareOfFundPerEvent);
  if (cfg.maxPayoutUsdPerStep !== undefined) avail = Math.min(avail, Math.round(cfg.maxPayoutUsdPerStep * 100) - st.books.fundPaidThisStepCents(f));
  const perAccount = rules.policy.liquidation.caps.fundPayoutUsdPerAccountPerStep;
  if (perAccount !== undefined && a >= 0) avail = Math.min(avail, Math.round(perAccount * 100) - (st.b.fundPaidStep[a] === st.t ? st.b.fundPaidThisStep[a] : 0));
  const wf = rules.waterfall;
  const takeover = wf.adlTrigger.takeoverMaxShareOfFund;
  if (takeover !== undefined && notionalUsd * 100 > takeover * bal) return 0;
  if (wf.afterInsuranceFund === 'adl') {
    let floor = Math.round(wf.adlTrigger.fundFloorUsd * 100);
    const peak = st.fundPeaks[m];
    if (peak) floor = Math.max(floor, Math.ceil((1 - wf.adlTrigger.drawdown!.fraction) * Math.max(peak.peak, bal)));
    avail = Math.min(avail, bal - floor);
  }
  return Math.max(0, avail);
}

/** At the start of a step: each fund an ADL drawdown trigger watches records its balance. */
export function recordFundPeaks(st: PathState): void {
  for (const p of st.fundPeaks) if (p) p.push(st.t, st.books.fundCentsOf(p.fund));
}

/**
 * Auto-deleveraging: positions opposite to the bankrupt one (market m) are matched against it in the
 * order of the market's ADL ranking: each unit matched gives up `perUnit` = the bankrupt position's
 * shortfall per unit (its bankruptcy price minus its fill), i.e. it trades at the bankruptcy price
 * instead of the mark. The candidates are the winners (positive PnL at the mark), or with 'dydx' every
 * opposite position. A winner's haircut may use its whole equity (cash margin + collateral value +
 * unrealised PnL) and is taken from that account alone (`payHaircut`); it closes only the units its
 * haircut needs, or all of them when its equity is below its share. Returns cents covered; the units of
 * the bankrupt position they cover (covered / perUnit) are left in st.adlMatchedQty.
 */
export function autoDeleverage(st: PathState, deficitCents: number, m: number, bankruptSide: 1 | -1, perUnit: number): number {
  const { b, mkt } = st;
  const P = mkt.markPx[m];
  st.adlMatchedQty = 0;
  if (!(perUnit > 0)) return 0;
  const ranking = st.ctx.rules[m].waterfall.adlRanking;
  const anyPnl = ranking === 'dydx';
  // The ranking is built once per (step, prices, market, side) and reused by every bankrupt account
  // of the round — ADL closes at the mark move no price. Candidates are re-valued when used.
  const adl = b.adlBuffers();
  const c = st.adlRanking;
  if (!c || c.t !== st.t || c.clock !== mkt.driftClock || c.m !== m || c.side !== bankruptSide || c.positions !== st.nPositions) {
    let n = 0;
    const scored = ranksByScore(ranking);
    const withMm = ranking === 'binance-leverage-pnl';
    // the opening book's positions in market m on the winners' side, then the arrivals (all after them):
    // ascending, as a scan of every position would find them
    const opening = st.ctx.positionsBySide[2 * m + (bankruptSide > 0 ? 0 : 1)];
    for (let k = 0, end = opening.length + st.nPositions - st.pop.positions; k < end; k++) {
      const p = k < opening.length ? opening[k] : st.pop.positions + (k - opening.length);
      if (b.size[p] <= 0 || b.posMarket[p] !== m || b.posSide[p] !== -bankruptSide) continue;
      if (!anyPnl && !(b.posSide[p] * (P - b.entry[p]) > 0)) continue;
      adl.ids[n] = p;
      adl.scores[n++] = scored ? adlScore(ranking, candidateOf(st, p, withMm, adl.candidate)) : 0;
    }
    // a scored ranking read down from its head is sorted only as far as it is read (the same order)
    const lazy = scored && heapifyByScore(adl.scores, n, adl.perm); // (scored rankings are never pro-rata: read from the head)
    if (!lazy) rankAdl(adl.ids, adl.scores, n, ranking, st.behaviour, adl.perm, adl.order);
    st.adlRanking = { t: st.t, clock: mkt.driftClock, m, side: bankruptSide, positions: st.nPositions, n, cursor: 0, ranked: lazy ? 0 : n, heaped: lazy ? n : 0 };
  }
  const cache = st.adlRanking!;
  const order = adl.order;
  let covered = 0;
  if (ranking === 'pro-rata' || ranking === 'pro-rata-pnl') {
    // every winner by its size, or by its unrealised profit, each within what it can give
    const caps = Float64Array.from(order.subarray(0, cache.n), (p) => haircutCapCents(st, p, perUnit));
    const w = Float64Array.from(order.subarray(0, cache.n), (p, k) => (caps[k] <= 0 ? 0 : ranking === 'pro-rata' ? b.size[p] : b.size[p] * b.posSide[p] * (P - b.entry[p])));
    const share = allocateProRata(deficitCents, w, caps);
    let nTargets = 0;
    for (let k = 0; k < cache.n; k++) {
      if (share[k] <= 0) continue;
      adl.targetIds[nTargets] = order[k];
      adl.targetCents[nTargets++] = share[k];
    }
    for (let k = 0; k < nTargets; k++) covered += payHaircut(st, adl.targetIds[k], adl.targetCents[k], perUnit);
  } else {
    // down the ranking, each candidate giving what it can until the deficit is covered
    for (let k = cache.cursor; k < cache.n && covered < deficitCents; k++) {
      while (cache.ranked <= k) order[cache.ranked++] = adl.ids[popRanked(adl.scores, adl.perm, cache.heaped--)];
      const p = order[k];
      const remaining = deficitCents - covered;
      let take: number;
      if (anyPnl) {
        // dYdX: the candidate takes min(remaining, its size) at the bankruptcy price, or is skipped
        // when it cannot pay that (the two bankruptcy prices do not overlap)
        take = b.size[p] > 0 ? Math.min(remaining, Math.round(b.size[p] * perUnit * 100)) : 0;
        if (take > 0 && !(haircutCapCents(st, p, perUnit) >= take)) take = 0;
      } else take = Math.min(remaining, haircutCapCents(st, p, perUnit));
      if (take <= 0) {
        // closed, or (a winner) with nothing to give at the head: never looked at again this round
        if (k === cache.cursor && (b.size[p] <= 0 || !anyPnl)) cache.cursor++;
        continue;
      }
      covered += payHaircut(st, p, take, perUnit);
      if (k === cache.cursor && b.size[p] <= 0) cache.cursor++;
    }
  }
  st.adlMatchedQty = covered / 100 / perUnit;
  return covered;
}

/** Candidate position p and its account, as the rankings read them (USD at the mark; the maintenance margin only for the ranking that reads it), written into `out`. */
function candidateOf(st: PathState, p: number, withMaintenance: boolean, out: AdlCandidate): AdlCandidate {
  const { b } = st;
  const a = b.posAccount[p];
  const wallet = b.margin[a] / 100 + (st.collateralAssets > 0 ? collateralValue(st, a) : 0);
  const u = unrealisedPnl(st, a);
  out.side = b.posSide[p];
  out.size = b.size[p];
  out.entry = b.entry[p];
  out.mark = st.mkt.markPx[b.posMarket[p]];
  out.walletUsd = wallet;
  out.equityUsd = wallet + u;
  out.unrealisedUsd = u;
  out.notionalUsd = notional(st, a);
  out.maintenanceUsd = withMaintenance ? maintenance(st, a) : 0;
  return out;
}

/**
 * The most position p can give now (whole cents): its full share, size × perUnit; no more than its
 * account's equity (so the account is left with equity ≥ 0); and no more than the account can pay —
 * its cash margin, its collateral's value and the PnL of this position realised in full (a losing
 * position, under 'dydx': its cash margin less the loss it realises).
 */
function haircutCapCents(st: PathState, p: number, perUnit: number): number {
  const { b } = st;
  if (b.size[p] <= 0) return 0;
  const a = b.posAccount[p];
  const g = b.posSide[p] * (st.mkt.markPx[b.posMarket[p]] - b.entry[p]);
  const cash = b.margin[a] / 100 + (st.collateralAssets > 0 ? collateralValue(st, a) : 0);
  // a loser (dYdX) pays from its cash margin alone (no collateral sale that could fall short of its
  // value) and also realises its loss on the units it closes: x units cost x·(perUnit − g) ≤ margin
  const payable = g >= 0 ? cash + b.size[p] * g : b.margin[a] / 100 / (1 - g / perUnit);
  return Math.max(0, Math.min(Math.round(b.size[p] * perUnit * 100), centsDown(equity(st, a)), centsDown(payable)));
}

/** USD to whole cents, rounded down, with float noise below a millionth of a cent ignored (85 reads as 85.00000000000001). */
function centsDown(usd: number): number {
  return Math.floor(usd * 100 + 1e-6);
}

/**
 * Position p gives up `cents` (≤ haircutCapCents) to the bankrupt position: it closes at the mark the
 * units the haircut needs — cents / perUnit of them, or more when its cash cannot pay the haircut
 * before their profit is realised (all of them when its equity is below its full share) — matched
 * against the bankrupt position, so no market flow, and the haircut is taken from its own account
 * (src/engine/close.ts, opts.adlHaircutCents). Returns cents paid.
 */
function payHaircut(st: PathState, p: number, cents: number, perUnit: number): number {
  const { b, events } = st;
  const a = b.posAccount[p];
  const P = st.mkt.markPx[b.posMarket[p]];
  const S = b.size[p];
  const g = b.posSide[p] * (P - b.entry[p]);
  const cash = b.margin[a] / 100 + (st.collateralAssets > 0 ? collateralValue(st, a) : 0);
  let dq = Math.min(S, cents / 100 / perUnit);
  // units whose profit the cash needs to pay the haircut (a winner whose equity is short of its share closes in full)
  if (g > 0 && cash + dq * g < cents / 100) dq = Math.min(S, (cents / 100 - cash) / g);
  if (cents >= centsDown(equity(st, a)) || dq >= S * (1 - 1e-9)) dq = S;
  events.adlPnlClosedUsd += dq * g;
  b.closeSize[p] = dq;
  const pay = closePositions(st, a, p, Route.Adl, { adlHaircutCents: cents });
  events.adlNotionalUsd += dq * P;
  events.adlProfitTakenUsd += pay / 100;
  if (!b.adlHit[a]) {
    b.adlHit[a] = 1;
    events.adlAccounts++;
  }
  return pay;
}

/**
 * Socialised loss: market m's deficit is spread over the accounts holding m, pro rata to their position
 * in m (its notional, or with `winners` its unrealised profit since entry) — a contract's loss is borne
 * by that contract's holders, as venues that socialise losses do it — each charge capped by the
 * account's equity (a cross account pays from its whole equity). O(accounts) per market per round:
 * every account is looked at, and (deficits being larger than a cent per account) charged.
 */
export function socialise(st: PathState, deficitCents: number, m: number): number {
  const { b } = st;
  const byOpenInterest = st.ctx.rules[m].waterfall.socialisedBasis === 'open-interest';
  const P = st.mkt.markPx[m];
  const { accts, weights, caps } = b.socialBuffers();
  let n = 0;
  for (let a = 0; a < st.nAccounts; a++) {
    // the account's weight: its open position in market m
    let weight = 0;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.posMarket[q] !== m || !(b.size[q] > 0)) continue;
      weight += byOpenInterest ? b.size[q] * P : b.posSide[q] * b.size[q] * (P - b.entry[q]);
    }
    if (!(weight > 0)) continue;
    const eq = equity(st, a);
    if (eq <= 0) continue;
    accts[n] = a;
    weights[n] = weight;
    caps[n++] = Math.max(0, Math.min(Math.floor(eq * 100), b.margin[a]));
  }
  if (n === 0) return 0;
  const share = allocateProRata(deficitCents, weights.subarray(0, n), caps.subarray(0, n));
  const total = st.books.socialise(accts, share, n);
  for (let k = 0; k < n; k++) {
    if (share[k] <= 0) continue;
    const a = accts[k];
    if (!b.socialisedHit[a]) {
      b.socialisedHit[a] = 1;
      st.events.socialisedAccounts++;
    }
    retrigger(st, a);
  }
  st.events.socialisedLossUsd += total / 100;
  return total;
}
