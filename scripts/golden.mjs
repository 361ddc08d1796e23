#!/usr/bin/env node
/**
 * Regenerates the golden files (test/golden/) and says what changed, instead of rewriting them silently.
 *
 *   npm run golden                      runs test/engine/golden.test.ts in update mode: a file whose value
 *                                       changed (or that is new, or not in the golden layout) is rewritten,
 *                                       the others are left alone; then prints each changed file with its
 *                                       changed keys, old → new and the relative change of a number, the
 *                                       new files, and golden files no test checks any more (stale)
 *   npm run golden -- -t 'case 7'       the same for the tests whose name matches (vitest's own options
 *                                       pass through; no stale list then)
 *   npm run golden -- --all             every changed key (default: the first 20 of each file)
 *   npm run golden -- --against <rev>   runs nothing: compares the golden files at git revision <rev>
 *                                       with the working tree's, in value, and prints the same report;
 *                                       exit 1 when they differ. Reads the older layout too (one
 *                                       test/golden/mechanisms.json holding every case).
 *
 * Formats and comparison: scripts/golden-lib.mjs. Review the printed keys and `git diff test/golden`
 * before committing, and say in the commit message which rule moved which numbers and why.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDifference, differences, mechanismCaseFile } from './golden-lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN = path.join(ROOT, 'test/golden');
const SHOWN = 20;

const args = process.argv.slice(2);
const all = args.includes('--all');
const againstAt = args.indexOf('--against');
const against = againstAt >= 0 ? args[againstAt + 1] : undefined;
if (againstAt >= 0 && !against) fail('--against needs a git revision, e.g. --against HEAD');
const passThrough = args.filter((a, i) => a !== '--all' && (againstAt < 0 || (i !== againstAt && i !== againstAt + 1)));

function fail(message) {
  console.error(`golden: ${message}`);
  process.exit(2);
}

/** Golden files in the working tree, relative to test/golden/ with '/' separators. */
function workingFiles(dir = GOLDEN) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return workingFiles(p);
    return f.endsWith('.json') ? [path.relative(GOLDEN, p).split(path.sep).join('/')] : [];
  });
}

/** The golden values at a git revision, by file (test/golden/-relative); the older single mechanisms.json split by case. */
function valuesAt(rev) {
  let names;
  try {
    names = execFileSync('git', ['ls-tree', '-r', '--name-only', rev, '--', 'test/golden'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.json'));
  } catch {
    fail(`cannot list test/golden at git revision ${JSON.stringify(rev)}`);
  }
  const out = new Map();
  for (const name of names) {
    const value = JSON.parse(execFileSync('git', ['show', `${rev}:${name}`], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 }));
    const rel = name.slice('test/golden/'.length);
    if (rel === 'mechanisms.json' && Array.isArray(value)) for (const c of value) out.set(mechanismCaseFile(c.case), c);
    else out.set(rel, value);
  }
  return out;
}

/** Prints the report; returns whether anything differs. */
function report(records, stale) {
  const count = (s) => records.filter((r) => r.status === s).length;
  const changed = records.filter((r) => r.status === 'changed');
  console.log(
    `\ngolden files: ${records.length} checked — ${count('changed')} changed, ${count('new')} new, ${count('removed')} removed, ${count('reformatted')} reformatted only, ${count('same')} unchanged`,
  );
  for (const r of changed) {
    console.log(`\nchanged test/golden/${r.file} (${r.changes.length} key${r.changes.length === 1 ? '' : 's'}):`);
    const shown = all ? r.changes : r.changes.slice(0, SHOWN);
    for (const d of shown) console.log(`  ${describeDifference(d)}`);
    if (shown.length < r.changes.length) console.log(`  … and ${r.changes.length - shown.length} more (--all shows every key)`);
  }
  for (const r of records.filter((x) => x.status === 'new')) console.log(`new test/golden/${r.file}`);
  for (const r of records.filter((x) => x.status === 'removed')) console.log(`removed test/golden/${r.file}`);
  for (const f of stale) console.log(`stale test/golden/${f}: no test checks it (delete it if its scenario or case is gone)`);
  return records.some((r) => r.status !== 'same' && r.status !== 'reformatted');
}

if (against) {
  const before = valuesAt(against);
  const now = new Map(workingFiles().map((f) => [f, JSON.parse(readFileSync(path.join(GOLDEN, f), 'utf8'))]));
  const files = [...new Set([...before.keys(), ...now.keys()])].sort();
  const records = files.map((file) => {
    if (!before.has(file)) return { file, status: 'new', changes: [] };
    if (!now.has(file)) return { file, status: 'removed', changes: [] };
    const changes = differences(before.get(file), now.get(file));
    return { file, status: changes.length ? 'changed' : 'same', changes };
  });
  console.log(`golden files at ${against} against the working tree, in value:`);
  process.exit(report(records, []) ? 1 : 0);
}

const log = mkdtempSync(path.join(os.tmpdir(), 'marginlab-golden-'));
const vitest = path.join(ROOT, 'node_modules/.bin/vitest');
const reporter = passThrough.some((a) => a.startsWith('--reporter')) ? [] : ['--reporter=dot'];
const run = spawnSync(vitest, ['run', 'test/engine/golden.test.ts', ...reporter, ...passThrough], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, MARGINLAB_GOLDEN_UPDATE: log },
});
const logFile = path.join(log, 'checked.jsonl');
const records = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(log, { recursive: true, force: true });
const checked = new Set(records.map((r) => r.file));
const stale = passThrough.length === 0 && run.status === 0 ? workingFiles().filter((f) => !checked.has(f)) : [];
report(records.sort((a, b) => a.file.localeCompare(b.file)), stale);
if (run.status !== 0) {
  console.error(`\ngolden: the golden tests failed (exit ${run.status ?? run.signal}); the files above were rewritten before the failure`);
  process.exit(run.status ?? 1);
}
