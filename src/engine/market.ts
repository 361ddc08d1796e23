/**
 * Phase 2, market and marks: the impact state decays toward 0 (resilience), arbitrageurs with finite
 * capacity trade the book back toward the index, liquidity withdraws as volatility rises, market =
 * fundamental · e^(impact state), and the mark rule turns the book and index prices into the mark. `applyFlow` is how any block of orders (liquidations, stops, arrivals) moves a market
 * within the step. `observeMarkets` closes the step: mark history, the EWMA volatility estimate,
 * volatility spikes and the volatility-adaptive maintenance rate.
 */
import type { PathState } from './state.js';
import { MIN_DEPTH_MULTIPLIER, saturateImpact } from './limits.js';

/** Sets market m's price from its fundamental and impact state, and its mark; advances the drift clock. */
function setMarketFromState(st: PathState, m: number): void {
  const mkt = st.mkt;
  mkt.market[m] = Math.exp(mkt.logF[m] + mkt.impactState[m]);
  const old = mkt.markPx[m];
  mkt.markPx[m] = mkt.marks[m].onMarket(mkt.market[m], mkt.indexPx[m]);
  mkt.driftClock += Math.abs(Math.log(mkt.markPx[m] / old));
}

export function updateMarkets(st: PathState): void {
  const mkt = st.mkt;
  for (let m = 0; m < st.K; m++) {
    mkt.impactState[m] *= mkt.impact[m].decayPerStep;
    const el = mkt.stressElasticity[m];
    if (el > 0) {
      const ratio = mkt.nominalVolPerStep[m] / Math.sqrt(mkt.ewmaVar[m]);
      mkt.depthMult[m] = Math.max(MIN_DEPTH_MULTIPLIER, Math.pow(Math.min(1, ratio), el));
    }
    mkt.arbitrageLeft[m] = mkt.arbitrageCapacity[m] * mkt.depthMult[m]; // arbitrageurs withdraw with the book
    arbitrage(st, m);
    setMarketFromState(st, m);
  }
}

/**
 * Applies a block of net flow (USD, + buy) to market m: moves its impact state, market and mark, and
 * returns the block's average fill price.
 */
export function applyFlow(st: PathState, m: number, flowUsd: number): number {
  const mkt = st.mkt;
  if (flowUsd === 0) return mkt.market[m];
  const imp = mkt.impact[m];
  let dx = imp.delta(flowUsd, mkt.depthMult[m]);
  const x0 = mkt.impactState[m];
  // the move saturates: the book stays within MAX_IMPACT_RATIO of the index, and the block fills along the move it made
  const capped = saturateImpact(x0 + dx);
  if (capped !== x0 + dx) dx = capped - x0;
  const fill = mkt.market[m] * Math.exp(imp.fillFractionFor(flowUsd, mkt.depthMult[m]) * dx);
  mkt.impactState[m] += dx;
  setMarketFromState(st, m);
  return fill;
}

/**
 * Applies mkt.flow to every market (each market's fill price goes to mkt.fill), then lets arbitrage
 * pull each moved book back toward the index with what is left of its capacity this step.
 */
export function applyFlows(st: PathState): void {
  const mkt = st.mkt;
  for (let m = 0; m < st.K; m++) {
    mkt.fill[m] = applyFlow(st, m, mkt.flow[m]);
    if (mkt.flow[m] !== 0 && arbitrage(st, m)) setMarketFromState(st, m);
  }
}

/**
 * Arbitrage (a resilience with finite capacity): the flow that would bring market m's book back to
 * the index, capped by the capacity left this step, moves the impact state toward 0. Returns true
 * if it moved it.
 */
function arbitrage(st: PathState, m: number): boolean {
  const mkt = st.mkt;
  const x = mkt.impactState[m];
  const left = mkt.arbitrageLeft[m];
  if (x === 0 || left <= 0) return false;
  const imp = mkt.impact[m];
  const need = imp.flowFor(-x, mkt.depthMult[m]);
  if (Math.abs(need) <= left) {
    mkt.arbitrageLeft[m] = left - Math.abs(need);
    mkt.impactState[m] = 0;
  } else {
    mkt.arbitrageLeft[m] = 0;
    mkt.impactState[m] = x + imp.delta(Math.sign(need) * left, mkt.depthMult[m]);
  }
  return true;
}

/** End of step: mark history, volatility estimate and spikes, adaptive maintenance rate. */
export function observeMarkets(st: PathState): void {
  const { mkt, sc } = st;
  const L = sc.traders.arrivals.momentumLookbackSteps;
  const spikeMultiple = sc.traders.volatilityDeleverage.volatilityMultiple;
  for (let m = 0; m < st.K; m++) {
    // mark history and the EWMA volatility estimate of the mark's one-step log return
    mkt.marks[m].commit();
    const r = Math.log(mkt.markPx[m] / mkt.prevMark[m]);
    mkt.prevMark[m] = mkt.markPx[m];
    const lam = mkt.ewmaLambda[m];
    mkt.ewmaVar[m] = lam * mkt.ewmaVar[m] + (1 - lam) * r * r;
    mkt.logMarkHistory[m][st.t % (L + 1)] = Math.log(mkt.markPx[m]);
    // volatility spikes (deleveraging takes effect next step)
    const spike = Math.sqrt(mkt.ewmaVar[m]) > spikeMultiple * mkt.nominalVolPerStep[m];
    if (spike && !mkt.spiking[m]) mkt.deleverageDue[m] = 1;
    mkt.spiking[m] = spike ? 1 : 0;
    // adaptive maintenance: the new rate (liquidation and top-up keys are bankruptcy prices, so
    // nothing needs re-keying)
    const model = st.mm[m];
    if (model.dynamic) {
      model.observe(r);
      st.events.maxMmr = Math.max(st.events.maxMmr, model.rate());
    }
  }
}
