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
    .description("rebuild a run's index.html and figures/ from its saved results.json, without re-simulating")
    .argument('<results>', 'a results.json written by "marginlab run"')
    .option('--out <dir>', 'output folder (default: the folder holding the results file)')
    .addOption(noFiguresOption())
    .action(async (file: string, opts: { out?: string; figures?: boolean }) => {
      const results = loadResults(file);
      const out = opts.out ?? path.dirname(file);
      checkOutputFolder(out, REPORT_OUTPUTS, { flag: opts.out ? `--out ${out}` : `${out} (the folder holding ${path.basename(file)}; pass --out to write elsewhere)` });
      const written = await writeReport(out, results, { figures: opts.figures !== false });
      process.stderr.write(`${results.scenario.name}: report rebuilt from ${file}\nwrote ${written.join(', ')}\n`);
    });
}
