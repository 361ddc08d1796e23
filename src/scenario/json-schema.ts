/** The JSON Schema of scenario files, generated from the zod schema (for editor autocomplete). */
import { z } from 'zod';
import { ScenarioSchema } from './schema.js';

export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'marginlab scenario',
    description: 'A marginlab scenario file (YAML or JSON). Generated from src/scenario/schema.ts by `npm run schema`; see docs/scenarios.md.',
  };
}

export function scenarioJsonSchemaText(): string {
  return JSON.stringify(scenarioJsonSchema(), null, 2) + '\n';
}
