import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../src/scenario/json-schema.js';

const ROOT = path.resolve(__dirname, '../..');

describe('scenario JSON Schema', () => {
  it('the committed scenarios/scenario.schema.json is up to date (run `npm run schema`)', () => {
    expect(readFileSync(path.join(ROOT, 'scenarios/scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchemaText());
  });
  it('accepts the default scenario and rejects an unknown field, as the zod schema does', () => {
    const ajv = new Ajv2020.default({ strict: false });
    const validate = ajv.compile(scenarioJsonSchema());
    const doc = parse(readFileSync(path.join(ROOT, 'scenarios/default.yaml'), 'utf8'));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...doc, pathz: 3 })).toBe(false);
  });
});
