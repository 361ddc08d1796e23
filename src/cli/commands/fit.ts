/**
 * `marginlab fit <prices.csv> --model gbm|merton|garch|regime-switching`: fits a price model to a
 * CSV of prices, or to the closes of a CSV of candles (Binance klines as downloaded, with or without a
 * header, millisecond or microsecond times; src/scenario/market-csv.ts), by maximum likelihood (src/stats/fit) and prints a scenario `priceModel` block ready
 * to paste (YAML, with the estimates, standard errors and fit summary as comments), or the whole fit
 * as JSON (`--json`); `--out FILE` writes the same text to a file instead. Warnings (src/stats/fit/fit.ts
 * `modelWarnings`) go to stderr, into the JSON's `warnings` and as `# warning:` lines in the block. Bad input — a missing or
 * malformed CSV, an unknown model, a series too short — is one line on stderr, exit 2, nothing written.
 * `--markets NAME=FILE,NAME=FILE,…` fits several markets and their correlation matrix (./fit-markets.ts).
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { gridLogReturns, medianSpacingSeconds, parseTimestamp, type PriceCsv } from '../../scenario/price-csv.js';
import { terminalSafe, UserError } from '../../errors.js';
import { pricesOf, readMarketCsv } from '../../scenario/market-csv.js';
import { FIT_MODELS, fitPriceModel, type FitModel, type FitResult } from '../../stats/fit/fit.js';
import { writeFileAtomic } from '../../io/files.js';
import { intArg } from '../args.js';
import { fitMarkets, marketsYaml, parseMarketsArg, readPrices } from './fit-markets.js';

const fmt = (x: number) => (Math.abs(x) >= 1e5 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : String(Number(x.toPrecision(5))));

/** The YAML text `fit` prints: comments with the fit's summary, then `priceModel:`. */
function fitYaml(f: FitResult, shownFile: string): string {
  const r = f.residuals;
  const lines = [
    `# marginlab fit ${shownFile} --model ${f.model}: ${f.observations} log returns on a ${f.stepSeconds}-second grid`,
    `# log-likelihood ${fmt(f.logLikelihood)}, AIC ${fmt(f.aic)}, BIC ${fmt(f.bic)}`,
    `# pseudo-residuals Φ⁻¹(F(r)): mean ${fmt(r.mean)}, sd ${fmt(r.standardDeviation)}, skewness ${fmt(r.skewness)}, excess kurtosis ${fmt(r.excessKurtosis)}, KS distance ${fmt(r.ksDistance)}`,
    '# estimate ± standard error (observed information):',
    ...f.parameters.map((p) => `#   ${p.name}: ${fmt(p.estimate)} ± ${p.standardError === null ? 'n/a' : fmt(p.standardError)}`),
  ];
  if (f.model === 'garch' || f.model === 'regime-switching') {
    lines.push(`# ${f.model === 'garch' ? 'alpha and beta are' : 'expectedDurationSteps are'} per ${f.stepSeconds}-second step: use this block with stepSeconds: ${f.stepSeconds}`);
  }
  for (const w of f.warnings) lines.push(`# warning: ${w}`);
  return `${lines.join('\n')}\n${stringify({ priceModel: f.priceModel })}`;
}

/** `--from` / `--to`: a time in ISO-8601 or unix seconds. */
function timeArg(name: string) {
  return (v: string): number => {
    const t = parseTimestamp(v.trim());
    if (typeof t === 'string') throw new InvalidArgumentError(`${name}: ${JSON.stringify(v.slice(0, 80))} is not allowed — expected a time in ISO-8601 (e.g. 2023-03-04T00:00:00Z) or unix seconds`);
    return t;
  };
}

/** The rows with from ≤ time < to (a candle by its open time is kept with its close). */
function window(csv: PriceCsv, shift: number, from = -Infinity, to = Infinity): PriceCsv {
  const keep = (t: number) => t - shift >= from && t - shift < to;
  const times = csv.timesSeconds.filter(keep);
  const prices = csv.prices.filter((_, i) => keep(csv.timesSeconds[i]));
  if (times.length < 2) throw new UserError(`--from/--to: the window holds ${times.length} row${times.length === 1 ? '' : 's'} of ${csv.file} — at least two are needed; the file spans ${iso(csv.timesSeconds[0] - shift)} to ${iso(csv.timesSeconds[csv.timesSeconds.length - 1] - shift)}`);
  return { ...csv, timesSeconds: times, prices };
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

interface FitOptions {
  model: FitModel;
  markets?: string;
  pairwise?: boolean;
  repair?: boolean;
  stepSeconds?: number;
  from?: number;
  to?: number;
  json?: boolean;
  out?: string;
}

/** `fit --markets`: every market's model and the correlation matrix (./fit-markets.ts). */
function fitSeveral(file: string | undefined, opts: FitOptions): void {
  if (opts.markets === undefined) throw new UserError('fit: no price file given — pass a CSV of prices (marginlab fit prices.csv --model gbm), or several markets as --markets NAME=FILE,NAME=FILE');
  if (file !== undefined) throw new UserError(`fit: ${JSON.stringify(path.basename(file).slice(0, 80))} and --markets — pass one file or --markets, not both`);
  const specs = parseMarketsArg(opts.markets);
  const r = fitMarkets(specs, opts, (f) => readPrices(f, (csv, shift) => (opts.from !== undefined || opts.to !== undefined ? window(csv, shift, opts.from, opts.to) : csv)));
  const command = `marginlab fit --markets ${specs.map((s) => `${s.name}=${terminalSafe(path.basename(s.file))}`).join(',')} --model ${opts.model}${opts.stepSeconds !== undefined ? ` --step-seconds ${opts.stepSeconds}` : ''}${opts.pairwise ? ' --pairwise' : ''}`;
  const text = opts.json ? `${JSON.stringify({ command, ...r }, null, 2)}\n` : marketsYaml(r, command);
  if (opts.out !== undefined) {
    writeFileAtomic(opts.out, text, '--out');
    process.stderr.write(`wrote ${opts.out}\n`);
  } else process.stdout.write(text);
  for (const w of r.warnings) process.stderr.write(`marginlab fit: warning: ${w}\n`);
}

export function registerFit(program: Command): void {
  program
    .command('fit')
    .description('fit a price model to a CSV of prices (timestamp,price) or candles (on their closes) by maximum likelihood and print a scenario priceModel block; with --markets, every market of a venue and the correlation matrix of their log returns')
    .argument('[prices]', 'CSV file of prices (a header row with columns timestamp,price) or OHLC candles (Binance klines as downloaded, with or without a header; open_time,open,high,low,close)')
    .option('--markets <list>', 'fit several markets instead, NAME=FILE,NAME=FILE,… (e.g. BTC-PERP=btc.csv,ETH-PERP=eth.csv), and estimate the correlation of their log returns on the timestamps the files share; prints market:, otherMarkets: and correlation:')
    .option('--pairwise', 'with --markets: estimate each correlation on the timestamps its pair shares (more data when histories cover different periods; the matrix may then need repair)')
    .option('--no-repair', 'with --markets: refuse (exit 2) a correlation matrix that is not positive semi-definite instead of printing the nearest valid one')
    .addOption(new Option('--model <kind>', 'the model to fit').choices(FIT_MODELS).makeOptionMandatory())
    .option('--step-seconds <s>', 'grid step of the returns, in seconds (default: the median spacing of the timestamps)', intArg('--step-seconds', 1, 86_400 * 365))
    .option('--from <time>', 'fit only rows at or after this time (ISO-8601 or unix seconds; a candle by its open time)', timeArg('--from'))
    .option('--to <time>', 'fit only rows before this time', timeArg('--to'))
    .option('--json', 'print the whole fit (estimates, standard errors, log-likelihood, AIC, QQ data) as JSON')
    .option('--out <file>', 'write the output to this file instead of stdout')
    .action((file: string | undefined, opts: FitOptions) => {
      if (opts.markets !== undefined || file === undefined) return fitSeveral(file, opts);
      if (opts.pairwise || opts.repair === false) throw new UserError(`${opts.pairwise ? '--pairwise' : '--no-repair'}: only with --markets (a correlation needs several markets)`);
      const read = readMarketCsv(file);
      let csv = pricesOf(read);
      if (opts.from !== undefined || opts.to !== undefined) {
        // candles' closes are timed at the close (open + interval); the window is given in open times
        const shift = read.layout === 'candles' ? csv.timesSeconds[0] - read.candles.timesSeconds[0] : 0;
        csv = window(csv, shift, opts.from, opts.to);
      }
      const stepSeconds = opts.stepSeconds ?? Math.max(1, Math.round(medianSpacingSeconds(csv)));
      const fit = fitPriceModel(gridLogReturns(csv, stepSeconds), opts.model, stepSeconds);
      const shown = path.basename(file);
      const text = opts.json ? `${JSON.stringify({ file: shown, ...fit }, null, 2)}\n` : fitYaml(fit, shown);
      if (opts.out !== undefined) {
        writeFileAtomic(opts.out, text, '--out');
        process.stderr.write(`wrote ${opts.out}\n`);
      } else process.stdout.write(text);
      for (const w of fit.warnings) process.stderr.write(`marginlab fit: warning: ${w}\n`);
    });
}
