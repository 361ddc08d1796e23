/**
 * What a command prints when it has finished: the verdict and scorecard on stdout — in words by
 * default, as JSON with `--json` (src/report/verdict.ts `Summary`: the same field names for run,
 * sweep, calibrate and compare, the output folder included) — and its warnings and the files written
 * on stderr.
 */
import { summaryText, type Summary } from '../report/verdict.js';

export function emitSummary(summary: Summary, json: boolean | undefined, written: string): void {
  process.stdout.write(json ? JSON.stringify(summary, null, 2) + '\n' : summaryText(summary));
  process.stderr.write(summary.warnings.map((w) => `warning: ${w}\n`).join('') + (written.endsWith('\n') ? written : written + '\n'));
}
