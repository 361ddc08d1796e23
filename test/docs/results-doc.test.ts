/**
 * Every field of results.json is documented: each key that appears anywhere in the results of a run
 * (nested objects walked; arrays of objects walked through their first element; the `scenario`
 * subtree is docs/scenarios.md's) is mentioned in docs/results.md as `key`, in backticks. So is every
 * key of the `--json` summary (`runSummary`, the shape every command prints) and of the library's
 * `summaryOf`. Adding a field without documenting it fails here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runScenario, summaryOf, type Results } from '../../src/api/run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { runSummary } from '../../src/report/verdict.js';

const DOC = fileURLToPath(new URL('../../docs/results.md', import.meta.url));

/** Every object key under `value`, except the subtree under the top-level key `skip`. */
function keysOf(value: unknown, out = new Set<string>(), skip?: string): Set<string> {
  if (Array.isArray(value)) {
    const first = value[0];
    if (first !== null && typeof first === 'object') keysOf(first, out);
    return out;
  }
  if (value === null || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out.add(k);
    if (k !== skip) keysOf(v, out);
  }
  return out;
}

const undocumented = (keys: Set<string>, doc: string) => [...keys].filter((k) => !doc.includes(`\`${k}\``)).sort();

describe('docs/results.md', () => {
  let results: Results;
  let doc: string;
  beforeAll(async () => {
    results = await runScenario(parseScenario({ name: 't', paths: 5, horizonSteps: 60, traders: { count: 50 } }), { workers: 0 });
    doc = readFileSync(DOC, 'utf8');
  });

  it('the walk reaches every part of the results (so the check below is not vacuous)', () => {
    const keys = keysOf(results, new Set(), 'scenario');
    expect(results.drilldown.length).toBeGreaterThan(0);
    expect(results.series).not.toBeNull();
    for (const k of ['aggregates', 'es999', 'p99', 'lowerBound', 'p05', 'cumulativeLiquidatedUsd', 'liquidatedByGenerationUsd', 'adlProfitTakenUsd', 'maxMmr', 'lossWaterfall', 'shareOfShortfall']) {
      expect(keys.has(k), k).toBe(true);
    }
    // the scenario subtree is not walked (docs/scenarios.md covers it)
    expect(keys.has('scenario')).toBe(true);
    expect(keys.has('priceModel')).toBe(false);
  });

  it('mentions every key of results.json as `key`', () => {
    expect(undocumented(keysOf(results, new Set(), 'scenario'), doc)).toEqual([]);
  });

  it('mentions every key of the --json summary (and of the library summary) as `key`', () => {
    expect(undocumented(keysOf(runSummary(results, 'out')), doc)).toEqual([]);
    expect(undocumented(keysOf(summaryOf(results)), doc)).toEqual([]);
  });
});
