/**
 * `marginlab report <results.json> [--out DIR]`: rebuilds a run's report (index.html and
 * figures/*.svg) from a saved results.json without re-simulating. Bad input — a missing or unreadable
 * file, text that is not JSON, a file that is not a marginlab run's results — is a `UserError`: one
 * line, exit 2, nothing written.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { RESULTS_FORMAT, type Results } from '../../api/run.js';
import { UserError } from '../../errors.js';
import { formatPath, parseScenario, show } from '../../scenario/load.js';
import { REPORT_OUTPUTS, writeReport } from '../../report/write.js';
import { ResultsFileSchema } from '../../report/results-schema.js';
import { checkOutputFolder, MIB, readBoundedFile, utf8 } from '../../io/files.js';
import { noFiguresOption } from '../args.js';

/** Largest results.json read (256 MiB; a 1,000,000-path run writes about 190 MB). */
export const MAX_RESULTS_BYTES = 256 * MIB;

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function valueAt(root: unknown, at: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of at) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

/**
 * Reads and checks a results.json written by `marginlab run` (at most `MAX_RESULTS_BYTES`): its
 * format, every field the report reads (src/report/results-schema.ts), and its scenario — without
 * reading any file the scenario names (an untrusted results.json cannot make the report open
 * `/etc/passwd`). Throws `UserError` naming the file and the first wrong field.
 */
export function loadResults(file: string): Results {
  const text = utf8(readBoundedFile(file, MAX_RESULTS_BYTES, 'results file'));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    throw new UserError(`${file}: not valid JSON${m ? ` (at character ${m[1]})` : ''} — expected a results.json written by "marginlab run"`);
  }
  if (jsonType(data) !== 'object') throw new UserError(`${file}: expected a JSON object (a results.json written by "marginlab run"), got ${jsonType(data)}`);
  const r = data as Record<string, unknown>;
  if (r.format !== RESULTS_FORMAT) {
    const got = r.format === undefined ? 'no "format" field' : `format ${show(r.format)}`;
    throw new UserError(`${file}: not a marginlab run's results (${got}; expected format "${RESULTS_FORMAT}")`);
  }
  const parsed = ResultsFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const v = valueAt(data, issue.path);
    const what = issue.code === 'invalid_type' ? `must be a JSON ${issue.expected === 'record' ? 'object' : issue.expected}, got ${v === undefined ? 'nothing (missing)' : jsonType(v)}` : issue.message;
    throw new UserError(`${file}: field "${formatPath(issue.path)}" ${what}`);
  }
  // The scenario must still be one this version understands (its fields drive the report's text);
  // data files it names are not read.
  parseScenario(r.scenario, `${file}: scenario`, { readFiles: false });
  return data as Results;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild the report (index.html, summary.md, figures/) of any output folder — run, sweep, calibrate or compare — from its saved JSON, without re-simulating')
    .argument('<folder|file>', 'an output folder, or the results.json / sweep.json / calibration.json / comparison.json in it')
    .option('--out <dir>', 'output folder (default: the folder holding the saved file)')
    .option('--json', 'print the verdict and scorecard as JSON on stdout')
    .addOption(noFiguresOption())
    .action(async (target: string, opts: { out?: string; figures?: boolean; json?: boolean }) => {
      const { loadSaved, summaryOfSaved, KINDS } = await import('../saved.js');
      const saved = loadSaved(target);
      const out = opts.out ?? saved.dir;
      const { studyOutputs, writeStudy, wroteLine } = await import('./study-common.js');
      const { emitSummary } = await import('../emit.js');
      const replaced = saved.kind === 'run' ? REPORT_OUTPUTS : studyOutputs(KINDS[saved.kind].file).filter((n) => n !== KINDS[saved.kind].file);
      checkOutputFolder(out, replaced, { flag: opts.out ? `--out ${out}` : `${out} (the folder holding ${path.basename(saved.file)}; pass --out to write elsewhere)` });
      const summary = summaryOfSaved(saved, out);
      let written: string;
      if (saved.kind === 'run') {
        written = `wrote ${(await writeReport(out, saved.data, { figures: opts.figures !== false })).join(', ')}`;
      } else {
        const pages = await import('../../report/study-pages.js');
        const page = async () => (saved.kind === 'sweep' ? pages.sweepPage(saved.data) : saved.kind === 'calibrate' ? pages.calibrationPage(saved.data) : pages.comparisonPage(saved.data));
        written = wroteLine(await writeStudy(out, KINDS[saved.kind].file, undefined, page, summary, opts.figures !== false));
      }
      emitSummary(summary, opts.json, `${summary.name}: ${saved.kind} report rebuilt from ${saved.file}\n${written}`);
    });
}
