/**
 * The book as struct-of-arrays: accounts and positions in typed arrays, the per-market trigger heaps,
 * and the work lists a step uses. One `PathBuffers` per worker is reused by every path of a run, so a
 * path allocates nothing proportional to the book.
 *
 * Accounts 0 … accounts−1 are the opening book; arrivals fill slots after them, up to the capacity
 * the population reserved. Account a holds positions firstPos[a] … firstPos[a] + nPos[a] − 1.
 *
 * `margin` and `reserve` (integer cents) are the engine's float mirror of the ledger: only `Books`
 * writes them (src/engine/books.ts); phases read them.
 */
import type { RunContext } from './context.js';
import { IndexedMaxHeap } from './heap.js';
import type { AdlCandidate } from '../liquidation/waterfall.js';

/** Per market: positions ordered by the price at which a move would trigger them. */
export interface MarketHeaps {
  /** Liquidation triggers of longs (key: liquidation price, or bankruptcy price under a dynamic rate). */
  liqDown: IndexedMaxHeap;
  /** Liquidation triggers of shorts (key: −price). */
  liqUp: IndexedMaxHeap;
  /** Orders hit by a fall: long stops and top-up triggers, short take-profits (key: price). */
  decDown: IndexedMaxHeap;
  /** Orders hit by a rise (key: −price). */
  decUp: IndexedMaxHeap;
  /** Dynamic (volatility-adaptive) rate only: top-up triggers keyed by bankruptcy price. */
  topDown: IndexedMaxHeap;
  topUp: IndexedMaxHeap;
  /** Bit k of member[p] = position p is in heap HEAP_NAMES[k] (kept by the heaps). */
  member: Uint8Array;
}

export const HEAP_NAMES = ['liqDown', 'liqUp', 'decDown', 'decUp', 'topDown', 'topUp'] as const;
/** Membership bits of the heaps, in HEAP_NAMES order. */
export const IN_LIQ_DOWN = 1;
export const IN_LIQ_UP = 2;
export const IN_DEC_DOWN = 4;
export const IN_DEC_UP = 8;
export const IN_TOP_DOWN = 16;
export const IN_TOP_UP = 32;

/**
 * The heaps of one market, for `cap` positions. Heaps a run can never use get no memory (a smaller
 * working set per worker): the order heaps when no position can hold an order (no stop, take-profit
 * or top-up in the book), the dynamic top-up heaps unless the maintenance rate is dynamic.
 */
export function makeHeaps(cap: number, use: { orders: boolean; dynamic: boolean } = { orders: true, dynamic: true }): MarketHeaps {
  const member = new Uint8Array(cap);
  const h = (k: number, on: boolean) => new IndexedMaxHeap(on ? cap : 0, member, 1 << k);
  return { liqDown: h(0, true), liqUp: h(1, true), decDown: h(2, use.orders), decUp: h(3, use.orders), topDown: h(4, use.dynamic), topUp: h(5, use.dynamic), member };
}

/** Makes `dst` an exact copy of `src` (heaps and membership bits). */
export function copyHeaps(dst: MarketHeaps, src: MarketHeaps): void {
  for (const k of HEAP_NAMES) dst[k].copyFrom(src[k]);
  dst.member.set(src.member);
}

/** Removes position p from every heap of its market (one read when it is in none). */
export function removeFromHeaps(h: MarketHeaps, p: number): void {
  const bits = h.member[p];
  if (bits === 0) return;
  if (bits & IN_LIQ_DOWN) h.liqDown.remove(p);
  if (bits & IN_LIQ_UP) h.liqUp.remove(p);
  if (bits & IN_DEC_DOWN) h.decDown.remove(p);
  if (bits & IN_DEC_UP) h.decUp.remove(p);
  if (bits & IN_TOP_DOWN) h.topDown.remove(p);
  if (bits & IN_TOP_UP) h.topUp.remove(p);
}

/** Order heaps are needed when any opening position has a stop or take-profit, or any account tops up; top-up heaps under a dynamic rate. */
function heapUse(ctx: RunContext): { orders: boolean; dynamic: boolean } {
  const pop = ctx.population;
  let orders = false;
  for (let a = 0; a < pop.accounts && !orders; a++) if (pop.acctTopUp[a]) orders = true;
  for (let p = 0; p < pop.positions && !orders; p++) if (pop.posStop[p] === pop.posStop[p] || pop.posTakeProfit[p] === pop.posTakeProfit[p]) orders = true;
  return { orders, dynamic: ctx.maintenance.dynamic };
}

/** Reusable per-worker buffers: the book and every work list a path needs. */
export class PathBuffers {
  // accounts
  /** Collateral (cents): isolated margin or cross-account balance. Written only by Books. */
  readonly margin: Float64Array;
  /** Top-up reserve held outside positions (cents). Written only by Books. */
  readonly reserve: Float64Array;
  /** Volatile collateral (atoms) per (account, asset): account a, asset j at a·assets + j. Written only by Books. */
  readonly collateral: Float64Array;
  readonly cross: Uint8Array;
  readonly topUp: Uint8Array;
  readonly topUpTrigger: Float64Array;
  readonly firstPos: Int32Array;
  readonly nPos: Int32Array;
  /** Step at which a pending top-up is due (−1: none). */
  readonly pendingDue: Int32Array;
  readonly liquidated: Uint8Array;
  readonly graceUntil: Int32Array;
  readonly cooldownUntil: Int32Array;
  readonly liqThisStep: Float64Array;
  /** What the insurance fund paid towards the account's shortfalls (cents) in step fundPaidStep (−1: none yet). */
  readonly fundPaidThisStep: Float64Array;
  readonly fundPaidStep: Int32Array;
  /** Per-step flag: 1 = in this round's list, 2 = postponed to a later step. */
  readonly mark: Uint8Array;
  /** 1 = a liquidation cut short by a per-step cap continues next step, breach or not. */
  readonly queued: Uint8Array;
  /** 1 = the account has given up profit to ADL / borne socialised loss this path (counted once). */
  readonly adlHit: Uint8Array;
  readonly socialisedHit: Uint8Array;
  // positions
  readonly posAccount: Int32Array;
  readonly posMarket: Int32Array;
  readonly posSide: Int8Array;
  readonly size: Float64Array;
  readonly entry: Float64Array;
  readonly stop: Float64Array;
  readonly takeProfit: Float64Array;
  readonly closeSize: Float64Array;
  /** 1 = position listed this step for a voluntary close (trader decisions), so it is listed once. */
  readonly listedToClose: Uint8Array;
  readonly scratchPos: Int32Array;
  readonly parkKey: Float64Array;
  /**
   * Multi-market accounts due on the drift clock: key −(clock reading), due when the clock reaches it —
   * touched accounts (due at the next check), and those whose price box is empty (see `triggers.ts`).
   */
  readonly multiDue: IndexedMaxHeap;
  /**
   * Per market: the price boxes of multi-market accounts, by their index in `multi` (see `scheduleMulti`).
   * boxDown keyed by the box's lower end (due when the mark falls below it), boxUp by −(upper end).
   */
  readonly boxDown: IndexedMaxHeap[];
  readonly boxUp: IndexedMaxHeap[];
  /**
   * The schedules of multi-market accounts as the book opens (the same on every path of a run, built on
   * the first: see `openMultiSchedules`): the boxes, the accounts without one (due at the first check),
   * and the marks and test mode they were built for.
   */
  boxTemplate?: { marks: Float64Array; exhaustive: boolean; due: Int32Array; down: IndexedMaxHeap[]; up: IndexedMaxHeap[] };
  /** Account → its index in `multi` (−1: not a multi-market account). */
  readonly multiIndex: Int32Array;
  /** Scratch per market: how fast a rise (boxLossUp) or a fall (boxLossDown) can eat an account's slack. */
  readonly boxLossUp: Float64Array;
  readonly boxLossDown: Float64Array;
  readonly heaps: MarketHeaps[];
  /** Which optional heaps this run can use (see makeHeaps). */
  readonly heapUse: { orders: boolean; dynamic: boolean };
  /** The heaps as they stand when the book opens (identical for every path of a run). */
  template?: MarketHeaps[];
  /** The opening book's totals, computed on the first path. */
  opening?: { margin: number; reserve: number; oiLong: Float64Array; oiShort: Float64Array };
  /** Accounts and positions the last path used (arrivals fill slots past the opening book). */
  usedAccounts = 0;
  usedPositions = 0;
  /** Set when a path moved opening positions' entry prices (variation margin): the next path restores them. */
  entriesMoved = false;
  /** Opening accounts holding positions in several markets. */
  readonly multi: Int32Array;
  // work lists (each sized for the whole book, so no list grows during a path)
  /** This round's accounts in breach, with their equity and maintenance margin (USD) when listed. */
  readonly list: Int32Array;
  readonly listEq: Float64Array;
  readonly listMm: Float64Array;
  /** Scratch for sorting a segment of the list by account (ids; equity and MM by account). */
  readonly sortIds: Int32Array;
  readonly sortEq: Float64Array;
  readonly sortMm: Float64Array;
  /**
   * The round's closing accounts (liquidation), or the positions trader decisions close (stops,
   * take-profits, deleveraging: each position at most once) — so as long as the larger of the two.
   */
  readonly list2: Int32Array;
  readonly requeue: Int32Array;
  readonly grace: Int32Array;
  /** Accounts popped at a float tie with their threshold, re-keyed after the cascade. */
  readonly deferred: Int32Array;
  /** Accounts with liquidated notional this step (per-account cap bookkeeping). */
  readonly tracked: Int32Array;
  /** Accounts whose `mark` flag was set this step (each once: `listed`). */
  readonly marked: Int32Array;
  readonly listed: Uint8Array;
  /** How each account closing in the current round leaves the book (a Route). */
  readonly route: Uint8Array;
  // pending top-ups: one FIFO list of nodes per due step, nodes from a pool
  readonly dueHead: Int32Array;
  readonly dueTail: Int32Array;
  dueNodeAccount: Int32Array;
  dueNodeNext: Int32Array;
  // arrivals of one step (at most the spare capacity)
  readonly orderMarket: Int32Array;
  readonly orderSide: Int8Array;
  readonly orderNotional: Float64Array;
  /** Collateral (cents) each order deposits. */
  readonly orderDeposit: Float64Array;
  readonly orderMomentum: Uint8Array;

  constructor(ctx: RunContext) {
    const pop = ctx.population;
    const A = pop.accountCapacity;
    const P = pop.positionCapacity;
    this.margin = new Float64Array(A);
    this.reserve = new Float64Array(A);
    this.collateral = new Float64Array(ctx.collateral ? A * ctx.collateral.assets.length : 0);
    this.cross = new Uint8Array(A);
    this.topUp = new Uint8Array(A);
    this.topUpTrigger = new Float64Array(A);
    this.firstPos = new Int32Array(A);
    this.nPos = new Int32Array(A);
    this.pendingDue = new Int32Array(A);
    this.liquidated = new Uint8Array(A);
    this.graceUntil = new Int32Array(A);
    this.cooldownUntil = new Int32Array(A);
    this.liqThisStep = new Float64Array(A);
    this.fundPaidThisStep = new Float64Array(A);
    this.fundPaidStep = new Int32Array(A);
    this.mark = new Uint8Array(A);
    this.queued = new Uint8Array(A);
    this.adlHit = new Uint8Array(A);
    this.socialisedHit = new Uint8Array(A);
    this.posAccount = new Int32Array(P);
    this.posMarket = new Int32Array(P);
    this.posSide = new Int8Array(P);
    this.size = new Float64Array(P);
    this.entry = new Float64Array(P);
    this.stop = new Float64Array(P);
    this.takeProfit = new Float64Array(P);
    this.closeSize = new Float64Array(P);
    this.listedToClose = new Uint8Array(P);
    this.scratchPos = new Int32Array(P);
    this.parkKey = new Float64Array(P);
    this.multiDue = new IndexedMaxHeap(A);
    this.heapUse = heapUse(ctx);
    this.heaps = Array.from({ length: ctx.markets }, () => makeHeaps(P, this.heapUse));
    const multi: number[] = [];
    // accounts over several markets, and accounts holding volatile collateral, are checked by price boxes
    const posts = new Uint8Array(pop.accounts);
    if (ctx.collateral) for (const a of ctx.collateral.accounts) posts[a] = 1;
    for (let a = 0; a < pop.accounts; a++) if (pop.acctNPos[a] > 1 || posts[a]) multi.push(a);
    this.multi = Int32Array.from(multi);
    this.multiIndex = new Int32Array(A).fill(-1);
    for (let k = 0; k < multi.length; k++) this.multiIndex[multi[k]] = k;
    this.boxDown = Array.from({ length: ctx.markets }, () => new IndexedMaxHeap(multi.length));
    this.boxUp = Array.from({ length: ctx.markets }, () => new IndexedMaxHeap(multi.length));
    this.boxLossUp = new Float64Array(ctx.markets);
    this.boxLossDown = new Float64Array(ctx.markets);
    this.list = new Int32Array(A);
    this.listEq = new Float64Array(A);
    this.listMm = new Float64Array(A);
    this.sortIds = new Int32Array(A);
    this.sortEq = new Float64Array(A);
    this.sortMm = new Float64Array(A);
    this.list2 = new Int32Array(Math.max(A, P));
    this.requeue = new Int32Array(A);
    this.grace = new Int32Array(A);
    this.deferred = new Int32Array(A);
    this.tracked = new Int32Array(A);
    this.marked = new Int32Array(A);
    this.listed = new Uint8Array(A);
    this.route = new Uint8Array(A);
    const H = ctx.scenario.horizonSteps;
    this.dueHead = new Int32Array(H + 2).fill(-1);
    this.dueTail = new Int32Array(H + 2).fill(-1);
    const nodes = Math.max(16, Math.min(A, 1024));
    this.dueNodeAccount = new Int32Array(nodes);
    this.dueNodeNext = new Int32Array(nodes);
    const spare = A - pop.accounts;
    this.orderMarket = new Int32Array(spare);
    this.orderSide = new Int8Array(spare);
    this.orderNotional = new Float64Array(spare);
    this.orderDeposit = new Float64Array(spare);
    this.orderMomentum = new Uint8Array(spare);
  }

  private adl?: { ids: Int32Array; scores: Float64Array; perm: Int32Array; order: Int32Array; targetIds: Int32Array; targetCents: Float64Array; candidate: AdlCandidate };
  /** Scratch arrays for ranking ADL candidates (allocated on first use: only runs with ADL need them). */
  adlBuffers(): { ids: Int32Array; scores: Float64Array; perm: Int32Array; order: Int32Array; targetIds: Int32Array; targetCents: Float64Array; candidate: AdlCandidate } {
    const P = this.size.length;
    return (this.adl ??= {
      ids: new Int32Array(P),
      scores: new Float64Array(P),
      perm: new Int32Array(P),
      order: new Int32Array(P),
      targetIds: new Int32Array(P),
      targetCents: new Float64Array(P),
      // one candidate re-filled for each score (a ranking scores every winner: no object each)
      candidate: { side: 0, size: 0, entry: 0, mark: 0, walletUsd: 0, equityUsd: 0, unrealisedUsd: 0, notionalUsd: 0, maintenanceUsd: 0 },
    });
  }

  private social?: { accts: Int32Array; weights: Float64Array; caps: Float64Array };
  /** Scratch arrays for a socialised loss: the accounts charged, their weights and caps (allocated on first use). */
  socialBuffers(): { accts: Int32Array; weights: Float64Array; caps: Float64Array } {
    const A = this.margin.length;
    return (this.social ??= { accts: new Int32Array(A), weights: new Float64Array(A), caps: new Float64Array(A) });
  }

  /** Doubles the pending top-up node pool (amortised: a path allocates only while it grows). */
  growDueNodes(): void {
    const n = this.dueNodeAccount.length * 2;
    const acct = new Int32Array(n);
    const next = new Int32Array(n);
    acct.set(this.dueNodeAccount);
    next.set(this.dueNodeNext);
    this.dueNodeAccount = acct;
    this.dueNodeNext = next;
  }
}
