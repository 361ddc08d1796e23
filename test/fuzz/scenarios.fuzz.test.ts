/**
 * Fuzz test (issue 11): every scenario in scenarios/, mutated — special numbers (NaN, ±Infinity,
 * ±1e308, −0 …) and wrong kinds at every field, unknown keys, deleted keys, other `kind`s,
 * contradictory pairs, study blocks (`sweep:`, `calibrate:`), data-file paths with terminal escapes, price files
 * with impossible calendar dates (test/fuzz/mutate.ts) — and run through the CLI (`marginlab run … --paths 1
 * --workers 0 --no-figures`). Each case must end one of two ways:
 *   - exit 2, exactly one line on stderr that starts with the field it is about, no stack trace, and
 *     no output folder;
 *   - never a raw control character on stderr (a scenario's escapes are shown escaped);
 *   - exit 0, with results.json and index.html written and every number in results.json finite
 *     (JSON writes NaN and ±Infinity as null; only `standardError` and `series` may be null). The
 *     engine's conservation check throws on a violation, so exit 0 also means the books balanced.
 * Anything else — exit 1, a stack trace, a hang past the time limit — is a failure, reported with
 * the seed, the case index and the mutation so it can be replayed.
 *
 * `npm test` runs 300 cases from a fixed seed (printed); `npm run fuzz` runs thousands
 * (MARGINLAB_FUZZ_RUNS, MARGINLAB_FUZZ_SEED and MARGINLAB_FUZZ_CASE_TIMEOUT_MS change the count, the
 * seed and the per-case time limit).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';
import { terminalSafe } from '../../src/errors.js';
import { SCENARIOS_DIR } from '../helpers/files.js';
import { applyMutations, caseArbitrary, CONTRADICTION_NAMES, describeMutations, fuzzDataFiles, loadBases, mutatedKeys, type BaseScenario, type Mutation } from './mutate.js';
import { CliWorker, type CaseOutcome } from './harness.js';

const RUNS = Number(process.env.MARGINLAB_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.MARGINLAB_FUZZ_SEED ?? 20_260_111);
const CASE_TIMEOUT_MS = Number(process.env.MARGINLAB_FUZZ_CASE_TIMEOUT_MS ?? 30_000);
const PATHS = String(Number(process.env.MARGINLAB_FUZZ_PATHS ?? 1));

const dir = mkdtempSync(path.join(tmpdir(), 'marginlab-fuzz-'));
// the CSV scenario names data/…: the cases live in a folder with its own copy of scenarios/data
cpSync(path.join(SCENARIOS_DIR, 'data'), path.join(dir, 'data'), { recursive: true });
// a recommendation's other scenarios (recommend.also) are named relative to it: the cases find them beside them
for (const f of ['volatile-week.yaml', 'stress-day.yaml']) cpSync(path.join(SCENARIOS_DIR, 'recommend', f), path.join(dir, f));
// and the price files with impossible dates the `csv-<date>` contradictions name
for (const [name, text] of Object.entries(fuzzDataFiles(readFileSync(path.join(SCENARIOS_DIR, 'data/synthetic-btc-1m.csv'), 'utf8')))) writeFileSync(path.join(dir, 'data', name), text);
const worker = new CliWorker();
afterAll(async () => {
  await worker.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every field name of the scenario schema. */
function schemaFieldNames(node: unknown, out = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  for (const key of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(n[key])) for (const o of n[key] as unknown[]) schemaFieldNames(o, out);
  if (n.properties && typeof n.properties === 'object') {
    for (const [k, v] of Object.entries(n.properties as Record<string, unknown>)) {
      out.add(k);
      schemaFieldNames(v, out);
    }
  }
  if (n.items) schemaFieldNames(n.items, out);
  if (n.additionalProperties) schemaFieldNames(n.additionalProperties, out);
  return out;
}
const FIELDS = schemaFieldNames(scenarioJsonSchema());

/** Paths in results.json whose value may be null (everything else must be a finite number, string, boolean …). */
function nonFinite(v: unknown, at: string, out: string[]): void {
  if (out.length >= 3) return;
  if (v === null) {
    // null is documented where a confidence limit is open (`lower`, `upper`), for `tail.pathsNeeded` once met, and for
    // `aggregates.sampling.pathsPerBook` with one book (docs/results.md)
    if (!/(^|\.)(standardError|lower|upper|pathsNeeded)$|^series$|^aggregates\.sampling\.pathsPerBook$/.test(at)) out.push(at);
  } else if (Array.isArray(v)) v.forEach((x, i) => nonFinite(x, `${at}[${i}]`, out));
  else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) nonFinite(x, at ? `${at}.${k}` : k, out);
  else if (typeof v === 'number' && !Number.isFinite(v)) out.push(at);
}

/** Why an outcome is wrong, or undefined when it is one of the two allowed endings. */
function problemOf(ms: Mutation[], file: string, out: string, r: CaseOutcome): string | undefined {
  if (r.code === 'timeout') return `no answer within ${CASE_TIMEOUT_MS / 1000} s (hang)`;
  // issue 25 item 4: whatever a scenario holds, no raw control character reaches the terminal (the line's own \n aside)
  if (/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(r.stderr)) return `a raw control character reached stderr: ${JSON.stringify(r.stderr.slice(0, 300))}`;
  if (r.code === 2) {
    const lines = r.stderr.trimEnd().split('\n');
    if (lines.length !== 1) return `exit 2 with ${lines.length} lines on stderr: ${r.stderr.slice(0, 300)}`;
    if (/\n\s+at |internal error/.test(r.stderr)) return `exit 2 with a stack trace: ${r.stderr.slice(0, 300)}`;
    if (existsSync(out)) return `exit 2 but the output folder was written: ${lines[0]}`;
    const prefix = `marginlab: ${file}: `;
    if (!lines[0].startsWith(prefix)) return `exit 2 without naming the scenario file: ${lines[0]}`;
    const rest = lines[0].slice(prefix.length);
    // an unknown key is named as written, its control characters escaped
    const added = ms.flatMap((m) => (m.kind === 'unknown-key' ? [terminalSafe([...m.path, m.key].map((x, i) => (typeof x === 'number' ? `[${x}]` : i ? `.${x}` : x)).join(''))] : []));
    if (added.some((k) => rest.startsWith(`${k}:`))) return undefined;
    const lead = /^([A-Za-z_][\w]*(?:\.[\w]+|\[\d+\])*)(?:[,:]| \(| "| value )/.exec(rest);
    const named = lead ? lead[1].split(/[.[\]]+/).filter(Boolean) : [];
    const known = new Set([...FIELDS, ...mutatedKeys(ms)]);
    if (!named.some((n) => known.has(n))) return `exit 2 without naming a field first: ${lines[0]}`;
    return undefined;
  }
  if (r.code === 0) {
    const results = path.join(out, 'results.json');
    if (!existsSync(results) || !existsSync(path.join(out, 'index.html'))) return 'exit 0 without results.json and index.html';
    const bad: string[] = [];
    nonFinite(JSON.parse(readFileSync(results, 'utf8')), '', bad);
    if (bad.length) return `exit 0 with non-finite numbers in results.json at ${bad.join(', ')}`;
    return undefined;
  }
  return `exit ${r.code}: ${r.stderr.split('\n').slice(0, 2).join(' | ').slice(0, 400)}`;
}

async function runCase(ms: Mutation[], base: BaseScenario, name: string): Promise<{ problem?: string; code: CaseOutcome['code'] }> {
  const file = path.join(dir, `${name}.yaml`);
  const out = path.join(dir, `${name}-out`);
  writeFileSync(file, stringify(applyMutations(base, ms)));
  const r = await worker.run(['node', 'marginlab', 'run', file, '--paths', PATHS, '--workers', '0', '--no-figures', '--out', out], CASE_TIMEOUT_MS);
  const problem = problemOf(ms, file, out, r);
  rmSync(out, { recursive: true, force: true });
  rmSync(file, { force: true });
  return { problem, code: r.code };
}

describe('fuzz: mutated scenarios end in exit 2 naming the field (nothing written) or exit 0 with finite results', () => {
  const bases = loadBases();
  const byFile = new Map(bases.map((b) => [b.file, b]));

  it('every scenario file, made small and not mutated, runs to exit 0 with finite results', async () => {
    const problems: string[] = [];
    for (const [k, b] of bases.entries()) {
      const r = await runCase([], b, `base-${k}`);
      if (r.problem) problems.push(`${b.file}: ${r.problem}`);
      else if (r.code !== 0) problems.push(`${b.file}: exit ${r.code}`);
    }
    expect(problems).toEqual([]);
  });

  it('every contradiction, on the default scenario, ends in one of the two ways (study blocks, escaped paths and impossible dates refused)', async () => {
    const base = byFile.get('default.yaml')!;
    const problems: string[] = [];
    const refused: string[] = [];
    for (const name of CONTRADICTION_NAMES) {
      const r = await runCase([{ kind: 'contradiction', name }], base, `contra-${name}`);
      if (r.problem) problems.push(`${name}: ${r.problem}`);
      else if (r.code === 2) refused.push(name);
    }
    expect(problems).toEqual([]);
    // issue 25 items 1, 4, 5: these are the user's mistakes, refused by run as by sweep and calibrate
    for (const name of CONTRADICTION_NAMES.filter((n) => /^(sweep|calibrate|csv)-|-path-with-escapes$/.test(n))) expect(refused, name).toContain(name);
  }, 600_000);

  it(`${RUNS} mutated scenarios from seed ${SEED}`, async () => {
    const cases = fc.sample(caseArbitrary(bases), { seed: SEED, numRuns: RUNS });
    console.log(`fuzz: seed ${SEED}, ${RUNS} cases (replay with MARGINLAB_FUZZ_SEED=${SEED} MARGINLAB_FUZZ_RUNS=${RUNS})`);
    const problems: string[] = [];
    const counts = { exit0: 0, exit2: 0 };
    for (const [k, c] of cases.entries()) {
      const r = await runCase(c.mutations, byFile.get(c.file)!, `case-${k}`);
      if (r.problem) problems.push(`case ${k}: ${c.file}, ${describeMutations(c.mutations)}: ${r.problem}`);
      else if (r.code === 0) counts.exit0++;
      else counts.exit2++;
    }
    console.log(`fuzz: ${counts.exit0} ran (exit 0, finite results), ${counts.exit2} refused (exit 2, one line naming the field), ${problems.length} problems`);
    for (const p of problems) console.log(`fuzz problem: ${p}`);
    expect(problems).toEqual([]);
  }, 3_600_000);
});
