/**
 * Golden outputs: the engine's results at fixed seeds, frozen in test/golden/ as pretty-printed JSON
 * (scripts/golden-lib.mjs), one file per scenario and per mechanism case. A refactor of the engine
 * must keep them equal in value; a change that moves results rewrites them in its own, explained commit:
 * `npm run golden` rewrites only the files whose value changed and prints every changed key, old → new
 * with the relative change (README, "Golden files"). A failing test names the file and its first
 * differing keys (test/helpers/golden.ts).
 *
 * Two sets:
 * - every scenario file in scenarios/ at 4 paths: results.json minus its timing block (`run`), the
 *   repository's own path replaced by `<repo>` so a checkout anywhere gives the same values
 *   (test/golden/scenarios/<file>.json);
 * - a matrix of small books exercising every mechanism together (multi-market cross margin, every
 *   maintenance schedule, mark rule, liquidation style, caps, grace, liquidators, backstop, ADL
 *   rankings, socialised loss, arrivals, take-profit, deleveraging): every per-path summary,
 *   histogram and series at full float64 precision, so even a change in the last bit is seen
 *   (test/golden/mechanisms/case-NN.json).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';
import { resultsJson } from '../../src/report/write.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { MECHANISM_CASES, mechanismCase } from '../helpers/mechanism-matrix.js';
import { scenarioFiles } from '../helpers/files.js';
import { expectGolden, GOLDEN_DIR } from '../helpers/golden.js';
import { describeDifference, differences, goldenJson, mechanismCaseFile } from '../../scripts/golden-lib.mjs';

const ROOT = path.resolve(__dirname, '../..');

describe('golden outputs: scenario files', () => {
  for (const f of scenarioFiles()) {
    const rel = path.relative(path.join(ROOT, 'scenarios'), f);
    it(`${rel} at 4 paths gives the frozen results.json (minus timing)`, async () => {
      const sc = loadScenarioFile(f);
      const r = await runScenario(parseScenario({ ...sc, paths: 4 }), { workers: 0 });
      const json = JSON.parse(resultsJson(r).split(ROOT).join('<repo>')) as Record<string, unknown>;
      delete json.run;
      expectGolden(`scenarios/${rel.replace(/\.ya?ml$/, '.json')}`, json);
    });
  }
});

/** Typed arrays as plain arrays, so JSON keeps every bit (shortest round-trip form of each double). */
function plain(x: unknown): unknown {
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}

describe('golden outputs: every mechanism at full precision', () => {
  for (let k = 0; k < MECHANISM_CASES; k++) {
    it(`mechanism case ${k} gives the frozen per-path summaries, histograms and series`, () => {
      const sc = mechanismCase(k);
      const ctx = createRunContext(sc);
      const buf = new PathBuffers(ctx);
      const paths = Array.from({ length: sc.paths }, (_, p) => plain(simulatePath(ctx, p, buf, true)));
      expectGolden(mechanismCaseFile(k), { case: k, paths });
    });
  }
});

describe('golden files: format and comparison (scripts/golden-lib.mjs)', () => {
  const rng = seedrandom('golden-format');
  const doubles = Array.from({ length: 400 }, (_, i) => (rng() - 0.5) * 10 ** Math.floor(-320 + (620 * i) / 400));
  doubles.push(5e-324, -5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1 / 3, 0);

  it('keeps every bit of every double, and every value of a nested document', () => {
    const doc = { a: doubles, nested: [{ x: doubles.slice(0, 7), flag: true, none: null, text: 'a "quoted" \u2212 line\n' }], empty: [], obj: {} };
    const back = JSON.parse(goldenJson(doc));
    expect(back.a.every((x: number, i: number) => Object.is(x, doubles[i] === 0 ? 0 : doubles[i]))).toBe(true);
    expect(back).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('is pretty-printed: one key a line, arrays of numbers packed into lines of at most 100 characters', () => {
    const text = goldenJson({ series: Array.from({ length: 500 }, (_, i) => i / 7), summary: { a: 1, b: 2, aRatherLongKeyBeforeAnArrayThatAlmostFits: Array.from({ length: 9 }, (_, i) => i + 0.25) } });
    const lines = text.split('\n');
    expect(lines.length).toBeGreaterThan(20);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(lines).toContain('    "a": 1,');
  });

  it('finds a change in the last bit, with its key path and relative change; key order and layout do not count', () => {
    const a = { paths: [{ summary: { badDebtUsd: 1234.5, n: 3 } }] };
    const b = { paths: [{ summary: { n: 3, badDebtUsd: 1234.5000000000002 } }] };
    expect(differences(a, JSON.parse(JSON.stringify(a)))).toEqual([]);
    expect(differences(a, { paths: [{ summary: { n: 3, badDebtUsd: 1234.5 } }] })).toEqual([]);
    const d = differences(a, b);
    expect(d).toEqual([{ path: 'paths[0].summary.badDebtUsd', old: 1234.5, new: 1234.5000000000002 }]);
    expect(describeDifference(d[0])).toMatch(/^paths\[0\]\.summary\.badDebtUsd: 1234\.5 → 1234\.5000000000002 \(\+1\.8e-14%\)$/);
    expect(describeDifference({ path: 'x', old: 200, new: 150 })).toBe('x: 200 → 150 (\u221225.0%)');
  });

  it('reports added and removed keys and a changed array length', () => {
    const d = differences({ a: [1, 2, 3], gone: 1 }, { a: [1, 2], added: 'x' });
    expect(d.map(describeDifference)).toEqual(['a.length: 3 → 2 (\u221233.3%)', 'gone: 1 → (absent)', 'added: (absent) → "x"']);
  });

  it.skipIf(!!process.env.MARGINLAB_GOLDEN_UPDATE)('a golden test fails naming the file and the first differing key, golden → now', () => {
    const file = mechanismCaseFile(0);
    const value = JSON.parse(readFileSync(path.join(GOLDEN_DIR, file), 'utf8'));
    expect(() => expectGolden(file, value)).not.toThrow();
    value.paths[1].summary.fundEndUsd += 1;
    expect(() => expectGolden(file, value)).toThrow(/test\/golden\/mechanisms\/case-00\.json differs[^]*paths\[1\]\.summary\.fundEndUsd: /);
    expect(() => expectGolden('mechanisms/no-such-case.json', value)).toThrow(/no-such-case\.json is missing: run npm run golden/);
  });
});
