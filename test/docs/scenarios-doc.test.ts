/** Every scenario field is documented: its name appears in docs/scenarios.md (or the pages it links for price models and study blocks). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';

const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

function fieldNames(node: unknown, out = new Set<string>()): Set<string> {
  if (!node || typeof node !== 'object') return out;
  const n = node as Record<string, unknown>;
  for (const key of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(n[key])) for (const o of n[key] as unknown[]) fieldNames(o, out);
  if (n.properties && typeof n.properties === 'object') {
    for (const [k, v] of Object.entries(n.properties as Record<string, unknown>)) {
      out.add(k);
      fieldNames(v, out);
    }
  }
  if (n.items) fieldNames(n.items, out);
  return out;
}

describe('docs/scenarios.md', () => {
  it('mentions every scenario field (price-model fields may be in price-models.md, study blocks in calibration.md)', () => {
    const docs = read('docs/scenarios.md') + read('docs/price-models.md') + read('docs/calibration.md') + read('docs/recommend.md');
    const missing = [...fieldNames(scenarioJsonSchema())].filter((k) => !docs.includes(`\`${k}\``) && !new RegExp(`\\b${k}\\b`).test(docs));
    expect(missing).toEqual([]);
  });
});
