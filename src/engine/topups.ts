/**
 * Top-ups from a finite reserve (phase 3a): a trader whose margin ratio falls below a personal trigger
 * (or who receives a margin call) acts after a reaction delay, with a probability per step, moving
 * reserve into margin up to a target ratio (or the initial margin when answering a call).
 *
 * Pending top-ups sit in one FIFO list per due step (nodes from a pool in the book, so scheduling
 * allocates nothing once the pool has grown). Cancelling is lazy: `pendingDue[a]` names the one live
 * entry, stale ones are skipped when their step comes.
 */
import { accountPolicy, type PathState } from './state.js';
import { equity, isOpen, maintenance, notional } from './account.js';
import { rekeyPosition } from './triggers.js';

function takeNode(st: PathState): number {
  const b = st.b;
  if (st.dueFree >= 0) {
    const node = st.dueFree;
    st.dueFree = b.dueNodeNext[node];
    return node;
  }
  if (st.dueNodes === b.dueNodeAccount.length) b.growDueNodes();
  return st.dueNodes++;
}

/** Schedules a top-up attempt by account a at step `due` (at once if due ≤ now; never past the horizon). */
export function scheduleTopUp(st: PathState, a: number, due: number): void {
  const b = st.b;
  if (due > st.H) {
    b.pendingDue[a] = st.H + 1; // too late to act within the horizon
    return;
  }
  if (due <= st.t) {
    attemptTopUp(st, a);
    return;
  }
  b.pendingDue[a] = due;
  const node = takeNode(st);
  b.dueNodeAccount[node] = a;
  b.dueNodeNext[node] = -1;
  if (b.dueTail[due] >= 0) b.dueNodeNext[b.dueTail[due]] = node;
  else b.dueHead[due] = node;
  b.dueTail[due] = node;
}

/** Cancels a pending top-up (its list entry stays and is skipped when its step comes). */
export function cancelTopUp(st: PathState, a: number): void {
  st.b.pendingDue[a] = -1;
}

/** Runs the top-ups falling due this step, in the order they were scheduled. */
export function dueTopUps(st: PathState): void {
  const b = st.b;
  const t = st.t;
  let node = b.dueHead[t];
  b.dueHead[t] = -1;
  b.dueTail[t] = -1;
  while (node >= 0) {
    const a = b.dueNodeAccount[node];
    const next = b.dueNodeNext[node];
    b.dueNodeNext[node] = st.dueFree;
    st.dueFree = node;
    if (b.pendingDue[a] === t) {
      b.pendingDue[a] = -1;
      attemptTopUp(st, a);
    }
    node = next;
  }
}

/**
 * A due top-up: if still below the trigger (or in a margin call), acts with the configured probability
 * from the reserve; a trader who injects capital (traders.injection) then deposits fresh money for
 * what the call still asks for, times its size factor.
 */
export function attemptTopUp(st: PathState, a: number): void {
  const b = st.b;
  const cfg = st.sc.traders.topUp;
  const injector = st.ctx.injectors?.[a] === 1;
  if (!isOpen(st, a) || (b.reserve[a] === 0 && !injector)) return;
  const mmv = maintenance(st, a);
  const eq = equity(st, a);
  const inCall = b.graceUntil[a] >= 0;
  if (!inCall && eq >= b.topUpTrigger[a] * mmv) {
    if (b.nPos[a] === 1) rekeyPosition(st, b.firstPos[a]);
    return;
  }
  // target: the top-up ratio, or the initial margin when answering a margin call
  const n = notional(st, a);
  const target = inCall ? Math.max(cfg.targetMarginRatio * mmv, n / accountPolicy(st, a).maxLeverage, 2 * mmv) : cfg.targetMarginRatio * mmv;
  let have = eq;
  if (b.reserve[a] > 0) {
    if (st.behaviour() >= cfg.actProbabilityPerStep) {
      scheduleTopUp(st, a, st.t + 1);
      return;
    }
    const wantCents = Math.ceil((target - eq) * 100);
    const amount = Math.min(b.reserve[a], Math.max(0, wantCents));
    if (amount > 0) {
      st.books.topUp(a, amount);
      st.events.topUps++;
      st.events.topUpUsd += amount / 100;
      have += amount / 100;
    }
  }
  if (inCall && injector) {
    const need = Math.ceil((target - have) * 100);
    if (need > 0) {
      const inj = st.sc.traders.injection;
      const u1 = 1 - st.behaviour();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * st.behaviour());
      const cents = Math.max(1, Math.round(need * inj.sizeMultipleMedian * Math.exp(inj.sizeSigmaLog * z)));
      st.books.inject(a, cents);
      st.events.injections++;
      st.events.injectedCents += cents;
    }
  }
  if (b.nPos[a] === 1 && !inCall) rekeyPosition(st, b.firstPos[a]);
}
