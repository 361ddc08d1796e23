/**
 * Checking a value against its golden file in test/golden/ (format and comparison: scripts/golden-lib.mjs).
 *
 *   expectGolden('mechanisms/case-07.json', value)
 *
 * In a test run the file's value must be deep-equal to `value` in JSON (layout and key order do not
 * count); otherwise the test fails naming the file and its first differing keys, old → new. A missing
 * file fails too. Nothing is written.
 *
 * Under `npm run golden` (scripts/golden.mjs, which sets MARGINLAB_GOLDEN_UPDATE to a folder), a file
 * whose value differs, is missing, or is not in the golden layout is rewritten, and every file checked
 * is logged to `<folder>/checked.jsonl` with what changed, for the script to print.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeDifference, differences, goldenJson, type Difference } from '../../scripts/golden-lib.mjs';

export const GOLDEN_DIR = path.resolve(__dirname, '../golden');

/** What `npm run golden` is told about one file. */
export interface GoldenRecord {
  /** Relative to test/golden/. */
  file: string;
  status: 'same' | 'changed' | 'new' | 'reformatted';
  /** Every differing key (status 'changed'). */
  changes: Difference[];
}

/** Keys shown in a failing test's message. */
const SHOWN = 12;

export function expectGolden(file: string, value: unknown): void {
  const abs = path.join(GOLDEN_DIR, file);
  const text = goldenJson(value);
  const updateLog = process.env.MARGINLAB_GOLDEN_UPDATE;
  const old = existsSync(abs) ? readFileSync(abs, 'utf8') : null;
  if (updateLog) {
    const changes = old === null ? [] : differences(JSON.parse(old), JSON.parse(text));
    const status: GoldenRecord['status'] = old === null ? 'new' : changes.length ? 'changed' : old !== text ? 'reformatted' : 'same';
    if (status !== 'same') {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, text);
    }
    const record: GoldenRecord = { file, status, changes };
    appendFileSync(path.join(updateLog, 'checked.jsonl'), JSON.stringify(record) + '\n');
    return;
  }
  const where = `test/golden/${file}`;
  if (old === null) throw new Error(`${where} is missing: run npm run golden to write it, then review and commit it`);
  const diffs = differences(JSON.parse(old), JSON.parse(text), SHOWN + 1);
  if (diffs.length === 0) return;
  const shown = diffs.slice(0, SHOWN).map((d) => `  ${describeDifference(d)}`);
  const more = diffs.length > SHOWN ? '\n  … and more' : '';
  throw new Error(
    `${where} differs from this output (golden → now), first keys:\n${shown.join('\n')}${more}\n` +
      'If the change is intended, run npm run golden: it rewrites the changed files and lists every changed key.',
  );
}
