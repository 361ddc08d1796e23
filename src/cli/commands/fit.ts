/**
 * `marginlab fit <prices.csv> --model gbm|merton|garch|regime-switching`: fits a price model to a
 * CSV of prices by maximum likelihood (src/stats/fit) and prints a scenario `priceModel` block ready
 * to paste (YAML, with the estimates, standard errors and fit summary as comments), or the whole fit
 * as JSON (`--json`); `--out FILE` writes the same text to a file instead. Bad input — a missing or
 * malformed CSV, an unknown model, a series too short — is one line on stderr, exit 2, nothing written.
 */
import path from 'node:path';
import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import { gridLogReturns, medianSpacingSeconds, readPriceCsv } from '../../scenario/price-csv.js';
import { FIT_MODELS, fitPriceModel, type FitModel, type FitResult } from '../../stats/fit/fit.js';
import { writeFileAtomic } from '../../io/files.js';
import { intArg } from '../args.js';

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

export function registerFit(program: Command): void {
  program
    .command('fit')
    .description('fit a price model to a CSV of prices (timestamp,price) by maximum likelihood and print a scenario priceModel block')
    .argument('<prices>', 'CSV file with a header row and columns timestamp,price')
    .addOption(new Option('--model <kind>', 'the model to fit').choices(FIT_MODELS).makeOptionMandatory())
    .option('--step-seconds <s>', 'grid step of the returns, in seconds (default: the median spacing of the timestamps)', intArg('--step-seconds', 1, 86_400 * 365))
    .option('--json', 'print the whole fit (estimates, standard errors, log-likelihood, AIC, QQ data) as JSON')
    .option('--out <file>', 'write the output to this file instead of stdout')
    .action((file: string, opts: { model: FitModel; stepSeconds?: number; json?: boolean; out?: string }) => {
      const csv = readPriceCsv(file);
      const stepSeconds = opts.stepSeconds ?? Math.max(1, Math.round(medianSpacingSeconds(csv)));
      const fit = fitPriceModel(gridLogReturns(csv, stepSeconds), opts.model, stepSeconds);
      const shown = path.basename(file);
      const text = opts.json ? `${JSON.stringify({ file: shown, ...fit }, null, 2)}\n` : fitYaml(fit, shown);
      if (opts.out !== undefined) {
        writeFileAtomic(opts.out, text, '--out');
        process.stderr.write(`wrote ${opts.out}\n`);
      } else process.stdout.write(text);
      if (!opts.json) for (const w of fit.warnings) process.stderr.write(`marginlab fit: warning: ${w}\n`);
    });
}
