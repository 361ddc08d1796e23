/**
 * What the report's page scripts share through the page: the libraries the page inlines before them
 * (vega, vega-embed, as UMD globals) and the two hooks they leave on `window`. Types only: nothing here
 * reaches a bundle.
 *
 *   window.marginlabEmbed(el, spec) → Promise   (page.ts: embeds a spec fitted to its card; the what-if panel uses it)
 *   window.marginlabWhatIf                       (whatif.ts: the last figures shown and the finished runs, for tests)
 */
import type * as Vega from 'vega';
import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import type { WhatIfProgress } from '../whatif/worker.js';
import type { SpecNode } from './fit.js';

/** Embeds a spec in an element at a width that fits its card; resolves when drawn. */
export type EmbedFn = (el: HTMLElement, spec: SpecNode) => Promise<unknown>;

/** What the what-if panel leaves on `window` for tests and for anyone scripting the page. */
export interface WhatIfState {
  /** The last message shown (progress or done), null before a lever moves. */
  last: WhatIfProgress | null;
  /** Runs finished. */
  runs: number;
}

declare global {
  const vega: typeof Vega;
  /** vega-embed's UMD global (its `embed` default export). */
  const vegaEmbed: (el: HTMLElement | string, spec: VisualizationSpec | string, opts?: EmbedOptions) => Promise<Result>;
  interface Window {
    marginlabEmbed?: EmbedFn;
    marginlabWhatIf?: WhatIfState;
  }
}
