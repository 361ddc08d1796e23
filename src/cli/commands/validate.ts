/**
 * `marginlab validate [--data DIR] [--out DIR] [--paths N]`: the model against the market's record — runs the
 * comparisons of src/validate/registry.ts on the real data in DIR and writes results.json (the rows), index.html
 * (the page) and summary.md into --out. Exit 0 whatever the rows say (the verdict line counts the passes); a
 * missing data folder or file is one line on stderr, exit 2, nothing written.
 */
import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/files.js';
import { terminalSafe } from '../../errors.js';
import { checkDataDir, runValidation } from '../../validate/registry.js';
import { renderPage } from '../../report/page.js';
import { validationPage, validationSummaryMd, validationVerdict } from '../../report/validation-page.js';
import { writeFilesAtomically } from '../../report/write.js';
import { intArg } from '../args.js';

const OUTPUTS = ['results.json', 'index.html', 'summary.md'];

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the model against real market data (price extremes of calm days, crisis shapes) and write a report of real vs simulated figures with bands and pass/fail')
    .option('--data <dir>', 'folder of real market data (files named as in its README)', '../shared/data')
    .option('--out <dir>', 'output folder', 'reports/validation')
    .option('--paths <n>', 'simulated paths per comparison (default: 1,000 days per calm scenario, 200 price paths per stress replay, 16 engine paths for liquidation timing; timing uses at most 64)', intArg('--paths', 10, 100_000))
    .action(async (opts: { data: string; out: string; paths?: number }) => {
      const flag = `--data ${opts.data}`;
      checkDataDir(opts.data, undefined, flag);
      checkOutputFolder(opts.out, OUTPUTS);
      const r = await runValidation(opts.data, opts.paths === undefined ? {} : { calmPaths: opts.paths, crisisPaths: opts.paths, timingPaths: Math.min(opts.paths, 64) }, undefined, flag);
      const written = writeFilesAtomically(
        opts.out,
        { 'results.json': JSON.stringify(r, null, 1) + '\n', 'index.html': renderPage(validationPage(r)), 'summary.md': validationSummaryMd(r) },
        OUTPUTS,
      );
      // the data folder and the output paths are the user's: printed terminal-safe
      process.stdout.write(`${terminalSafe(validationVerdict(r))}\n`);
      process.stderr.write(`${terminalSafe(`wrote ${written.join(', ')}`)}\n`);
    });
}
