/**
 * `marginlab report <folder|file> [--out DIR]`: rebuilds the report of any output folder — a run's
 * (index.html and figures/*.svg from results.json), or a study's (index.html, summary.md and figures/
 * from sweep.json, calibration.json, comparison.json, recommendation.json or sensitivity.json) —
 * without re-simulating. Bad input — a missing or unreadable
 * file, text that is not JSON, a file that is not a marginlab run's results — is a `UserError`: one
 * line, exit 2, nothing written.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { REPORT_OUTPUTS, writeReport } from '../../report/write.js';
import { checkOutputFolder } from '../../io/files.js';
import { noFiguresOption, summaryJsonOption } from '../args.js';
import { KINDS, loadSaved, summaryOfSaved, type Saved } from '../saved.js';
import { emitSummary } from '../emit.js';
import type { PageOptions } from '../../report/page.js';
import { studyOutputs, writeStudy, wroteLine } from './study-common.js';

/** The page of a saved study, from its JSON alone (the page modules are loaded only here). */
async function studyPage(saved: Exclude<Saved, { kind: 'run' }>): Promise<PageOptions> {
  const pages = await import('../../report/study-pages.js');
  switch (saved.kind) {
    case 'sweep':
      return pages.sweepPage(saved.data);
    case 'calibrate':
      return pages.calibrationPage(saved.data);
    case 'compare':
      return pages.comparisonPage(saved.data);
    case 'recommend':
      return (await import('../../report/recommend-report.js')).recommendationPage(saved.data);
    case 'sensitivity':
      return (await import('../../report/sensitivity-page.js')).sensitivityPage(saved.data);
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild the report (index.html, summary.md, figures/) of any output folder — run, sweep, calibrate, compare, recommend or sensitivity — from its saved JSON, without re-simulating')
    .argument('<folder|file>', 'an output folder, or the results.json / sweep.json / calibration.json / comparison.json / recommendation.json / sensitivity.json in it')
    .option('--out <dir>', 'output folder (default: the folder holding the saved file)')
    .addOption(summaryJsonOption())
    .addOption(noFiguresOption())
    .action(async (target: string, opts: { out?: string; figures?: boolean; json?: boolean }) => {
      const saved = loadSaved(target);
      const out = opts.out ?? saved.dir;
      const replaced = saved.kind === 'run' ? REPORT_OUTPUTS : studyOutputs(KINDS[saved.kind].file).filter((n) => n !== KINDS[saved.kind].file);
      checkOutputFolder(out, replaced, { flag: opts.out ? `--out ${out}` : `${out} (the folder holding ${path.basename(saved.file)}; pass --out to write elsewhere)` });
      const summary = summaryOfSaved(saved, out);
      let written: string;
      if (saved.kind === 'run') {
        written = `wrote ${(await writeReport(out, saved.data, { figures: opts.figures !== false })).join(', ')}`;
      } else {
        written = wroteLine(await writeStudy(out, KINDS[saved.kind].file, undefined, () => studyPage(saved), summary, opts.figures !== false));
      }
      emitSummary(summary, opts.json, `${summary.name}: ${saved.kind} report rebuilt from ${saved.file}\n${written}`);
    });
}
