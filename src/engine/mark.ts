/**
 * Mark price rules (policy.markPrice): the price margin checks use. `last` follows the market;
 * `ema` smooths it with a half-life in steps; `median` takes the median of the last n prices (the
 * current one included), ignoring short wicks. Within a step the current market price may change
 * (cascade rounds); `onMarket` replaces the step's value and `commit` closes the step.
 */
export interface MarkRule {
  readonly kind: 'last' | 'ema' | 'median';
  /** Current mark given the step's latest market price. */
  onMarket(market: number): number;
  /** Ends the step: the latest market price becomes history. */
  commit(): void;
  reset(initial: number): void;
}

export function createMarkRule(cfg: { kind: 'last' | 'ema' | 'median'; halfLifeSteps: number; windowSteps: number }): MarkRule {
  switch (cfg.kind) {
    case 'last': {
      return { kind: 'last', onMarket: (m) => m, commit: () => {}, reset: () => {} };
    }
    case 'ema': {
      const lambda = Math.pow(2, -1 / cfg.halfLifeSteps);
      let prev = 0;
      let cur = 0;
      return {
        kind: 'ema',
        onMarket: (m) => (cur = lambda * prev + (1 - lambda) * m),
        commit: () => {
          prev = cur;
        },
        reset: (x) => {
          prev = x;
          cur = x;
        },
      };
    }
    case 'median': {
      const n = cfg.windowSteps;
      const hist = new Float64Array(Math.max(0, n - 1));
      const buf = new Float64Array(n);
      let filled = 0;
      let head = 0;
      let latest = 0;
      return {
        kind: 'median',
        onMarket: (m) => {
          latest = m;
          const k = filled + 1;
          for (let i = 0; i < filled; i++) buf[i] = hist[i];
          buf[filled] = m;
          const view = buf.subarray(0, k).sort();
          return k % 2 ? view[(k - 1) >> 1] : 0.5 * (view[k / 2 - 1] + view[k / 2]);
        },
        commit: () => {
          if (hist.length === 0) return;
          hist[head] = latest;
          head = (head + 1) % hist.length;
          if (filled < hist.length) filled++;
        },
        reset: (x) => {
          filled = 0;
          head = 0;
          latest = x;
        },
      };
    }
  }
}
