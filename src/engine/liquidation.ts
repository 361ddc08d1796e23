/**
 * Phase 5, liquidation rounds. Each round (one generation of the cascade) takes the accounts the
 * maintenance check listed and decides each one's fate (`planLiquidations`) — spared by its other
 * position or a margin call, matched by ADL before the trade, a wait (cooldown, per-step caps,
 * liquidators declining), or a close whose size is the style's (src/engine/liquidation-styles.ts) and
 * whose route is the first that applies (src/engine/liquidation-routes.ts) — then the round's net flow
 * moves each market's price once (`tradeRound`) and every close fills at the round's average price
 * (`closeLiquidation`); the loss waterfall runs after each close (src/engine/waterfall.ts). The round
 * itself is written out in src/engine/step.ts (`liquidationRound`). The moved price may breach more
 * accounts: the next round.
 */
import { accountPolicy, type PathState } from './state.js';
import type { LiquidationConfig } from '../scenario/schema.js';
import { isOpen, notional } from './account.js';
import { applyFlows } from './market.js';
import { closePositions, type Route } from './close.js';
import { openGrace, setMark } from './maintenance-check.js';
import { rekeyPosition, touchMulti } from './triggers.js';
import { SERIES_GENERATION_CLASSES } from './results.js';
import { rebalanceFromPair } from './rebalance.js';
import { planCollateralSale, sellCollateral } from './collateral.js';
import { LIQUIDATION_STYLES, type LiquidationStyle } from './liquidation-styles.js';
import { routeAmong, routesOf, type LiquidationRoute } from './liquidation-routes.js';
import { adlMatch, matchesBeforeTrade } from './adl-match.js';

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
  for (let k = 0; k < nReq; k++) {
    const a = b.requeue[k];
    if (b.nPos[a] === 1 && isOpen(st, a) && !b.queued[a]) rekeyPosition(st, b.firstPos[a]);
  }
  // b.requeue[0 … nReq) is read once more by the first maintenance check before this step postpones anything.
}

/** A liquidation configuration's style and the routes it enables: looked up in the tables once per configuration, not per account. */
interface Resolved {
  readonly cfg: LiquidationConfig;
  readonly style: LiquidationStyle;
  readonly routes: readonly LiquidationRoute[];
}
const RESOLVED = new WeakMap<LiquidationConfig, Resolved>();
let lastResolved: Resolved | undefined;

/** The style and routes of configuration `cfg` (the last one asked for is kept at hand: a round's accounts mostly share one). */
function resolve(cfg: LiquidationConfig): Resolved {
  const r = lastResolved;
  return r !== undefined && r.cfg === cfg ? r : resolveAnew(cfg);
}

function resolveAnew(cfg: LiquidationConfig): Resolved {
  let r = RESOLVED.get(cfg);
  if (r === undefined) {
    r = { cfg, style: LIQUIDATION_STYLES[cfg.kind], routes: routesOf(cfg) };
    RESOLVED.set(cfg, r);
  }
  lastResolved = r;
  return r;
}

/** Whether any market has a per-step cap on its liquidated notional. */
function anyMarketCap(st: PathState): boolean {
  for (const r of st.ctx.rules) if (r.liquidation.caps.marketNotionalUsdPerStep !== undefined) return true;
  return false;
}

/** Whether any market's waterfall goes on to ADL (only there is a bankrupt account matched before the trade). */
function anyAdl(st: PathState): boolean {
  for (const r of st.ctx.rules) if (r.waterfall.afterInsuranceFund === 'adl') return true;
  return false;
}

/** Postpones account a's liquidation to a later step (it is not looked at again this step). */
export function postpone(st: PathState, a: number, keepQueued: boolean): void {
  const { b } = st;
  if (keepQueued) b.queued[a] = 1;
  if (b.mark[a] !== 2) {
    b.requeue[st.nRequeue++] = a;
    st.events.liquidationsDeferred++;
  }
  setMark(st, a, 2);
}

/**
 * Decides the fate of the n accounts in b.list (as the maintenance check found them: equity
 * b.listEq, maintenance margin b.listMm; nothing has moved since). Those that close go to b.list2 with
 * their route in b.route and their close sizes in b.closeSize, their flow in mkt.flow. Returns how
 * many close.
 */
export function planLiquidations(st: PathState, gen: number, n: number): number {
  const { b, mkt } = st;
  let nClose = 0;
  mkt.flow.fill(0);
  // asked once per round, so that a rule the scenario does not use costs nothing per account — and its
  // helper is never compiled into this loop: V8 inlines at most ~920 bytes of bytecode into one
  // function, and spared/capsAllow/matchesBeforeTrade unused would crowd out the helpers in use
  // (measured: the engine's peer model 13% slower than the one-function planRound of 222695f)
  const siblings = st.ctx.siblings;
  const marketCaps = anyMarketCap(st);
  const adl = anyAdl(st);
  for (let k = 0; k < n; k++) {
    const a = b.list[k];
    const cfg = accountPolicy(st, a).liquidation;
    const { style, routes } = resolve(cfg);
    const eq = b.listEq[k];
    const mmv = b.listMm[k];
    const continuing = gen === 0 && eq >= mmv; // a capped liquidation carrying on
    if (!continuing && (siblings || cfg.marginCall.graceSteps > 0) && spared(st, a, eq, mmv, cfg)) continue;
    // bankrupt at the mark and the fund will not cover it: matched against the ranked winners at its
    // bankruptcy price, never traded; what the winners cannot take goes to the market below, in full
    let bankruptRest = false;
    if (adl && matchesBeforeTrade(st, a, eq)) {
      adlMatch(st, a, -eq, gen);
      if (!isOpen(st, a)) continue;
      bankruptRest = true;
    }
    // in a cooldown: wait for its end, or (duringCooldown: full, Hyperliquid) an account in breach is closed
    // whole (a capped close carrying on while out of breach still waits)
    const inCooldown = b.cooldownUntil[a] > st.t && !bankruptRest;
    if (inCooldown && (cfg.duringCooldown === 'wait' || continuing)) {
      postpone(st, a, continuing);
      continue;
    }
    // close size: the style's share of the notional
    const N = notional(st, a);
    let frac = bankruptRest || inCooldown ? 1 : continuing ? style.continuingFraction(N, cfg) : style.closeFraction(st, a, N, eq, mmv, cfg);
    if (continuing && frac === 0) continue;
    // per-step caps: what exceeds them waits
    const caps = cfg.caps;
    const allowed = marketCaps || caps.perAccountNotionalUsdPerStep !== undefined || caps.positionBlockLimit !== undefined ? capsAllow(st, a, frac * N, N, cfg) : frac * N;
    if (!(allowed > 1e-9 * N)) {
      postpone(st, a, continuing);
      continue;
    }
    const capped = allowed < frac * N * (1 - 1e-12);
    if (capped) {
      frac = allowed / N;
      b.queued[a] = 1;
    }
    // route: the first that applies (backstop takeover, liquidators, the venue's market order)
    const route = routeAmong(routes, cfg, eq, mmv, inCooldown || continuing);
    if (!route.takes(st, a, frac, cfg)) {
      st.events.liquidatorDeclined++; // (only liquidators decline)
      postpone(st, a, continuing);
      continue;
    }
    if (route.wholeAccount) frac = 1;
    else if (capped) postpone(st, a, continuing);
    queueClose(st, a, frac, N, route);
    b.route[nClose] = route.route;
    b.list2[nClose++] = a;
  }
  return nClose;
}

/**
 * Whether account a is spared a liquidation this round: its other isolated position spares the margin
 * that keeps it open (src/engine/rebalance.ts), or a first breach opens a margin call's grace period.
 */
function spared(st: PathState, a: number, eq: number, mmv: number, cfg: LiquidationConfig): boolean {
  if (st.ctx.siblings && rebalanceFromPair(st, a, eq, mmv)) return true;
  if (cfg.marginCall.graceSteps > 0 && st.b.graceUntil[a] < 0 && eq >= cfg.marginCall.liquidateBelowEquityFractionOfMm * mmv) {
    openGrace(st, a);
    return true;
  }
  return false;
}

/**
 * How much of `wantUsd` of account a's notional N the per-step caps let close now: the account's own
 * cap (less what it closed this step), each position's block limit over the step's blocks (less what it
 * closed this step) and each of its markets' caps (less what that market closed).
 */
function capsAllow(st: PathState, a: number, wantUsd: number, N: number, cfg: LiquidationConfig): number {
  const { b, mkt } = st;
  let allowed = wantUsd;
  const perAccount = cfg.caps.perAccountNotionalUsdPerStep;
  if (perAccount !== undefined) allowed = Math.min(allowed, perAccount - b.liqThisStep[a]);
  const pbl = cfg.caps.positionBlockLimit;
  // every close takes the same share of each position, so position q held (N + closed)/N of its notional at the step's start
  const grow = N > 0 ? (N + b.liqThisStep[a]) / N : 1;
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
    if (b.size[q] <= 0) continue;
    const m = b.posMarket[q];
    const qN = b.size[q] * mkt.market[m];
    const share = qN / N;
    if (pbl !== undefined) {
      const start = qN * grow;
      allowed = Math.min(allowed, (positionBlockAllowance(start, pbl.shareOfNotional, pbl.minNotionalUsd, pbl.blocksPerStep ?? 1) - (start - qN)) / share);
    }
    const cap = st.ctx.rules[m].liquidation.caps.marketNotionalUsdPerStep;
    if (cap === undefined) continue;
    allowed = Math.min(allowed, (cap - mkt.marketLiqUsed[m]) / share);
  }
  return allowed;
}

/**
 * Most of a position of notional `startUsd` that B blocks may liquidate when each block takes at most
 * max(share × what is left, min(minUsd, what is left)) (dYdX v4 position_block_limits): while share × left
 * exceeds minUsd the position shrinks by (1 − share) a block, then by minUsd a block. O(1).
 * @example positionBlockAllowance(100_000, 0.1, 1_000, 2) // 19,000: 10,000 then 9,000
 */
export function positionBlockAllowance(startUsd: number, share: number, minUsd: number, B: number): number {
  if (!(startUsd > 0)) return 0;
  if (share >= 1) return startUsd;
  // blocks in which the share binds (share × left > minUsd): k1 = ⌈ln(minUsd / (share·start)) / ln(1 − share)⌉
  const k1 = share * startUsd > minUsd ? Math.ceil(Math.log(minUsd / (share * startUsd)) / Math.log(1 - share) - 1e-12) : 0;
  if (k1 >= B) return startUsd * (1 - Math.pow(1 - share, B));
  const left = startUsd * Math.pow(1 - share, k1);
  return startUsd - Math.max(0, left - (B - k1) * minUsd);
}

/** Queues the close of `frac` of each of account a's positions: close sizes, the round's flow, the caps' use; volatile collateral is sold first, in this round's block. */
function queueClose(st: PathState, a: number, frac: number, N: number, route: LiquidationRoute): void {
  const { b, mkt } = st;
  for (let q = b.firstPos[a]; q < b.firstPos[a] + b.nPos[a]; q++) {
    if (b.size[q] <= 0) continue;
    const m = b.posMarket[q];
    b.closeSize[q] = frac * b.size[q];
    const qN = b.closeSize[q] * mkt.market[m];
    mkt.flow[m] -= b.posSide[q] * qN;
    mkt.marketLiqUsed[m] += qN;
    if (route.usesLiquidatorCapital) mkt.liquidatorUsed[m] += qN;
  }
  if (st.collateralAssets > 0) planCollateralSale(st, a);
  if (b.liqThisStep[a] === 0) b.tracked[st.nTracked++] = a;
  b.liqThisStep[a] += frac * N;
}

/** The round's net flow (liquidations, collateral and lending sales) moves each market's price once: the fills (mkt.fill). */
export function tradeRound(st: PathState): void {
  const before0 = st.mkt.impactState[0];
  applyFlows(st);
  st.stepLiq.impactLog0 += st.mkt.impactState[0] - before0;
}

/**
 * Closes the round's k-th account (b.list2[k]) at the fill and records what was liquidated, by side and
 * generation. Its shortfall, if any, is left in st.loss for `lossWaterfall`.
 */
export function closeLiquidation(st: PathState, gen: number, k: number): void {
  const { b, mkt, stepLiq, events } = st;
  const a = b.list2[k];
  const cfg = accountPolicy(st, a).liquidation;
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
  stepLiq.accounts++;
  stepLiq.generations = gen + 1;
  if (!b.liquidated[a]) {
    b.liquidated[a] = 1;
    events.tradersLiquidated++;
  }
  resolve(cfg).style.afterClose(st, a, cfg);
  if (st.collateralAssets > 0) sellCollateral(st, a, mkt.fill);
  closePositions(st, a, -1, b.route[k] as Route, { feeRate: cfg.feeRate, forfeit: cfg.forfeitRemainingMargin });
}

/** After the round's k-th close and its waterfall: a liquidation ends a margin call; the account leaves the round's list. */
export function afterLiquidation(st: PathState, k: number): void {
  const { b } = st;
  const a = b.list2[k];
  if (b.graceUntil[a] >= 0) {
    b.graceUntil[a] = -1;
    if (b.nPos[a] === 1 && isOpen(st, a)) rekeyPosition(st, b.firstPos[a]);
  }
  if (b.mark[a] === 1) b.mark[a] = 0;
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
    if ((b.nPos[a] > 1 || st.collateralAssets > 0) && b.graceUntil[a] < 0 && isOpen(st, a)) touchMulti(st, a);
  }
  st.nMarked = 0;
}
