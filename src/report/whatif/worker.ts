/**
 * The in-page what-if's Web Worker: the entry point of the browser bundle of the engine
 * (scripts/build-browser.mjs bundles it with esbuild into dist/report/whatif/engine-worker.js, which
 * every run report carries inline and starts from a Blob URL, so it works from file:// with no network).
 *
 * A request holds the run's scenario, the reader's lever values, how many paths to run and the saved
 * per-path values of the same paths. The worker sets the levers (levers.ts), draws and seasons the books
 * under them, runs paths 0, 1, … k − 1 — the same path indices on the same books (path k on the saved
 * run's book for it), so the same price shocks, as the saved run (common random numbers) — and posts
 * the figures (estimate.ts) as paths finish, about four times a second, then once more when done. A
 * new setting is a new worker: the page terminates this one.
 */
import type { Scenario } from '../../scenario/schema.js';
import { pathsPerBookOf } from '../../scenario/sampling.js';
import { bookOf, createRunContext } from '../../engine/context.js';
import { PathBuffers, simulatePath } from '../../engine/path.js';
import { applyLevers, type LeverValues } from './levers.js';
import { whatIfFigures, type WhatIfColumns, type WhatIfFigure } from './estimate.js';

export interface WhatIfRequest {
  scenario: Scenario;
  levers: Partial<LeverValues>;
  paths: number;
  traders: number;
  saved: WhatIfColumns;
}

export interface WhatIfProgress {
  type: 'progress' | 'done';
  done: number;
  total: number;
  rateCapped: boolean;
  figures: WhatIfFigure[];
  /** Bad debt per path at the reader's settings and at the saved settings, paths 0 … done − 1. */
  badDebtUsd: { whatIf: number[]; saved: number[] };
  elapsedMs: number;
}

export interface WhatIfError {
  type: 'error';
  message: string;
}

/** Runs a request, calling `post` with progress (at most every `everyMs`) and at the end. */
export function runWhatIf(req: WhatIfRequest, post: (m: WhatIfProgress) => void, everyMs = 250, now: () => number = () => Date.now()): void {
  const t0 = now();
  const { scenario, rateCapped } = applyLevers(req.scenario, req.levers);
  // path k runs on the book the saved run gave it (books redrawn per block of paths: sampling.pathsPerBook)
  const perBook = pathsPerBookOf(scenario);
  let ctx = createRunContext(scenario);
  let buffers = new PathBuffers(ctx);
  const cols: WhatIfColumns = { badDebtUsd: [], fundExhausted: [], tradersLiquidated: [], arrivals: [], liquidatedNotionalUsd: [] };
  const total = Math.min(req.paths, req.saved.badDebtUsd.length);
  let last = t0;
  const message = (type: WhatIfProgress['type']): WhatIfProgress => ({
    type,
    done: cols.badDebtUsd.length,
    total,
    rateCapped,
    figures: whatIfFigures(cols, req.saved, req.traders),
    badDebtUsd: { whatIf: cols.badDebtUsd.slice(), saved: req.saved.badDebtUsd.slice(0, cols.badDebtUsd.length) },
    elapsedMs: now() - t0,
  });
  for (let k = 0; k < total; k++) {
    if (bookOf(k, perBook) !== ctx.book) {
      ctx = createRunContext(scenario, undefined, bookOf(k, perBook));
      buffers = new PathBuffers(ctx);
    }
    const s = simulatePath(ctx, k, buffers, false).summary;
    cols.badDebtUsd.push(Math.round(s.badDebtUsd * 100) / 100);
    cols.fundExhausted.push(s.fundExhausted ? 1 : 0);
    cols.tradersLiquidated.push(s.tradersLiquidated);
    cols.arrivals.push(s.arrivals);
    cols.liquidatedNotionalUsd.push(Math.round(s.liquidatedNotionalUsd * 100) / 100);
    if (k + 1 < total && now() - last >= everyMs) {
      last = now();
      post(message('progress'));
    }
  }
  post(message('done'));
}

/** The worker's global scope, as much of it as this file uses. */
interface WorkerScope {
  onmessage: ((e: { data: WhatIfRequest }) => void) | null;
  postMessage(m: WhatIfProgress | WhatIfError): void;
}

declare const self: WorkerScope | undefined;

if (typeof self !== 'undefined' && self && typeof (self as { importScripts?: unknown }).importScripts === 'function') {
  const scope = self;
  scope.onmessage = (e) => {
    try {
      runWhatIf(e.data, (m) => scope.postMessage(m));
    } catch (err) {
      scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  };
}
