/**
 * Phase 6, the loss waterfall, run after each close (`lossWaterfall`, called by the phase that closed):
 * the close's shortfall (`st.loss`, left by src/engine/close.ts after the fee) is paid by the backstop
 * vault when it took the account over, then by the insurance fund (within its caps), then by
 * auto-deleveraging profitable opposite positions or by a socialised loss across open accounts; what
 * is left is bad debt. ADL closes its winners through `closePositions` at the mark (Route.Adl): they
 * leave no shortfall, so the waterfall never re-enters itself.
 */
import type { PathState } from './state.js';
import { adlScoreOf, allocateProRata, rankAdl } from '../liquidation/waterfall.js';
import { equity, isOpen, notional, unrealisedPnl } from './account.js';
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
  const { market, side, units } = loss;
  if (loss.takeover) {
    if (rest > 0) {
      const covered = books.backstopCover(rest);
      events.backstopCoveredCents += covered;
      rest -= covered;
    }
    events.backstopPnlUsd += (books.backstopCents - loss.vaultBefore) / 100;
  }
  if (rest > 0) coverShortfall(st, rest, market, side, units > 0 ? rest / 100 / units : 0);
}

/** Covers a shortfall of `shortfallCents` left by a position of `side` in market m (`perUnitUsd`: shortfall per unit of it). */
export function coverShortfall(st: PathState, shortfallCents: number, m: number, side: 1 | -1, perUnitUsd: number): void {
  const { books, events } = st;
  events.shortfallByMarketCents[m] = (events.shortfallByMarketCents[m] ?? 0) + shortfallCents;
  // the fund of the market the shortfall arose in, within its caps
  const rules = st.ctx.rules[m];
  const f = rules.fund;
  const fromFund = Math.min(fundAvailableCents(st, m), shortfallCents);
  if (fromFund > 0) {
    books.fundCover(f, fromFund);
    events.fundPaidUsd += fromFund / 100;
  }
  let rest = shortfallCents - fromFund;
  if (rest <= 0) return;
  if (books.fundCentsOf(f) === 0) events.fundExhausted = true; // ran dry (as opposed to held back by its caps)
  const wf = rules.waterfall.afterInsuranceFund;
  if (wf === 'adl') rest -= autoDeleverage(st, rest, m, side, perUnitUsd);
  else if (wf === 'socialised') rest -= socialise(st, rest, m);
  if (rest > 0) {
    books.badDebt(rest);
    events.badDebtByMarketCents[m] = (events.badDebtByMarketCents[m] ?? 0) + rest;
  }
}

/**
 * What market m's insurance fund may pay towards one shortfall now (cents): its balance times the
 * per-event share, within its per-step payout cap, and — when ADL follows it — no lower than its ADL
 * trigger's floor: fundFloorUsd, or (1 − fraction) × its highest balance over the drawdown window.
 */
export function fundAvailableCents(st: PathState, m: number): number {
  const rules = st.ctx.rules[m];
  const f = rules.fund;
  const cfg = st.ctx.funds[f];
  const bal = st.books.fundCentsOf(f);
  let avail = Math.floor(bal * cfg.maxShareOfFundPerEvent);
  if (cfg.maxPayoutUsdPerStep !== undefined) avail = Math.min(avail, Math.round(cfg.maxPayoutUsdPerStep * 100) - st.books.fundPaidThisStepCents(f));
  const wf = rules.waterfall;
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
 * Auto-deleveraging: profitable positions opposite to the bankrupt one (market m) are matched against
 * it: each unit closes at the mark and gives up `perUnit` = the bankrupt position's shortfall per
 * unit (its bankruptcy price minus its fill), i.e. it trades at the bankruptcy price instead of the
 * fill. Each haircut is capped by the account's equity. Returns cents covered; the units matched are
 * left in st.adlMatchedQty.
 */
export function autoDeleverage(st: PathState, deficitCents: number, m: number, bankruptSide: 1 | -1, perUnit: number): number {
  const { b, mkt } = st;
  const P = mkt.markPx[m];
  st.adlMatchedQty = 0;
  if (!(perUnit > 0)) return 0;
  const ranking = st.ctx.rules[m].waterfall.adlRanking;
  // The ranking is built once per (step, prices, market, side) and reused by every bankrupt account
  // of the round — ADL closes at the mark move no price. Candidates are re-valued when used.
  const adl = b.adlBuffers();
  const c = st.adlRanking;
  if (!c || c.t !== st.t || c.clock !== mkt.driftClock || c.m !== m || c.side !== bankruptSide || c.positions !== st.nPositions) {
    let n = 0;
    for (let p = 0; p < st.nPositions; p++) {
      if (b.size[p] <= 0 || b.posMarket[p] !== m || b.posSide[p] !== -bankruptSide) continue;
      const pnl = b.posSide[p] * b.size[p] * (P - b.entry[p]);
      if (pnl <= 0) continue;
      const a = b.posAccount[p];
      adl.ids[n] = p;
      adl.scores[n++] = adlScoreOf(pnl, b.margin[a] / 100, notional(st, a), equity(st, a));
    }
    rankAdl(adl.ids, adl.scores, n, ranking, st.behaviour, adl.perm, adl.order);
    st.adlRanking = { t: st.t, clock: mkt.driftClock, m, side: bankruptSide, positions: st.nPositions, n, cursor: 0 };
  }
  const cache = st.adlRanking!;
  const order = adl.order;
  // what each candidate can give now: size·perUnit, capped by its account's equity
  const capOf = (p: number) => {
    if (b.size[p] <= 0 || b.posSide[p] * (P - b.entry[p]) <= 0) return 0;
    // (its whole size to the cent, its equity rounded down)
    return Math.max(0, Math.min(Math.round(b.size[p] * perUnit * 100), Math.floor(equity(st, b.posAccount[p]) * 100)));
  };
  // the targets: positions (adl.targetIds) and the cents each gives (adl.targetCents)
  let nTargets = 0;
  if (ranking === 'pro-rata' || ranking === 'pro-rata-pnl') {
    // every winner by its size, or by its unrealised profit
    const caps = Float64Array.from(order.subarray(0, cache.n), capOf);
    const w = Float64Array.from(order.subarray(0, cache.n), (p, k) => (caps[k] <= 0 ? 0 : ranking === 'pro-rata' ? b.size[p] : b.size[p] * b.posSide[p] * (P - b.entry[p])));
    const share = allocateProRata(deficitCents, w, caps);
    for (let k = 0; k < cache.n; k++) {
      if (share[k] <= 0) continue;
      adl.targetIds[nTargets] = order[k];
      adl.targetCents[nTargets++] = share[k];
    }
  } else {
    let remaining = deficitCents;
    for (let k = cache.cursor; k < cache.n && remaining > 0; k++) {
      const cap = capOf(order[k]);
      if (cap <= 0) {
        if (k === cache.cursor) cache.cursor++; // exhausted at the head: never looked at again
        continue;
      }
      const take = Math.min(cap, remaining);
      adl.targetIds[nTargets] = order[k];
      adl.targetCents[nTargets++] = take;
      remaining -= take;
    }
  }
  let covered = 0;
  for (let k = 0; k < nTargets; k++) {
    const p = adl.targetIds[k];
    const cents = adl.targetCents[k];
    const a = b.posAccount[p];
    const dq = Math.min(b.size[p], cents / 100 / perUnit);
    st.adlMatchedQty += dq;
    st.events.adlPnlClosedUsd += dq * b.posSide[p] * (P - b.entry[p]);
    // close dq at the mark — matched against the bankrupt position, so no market flow (a winner's
    // close realises a profit: it leaves no shortfall, so st.loss stays empty) …
    b.closeSize[p] = dq;
    closePositions(st, a, p, Route.Adl);
    // … and hand over the haircut, size·|mark − bankruptcy| (capped by the equity it had)
    let pay: number;
    if (isOpen(st, a)) {
      pay = st.books.haircutMargin(a, cents);
      retrigger(st, a);
    } else pay = st.books.haircutWallet(cents); // its equity just went to the wallet
    covered += pay;
    st.events.adlNotionalUsd += dq * P;
    st.events.adlProfitTakenUsd += pay / 100;
    if (!b.adlHit[a]) {
      b.adlHit[a] = 1;
      st.events.adlAccounts++;
    }
  }
  return covered;
}

/** Socialised loss: the deficit is spread over open accounts pro rata (open interest or winners' profit), capped by each one's equity. */
export function socialise(st: PathState, deficitCents: number, m: number): number {
  const { b } = st;
  const basis = st.ctx.rules[m].waterfall.socialisedBasis;
  const accts: number[] = [];
  const w: number[] = [];
  const caps: number[] = [];
  for (let a = 0; a < st.nAccounts; a++) {
    if (!isOpen(st, a)) continue;
    const eq = equity(st, a);
    if (eq <= 0) continue;
    const weight = basis === 'open-interest' ? notional(st, a) : unrealisedPnl(st, a);
    if (weight <= 0) continue;
    accts.push(a);
    w.push(weight);
    caps.push(Math.max(0, Math.min(Math.floor(eq * 100), b.margin[a])));
  }
  if (accts.length === 0) return 0;
  const share = allocateProRata(deficitCents, w, caps);
  const total = st.books.socialise(accts, share, accts.length);
  for (let k = 0; k < accts.length; k++) {
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
