/**
 * compactJson writes what `JSON.stringify(value, null, 1)` writes with arrays of primitives folded onto one line
 * (the form results.json has always had), without building the indented text first (issue 26: that cost about
 * 7 KB a path at the peak). Checked against the fold of the indented text on random JSON values and a real run.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compactJson, compactJsonFile, resultsJson } from '../../src/report/write.js';
import { runScenario } from '../../src/api/run.js';

/** The former implementation: stringify with indentation, then fold arrays of primitives. */
function folded(value: unknown): string {
  const json = JSON.stringify(value, null, 1);
  return json.replace(/\[\n\s*((?:-?[\d.eE+-]+|true|false|null|"(?:[^"\\\n]|\\.)*")(?:,\n\s*(?:-?[\d.eE+-]+|true|false|null|"(?:[^"\\\n]|\\.)*"))*)\n\s*\]/g, (_m, body: string) =>
    `[${body.replace(/,\n\s*/g, ',')}]`,
  );
}

describe('compactJson', () => {
  it('equals the folded indented JSON on random values (nested objects and arrays, empty ones, odd strings, NaN, undefined)', () => {
    const leaf = fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.string(), fc.constantFrom('a\nb', 'q"uote', '[1,\n2]', 'back\\slash'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 5 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 5 })),
    })).node;
    fc.assert(fc.property(value.filter((v) => v !== undefined), (v) => {
        expect(compactJson(v)).toBe(folded(v));
      }), { numRuns: 500, seed: 7 });
  });

  it('equals it on a run’s results', async () => {
    const r = await runScenario({ name: 'cj', seed: 3, paths: 40, horizonSteps: 60, traders: { count: 80 } }, { workers: 0 });
    expect(compactJson(r)).toBe(folded(r));
    // written to a file a megabyte at a time: the same bytes as resultsJson
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'marginlab-cj-')), 'results.json');
    compactJsonFile(r)(file);
    expect(readFileSync(file, 'utf8')).toBe(resultsJson(r));
    const big = { paths: { x: Array.from({ length: 300_000 }, (_, i) => i / 7) } };
    compactJsonFile(big)(file);
    expect(readFileSync(file, 'utf8')).toBe(`${folded(big)}\n`);
  });
});
