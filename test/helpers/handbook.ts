/**
 * Hand-built path states for testing one engine phase at a time: a book written out account by
 * account (no random draws), a scenario for the rules, and helpers to put the market at a price.
 */
import type { Population } from '../../src/agents/population.js';
import type { Scenario } from '../../src/scenario/schema.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers } from '../../src/engine/book.js';
import { PathState } from '../../src/engine/state.js';
import { PathRecorder } from '../../src/engine/records.js';
import { openBook } from '../../src/engine/open.js';
import { updateMarkets } from '../../src/engine/market.js';
import { beginStep } from '../../src/engine/begin-step.js';
import { maintenanceCheck } from '../../src/engine/maintenance-check.js';
import { beginLiquidations, endLiquidations } from '../../src/engine/liquidation.js';
import { liquidationRound } from '../../src/engine/step.js';

export interface HandPosition {
  market?: number;
  side: 1 | -1;
  size: number;
  entry: number;
  stop?: number;
  takeProfit?: number;
}

export interface HandAccount {
  marginUsd: number;
  reserveUsd?: number;
  /** Personal top-up trigger (margin ratio); omit for none. */
  topUpTrigger?: number;
  positions: HandPosition[];
}

/** A population holding exactly these accounts (in this order; position ids follow account order). */
export function handBook(sc: Scenario, accounts: HandAccount[]): Population {
  const A = accounts.length;
  const P = accounts.reduce((s, a) => s + a.positions.length, 0);
  const pop = {
    accounts: A,
    accountCapacity: A,
    positions: P,
    positionCapacity: P,
    markets: 1 + sc.otherMarkets.length,
    acctCross: new Uint8Array(A),
    acctMargin: new Float64Array(A),
    acctReserve: new Float64Array(A),
    acctTopUp: new Uint8Array(A),
    acctTopUpTrigger: new Float64Array(A),
    acctDeleverage: new Uint8Array(A),
    acctFirstPos: new Int32Array(A),
    acctNPos: new Int32Array(A),
    acctLeverage: new Float64Array(A),
    acctAgeSteps: new Int32Array(A),
    acctRenewals: new Uint16Array(A),
    posAccount: new Int32Array(P),
    posMarket: new Int32Array(P),
    posSide: new Int8Array(P),
    posSize: new Float64Array(P),
    posEntry: new Float64Array(P),
    posStop: new Float64Array(P).fill(NaN),
    posTakeProfit: new Float64Array(P).fill(NaN),
    cappedByInitialMargin: 0,
    depositsCents: 0,
  };
  let p = 0;
  let deposits = 0;
  accounts.forEach((acct, a) => {
    pop.acctCross[a] = acct.positions.length > 1 ? 1 : 0;
    pop.acctMargin[a] = Math.round(acct.marginUsd * 100);
    pop.acctReserve[a] = Math.round((acct.reserveUsd ?? 0) * 100);
    if (acct.topUpTrigger !== undefined) {
      pop.acctTopUp[a] = 1;
      pop.acctTopUpTrigger[a] = acct.topUpTrigger;
    }
    pop.acctFirstPos[a] = p;
    pop.acctNPos[a] = acct.positions.length;
    deposits += pop.acctMargin[a] + pop.acctReserve[a];
    let notional = 0;
    for (const pos of acct.positions) {
      pop.posAccount[p] = a;
      pop.posMarket[p] = pos.market ?? 0;
      pop.posSide[p] = pos.side;
      pop.posSize[p] = pos.size;
      pop.posEntry[p] = pos.entry;
      if (pos.stop !== undefined) pop.posStop[p] = pos.stop;
      if (pos.takeProfit !== undefined) pop.posTakeProfit[p] = pos.takeProfit;
      notional += pos.size * pos.entry;
      p++;
    }
    pop.acctLeverage[a] = notional / acct.marginUsd;
  });
  pop.depositsCents = deposits;
  return pop;
}

/** An opened path state (step 0) over a hand-built book, with its recorder. */
export function handState(sc: Scenario, accounts: HandAccount[]): { st: PathState; rec: PathRecorder } {
  const ctx = createRunContext(sc, handBook(sc, accounts));
  const st = new PathState(ctx, 0, new PathBuffers(ctx));
  const rec = new PathRecorder(st, false);
  openBook(st);
  return { st, rec };
}

/**
 * Starts step t with market m's fundamental at `priceUsd` (every other market unchanged): the start
 * of the step (per-step caps, fund recapitalisation and peaks) and the market-and-marks phase run as
 * in a real step, so impact decays and the mark rule applies.
 */
export function startStepAt(st: PathState, t: number, priceUsd: number, m = 0): void {
  st.t = t;
  beginStep(st);
  st.mkt.logF[m] = Math.log(priceUsd);
  st.mkt.indexPx[m] = Math.exp(st.mkt.logF[m]);
  updateMarkets(st);
}

/**
 * Step t at `priceUsd` (market 0) with every liquidation round until the cascade settles (at most 50);
 * `bookLog`: the book moved that far (log) from the index before the cascade.
 */
export function settleStepAt(st: PathState, t: number, priceUsd: number, bookLog = 0): void {
  startStepAt(st, t, priceUsd);
  if (bookLog !== 0) {
    st.mkt.impactState[0] = bookLog;
    st.mkt.market[0] = priceUsd * Math.exp(bookLog);
  }
  beginLiquidations(st);
  for (let gen = 0; gen < 50; gen++) {
    const n = maintenanceCheck(st, gen);
    if (n === 0) break;
    liquidationRound(st, gen, n);
  }
  endLiquidations(st);
}
