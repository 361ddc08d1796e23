/**
 * The per-path field registry (src/engine/fields.ts) is the one list of per-path fields: what reaches
 * results.json `paths` (and every drill-down summary) is exactly the registry's fields for the
 * scenario, in its order, each value of its declared kind; a field without an entry is refused where
 * summaries become columns; docs/results.md's per-path tables are the registry's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, type Results } from '../../src/api/run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runPathsSerial } from '../../src/mc/runner.js';
import { fieldsOfScenario, PATH_FIELD_LIST, pathField } from '../../src/engine/fields.js';
import { PathTable, tableFieldsOf } from '../../src/mc/table.js';
import { pathFields } from '../../src/sweep/evaluate.js';
import { withGeneratedBlocks } from '../../src/report/fields-doc.js';
import type { PathSummary } from '../../src/engine/path.js';
import type { Scenario } from '../../src/scenario/schema.js';

const DOC = fileURLToPath(new URL('../../docs/results.md', import.meta.url));

const ETH = { name: 'ETH-PERP', initialPriceUsd: 3000, priceModel: { kind: 'gbm', volatilityAnnual: 1 }, impact: { kind: 'linear', depthUsdPerPercent: 300_000 } };
/** Two markets, importance sampling: every conditional and per-market field is present. */
const wide = () => parseScenario({ name: 'fields', paths: 4, horizonSteps: 40, traders: { count: 40 }, otherMarkets: [ETH], sampling: { importance: {} } });
const plain = () => parseScenario({ name: 'fields', paths: 3, horizonSteps: 40, traders: { count: 40 } });

/** The registry check on a results object: the unregistered `paths` fields and those missing or out of order. */
function registryDrift(r: Results, sc: Scenario): { unregistered: string[]; expected: string[]; got: string[] } {
  const got = Object.keys(r.paths);
  return { unregistered: got.filter((k) => !pathField(k)), expected: fieldsOfScenario(sc).map((f) => f.name), got };
}

describe('the per-path field registry', () => {
  let wideRun: Results;
  let plainRun: Results;
  beforeAll(async () => {
    wideRun = await runScenario(wide(), { workers: 0, drilldownWorst: 1 });
    plainRun = await runScenario(plain(), { workers: 0, drilldownWorst: 1 });
  });

  it('results.json paths hold exactly the registry fields of the scenario, in registry order (no field without an entry)', () => {
    for (const [r, sc] of [
      [wideRun, wide()],
      [plainRun, plain()],
    ] as const) {
      const d = registryDrift(r, sc);
      expect(d.unregistered).toEqual([]);
      expect(d.got).toEqual(d.expected);
      for (const dd of r.drilldown) expect(Object.keys(dd.summary)).toEqual(d.expected);
    }
    expect(Object.keys(wideRun.paths)).toContain('likelihoodRatio');
    expect(Object.keys(plainRun.paths)).not.toContain('likelihoodRatio');
  });

  it('the drift check sees a field that reached results.json without an entry (it can fail)', () => {
    const forged = { ...plainRun, paths: { ...plainRun.paths, sneakyUsd: plainRun.paths.badDebtUsd } } as Results;
    expect(registryDrift(forged, plain()).unregistered).toEqual(['sneakyUsd']);
  });

  it('a summary with an unregistered field is refused when it becomes columns, naming the field', () => {
    const s = runPathsSerial(plain(), [0])[0].summary;
    expect(() => PathTable.fromSummaries([{ ...s, sneakyUsd: 1 } as unknown as PathSummary])).toThrow(/"sneakyUsd" has no entry in the field registry/);
  });

  it('every value has its declared kind: counts whole, flags boolean, per-market arrays one entry per market', () => {
    const sc = wide();
    const s = runPathsSerial(sc, [0, 1])[1].summary as unknown as Record<string, unknown>;
    for (const f of fieldsOfScenario(sc)) {
      const v = s[f.name];
      const values = f.perMarket ? (v as number[]) : [v];
      if (f.perMarket) expect((v as number[]).length, f.name).toBe(2);
      for (const x of values) {
        if (f.kind === 'flag') expect(typeof x, f.name).toBe('boolean');
        else if (f.kind === 'count') expect(Number.isInteger(x), f.name).toBe(true);
        else expect(typeof x, f.name).toBe('number');
      }
    }
  });

  it('the table fields of a scenario are those its run records (names, kinds, widths)', () => {
    for (const sc of [wide(), plain()]) {
      const t = PathTable.fromSummaries(runPathsSerial(sc, [0]).map((r) => r.summary));
      expect(tableFieldsOf(sc)).toEqual(t.fields);
      // what the sweep allowed by simulating one step is now read off the registry
      expect(pathFields(sc)).toEqual(Object.keys(runPathsSerial({ ...sc, horizonSteps: 1 }, [0])[0].summary));
    }
  });

  it('USD fields end in Usd and every field has a one-line doc (results.json rounds USD fields to cents by the unit)', () => {
    for (const f of PATH_FIELD_LIST) {
      expect(f.unit === 'USD', f.name).toBe(f.name.endsWith('Usd'));
      expect(f.doc.length, f.name).toBeGreaterThan(10);
      expect(f.doc, f.name).not.toMatch(/\n/);
    }
  });

  it("docs/results.md's per-path tables are the registry's (npm run docs:fields rewrites them)", () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(withGeneratedBlocks(doc)).toBe(doc);
  });
});
