/**
 * A seasoned opening book (traders.warmup: history; docs/methodology.md §2). A real book holds
 * positions opened at different times that have survived the moves since. Each account slot is a
 * renewal process on a warm-up price history (src/price/warmup.ts):
 *
 * 1. its first account is drawn from the shared "population" stream (the same draws, in the same
 *    order, as an unseasoned book), and opened A steps before step 0, with A exponential with mean
 *    meanHoldingHours (memoryless voluntary exits: the age of the current position since its
 *    trader's last voluntary renewal) and capped at the history's length;
 * 2. it is opened at the history's price at that moment — sized, initial-margin checked and given its
 *    stop and take-profit there, as it would have been;
 * 3. the history is walked forward to step 0: if the position's maintenance check fails (the policy's
 *    own maintenance rule), or its stop or take-profit fills, the slot is renewed at that moment by a
 *    new account drawn from the slot's own stream ("warmup/<slot>"), opened at that price, and walked
 *    on. What stands at step 0 is the opening book.
 *
 * What the book shares across policies compared on one seed (common random numbers): a slot whose
 * warm-up walk is the same under both policies — no maintenance failure and no top-up under either,
 * or the same ones at the same steps — holds the identical account at step 0 (same draws, same entry,
 * same size). A slot diverges only from the first warm-up step at which one policy liquidates (or, for
 * a trader who tops up, tops up) and the other does not — or where the initial-margin cap differs, as
 * without a warm-up. Policies with the same maintenance
 * schedule and maximum leverage (fees, funds, waterfalls, liquidation styles, marks) face the same book.
 *
 * Top-ups are taken in the warm-up as on a path (isolated accounts: after the reaction delay and the
 * mean wait to act, up to the target ratio, from the reserve), so a trader who tops up survives as
 * they would have and the opening book does not begin with a burst of top-ups; a top-up still pending at
 * step 0 (trigger crossed, reaction delay not over) is handed to the path, due the reaction delay after
 * its trigger (population `acctTopUpDue`), so the first minutes do not lack the top-ups of triggers
 * crossed just before step 0. Simplifications,
 * documented: the wait to act is its mean rather than a draw; a cross account is renewed as a whole
 * when any leg's stop or take-profit fills; the warm-up ignores impact (the history is the index).
 */
import type { Scenario } from '../scenario/schema.js';
import type { MaintenanceModel } from '../margin/maintenance.js';
import { bookStreamPath, stream, type Rng } from '../rng/streams.js';
import { normalSampler } from '../rng/distributions.js';
import {
  bookShape,
  bookWriter,
  drawAccount,
  generateUnseasonedPopulation,
  newAccountDraw,
  newPlacedAccount,
  placeAccount,
  type AccountDraw,
  type PlacedAccount,
  type Population,
} from './population.js';

/** How the warm-up went (results.json `population.warmup`). */
export interface WarmupSummary {
  steps: number;
  /** Renewals of a slot because its account failed the maintenance check, hit a stop, hit a take-profit. */
  liquidated: number;
  stoppedOut: number;
  tookProfit: number;
  /** Top-ups taken during the warm-up (by the accounts the slots held; those standing at step 0 hold the result). */
  toppedUp: number;
  /** Mean age of the opening positions (steps since they opened). */
  meanAgeSteps: number;
}

/** Per market: suffix minima and maxima of the history, so "is any later price below x" is O(1). */
class Extremes {
  readonly sufMin: Float64Array;
  readonly sufMax: Float64Array;
  constructor(readonly h: Float64Array) {
    const n = h.length;
    this.sufMin = new Float64Array(n + 1).fill(Infinity);
    this.sufMax = new Float64Array(n + 1).fill(-Infinity);
    for (let j = n - 1; j >= 0; j--) {
      this.sufMin[j] = Math.min(h[j], this.sufMin[j + 1]);
      this.sufMax[j] = Math.max(h[j], this.sufMax[j + 1]);
    }
  }

  /** First index j ≥ from with h[j] < low or h[j] > high; −1 if none. */
  firstOutside(from: number, low: number, high: number): number {
    if (this.sufMin[from] >= low && this.sufMax[from] <= high) return -1;
    const h = this.h;
    for (let j = from; j < h.length; j++) if (h[j] < low || h[j] > high) return j;
    return -1;
  }
}

const enum Exit {
  None = 0,
  Liquidated = 1,
  Stop = 2,
  TakeProfit = 3,
}

/**
 * The first warm-up index after `e` at which the placed account leaves the book, and why. Isolated
 * (one position): liquidation below its liquidation price (above, for a short), stop, take-profit,
 * from the history's extremes. Several positions (cross): the account's equity against its maintenance
 * margin, step by step.
 */
function firstExit(
  d: AccountDraw,
  placed: PlacedAccount,
  e: number,
  ext: readonly Extremes[],
  maintenance: readonly MaintenanceModel[],
  topUps: TopUpRule,
): { at: number; why: Exit } {
  const last = ext[0].h.length - 1;
  if (e >= last) return NONE;
  if (d.count === 1) return walkIsolated(d, placed, e, ext[d.market[0]], maintenance[d.market[0]], topUps);
  const C = placed.marginCents / 100;
  // A bound first: with every leg at its worst price over the rest of the history (its suffix min or
  // max), and the maintenance margin at each leg's highest notional, does the account still hold —
  // and does no stop or take-profit lie within the range the prices will cover? Then it survives
  // without a step-by-step walk (most accounts; MM grows with notional in every schedule).
  let worstEq = C;
  let maxMm = 0;
  let ordersInRange = false;
  for (let k = 0; k < d.count; k++) {
    const x = ext[d.market[k]];
    const lo = x.sufMin[e + 1];
    const hi = x.sufMax[e + 1];
    const side = d.side[k];
    const q = placed.size[k];
    worstEq += side * q * ((side === 1 ? lo : hi) - placed.entry[k]);
    maxMm += maintenance[d.market[k]].mm(q * hi, q);
    const stop = placed.stop[k];
    const tp = placed.takeProfit[k];
    if ((stop === stop && (side === 1 ? lo < stop : hi > stop)) || (tp === tp && (side === 1 ? hi > tp : lo < tp))) ordersInRange = true;
  }
  if (!ordersInRange && worstEq >= maxMm) return NONE;
  for (let j = e + 1; j <= last; j++) {
    let eq = C;
    let mmv = 0;
    for (let k = 0; k < d.count; k++) {
      const m = d.market[k];
      const p = ext[m].h[j];
      const side = d.side[k];
      const q = placed.size[k];
      eq += side * q * (p - placed.entry[k]);
      mmv += maintenance[m].mm(q * p, q);
      const stop = placed.stop[k];
      if (stop === stop && (side === 1 ? p < stop : p > stop)) return { at: j, why: Exit.Stop };
      const tp = placed.takeProfit[k];
      if (tp === tp && (side === 1 ? p > tp : p < tp)) return { at: j, why: Exit.TakeProfit };
    }
    if (eq < mmv) return { at: j, why: Exit.Liquidated };
  }
  return NONE;
}
const NONE = { at: -1, why: Exit.None };

/** The scenario's top-up rule as the warm-up applies it. */
interface TopUpRule {
  /** Steps from the trigger to the top-up: the reaction delay plus the mean wait for the trader to act. */
  lagSteps: number;
  /** The reaction delay alone (a top-up still pending at step 0 falls due this long after its trigger, as on a path). */
  delaySteps: number;
  targetMarginRatio: number;
  /** Top-ups counted (written back to the warm-up summary). */
  count: number;
}

/**
 * The walk of an isolated account (one position) over the history from index e: it leaves at the
 * first price past its liquidation price, stop or take-profit (from the history's extremes, O(1) when
 * it survives). A trader who tops up does so in the warm-up as on a path: when the price crosses its
 * personal trigger (equity < trigger × MM), after `lagSteps` — if it is still below the trigger and
 * has not left — it moves reserve into margin up to the target ratio; the walk goes on from there
 * with the new liquidation price. The top-ups change `placed` (margin and reserve at step 0).
 */
function walkIsolated(d: AccountDraw, placed: PlacedAccount, e: number, x: Extremes, mm: MaintenanceModel, rule: TopUpRule): { at: number; why: Exit } {
  const side = d.side[0] as 1 | -1;
  const q = placed.size[0];
  const E = placed.entry[0];
  const stop = placed.stop[0];
  const tp = placed.takeProfit[0];
  const last = x.h.length - 1;
  let from = e + 1;
  for (;;) {
    if (from > last) return NONE;
    const C = placed.marginCents / 100;
    const liq = mm.thresholdPrice(side, q, E, C, 1);
    const canTopUp = d.topUp && placed.reserveCents > 0;
    const trig = canTopUp ? mm.thresholdPrice(side, q, E, C, d.topUpTrigger) : NaN;
    // a long leaves when the price falls below max(liq, stop) or rises above its take-profit (a short mirrored)
    let low = side === 1 ? liq : -Infinity;
    let high = side === 1 ? Infinity : liq;
    if (stop === stop) {
      if (side === 1) low = Math.max(low, stop);
      else high = Math.min(high, stop);
    }
    if (tp === tp) {
      if (side === 1) high = Math.min(high, tp);
      else low = Math.max(low, tp);
    }
    const lowT = canTopUp && side === 1 ? Math.max(low, trig) : low;
    const highT = canTopUp && side === -1 ? Math.min(high, trig) : high;
    const j = x.firstOutside(from, lowT, highT);
    if (j < 0) return NONE;
    const p = x.h[j];
    if (p < low || p > high) {
      const liqHit = side === 1 ? p < liq : p > liq;
      if (liqHit) return { at: j, why: Exit.Liquidated };
      const stopHit = stop === stop && (side === 1 ? p < stop : p > stop);
      return { at: j, why: stopHit ? Exit.Stop : Exit.TakeProfit };
    }
    // the top-up trigger crossed at j: the trader acts at j + lag, unless the account left before
    const act = j + rule.lagSteps;
    const k = x.firstOutside(j + 1, low, high);
    if (k >= 0 && k <= act) {
      const pk = x.h[k];
      const liqHit = side === 1 ? pk < liq : pk > liq;
      if (liqHit) return { at: k, why: Exit.Liquidated };
      const stopHit = stop === stop && (side === 1 ? pk < stop : pk > stop);
      return { at: k, why: stopHit ? Exit.Stop : Exit.TakeProfit };
    }
    if (act > last) {
      // still waiting at step 0: the path takes the top-up over, due as on a path (the reaction delay
      // from the trigger, then the trader's chance to act each step), no earlier than step 1
      placed.topUpDue = Math.max(1, j + rule.delaySteps - last);
      return NONE;
    }
    const pa = x.h[act];
    const eq = C + side * q * (pa - E);
    const mmv = mm.mm(q * pa, q);
    if (eq < d.topUpTrigger * mmv) {
      const want = Math.ceil((rule.targetMarginRatio * mmv - eq) * 100);
      const amount = Math.min(placed.reserveCents, Math.max(0, want));
      placed.marginCents += amount;
      placed.reserveCents -= amount;
      if (amount > 0) rule.count++;
    }
    from = act + 1;
  }
}

/**
 * The opening book: seasoned on `history` (each market's warm-up index prices, oldest first, ending at
 * the initial price: src/price/warmup.ts) when traders.warmup is `history`, else unseasoned.
 */
export function generatePopulation(sc: Scenario, maintenance: readonly MaintenanceModel[], history?: readonly Float64Array[], book = 0): Population {
  if (sc.traders.warmup.kind === 'none' || !history) return generateUnseasonedPopulation(sc, maintenance, book);
  return generateSeasonedPopulation(sc, maintenance, history, book);
}

/** Book b's draws come from stream path −1 − b (`bookStreamPath`); book 0 is the run's one book. */
function generateSeasonedPopulation(sc: Scenario, maintenance: readonly MaintenanceModel[], history: readonly Float64Array[], bookIndex = 0): Population {
  const W = history[0].length - 1;
  const ext = history.map((h) => new Extremes(h));
  const shape = bookShape(sc);
  const meanSteps = (sc.traders.warmup.meanHoldingHours * 3600) / sc.stepSeconds;
  const bookPath = bookStreamPath(bookIndex);
  const rng = stream(sc.seed, bookPath, 'population');
  const normal = normalSampler(rng);
  const ageRng = stream(sc.seed, bookPath, 'warmup-age');
  const book = bookWriter(sc, shape);
  const d = newAccountDraw(shape.crossPerAccount);
  const placed = newPlacedAccount(shape.crossPerAccount);
  const K = shape.K;
  const priceAt = new Float64Array(K);
  const entryAtHistory = (_k: number, pNow: number) => pNow;
  const tu = sc.traders.topUp;
  const topUps: TopUpRule = { lagSteps: tu.reactionDelaySteps + Math.max(0, Math.round(1 / tu.actProbabilityPerStep) - 1), delaySteps: tu.reactionDelaySteps, targetMarginRatio: tu.targetMarginRatio, count: 0 };
  const summary: WarmupSummary = { steps: W, liquidated: 0, stoppedOut: 0, tookProfit: 0, toppedUp: 0, meanAgeSteps: 0 };
  let ageSum = 0;
  for (let a = 0; a < sc.traders.count; a++) {
    drawAccount(shape, rng, normal, d);
    const age = Math.min(W, Math.floor(-meanSteps * Math.log(1 - ageRng())));
    let at = W - age;
    let renewals = 0;
    let slotRng: Rng | undefined;
    let slotNormal: (() => number) | undefined;
    for (;;) {
      for (let m = 0; m < K; m++) priceAt[m] = history[m][at];
      placeAccount(shape, d, priceAt, maintenance, entryAtHistory, placed);
      const exit = firstExit(d, placed, at, ext, maintenance, topUps);
      if (exit.why === Exit.None) break;
      if (exit.why === Exit.Liquidated) summary.liquidated++;
      else if (exit.why === Exit.Stop) summary.stoppedOut++;
      else summary.tookProfit++;
      at = exit.at;
      renewals++;
      if (!slotRng) {
        slotRng = stream(sc.seed, bookPath, `warmup/${a}`);
        slotNormal = normalSampler(slotRng);
      }
      drawAccount(shape, slotRng, slotNormal!, d);
    }
    ageSum += W - at;
    book.add(d, placed, W - at, renewals);
  }
  summary.meanAgeSteps = ageSum / Math.max(1, sc.traders.count);
  summary.toppedUp = topUps.count;
  return { ...book.finish(), warmup: summary };
}
