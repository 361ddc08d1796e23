/**
 * Phase 5, liquidation rounds. Each round (one generation of the cascade) takes the accounts the
 * maintenance check listed and decides each one's fate — a margin call, a wait (cooldown, per-step
 * caps, liquidators declining), or a close of some size by some route (the venue's market order,
 * liquidators, the backstop vault) — then the round's net flow moves each market's price and every
 * close fills at the round's average price. The moved price may breach more accounts: the next round.
 */
import { accountPolicy, type PathState } from './state.js';
import { partialCloseSize } from '../liquidation/close.js';
import { isOpen, notional } from './account.js';
import { applyFlows } from './market.js';
import { closePositions, Route } from './close.js';
import { openGrace, setMark } from './maintenance-check.js';
import { rekeyPosition, touchMulti } from './triggers.js';
import { SERIES_GENERATION_CLASSES } from './results.js';
import { autoDeleverage, fundAvailableCents, recordFundPeaks } from './waterfall.js';
import { recapitaliseFunds } from './fees.js';
import { rebalanceFromPair } from './rebalance.js';

/** A safety bound on rounds in one step (a cascade that has not settled by then continues next step). */
export const MAX_GENERATIONS_PER_STEP = 10_000;

/** Before the first round: accounts postponed last step (caps, cooldowns, declined) are looked at again. */
export function beginLiquidations(st: PathState): void {
  const { b } = st;
  const nReq = st.nRequeue;
  st.nRequeue = 0;
  st.stepRequeued = nReq;
  st.nDeferred = 0;
  st.nTracked = 0;
  st.stepLiq.reset();
  recapitaliseFunds(st);
  recordFundPeaks(st);
  for (let k = 0; k < nReq; k++) {
    const a = b.requeue[k];
    if (b.nPos[a] === 1 && isOpen(st, a) && !b.queued[a]) rekeyPosition(st, b.firstPos[a]);
  }
  // b.requeue[0 … nReq) is read once more by the first maintenance check before this step postpones anything.
}

/** Postpones account a's liquidation to a later step (it is not looked at again this step). */
function postpone(st: PathState, a: number, keepQueued: boolean): void {
  const { b } = st;
  if (keepQueued) b.queued[a] = 1;
  if (b.mark[a] !== 2) {
    b.requeue[st.nRequeue++] = a;
    st.events.liquidationsDeferred++;
  }
  setMark(st, a, 2);
}

/**
 * One round: decides the fate of the n accounts in b.list, trades the round's closes as one block of
 * flow per market, and closes them at the fill (the loss waterfall runs inside each close).
 */
export function liquidationRound(st: PathState, gen: number, n: number): void {
  const nClose = planRound(st, gen, n);
  const before0 = st.mkt.impactState[0];
  applyFlows(st);
  st.stepLiq.impactLog0 += st.mkt.impactState[0] - before0;
  executeRound(st, gen, nClose);
}

/**
 * Decides each listed account's fate; those that close go to b.list2 with their route in b.route and
 * their close sizes in b.closeSize, their flow in mkt.flow. Returns how many close.
 */
function planRound(st: PathState, gen: number, n: number): number {
  const { b, mkt } = st;
  const ids = b.list;
  let nClose = 0;
  mkt.flow.fill(0);
  for (let k = 0; k < n; k++) {
    const a = ids[k];
    const liqCfg = accountPolicy(st, a).liquidation;
    const caps = liqCfg.caps;
    const eq = b.listEq[k]; // as the maintenance check found them: nothing has moved since
    const mmv = b.listMm[k];
    const continuing = gen === 0 && eq >= mmv; // a capped liquidation carrying on
    // the trader's other isolated position may spare the margin that keeps this one open
    if (!continuing && st.ctx.siblings && rebalanceFromPair(st, a, eq, mmv)) continue;
    // margin call: a first breach opens the grace period instead of liquidating
    if (!continuing && liqCfg.marginCall.graceSteps > 0 && b.graceUntil[a] < 0 && eq >= liqCfg.marginCall.liquidateBelowEquityFractionOfMm * mmv) {
      openGrace(st, a);
      continue;
    }
    // bankrupt at the mark and the fund will not cover it: matched against the ranked winners at its
    // bankruptcy price, never traded; what the winners cannot take goes to the market below
    let bankruptRest = false;
    if (eq < 0 && b.nPos[a] === 1) {
      const q = b.firstPos[a];
      const m = b.posMarket[q];
      if (st.ctx.rules[m].waterfall.afterInsuranceFund === 'adl' && fundAvailableCents(st, m) < Math.round(-eq * 100)) {
        adlMatch(st, a, q, m, -eq, gen);
        if (!isOpen(st, a)) continue;
        bankruptRest = true;
      }
    }
    if (b.cooldownUntil[a] > st.t && !bankruptRest) {
      postpone(st, a, continuing);
      continue;
    }
    // close sizes: full, partial, fraction or down to the tier below
    const N = notional(st, a);
    let frac = 1;
    if (bankruptRest) {
      frac = 1;
    } else if (continuing) {
      frac = 1; // what the cap held back: the rest of a full close (partial styles restart from the ratio)
      if (liqCfg.kind !== 'full') frac = liqCfg.kind === 'fraction' && N > liqCfg.aboveNotionalUsd ? liqCfg.closeFraction : 0;
      if (frac === 0) continue;
    } else if (liqCfg.kind === 'partial') {
      frac = N > 0 ? partialCloseSize(N, 1, eq, mmv / N, liqCfg.bufferFraction, liqCfg.feeRate) / N : 1;
    } else if (liqCfg.kind === 'fraction' && N > liqCfg.aboveNotionalUsd) {
      frac = liqCfg.closeFraction;
    } else if (liqCfg.kind === 'lower-tier') {
      frac = lowerTierFraction(st, a, N);
    }
    // per-step caps: what exceeds them waits
    let allowed = frac * N;
    if (caps.perAccountNotionalUsdPerStep !== undefined) allowed = Math.min(allowed, caps.perAccountNotionalUsdPerStep - b.liqThisStep[a]);
    // each market's own per-step cap
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.size[q] <= 0) continue;
      const m = b.posMarket[q];
      const cap = st.ctx.rules[m].liquidation.caps.marketNotionalUsdPerStep;
      if (cap === undefined) continue;
      const share = (b.size[q] * mkt.market[m]) / N;
      allowed = Math.min(allowed, (cap - mkt.marketLiqUsed[m]) / share);
    }
    if (!(allowed > 1e-9 * N)) {
      postpone(st, a, continuing);
      continue;
    }
    const capped = allowed < frac * N * (1 - 1e-12);
    if (capped) {
      frac = allowed / N;
      b.queued[a] = 1;
    }
    // route: backstop takeover, liquidators, or the exchange's own market order
    let r = Route.Market;
    if (liqCfg.backstop.enabled && eq < liqCfg.backstop.equityFractionOfMm * mmv) {
      r = Route.Backstop;
    } else if (liqCfg.liquidators.enabled) {
      if (!liquidatorsTake(st, a, frac, liqCfg.liquidators)) {
        st.events.liquidatorDeclined++;
        postpone(st, a, continuing);
        continue;
      }
      r = Route.Liquidator;
    }
    if (r === Route.Backstop) frac = 1; // the vault takes the whole account
    if (capped && r !== Route.Backstop) postpone(st, a, continuing);
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.size[q] <= 0) continue;
      const m = b.posMarket[q];
      b.closeSize[q] = frac * b.size[q];
      const qN = b.closeSize[q] * mkt.market[m];
      mkt.flow[m] -= b.posSide[q] * qN;
      mkt.marketLiqUsed[m] += qN;
      if (r === Route.Liquidator) mkt.liquidatorUsed[m] += qN;
    }
    if (b.liqThisStep[a] === 0) b.tracked[st.nTracked++] = a;
    b.liqThisStep[a] += frac * N;
    b.route[nClose] = r;
    b.list2[nClose++] = a;
  }
  return nClose;
}

/**
 * Lower-tier liquidation (Bybit's risk-limit reduction): the share of account a's notional N to close
 * so that its one position falls to the floor of the maintenance tier below its own; 1 (a full close)
 * in the lowest tier, under a schedule without tiers, or for an account over several markets.
 */
export function lowerTierFraction(st: PathState, a: number, N: number): number {
  const { b } = st;
  if (b.nPos[a] !== 1 || !(N > 0)) return 1;
  const mm = st.ctx.rules[b.posMarket[b.firstPos[a]]].policy.maintenance;
  if (mm.kind !== 'tiered') return 1;
  let k = 0;
  while (k + 1 < mm.tiers.length && mm.tiers[k + 1].notionalFloorUsd <= N) k++;
  return k === 0 ? 1 : 1 - mm.tiers[k].notionalFloorUsd / N;
}

/**
 * ADL of bankrupt account a (its one position q in market m, `deficitUsd` = −equity at the mark): the
 * ranked winners take the position at its bankruptcy price (src/engine/waterfall.ts), the matched part
 * closes with no market trade, and is recorded as liquidated.
 */
function adlMatch(st: PathState, a: number, q: number, m: number, deficitUsd: number, gen: number): void {
  const { b, mkt, stepLiq, events } = st;
  const S = b.size[q];
  const side = b.posSide[q] as 1 | -1;
  const covered = autoDeleverage(st, Math.round(deficitUsd * 100), m, side, deficitUsd / S);
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
  closePositions(st, a, q, Route.Adl, { adlCreditCents: covered });
  if (b.graceUntil[a] >= 0) b.graceUntil[a] = -1;
}

/** Liquidators take a close of `frac` of account a only if their bonus covers the slippage and their capital this step suffices. */
function liquidatorsTake(st: PathState, a: number, frac: number, cfg: { bonusFraction: number; capitalUsdPerStep: number }): boolean {
  const { b, mkt } = st;
  let ok = true;
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
    if (b.size[q] <= 0) continue;
    const m = b.posMarket[q];
    const qN = frac * b.size[q] * mkt.market[m];
    const slip = Math.abs(Math.expm1(mkt.impact[m].fillFractionFor(qN, mkt.depthMult[m]) * mkt.impact[m].delta(qN, mkt.depthMult[m])));
    if (slip > cfg.bonusFraction || mkt.liquidatorUsed[m] + qN > cfg.capitalUsdPerStep) ok = false;
  }
  return ok;
}

/** Closes the round's accounts at the fill and records what was liquidated, by side and generation. */
function executeRound(st: PathState, gen: number, nClose: number): void {
  const { b, mkt, stepLiq, events } = st;
  for (let k = 0; k < nClose; k++) {
    const a = b.list2[k];
    const liqCfg = accountPolicy(st, a).liquidation;
    let closed = 0;
    for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
      if (b.size[q] <= 0 || b.closeSize[q] <= 0) continue;
      const v = b.closeSize[q] * mkt.fill[b.posMarket[q]];
      closed += v;
      stepLiq.byMarketUsd[b.posMarket[q]] += v;
      stepLiq.byMarketPositions[b.posMarket[q]]++;
      if (b.posSide[q] === 1) stepLiq.longUsd += v;
      else stepLiq.shortUsd += v;
    }
    stepLiq.notionalUsd += closed;
    stepLiq.byGeneration[Math.min(gen, stepLiq.byGeneration.length - 1)] += closed;
    stepLiq.byClass[Math.min(gen, SERIES_GENERATION_CLASSES - 1)] += closed;
    if (!b.liquidated[a]) {
      b.liquidated[a] = 1;
      events.tradersLiquidated++;
    }
    // a fraction close waits out its cooldown; a cooldown of 0 still means one close per step (the rounds
    // of a step are instantaneous: closing 20% again and again within them would never end)
    if (liqCfg.kind === 'fraction') b.cooldownUntil[a] = st.t + Math.max(1, liqCfg.cooldownSteps);
    closePositions(st, a, -1, b.route[k] as Route, { feeRate: liqCfg.feeRate, forfeit: liqCfg.forfeitRemainingMargin });
    if (b.graceUntil[a] >= 0) {
      // a liquidation ends the margin call
      b.graceUntil[a] = -1;
      if (b.nPos[a] === 1 && isOpen(st, a)) rekeyPosition(st, b.firstPos[a]);
    }
    if (b.mark[a] === 1) b.mark[a] = 0;
  }
  stepLiq.accounts += nClose;
  if (nClose > 0) stepLiq.generations = gen + 1;
}

/** After the last round: re-key float ties, clear per-step flags, re-check multi-market accounts touched this step. */
export function endLiquidations(st: PathState): void {
  const { b } = st;
  for (let k = 0; k < st.nDeferred; k++) {
    const a = b.deferred[k];
    if (b.nPos[a] === 1 && isOpen(st, a)) rekeyPosition(st, b.firstPos[a]);
  }
  for (let k = 0; k < st.nTracked; k++) b.liqThisStep[b.tracked[k]] = 0;
  for (let k = 0; k < st.nMarked; k++) {
    const a = b.marked[k];
    b.mark[a] = 0;
    b.listed[a] = 0;
    if (b.nPos[a] > 1 && b.graceUntil[a] < 0 && isOpen(st, a)) touchMulti(st, a);
  }
  st.nMarked = 0;
}
