/**
 * `marginlab fit --markets NAME=FILE,NAME=FILE,… --model <kind>`: a venue's price block from its price
 * histories. Each market's model is fitted to its own file (as `fit <file>` does), and the correlation matrix of
 * the markets' log returns is estimated on the timestamps the files share (src/stats/fit/correlation.ts), with
 * each entry's sample size and standard error, a positive semi-definiteness check and, where the estimate is
 * indefinite (`--pairwise`), the nearest valid matrix with a warning. Prints `market:`, `otherMarkets:` and
 * `correlation:` ready to paste into a scenario (a `recommend` venue: docs/recommend.md), or all of it as JSON.
 * Bad input — one market, a malformed file, histories that share too few timestamps — is one line, exit 2.
 */
import path from 'node:path';
import { stringify } from 'yaml';
import { terminalSafe, UserError } from '../../errors.js';
import { pricesOf, readMarketCsv } from '../../scenario/market-csv.js';
import { gridLogReturns, medianSpacingSeconds, type PriceCsv } from '../../scenario/price-csv.js';
import { estimateCorrelation, type CorrelationEstimate } from '../../stats/fit/correlation.js';
import { fitPriceModel, type FitModel, type FitResult } from '../../stats/fit/fit.js';

const fmt = (x: number) => (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : String(Number(x.toPrecision(5))));
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$/;

/** `NAME=FILE,NAME=FILE` → pairs, in order. @throws UserError naming the entry */
export function parseMarketsArg(v: string): { name: string; file: string }[] {
  const out: { name: string; file: string }[] = [];
  for (const entry of v.split(',')) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const file = entry.slice(eq + 1).trim();
    if (eq < 0 || !NAME.test(name) || file === '') {
      throw new UserError(`--markets: ${JSON.stringify(entry.slice(0, 80))} is not allowed — expected NAME=FILE entries separated by commas, e.g. BTC-PERP=btc.csv,ETH-PERP=eth.csv (a name: letters, digits and ._:/-, at most 40 characters)`);
    }
    if (out.some((m) => m.name === name)) throw new UserError(`--markets: the market ${name} is named twice — each market once, as NAME=FILE`);
    out.push({ name, file });
  }
  if (out.length < 2) throw new UserError(`--markets: ${out.length} market given — a venue block needs at least two, as NAME=FILE,NAME=FILE (for one market: marginlab fit FILE --model …)`);
  return out;
}

export interface MarketsFit {
  markets: { name: string; file: string; initialPriceUsd: number; fit: FitResult }[];
  correlation: CorrelationEstimate;
  warnings: string[];
}

/**
 * Fits every market and estimates their correlation. `window` restricts each file's rows (fit.ts's --from/--to).
 * Deterministic: no random numbers are drawn.
 */
export function fitMarkets(
  specs: readonly { name: string; file: string }[],
  opts: { model: FitModel; stepSeconds?: number; pairwise?: boolean; repair?: boolean },
  read: (file: string) => PriceCsv,
): MarketsFit {
  const histories = specs.map((s) => ({ ...s, csv: read(s.file) }));
  const markets = histories.map((h) => {
    const step = opts.stepSeconds ?? Math.max(1, Math.round(medianSpacingSeconds(h.csv)));
    let fit: FitResult;
    try {
      fit = fitPriceModel(gridLogReturns(h.csv, step), opts.model, step);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`--markets ${h.name}=${path.basename(h.file)}: ${e.message}`);
      throw e;
    }
    return { name: h.name, file: terminalSafe(path.basename(h.file)), initialPriceUsd: Number(h.csv.prices[h.csv.prices.length - 1].toPrecision(8)), fit };
  });
  const correlation = estimateCorrelation(
    histories.map((h) => ({ name: h.name, file: terminalSafe(path.basename(h.file)), timesSeconds: h.csv.timesSeconds, prices: h.csv.prices })),
    { stepSeconds: opts.stepSeconds, pairwise: opts.pairwise, repair: opts.repair },
  );
  const warnings = [...markets.flatMap((m) => m.fit.warnings.map((w) => `${m.name}: ${w}`)), ...correlation.warnings];
  const steps = new Set(markets.map((m) => m.fit.stepSeconds));
  if (steps.size > 1) warnings.push(`the markets were fitted on different steps (${markets.map((m) => `${m.name} ${m.fit.stepSeconds} s`).join(', ')}): pass --step-seconds so one scenario's stepSeconds fits them all`);
  return { markets, correlation, warnings };
}

/** The YAML text: comments with each fit's summary and the correlation's sample sizes, then the blocks. */
export function marketsYaml(r: MarketsFit, command: string): string {
  const c = r.correlation;
  const lines = [`# ${command}`];
  for (const m of r.markets) {
    const f = m.fit;
    lines.push(`# ${m.name} (${m.file}): ${f.observations} log returns on a ${f.stepSeconds}-second grid, log-likelihood ${fmt(f.logLikelihood)}, KS distance ${fmt(f.residuals.ksDistance)}`);
    for (const p of f.parameters) lines.push(`#   ${p.name}: ${fmt(p.estimate)} ± ${p.standardError === null ? 'n/a' : fmt(p.standardError)}`);
  }
  lines.push(`# correlation of log returns, ${c.alignment === 'common' ? 'on the timestamps every file shares' : 'each pair on the timestamps it shares'}, ${c.stepSeconds}-second returns; estimate ± (1 − ρ²)/√n:`);
  for (let i = 0; i < c.names.length; i++) {
    for (let j = 0; j < i; j++) lines.push(`#   ${c.names[j]} / ${c.names[i]}: ${c.estimated[i][j]} ± ${fmt(c.standardErrors[i][j])} (n = ${c.observations[i][j]})`);
  }
  lines.push(`# positive semi-definite: ${c.repaired ? `no (smallest eigenvalue ${c.minEigenvalue.toPrecision(3)}) — repaired below` : `yes (smallest eigenvalue ${fmt(c.minEigenvalue)})`}`);
  lines.push('# impact (depth) is not in a price history: add each market\'s impact block, e.g. { kind: curve, file: depth.csv }');
  for (const w of r.warnings) lines.push(`# warning: ${w}`);
  const block = (m: MarketsFit['markets'][number]) => ({ name: m.name, initialPriceUsd: m.initialPriceUsd, priceModel: m.fit.priceModel });
  const [first, ...rest] = r.markets;
  const yaml = stringify({ market: block(first), otherMarkets: rest.map(block) });
  const rows = c.matrix.map((row) => `  - [${row.join(', ')}]`);
  return `${lines.join('\n')}\n${yaml}correlation:\n${rows.join('\n')}\n`;
}

/** Reads one market file as prices (a candle file's closes), restricted to `window`. */
export function readPrices(file: string, window: (csv: PriceCsv, shift: number) => PriceCsv): PriceCsv {
  const read = readMarketCsv(path.resolve(file));
  const csv = pricesOf(read);
  const shift = read.layout === 'candles' ? csv.timesSeconds[0] - read.candles.timesSeconds[0] : 0;
  return window(csv, shift);
}
