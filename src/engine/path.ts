/**
 * One Monte Carlo path: open the book, run H steps (src/engine/step.ts lists the phases in order),
 * check that money was conserved, summarise. Accounts and positions live in typed arrays
 * (src/engine/book.ts); per-trader work happens only for positions whose trigger a price move crossed
 * (src/engine/triggers.ts), so a quiet step costs O(markets), not O(traders). Every money movement goes
 * through the books (src/engine/books.ts), and the path ends with the ledger's exact conservation check.
 */
import type { RunContext } from './context.js';
import type { PathBuffers } from './book.js';
import { PathState } from './state.js';
import { PathRecorder, summarise } from './records.js';
import { openBook } from './open.js';
import { step } from './step.js';
import type { PathResult } from './results.js';
import { PathHalt } from './limits.js';
import { socialisedLoss } from './waterfall.js';

export { PathBuffers } from './book.js';
export { setExhaustiveMultiChecks } from './triggers.js';
export * from './results.js';

/**
 * Simulates path `pathIndex` of the run described by `ctx`. `observe`, if given, is called with the path's state
 * after every step (read-only: the validation against the record reads when liquidations and ADL happened, by
 * side, from it); it must not change the state.
 */
export function simulatePath(ctx: RunContext, pathIndex: number, buffers: PathBuffers, wantSeries: boolean, observe?: (st: Readonly<PathState>) => void): PathResult {
  const st = new PathState(ctx, pathIndex, buffers);
  const fundStartCents = st.books.fundCents;
  const rec = new PathRecorder(st, wantSeries);
  openBook(st);
  rec.recordStep(st);
  try {
    for (st.t = 1; st.t <= st.H; st.t++) {
      step(st, rec);
      observe?.(st);
    }
  } catch (e) {
    // a state the engine cannot represent exactly: the path stops at this step, its books balanced
    if (!(e instanceof PathHalt)) throw e;
    socialisedLoss(st); // deficits the round's earlier closes left are still spread (they were booked within range)
    st.halt = e.reason;
    st.haltedAtStep = st.t;
    rec.recordStep(st);
  }
  buffers.usedAccounts = st.nAccounts;
  buffers.usedPositions = st.nPositions;
  st.books.checkConservation(st.nAccounts, `path ${pathIndex}`);
  return summarise(st, rec, fundStartCents);
}
