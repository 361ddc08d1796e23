/**
 * Mark price rules (policy.markPrice): the price margin checks and trigger orders use. Venues anchor
 * their marks to an index of other venues' prices, so that one trade on their own book cannot
 * liquidate anyone:
 *   - `index`: the fundamental (index) price itself;
 *   - `oracle`: the index as an oracle reports it — the index `delaySteps` ago, refreshed every
 *     `updateEverySteps`, each update moving at most `maxChangePerUpdate` (Maker's OSM: one-hour delay
 *     and hourly updates; Aave/Chainlink: a deviation or heartbeat update);
 *   - `blend` (default): the median of the index, the book price, and the index plus an EMA of the
 *     book's basis (log book − log index) — the three-price median Binance and Hyperliquid publish
 *     (docs/methodology.md §4). A one-step move of the book alone moves it by only the EMA's weight;
 *     a basis that persists does move it.
 * and the venue's own book, for comparison:
 *   - `last`: the book (market) price; `ema`: its EMA with a half-life in steps; `median`: the median
 *     of its last `windowSteps` values.
 * Within a step the book price may change (flow blocks, cascade rounds); `onMarket` replaces the
 * step's value and `commit` closes the step.
 */
export type MarkKind = 'index' | 'oracle' | 'blend' | 'last' | 'ema' | 'median';

export interface MarkConfig {
  kind: MarkKind;
  halfLifeSteps: number;
  windowSteps: number;
  delaySteps: number;
  updateEverySteps: number;
  maxChangePerUpdate?: number;
}

export interface MarkRule {
  readonly kind: MarkKind;
  /** Current mark given the step's latest book price and the step's index price. */
  onMarket(market: number, index: number): number;
  /** Ends the step: the latest prices become history. */
  commit(): void;
  /**
   * Starts a path at book = index = `initial`. `pastIndex`, when given, is the index before step 0
   * (oldest first, ending at `initial`), for an oracle's delay.
   */
  reset(initial: number, pastIndex?: ArrayLike<number>): void;
}

type Config = MarkConfig & typeof DEFAULTS;

const DEFAULTS = { halfLifeSteps: 5, windowSteps: 5, delaySteps: 0, updateEverySteps: 1 };

/** `last`: the book price. */
function last(): MarkRule {
  return { kind: 'last', onMarket: (m) => m, commit: () => {}, reset: () => {} };
}

/** `index`: the index (fundamental) price. */
function index(): MarkRule {
  return { kind: 'index', onMarket: (_m, i) => i, commit: () => {}, reset: () => {} };
}

/** `ema`: the book price's EMA with a half-life of `halfLifeSteps`. */
function ema(c: Config): MarkRule {
  const lambda = Math.pow(2, -1 / c.halfLifeSteps);
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

/** `median`: the median of the book's last `windowSteps` prices (this step's latest included). */
function median(c: Config): MarkRule {
  const n = c.windowSteps;
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

/** `blend`: basis b = log book − log index, its EMA; mark = median(index, index·e^{EMA b}, book). */
function blend(c: Config): MarkRule {
  const lambda = Math.pow(2, -1 / c.halfLifeSteps);
  let prev = 0;
  let cur = 0;
  return {
    kind: 'blend',
    onMarket: (m, i) => {
      cur = lambda * prev + (1 - lambda) * Math.log(m / i);
      const smoothed = i * Math.exp(cur);
      return median3(i, smoothed, m);
    },
    commit: () => {
      prev = cur;
    },
    reset: () => {
      prev = 0;
      cur = 0;
    },
  };
}

/**
 * `oracle`: the index `delaySteps` ago, refreshed every `updateEverySteps`, each update moving at most
 * `maxChangePerUpdate`. A ring of the last delaySteps + 1 index prices; the reported price.
 */
function oracle(c: Config): MarkRule {
  const d = c.delaySteps;
  const ring = new Float64Array(d + 1);
  const cap = c.maxChangePerUpdate;
  let t = 0;
  let reported = 0;
  let stepValue = 0;
  let pending = true;
  const slot = (step: number) => (((step % (d + 1)) + d + 1) % (d + 1));
  return {
    kind: 'oracle',
    onMarket: (_m, i) => {
      if (pending) {
        // the step's first call: record the index and refresh the report if one is due
        pending = false;
        t++;
        ring[slot(t)] = i;
        stepValue = reported;
        if (t % c.updateEverySteps === 0) {
          const target = ring[slot(t - d)];
          stepValue = cap === undefined ? target : Math.min(reported * (1 + cap), Math.max(reported * (1 - cap), target));
        }
      }
      return stepValue;
    },
    commit: () => {
      reported = stepValue;
      pending = true;
    },
    reset: (x, past) => {
      t = 0;
      pending = true;
      reported = x;
      stepValue = x;
      // ring[k] holds the index at step k (mod d + 1); steps 0, −1, … come from the past
      for (let back = 0; back <= d; back++) ring[slot(-back)] = past && past.length > back ? past[past.length - 1 - back] : x;
    },
  };
}

/** Every mark rule, by `kind`. */
export const MARK_RULES: Readonly<Record<MarkKind, (c: Config) => MarkRule>> = { index, oracle, blend, last, ema, median };

/** The mark rule `cfg.kind` names, with the defaults for what `cfg` leaves out. */
export function createMarkRule(cfg: Partial<MarkConfig> & { kind: MarkKind }): MarkRule {
  return MARK_RULES[cfg.kind]({ ...DEFAULTS, ...cfg });
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
