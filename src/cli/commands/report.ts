/**
 * `marginlab report <results.json> [--out DIR]`: rebuilds a run's report (index.html and
 * figures/*.svg) from a saved results.json without re-simulating. Bad input — a missing or unreadable
 * file, text that is not JSON, a file that is not a marginlab run's results — is a `UserError`: one
 * line, exit 2, nothing written.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { RESULTS_FORMAT, type Results } from '../../api/run.js';
import { UserError } from '../../errors.js';
import { parseScenario } from '../../scenario/load.js';
import { writeReport } from '../../report/write.js';

/** The top-level fields the report reads, with the JSON type each must have. */
const REQUIRED: [keyof Results, 'object' | 'number' | 'string' | 'array'][] = [
  ['marginlabVersion', 'string'],
  ['seed', 'number'],
  ['scenario', 'object'],
  ['run', 'object'],
  ['population', 'object'],
  ['aggregates', 'object'],
  ['cascadeHistograms', 'object'],
  ['drilldown', 'array'],
  ['paths', 'object'],
];

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Reads and checks a results.json written by `marginlab run`. Throws `UserError` naming the file and
 * what is wrong with it.
 */
export function loadResults(file: string): Results {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(e)})`;
    throw new UserError(`${file}: ${why}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message.replace(/\s+/g, ' ').trim()}) — expected a results.json written by "marginlab run"`);
  }
  if (jsonType(data) !== 'object') throw new UserError(`${file}: expected a JSON object (a results.json written by "marginlab run"), got ${jsonType(data)}`);
  const r = data as Record<string, unknown>;
  if (r.format !== RESULTS_FORMAT) {
    const got = r.format === undefined ? 'no "format" field' : `format ${JSON.stringify(r.format)}`;
    throw new UserError(`${file}: not a marginlab run's results (${got}; expected format "${RESULTS_FORMAT}")`);
  }
  for (const [key, type] of REQUIRED) {
    if (jsonType(r[key]) !== type) throw new UserError(`${file}: field "${key}" must be a JSON ${type}, got ${jsonType(r[key])}`);
  }
  if (!Array.isArray((r.paths as Record<string, unknown>).badDebtUsd)) throw new UserError(`${file}: field "paths.badDebtUsd" must be an array of per-path values`);
  // The scenario must still be one this version understands (its fields drive the report's text).
  parseScenario(r.scenario, `${file}: scenario`);
  return data as Results;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description("rebuild a run's index.html and figures/ from its saved results.json, without re-simulating")
    .argument('<results>', 'a results.json written by "marginlab run"')
    .option('--out <dir>', 'output folder (default: the folder holding the results file)')
    .action(async (file: string, opts: { out?: string }) => {
      const results = loadResults(file);
      const out = opts.out ?? path.dirname(file);
      const written = await writeReport(out, results);
      process.stderr.write(`${results.scenario.name}: report rebuilt from ${file}\nwrote ${written.join(', ')}\n`);
    });
}
