/**
 * Golden outputs: the engine's results at fixed seeds, frozen in test/golden/. A refactor of the engine
 * must keep them byte-identical; a change that moves results updates them in its own, explained commit
 * (`npx vitest run test/engine/golden.test.ts -u`, then read the diff).
 *
 * Two sets:
 * - every scenario file in scenarios/ at 4 paths: results.json minus its timing block (`run`), the
 *   repository's own path replaced by `<repo>` so a checkout anywhere gives the same bytes;
 * - a matrix of small books exercising every mechanism together (multi-market cross margin, every
 *   maintenance schedule, mark rule, liquidation style, caps, grace, liquidators, backstop, ADL
 *   rankings, socialised loss, arrivals, take-profit, deleveraging): every per-path summary,
 *   histogram and series at full float64 precision, so even a change in the last bit is seen.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadScenarioFile, parseScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/api/run.js';
import { compactJson, resultsJson } from '../../src/report/write.js';
import { createRunContext } from '../../src/engine/context.js';
import { PathBuffers, simulatePath } from '../../src/engine/path.js';
import { MECHANISM_CASES, mechanismCase } from '../helpers/mechanism-matrix.js';
import { scenarioFiles } from '../helpers/files.js';

const ROOT = path.resolve(__dirname, '../..');
const GOLDEN = path.join(ROOT, 'test/golden');

describe('golden outputs: scenario files', () => {
  for (const f of scenarioFiles()) {
    const rel = path.relative(path.join(ROOT, 'scenarios'), f);
    it(`${rel} at 4 paths gives the frozen results.json (minus timing)`, async () => {
      const sc = loadScenarioFile(f);
      const r = await runScenario(parseScenario({ ...sc, paths: 4 }), { workers: 0 });
      const json = JSON.parse(resultsJson(r)) as Record<string, unknown>;
      delete json.run;
      const text = compactJson(json).split(ROOT).join('<repo>') + '\n';
      await expect(text).toMatchFileSnapshot(path.join(GOLDEN, 'scenarios', rel.replace(/\.ya?ml$/, '.json')));
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
  const CASES = MECHANISM_CASES;
  it(`${CASES} mechanism cases give the frozen per-path summaries, histograms and series`, async () => {
    const out: unknown[] = [];
    for (let k = 0; k < CASES; k++) {
      const sc = mechanismCase(k);
      const ctx = createRunContext(sc);
      const buf = new PathBuffers(ctx);
      const paths = Array.from({ length: sc.paths }, (_, p) => plain(simulatePath(ctx, p, buf, true)));
      out.push({ case: k, paths });
    }
    const text = JSON.stringify(out) + '\n';
    await expect(text).toMatchFileSnapshot(path.join(GOLDEN, 'mechanisms.json'));
  });
});
