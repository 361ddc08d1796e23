/**
 * Lending positions (issue 13 part 4), Aave v3 style, on the same markets, cascade and books as the
 * perpetual book. A borrower holds c units of a collateral asset (priced by a market of the scenario)
 * and a debt D in a USD stable:
 *
 * - health factor HF = c · P · LT / D (P the collateral market's mark, or a push oracle's last report
 *   of it: updated on a deviation or a heartbeat, `oraclePrice`); liquidatable when HF < 1, i.e. when
 *   P < D / (c · LT), or HF < 0.95 during a PriceOracleSentinel's grace period;
 * - interest: D grows every step with the reserve's index (compounded per step at borrowRateAnnual),
 *   booked per borrower in whole cents (D = ⌈scaled · index⌉, Aave's scaled debt);
 * - liquidation (Aave v3.3's executeLiquidationCall): the liquidator may repay up to closeFactor · D,
 *   or all of D when HF ≤ fullCloseBelowHealthFactor or the collateral or debt is worth less than
 *   fullCloseBelowUsd; it seizes repay · (1 + bonus) / P units (all the collateral if that is less,
 *   repaying c · P / (1 + bonus)); the protocol's cut is protocolFeeOfBonus of the bonus part, kept as
 *   units by the treasury; a partial liquidation may not leave less than minLeftoverUsd of debt or
 *   collateral (MUST_NOT_LEAVE_DUST), so the liquidator repays less, the most that leaves the minimum;
 *   when no collateral is left the remaining debt is written off as a deficit (v3.3);
 * - the liquidator sells what it seized through the collateral's market in the round's block of flow,
 *   with impact — so lending liquidations and perpetual liquidations feed one cascade.
 *
 * Triggers: the index trick keeps keys static between liquidations: key = scaled / (c · LT), and a
 * borrower is a candidate when key > P / index (src/engine/heap.ts, one max-heap). O(candidates) a
 * round; the interest accrual is O(borrowers) a step (one multiply and a rounding each).
 */
import type { Policy, Scenario } from '../scenario/schema.js';
import { marketPolicy } from '../scenario/market-policy.js';
import { drawCollateralUsd } from '../agents/population.js';
import type { TradersConfig } from '../scenario/schema.js';
import { stream } from '../rng/streams.js';
import { normalSampler } from '../rng/distributions.js';
import { IndexedMaxHeap } from './heap.js';
import { atomsPerUnitFor } from './collateral.js';
import type { PathState } from './state.js';
import { SERIES_GENERATION_CLASSES } from './results.js';
import { HaltReason, MAX_BOOKABLE_CENTS, PathHalt } from './limits.js';

export type LendingReserve = NonNullable<Policy['lending']>;

/**
 * The reserve rules a scenario gets when no policy sets `lending` — the schema's defaults (Aave v3.3,
 * WETH), repeated here so the engine (bundled for the browser) does not load the schema; a test checks
 * they equal `LendingReserveSchema.parse({})`.
 */
export const LENDING_DEFAULTS: LendingReserve = {
  liquidationThreshold: 0.83,
  maxLtv: 0.8,
  liquidationBonus: 0.05,
  protocolFeeOfBonus: 0.1,
  closeFactor: 0.5,
  fullCloseBelowHealthFactor: 0.95,
  fullCloseBelowUsd: 2_000,
  minLeftoverUsd: 1_000,
  borrowRateAnnual: 0.05,
};

/** The opening lending book (the same for every path of a run). */
export interface LendingBook {
  /** The market that prices the collateral. */
  readonly market: number;
  readonly reserve: LendingReserve;
  readonly atomsPerUnit: number;
  readonly borrowers: number;
  /** Per borrower: collateral atoms posted, debt drawn (cents). */
  readonly atoms: Float64Array;
  readonly debtCents: Float64Array;
  /** Interest factor per step: 1 + borrowRateAnnual · stepSeconds / year. */
  readonly growthPerStep: number;
  /** 1 = the borrower enabled the reserve's E-Mode category (its LT, max LTV and bonus apply: `eModeReserve`). */
  readonly inEMode: Uint8Array;
  /** The reserve's rules with the E-Mode category's LT, max LTV and bonus (absent without reserve.eMode). */
  readonly eModeReserve?: LendingReserve;
}

/** The rules that apply to borrower k: the reserve's, or its E-Mode category's. */
export function reserveOf(book: LendingBook, k: number): LendingReserve {
  return book.inEMode[k] === 1 && book.eModeReserve ? book.eModeReserve : book.reserve;
}

const SECONDS_PER_YEAR = 365 * 24 * 3600;

/**
 * Draws the lending book of `sc.lending` (stream "lending", path −1): each borrower's collateral value
 * from `collateralUsd` at the initial price, and its debt = value × LTV, LTV uniform in
 * [ltvShareOfMax.min, ltvShareOfMax.max] × maxLtv. Undefined without lending.
 */
export function lendingBook(sc: Scenario): LendingBook | undefined {
  const cfg = sc.lending;
  if (!cfg) return undefined;
  const markets = [sc.market, ...sc.otherMarkets];
  const m = markets.findIndex((mk) => mk.name === cfg.market);
  const reserve = marketPolicy(sc, m).lending ?? LENDING_DEFAULTS;
  const P0 = markets[m].initialPriceUsd;
  const apu = atomsPerUnitFor(P0);
  const rng = stream(sc.seed, -1, 'lending');
  const normal = normalSampler(rng);
  const n = cfg.borrowers;
  // E-Mode: who enables the category, from a stream of its own (the book's other draws are unchanged)
  const em = reserve.eMode;
  const eModeReserve = em ? { ...reserve, liquidationThreshold: em.liquidationThreshold, maxLtv: em.maxLtv, liquidationBonus: em.liquidationBonus } : undefined;
  const inEMode = new Uint8Array(n);
  if (eModeReserve && cfg.eModeShare) {
    const er = stream(sc.seed, -1, 'lending-emode');
    for (let k = 0; k < n; k++) inEMode[k] = er() < cfg.eModeShare ? 1 : 0;
  }
  const atoms = new Float64Array(n);
  const debt = new Float64Array(n);
  const draw = { collateralUsd: cfg.collateralUsd } as unknown as TradersConfig;
  let suppliedAtoms = 0;
  let lentSoFar = 0; // cents of debt drawn so far (the opening book, before any ledger booking)
  for (let k = 0; k < n; k++) {
    const v = drawCollateralUsd(draw, rng, normal);
    const ltv = (cfg.ltvShareOfMax.min + (cfg.ltvShareOfMax.max - cfg.ltvShareOfMax.min) * rng()) * (inEMode[k] ? eModeReserve!.maxLtv : reserve.maxLtv);
    atoms[k] = Math.max(1, Math.round((v / P0) * apu));
    // the debt respects max LTV at the initial price: floored to the cent below (atoms / apu) · P0 · LTV
    debt[k] = Math.floor((atoms[k] / apu) * P0 * ltv * 100);
    // supply and borrow caps (the draws above are made either way, so the rest of the book is unchanged)
    if (reserve.supplyCapUnits !== undefined && suppliedAtoms + atoms[k] > reserve.supplyCapUnits * apu) {
      atoms[k] = 0; // its supply would exceed the cap: it does not open
      debt[k] = 0;
      continue;
    }
    suppliedAtoms += atoms[k];
    if (reserve.borrowCapUsd !== undefined) debt[k] = Math.max(0, Math.min(debt[k], Math.round(reserve.borrowCapUsd * 100) - lentSoFar));
    lentSoFar += debt[k];
  }
  return { market: m, reserve, atomsPerUnit: apu, borrowers: n, atoms, debtCents: debt, growthPerStep: 1 + (reserve.borrowRateAnnual * sc.stepSeconds) / SECONDS_PER_YEAR, inEMode, eModeReserve };
}

/** A path's lending state: the index, scaled debts, the trigger heap and the round's work list. */
export class LendingPath {
  index = 1;
  /** The largest scaled debt at the start (debts only shrink from it, so index · maxScaled bounds every debt). */
  readonly maxScaled: number;
  readonly scaled: Float64Array;
  readonly heap: IndexedMaxHeap;
  readonly list: Int32Array;
  readonly repay: Float64Array;
  readonly seize: Float64Array;
  readonly fee: Float64Array;
  readonly deferred: Int32Array;
  nDeferred = 0;
  /** The oracle's last report (with reserve.oracle) and the step it was made at. */
  oraclePx = 0;
  oracleAt = 0;
  /** The price the protocol saw in this round's check (the oracle's, or the mark); planLending uses it. */
  roundPx = 0;

  constructor(readonly book: LendingBook) {
    const n = book.borrowers;
    this.scaled = Float64Array.from(book.debtCents);
    let mx = 0;
    for (let k = 0; k < n; k++) mx = Math.max(mx, book.debtCents[k]);
    this.maxScaled = mx;
    this.heap = new IndexedMaxHeap(n);
    this.list = new Int32Array(n);
    this.repay = new Float64Array(n);
    this.seize = new Float64Array(n);
    this.fee = new Float64Array(n);
    this.deferred = new Int32Array(n);
  }
}

/** Opens the lending book at step 0: collateral posted, debts lent, every borrower keyed. */
export function openLending(st: PathState): void {
  const L = st.lending;
  if (!L) return;
  st.books.loans.openLoans(L.book.atoms, L.book.debtCents);
  L.oraclePx = st.mkt.markPx[L.book.market];
  L.oracleAt = 0;
  L.heap.clear();
  for (let k = 0; k < L.book.borrowers; k++) rekeyLoan(st, k);
}

/** Borrower k's trigger: key = scaled / (units · LT), a candidate when key > P / index. */
function rekeyLoan(st: PathState, k: number): void {
  const L = st.lending!;
  const atoms = st.books.loans.loanAtoms(k);
  const debt = st.books.loans.loanDebtCents(k);
  // the scaled debt: the debt is ⌈scaled · index⌉ from now on (0 once repaid or written off)
  L.scaled[k] = debt > 0 ? debt / L.index : 0;
  if (!(debt > 0) || !(atoms > 0)) {
    L.heap.remove(k);
    return;
  }
  L.heap.set(k, L.scaled[k] / 100 / ((atoms / L.book.atomsPerUnit) * reserveOf(L.book, k).liquidationThreshold));
}

/**
 * Aave's variable borrow rate (DefaultReserveInterestRateStrategyV2) at usage U ∈ [0, 1]: base + slope1 ·
 * U / optimal up to the optimal usage, base + slope1 + slope2 · (U − optimal) / (1 − optimal) above it.
 * @example borrowRateAt({ optimalUsage: 0.8, baseRateAnnual: 0, slope1Annual: 0.04, slope2Annual: 0.6, availableLiquidityUsd: 0 }, 0.9) // 0.04 + 0.6 · 0.5 = 0.34
 */
export function borrowRateAt(c: NonNullable<LendingReserve['interestRateCurve']>, U: number): number {
  if (U <= c.optimalUsage) return c.baseRateAnnual + (c.slope1Annual * U) / c.optimalUsage;
  return c.baseRateAnnual + c.slope1Annual + (c.slope2Annual * (U - c.optimalUsage)) / (1 - c.optimalUsage);
}

/**
 * Phase (after funding): interest on every open debt, booked per borrower in whole cents. O(borrowers).
 * The step's rate is the reserve's fixed rate, or its usage curve at the usage the step starts with.
 */
export function accrueLending(st: PathState): void {
  const L = st.lending;
  if (!L) return;
  let g = L.book.growthPerStep;
  const curve = L.book.reserve.interestRateCurve;
  if (curve) {
    const debt = st.books.loans.debtSumCents();
    const available = Math.round(curve.availableLiquidityUsd * 100) + st.events.lendingRepaidCents;
    const U = debt > 0 ? debt / (available + debt) : 0;
    g = 1 + (borrowRateAt(curve, U) * st.sc.stepSeconds) / SECONDS_PER_YEAR;
  }
  if (g === 1) return;
  L.index *= g;
  if (!(L.index * L.maxScaled <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
  st.events.lendingInterestCents += st.books.loans.accrueLoans(L.scaled, L.index);
}

/** Aave's MINIMUM_HEALTH_FACTOR_LIQUIDATION_THRESHOLD: during the sentinel's grace period only HF below it is liquidatable. */
export const SENTINEL_MIN_HEALTH_FACTOR = 0.95;

/**
 * The collateral price the protocol sees now: the collateral market's mark, or with `reserve.oracle` the
 * push oracle's report, which moves to the mark when the mark is at least deviationFraction away from it
 * or heartbeatSeconds have passed since the last report (checked every round).
 */
export function oraclePrice(st: PathState): number {
  const L = st.lending!;
  const P = st.mkt.markPx[L.book.market];
  const o = L.book.reserve.oracle;
  if (!o) return P;
  if (Math.abs(P / L.oraclePx - 1) >= o.deviationFraction || (st.t - L.oracleAt) * st.sc.stepSeconds >= o.heartbeatSeconds) {
    L.oraclePx = P;
    L.oracleAt = st.t;
  }
  return L.oraclePx;
}

/**
 * Lists in st.lending.list the borrowers liquidatable at the protocol's price (`oraclePrice`): HF < 1, or
 * HF < 0.95 during the PriceOracleSentinel's grace period (the first sentinelGraceSeconds of the path;
 * it has passed once more than that has elapsed, as PriceOracleSentinel counts). Returns how many.
 */
export function lendingCheck(st: PathState): number {
  const L = st.lending;
  if (!L) return 0;
  const P = oraclePrice(st);
  L.roundPx = P;
  const r = L.book.reserve;
  const hfBelow = r.sentinelGraceSeconds !== undefined && st.t * st.sc.stepSeconds <= r.sentinelGraceSeconds ? SENTINEL_MIN_HEALTH_FACTOR : 1;
  let n = 0;
  while (L.heap.size > 0 && L.heap.topKey() > P / L.index) {
    const k = L.heap.pop();
    const units = st.books.loans.loanAtoms(k) / L.book.atomsPerUnit;
    if (units * P * reserveOf(L.book, k).liquidationThreshold * 100 < hfBelow * st.books.loans.loanDebtCents(k)) L.list[n++] = k;
    else L.deferred[L.nDeferred++] = k; // a float tie at the threshold, or held back by the sentinel: re-keyed after the step
  }
  return n;
}

/** Re-keys borrowers deferred at a float tie (after the step's last round). */
export function endLending(st: PathState): void {
  const L = st.lending;
  if (!L) return;
  for (let i = 0; i < L.nDeferred; i++) rekeyLoan(st, L.deferred[i]);
  L.nDeferred = 0;
}

/**
 * The close of one liquidation of a borrower with `atoms` of collateral and `debt` cents at price P
 * (Aave v3.3, in our units): the repayment (cents), the collateral seized by the liquidator and the
 * protocol's fee (atoms). The liquidator repays as much as the rules let it (its bonus grows with the
 * repayment): the close factor's share of the debt (all of it at HF ≤ fullCloseBelowHealthFactor or
 * for a position under fullCloseBelowUsd), limited by the collateral. MUST_NOT_LEAVE_DUST: unless it
 * repays all the debt or takes all the collateral, a liquidation must leave at least minLeftoverUsd of
 * debt and of collateral (the collateral counted less the liquidator's part only, the protocol's fee
 * still in it, as LiquidationLogic.executeLiquidationCall counts it) — else the call reverts. So when
 * the close factor's amount would leave dust, the liquidator repays the most that leaves the minimum
 * (to the cent below), and nothing when no amount does (repay 0: the borrower waits). Pure; exported
 * for tests.
 */
export function liquidationAmounts(r: LendingReserve, atoms: number, apu: number, debt: number, P: number): { repay: number; seized: number; fee: number; full: boolean } {
  const c = atoms / apu;
  const D = debt / 100;
  const hf = (c * P * r.liquidationThreshold) / D;
  const small = c * P < r.fullCloseBelowUsd || D < r.fullCloseBelowUsd;
  const cf = hf <= r.fullCloseBelowHealthFactor || small ? 1 : r.closeFactor;
  // the close factor's amount, limited by the collateral (all of it for what it covers)
  let repay = cf * D;
  let coll = (repay / P) * (1 + r.liquidationBonus);
  if (coll >= c) {
    coll = c;
    repay = (c * P) / (1 + r.liquidationBonus);
  }
  let limited = false;
  if (repay < D && coll < c) {
    // collateral leaving the borrower's count per dollar repaid: the liquidator's part, (1 + bonus) less the fee's share of the bonus
    const out = 1 + r.liquidationBonus * (1 - r.protocolFeeOfBonus);
    if (D - repay < r.minLeftoverUsd || c * P - repay * out < r.minLeftoverUsd) {
      const x = Math.floor(Math.min(repay, D - r.minLeftoverUsd, (c * P - r.minLeftoverUsd) / out) * 100) / 100;
      if (!(x > 0)) return { repay: 0, seized: 0, fee: 0, full: false };
      repay = x;
      coll = (repay / P) * (1 + r.liquidationBonus);
      limited = true;
    }
  }
  const all = coll >= c;
  // (the dust-limited amount seizes whole atoms rounded down, so the minimum stays left)
  const seizedAtoms = all ? atoms : Math.min(atoms, limited ? Math.floor(coll * apu) : Math.round(coll * apu));
  const bonusAtoms = seizedAtoms - seizedAtoms / (1 + r.liquidationBonus);
  const fee = Math.min(seizedAtoms, Math.floor(bonusAtoms * r.protocolFeeOfBonus));
  const repayCents = Math.min(debt, Math.round(repay * 100));
  return { repay: repayCents, seized: seizedAtoms - fee, fee, full: all || repayCents >= debt };
}

/** Plans this round's lending liquidations (their amounts at the protocol's price) and adds the liquidators' sales to the round's flow. */
export function planLending(st: PathState, n: number): void {
  const L = st.lending!;
  const m = L.book.market;
  const P = L.roundPx; // the protocol's price (the oracle's report, or the mark)
  for (let i = 0; i < n; i++) {
    const k = L.list[i];
    const a = liquidationAmounts(reserveOf(L.book, k), st.books.loans.loanAtoms(k), L.book.atomsPerUnit, st.books.loans.loanDebtCents(k), P);
    L.repay[i] = a.repay;
    L.seize[i] = a.seized;
    L.fee[i] = a.fee;
    st.mkt.flow[m] -= (a.seized / L.book.atomsPerUnit) * st.mkt.market[m];
  }
}

/** Executes the round's lending liquidations at the round's fill: repayment, seizure, the fee, the sale, a deficit. */
export function executeLending(st: PathState, gen: number, n: number): void {
  const L = st.lending!;
  const m = L.book.market;
  const fill = st.mkt.fill[m];
  const { stepLiq, events, books } = st;
  let closed = 0;
  const blocked0 = events.lendingDustBlocked;
  for (let i = 0; i < n; i++) {
    const k = L.list[i];
    if (L.repay[i] === 0 && L.seize[i] === 0) {
      // no liquidation leaves the minimum (MUST_NOT_LEAVE_DUST): it waits, looked at again next step
      L.deferred[L.nDeferred++] = k;
      events.lendingDustBlocked++;
      continue;
    }
    const units = L.seize[i] / L.book.atomsPerUnit;
    const proceeds = Math.max(0, Math.round(units * fill * 100));
    if (!(proceeds <= MAX_BOOKABLE_CENTS)) throw new PathHalt(HaltReason.MoneyOutOfRange);
    const deficit = books.loans.liquidateLoan(k, L.repay[i], L.seize[i], L.fee[i], proceeds);
    events.lendingLiquidations++;
    events.lendingRepaidCents += L.repay[i];
    events.lendingSoldCents += proceeds;
    events.lendingLiquidatorPnlCents += proceeds - L.repay[i];
    events.lendingProtocolFeeUsd += (L.fee[i] / L.book.atomsPerUnit) * st.mkt.markPx[m];
    if (deficit > 0) {
      events.lendingDeficitCents += deficit;
      events.lendingDeficits++;
    }
    const v = units * fill;
    closed += v;
    stepLiq.byMarketUsd[m] += v;
    stepLiq.byMarketPositions[m]++;
    stepLiq.longUsd += v;
    rekeyLoan(st, k);
  }
  const blocked = events.lendingDustBlocked - blocked0;
  stepLiq.notionalUsd += closed;
  stepLiq.byGeneration[Math.min(gen, stepLiq.byGeneration.length - 1)] += closed;
  stepLiq.byClass[Math.min(gen, SERIES_GENERATION_CLASSES - 1)] += closed;
  stepLiq.accounts += n - blocked;
  if (n > blocked) stepLiq.generations = Math.max(stepLiq.generations, gen + 1);
}

/** Debt outstanding (USD) and collateral value at the mark (USD) of the lending book. O(borrowers). */
export function lendingTotals(st: PathState): { debtUsd: number; collateralUsd: number } {
  const L = st.lending;
  if (!L) return { debtUsd: 0, collateralUsd: 0 };
  let d = 0;
  let c = 0;
  for (let k = 0; k < L.book.borrowers; k++) {
    d += st.books.loans.loanDebtCents(k);
    c += st.books.loans.loanAtoms(k);
  }
  return { debtUsd: d / 100, collateralUsd: (c / L.book.atomsPerUnit) * st.mkt.markPx[L.book.market] };
}
